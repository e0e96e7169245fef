import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sample } from '../helpers/samples';
import type { Field } from '../../main/core/field';
import { readDicomBytes } from '../../main/data/dicom';
import { decodeWithWasm } from '../../main/data/dicom/decode/codecs';
import { encapsulatedFrame } from '../../main/data/dicom/decode/frames';
import { decodeRleFrame, unpackBits } from '../../main/data/dicom/decode/rle';
import { decodeJpeg, JpegError } from '../../main/data/dicom/jpeg12';
import { parseDicomBytes, sniffDicom } from '../../main/data/dicom/parse';
import { TS } from '../../main/data/dicom/tags';

/**
 * Every transfer syntax in the shared samples decodes, to the right shape and type, and the
 * same image stored in several syntaxes gives the same values: exactly for lossless syntaxes,
 * within a tolerance for lossy ones. Files are read from memory and must come back unchanged.
 */

const dcm = (...p: string[]): string => sample('dicom', ...p);
const cache = new Map<string, Field>();

/** Read a sample (cached), checking that the input bytes are not modified. */
async function read(path: string): Promise<Field> {
  const hit = cache.get(path);
  if (hit) return hit;
  const bytes = readFileSync(path);
  const before = createHash('sha256').update(bytes).digest('hex');
  const field = await readDicomBytes(bytes, path);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(before);
  cache.set(path, field);
  return field;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Pearson correlation of two equally long arrays (optionally skipping where `skip` says). */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>, skip?: (i: number) => boolean): number {
  let n = 0,
    sa = 0,
    sb = 0,
    saa = 0,
    sbb = 0,
    sab = 0;
  for (let i = 0; i < a.length; i++) {
    if (skip?.(i)) continue;
    n++;
    sa += a[i];
    sb += b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
    sab += a[i] * b[i];
  }
  const cov = sab / n - (sa / n) * (sb / n);
  return cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

describe('DICOM transfer syntaxes', () => {
  const cases: Array<[string, string, string[], number[], number, string]> = [
    // file, transfer syntax, axes, shape, channels, dtype
    ['transfer-syntaxes/implicit_little.dcm', TS.ImplicitLE, ['y', 'x'], [256, 256], 1, 'int16'],
    ['transfer-syntaxes/explicit_little.dcm', TS.ExplicitLE, ['frame', 'y', 'x'], [16, 256, 256], 1, 'uint8'],
    ['transfer-syntaxes/explicit_big.dcm', TS.ExplicitBE, ['y', 'x'], [256, 256], 1, 'int16'],
    ['transfer-syntaxes/deflated.dcm', TS.DeflatedLE, ['y', 'x'], [512, 512], 1, 'uint8'],
    ['transfer-syntaxes/jpeg_baseline_8bit.dcm', TS.JpegBaseline, ['frame', 'y', 'x'], [96, 512, 512], 1, 'uint8'],
    ['transfer-syntaxes/jpeg_lossless_sel1.dcm', TS.JpegLosslessSV1, ['y', 'x'], [400, 512], 1, 'int16'],
    ['transfer-syntaxes/jpeg_ls.dcm', TS.JpegLsNearLossless, ['y', 'x'], [1024, 1024], 1, 'uint16'],
    ['transfer-syntaxes/jpeg_2000.dcm', TS.Jpeg2000, ['y', 'x'], [512, 512], 1, 'int16'],
    ['transfer-syntaxes/rle.dcm', TS.Rle, ['y', 'x'], [512, 512], 1, 'int16'],
    ['pydicom/image_dfl.dcm', TS.DeflatedLE, ['y', 'x'], [512, 512], 1, 'uint8'],
    ['pydicom/JPGExtended.dcm', TS.JpegExtended, ['y', 'x'], [1024, 256], 1, 'uint16'],
    ['pydicom/JPEG2000.dcm', TS.Jpeg2000, ['y', 'x'], [1024, 256], 1, 'int16'],
    ['pydicom/SC_rgb_jpeg_dcmtk.dcm', TS.JpegBaseline, ['y', 'x'], [100, 100], 3, 'uint8'],
    ['pydicom/SC_rgb_rle_2frame.dcm', TS.Rle, ['frame', 'y', 'x'], [2, 100, 100], 3, 'uint8'],
    ['pydicom/MR_small.dcm', TS.ExplicitLE, ['y', 'x'], [64, 64], 1, 'int16'],
    ['pydicom/MR_small_implicit.dcm', TS.ImplicitLE, ['y', 'x'], [64, 64], 1, 'int16'],
    ['pydicom/MR_small_bigendian.dcm', TS.ExplicitBE, ['y', 'x'], [64, 64], 1, 'int16'],
    ['pydicom/MR_small_RLE.dcm', TS.Rle, ['y', 'x'], [64, 64], 1, 'int16'],
    ['pydicom/MR_small_jp2klossless.dcm', TS.Jpeg2000Lossless, ['y', 'x'], [64, 64], 1, 'int16'],
    ['pydicom/MR_small_jpeg_ls_lossless.dcm', TS.JpegLsLossless, ['y', 'x'], [64, 64], 1, 'int16'],
    ['pydicom/CT_small.dcm', TS.ExplicitLE, ['y', 'x'], [128, 128], 1, 'int16'],
    ['pydicom/no_meta.dcm', TS.ExplicitLE, ['y', 'x'], [128, 128], 1, 'int16'],
    ['pydicom/rtdose.dcm', TS.ImplicitLE, ['z', 'y', 'x'], [15, 10, 10], 1, 'uint32'],
    ['pydicom/liver_1frame.dcm', TS.ExplicitLE, ['y', 'x'], [512, 512], 1, 'uint8'],
  ];

  it.each(cases)('%s decodes (%s)', async (file, ts, axes, shape, channels, dtype) => {
    const f = await read(dcm(file));
    expect(f.provenance.format).toBe('dicom');
    expect(f.provenance.meta?.transferSyntax).toBe(ts);
    expect(f.axes).toEqual(axes);
    expect(f.shape).toEqual(shape);
    expect(f.channels).toHaveLength(channels);
    expect(f.dtype).toBe(dtype);
    expect(f.values.length).toBe(shape.reduce((a, b) => a * b, 1) * channels);
    expect(f.values.every(Number.isFinite)).toBe(true);
    let min = Infinity,
      max = -Infinity;
    for (const v of f.values) [min, max] = [Math.min(min, v), Math.max(max, v)];
    expect(max).toBeGreaterThan(min); // a real image, not a blank
  });

  it('MR_small is identical in all six lossless encodings', async () => {
    const ref = await read(dcm('pydicom/MR_small.dcm'));
    for (const other of ['MR_small_implicit', 'MR_small_bigendian', 'MR_small_RLE', 'MR_small_jp2klossless', 'MR_small_jpeg_ls_lossless']) {
      const f = await read(dcm(`pydicom/${other}.dcm`));
      expect(maxAbsDiff(f.values, ref.values), other).toBe(0);
      expect(f.geometry).toEqual(ref.geometry);
    }
  });

  it('explicit big endian equals the same slice in explicit little endian', async () => {
    const be = await read(dcm('transfer-syntaxes/explicit_big.dcm'));
    const le = await read(dcm('mr-series/brain_013.dcm'));
    expect(maxAbsDiff(be.values, le.values)).toBe(0);
    expect(be.geometry.origin).toEqual(le.geometry.origin);
  });

  it('a file without meta header (no_meta.dcm) equals CT_small.dcm', async () => {
    const bare = await read(dcm('pydicom/no_meta.dcm'));
    const ref = await read(dcm('pydicom/CT_small.dcm'));
    expect(maxAbsDiff(bare.values, ref.values)).toBe(0);
    expect(bare.units).toBe('HU');
  });

  it('the two deflated files hold the same image', async () => {
    const a = await read(dcm('transfer-syntaxes/deflated.dcm'));
    const b = await read(dcm('pydicom/image_dfl.dcm'));
    expect(maxAbsDiff(a.values, b.values)).toBe(0);
  });

  it('lossy JPEG 2000 agrees with the lossless RLE copy of the same CT slice', async () => {
    const j2k = await read(dcm('transfer-syntaxes/jpeg_2000.dcm'));
    const rle = await read(dcm('transfer-syntaxes/rle.dcm'));
    // Skip padding outside the scan circle (masked in the RLE copy).
    const r = correlation(j2k.values, rle.values, (i) => rle.mask !== undefined && rle.mask[i] === 0);
    expect(r).toBeGreaterThan(0.97);
  });

  it('12-bit JPEG extended matches pydicom reference pixels and the JPEG 2000 copy', async () => {
    const jpg = await read(dcm('pydicom/JPGExtended.dcm'));
    const at = (r: number, c: number): number => jpg.values[r * 256 + c];
    // pydicom's reference values for this file (libjpeg, integer IDCT): ±1 for IDCT rounding.
    expect(Math.abs(at(420, 140) - 244)).toBeLessThanOrEqual(1);
    expect(Math.abs(at(230, 120) - 95)).toBeLessThanOrEqual(1);
    const j2k = await read(dcm('pydicom/JPEG2000.dcm')); // NM1 again, lossy JPEG 2000
    expect(correlation(jpg.values, j2k.values)).toBeGreaterThan(0.95);
  });

  it('RGB JPEG baseline and RGB RLE copies of SC_rgb agree within JPEG loss', async () => {
    const jpg = await read(dcm('pydicom/SC_rgb_jpeg_dcmtk.dcm'));
    const rle = await read(dcm('pydicom/SC_rgb_rle_2frame.dcm'));
    const frame0 = rle.values.subarray(0, jpg.values.length);
    let sum = 0;
    for (let i = 0; i < frame0.length; i++) sum += Math.abs(jpg.values[i] - frame0[i]);
    expect(sum / frame0.length).toBeLessThan(4);
    expect(correlation(jpg.values, frame0)).toBeGreaterThan(0.99);
    // pydicom's reference pixels for SC_rgb, and its second frame is the first one inverted.
    const rgb = (k: number, r: number, c: number): number[] => Array.from(rle.values.subarray(((k * 100 + r) * 100 + c) * 3, ((k * 100 + r) * 100 + c) * 3 + 3));
    expect(rgb(0, 5, 50)).toEqual([255, 0, 0]);
    expect(rgb(0, 95, 50)).toEqual([255, 255, 255]);
    expect(rgb(1, 5, 50)).toEqual([0, 255, 255]);
    for (let i = 0; i < 30000; i++) if (rle.values[i] + rle.values[30000 + i] !== 255) throw new Error(`frame 2 is not the inverse at ${i}`);
  });

  it('RT dose frames are placed by GridFrameOffsetVector and scaled by DoseGridScaling', async () => {
    const f = await read(dcm('pydicom/rtdose.dcm'));
    expect(f.geometry.spacing).toEqual([5, 10, 10]);
    expect(f.geometry.origin).toEqual([-761.87, 199.43125, 189.43125]); // IPP in axis order z, y, x
    const max = f.values.reduce((a, b) => Math.max(a, b), 0);
    expect(max).toBeGreaterThan(0.5);
    expect(max).toBeLessThan(10); // stored ~1e6 × 1e-6: Gy-sized, not raw counts
  });

  it('the 1-bit enhanced segmentation unpacks to 0/1, placed by its functional groups', async () => {
    const f = await read(dcm('pydicom/liver_1frame.dcm'));
    // Per-frame PlanePositionSequence and shared PixelMeasures / PlaneOrientation sequences.
    expect(f.provenance.meta?.imagePositionPatient).toEqual([-235.2, -226.8, -128.69]);
    expect(f.geometry.spacing).toEqual([0.810547, 0.810547]);
    expect(f.geometry.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const ones = f.values.reduce((n, v) => n + (v === 1 ? 1 : 0), 0);
    expect(f.values.every((v) => v === 0 || v === 1)).toBe(true);
    expect(ones).toBeGreaterThan(1000);
  });

  it('sniffs DICOM by content, not by name', () => {
    expect(sniffDicom(readFileSync(dcm('pydicom/MR_small.dcm')).subarray(0, 1024))).toBe(true);
    expect(sniffDicom(readFileSync(dcm('pydicom/no_meta.dcm')).subarray(0, 1024))).toBe(true);
    expect(sniffDicom(readFileSync(dcm('pydicom/dicomdirtests/77654033/CR1/6154')).subarray(0, 1024))).toBe(true);
    expect(sniffDicom(readFileSync(sample('images', 'camera.png')).subarray(0, 1024))).toBe(false);
    expect(sniffDicom(new Uint8Array(1024))).toBe(false);
  });
});

describe('own JPEG decoder (jpeg12.ts)', () => {
  /** Frame `k` of an encapsulated sample, as the codestream bytes. */
  function frameOf(file: string, k: number, frames: number): Uint8Array {
    const p = parseDicomBytes(readFileSync(dcm(file)), file);
    return encapsulatedFrame(p.dataSet, p.dataSet.elements.x7fe00010, k, frames, file);
  }

  it('matches libjpeg-turbo within ±1 on 8-bit baseline frames, grey and colour', async () => {
    for (const [file, k, frames] of [
      ['transfer-syntaxes/jpeg_baseline_8bit.dcm', 40, 96],
      ['pydicom/SC_rgb_jpeg_dcmtk.dcm', 0, 1],
    ] as const) {
      const bytes = frameOf(file, k, frames);
      const ref = await decodeWithWasm('jpeg', bytes);
      const own = decodeJpeg(bytes);
      expect([own.width, own.height, own.components]).toEqual([ref.info.width, ref.info.height, ref.info.componentCount]);
      let worst = 0;
      for (let i = 0; i < own.data.length; i++) worst = Math.max(worst, Math.abs(own.data[i] - ref.bytes[i]));
      expect(worst, file).toBeLessThanOrEqual(1);
    }
  });

  it('decodes 12-bit precision and reports it', () => {
    const img = decodeJpeg(frameOf('pydicom/JPGExtended.dcm', 0, 1));
    expect([img.width, img.height, img.components, img.precision]).toEqual([256, 1024, 1, 12]);
    expect(img.data.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(4096);
  });

  it('fails cleanly on truncated, progressive and non-JPEG data', () => {
    const bytes = frameOf('pydicom/JPGExtended.dcm', 0, 1);
    expect(() => decodeJpeg(bytes.subarray(0, bytes.length / 2))).toThrow(JpegError);
    expect(() => decodeJpeg(new Uint8Array([1, 2, 3, 4]))).toThrow(JpegError);
    const progressive = new Uint8Array(bytes); // a copy (Buffer#slice would share memory)
    progressive[3] = 0xc2; // SOF1 → SOF2
    expect(() => decodeJpeg(progressive)).toThrow(/progressive/);
    expect(() => decodeJpeg(bytes, { maxSamples: 1000 })).toThrow(/too large/);
  });
});

describe('RLE decoder', () => {
  it('unpacks PackBits literal and replicate runs', () => {
    const out = new Uint8Array(8);
    // literal of 3 (header 2), replicate 0x07 four times (header -3 = 253), no-op (-128), literal 1
    const n = unpackBits(new Uint8Array([2, 1, 2, 3, 253, 7, 128, 0, 9]), 0, 9, out);
    expect(n).toBe(8);
    expect([...out]).toEqual([1, 2, 3, 7, 7, 7, 7, 9]);
  });

  it('reassembles 16-bit samples from MSB and LSB segments', () => {
    // 2×1 image, 16-bit: values 0x0102 and 0x0304 → segment 1 (MSB) = 01 03, segment 2 (LSB) = 02 04
    const frame = new Uint8Array(64 + 6);
    const dv = new DataView(frame.buffer);
    dv.setUint32(0, 2, true);
    dv.setUint32(4, 64, true);
    dv.setUint32(8, 67, true);
    frame.set([1, 1, 3], 64);
    frame.set([1, 2, 4], 67);
    expect([...decodeRleFrame(frame, 1, 2, 1, 2)]).toEqual([0x02, 0x01, 0x04, 0x03]);
  });

  it('rejects a wrong segment count and truncated segments', () => {
    const frame = new Uint8Array(70);
    new DataView(frame.buffer).setUint32(0, 3, true);
    expect(() => decodeRleFrame(frame, 1, 2, 1, 2)).toThrow(/segments/);
    const dv = new DataView(frame.buffer);
    dv.setUint32(0, 2, true);
    dv.setUint32(4, 64, true);
    dv.setUint32(8, 69, true);
    expect(() => decodeRleFrame(frame, 10, 10, 1, 2)).toThrow(/truncated/);
  });
});
