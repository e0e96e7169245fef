import { prng } from '../helpers/prng';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sample } from '../helpers/samples';
import { InrError } from '../../main/core/errors';
import type { Field } from '../../main/core/field';
import { readDicomBytes } from '../../main/data/dicom';
import { readDicomDirDataSet } from '../../main/data/dicom/dicomdir';
import { parseDicomBytes } from '../../main/data/dicom/parse';
import { LONG_VRS } from '../../main/data/dicom/tags';

/**
 * Seeded fuzzing of the DICOM reader. Each sample below (together they cover every transfer
 * syntax in the shared folder, multi-frame, 1-bit, 32-bit, colour, a bare dataset and a
 * DICOMDIR) is mutated 200 times — cut short, bit-flipped, given wrong element and fragment
 * lengths, given absurd dimensions in the data set and in the codestream, spliced — and every
 * mutant must end in an InrError or a consistent Field: never another exception, never more
 * than 5 s, never a Field beyond the 1 GiB guard.
 *
 * Not fuzzed: jpeg_baseline_8bit.dcm (96 frames: each mutant would decode for seconds; JPEG
 * baseline is covered by SC_rgb_jpeg_dcmtk.dcm and multi-frame encapsulated data by
 * SC_rgb_rle_2frame.dcm) and the duplicate encodings of the same syntaxes.
 */

const SEED = 0x5eed_d1c0;
const CASES = 200;
const MAX_CASE_MS = 5000;
const GIB = 2 ** 30;

interface Target {
  name: string;
  bytes: Uint8Array;
  /** Offsets and widths of element and fragment length fields. */
  lengths: Array<[number, number]>;
  /** Offsets and widths of dimension fields (Rows, Columns, BitsAllocated, codestream sizes…). */
  dims: Array<[number, number]>;
  /** Offsets of IS text holding NumberOfFrames (value offset, length). */
  frames?: [number, number];
  /** End of the header (start of pixel data), where most damage is interesting. */
  headerEnd: number;
  dicomdir?: boolean;
}

const FILES = [
  'pydicom/MR_small.dcm',
  'pydicom/MR_small_implicit.dcm',
  'pydicom/MR_small_bigendian.dcm',
  'pydicom/MR_small_RLE.dcm',
  'pydicom/MR_small_jp2klossless.dcm',
  'pydicom/MR_small_jpeg_ls_lossless.dcm',
  'pydicom/CT_small.dcm',
  'pydicom/no_meta.dcm',
  'pydicom/image_dfl.dcm',
  'pydicom/JPGExtended.dcm',
  'pydicom/SC_rgb_jpeg_dcmtk.dcm',
  'pydicom/SC_rgb_rle_2frame.dcm',
  'pydicom/JPEG2000.dcm',
  'pydicom/rtdose.dcm',
  'pydicom/liver_1frame.dcm',
  'transfer-syntaxes/deflated.dcm',
  'transfer-syntaxes/explicit_little.dcm',
  'transfer-syntaxes/jpeg_lossless_sel1.dcm',
  'transfer-syntaxes/jpeg_ls.dcm',
  'pydicom/dicomdirtests/DICOMDIR',
];

/** Length and dimension fields of a sample, located with a clean parse of the original. */
function target(file: string): Target {
  const bytes = new Uint8Array(readFileSync(sample('dicom', ...file.split('/')))); // a private copy
  const parsed = parseDicomBytes(bytes, file);
  const ds = parsed.dataSet;
  const lengths: Array<[number, number]> = [];
  const dims: Array<[number, number]> = [];
  // A bare dataset is parsed from a small offset, so positions shift by it; deflated data sets
  // live in an inflated copy (negative shift), where positions mean nothing in the file.
  const shift = bytes.length - ds.byteArray.length;
  const explicit = parsed.transferSyntax !== '1.2.840.10008.1.2';
  if (shift >= 0) {
    for (const el of Object.values(ds.elements)) {
      const meta = el.tag < 'x00030000'; // the meta group is always explicit VR
      const width = meta || explicit ? (LONG_VRS.has(el.vr ?? '') ? 4 : 2) : 4;
      lengths.push([el.dataOffset - width + shift, width]);
      for (const f of el.fragments ?? []) lengths.push([f.position - 4 + shift, 4]);
    }
    for (const tag of ['x00280010', 'x00280011', 'x00280100', 'x00280101', 'x00280102', 'x00280002', 'x00280103', 'x00280006']) {
      const el = ds.elements[tag];
      if (el) dims.push([el.dataOffset + shift, 2]);
    }
    const px = ds.elements.x7fe00010;
    const first = px?.fragments?.[0];
    if (first) {
      // Sizes inside the codestream: JPEG SOFn / JPEG-LS SOF55 or JPEG 2000 SIZ.
      const p = first.position;
      for (let q = p; q < Math.min(p + 2048, bytes.length - 10); q++) {
        if (bytes[q] !== 0xff) continue;
        const m = bytes[q + 1];
        if ((m >= 0xc0 && m <= 0xc3) || m === 0xf7) dims.push([q + 5, 2], [q + 7, 2], [q + 9, 1]);
        if (m === 0x51 && bytes[q - 1] === 0x4f) dims.push([q + 6, 4], [q + 10, 4], [q + 38, 2]);
      }
    }
  }
  const nf = ds.elements.x00280008;
  const headerEnd = ds.elements.x7fe00010?.dataOffset ?? bytes.length;
  return {
    name: file,
    bytes,
    lengths,
    dims,
    frames: shift >= 0 && nf ? [nf.dataOffset + shift, nf.length] : undefined,
    headerEnd: Math.min(bytes.length, headerEnd + shift),
    dicomdir: file.endsWith('DICOMDIR'),
  };
}

const EXTREMES = [0, 1, 2, 0x7f, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0xffffffff];
const KINDS = ['truncate', 'bitflip', 'wronglength', 'absurddims', 'splice'] as const;
type Kind = (typeof KINDS)[number];

function writeLE(b: Uint8Array, at: number, width: number, value: number): void {
  for (let k = 0; k < width && at + k < b.length && at + k >= 0; k++) b[at + k] = Math.floor(value / 2 ** (8 * k)) & 0xff;
}

/** The i-th mutant of a target: the kinds take turns. */
function mutate(t: Target, i: number, rnd: () => number): { kind: Kind; bytes: Uint8Array } {
  const kind = KINDS[i % KINDS.length];
  const src = t.bytes;
  const n = src.length;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const inHeader = (): number => Math.floor(rnd() * Math.max(1, t.headerEnd));
  const anywhere = (): number => Math.floor(rnd() * n);
  switch (kind) {
    case 'truncate': {
      const r = rnd();
      const len = r < 0.3 ? n - 1 - Math.floor(rnd() * 256) : r < 0.6 ? inHeader() : anywhere();
      return { kind, bytes: src.slice(0, Math.max(0, len)) };
    }
    case 'bitflip': {
      const b = src.slice();
      const flips = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < flips; k++) {
        const at = rnd() < 0.75 ? inHeader() : anywhere();
        b[at] ^= 1 << Math.floor(rnd() * 8);
      }
      return { kind, bytes: b };
    }
    case 'wronglength': {
      const b = src.slice();
      const [at, width] = t.lengths.length ? pick(t.lengths) : [inHeader(), 4];
      const old = width === 2 ? b[at] | (b[at + 1] << 8) : (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 2 ** 24;
      const r = rnd();
      const value = r < 0.4 ? pick(EXTREMES) : r < 0.7 ? old + pick([-4, -2, -1, 1, 2, 4, 8]) : Math.floor(rnd() * 2 ** (8 * width));
      writeLE(b, at, width, Math.max(0, value));
      return { kind, bytes: b };
    }
    case 'absurddims': {
      const b = src.slice();
      if (t.frames && rnd() < 0.25) {
        const [at, len] = t.frames;
        const text = pick(['9'.repeat(len), '0'.repeat(len), '-1'.padEnd(len, ' '), 'x'.repeat(len)]);
        for (let k = 0; k < len; k++) b[at + k] = text.charCodeAt(k);
      } else {
        const [at, width] = t.dims.length ? pick(t.dims) : [inHeader(), 2];
        writeLE(b, at, width, pick(EXTREMES));
      }
      return { kind, bytes: b };
    }
    case 'splice': {
      const b = src.slice();
      const len = 1 + Math.floor(rnd() * 64);
      const to = rnd() < 0.7 ? inHeader() : anywhere();
      if (rnd() < 0.5) b.fill(pick([0x00, 0xff, 0x20]), to, to + len);
      else b.copyWithin(to, anywhere(), anywhere() + len);
      return { kind, bytes: b };
    }
  }
}

/** A result must be a consistent Field within the size guard. */
function checkField(f: Field): void {
  const n = f.shape.reduce((a, b) => a * b, 1);
  if (f.values.length !== n * f.channels.length) throw new Error(`inconsistent Field: ${f.values.length} values for ${f.shape} × ${f.channels.length}`);
  if (f.mask && f.mask.length !== n) throw new Error('inconsistent mask');
  if (f.values.length * 4 > GIB) throw new Error('Field beyond the 1 GiB guard');
  if (f.axes.length !== f.shape.length) throw new Error('axes and shape disagree');
}

/** Run the reader on bytes the way the app would (a DICOMDIR through its record parser). */
async function run(t: Target, bytes: Uint8Array): Promise<Field | undefined> {
  if (t.dicomdir) {
    const p = parseDicomBytes(bytes, t.name);
    readDicomDirDataSet(p.dataSet, t.name);
    return undefined;
  }
  return readDicomBytes(bytes, t.name);
}

describe('DICOM reader fuzzing', () => {
  it(`survives ${CASES} mutations of each of ${FILES.length} samples`, async () => {
    const rnd = prng(SEED);
    const counts: Record<string, { fields: number; errors: Record<string, number>; maxMs: number }> = {};
    const failures: string[] = [];
    const t0 = performance.now();
    for (const file of FILES) {
      const t = target(file);
      counts[file] = { fields: 0, errors: {}, maxMs: 0 };
      const c = counts[file];
      for (let i = 0; i < CASES; i++) {
        const { kind, bytes } = mutate(t, i, rnd);
        const start = performance.now();
        try {
          const f = await run(t, bytes);
          if (f) checkField(f);
          c.fields++;
        } catch (err) {
          if (err instanceof InrError) c.errors[err.code] = (c.errors[err.code] ?? 0) + 1;
          else failures.push(`${file} #${i} (${kind}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
        }
        const ms = performance.now() - start;
        c.maxMs = Math.max(c.maxMs, ms);
        if (ms > MAX_CASE_MS) failures.push(`${file} #${i} (${kind}) took ${ms.toFixed(0)} ms`);
      }
    }
    const total = performance.now() - t0;
    const lines = Object.entries(counts).map(
      ([f, c]) => `${f.padEnd(42)} fields ${String(c.fields).padStart(3)}  errors ${JSON.stringify(c.errors)}  max ${c.maxMs.toFixed(0)} ms`,
    );
    console.log(`DICOM fuzz: ${FILES.length} samples × ${CASES} mutations in ${(total / 1000).toFixed(1)} s\n${lines.join('\n')}`);
    expect(failures.slice(0, 20)).toEqual([]);
    // The clean originals still read (the mutations worked on copies).
    for (const file of ['pydicom/MR_small.dcm', 'pydicom/JPGExtended.dcm']) {
      const t = target(file);
      expect((await readDicomBytes(t.bytes, file)).values.length).toBeGreaterThan(0);
    }
  });
});
