import jpeg from 'jpeg-js';
import { writeFileAtomic } from '../../core/atomic';
import { InrError } from '../../core/errors';
import { createField, sampleCount, type Field } from '../../core/field';
import { describeMemoryLimit, memoryLimit } from '../../core/limits';
import { assertFieldSize } from './limits';

/**
 * JPEG images (ITU-T T.81 | ISO/IEC 10918-1) through jpeg-js 0.4.4, which decodes baseline and
 * progressive 8-bit Huffman JPEG with 1 or 3 components. The frame header is scanned first so
 * that the claimed size is checked before jpeg-js allocates anything.
 */

/** SOI followed by the start of a marker (`FF D8 FF`). */
export function isJpeg(head: Uint8Array): boolean {
  return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
}

/** What a JPEG frame header (SOFn, T.81 B.2.2) says. */
export interface JpegFrame {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** The SOF marker's low byte: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC3 lossless… */
  process: number;
  /** Horizontal and vertical sampling factor of each component (T.81 B.2.2, Hi and Vi in 1…4). */
  sampling: Array<[number, number]>;
  /** File offset of the frame header. */
  offset: number;
}

/** SOFn markers (T.81 Table B.1): C0–C3, C5–C7, C9–CB, CD–CF. */
function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

/**
 * Find the frame header (T.81 B.2.2): walk the marker segments from SOI, each `FF xx` plus a
 * 16-bit length that counts itself, until a SOFn. Standalone markers (RSTn, TEM) have no length.
 */
export function scanJpegFrame(bytes: Uint8Array, path?: string): JpegFrame {
  const fail = (why: string): never => {
    throw new InrError('E_CORRUPT', `corrupt JPEG: ${why}`, path);
  };
  if (!isJpeg(bytes)) fail('no SOI marker');
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) fail(`expected a marker at byte ${p}`);
    const m = bytes[p + 1];
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2;
      continue;
    }
    if (m === 0xd9 || m === 0xda) fail('no frame header before the image data');
    const len = (bytes[p + 2] << 8) | bytes[p + 3];
    if (len < 2) fail(`segment length ${len} at byte ${p}`);
    if (isSof(m)) {
      if (p + 10 > bytes.length || len < 8) fail('truncated frame header');
      const components = bytes[p + 9];
      if (len < 8 + 3 * components || p + 10 + 3 * components > bytes.length) fail('truncated frame header');
      const sampling: Array<[number, number]> = [];
      for (let c = 0; c < components; c++) sampling.push([bytes[p + 11 + 3 * c] >> 4, bytes[p + 11 + 3 * c] & 15]);
      return {
        precision: bytes[p + 4],
        height: (bytes[p + 5] << 8) | bytes[p + 6],
        width: (bytes[p + 7] << 8) | bytes[p + 8],
        components,
        process: m,
        sampling,
        offset: p,
      };
    }
    p += 2 + len;
  }
  return fail('truncated before the frame header');
}

/**
 * The fewest bytes of entropy-coded data that can hold the frame: every 8 × 8 block of every
 * component needs at least one Huffman code for its DC difference and, in a sequential scan,
 * one more for its end of block (codes are ≥ 1 bit; T.81 F.1.2). A frame header whose size
 * the rest of the file cannot possibly fill is corrupt, and decoding it would only spin
 * through millions of empty blocks.
 */
function minimumScanBytes(frame: JpegFrame): number {
  const hMax = Math.max(...frame.sampling.map(([h]) => h));
  const vMax = Math.max(...frame.sampling.map(([, v]) => v));
  let blocks = 0;
  for (const [h, v] of frame.sampling) {
    const w = Math.ceil((frame.width * h) / hMax);
    const ht = Math.ceil((frame.height * v) / vMax);
    blocks += Math.ceil(w / 8) * Math.ceil(ht / 8);
  }
  const bitsPerBlock = frame.process === 0xc2 ? 1 : 2;
  return Math.ceil((blocks * bitsPerBlock) / 8);
}

/**
 * Memory jpeg-js 0.4.4 allocates for a frame, with the file and our Field: per component its
 * coefficients (Int16, 2 bytes) and its decoded samples (1 byte) over the MCU-padded area (at
 * most 4 × 8 = 32 pixels of padding per axis), the RGB output (3 bytes per pixel), then our
 * Float32 values.
 */
function jpegDecodeBytes(frame: JpegFrame, fileBytes: number): number {
  const padded = Math.ceil(frame.width / 32) * 32 * Math.ceil(frame.height / 32) * 32;
  const pixels = frame.width * frame.height;
  const C = frame.components === 1 ? 1 : 3;
  return fileBytes + padded * frame.components * 3 + pixels * 3 + pixels * C * 4;
}

/** Decode JPEG bytes into a Field (y, x) with channels R, G, B, or `gray` for 1-component images. */
export function decodeJpeg(bytes: Uint8Array, path = '<memory>'): Field {
  const frame = scanJpegFrame(bytes, path);
  if (frame.process > 0xc2) {
    throw new InrError('E_UNSUPPORTED', `JPEG process 0x${frame.process.toString(16)} (lossless, hierarchical or arithmetic) is not supported`, path);
  }
  if (frame.precision !== 8) throw new InrError('E_UNSUPPORTED', `${frame.precision}-bit JPEG is not supported (8-bit only)`, path);
  if (frame.components !== 1 && frame.components !== 3) {
    throw new InrError('E_UNSUPPORTED', `JPEG with ${frame.components} components is not supported (gray or colour only)`, path);
  }
  if (frame.height === 0) throw new InrError('E_UNSUPPORTED', 'JPEG whose height comes from a DNL marker is not supported', path);
  if (frame.sampling.some(([h, v]) => h < 1 || h > 4 || v < 1 || v > 4)) throw new InrError('E_CORRUPT', 'corrupt JPEG: sampling factor outside 1…4', path);
  assertFieldSize([frame.height, frame.width], 'JPEG image', path, jpegDecodeBytes(frame, bytes.length));
  const need = minimumScanBytes(frame);
  if (bytes.length - frame.offset < need) {
    throw new InrError(
      'E_CORRUPT',
      `corrupt JPEG: the frame header claims ${frame.width} × ${frame.height} pixels, which need at least ${need} bytes of image data; the file has ${bytes.length - frame.offset}`,
      path,
    );
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: true, maxResolutionInMP: 4300, maxMemoryUsageInMB: Math.ceil(memoryLimit() / 2 ** 20) });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (/limit exceeded/.test(why)) throw new InrError('E_TOO_LARGE', `JPEG image of ${frame.width} × ${frame.height} pixels: ${why} (${describeMemoryLimit()})`, path);
    throw new InrError('E_CORRUPT', `corrupt JPEG (${why})`, path);
  }
  const { width, height, data } = img;
  if (width !== frame.width || height !== frame.height || data.length < width * height * 3) {
    throw new InrError('E_CORRUPT', `corrupt JPEG: decoded ${width} × ${height}, the frame header says ${frame.width} × ${frame.height}`, path);
  }
  const C = frame.components === 1 ? 1 : 3;
  const n = width * height;
  const values = new Float32Array(n * C);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) values[i * C + c] = data[i * 3 + c];
  return createField({
    axes: ['y', 'x'],
    shape: [height, width],
    channels: C === 1 ? ['gray'] : ['R', 'G', 'B'],
    values,
    dtype: 'uint8',
    provenance: { format: 'jpeg', path, meta: { components: frame.components, progressive: frame.process === 0xc2 } },
  });
}

/** Options of `encodeJpeg` / `writeJpeg`. */
export interface JpegWriteOptions {
  /** 1–100, default 90. */
  quality?: number;
  /** Values mapped to 0 and 255. Default [0, 255] for uint8 fields, else the valid min/max. */
  range?: [number, number];
}

/** Encode a 2-D gray or RGB field as 8-bit JPEG (lossy). Masked samples become black. */
export function encodeJpeg(field: Field, opts: JpegWriteOptions = {}, path = '<memory>'): Uint8Array {
  if (field.shape.length !== 2) throw new InrError('E_ARG', `JPEG holds 2-D images; this field has axes ${field.axes.join(', ')}`, path);
  const [height, width] = field.shape;
  if (sampleCount(field.shape) === 0) throw new InrError('E_ARG', 'cannot write an empty field', path);
  if (width > 65535 || height > 65535) throw new InrError('E_ARG', `JPEG cannot hold ${width} × ${height} pixels (max 65535)`, path);
  const C = field.channels.length;
  const rgb = C >= 3;
  const [lo, hi0] = opts.range ?? (field.dtype === 'uint8' ? [0, 255] : validRange(field));
  const hi = hi0 > lo ? hi0 : lo + 1;
  const n = width * height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    const valid = !field.mask || field.mask[i] !== 0;
    for (let c = 0; c < 3; c++) {
      const v = field.values[i * C + (rgb ? c : 0)];
      const q = Math.round(((v - lo) / (hi - lo)) * 255);
      rgba[i * 4 + c] = valid && Number.isFinite(q) ? Math.min(255, Math.max(0, q)) : 0;
    }
    rgba[i * 4 + 3] = 255;
  }
  const quality = Math.min(100, Math.max(1, Math.round(opts.quality ?? 90)));
  const out = jpeg.encode({ data: rgba, width, height }, quality);
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}

/** Min and max of the valid, finite values ([0, 1] when there are none). */
function validRange(field: Field): [number, number] {
  const C = field.channels.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < field.values.length; i++) {
    if (field.mask && !field.mask[Math.floor(i / C)]) continue;
    const v = field.values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

/** Write a 2-D field as JPEG, atomically. */
export function writeJpeg(path: string, field: Field, opts: JpegWriteOptions = {}): void {
  writeFileAtomic(path, encodeJpeg(field, opts, path));
}
