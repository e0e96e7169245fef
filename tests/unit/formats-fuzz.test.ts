import { prng } from '../helpers/prng';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import type { Field } from '../../main/core/field';
import { decodePng } from '../../main/data/png';
import { decodeTiff, encodeGeoTiff, readTiffFile } from '../../main/data/geotiff';
import { memorySource, parseTiffStructure } from '../../main/data/geotiff/structure';
import { decodeNifti, encodeNifti } from '../../main/data/nifti';
import { decodeJpeg, encodeJpeg } from '../../main/data/image';

/**
 * Seeded fuzzing of the GeoTIFF/TIFF, NIfTI and JPEG readers: every sample is mutated (cut
 * short, bit-flipped, given wrong lengths and offsets, given absurd dimensions, spliced,
 * scribbled over) and each
 * mutant must end in an InrError or a consistent Field — never another exception, never more
 * than 5 s, never a Field beyond the 1 GiB guard. The big .nii.gz volumes are fuzzed mostly in
 * their (decompressed) header, plus a cropped re-encoded copy that goes through gzip each time.
 */

const SEED = 20240917;
const CASES = 200;
const MAX_CASE_MS = 5000;
const GIB = 2 ** 30;

type Decode = (bytes: Uint8Array) => Field | Promise<Field>;

interface Target {
  name: string;
  bytes: Uint8Array;
  decode: Decode;
  /** Offsets of header fields worth corrupting (counts, offsets, sizes, types). */
  hot: number[];
  /** Offsets of size fields and their width in bytes, for the absurd-dimension mutation. */
  dims: Array<[number, number]>;
  /** Only mutate within this many leading bytes (the header region), when set. */
  region?: number;
}

type Mutation = 'truncate' | 'bitflip' | 'wronglength' | 'absurddims' | 'splice' | 'scribble';
const MUTATIONS: Mutation[] = ['truncate', 'bitflip', 'wronglength', 'absurddims', 'splice', 'scribble'];

const EXTREMES = [0, 1, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, 0x80000000];

function writeUint(b: Uint8Array, at: number, width: number, value: number): void {
  for (let k = 0; k < width && at + k < b.length; k++) b[at + k] = Math.floor(value / 2 ** (8 * k)) & 0xff;
}

/** One mutant of `t` (the `i`-th case cycles through the mutation kinds). */
function mutate(t: Target, i: number, rnd: () => number): { kind: Mutation; bytes: Uint8Array } {
  const kind = MUTATIONS[i % MUTATIONS.length];
  const src = t.bytes;
  const n = src.length;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const anywhere = (): number => Math.floor(rnd() * (t.region ? Math.min(t.region, n) : n));
  const hotOrAny = (): number => (t.hot.length && rnd() < 0.6 ? pick(t.hot) + Math.floor(rnd() * 4) : rnd() < 0.5 ? Math.floor(rnd() * Math.min(n, 1024)) : anywhere());
  switch (kind) {
    case 'truncate': {
      const r = rnd();
      const len = r < 0.4 ? n - 1 - Math.floor(rnd() * 64) : r < 0.7 ? Math.floor(rnd() * Math.min(n, 2048)) : Math.floor(rnd() * n);
      return { kind, bytes: src.slice(0, Math.max(0, len)) };
    }
    case 'bitflip': {
      const b = src.slice();
      const flips = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < flips; k++) {
        const at = Math.min(n - 1, hotOrAny());
        b[at] ^= 1 << Math.floor(rnd() * 8);
      }
      return { kind, bytes: b };
    }
    case 'wronglength': {
      const b = src.slice();
      const at = t.hot.length ? pick(t.hot) : hotOrAny();
      const width = pick([1, 2, 4, 8]);
      const value = rnd() < 0.7 ? pick(EXTREMES) : Math.floor(rnd() * 2 ** 32);
      writeUint(b, at, width, value);
      return { kind, bytes: b };
    }
    case 'absurddims': {
      const b = src.slice();
      const [at, width] = t.dims.length ? pick(t.dims) : [hotOrAny(), 2];
      const max = 2 ** (8 * Math.min(width, 4)) - 1;
      writeUint(b, at, width, rnd() < 0.5 ? max : Math.floor(rnd() * max));
      return { kind, bytes: b };
    }
    case 'scribble': {
      // Random bytes over a short run anywhere: reaches compressed pixel data, not just headers.
      const b = src.slice();
      const at = anywhere();
      const run = 1 + Math.floor(rnd() * 32);
      for (let k = at; k < Math.min(n, at + run); k++) b[k] = Math.floor(rnd() * 256);
      return { kind, bytes: b };
    }
    case 'splice': {
      const at = hotOrAny();
      const cut = 1 + Math.floor(rnd() * 16);
      const insert = rnd() < 0.5;
      const out = new Uint8Array(insert ? n + cut : Math.max(0, n - cut));
      out.set(src.subarray(0, at));
      if (insert) {
        for (let k = 0; k < cut; k++) out[at + k] = Math.floor(rnd() * 256);
        out.set(src.subarray(at), at + cut);
      } else {
        out.set(src.subarray(Math.min(n, at + cut)), at);
      }
      return { kind, bytes: out };
    }
  }
}

function consistent(f: Field): boolean {
  const samples = f.shape.reduce((a, b) => a * b, 1);
  return (
    f.shape.every((s) => Number.isInteger(s) && s > 0) &&
    f.values instanceof Float32Array &&
    f.values.length === samples * f.channels.length &&
    f.values.byteLength <= GIB &&
    (!f.mask || f.mask.length === samples)
  );
}

interface Tally {
  cases: number;
  fields: number;
  errors: Record<string, number>;
  byKind: Record<string, number>;
  slowestMs: number;
  /** Largest `process.memoryUsage().arrayBuffers` seen right after a case (its Field still alive). */
  peakArrayBuffers: number;
  failures: string[];
  /** Error messages with numbers blanked, by frequency: what the mutants ran into. */
  messages: Record<string, number>;
}

async function fuzz(t: Target, cases: number, seed: number): Promise<Tally> {
  const rnd = prng(seed);
  const tally: Tally = { cases: 0, fields: 0, errors: {}, byKind: {}, slowestMs: 0, peakArrayBuffers: 0, failures: [], messages: {} };
  for (let i = 0; i < cases; i++) {
    const { kind, bytes } = mutate(t, i, rnd);
    const t0 = performance.now();
    try {
      const f = await t.decode(bytes);
      if (consistent(f)) tally.fields++;
      else tally.failures.push(`${t.name} #${i} (${kind}): inconsistent Field ${JSON.stringify(f.shape)}`);
    } catch (err) {
      if (err instanceof InrError) {
        tally.errors[err.code] = (tally.errors[err.code] ?? 0) + 1;
        const m = `${err.code} ${err.message.replace(/\d+/g, 'N').slice(0, 70)}`;
        tally.messages[m] = (tally.messages[m] ?? 0) + 1;
      } else tally.failures.push(`${t.name} #${i} (${kind}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
    const ms = performance.now() - t0;
    tally.peakArrayBuffers = Math.max(tally.peakArrayBuffers, process.memoryUsage().arrayBuffers);
    if (tally.peakArrayBuffers > GIB) tally.failures.push(`${t.name} #${i} (${kind}): ${(tally.peakArrayBuffers / GIB).toFixed(2)} GiB of array buffers`);
    tally.slowestMs = Math.max(tally.slowestMs, ms);
    if (ms > MAX_CASE_MS) tally.failures.push(`${t.name} #${i} (${kind}) took ${ms.toFixed(0)} ms`);
    tally.cases++;
    tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
  }
  return tally;
}

/** A private copy of a file's bytes (a Buffer's `slice` would share memory with the original). */
function load(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(sample(...parts)));
}

/** Hot spots of a TIFF: header offset, IFD entry counts, every entry's type, count and value. */
function tiffHotspots(bytes: Uint8Array): Pick<Target, 'hot' | 'dims'> {
  const s = parseTiffStructure(memorySource(bytes));
  const hot = [s.bigTiff ? 8 : 4];
  const dims: Array<[number, number]> = [];
  const entry = s.bigTiff ? 20 : 12;
  const head = s.bigTiff ? 8 : 2;
  for (const ifd of s.ifds) {
    hot.push(ifd.offset);
    [...ifd.entries.values()].forEach((e, k) => {
      const at = ifd.offset + head + k * entry;
      hot.push(at + 2, at + 4, at + (s.bigTiff ? 12 : 8));
      if (e.tag === 256 || e.tag === 257 || e.tag === 277 || e.tag === 322 || e.tag === 323 || e.tag === 278) {
        dims.push([e.valueOffset, e.type === 3 ? 2 : 4]);
      }
    });
  }
  return { hot, dims };
}

/** Hot spots of a NIfTI-1 header (nifti1.h offsets): sizeof_hdr, dim, datatype, bitpix, pixdim, vox_offset, scl, codes, transforms, magic. */
function niftiHotspots(): Pick<Target, 'hot' | 'dims'> {
  const hot = [0, 40, 42, 44, 46, 48, 50, 70, 72, 76, 80, 108, 112, 116, 252, 254, 256, 268, 280, 296, 312, 344];
  const dims: Array<[number, number]> = [40, 42, 44, 46, 48, 50].map((o) => [o, 2]);
  return { hot, dims };
}

/** Hot spots of a JPEG: every marker segment's length, and the SOF size fields. */
function jpegHotspots(bytes: Uint8Array): Pick<Target, 'hot' | 'dims'> {
  const hot: number[] = [];
  const dims: Array<[number, number]> = [];
  let p = 2;
  while (p + 4 <= bytes.length && bytes[p] === 0xff && bytes[p + 1] !== 0xda) {
    hot.push(p + 2);
    if (bytes[p + 1] === 0xc0) dims.push([p + 5, 2], [p + 7, 2]);
    p += 2 + ((bytes[p + 2] << 8) | bytes[p + 3]);
  }
  hot.push(p + 2);
  return { hot, dims };
}

const tiffTarget = (name: string, bytes: Uint8Array): Target => ({
  name,
  bytes,
  decode: (b) => decodeTiff({ path: name, bytes: b }),
  ...tiffHotspots(bytes),
});

function report(results: Array<[string, Tally]>): void {
  const lines = results.map(([name, t]) => {
    const errs = Object.entries(t.errors)
      .map(([c, k]) => `${c} ${k}`)
      .join(', ');
    return `${name.padEnd(34)} ${String(t.cases).padStart(4)} cases: ${String(t.fields).padStart(4)} fields, ${errs} (slowest ${t.slowestMs.toFixed(0)} ms, peak ${(t.peakArrayBuffers / 2 ** 20).toFixed(0)} MiB)`;
  });
  console.log(`formats fuzz, seed ${SEED}\n${lines.join('\n')}`);
  if (process.env.FUZZ_VERBOSE) {
    for (const [name, t] of results) {
      const top = Object.entries(t.messages)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6);
      console.log(`${name}:\n${top.map(([m, k]) => `  ${k} × ${m}`).join('\n')}`);
    }
  }
}

describe('format readers under fuzzing', () => {
  it('GeoTIFF / TIFF: every mutant ends in an InrError or a consistent Field', async () => {
    const targets: Target[] = [
      tiffTarget('L7_ETMs.tif', load('geotiff', 'L7_ETMs.tif')),
      tiffTarget('elev.tif', load('geotiff', 'elev.tif')),
      tiffTarget('olinda (float32 pred3)', load('geotiff', 'olinda_dem_float32_deflate_pred3_nodata.tif')),
    ];
    // Writer outputs: a tiled BigTIFF with overviews and a plain RGB TIFF.
    const elev = await readTiffFile(sample('geotiff', 'elev.tif'));
    targets.push(tiffTarget('elev as tiled BigTIFF + overviews', encodeGeoTiff(elev, { bigTiff: true, tiled: true, tileSize: 32, overviews: true, predictor: true })));
    const phantom = decodePng(readFileSync(sample('images', 'phantom.png')), 'phantom.png');
    targets.push(tiffTarget('phantom as plain RGB TIFF', encodeGeoTiff(phantom, { tiled: true, tileSize: 64 })));
    const results: Array<[string, Tally]> = [];
    for (const [k, t] of targets.entries()) results.push([t.name, await fuzz(t, CASES, SEED + k)]);
    report(results);
    for (const [, t] of results) {
      expect(t.failures).toEqual([]);
      expect(t.cases).toBeGreaterThanOrEqual(CASES);
    }
  });

  it('NIfTI: header mutations of both volumes, and a cropped .nii.gz through gzip', async () => {
    const volumes = ['ch2_colin27_T1_181x217x181_uint8.nii.gz', 'stent_ct_128x128x256_int16.nii.gz'];
    const results: Array<[string, Tally]> = [];
    let seed = SEED + 100;
    for (const name of volumes) {
      const gz = load('volumes', name);
      const raw = new Uint8Array(gunzipSync(gz));
      const hot = niftiHotspots();
      // 1. The real file, decompressed: mutations confined to the first 4 KiB (header and first voxels).
      const header: Target = { name: `${name.split('_')[0]} (header, raw)`, bytes: raw, decode: (b) => decodeNifti(b, name), ...hot, region: 4096 };
      results.push([header.name, await fuzz(header, CASES, seed++)]);
      // 2. The real .nii.gz: small cuts and flips in the gzip header and trailer.
      const tail: Target = {
        name: `${name.split('_')[0]} (.nii.gz, ends)`,
        bytes: gz,
        decode: (b) => decodeNifti(b, name),
        hot: [0, 2, 3, 4, 8, 9, 10, gz.length - 8, gz.length - 4],
        dims: [[gz.length - 4, 4]],
      };
      results.push([tail.name, await fuzz(tail, 20, seed++)]);
      // 3. A cropped copy re-encoded as .nii.gz, mutated anywhere.
      const full = decodeNifti(raw, name);
      const [, ny, nx] = full.shape;
      const slices = 8;
      const z0 = Math.floor(full.shape[0] / 2);
      const crop = { ...full, shape: [slices, ny, nx], values: full.values.slice(z0 * ny * nx, (z0 + slices) * ny * nx) };
      const cropGz = new Uint8Array(gzipSync(encodeNifti(crop), { level: 1 }));
      const cropped: Target = {
        name: `${name.split('_')[0]} (8-slice crop, .nii.gz)`,
        bytes: cropGz,
        decode: (b) => decodeNifti(b, name),
        hot: [0, 4, 10, 20, 40, 100, 200],
        dims: [],
      };
      results.push([cropped.name, await fuzz(cropped, 60, seed++)]);
    }
    report(results);
    for (const [, t] of results) expect(t.failures).toEqual([]);
    // Every volume: at least CASES mutants in all.
    for (let v = 0; v < volumes.length; v++) {
      expect(results.slice(3 * v, 3 * v + 3).reduce((a, [, t]) => a + t.cases, 0)).toBeGreaterThanOrEqual(CASES);
    }
  });

  it('JPEG: mutants of an encoded photograph', async () => {
    const astronaut = decodePng(readFileSync(sample('images', 'astronaut.png')), 'astronaut.png');
    const small = { ...astronaut, shape: [128, 512], values: astronaut.values.slice(0, 128 * 512 * 3) };
    const bytes = encodeJpeg(small, { quality: 85 });
    const t: Target = { name: 'astronaut (JPEG, 512 × 128)', bytes, decode: (b) => decodeJpeg(b, 'a.jpg'), ...jpegHotspots(bytes) };
    const tally = await fuzz(t, CASES, SEED + 200);
    report([[t.name, tally]]);
    expect(tally.failures).toEqual([]);
  });
});
