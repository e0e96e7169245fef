import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gunzipSync as fflateGunzip } from 'fflate';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import { createField, type Field } from '../../main/core/field';
import { decodeNifti, encodeNifti, niftiReader, readNiftiFile, writeNifti, type NiftiHeader } from '../../main/data/nifti';
import { decodeHeader, encodeHeader } from '../../main/data/nifti/header';
import { affineToQuatern, quaternToAffine } from '../../main/data/nifti/affine';

const dir = mkdtempSync(join(tmpdir(), 'inr-nifti-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLIN = sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz');
const STENT = sample('volumes', 'stent_ct_128x128x256_int16.nii.gz');

interface NiftiMeta {
  header: NiftiHeader;
  version: number;
  affine: number[];
  affineSource: string;
  qformCode: number;
  sformCode: number;
  qform?: number[];
  sform?: number[];
  warnings: string[];
}
const meta = (f: Field): NiftiMeta => f.provenance.meta?.nifti as NiftiMeta;

function expectSameValues(a: Field, b: Field): void {
  expect(b.shape).toEqual(a.shape);
  expect(b.channels).toEqual(a.channels);
  let differ = 0;
  for (let i = 0; i < a.values.length; i++) {
    if (a.values[i] !== b.values[i] && !(Number.isNaN(a.values[i]) && Number.isNaN(b.values[i]))) differ++;
  }
  expect(differ).toBe(0);
}

function expectClose(a: number[], b: number[], tol = 1e-5): void {
  expect(a).toHaveLength(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThan(tol));
}

function catchInr(fn: () => unknown): InrError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InrError);
    return err as InrError;
  }
  throw new Error('expected an InrError');
}

let colin: Field;
let stent: Field;
beforeAll(async () => {
  [colin, stent] = await Promise.all([readNiftiFile(COLIN), readNiftiFile(STENT)]);
});

describe('NIfTI reader on the shared samples', () => {
  it('reads Colin27: 181 × 217 × 181 uint8, sform code 4 (MNI), values as numpy reads them', () => {
    expect(colin.axes).toEqual(['z', 'y', 'x']);
    expect(colin.shape).toEqual([181, 217, 181]);
    expect(colin.dtype).toBe('uint8');
    expect(colin.channels).toEqual(['value']);
    expect(colin.provenance.format).toBe('nifti');
    const m = meta(colin);
    expect([m.qformCode, m.sformCode, m.affineSource]).toEqual([0, 4, 'sform']);
    expect(m.affine).toEqual([1, 0, 0, -90, 0, 1, 0, -125, 0, 0, 1, -71]);
    expect(colin.geometry.spacing).toEqual([1, 1, 1]);
    expect(colin.geometry.origin).toEqual([-71, -125, -90]);
    expect(colin.geometry.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    // Oracle: numpy on the gzip-decompressed voxels, reshaped (z, y, x).
    let sum = 0;
    for (const v of colin.values) sum += v;
    expect(sum / colin.values.length).toBeCloseTo(44.61177355282364, 9);
    expect(colin.values[(90 * 217 + 108) * 181 + 90]).toBe(33);
    let slice = 0;
    for (let i = 100 * 217 * 181; i < 101 * 217 * 181; i++) slice += colin.values[i];
    expect(slice).toBe(2250436);
  });

  it('reads the stent CT: 128 × 128 × 256 int16, values 0…2000, sform code 2, qform 0', () => {
    expect(stent.shape).toEqual([256, 128, 128]);
    expect(stent.dtype).toBe('int16');
    const m = meta(stent);
    expect([m.qformCode, m.sformCode]).toEqual([0, 2]);
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (const v of stent.values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      sum += v;
    }
    expect([lo, hi]).toEqual([0, 2000]);
    expect(sum / stent.values.length).toBeCloseTo(35.39822244644165, 9);
    expect(stent.geometry.spacing).toEqual([1, 1, 1]);
  });

  it('matches the voxel bytes of an independent gunzip (fflate)', () => {
    const raw = fflateGunzip(readFileSync(COLIN));
    const voxels = raw.subarray(352);
    let differ = 0;
    for (let i = 0; i < voxels.length; i++) if (voxels[i] !== colin.values[i]) differ++;
    expect(differ).toBe(0);
  });

  it('sniffs NIfTI by content: raw, gzipped, and not other gzip data', () => {
    const gz = readFileSync(COLIN);
    expect(niftiReader.sniff(gz.subarray(0, 1024), 'a.bin')).toBe(true);
    expect(niftiReader.sniff(fflateGunzip(gz).subarray(0, 1024), 'a.bin')).toBe(true);
    expect(niftiReader.sniff(gzipSync(Buffer.alloc(2000, 7)).subarray(0, 1024), 'a.nii.gz')).toBe(false);
    expect(niftiReader.sniff(new Uint8Array(1024), 'a.nii')).toBe(false);
  });
});

describe('NIfTI writer round trips', () => {
  for (const [name, get] of [
    ['Colin27', () => colin],
    ['stent', () => stent],
  ] as const) {
    for (const ext of ['.nii.gz', '.nii']) {
      it(`${name} → ${ext} → same values, header (qform/sform, codes, datatype, pixdim) bit for bit`, async () => {
        const a = get();
        const out = join(dir, `${name}${ext}`);
        writeNifti(out, a);
        const bytes = readFileSync(out);
        expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(ext === '.nii.gz');
        const b = await readNiftiFile(out);
        expectSameValues(a, b);
        expect(b.dtype).toBe(a.dtype);
        expect(b.geometry).toEqual(a.geometry);
        expect(meta(b).header).toEqual(meta(a).header);
        if (ext === '.nii') expect(statSync(out).size).toBe(352 + a.values.length * (a.dtype === 'int16' ? 2 : 1));
      });
    }
  }

  it('writes and reads NIfTI-2', () => {
    const bytes = encodeNifti(stent, { version: 2 });
    expect(new DataView(bytes.buffer).getInt32(0, true)).toBe(540);
    const b = decodeNifti(bytes, 'stent2.nii');
    expect(meta(b).version).toBe(2);
    expectSameValues(stent, b);
    expect(meta(b).affine).toEqual(meta(stent).affine);
    expect(meta(b).sformCode).toBe(2);
  });

  it('applies scl_slope/scl_inter and packs values back with them', () => {
    const raw = encodeNifti(stent);
    const view = new DataView(raw.buffer);
    view.setFloat32(112, 0.5, true);
    view.setFloat32(116, -100, true);
    const scaled = decodeNifti(raw, 'scaled.nii');
    for (let i = 0; i < stent.values.length; i += 997) expect(scaled.values[i]).toBe(stent.values[i] * 0.5 - 100);
    const again = encodeNifti(scaled);
    expect(Buffer.from(again.subarray(352)).equals(Buffer.from(raw.subarray(352)))).toBe(true);
    expect(decodeHeader(again)).toMatchObject({ sclSlope: 0.5, sclInter: -100, datatype: 4 });
  });

  const types: Array<[string, number[]]> = [
    ['uint8', [0, 1, 255]],
    ['int8', [-128, 0, 127]],
    ['int16', [-32768, 0, 32767]],
    ['uint16', [0, 1, 65535]],
    ['int32', [-2147483648, 0, 2147483647]],
    ['uint32', [0, 4294967295, 7]],
    ['int64', [-(2 ** 40), 0, 2 ** 40]],
    ['uint64', [0, 2 ** 40, 9]],
    ['float32', [-1.5, 0, 3.25e10]],
    ['float64', [-1.5, 1e-30, 3.25e10]],
  ];
  for (const [dtype, extremes] of types) {
    it(`round-trips datatype ${dtype}`, () => {
      const values = Float32Array.from({ length: 3 * 4 * 5 }, (_, i) => extremes[i % 3]);
      const f = createField({ axes: ['z', 'y', 'x'], shape: [3, 4, 5], channels: ['value'], values, dtype, provenance: { format: 'test', path: 'mem' } });
      const b = decodeNifti(encodeNifti(f), `${dtype}.nii`);
      expect(b.dtype).toBe(dtype);
      expectSameValues(f, b);
    });
  }

  it('round-trips RGB24 and complex64 voxels as channels', () => {
    const rgb = createField({
      axes: ['z', 'y', 'x'],
      shape: [2, 3, 4],
      channels: ['R', 'G', 'B'],
      values: Float32Array.from({ length: 72 }, (_, i) => (i * 7) % 256),
      dtype: 'rgb24',
      provenance: { format: 'test', path: 'mem' },
    });
    const b = decodeNifti(encodeNifti(rgb), 'rgb.nii');
    expect(b.channels).toEqual(['R', 'G', 'B']);
    expect(decodeHeader(encodeNifti(rgb)).datatype).toBe(128);
    expectSameValues(rgb, b);
    const cx = createField({
      axes: ['z', 'y', 'x'],
      shape: [2, 3, 4],
      channels: ['real', 'imag'],
      values: Float32Array.from({ length: 48 }, (_, i) => i - 20.5),
      dtype: 'complex64',
      provenance: { format: 'test', path: 'mem' },
    });
    const c = decodeNifti(encodeNifti(cx), 'cx.nii');
    expect(c.channels).toEqual(['real', 'imag']);
    expectSameValues(cx, c);
  });

  it('stores extra channels along dim[5] (vector intent) and reads them back as channels', () => {
    const f = createField({
      axes: ['z', 'y', 'x'],
      shape: [2, 3, 4],
      channels: ['u', 'v'],
      values: Float32Array.from({ length: 48 }, (_, i) => i * 0.25),
      dtype: 'float32',
      provenance: { format: 'test', path: 'mem' },
    });
    const bytes = encodeNifti(f);
    const h = decodeHeader(bytes);
    expect(h.dim.slice(0, 6)).toEqual([5, 4, 3, 2, 1, 2]);
    expect(h.intentCode).toBe(1007);
    const b = decodeNifti(bytes, 'vec.nii');
    expect(b.channels).toEqual(['c1', 'c2']);
    expect(Array.from(b.values)).toEqual(Array.from(f.values));
  });

  it('reads 4-D series with a t axis, or one volume by index', () => {
    const values = Float32Array.from({ length: 3 * 4 * 5 * 6 }, (_, i) => i);
    const f = createField({
      axes: ['t', 'z', 'y', 'x'],
      shape: [3, 4, 5, 6],
      channels: ['value'],
      values,
      dtype: 'int16',
      geometry: { spacing: [2.5, 1, 1, 1], origin: [0, 0, 0, 0] },
      provenance: { format: 'test', path: 'mem' },
    });
    const bytes = encodeNifti(f);
    expect(decodeHeader(bytes).dim.slice(0, 5)).toEqual([4, 6, 5, 4, 3]);
    const all = decodeNifti(bytes, 'series.nii');
    expect(all.axes).toEqual(['t', 'z', 'y', 'x']);
    expect(all.geometry.spacing[0]).toBe(2.5);
    expectSameValues(f, all);
    const one = decodeNifti(bytes, 'series.nii', { index: { t: 1 } });
    expect(one.axes).toEqual(['z', 'y', 'x']);
    expect(Array.from(one.values)).toEqual(Array.from(values.subarray(120, 240)));
    expect(() => decodeNifti(bytes, 'series.nii', { index: { t: 3 } })).toThrow(/time index/);
  });

  it('reads big-endian files', () => {
    const le = encodeNifti(stent);
    const h = decodeHeader(le);
    const be = new Uint8Array(le.length);
    be.set(encodeHeader({ ...h, littleEndian: false }));
    for (let i = 352; i < le.length; i += 2) {
      be[i] = le[i + 1];
      be[i + 1] = le[i];
    }
    const b = decodeNifti(be, 'be.nii');
    expect(meta(b).header.littleEndian).toBe(false);
    expectSameValues(stent, b);
  });
});

describe('NIfTI geometry', () => {
  const rot30 = (() => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    return [c, -s, 0, s, c, 0, 0, 0, 1];
  })();

  function volume(direction: number[], format = 'test'): Field {
    return createField({
      axes: ['z', 'y', 'x'],
      shape: [4, 5, 6],
      channels: ['value'],
      values: new Float32Array(120).fill(1),
      dtype: 'float32',
      geometry: { spacing: [3, 1.5, 2], origin: [-20, 30, 10], direction },
      provenance: { format, path: 'mem' },
    });
  }

  it('writes a rotated grid as sform and an equal qform (code 2), and reads the same geometry back', () => {
    const b = decodeNifti(encodeNifti(volume(rot30)), 'rot.nii');
    const m = meta(b);
    expect([m.qformCode, m.sformCode]).toEqual([2, 2]);
    expect(m.warnings).toEqual([]);
    expectClose(m.qform as number[], m.sform as number[]);
    expectClose(b.geometry.direction as number[], rot30);
    expectClose(b.geometry.spacing, [3, 1.5, 2]);
    expectClose(b.geometry.origin, [-20, 30, 10]);
  });

  it('gets qfac = −1 for a left-handed grid, with qform and sform still equal', () => {
    const flip = [-1, 0, 0, 0, 1, 0, 0, 0, 1];
    const h = decodeHeader(encodeNifti(volume(flip)));
    expect(h.pixdim[0]).toBe(-1);
    const m = meta(decodeNifti(encodeNifti(volume(flip)), 'flip.nii'));
    expectClose(m.qform as number[], m.sform as number[]);
  });

  it('turns a DICOM (LPS) geometry into RAS, code 1', () => {
    const m = meta(decodeNifti(encodeNifti(volume([1, 0, 0, 0, 1, 0, 0, 0, 1], 'dicom')), 'lps.nii'));
    expect([m.qformCode, m.sformCode]).toEqual([1, 1]);
    expectClose(m.affine, [-2, 0, 0, -10, 0, -1.5, 0, -30, 0, 0, 3, -20]);
  });

  it('recomputes the sform when the geometry changed, keeping its code (resampled Colin27)', () => {
    const half = { ...colin, geometry: { ...colin.geometry, spacing: [2, 2, 2] } };
    const m = meta(decodeNifti(encodeNifti(half), 'half.nii'));
    expect([m.qformCode, m.sformCode]).toEqual([0, 4]);
    expect(m.affine).toEqual([2, 0, 0, -90, 0, 2, 0, -125, 0, 0, 2, -71]);
  });

  it('converts quaternions both ways (rotation near 180° included)', () => {
    for (const [b, c, d] of [
      [0, 0, 0],
      [0.1, -0.2, 0.3],
      [0.99, 0.1, 0.0],
      [0, 1, 0],
    ]) {
      const n = Math.hypot(b, c, d);
      const q = n > 1 ? { b: b / n, c: c / n, d: d / n } : { b, c, d };
      const A = quaternToAffine({ ...q, qx: 1, qy: 2, qz: 3, dx: 1, dy: 2, dz: 3, qfac: -1 });
      expectClose(quaternToAffine(affineToQuatern(A)), A, 1e-9);
    }
  });
});

describe('NIfTI guards', () => {
  /** A small int16 volume (a 16-slice crop of the stent CT) to corrupt. */
  const small = (): Field => {
    const values = stent.values.slice(120 * 128 * 128, 136 * 128 * 128);
    return { ...stent, shape: [16, 128, 128], values };
  };
  function header(patch: Partial<NiftiHeader>): Uint8Array {
    return encodeHeader({ ...decodeHeader(encodeNifti(small())), ...patch });
  }

  it('rejects absurd dimensions with E_TOO_LARGE before reading voxels, raw or gzipped', () => {
    const huge = header({ dim: [3, 30000, 30000, 30000, 1, 1, 1, 1] });
    const withVox = new Uint8Array(352 + 64);
    withVox.set(huge);
    expect(catchInr(() => decodeNifti(withVox, 'huge.nii')).code).toBe('E_TOO_LARGE');
    expect(catchInr(() => decodeNifti(gzipSync(withVox), 'huge.nii.gz')).code).toBe('E_TOO_LARGE');
  });

  it('reports truncation, bad dims, unknown and unsupported types, and .hdr/.img pairs', () => {
    const good = encodeNifti(small());
    expect(catchInr(() => decodeNifti(good.subarray(0, 10000), 'cut.nii')).message).toMatch(/truncated/);
    const gz = gzipSync(good);
    expect(catchInr(() => decodeNifti(gz.subarray(0, gz.length >> 1), 'cut.nii.gz')).code).toBe('E_CORRUPT');
    const patch = (p: Partial<NiftiHeader>): Uint8Array => {
      const b = good.slice();
      b.set(header(p));
      return b;
    };
    expect(decodeNifti(good, 'crop.nii').shape).toEqual([16, 128, 128]);
    expect(catchInr(() => decodeNifti(patch({ dim: [3, 128, 0, 16, 1, 1, 1, 1] }), 'x')).code).toBe('E_CORRUPT');
    expect(catchInr(() => decodeNifti(patch({ dim: [9, 128, 128, 16, 1, 1, 1, 1] }), 'x')).code).toBe('E_CORRUPT');
    expect(catchInr(() => decodeNifti(patch({ datatype: 1536 }), 'x')).code).toBe('E_UNSUPPORTED');
    expect(catchInr(() => decodeNifti(patch({ datatype: 3 }), 'x')).code).toBe('E_CORRUPT');
    expect(catchInr(() => decodeNifti(patch({ voxOffset: 100 }), 'x')).code).toBe('E_CORRUPT');
    const pair = good.slice();
    pair.set([0x6e, 0x69, 0x31, 0], 344);
    expect(catchInr(() => decodeNifti(pair, 'x.hdr')).code).toBe('E_UNSUPPORTED');
    expect(catchInr(() => decodeNifti(new Uint8Array(400), 'zeros.nii')).code).toBe('E_FORMAT');
  });

  it('reports a missing file as E_NOT_FOUND', async () => {
    const err = await readNiftiFile(join(dir, 'missing.nii.gz')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InrError);
    expect((err as InrError).code).toBe('E_NOT_FOUND');
  });

  it('refuses fields NIfTI cannot hold', () => {
    const flat = { ...stent, axes: ['x'], shape: [stent.values.length] };
    expect(catchInr(() => encodeNifti(flat)).code).toBe('E_ARG');
    expect(catchInr(() => encodeNifti(stent, { dtype: 'rgb24' })).code).toBe('E_ARG');
  });
});
