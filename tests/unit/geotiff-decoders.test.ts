import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import { decodeTiff } from '../../main/data/geotiff';
import { lzwDecode, packBitsDecode } from '../../main/data/geotiff/decoders';

/** A small TIFF LZW encoder (TIFF 6.0 §13, with the early code-width change), for test data. */
function lzwEncode(data: Uint8Array): Uint8Array {
  const bytes: number[] = [];
  let acc = 0;
  let nbits = 0;
  let width = 9;
  const put = (code: number): void => {
    acc = (acc << width) | code;
    nbits += width;
    while (nbits >= 8) {
      bytes.push((acc >>> (nbits - 8)) & 0xff);
      nbits -= 8;
    }
    acc &= (1 << nbits) - 1;
  };
  let dict = new Map<number, number>();
  let next = 258;
  put(256);
  let w = data[0];
  const added = (): void => {
    next++;
    if (next >= 1 << width && width < 12) width++;
  };
  for (let i = 1; i < data.length; i++) {
    const key = w * 256 + data[i];
    const hit = dict.get(key);
    if (hit !== undefined) {
      w = hit;
      continue;
    }
    put(w);
    dict.set(key, next);
    added();
    if (next >= 4094) {
      put(256);
      dict = new Map();
      next = 258;
      width = 9;
    }
    w = data[i];
  }
  put(w);
  added();
  put(257);
  if (nbits > 0) bytes.push((acc << (8 - nbits)) & 0xff);
  return Uint8Array.from(bytes);
}

/** Codes MSB-first at the widths a TIFF LZW decoder expects, for hand-made streams. */
function packCodes(codes: number[]): Uint8Array {
  const bytes: number[] = [];
  let acc = 0;
  let nbits = 0;
  let next = 258;
  let width = 9;
  codes.forEach((code, k) => {
    acc = (acc << width) | code;
    nbits += width;
    while (nbits >= 8) {
      bytes.push((acc >>> (nbits - 8)) & 0xff);
      nbits -= 8;
    }
    acc &= (1 << nbits) - 1;
    if (k >= 2 && code !== 256 && next < 4096) next++;
    if (next + 1 >= 1 << width && width < 12) width++;
  });
  if (nbits > 0) bytes.push((acc << (8 - nbits)) & 0xff);
  return Uint8Array.from(bytes);
}

describe('bounded LZW decoder', () => {
  it('round-trips random, repetitive and long data through a TIFF LZW encoder', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const cases = [
      Uint8Array.from({ length: 5000 }, () => Math.floor(rnd() * 256)),
      Uint8Array.from({ length: 40000 }, (_, i) => (i % 17) * 3 + (i % 5)),
      new Uint8Array(70000).fill(9),
      Uint8Array.from({ length: 100000 }, () => Math.floor(rnd() * 4)),
    ];
    for (const data of cases) {
      const out = lzwDecode(lzwEncode(data), data.length);
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('stops at the block size on a stream that sends geotiff.js into an endless loop', () => {
    // Clear, a literal, then codes that each name the entry being defined (KwKwK) until the
    // 4096-entry table is full, then more: geotiff.js's own decoder runs past its 4093-entry
    // arrays here and loops until V8 aborts.
    const codes = [256, 65];
    for (let c = 258; c < 4096; c++) codes.push(c);
    for (let k = 0; k < 100; k++) codes.push(4095);
    const stream = packCodes(codes);
    const t0 = performance.now();
    const out = lzwDecode(stream, 1 << 20);
    expect(out.length).toBe(1 << 20);
    expect(out.every((v) => v === 65)).toBe(true);
    expect(lzwDecode(stream, 1000).length).toBe(1000);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('throws on codes that cannot occur', () => {
    expect(() => lzwDecode(packCodes([256, 65, 300]), 100)).toThrow(/beyond the table/);
    expect(() => lzwDecode(packCodes([256, 300]), 100)).toThrow(/literal/);
  });

  it('decodes elev.tif (LZW) as an independent Python decoder does', async () => {
    const f = await decodeTiff({ path: 'elev.tif', bytes: readFileSync(sample('geotiff', 'elev.tif')) });
    let valid = 0;
    let sum = 0;
    f.values.forEach((v, i) => {
      if (f.mask?.[i]) {
        valid++;
        sum += v;
      }
    });
    expect([valid, sum, f.values[45 * 95 + 50]]).toEqual([4608, 1605135, 280]);
  });

  it('survives uniformly bit-flipped elev.tif strips: InrError or a Field, never a crash', async () => {
    const src = new Uint8Array(readFileSync(sample('geotiff', 'elev.tif')));
    let seed = 1;
    const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let fields = 0;
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const b = src.slice();
      for (let k = 0; k < 1 + (i % 4); k++) b[765 + Math.floor(rnd() * (b.length - 765))] ^= 1 << Math.floor(rnd() * 8);
      try {
        await decodeTiff({ path: 'flip.tif', bytes: b });
        fields++;
      } catch (err) {
        expect(err).toBeInstanceOf(InrError);
        errors++;
      }
    }
    expect(fields + errors).toBe(300);
    expect(fields).toBeGreaterThan(0);
  });
});

describe('bounded PackBits decoder', () => {
  it('decodes the TIFF 6.0 §9 example', () => {
    const input = Uint8Array.from([0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa]);
    const expected = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, ...new Array(10).fill(0xaa)];
    expect(Array.from(packBitsDecode(input, 100))).toEqual(expected);
    expect(packBitsDecode(input, 5).length).toBe(5);
    expect(Array.from(packBitsDecode(Uint8Array.from([0x80, 0x00, 0x07]), 10))).toEqual([7]);
  });
});
