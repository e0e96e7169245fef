import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InrError } from '../../core/errors';
import { fieldTypeSize, FieldType, Tag } from './tags';

/**
 * A bounds-checked walk over a TIFF file's structure: header, IFD chain and tag entries
 * (TIFF 6.0 §2 "TIFF Structure"; BigTIFF: 16-byte header, 20-byte entries, 64-bit counts and
 * offsets). It runs before geotiff.js sees a file, so that a corrupt or hostile file (loops in
 * the IFD chain, counts of billions, offsets past the end) ends in a typed error instead of a
 * huge allocation or a hang. It reads only the bytes it needs.
 */

/** Random access to the bytes of a file, in memory or on disk. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes at `offset`; callers check the range first. */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** A source over bytes already in memory. */
export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: (offset, length) => bytes.subarray(offset, offset + length),
    close: () => undefined,
  };
}

/** A source over an open file, reading with positioned `readSync` calls (no full read). */
export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, buf, done, length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return buf.subarray(0, done);
    },
    close: () => closeSync(fd),
  };
}

/** One IFD entry (TIFF 6.0 §2 "IFD Entry"), with its value's file position. */
export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the value bytes (inside the entry when they fit there). */
  valueOffset: number;
  byteLength: number;
}

/** One image file directory: its position and its entries by tag. */
export interface Ifd {
  /** File offset of this IFD. */
  offset: number;
  entries: Map<number, IfdEntry>;
}

/** A checked TIFF: byte order, BigTIFF or not, the IFD chain, and its source. */
export interface TiffStructure {
  littleEndian: boolean;
  bigTiff: boolean;
  ifds: Ifd[];
  source: ByteSource;
}

/** Most IFDs we follow: full resolution, overviews and masks of any real file fit easily. */
const MAX_IFDS = 1024;
/** Most entries per IFD: real IFDs hold 10–40 tags. */
const MAX_ENTRIES = 1024;

/** E_CORRUPT with the "corrupt TIFF" prefix. */
function corrupt(message: string, path?: string): InrError {
  return new InrError('E_CORRUPT', `corrupt TIFF: ${message}`, path);
}

/** Reads integers of one byte order from a small byte range. */
class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly base: number,
    private readonly le: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(at: number): number {
    return this.view.getUint16(at - this.base, this.le);
  }
  u32(at: number): number {
    return this.view.getUint32(at - this.base, this.le);
  }
  /** Unsigned 64-bit as a number; values beyond 2^53 become Infinity (then fail range checks). */
  u64(at: number): number {
    const v = this.view.getBigUint64(at - this.base, this.le);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  }
}

/** True when `head` starts with a TIFF or BigTIFF signature (`II*\0`, `MM\0*`, `II+\0`, `MM\0+`). */
export function isTiff(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  const le = head[0] === 0x49 && head[1] === 0x49;
  const be = head[0] === 0x4d && head[1] === 0x4d;
  if (le) return (head[2] === 42 || head[2] === 43) && head[3] === 0;
  if (be) return head[2] === 0 && (head[3] === 42 || head[3] === 43);
  return false;
}

/** Parse the header and every IFD of the chain, checking every range against the file size. */
export function parseTiffStructure(source: ByteSource, path?: string): TiffStructure {
  if (source.size < 8) throw corrupt(`file is ${source.size} bytes, too short for a TIFF header`, path);
  const head = source.read(0, Math.min(16, source.size));
  if (!isTiff(head)) throw new InrError('E_FORMAT', 'not a TIFF file (bad signature)', path);
  const littleEndian = head[0] === 0x49;
  const h = new Reader(head, 0, littleEndian);
  const bigTiff = h.u16(2) === 43;
  let first: number;
  if (bigTiff) {
    if (source.size < 16) throw corrupt('file too short for a BigTIFF header', path);
    if (h.u16(4) !== 8 || h.u16(6) !== 0) throw corrupt('BigTIFF header declares an offset size other than 8', path);
    first = h.u64(8);
  } else {
    first = h.u32(4);
  }
  const ifds: Ifd[] = [];
  const seen = new Set<number>();
  let next = first;
  while (next !== 0) {
    if (seen.has(next)) throw corrupt(`IFD chain loops back to offset ${next}`, path);
    if (ifds.length >= MAX_IFDS) throw corrupt(`more than ${MAX_IFDS} IFDs`, path);
    seen.add(next);
    const { ifd, nextOffset } = parseIfd(source, next, littleEndian, bigTiff, path);
    ifds.push(ifd);
    next = nextOffset;
  }
  if (ifds.length === 0) throw corrupt('no image directory (first IFD offset is 0)', path);
  return { littleEndian, bigTiff, ifds, source };
}

/** Parse the IFD at `offset`, checking that it and every out-of-line value lie inside the file. */
function parseIfd(source: ByteSource, offset: number, le: boolean, big: boolean, path?: string): { ifd: Ifd; nextOffset: number } {
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const inline = big ? 8 : 4;
  if (!Number.isFinite(offset) || offset < 8 || offset + countSize > source.size) {
    throw corrupt(`IFD offset ${offset} lies outside the file (${source.size} bytes)`, path);
  }
  const cr = new Reader(source.read(offset, countSize), offset, le);
  const n = big ? cr.u64(offset) : cr.u16(offset);
  if (n === 0 || n > MAX_ENTRIES) throw corrupt(`IFD at ${offset} claims ${n} entries`, path);
  const total = countSize + n * entrySize + inline;
  if (offset + total > source.size) throw corrupt(`IFD at ${offset} runs past the end of the file (truncated?)`, path);
  const r = new Reader(source.read(offset, total), offset, le);
  const entries = new Map<number, IfdEntry>();
  for (let k = 0; k < n; k++) {
    const at = offset + countSize + k * entrySize;
    const tag = r.u16(at);
    const type = r.u16(at + 2);
    const count = big ? r.u64(at + 4) : r.u32(at + 4);
    const size = fieldTypeSize(type);
    if (size === undefined) throw corrupt(`tag ${tag} has unknown field type ${type}`, path);
    const byteLength = size * count;
    const valueAt = at + (big ? 12 : 8);
    let valueOffset = valueAt;
    if (byteLength > inline) {
      valueOffset = big ? r.u64(valueAt) : r.u32(valueAt);
      if (!Number.isFinite(byteLength) || valueOffset + byteLength > source.size) {
        throw corrupt(`tag ${tag} claims ${count} values at offset ${valueOffset}, past the end of the file`, path);
      }
    }
    entries.set(tag, { tag, type, count, valueOffset, byteLength });
  }
  const nextAt = offset + countSize + n * entrySize;
  const nextOffset = big ? r.u64(nextAt) : r.u32(nextAt);
  return { ifd: { offset, entries }, nextOffset };
}

/** Values of a numeric tag as numbers (RATIONAL as num/den; 64-bit beyond 2^53 as Infinity). */
export function readNumbers(s: TiffStructure, entry: IfdEntry): number[] {
  const bytes = s.source.read(entry.valueOffset, entry.byteLength);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = s.littleEndian;
  const out = new Array<number>(entry.count);
  for (let i = 0; i < entry.count; i++) {
    switch (entry.type) {
      case FieldType.BYTE:
      case FieldType.UNDEFINED:
      case FieldType.ASCII:
        out[i] = v.getUint8(i);
        break;
      case FieldType.SBYTE:
        out[i] = v.getInt8(i);
        break;
      case FieldType.SHORT:
        out[i] = v.getUint16(2 * i, le);
        break;
      case FieldType.SSHORT:
        out[i] = v.getInt16(2 * i, le);
        break;
      case FieldType.LONG:
      case FieldType.IFD:
        out[i] = v.getUint32(4 * i, le);
        break;
      case FieldType.SLONG:
        out[i] = v.getInt32(4 * i, le);
        break;
      case FieldType.FLOAT:
        out[i] = v.getFloat32(4 * i, le);
        break;
      case FieldType.DOUBLE:
        out[i] = v.getFloat64(8 * i, le);
        break;
      case FieldType.RATIONAL:
        out[i] = v.getUint32(8 * i, le) / v.getUint32(8 * i + 4, le);
        break;
      case FieldType.SRATIONAL:
        out[i] = v.getInt32(8 * i, le) / v.getInt32(8 * i + 4, le);
        break;
      default: {
        const big = entry.type === FieldType.SLONG8 ? v.getBigInt64(8 * i, le) : v.getBigUint64(8 * i, le);
        const n = Number(big);
        out[i] = Number.isSafeInteger(n) ? n : Infinity;
      }
    }
  }
  return out;
}

/** An ASCII tag's text, up to its first NUL. */
export function readAscii(s: TiffStructure, entry: IfdEntry): string {
  const bytes = s.source.read(entry.valueOffset, entry.byteLength);
  const end = bytes.indexOf(0);
  return new TextDecoder('utf-8').decode(end >= 0 ? bytes.subarray(0, end) : bytes);
}

/** First value of a numeric tag, or `fallback` when absent. */
export function tagNumber(s: TiffStructure, ifd: Ifd, tag: number, fallback: number): number {
  const e = ifd.entries.get(tag);
  if (!e || e.count === 0) return fallback;
  return readNumbers(s, { ...e, count: 1, byteLength: fieldTypeSize(e.type) ?? 1 })[0];
}

/** All values of a numeric tag, or undefined when absent. */
export function tagNumbers(s: TiffStructure, ifd: Ifd, tag: number): number[] | undefined {
  const e = ifd.entries.get(tag);
  return e ? readNumbers(s, e) : undefined;
}

/** Text of an ASCII tag, or undefined when absent or not ASCII. */
export function tagAscii(s: TiffStructure, ifd: Ifd, tag: number): string | undefined {
  const e = ifd.entries.get(tag);
  return e && e.type === FieldType.ASCII ? readAscii(s, e) : undefined;
}

/** The facts about one image (IFD) that decoding depends on. */
export interface ImageInfo {
  index: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number[];
  sampleFormat: number[];
  compression: number;
  photometric: number;
  planarConfiguration: number;
  predictor: number;
  /** NewSubfileType bits: 1 reduced resolution (overview), 2 page, 4 transparency mask. */
  subfileType: number;
  extraSamples: number[];
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
}

/** Read the layout tags of IFD `index`; checks that they are present and sane. */
export function imageInfo(s: TiffStructure, index: number, path?: string): ImageInfo {
  const ifd = s.ifds[index];
  const width = tagNumber(s, ifd, Tag.ImageWidth, 0);
  const height = tagNumber(s, ifd, Tag.ImageLength, 0);
  const spp = tagNumber(s, ifd, Tag.SamplesPerPixel, 1);
  if (!(width >= 1 && height >= 1 && Number.isSafeInteger(width) && Number.isSafeInteger(height))) {
    throw corrupt(`image ${index} has invalid size ${width} × ${height}`, path);
  }
  if (!(spp >= 1 && spp <= 4096)) throw corrupt(`image ${index} has ${spp} samples per pixel`, path);
  const perSample = (tag: number, fallback: number): number[] => {
    const v = tagNumbers(s, ifd, tag) ?? [fallback];
    return Array.from({ length: spp }, (_, i) => v[Math.min(i, v.length - 1)] ?? fallback);
  };
  const tiled = ifd.entries.has(Tag.TileWidth) || ifd.entries.has(Tag.TileOffsets);
  const blockWidth = tiled ? tagNumber(s, ifd, Tag.TileWidth, 0) : width;
  const rowsPerStrip = tagNumber(s, ifd, Tag.RowsPerStrip, height);
  const blockHeight = tiled ? tagNumber(s, ifd, Tag.TileLength, 0) : Math.min(height, Math.max(1, rowsPerStrip));
  if (!(blockWidth >= 1 && blockHeight >= 1 && Number.isSafeInteger(blockWidth) && Number.isSafeInteger(blockHeight))) {
    throw corrupt(`image ${index} has invalid ${tiled ? 'tile' : 'strip'} size ${blockWidth} × ${blockHeight}`, path);
  }
  return {
    index,
    width,
    height,
    samplesPerPixel: spp,
    bitsPerSample: perSample(Tag.BitsPerSample, 1),
    sampleFormat: perSample(Tag.SampleFormat, 1),
    compression: tagNumber(s, ifd, Tag.Compression, 1),
    photometric: tagNumber(s, ifd, Tag.PhotometricInterpretation, spp >= 3 ? 2 : 1),
    planarConfiguration: tagNumber(s, ifd, Tag.PlanarConfiguration, 1),
    predictor: tagNumber(s, ifd, Tag.Predictor, 1),
    subfileType: tagNumber(s, ifd, Tag.NewSubfileType, 0),
    extraSamples: tagNumbers(s, ifd, Tag.ExtraSamples) ?? [],
    tiled,
    blockWidth,
    blockHeight,
  };
}

/**
 * Check that the strip or tile table of an image has the count its layout demands and that
 * every block lies inside the file. Catches truncated files before any decoding starts.
 */
export function checkBlocks(s: TiffStructure, info: ImageInfo, path?: string): void {
  const ifd = s.ifds[info.index];
  const offTag = info.tiled ? Tag.TileOffsets : Tag.StripOffsets;
  const cntTag = info.tiled ? Tag.TileByteCounts : Tag.StripByteCounts;
  const kind = info.tiled ? 'tile' : 'strip';
  const across = Math.ceil(info.width / info.blockWidth);
  const down = Math.ceil(info.height / info.blockHeight);
  const planes = info.planarConfiguration === 2 ? info.samplesPerPixel : 1;
  const expected = across * down * planes;
  const offE = ifd.entries.get(offTag);
  const cntE = ifd.entries.get(cntTag);
  if (!offE || !cntE) throw corrupt(`image ${info.index} lacks its ${kind} offsets or byte counts`, path);
  if (offE.count < expected || cntE.count < expected) {
    throw corrupt(`image ${info.index} lists ${Math.min(offE.count, cntE.count)} ${kind}s, its size needs ${expected}`, path);
  }
  const offsets = readNumbers(s, offE);
  const counts = readNumbers(s, cntE);
  for (let i = 0; i < expected; i++) {
    if (counts[i] === 0) continue; // sparse block (GDAL SPARSE_OK): decoded as zeros
    if (!(offsets[i] + counts[i] <= s.source.size)) {
      throw corrupt(`${kind} ${i} (${counts[i]} bytes at ${offsets[i]}) lies past the end of the file (${s.source.size} bytes): truncated?`, path);
    }
  }
}
