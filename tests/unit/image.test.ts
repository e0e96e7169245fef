import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import type { Field } from '../../main/core/field';
import { decodePng } from '../../main/data/png';
import { decodeJpeg, encodeJpeg, jpegReader, scanJpegFrame, writeJpeg, assertFieldSize } from '../../main/data/image';
import { setMemoryLimit } from '../../main/core/limits';
import { geotiffReader, writeGeoTiff } from '../../main/data/geotiff';

const dir = mkdtempSync(join(tmpdir(), 'inr-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const png = (name: string): Field => decodePng(readFileSync(sample('images', name)), name);

/** PSNR in dB of `b` against `a` over all samples, peak 255. */
function psnr(a: Float32Array, b: Float32Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10((255 * 255) / (se / a.length));
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

describe('JPEG', () => {
  it('writes and reads astronaut.png as JPEG: 512 × 512 RGB, close to the original', async () => {
    const a = png('astronaut.png');
    const out = join(dir, 'astronaut.jpg');
    writeJpeg(out, a, { quality: 92 });
    const head = readFileSync(out).subarray(0, 1024);
    expect(jpegReader.sniff(head, 'no-extension')).toBe(true);
    expect(geotiffReader.sniff(head, 'x.tif')).toBe(false);
    const b = await jpegReader.read(out, {});
    expect(b.axes).toEqual(['y', 'x']);
    expect(b.shape).toEqual([512, 512]);
    expect(b.channels).toEqual(['R', 'G', 'B']);
    expect(b.dtype).toBe('uint8');
    expect(b.provenance.format).toBe('jpeg');
    expect(psnr(a.values, b.values)).toBeGreaterThan(30);
  });

  it('maps a non-uint8 field onto 0…255 by its valid range', () => {
    const a = png('camera.png');
    const scaled = { ...a, dtype: 'float32', values: a.values.map((v) => v / 255 - 0.5) };
    const b = decodeJpeg(encodeJpeg(scaled, { quality: 95 }), 'cam.jpg');
    const lo = a.values.reduce((m, v) => Math.min(m, v), Infinity);
    const hi = a.values.reduce((m, v) => Math.max(m, v), -Infinity);
    const expected = a.values.map((v) => Math.round(((v - lo) / (hi - lo)) * 255));
    const gray = b.values.filter((_, i) => i % 3 === 0);
    expect(psnr(expected, gray)).toBeGreaterThan(30);
  });

  it('scans the frame header: size, components, precision', () => {
    const bytes = encodeJpeg(png('phantom.png'));
    expect(scanJpegFrame(bytes)).toMatchObject({
      width: 400,
      height: 400,
      components: 3,
      precision: 8,
      process: 0xc0,
      sampling: [
        [1, 1],
        [1, 1],
        [1, 1],
      ],
    });
  });

  /** The encoded phantom with its SOF0 fields patched. */
  function patchedSof(patch: (sof: number, b: Uint8Array) => void): Uint8Array {
    const b = encodeJpeg(png('phantom.png'));
    let p = 2;
    while (b[p + 1] !== 0xc0) p += 2 + ((b[p + 2] << 8) | b[p + 3]);
    patch(p, b);
    return b;
  }

  it('rejects absurd sizes before decoding, and unsupported precisions and component counts', () => {
    const huge = patchedSof((p, b) => b.set([0xff, 0xff, 0xff, 0xff], p + 5));
    expect(catchInr(() => decodeJpeg(huge, 'huge.jpg')).code).toBe('E_TOO_LARGE');
    const twelve = patchedSof((p, b) => (b[p + 4] = 12));
    expect(catchInr(() => decodeJpeg(twelve, '12.jpg')).code).toBe('E_UNSUPPORTED');
    const two = patchedSof((p, b) => (b[p + 9] = 2));
    expect(catchInr(() => decodeJpeg(two, 'two.jpg')).code).toBe('E_UNSUPPORTED');
    const four = patchedSof((p, b) => (b[p + 9] = 4));
    expect(catchInr(() => decodeJpeg(four, 'four.jpg')).message).toMatch(/truncated frame header/);
    const tall = patchedSof((p, b) => b.set([0x40, 0x00], p + 5));
    expect(catchInr(() => decodeJpeg(tall, 'tall.jpg')).message).toMatch(/need at least/);
    const bytes = encodeJpeg(png('phantom.png'));
    expect(catchInr(() => decodeJpeg(bytes.subarray(0, 100), 'cut.jpg')).code).toBe('E_CORRUPT');
    expect(catchInr(() => decodeJpeg(new Uint8Array([0xff, 0xd8, 0xff, 0xd9]), 'empty.jpg')).code).toBe('E_CORRUPT');
  });

  it('refuses fields JPEG cannot hold', () => {
    const a = png('camera.png');
    expect(catchInr(() => encodeJpeg({ ...a, axes: ['z', 'y', 'x'], shape: [1, 512, 512] })).code).toBe('E_ARG');
  });
});

describe('plain TIFF images', () => {
  for (const name of ['astronaut.png', 'camera.png', 'phantom.png']) {
    it(`round-trips ${name} through a plain TIFF exactly`, async () => {
      const a = png(name);
      const out = join(dir, name.replace('.png', '.tif'));
      writeGeoTiff(out, a, { predictor: true });
      const b = await geotiffReader.read(out, {});
      expect(b.provenance.format).toBe('tiff');
      expect(b.channels).toEqual(a.channels);
      expect(b.shape).toEqual(a.shape);
      expect(b.geometry.crs).toBeUndefined();
      expect(b.geometry.geoTransform).toBeUndefined();
      expect(Buffer.from(b.values.buffer).equals(Buffer.from(a.values.buffer))).toBe(true);
    });
  }
});

describe('size guard', () => {
  it('under a 1 GiB memory limit, allows 1 GiB of float32 values and refuses more', () => {
    setMemoryLimit(2 ** 30);
    try {
      expect(() => assertFieldSize([16384, 16384], 'x')).not.toThrow();
      expect(catchInr(() => assertFieldSize([16384, 16385], 'x')).code).toBe('E_TOO_LARGE');
      expect(catchInr(() => assertFieldSize([0, 5], 'x')).code).toBe('E_CORRUPT');
    } finally {
      setMemoryLimit(undefined);
    }
  });
});
