import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSet } from 'dicom-parser';
import { sample } from '../helpers/samples';
import type { Field } from '../../main/core/field';
import { configDir, installSecret, installSecretPath } from '../../main/core/install-secret';
import { openField } from '../../main/data/index';
import { writeLikeSource } from '../../main/data/writers';
import { anonymizeDataset, basicProfileAction, deidentificationElements, hasPatientData, resolveAction, uidMapper, type ResolvedAction } from '../../main/data/dicom/anonymize';
import { encodePart10, type DataElement } from '../../main/data/dicom/encode';
import { dicomParser } from '../../main/data/dicom/parse';
import type { VR } from '../../main/data/dicom/tags';

/**
 * De-identified DICOM export (PS3.15 Annex E basic profile): the per-install secret, the
 * anonymiser on whole real data sets (private tags, sequences, pixel data), and the series
 * writer reached through `writeLikeSource`, checked tag by tag on the written files.
 */

const tmp = mkdtempSync(join(tmpdir(), 'inr-anon-'));
const configA = join(tmp, 'config-a');
const configB = join(tmp, 'config-b');
const savedConfigDir = process.env.INR_CONFIG_DIR;
beforeAll(() => {
  process.env.INR_CONFIG_DIR = configA;
});
afterAll(() => {
  if (savedConfigDir === undefined) delete process.env.INR_CONFIG_DIR;
  else process.env.INR_CONFIG_DIR = savedConfigDir;
  rmSync(tmp, { recursive: true, force: true });
});

const CT_SMALL = sample('dicom', 'pydicom', 'CT_small.dcm'); // 179 private elements, patient data
const MR_SMALL = sample('dicom', 'pydicom', 'MR_small.dcm');
const LIVER = sample('dicom', 'pydicom', 'liver_1frame.dcm'); // enhanced CT: nested sequences
const MR_SERIES = sample('dicom', 'mr-series');

function parseFile(path: string): DataSet {
  return dicomParser.parseDicom(readFileSync(path));
}

function groupOf(tag: string): number {
  return parseInt(tag.slice(1, 5), 16);
}

/** Raw value bytes of an element. */
function rawBytes(ds: DataSet, tag: string): Uint8Array {
  const e = ds.elements[tag];
  return ds.byteArray.subarray(e.dataOffset, e.dataOffset + e.length);
}

/** Text of an element with padding removed. */
function text(ds: DataSet, tag: string): string {
  return Buffer.from(rawBytes(ds, tag))
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
}

/** The expected replacement of a UID: 2.25 + first 128 bits of HMAC-SHA256(secret, uid), in decimal. */
function expectedUid(uid: string, secret: Buffer): string {
  const digest = createHmac('sha256', secret)
    .update(uid.replace(/[\0 ]+$/, ''))
    .digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

function secretOf(dir: string): Buffer {
  return Buffer.from(readFileSync(join(dir, 'install-secret'), 'latin1').trim(), 'hex');
}

/** A parsed explicit-VR data set as writer elements: raw bytes, sequences item by item. */
function toElements(ds: DataSet, skipMeta: boolean): DataElement[] {
  const out: DataElement[] = [];
  for (const e of Object.values(ds.elements)) {
    if (skipMeta && groupOf(e.tag) === 2) continue;
    if (e.items) out.push({ tag: e.tag, vr: 'SQ', value: e.items.map((item) => toElements(item.dataSet!, false)) });
    else out.push({ tag: e.tag, vr: (e.vr ?? 'UN') as VR, value: rawBytes(ds, e.tag) });
  }
  return out;
}

/** Every tag in a data set, nested ones included. */
function allTags(ds: DataSet): string[] {
  return Object.values(ds.elements).flatMap((e) => [e.tag, ...(e.items ?? []).flatMap((it) => allTags(it.dataSet!))]);
}

/**
 * Check `out` against `src` element by element under `resolve` (the action for each source
 * tag), recursing into kept sequences item by item.
 */
function checkTagByTag(src: DataSet, out: DataSet, resolve: (tag: string) => ResolvedAction, secret: Buffer, where = ''): number {
  let checked = 0;
  for (const e of Object.values(src.elements)) {
    const tag = e.tag;
    if (tag === 'x00020000') continue; // group length: recomputed
    const label = `${where}${tag}`;
    const o = out.elements[tag];
    if (groupOf(tag) & 1) {
      expect(o, `${label} private`).toBeUndefined();
      continue;
    }
    const action = resolve(tag);
    checked++;
    if (action === 'remove') expect(o, `${label} removed`).toBeUndefined();
    else if (action === 'empty') {
      expect(o, `${label} present`).toBeDefined();
      if (e.items) expect(o.items ?? [], `${label} no items`).toHaveLength(0);
      else expect(o.length, `${label} zero length`).toBe(0);
    } else if (action === 'dummy') {
      expect(o, `${label} present`).toBeDefined();
      if (!e.items) {
        expect(o.length, `${label} non-empty`).toBeGreaterThan(0);
        if (e.length > 0) expect(Buffer.from(rawBytes(out, tag)).equals(Buffer.from(rawBytes(src, tag))), `${label} replaced`).toBe(false);
      }
    } else if (action === 'uid') {
      expect(o, `${label} present`).toBeDefined();
      const before = text(src, tag).split('\\');
      const after = text(out, tag).split('\\');
      expect(after, label).toEqual(before.map((u) => (u ? expectedUid(u, secret) : '')));
    } else if (e.items) {
      expect(o?.items?.length, `${label} items`).toBe(e.items.length);
      e.items.forEach((item, i) => {
        checked += checkTagByTag(item.dataSet!, o.items![i].dataSet!, resolve, secret, `${label}[${i}].`);
      });
    } else {
      expect(o, `${label} kept`).toBeDefined();
      expect(Buffer.from(rawBytes(out, tag)).equals(Buffer.from(rawBytes(src, tag))), `${label} unchanged`).toBe(true);
    }
  }
  return checked;
}

describe('install secret', () => {
  it('finds the config folder per platform, INR_CONFIG_DIR first', () => {
    expect(configDir({ INR_CONFIG_DIR: '/x/inr' }, 'linux')).toBe('/x/inr');
    expect(configDir({ XDG_CONFIG_HOME: '/home/u/.cfg' }, 'linux')).toBe(join('/home/u/.cfg', 'inr-studio'));
    expect(configDir({ XDG_CONFIG_HOME: 'relative' }, 'linux')).toMatch(/\.config[\\/]inr-studio$/); // relative XDG is ignored
    expect(configDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe(join('C:\\Users\\u\\AppData\\Roaming', 'INR Studio'));
    expect(configDir({}, 'darwin')).toMatch(/Library[\\/]Application Support[\\/]INR Studio$/);
  });

  it('makes 32 random bytes once, mode 0600, and reuses them', () => {
    const dir = join(tmp, 'secret-new');
    const env = { INR_CONFIG_DIR: dir };
    const a = installSecret(env);
    expect(a).toHaveLength(32);
    expect(a.equals(Buffer.alloc(32))).toBe(false);
    const path = installSecretPath(env);
    expect(readFileSync(path, 'latin1').trim()).toBe(a.toString('hex'));
    if (process.platform !== 'win32') {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o077).toBe(0);
    }
    expect(installSecret(env).equals(a)).toBe(true);
    expect(readdirSync(dir)).toEqual(['install-secret']); // no temporary file left
    expect(installSecret({ INR_CONFIG_DIR: join(tmp, 'secret-other') }).equals(a)).toBe(false);
  });

  it('reads an existing secret file and refuses a damaged one', () => {
    const good = join(tmp, 'secret-existing');
    const hex = '0123456789abcdef'.repeat(4);
    mkdirSync(good, { recursive: true });
    writeFileSync(join(good, 'install-secret'), `${hex}\n`, { mode: 0o644 });
    expect(installSecret({ INR_CONFIG_DIR: good }).toString('hex')).toBe(hex);
    if (process.platform !== 'win32') expect(statSync(join(good, 'install-secret')).mode & 0o077).toBe(0); // tightened
    const bad = join(tmp, 'secret-bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'install-secret'), 'not a secret');
    expect(() => installSecret({ INR_CONFIG_DIR: bad })).toThrow(expect.objectContaining({ code: 'E_CORRUPT', path: join(bad, 'install-secret') }));
  });
});

describe('basic profile table (PS3.15 Table E.1-1)', () => {
  it('holds the standard actions for the attributes an imaging export carries', () => {
    // Spot checks against the text of PS3.15 Table E.1-1, "Basic Prof." column.
    const expected: Record<string, string> = {
      x00100010: 'Z', // Patient's Name
      x00100020: 'Z/D', // Patient ID
      x00100030: 'Z', // Patient's Birth Date
      x00100040: 'Z', // Patient's Sex
      x00101010: 'X', // Patient's Age
      x00101000: 'X', // Other Patient IDs
      x00080020: 'Z', // Study Date
      x00080021: 'X/D', // Series Date
      x00080023: 'Z/D', // Content Date
      x00080030: 'Z', // Study Time
      x00080050: 'Z', // Accession Number
      x00080080: 'X/Z/D', // Institution Name
      x00080090: 'Z', // Referring Physician's Name
      x00081010: 'X/Z/D', // Station Name
      x00081030: 'X', // Study Description
      x0008103e: 'X', // Series Description
      x00181000: 'X/Z/D', // Device Serial Number
      x00200010: 'Z', // Study ID
      x0020000d: 'U', // Study Instance UID
      x0020000e: 'U', // Series Instance UID
      x00080018: 'U', // SOP Instance UID
      x00200052: 'U', // Frame of Reference UID
      x00020003: 'U', // Media Storage SOP Instance UID
      x00081155: 'U', // Referenced SOP Instance UID
      x00081140: 'X/Z/U*', // Referenced Image Sequence
      x00082112: 'X/Z/U*', // Source Image Sequence
      x00880200: 'X', // Icon Image Sequence
      x00204000: 'X', // Image Comments
      x0040a730: 'D', // Content Sequence
      x00080016: 'K', // SOP Class UID: not in the table
      x00200032: 'K', // Image Position (Patient)
      x7fe00010: 'K', // Pixel Data
      x00091001: 'X', // private
      x60003000: 'X', // Overlay Data
      x50000010: 'X', // Curve
    };
    for (const [tag, action] of Object.entries(expected)) expect(basicProfileAction(tag), tag).toBe(action);
  });

  it('resolves combined codes by the Type the output needs', () => {
    expect(['X/Z', 'X/D', 'X/Z/D', 'X/Z/U*'].map((a) => resolveAction(a as never, 3))).toEqual(['remove', 'remove', 'remove', 'remove']);
    expect(['X/Z', 'X/Z/D', 'Z/D', 'X/Z/U*'].map((a) => resolveAction(a as never, 2))).toEqual(['empty', 'empty', 'empty', 'empty']);
    expect(['X/D', 'X/Z/D', 'Z/D', 'X/Z/U*'].map((a) => resolveAction(a as never, 1))).toEqual(['dummy', 'dummy', 'dummy', 'keep']);
  });
});

describe('anonymizeDataset on whole real data sets', () => {
  const secret = Buffer.from('5a'.repeat(32), 'hex');

  for (const path of [CT_SMALL, MR_SMALL, LIVER]) {
    it(`de-identifies every attribute of ${path.split('/').pop()} by its action`, () => {
      const src = parseFile(path);
      const meta = toElements(src, false).filter((e) => groupOf(e.tag) === 2 && e.tag !== 'x00020000');
      const dataset = toElements(src, true);
      const opts = { uid: uidMapper(secret) };
      const bytes = encodePart10(anonymizeDataset(meta, opts), [...anonymizeDataset(dataset, opts), ...deidentificationElements()]);
      const out = dicomParser.parseDicom(bytes);

      const checked = checkTagByTag(src, out, (tag) => resolveAction(basicProfileAction(tag), 3), secret);
      expect(checked).toBeGreaterThan(40);
      expect(allTags(out).filter((t) => groupOf(t) & 1)).toEqual([]);
      expect(out.string('x00120062')).toBe('YES');
      expect(out.elements.x00120064.items?.[0].dataSet?.string('x00080100')).toBe('113100');
      expect(out.elements.x00120064.items?.[0].dataSet?.string('x00080102')).toBe('DCM');
      // Identifying text of the source appears nowhere in the output bytes (unless an attribute
      // the profile keeps holds it: MR_small's institution TOSHIBA is inside its manufacturer's name).
      const haystack = Buffer.from(bytes).toString('latin1');
      const kept = Object.keys(src.elements)
        .filter((t) => basicProfileAction(t) === 'K' && !src.elements[t].items)
        .map((t) => text(src, t));
      for (const tag of ['x00100010', 'x00100020', 'x00080080', 'x00081010', 'x00080020', 'x0020000d', 'x0020000e', 'x00080018', 'x00200052']) {
        const v = src.elements[tag] ? text(src, tag) : '';
        if (v.length >= 4 && !kept.some((k) => k.includes(v))) expect(haystack.includes(v), `${tag} ${v}`).toBe(false);
      }
    });
  }

  it('applies Type 1/2 choices, overlays, curves, private creators and nested UID references', () => {
    const sop = '1.2.3.4.5.6.7';
    const source: DataElement[] = [
      { tag: 'x00080020', vr: 'DA', value: '20200102' }, // Study Date: Z
      { tag: 'x00080022', vr: 'DA', value: '20200102' }, // Acquisition Date: X/Z, Type 2 here
      { tag: 'x00080023', vr: 'DA', value: '20200102' }, // Content Date: Z/D, Type 1 here
      { tag: 'x00080080', vr: 'LO', value: 'General Hospital' }, // Institution Name: X/Z/D, Type 3
      { tag: 'x00181030', vr: 'LO', value: 'Protocol of Dr Who' }, // Protocol Name: X/D, Type 1 here
      {
        tag: 'x00081140',
        vr: 'SQ',
        value: [
          [
            { tag: 'x00081150', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
            { tag: 'x00081155', vr: 'UI', value: sop },
          ],
        ],
      }, // Type 1 here
      { tag: 'x00082112', vr: 'SQ', value: [[{ tag: 'x00081155', vr: 'UI', value: sop }]] }, // Source Image Sequence, Type 3
      {
        tag: 'x00081115',
        vr: 'SQ',
        value: [
          [
            { tag: 'x0020000e', vr: 'UI', value: '9.8.7' },
            { tag: 'x00081030', vr: 'LO', value: 'Head' },
          ],
        ],
      }, // not in the table: kept, cleaned
      { tag: 'x00290010', vr: 'LO', value: 'SIEMENS CSA HEADER' }, // private creator
      { tag: 'x00291010', vr: 'OB', value: new Uint8Array([1, 2, 3, 4]) },
      { tag: 'x60000010', vr: 'US', value: [4] }, // overlay rows
      { tag: 'x60003000', vr: 'OW', value: new Uint16Array(2) }, // overlay data
      { tag: 'x50000005', vr: 'US', value: [1] }, // curve
      { tag: 'x00180015', vr: 'CS', value: 'HEAD' }, // Body Part Examined: not in the table
      { tag: 'x0040a730', vr: 'SQ', value: [[{ tag: 'x0040a160', vr: 'UT', value: 'Findings for John' }]] }, // Content Sequence: D
    ];
    const out = dicomParser.parseDicom(
      encodePart10(
        [{ tag: 'x00020010', vr: 'UI', value: '1.2.840.10008.1.2.1' }],
        anonymizeDataset(source, { uid: uidMapper(secret), type1: new Set(['x00080023', 'x00181030', 'x00081140']), type2: new Set(['x00080022']) }),
      ),
    );
    expect(out.elements.x00080020.length).toBe(0);
    expect(out.elements.x00080022.length).toBe(0);
    expect(out.string('x00080023')).toBe('19000101');
    expect(out.elements.x00080080).toBeUndefined();
    expect(out.string('x00181030')).not.toMatch(/Who/);
    expect(out.string('x00181030')!.length).toBeGreaterThan(0);
    const ref = out.elements.x00081140.items![0].dataSet!;
    expect(ref.string('x00081150')).toBe('1.2.840.10008.5.1.4.1.1.2'); // SOP Class UID kept
    expect(ref.string('x00081155')).toBe(expectedUid(sop, secret));
    expect(out.elements.x00082112).toBeUndefined();
    const series = out.elements.x00081115.items![0].dataSet!;
    expect(series.string('x0020000e')).toBe(expectedUid('9.8.7', secret));
    expect(series.elements.x00081030).toBeUndefined();
    expect(Object.keys(out.elements).filter((t) => t.startsWith('x0029') || t.startsWith('x60') || t.startsWith('x50'))).toEqual([]);
    expect(out.string('x00180015')).toBe('HEAD');
    const content = out.elements.x0040a730.items ?? [];
    expect(content.flatMap((it) => Object.keys(it.dataSet!.elements))).toEqual([]); // dummy: one empty item
  });
});

describe('anonymised DICOM export through writeLikeSource', () => {
  let ct: Field;
  let mr: Field;

  /** Write `field` anonymised with the secret of `config`; return the files, sorted. */
  async function exportWith(field: Field, config: string, name: string): Promise<string[]> {
    process.env.INR_CONFIG_DIR = config;
    const target = await writeLikeSource(join(tmp, name), 'result', field, { anonymize: true });
    return readdirSync(target)
      .sort()
      .map((f) => join(target, f));
  }

  const uidTags = ['x0020000d', 'x0020000e', 'x00080018', 'x00200052', 'x00020003'];
  const uidsOf = (files: string[]): string[] => files.flatMap((f) => uidTags.map((t) => text(parseFile(f), t)));

  it('removes, empties or replaces every Annex E attribute of a CT with private tags', async () => {
    ct = await openField(CT_SMALL);
    expect(hasPatientData(ct)).toBe(true);
    const files = await exportWith(ct, configA, 'ct-a');
    expect(files).toHaveLength(1);
    const src = parseFile(CT_SMALL);
    const out = parseFile(files[0]);
    const secret = secretOf(configA);

    expect(Object.keys(src.elements).filter((t) => groupOf(t) & 1).length).toBeGreaterThan(100);
    expect(allTags(out).filter((t) => groupOf(t) & 1)).toEqual([]);

    // Every attribute of the source that the profile lists, tag by tag.
    let listed = 0;
    for (const tag of Object.keys(src.elements)) {
      const action = basicProfileAction(tag);
      if (action === 'K' || groupOf(tag) & 1) continue;
      listed++;
      const o = out.elements[tag];
      const before = text(src, tag);
      if (action === 'X' && tag !== 'x0008103e' && tag !== 'x00082111') expect(o, `${tag} removed`).toBeUndefined();
      else if (action === 'Z') expect(o === undefined || o.length === 0, `${tag} emptied`).toBe(true);
      else if (action === 'U') expect(o === undefined || /^2\.25\.\d+$/.test(text(out, tag)), `${tag} replaced`).toBe(true);
      else if (o && o.length > 0 && before) expect(text(out, tag), `${tag} not copied`).not.toBe(before);
    }
    expect(listed).toBeGreaterThan(15);
    // The series description is ours, never the source's.
    expect(out.string('x0008103e')).toBe('INR Studio reconstruction');
    // Type 2 patient and study attributes stay present, empty.
    for (const tag of ['x00100010', 'x00100020', 'x00100030', 'x00100040', 'x00080020', 'x00080030', 'x00080050', 'x00080090', 'x00200010']) {
      expect(out.elements[tag], tag).toBeDefined();
      expect(out.elements[tag].length, tag).toBe(0);
    }
    for (const tag of ['x00080080', 'x00101010', 'x00081030', 'x00080021', 'x00080031', 'x00081115']) expect(out.elements[tag], tag).toBeUndefined();
    expect(out.string('x00120062')).toBe('YES');
    expect(out.string('x00120063')).toMatch(/PS3\.15/);
    expect(out.elements.x00120064.items?.[0].dataSet?.string('x00080100')).toBe('113100');

    // UIDs: keyed hashes of the source's, nothing of the source left.
    expect(text(out, 'x0020000d')).toBe(expectedUid(text(src, 'x0020000d'), secret));
    expect(text(out, 'x00200052')).toBe(expectedUid(text(src, 'x00200052'), secret));
    expect(text(out, 'x00020003')).toBe(text(out, 'x00080018'));
    const sourceUids = new Set(uidTags.map((t) => text(src, t)));
    for (const u of uidsOf(files)) {
      expect(u).toMatch(/^2\.25\.(0|[1-9]\d{0,38})$/);
      expect(sourceUids.has(u)).toBe(false);
    }
    const haystack = readFileSync(files[0]).toString('latin1');
    for (const v of ['CompressedSamples', '1CT1', 'JFK IMAGING', 'CT01_OC0', '20040119', '1.3.6.1.4.1.5962']) expect(haystack.includes(v), v).toBe(false);

    // Pixels and geometry as in the source.
    const back = await openField(join(tmp, 'ct-a', 'result'));
    expect(Buffer.from(back.values.buffer).equals(Buffer.from(ct.values.buffer))).toBe(true);
    for (const tag of ['x00200032', 'x00200037', 'x00280030']) {
      const a = text(src, tag).split('\\').map(Number);
      const b = text(out, tag).split('\\').map(Number);
      expect(b.length, tag).toBe(a.length);
      b.forEach((v, i) => expect(v, `${tag}[${i}]`).toBeCloseTo(a[i], 6));
    }
  });

  it('keeps UIDs stable for one secret and unrelated for another', async () => {
    const first = uidsOf(await exportWith(ct, configA, 'ct-a'));
    const again = uidsOf(await exportWith(ct, configA, 'ct-a-again'));
    expect(again).toEqual(first);
    const other = uidsOf(await exportWith(ct, configB, 'ct-b'));
    expect(secretOf(configB).equals(secretOf(configA))).toBe(false);
    other.forEach((u, i) => expect(u, uidTags[i % uidTags.length]).not.toBe(first[i]));
    expect(text(parseFile((await exportWith(ct, configB, 'ct-b'))[0]), 'x0020000d')).toBe(expectedUid(text(parseFile(CT_SMALL), 'x0020000d'), secretOf(configB)));
  });

  it('anonymises a whole MR series consistently, values and positions unchanged', async () => {
    mr = await openField(MR_SERIES);
    const files = await exportWith(mr, configA, 'mr-a');
    expect(files).toHaveLength(20);
    const secret = secretOf(configA);
    const sources = readdirSync(MR_SERIES)
      .sort()
      .map((f) => parseFile(join(MR_SERIES, f)));
    const outs = files.map(parseFile);
    const study = new Set(outs.map((o) => text(o, 'x0020000d')));
    const series = new Set(outs.map((o) => text(o, 'x0020000e')));
    const sops = new Set(outs.map((o) => text(o, 'x00080018')));
    expect([study.size, series.size, sops.size]).toEqual([1, 1, 20]);
    expect([...study][0]).toBe(expectedUid(text(sources[0], 'x0020000d'), secret));
    for (const o of outs) {
      expect(o.elements.x00100020.length).toBe(0); // source PatientID 123565
      expect(o.elements.x00101010).toBeUndefined(); // source PatientAge 028Y
      expect(o.elements.x0008103e && text(o, 'x0008103e')).toBe('INR Studio reconstruction');
      expect(allTags(o).filter((t) => groupOf(t) & 1)).toEqual([]);
    }
    // Apart from identity, the files are those of the identified export: geometry, pixels,
    // rescale, every attribute the profile keeps, byte for byte.
    process.env.INR_CONFIG_DIR = configA;
    const named = await writeLikeSource(join(tmp, 'mr-named'), 'result', mr);
    const plain = readdirSync(named)
      .sort()
      .map((f) => parseFile(join(named, f)));
    let compared = 0;
    plain.forEach((p, k) => {
      for (const tag of Object.keys(p.elements)) {
        if (basicProfileAction(tag) !== 'K' || groupOf(tag) === 2 || tag === 'x00081115') continue;
        if (['x00080021', 'x00080023', 'x00080031', 'x00080033'].includes(tag)) continue; // write date and time
        expect(outs[k].elements[tag], `slice ${k} ${tag}`).toBeDefined();
        expect(Buffer.from(rawBytes(outs[k], tag)).equals(Buffer.from(rawBytes(p, tag))), `slice ${k} ${tag}`).toBe(true);
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(20 * 25);
    const ipp0 = text(outs[0], 'x00200032').split('\\').map(Number);
    text(sources[0], 'x00200032')
      .split('\\')
      .map(Number)
      .forEach((v, i) => expect(ipp0[i]).toBeCloseTo(v, 4));
    const back = await openField(join(tmp, 'mr-a', 'result'));
    expect(back.shape).toEqual(mr.shape);
    expect(Buffer.from(back.values.buffer).equals(Buffer.from(mr.values.buffer))).toBe(true);
  });

  it('keeps the source identity when anonymise is off (the default)', async () => {
    process.env.INR_CONFIG_DIR = configA;
    const target = await writeLikeSource(join(tmp, 'ct-named'), 'result', ct);
    const out = parseFile(join(target, readdirSync(target)[0]));
    const src = parseFile(CT_SMALL);
    for (const tag of ['x00100010', 'x00100020', 'x00100040', 'x00101010', 'x00080020', 'x00080080', 'x00200052']) {
      expect(text(out, tag), tag).toBe(text(src, tag));
    }
    expect(out.elements.x00120062).toBeUndefined();
    expect(out.elements.x00081115.items?.[0].dataSet?.string('x0020000e')).toBe(text(src, 'x0020000e'));
    expect(allTags(out).filter((t) => groupOf(t) & 1)).toEqual([]); // private tags are never copied
  });
});
