/**
 * The bounded PNG decoder (main/data/png-decode.ts) against pngjs 7, the decoder it replaced,
 * on the shared photographs and on seeded images of every colour type, bit depth and filter,
 * plain and Adam7-interlaced, with palettes and tRNS transparency. The test images are written
 * by a small encoder here (pngjs cannot write palettes, low bit depths or interlacing); pngjs
 * decodes the very same bytes, and its RGBA output is mapped to values and mask the way the
 * earlier pngjs-based reader did.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { InrError } from '../../main/core/errors';
import { decodePngBytes, inflatedSize, unfilter } from '../../main/data/png-decode';
import { decodePng } from '../../main/data/png';
import { pngChunk, pngFile, type Ihdr } from '../fixtures/make-bombs';
import { prng } from '../helpers/prng';
import { sample } from '../helpers/samples';

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7: Array<[number, number, number, number]> = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Pack one row of samples (`depth` bits each, MSB first) and put a random filter in front. */
function packRow(samples: number[], depth: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil((samples.length * depth) / 8));
  samples.forEach((v, i) => {
    if (depth === 16) {
      bytes[2 * i] = v >> 8;
      bytes[2 * i + 1] = v & 255;
    } else if (depth === 8) bytes[i] = v;
    else {
      const bit = i * depth;
      bytes[bit >> 3] |= v << (8 - depth - (bit & 7));
    }
  });
  return bytes;
}

/** Filter rows (PNG spec §9.2) with the given filter types; `bpp` bytes per complete pixel. */
function filterRows(rows: Uint8Array[], types: number[], bpp: number): Uint8Array {
  const out: number[] = [];
  rows.forEach((row, y) => {
    const prev = y > 0 ? rows[y - 1] : new Uint8Array(row.length);
    out.push(types[y]);
    for (let i = 0; i < row.length; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let pred = 0;
      if (types[y] === 1) pred = a;
      else if (types[y] === 2) pred = b;
      else if (types[y] === 3) pred = (a + b) >> 1;
      else if (types[y] === 4) {
        const pa = Math.abs(b - c),
          pb = Math.abs(a - c),
          pc = Math.abs(a + b - 2 * c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out.push((row[i] - pred) & 255);
    }
  });
  return Uint8Array.from(out);
}

interface Made {
  bytes: Uint8Array;
  header: Ihdr;
}

/** A seeded PNG of `width` × `height` in the given format. */
function makePng(h: Ihdr, rnd: () => number, opts: { palette?: number; trns?: boolean } = {}): Made {
  const S = SAMPLES[h.colorType];
  const max = h.colorType === 3 ? (opts.palette ?? 4) - 1 : 2 ** h.bitDepth - 1;
  // Few distinct values, so that tRNS colours actually occur.
  const levels = [0, max, Math.floor(max / 2), Math.floor(max / 3)];
  const pixel = (): number[] => Array.from({ length: S }, () => (rnd() < 0.7 ? levels[Math.floor(rnd() * levels.length)] : Math.floor(rnd() * (max + 1))));
  const image = Array.from({ length: h.height }, () => Array.from({ length: h.width }, pixel));
  const bpp = Math.max(1, (S * h.bitDepth) >> 3);
  const passes = h.interlace ? ADAM7 : [[0, 0, 1, 1] as [number, number, number, number]];
  const parts: Uint8Array[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const rows: Uint8Array[] = [];
    for (let y = y0; y < h.height; y += dy) {
      const samples: number[] = [];
      for (let x = x0; x < h.width; x += dx) samples.push(...image[y][x]);
      if (samples.length) rows.push(packRow(samples, h.bitDepth));
    }
    if (rows.length)
      parts.push(
        filterRows(
          rows,
          rows.map(() => Math.floor(rnd() * 5)),
          bpp,
        ),
      );
  }
  const raw = Buffer.concat(parts);
  const extra: Uint8Array[] = [];
  if (h.colorType === 3) {
    const n = opts.palette ?? 4;
    extra.push(
      pngChunk(
        'PLTE',
        Uint8Array.from({ length: 3 * n }, () => Math.floor(rnd() * 256)),
      ),
    );
    if (opts.trns)
      extra.push(
        pngChunk(
          'tRNS',
          Uint8Array.from({ length: n }, (_, i) => (i === 1 ? 0 : 255 - i)),
        ),
      );
  } else if (opts.trns && (h.colorType === 0 || h.colorType === 2)) {
    const v = levels[1];
    const words = h.colorType === 0 ? [v] : [v, v, v];
    extra.push(pngChunk('tRNS', Uint8Array.from(words.flatMap((w) => [w >> 8, w & 255]))));
  }
  return { bytes: pngFile(h, new Uint8Array(deflateSync(raw)), extra), header: h };
}

/** What the earlier reader made of pngjs's RGBA output: channel values and an alpha mask. */
function viaPngjs(bytes: Uint8Array): { values: Float32Array; mask?: Uint8Array; C: number } {
  const png = PNG.sync.read(Buffer.from(bytes), { skipRescale: true });
  const meta = png as unknown as { color: boolean; alpha: boolean };
  const C = meta.color ? 3 : 1;
  const n = png.width * png.height;
  const src = png.data as unknown as ArrayLike<number>;
  const values = new Float32Array(n * C);
  const mask = meta.alpha ? new Uint8Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) values[i * C + c] = src[i * 4 + c];
    if (mask) mask[i] = src[i * 4 + 3] === 0 ? 0 : 1;
  }
  return { values, mask: mask && mask.includes(0) ? mask : undefined, C };
}

describe('the bounded PNG decoder agrees with pngjs', () => {
  for (const name of ['astronaut.png', 'camera.png', 'phantom.png']) {
    it(`on ${name}`, () => {
      const bytes = new Uint8Array(readFileSync(sample('images', name)));
      const ours = decodePngBytes(bytes, name);
      const ref = viaPngjs(bytes);
      expect(ours.channels).toBe(ref.C);
      expect(Buffer.from(ours.values.buffer).equals(Buffer.from(ref.values.buffer))).toBe(true);
      expect(ours.mask).toEqual(ref.mask);
    });
  }

  const formats: Array<[number, number[]]> = [
    [0, [1, 2, 4, 8, 16]],
    [2, [8, 16]],
    [3, [1, 2, 4, 8]],
    [4, [8, 16]],
    [6, [8, 16]],
  ];
  for (const [colorType, depths] of formats) {
    for (const bitDepth of depths) {
      it(`on colour type ${colorType}, ${bitDepth}-bit, plain and interlaced, with and without tRNS`, () => {
        const rnd = prng(1000 * colorType + bitDepth);
        for (const interlace of [0, 1] as const) {
          for (const trns of [false, true]) {
            if (trns && (colorType === 4 || colorType === 6)) continue; // tRNS is not allowed with an alpha channel
            const width = 1 + Math.floor(rnd() * 23);
            const height = 1 + Math.floor(rnd() * 19);
            const palette = colorType === 3 ? Math.min(2 ** bitDepth, 2 + Math.floor(rnd() * 30)) : undefined;
            const { bytes } = makePng({ width, height, bitDepth, colorType, interlace }, rnd, { palette, trns });
            const ours = decodePngBytes(bytes, 'made.png');
            const ref = viaPngjs(bytes);
            const label = `${width}×${height} interlace ${interlace} tRNS ${trns}`;
            expect(Array.from(ours.values), label).toEqual(Array.from(ref.values));
            expect(ours.mask, label).toEqual(ref.mask);
            expect(ours.hasAlpha).toBe(colorType === 4 || colorType === 6 || trns);
          }
        }
      });
    }
  }

  it('decodePng keeps the Field shape, channels, dtype and provenance of the earlier reader', () => {
    const f = decodePng(new Uint8Array(readFileSync(sample('images', 'camera.png'))), 'camera.png');
    expect(f.shape).toEqual([512, 512]);
    expect(f.channels).toEqual(['gray']);
    expect(f.dtype).toBe('uint8');
    expect(f.provenance.meta).toEqual({ bitDepth: 8, hasAlpha: false });
    const rnd = prng(7);
    const { bytes } = makePng({ width: 9, height: 5, bitDepth: 16, colorType: 2 }, rnd);
    const g = decodePng(bytes, 'rgb16.png');
    expect(g.channels).toEqual(['R', 'G', 'B']);
    expect(g.dtype).toBe('uint16');
  });
});

describe('the PNG decoder refuses what does not add up', () => {
  const rnd = prng(99);
  const good = makePng({ width: 40, height: 30, bitDepth: 8, colorType: 2 }, rnd).bytes;
  const code = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      if (err instanceof InrError) return err.code;
      throw err;
    }
    return 'ok';
  };

  it('computes the inflated size of plain and interlaced images (PNG spec §7.2, §8.2)', () => {
    // 3 × 3 RGB 8-bit, plain: 3 rows of 1 + 9 bytes.
    expect(inflatedSize({ width: 3, height: 3, bitDepth: 8, colorType: 2, interlaced: false })).toBe(30);
    // 1 × 1 interlaced: only pass 1 holds a pixel: 1 + 1 bytes.
    expect(inflatedSize({ width: 1, height: 1, bitDepth: 8, colorType: 0, interlaced: true })).toBe(2);
    // 8 × 8 1-bit gray interlaced: passes of 1×1, 1×1, 2×1, 2×2, 4×2, 4×4, 8×4 pixels, each row 1 + ⌈w/8⌉ bytes.
    expect(inflatedSize({ width: 8, height: 8, bitDepth: 1, colorType: 0, interlaced: true })).toBe(2 + 2 + 2 + 4 + 4 + 8 + 8);
  });

  it('a CRC error, a chunk running past the end, a missing IEND, an unknown filter', () => {
    const flipped = good.slice();
    flipped[40] ^= 1; // inside the IDAT data
    expect(code(() => decodePngBytes(flipped))).toBe('E_CORRUPT');
    expect(code(() => decodePngBytes(good.subarray(0, good.length - 12)))).toBe('E_CORRUPT');
    expect(code(() => decodePngBytes(good.subarray(0, 60)))).toBe('E_CORRUPT');
    const raw = new Uint8Array(2 * 4);
    raw[0] = 7; // filter type 7 does not exist
    expect(code(() => unfilter(raw, 0, 2, 3, 1))).toBe('E_CORRUPT');
  });

  it('image data that inflate to less or more than the IHDR size needs', () => {
    const h: Ihdr = { width: 10, height: 10, bitDepth: 8, colorType: 0 };
    expect(code(() => decodePngBytes(pngFile(h, new Uint8Array(deflateSync(Buffer.alloc(109))))))).toBe('E_CORRUPT');
    expect(code(() => decodePngBytes(pngFile(h, new Uint8Array(deflateSync(Buffer.alloc(111))))))).toBe('E_CORRUPT');
    expect(code(() => decodePngBytes(pngFile(h, new Uint8Array(deflateSync(Buffer.alloc(110))))))).toBe('ok');
  });

  it('a palette index beyond PLTE', () => {
    const h: Ihdr = { width: 2, height: 1, bitDepth: 8, colorType: 3 };
    const bytes = pngFile(h, new Uint8Array(deflateSync(Buffer.from([0, 0, 5]))), [pngChunk('PLTE', new Uint8Array(6))]);
    expect(code(() => decodePngBytes(bytes))).toBe('E_CORRUPT');
  });
});
