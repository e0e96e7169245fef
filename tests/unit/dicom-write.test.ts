import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import { createField, type Field } from '../../main/core/field';
import { listDicom, readDicom, writeDicomSeries } from '../../main/data/dicom';
import { formatDS, newUid } from '../../main/data/dicom/encode';
import { dicomParser } from '../../main/data/dicom/parse';
import { chooseQuantisation } from '../../main/data/dicom/write';

/**
 * The derived-series writer: write, read back, compare values (within rescale precision),
 * geometry, UIDs and anonymisation; files are Part 10, explicit VR little endian.
 */

const tmp = mkdtempSync(join(tmpdir(), 'inr-dicom-write-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MR_SERIES = sample('dicom', 'mr-series');

function parse(path: string) {
  return dicomParser.parseDicom(readFileSync(path));
}

function expectGeometryClose(a: Field['geometry'], b: Field['geometry']): void {
  for (const k of ['spacing', 'origin', 'direction'] as const) {
    const x = a[k]!;
    const y = b[k]!;
    expect(x.length, k).toBe(y.length);
    x.forEach((v, i) => expect(Math.abs(v - y[i]), `${k}[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(y[i]))));
  }
}

describe('writeDicomSeries', () => {
  let source: Field;

  it('writes an anonymised derived MR series that reads back exactly', async () => {
    source = await readDicom(MR_SERIES);
    const dir = join(tmp, 'mr-anon');
    const res = await writeDicomSeries(dir, source, { anonymize: true, seriesDescription: 'ELM-INR reconstruction' });
    expect(res.files).toHaveLength(20);
    expect(readdirSync(dir).sort()).toEqual(res.files.map((f) => f.split('/').pop()).sort()); // no temp files left
    expect(res.storage).toMatchObject({ dtype: 'int16', slope: 1, intercept: 0 }); // integer data: exact

    const back = await readDicom(dir);
    expect(back.shape).toEqual(source.shape);
    expect(back.axes).toEqual(['z', 'y', 'x']);
    expect(Buffer.from(back.values.buffer).equals(Buffer.from(source.values.buffer))).toBe(true);
    expectGeometryClose(back.geometry, source.geometry);

    // New UIDs under 2.25, anonymised names, de-identification flags.
    const m = back.provenance.meta as Record<string, unknown>;
    const sm = source.provenance.meta as Record<string, unknown>;
    for (const k of ['seriesInstanceUid', 'studyInstanceUid', 'frameOfReferenceUid']) {
      expect(m[k]).not.toBe(sm[k]);
      expect(m[k]).toMatch(/^2\.25\.[1-9]\d*$/);
      expect((m[k] as string).length).toBeLessThanOrEqual(64);
    }
    expect(res.seriesInstanceUid).toBe(m.seriesInstanceUid);
    const sops = new Set(m.sopInstanceUids as string[]);
    expect(sops.size).toBe(20);
    for (const u of sops) expect((sm.sopInstanceUids as string[]).includes(u)).toBe(false);
    const tags = m.tags as Record<string, string>;
    expect(tags.PatientName ?? '').toBe('');
    expect(tags.PatientID ?? '').toBe('');
    expect(tags.PatientBirthDate ?? '').toBe('');
    expect(tags.SeriesDescription).toBe('ELM-INR reconstruction');
    const ds = parse(res.files[0]);
    expect(ds.string('x00120062')).toBe('YES'); // PatientIdentityRemoved
    expect(ds.elements.x00081115).toBeUndefined(); // no reference to the source series
    expect(ds.string('x00080008')).toBe('DERIVED\\SECONDARY');
  });

  it('writes Part 10 explicit VR little endian with geometry per slice', async () => {
    const dir = join(tmp, 'mr-anon');
    const files = readdirSync(dir)
      .sort()
      .map((f) => join(dir, f));
    const bytes = readFileSync(files[0]);
    expect(bytes.subarray(128, 132).toString('latin1')).toBe('DICM');
    const ds = parse(files[0]);
    expect(ds.string('x00020010')).toBe('1.2.840.10008.1.2.1');
    expect(ds.string('x00020003')).toBe(ds.string('x00080018'));
    expect(ds.string('x00080016')).toBe('1.2.840.10008.5.1.4.1.1.4'); // MR Image Storage
    const ipp = (ds.string('x00200032') ?? '').split('\\').map(Number);
    const first = source.provenance.meta?.imagePositionPatient as number[];
    first.forEach((o, i) => expect(ipp[i]).toBeCloseTo(o, 6));
    expect((ds.string('x00280030') ?? '').split('\\').map(Number)).toEqual(source.geometry.spacing.slice(1));
    expect(Number(ds.string('x00180050'))).toBeGreaterThan(0);
    // Every DS value fits the 16-character limit.
    for (const t of ['x00200032', 'x00200037', 'x00280030', 'x00281052', 'x00281053']) {
      for (const v of (ds.string(t) ?? '').split('\\')) expect(v.length, t).toBeLessThanOrEqual(16);
    }
  });

  it('keeps identity and references the source when not anonymising', async () => {
    const dir = join(tmp, 'mr-named');
    const res = await writeDicomSeries(dir, source);
    const ds = parse(res.files[0]);
    const sm = source.provenance.meta as Record<string, unknown>;
    const tags = sm.tags as Record<string, string>;
    expect(ds.string('x00100020')).toBe(tags.PatientID);
    expect(ds.string('x00200052')).toBe(sm.frameOfReferenceUid); // overlays its source
    expect(ds.string('x0020000d')).not.toBe(sm.studyInstanceUid);
    expect(ds.elements.x00081115.items?.[0].dataSet?.string('x0020000e')).toBe(sm.seriesInstanceUid);
    expect(ds.string('x0008103e')).toMatch(/not for diagnostic use/);
    // Both the source and the export list as separate series side by side.
    const listing = await listDicom(tmp);
    expect(listing.series.length).toBeGreaterThanOrEqual(2);
  });

  it('fits float values into uint16 with a slope, masks and NaN come back masked', async () => {
    const ct = await readDicom(sample('dicom', 'pydicom', 'CT_small.dcm'));
    const values = new Float32Array(ct.values.length);
    for (let i = 0; i < values.length; i++) values[i] = ct.values[i] * 0.37 + Math.sin(i) * 0.01;
    const mask = new Uint8Array(values.length).fill(1);
    for (let i = 0; i < 500; i++) mask[i * 7] = 0;
    values[3] = NaN;
    const field = createField({ ...ct, values, mask, provenance: { ...ct.provenance } });
    const dir = join(tmp, 'ct-float');
    const res = await writeDicomSeries(dir, field, { anonymize: true });
    expect(res.files).toHaveLength(1);
    expect(res.storage.dtype).toBe('uint16');
    const back = await readDicom(dir);
    expect(back.axes).toEqual(['y', 'x']);
    expect(back.units).toBe('HU');
    expectGeometryClose(back.geometry, ct.geometry);
    const tolerance = res.storage.slope / 2 + 1e-3;
    let worst = 0;
    for (let i = 0; i < values.length; i++) {
      const valid = mask[i] === 1 && Number.isFinite(values[i]);
      expect(back.mask![i], `mask ${i}`).toBe(valid ? 1 : 0);
      if (valid) worst = Math.max(worst, Math.abs(back.values[i] - values[i]));
    }
    expect(worst).toBeLessThanOrEqual(tolerance);
  });

  it('turns RAS geometry (fields from NIfTI and elsewhere) into LPS', async () => {
    const field = createField({
      axes: ['z', 'y', 'x'],
      shape: [2, 3, 4],
      channels: ['v'],
      values: Float32Array.from({ length: 24 }, (_, i) => i),
      dtype: 'float32',
      geometry: { spacing: [2, 1.5, 0.5], origin: [30, 20, 10], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
      provenance: { format: 'nifti', path: 'x.nii.gz' },
    });
    const res = await writeDicomSeries(join(tmp, 'from-ras'), field);
    const nums = (path: string, tag: string): number[] => (parse(path).string(tag) ?? '').split('\\').map(Number);
    expect(nums(res.files[0], 'x00200032')).toEqual([-10, -20, 30]);
    expect(nums(res.files[1], 'x00200032')).toEqual([-10, -20, 32]);
    expect(nums(res.files[0], 'x00200037')).toEqual([-1, 0, 0, 0, -1, 0]);
    expect(nums(res.files[0], 'x00280030')).toEqual([1.5, 0.5]);
    const back = await readDicom(join(tmp, 'from-ras'));
    expect(Array.from(back.values)).toEqual(Array.from(field.values));
    expect(back.geometry.origin).toEqual([30, -20, -10]); // the same point, now in LPS
  });

  it('refuses what DICOM cannot hold', async () => {
    const rgb = createField({
      axes: ['y', 'x'],
      shape: [2, 2],
      channels: ['R', 'G', 'B'],
      values: new Float32Array(12),
      dtype: 'uint8',
      provenance: { format: 'png', path: 'x.png' },
    });
    await expect(writeDicomSeries(join(tmp, 'rgb'), rgb)).rejects.toBeInstanceOf(InrError);
    const fourD = createField({
      axes: ['t', 'z', 'y', 'x'],
      shape: [1, 1, 2, 2],
      channels: ['v'],
      values: new Float32Array(4),
      dtype: 'float32',
      provenance: { format: 'nifti', path: 'x.nii' },
    });
    await expect(writeDicomSeries(join(tmp, '4d'), fourD)).rejects.toMatchObject({ code: 'E_ARG' });
  });
});

describe('DICOM value encoding', () => {
  it('formats decimal strings within 16 characters', () => {
    for (const x of [0, 1, -1024, 0.1, 1 / 3, -179.035797, 1e-7, 123456789.123456, -0.000061, 2 ** 40]) {
      const s = formatDS(x);
      expect(s.length).toBeLessThanOrEqual(16);
      expect(Math.abs(Number(s) - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-10 + 1e-15);
    }
  });

  it('makes distinct 2.25 UIDs', () => {
    const a = newUid();
    expect(a).toMatch(/^2\.25\.[1-9]\d{0,38}$/);
    expect(newUid()).not.toBe(a);
  });

  it('chooses exact integer storage where it can', () => {
    expect(chooseQuantisation(-1024, 3071, true, false)).toMatchObject({ dtype: 'int16', slope: 1, intercept: 0 });
    expect(chooseQuantisation(0, 60000, true, false)).toMatchObject({ dtype: 'uint16', slope: 1, intercept: 0 });
    expect(chooseQuantisation(-40000, 20000, true, false)).toMatchObject({ dtype: 'uint16', slope: 1, intercept: -40000 });
    const q = chooseQuantisation(-1, 1, false, true);
    expect(q.dtype).toBe('uint16');
    expect(q.padding).toBe(65535);
    expect(q.slope * 65534).toBeGreaterThanOrEqual(2 - 1e-9);
  });
});
