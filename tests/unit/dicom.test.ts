import { prng } from '../helpers/prng';
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import { setMemoryLimit } from '../../main/core/limits';
import type { Field } from '../../main/core/field';
import { openField, registerFolderReader, registerReader } from '../../main/data';
import { dicomFolderReader, dicomReader, listDicom, openDicomSeriesLazy, readDicom, readDicomBytes, readDicomDir, readDicomSlice, type DicomListing } from '../../main/data/dicom';
import { dicomParser } from '../../main/data/dicom/parse';

/**
 * Series assembly (grouping, slice order by position, spacing), DICOMDIR file-sets, lazy and
 * header-only access, rescale and window, and typed errors for bad input — on the shared
 * sample files.
 */

const dcm = (...p: string[]): string => sample('dicom', ...p);
const MR_SERIES = dcm('mr-series');
const DICOMDIR_TESTS = dcm('pydicom', 'dicomdirtests');

const tmp = mkdtempSync(join(tmpdir(), 'inr-dicom-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Header values of a file read with dicom-parser directly (an independent check). */
function header(path: string): { ipp: number[]; iop: number[]; spacing: number[] } {
  const ds = dicomParser.parseDicom(readFileSync(path), { untilTag: 'x7fe00010' });
  const nums = (t: string): number[] => (ds.string(t) ?? '').split('\\').map(Number);
  return { ipp: nums('x00200032'), iop: nums('x00200037'), spacing: nums('x00280030') };
}

const cross = (a: number[], b: number[]): number[] => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dot = (a: number[], b: number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

async function expectInrError(p: Promise<unknown>, code: string): Promise<InrError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InrError);
  expect((err as InrError).code).toBe(code);
  expect((err as InrError).message).not.toContain('\n');
  return err as InrError;
}

describe('MR series: grouping, order and spacing', () => {
  let volume: Field;

  it('lists one series of 20 slices, from headers only', async () => {
    const listing = await listDicom(MR_SERIES);
    expect(listing.series).toHaveLength(1);
    const s = listing.series[0];
    expect(s).toMatchObject({ modality: 'MR', slices: 20, rows: 256, columns: 256, files: 20 });
    expect(s.description).toBe('FSE PD AXIAL OBL');
    expect(listing.skipped).toEqual([]);
  });

  it('sorts slices by position along the slice normal, with spacing from the positions', async () => {
    volume = await readDicom(MR_SERIES);
    expect(volume.axes).toEqual(['z', 'y', 'x']);
    expect(volume.shape).toEqual([20, 256, 256]);
    expect(volume.channels).toEqual(['value']);
    expect(volume.dtype).toBe('int16');

    // Independent geometry from the files themselves.
    const files = readdirSync(MR_SERIES).map((f) => join(MR_SERIES, f));
    const heads = files.map(header);
    const { iop, spacing } = heads[0];
    const normal = cross(iop.slice(0, 3), iop.slice(3, 6));
    const s = heads.map((h) => dot(h.ipp, normal)).sort((a, b) => a - b);
    const steps = s
      .slice(1)
      .map((v, i) => v - s[i])
      .sort((a, b) => a - b);
    const median = (steps[9] + steps[10]) / 2;
    expect(volume.geometry.spacing[0]).toBeCloseTo(median, 6);
    expect(volume.geometry.spacing[0]).toBeCloseTo(7, 0); // "7 mm slice gap"
    expect(volume.geometry.spacing.slice(1)).toEqual(spacing);

    // Positions in the provenance rise strictly along the normal; the origin is the first one,
    // listed in axis order (z, y, x) like every Field's origin.
    const positions = volume.provenance.meta?.positions as number[][];
    const proj = positions.map((p) => dot(p, normal));
    for (let k = 1; k < proj.length; k++) expect(proj[k]).toBeGreaterThan(proj[k - 1]);
    expect(volume.geometry.origin).toEqual([...positions[0]].reverse());
    expect(volume.provenance.meta?.imagePositionPatient).toEqual(positions[0]);
    expect(dot(positions[0], normal)).toBeCloseTo(s[0], 9);

    // Direction: columns are the row cosine, the column cosine and the slice normal.
    const d = volume.geometry.direction!;
    expect([d[0], d[3], d[6]]).toEqual(iop.slice(0, 3).map((v) => v / Math.hypot(...iop.slice(0, 3))));
    expect([d[2], d[5], d[8]].map((v, i) => v - normal[i]).every((e) => Math.abs(e) < 1e-6)).toBe(true);
  });

  it('does not depend on file names or their order (shuffled, extension-less, nested)', async () => {
    const dir = join(tmp, 'shuffled');
    const files = readdirSync(MR_SERIES).sort();
    const rnd = prng(7);
    const order = files.map((f) => ({ f, k: rnd() })).sort((a, b) => a.k - b.k);
    order.forEach(({ f }, i) => {
      const sub = join(dir, i % 2 ? 'a' : 'b');
      mkdirSync(sub, { recursive: true });
      copyFileSync(join(MR_SERIES, f), join(sub, `X${String(100 - i).padStart(3, '0')}`));
    });
    const shuffled = await readDicom(dir);
    expect(shuffled.shape).toEqual(volume.shape);
    expect(shuffled.geometry).toEqual(volume.geometry);
    expect(Buffer.from(shuffled.values.buffer).equals(Buffer.from(volume.values.buffer))).toBe(true);
  });

  it('opens lazily: layout first, then any slice alone', async () => {
    const lazy = await openDicomSeriesLazy(MR_SERIES);
    expect(lazy.slices).toBe(20);
    expect(lazy.layout.shape).toEqual([20, 256, 256]);
    expect(lazy.layout.geometry).toEqual(volume.geometry);
    const plane = 256 * 256;
    for (const k of [0, 19]) {
      const slice = await lazy.readSlice(k);
      expect(slice.axes).toEqual(['y', 'x']);
      expect(Array.from(slice.values)).toEqual(Array.from(volume.values.subarray(k * plane, (k + 1) * plane)));
      const ipp = (volume.provenance.meta?.positions as number[][])[k];
      expect(slice.geometry.origin).toEqual([ipp[1], ipp[0]]);
      expect(slice.provenance.meta?.imagePositionPatient).toEqual(ipp);
    }
    const last = await readDicomSlice(MR_SERIES, lazy.info.uid, 19);
    expect(Array.from(last.values.subarray(0, 1000))).toEqual(Array.from(volume.values.subarray(19 * plane, 19 * plane + 1000)));
    await expectInrError(lazy.readSlice(20), 'E_ARG');
  });

  it('lists without touching pixel data (files cut after their header still list)', async () => {
    const dir = join(tmp, 'headers-only');
    mkdirSync(dir);
    for (const f of readdirSync(MR_SERIES)) writeFileSync(join(dir, f), readFileSync(join(MR_SERIES, f)).subarray(0, 8000));
    const listing = await listDicom(dir);
    expect(listing.series[0]).toMatchObject({ slices: 20, rows: 256, columns: 256 });
    const err = await expectInrError(readDicom(dir), 'E_CORRUPT');
    expect(err.message).toMatch(/truncated/);
  });

  it('is reachable through the reader registry (openField on a folder and on a file)', async () => {
    registerReader(dicomReader);
    registerFolderReader(dicomFolderReader);
    expect(await dicomFolderReader.sniffFolder(DICOMDIR_TESTS)).toBe(true);
    expect(await dicomFolderReader.sniffFolder(sample('images'))).toBe(false);
    const f = await openField(MR_SERIES);
    expect(f.shape).toEqual([20, 256, 256]);
    // (MR_small.dcm, CT_small.dcm and rle.dcm carry a TIFF header in their preamble: the
    // registry must ask the DICOM reader before the TIFF one for those.)
    const one = await openField(dcm('pydicom', 'MR_small_jp2klossless.dcm'));
    expect(one.shape).toEqual([64, 64]);
    expect(dicomReader.sniff(readFileSync(dcm('pydicom', 'MR_small.dcm')).subarray(0, 1024), 'MR_small.dcm')).toBe(true);
  });
});

describe('DICOMDIR and extension-less file-sets', () => {
  it('reads the record tree: 2 patients (3 patient folders), 6 studies, 13 series, 31 images', async () => {
    // The README of the file-set lists these; folders 98892001 and 98892003 are one patient.
    const dir = await readDicomDir(join(DICOMDIR_TESTS, 'DICOMDIR'));
    expect(dir.patients.map((p) => `${p.name} ${p.id}`)).toEqual(['Doe^Archibald 77654033', 'Doe^Peter 98890234']);
    const studies = dir.patients.flatMap((p) => p.studies);
    const series = studies.flatMap((s) => s.series);
    expect(studies).toHaveLength(6);
    expect(series).toHaveLength(13);
    expect(series.reduce((n, s) => n + s.images.length, 0)).toBe(31);
    const ct2 = series.find((s) => s.images.some((i) => i.fileId === '77654033/CT2/17106'))!;
    expect(ct2.images.map((i) => i.fileId).sort()).toEqual(['77654033/CT2/17106', '77654033/CT2/17136', '77654033/CT2/17166', '77654033/CT2/17196']);
    expect(series.find((s) => s.number === 700)!.images).toHaveLength(7);
    const folders = new Set(series.flatMap((s) => s.images.map((i) => i.fileId.split('/')[0])));
    expect([...folders].sort()).toEqual(['77654033', '98892001', '98892003']);
  });

  it('gives the same tree from its big-endian, implicit and reordered variants', async () => {
    const shape = (d: Awaited<ReturnType<typeof readDicomDir>>): string =>
      JSON.stringify(d.patients.map((p) => [p.id, p.studies.map((s) => [s.uid, s.series.map((x) => [x.uid, x.images.map((i) => i.fileId)])])]));
    const ref = shape(await readDicomDir(join(DICOMDIR_TESTS, 'DICOMDIR')));
    for (const v of ['DICOMDIR-bigEnd', 'DICOMDIR-implicit', 'DICOMDIR-reordered']) {
      expect(shape(await readDicomDir(join(DICOMDIR_TESTS, v))), v).toBe(ref);
    }
    // Broken patient records: the studies survive under an unknown patient.
    const nopatient = await readDicomDir(join(DICOMDIR_TESTS, 'DICOMDIR-nopatient'));
    expect(nopatient.patients.flatMap((p) => p.studies)).toHaveLength(6);
  });

  it('lists the file-set by patient › study › series from the DICOMDIR and from a folder scan', async () => {
    const fromDir = (await dicomReader.list!(join(DICOMDIR_TESTS, 'DICOMDIR'), {})) as DicomListing;
    const fromScan = (await dicomFolderReader.list!(DICOMDIR_TESTS, {})) as DicomListing;
    for (const listing of [fromDir, fromScan]) {
      expect(new Set(listing.series.map((s) => s.patient))).toEqual(new Set(['Doe Archibald (77654033)', 'Doe Peter (98890234)']));
      expect(new Set(listing.series.map((s) => s.seriesUid)).size).toBe(13);
      const ct = listing.series.find((s) => s.description === 'SmartScore - Gated 0.5 sec')!;
      expect(ct).toMatchObject({ modality: 'CT', slices: 5, rows: 16, columns: 16 });
      // Localisers that share a series UID but not an orientation are split, not stacked.
      const angio = listing.series.filter((s) => s.description.startsWith('ANGIO Projected'));
      expect(angio).toHaveLength(7);
      expect(angio.every((s) => s.slices === 1)).toBe(true);
    }
    expect(fromScan.series.map((s) => s.uid)).toEqual(fromDir.series.map((s) => s.uid));
    // The folder scan also met the pixel-less TINY_ALPHA instances and a damaged DICOMDIR.
    expect(fromScan.skipped.length).toBeGreaterThanOrEqual(50);
  });

  it('opens the largest series of a DICOMDIR by default and any series by UID', async () => {
    const f = await readDicom(join(DICOMDIR_TESTS, 'DICOMDIR'));
    expect(f.shape).toEqual([5, 16, 16]);
    expect(f.units).toBe('HU');
    const listing = await listDicom(join(DICOMDIR_TESTS, 'DICOMDIR'));
    const cr = listing.series.find((s) => s.modality === 'CR')!;
    const one = await readDicom(join(DICOMDIR_TESTS, 'DICOMDIR'), { series: cr.uid });
    expect(one.axes).toEqual(['y', 'x']);
    await expectInrError(readDicom(DICOMDIR_TESTS, { series: '1.2.3.4' }), 'E_ARG');
  });

  it('falls back to scanning the folder when the DICOMDIR itself is damaged', async () => {
    const f = await readDicom(join(DICOMDIR_TESTS, 'DICOMDIR-nooffset'));
    expect(f.shape).toEqual([5, 16, 16]);
  });
});

describe('rescale and window', () => {
  /** The stored value of pixel i of a single-frame, 16-bit, little-endian file. */
  function stored(path: string, i: number, signed: boolean): number {
    const bytes = readFileSync(path);
    const ds = dicomParser.parseDicom(bytes);
    const at = ds.elements.x7fe00010.dataOffset + 2 * i;
    return signed ? bytes.readInt16LE(at) : bytes.readUInt16LE(at);
  }

  it('CT values are Hounsfield units: stored · slope + intercept', async () => {
    const path = dcm('pydicom', 'CT_small.dcm');
    const f = await readDicom(path);
    expect(f.units).toBe('HU');
    expect(f.provenance.meta?.rescale).toMatchObject({ slope: 1, intercept: -1024 });
    for (const i of [0, 777, 8256, 16383]) expect(f.values[i]).toBe(stored(path, i, true) - 1024);
    let min = Infinity,
      max = -Infinity,
      sum = 0;
    for (const v of f.values) [min, max, sum] = [Math.min(min, v), Math.max(max, v), sum + v];
    expect(min).toBeGreaterThanOrEqual(-1100); // air ≈ −1000 HU
    expect(max).toBeLessThan(3100); // dense bone / contrast
    expect(sum / f.values.length).toBeGreaterThan(-1000);
  });

  it('applies decimal slopes and intercepts (CR 0.684/200, JPEG-LS MR 3.774114)', async () => {
    const cr = dcm('pydicom', 'dicomdirtests', '77654033', 'CR1', '6154');
    const f = await readDicom(cr);
    for (const i of [3, 100, 255]) expect(f.values[i]).toBeCloseTo(stored(cr, i, false) * 0.684 + 200, 3);
    const ls = await readDicom(dcm('transfer-syntaxes', 'jpeg_ls.dcm'));
    expect(ls.provenance.meta?.rescale).toMatchObject({ slope: 3.774114, intercept: 0.000061 });
    const nonzero = ls.values.find((v) => v > 0)!;
    expect(Math.abs(nonzero / 3.774114 - Math.round(nonzero / 3.774114))).toBeLessThan(1e-4);
  });

  it('takes the default window from the file, in physical units', async () => {
    expect((await readDicom(dcm('pydicom', 'MR_small.dcm'))).geometry.window).toEqual({ center: 600, width: 1600 });
    const ct = await readDicom(join(DICOMDIR_TESTS, '98892001', 'CT5N'));
    expect(ct.geometry.window).toEqual({ center: 40, width: 400 });
    // Width 0 (brain series) means no window, not a degenerate one.
    expect((await readDicom(MR_SERIES)).geometry.window).toBeUndefined();
  });

  it('masks PixelPaddingValue pixels (CT outside the scan circle)', async () => {
    const f = await readDicom(dcm('transfer-syntaxes', 'rle.dcm'));
    expect(f.mask).toBeDefined();
    let masked = 0;
    for (let i = 0; i < f.mask!.length; i++) {
      if (f.mask![i] === 0) {
        masked++;
        expect(f.values[i]).toBe(-2000 - 1024);
      }
    }
    expect(masked).toBeGreaterThan(10000);
  });
});

describe('bad input ends in a typed one-line error', () => {
  const mrSmall = (): Uint8Array => new Uint8Array(readFileSync(dcm('pydicom', 'MR_small.dcm')));

  /** Offset of an element's value in a file (found with dicom-parser). */
  function valueOffset(bytes: Uint8Array, tag: string): number {
    return dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' }).elements[tag].dataOffset;
  }

  it('truncated files', async () => {
    const b = mrSmall();
    await expectInrError(readDicomBytes(b.subarray(0, b.length - 100)), 'E_CORRUPT');
    await expectInrError(readDicomBytes(b.subarray(0, 1000)), 'E_CORRUPT');
    await expectInrError(readDicomBytes(b.subarray(0, 140)), 'E_CORRUPT');
  });

  it('absurd dimensions are refused before allocating', async () => {
    const b = mrSmall();
    const rows = valueOffset(b, 'x00280010');
    const cols = valueOffset(b, 'x00280011');
    b[rows] = b[rows + 1] = b[cols] = b[cols + 1] = 0xff; // 65535 × 65535
    const err = await expectInrError(readDicomBytes(b), 'E_TOO_LARGE');
    expect(err.message).toMatch(/65535×65535/);
  });

  it('frames count towards the size limit', async () => {
    const b = new Uint8Array(readFileSync(dcm('transfer-syntaxes', 'explicit_little.dcm')));
    b.set(new TextEncoder().encode('99'), valueOffset(b, 'x00280008')); // NumberOfFrames 16 → 99
    const rows = valueOffset(b, 'x00280010');
    b[rows] = b[rows + 1] = 0xff; // Rows 65535: 65535 × 256 × 99 frames, 6.2 GiB as float32
    setMemoryLimit('1G');
    try {
      const err = await expectInrError(readDicomBytes(b), 'E_TOO_LARGE');
      expect(err.message).toMatch(/×99/);
    } finally {
      setMemoryLimit(undefined);
    }
  });

  it('wrong element lengths', async () => {
    const b = mrSmall();
    const at = valueOffset(b, 'x00100010'); // PatientName: explicit VR, 2-byte length before the value
    b[at - 2] = 0xf0;
    b[at - 1] = 0xff;
    await expectInrError(readDicomBytes(b), 'E_CORRUPT');
  });

  it('an unsupported transfer syntax is named', async () => {
    const b = new Uint8Array(readFileSync(dcm('pydicom', 'MR_small_jp2klossless.dcm')));
    const at = valueOffset(b, 'x00020010');
    b.set(new TextEncoder().encode('1.2.840.10008.1.2.4.92'), at); // JPEG 2000 part 2: not supported
    const err = await expectInrError(readDicomBytes(b), 'E_UNSUPPORTED');
    expect(err.message).toContain('1.2.840.10008.1.2.4.92');
  });

  it('non-DICOM and non-image DICOM', async () => {
    await expectInrError(readDicomBytes(new Uint8Array(readFileSync(sample('images', 'camera.png')))), 'E_FORMAT');
    await expectInrError(readDicomBytes(new Uint8Array(0)), 'E_FORMAT');
    const err = await expectInrError(readDicom(join(DICOMDIR_TESTS, 'TINY_ALPHA', 'PT000000', 'ST000000', 'SE000000', 'IM000000')), 'E_UNSUPPORTED');
    expect(err.message).toMatch(/no image/);
    await expectInrError(readDicom(join(DICOMDIR_TESTS, 'TINY_ALPHA')), 'E_EMPTY');
    await expectInrError(readDicom(join(tmp, 'does-not-exist')), 'E_NOT_FOUND');
  });

  it('never modifies its inputs', async () => {
    const files = readdirSync(MR_SERIES).map((f) => join(MR_SERIES, f));
    const before = files.map((f) => [statSync(f).mtimeMs, readFileSync(f).length]);
    await readDicom(MR_SERIES);
    await listDicom(MR_SERIES);
    expect(files.map((f) => [statSync(f).mtimeMs, readFileSync(f).length])).toEqual(before);
  });
});
