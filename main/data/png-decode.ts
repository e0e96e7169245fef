import { inflateSync } from 'node:zlib';
import { InrError } from '../core/errors';
import { dimsText, ensureFits, formatBytes } from '../core/limits';
import { crc32 } from './crc32';

/**
 * A bounded PNG decoder (ISO/IEC 15948, the PNG specification, second edition).
 *
 * Everything the decode allocates follows from the IHDR chunk, and it is checked against the
 * memory limit before anything is allocated: the inflated scanlines (exact size known from
 * width, height, bit depth, colour type and interlacing, §7.2 and §8.2), the Float32 values and
 * the mask. The zlib stream is inflated with an output cap of exactly that size: a stream that
 * holds less (truncated data) or more (a zlib bomb behind a small IHDR) is corrupt.
 *
 * Output, as the earlier pngjs-based reader gave it: stored sample values (no rescaling of 1-,
 * 2-, 4- or 16-bit samples), palette images expanded to the palette's RGB, an alpha channel or
 * tRNS transparency turned into a mask (alpha 0 = masked). A pixel matching a gray or RGB tRNS
 * colour is masked and its values set to 0.
 */

export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
  /** 1 (gray, gray + alpha) or 3 (RGB, RGBA, palette). */
  channels: 1 | 3;
  /** Channel-last stored values, width × height × channels. */
  values: Float32Array;
  /** 0 where alpha is 0; undefined when the image has no transparency or none is used. */
  mask?: Uint8Array;
  /** The image has an alpha channel or a tRNS chunk. */
  hasAlpha: boolean;
}

/** What IHDR says (§11.2.2). */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

/** Samples per pixel of each colour type (§6.1). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Allowed bit depths per colour type (§11.2.2 Table 11.1). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Adam7 passes (§8.2): x0, y0, dx, dy. */
const ADAM7: Array<[number, number, number, number]> = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];
/** One Buffer (the inflated scanlines) holds at most this many bytes in Node 20. */
const MAX_BUFFER = 2 ** 32 - 1;

function corrupt(why: string, path?: string): InrError {
  return new InrError('E_CORRUPT', `truncated or corrupt PNG (${why})`, path);
}

/** The pass sizes of an image: one (width, height) for a plain image, seven for Adam7 (empty ones 0). */
function passSizes(h: PngHeader): Array<[number, number]> {
  if (!h.interlaced) return [[h.width, h.height]];
  return ADAM7.map(([x0, y0, dx, dy]) => [h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0, h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0]);
}

/** Bytes of one scanline of `width` pixels without its filter byte (§7.2). */
function rowBytes(h: PngHeader, width: number): number {
  return Math.ceil((width * SAMPLES[h.colorType] * h.bitDepth) / 8);
}

/** Bytes of the inflated image data: per pass, per row, a filter byte plus the row (§7.2, §8.2). */
export function inflatedSize(h: PngHeader): number {
  let n = 0;
  for (const [w, ht] of passSizes(h)) if (w > 0 && ht > 0) n += ht * (1 + rowBytes(h, w));
  return n;
}

/** Channels of the Field: colour types 2, 3 and 6 are RGB. */
function fieldChannels(colorType: number): 1 | 3 {
  return colorType & 2 ? 3 : 1;
}

/**
 * Memory the decode allocates for this header: the compressed data gathered from the IDAT
 * chunks (at most the file), the inflated scanlines, the Float32 values and the mask.
 */
export function decodeBytes(h: PngHeader, fileBytes: number): number {
  const pixels = h.width * h.height;
  return fileBytes + inflatedSize(h) + pixels * fieldChannels(h.colorType) * 4 + pixels;
}

/**
 * Refuse, from IHDR alone, an image whose decode would not fit the memory limit (or whose
 * scanlines would not fit one buffer). `fileBytes`: the size of the PNG file.
 */
export function checkPngMemory(h: PngHeader, fileBytes: number, path?: string): void {
  const claim = `the PNG header claims ${dimsText([h.width, h.height])} pixels (${h.bitDepth}-bit, colour type ${h.colorType}${h.interlaced ? ', interlaced' : ''})`;
  ensureFits(decodeBytes(h, fileBytes), claim, path);
  const size = inflatedSize(h);
  if (size > MAX_BUFFER) throw new InrError('E_TOO_LARGE', `${claim}: ${formatBytes(size)} of scanlines, more than one buffer holds`, path);
}

interface Chunks {
  header: PngHeader;
  idat: Uint8Array[];
  palette?: Uint8Array;
  trns?: Uint8Array;
}

/** Walk the chunks (§5.3): lengths within the file, CRCs right, IHDR first, IEND last. */
function readChunks(bytes: Uint8Array, path?: string): Chunks {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  let header: PngHeader | undefined;
  const idat: Uint8Array[] = [];
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  for (;;) {
    if (p + 12 > bytes.length) throw corrupt(header ? 'the file ends before the IEND chunk' : 'no IHDR chunk', path);
    const length = dv.getUint32(p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (length > 2 ** 31 - 1 || p + 12 + length > bytes.length) throw corrupt(`chunk ${JSON.stringify(type)} of ${length} bytes runs past the end of the file`, path);
    const data = bytes.subarray(p + 8, p + 8 + length);
    if (crc32(bytes, p + 4, p + 8 + length) !== dv.getUint32(p + 8 + length)) throw corrupt(`CRC error in chunk ${JSON.stringify(type)}`, path);
    p += 12 + length;
    if (!header) {
      if (type !== 'IHDR' || length !== 13) throw corrupt('the first chunk is not IHDR', path);
      header = parseIhdr(data, path);
      continue;
    }
    if (type === 'IDAT') idat.push(data);
    else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IEND') break;
    else if (type === 'IHDR') throw corrupt('a second IHDR chunk', path);
    else if (!(type.charCodeAt(0) & 0x20)) throw corrupt(`unknown critical chunk ${JSON.stringify(type)}`, path);
  }
  if (idat.length === 0) throw corrupt('no IDAT chunk', path);
  return { header, idat, palette, trns };
}

function parseIhdr(d: Uint8Array, path?: string): PngHeader {
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const width = dv.getUint32(0);
  const height = dv.getUint32(4);
  const [bitDepth, colorType, compression, filter, interlace] = [d[8], d[9], d[10], d[11], d[12]];
  if (width < 1 || height < 1 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) throw corrupt(`IHDR size ${width} × ${height}`, path);
  if (!DEPTHS[colorType]?.includes(bitDepth)) throw corrupt(`IHDR colour type ${colorType} with bit depth ${bitDepth}`, path);
  if (compression !== 0 || filter !== 0 || interlace > 1) throw corrupt(`IHDR compression ${compression}, filter ${filter}, interlace ${interlace}`, path);
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

/** Read IHDR only (for listings and tests): throws E_CORRUPT when the file does not start with one. */
export function readPngHeader(bytes: Uint8Array, path?: string): PngHeader {
  if (bytes.length < 33) throw corrupt('shorter than a PNG header', path);
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR' || len !== 13) throw corrupt('the first chunk is not IHDR', path);
  return parseIhdr(bytes.subarray(16, 29), path);
}

/** Inflate the zlib stream of the IDAT chunks to exactly `size` bytes, or throw E_CORRUPT. */
function inflateExactly(idat: Uint8Array[], size: number, path?: string): Uint8Array {
  const stream = idat.length === 1 ? idat[0] : Buffer.concat(idat);
  let out: Buffer;
  try {
    // One output buffer of the announced size (+1 so that excess data shows), never more.
    out = inflateSync(stream, { chunkSize: Math.max(64, size + 1), maxOutputLength: size });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw corrupt(`the image data inflate to more than the ${formatBytes(size)} the IHDR size needs`, path);
    throw corrupt(`image data: ${e.message ?? String(err)}`, path);
  }
  if (out.length !== size) throw corrupt(`the image data hold ${out.length} of the ${size} bytes the IHDR size needs`, path);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/**
 * Undo the scanline filters of one pass in place (§9.2): `raw` holds `rows` lines of a filter
 * byte and `stride` bytes from `offset`; `bpp` is the bytes per complete pixel (at least 1).
 */
export function unfilter(raw: Uint8Array, offset: number, rows: number, stride: number, bpp: number, path?: string): void {
  for (let y = 0; y < rows; y++) {
    const f = offset + y * (stride + 1);
    const line = f + 1;
    const prev = y > 0 ? line - (stride + 1) : -1;
    const type = raw[f];
    switch (type) {
      case 0:
        break;
      case 1:
        for (let i = bpp; i < stride; i++) raw[line + i] = (raw[line + i] + raw[line + i - bpp]) & 0xff;
        break;
      case 2:
        if (prev >= 0) for (let i = 0; i < stride; i++) raw[line + i] = (raw[line + i] + raw[prev + i]) & 0xff;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[line + i - bpp] : 0;
          const b = prev >= 0 ? raw[prev + i] : 0;
          raw[line + i] = (raw[line + i] + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? raw[line + i - bpp] : 0;
          const b = prev >= 0 ? raw[prev + i] : 0;
          const c = i >= bpp && prev >= 0 ? raw[prev + i - bpp] : 0;
          // Paeth predictor (§9.4): the neighbour closest to a + b − c.
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          const pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          raw[line + i] = (raw[line + i] + pred) & 0xff;
        }
        break;
      default:
        throw corrupt(`unknown filter type ${type} on a scanline`, path);
    }
  }
}

/** Unpack the samples of one scanline starting at `line` into `row` (1, 2, 4, 8 or 16 bits each). */
function unpackRow(raw: Uint8Array, line: number, depth: number, row: Uint16Array): void {
  const n = row.length;
  if (depth === 8) {
    for (let i = 0; i < n; i++) row[i] = raw[line + i];
  } else if (depth === 16) {
    for (let i = 0; i < n; i++) row[i] = (raw[line + 2 * i] << 8) | raw[line + 2 * i + 1];
  } else {
    const perByte = 8 / depth;
    const bits = (1 << depth) - 1;
    for (let i = 0; i < n; i++) {
      const shift = 8 - depth * ((i % perByte) + 1);
      row[i] = (raw[line + Math.floor(i / perByte)] >> shift) & bits;
    }
  }
}

/**
 * Decode a PNG held in memory. The memory check (`ensureFits`) runs on the IHDR claim before
 * the image data are gathered or inflated.
 */
export function decodePngBytes(bytes: Uint8Array, path?: string): DecodedPng {
  const { header: h, idat, palette, trns } = readChunks(bytes, path);
  const { width: W, height: H, bitDepth: depth, colorType } = h;
  checkPngMemory(h, bytes.length, path);
  const size = inflatedSize(h);
  if (colorType === 3 && (!palette || palette.length % 3 !== 0 || palette.length === 0)) throw corrupt('palette image without a valid PLTE chunk', path);
  const raw = inflateExactly(idat, size, path);

  const S = SAMPLES[colorType];
  const C = fieldChannels(colorType);
  const values = new Float32Array(W * H * C);
  const hasAlpha = colorType === 4 || colorType === 6 || trns !== undefined;
  const mask = hasAlpha ? new Uint8Array(W * H).fill(1) : undefined;
  const bpp = Math.max(1, (S * depth) >> 3);
  const entries = palette ? palette.length / 3 : 0;
  // tRNS (§11.3.2.1): alpha per palette entry, or one gray / RGB value that is transparent.
  const trnsGray = trns && colorType === 0 && trns.length >= 2 ? (trns[0] << 8) | trns[1] : undefined;
  const trnsRgb = trns && colorType === 2 && trns.length >= 6 ? [(trns[0] << 8) | trns[1], (trns[2] << 8) | trns[3], (trns[4] << 8) | trns[5]] : undefined;
  const passes = h.interlaced ? ADAM7 : [[0, 0, 1, 1] as [number, number, number, number]];
  let offset = 0;
  passSizes(h).forEach(([pw, ph], k) => {
    if (pw === 0 || ph === 0) return;
    const [x0, y0, dx, dy] = passes[k];
    const stride = rowBytes(h, pw);
    unfilter(raw, offset, ph, stride, bpp, path);
    // One scanline's samples, unpacked (§7.2: `depth` bits each, most significant bits first).
    const row = new Uint16Array(pw * S);
    for (let y = 0; y < ph; y++) {
      const line = offset + y * (stride + 1) + 1;
      unpackRow(raw, line, depth, row);
      const base = (y0 + y * dy) * W + x0;
      for (let x = 0; x < pw; x++) {
        const at = base + x * dx;
        const r = x * S;
        let alpha = 1;
        if (colorType === 0) {
          values[at] = row[r];
          if (row[r] === trnsGray) alpha = values[at] = 0;
        } else if (colorType === 3) {
          const e = row[r];
          if (e >= entries) throw corrupt(`palette index ${e} beyond the ${entries} PLTE entries`, path);
          values[at * 3] = palette![3 * e];
          values[at * 3 + 1] = palette![3 * e + 1];
          values[at * 3 + 2] = palette![3 * e + 2];
          if (trns && e < trns.length) alpha = trns[e];
        } else if (colorType === 4) {
          values[at] = row[r];
          alpha = row[r + 1];
        } else {
          values[at * 3] = row[r];
          values[at * 3 + 1] = row[r + 1];
          values[at * 3 + 2] = row[r + 2];
          if (colorType === 6) alpha = row[r + 3];
          else if (trnsRgb && row[r] === trnsRgb[0] && row[r + 1] === trnsRgb[1] && row[r + 2] === trnsRgb[2]) {
            alpha = values[at * 3] = values[at * 3 + 1] = values[at * 3 + 2] = 0;
          }
        }
        if (mask && alpha === 0) mask[at] = 0;
      }
    }
    offset += ph * (stride + 1);
  });
  return { width: W, height: H, bitDepth: depth, colorType, interlaced: h.interlaced, channels: C, values, mask: mask && mask.includes(0) ? mask : undefined, hasAlpha };
}
