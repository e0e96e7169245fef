import { fieldTypeSize, FieldType } from './tags';

/**
 * A small TIFF file assembler: little-endian classic TIFF (TIFF 6.0 §2) or BigTIFF, from a list
 * of image directories whose strips or tiles are already compressed.
 *
 * Layout (the Cloud-Optimized GeoTIFF order): header, then every IFD with its out-of-line tag
 * values, then the image data, smallest image first, so that a reader finds all metadata in
 * the first bytes. Tags are written in ascending order and values on 8-byte boundaries (§2
 * requires ascending tags and word-aligned values).
 */

export interface TagValue {
  tag: number;
  type: number;
  /** Numbers for numeric types; a string for ASCII (a NUL is appended). */
  values: readonly number[] | string;
}

/** One image directory to write: its tags and its compressed strips or tiles. */
export interface IfdSpec {
  tags: TagValue[];
  /** Compressed strips or tiles, in TIFF order. */
  blocks: Uint8Array[];
  /** StripOffsets/StripByteCounts or TileOffsets/TileByteCounts. */
  offsetsTag: number;
  countsTag: number;
}

/** Largest offset classic TIFF can address (32-bit). */
const CLASSIC_LIMIT = 2 ** 32 - 1;

/** Round up to a multiple of 8 bytes. */
function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** ASCII tag bytes with the final NUL. GDAL writes UTF-8 in its XML, and so do we. */
function asciiBytes(s: string): Uint8Array {
  const text = new TextEncoder().encode(s);
  const out = new Uint8Array(text.length + 1);
  out.set(text);
  return out;
}

/** The TIFF count of a tag: values, or bytes with the NUL for ASCII. */
function countOf(t: TagValue): number {
  return typeof t.values === 'string' ? asciiBytes(t.values).length : t.values.length;
}

/** All tags of an IFD, with the offsets and byte counts filled in, sorted by tag number. */
function completeTags(ifd: IfdSpec, offsets: number[], big: boolean): TagValue[] {
  const type = big ? FieldType.LONG8 : FieldType.LONG;
  return [...ifd.tags, { tag: ifd.offsetsTag, type, values: offsets }, { tag: ifd.countsTag, type, values: ifd.blocks.map((b) => b.byteLength) }].sort((a, b) => a.tag - b.tag);
}

/** Bytes an IFD takes: the directory itself plus its out-of-line values (each 8-aligned). */
function ifdSize(tags: TagValue[], big: boolean): number {
  const inline = big ? 8 : 4;
  let size = align8((big ? 8 : 2) + tags.length * (big ? 20 : 12) + (big ? 8 : 4));
  for (const t of tags) {
    const bytes = countOf(t) * (fieldTypeSize(t.type) ?? 1);
    if (bytes > inline) size += align8(bytes);
  }
  return size;
}

/** Write a tag's values little-endian at `at`. */
function writeValues(view: DataView, at: number, t: TagValue): void {
  if (typeof t.values === 'string') {
    new Uint8Array(view.buffer, view.byteOffset + at).set(asciiBytes(t.values));
    return;
  }
  const size = fieldTypeSize(t.type) ?? 1;
  t.values.forEach((v, i) => {
    const p = at + i * size;
    switch (t.type) {
      case FieldType.BYTE:
      case FieldType.UNDEFINED:
        view.setUint8(p, v);
        break;
      case FieldType.SBYTE:
        view.setInt8(p, v);
        break;
      case FieldType.SHORT:
        view.setUint16(p, v, true);
        break;
      case FieldType.SSHORT:
        view.setInt16(p, v, true);
        break;
      case FieldType.LONG:
        view.setUint32(p, v, true);
        break;
      case FieldType.SLONG:
        view.setInt32(p, v, true);
        break;
      case FieldType.FLOAT:
        view.setFloat32(p, v, true);
        break;
      case FieldType.DOUBLE:
        view.setFloat64(p, v, true);
        break;
      case FieldType.LONG8:
        view.setBigUint64(p, BigInt(v), true);
        break;
      default:
        throw new RangeError(`cannot write TIFF field type ${t.type}`);
    }
  });
}

/** Write one IFD at `at`; returns nothing, positions were planned by the caller. */
function writeIfd(view: DataView, at: number, tags: TagValue[], next: number, big: boolean): void {
  const inline = big ? 8 : 4;
  const entry = big ? 20 : 12;
  const head = big ? 8 : 2;
  let extra = at + align8(head + tags.length * entry + (big ? 8 : 4));
  if (big) view.setBigUint64(at, BigInt(tags.length), true);
  else view.setUint16(at, tags.length, true);
  tags.forEach((t, k) => {
    const e = at + head + k * entry;
    const count = countOf(t);
    const bytes = count * (fieldTypeSize(t.type) ?? 1);
    view.setUint16(e, t.tag, true);
    view.setUint16(e + 2, t.type, true);
    if (big) view.setBigUint64(e + 4, BigInt(count), true);
    else view.setUint32(e + 4, count, true);
    const valueAt = e + (big ? 12 : 8);
    if (bytes <= inline) {
      writeValues(view, valueAt, t);
    } else {
      if (big) view.setBigUint64(valueAt, BigInt(extra), true);
      else view.setUint32(valueAt, extra, true);
      writeValues(view, extra, t);
      extra += align8(bytes);
    }
  });
  const nextAt = at + head + tags.length * entry;
  if (big) view.setBigUint64(nextAt, BigInt(next), true);
  else view.setUint32(nextAt, next, true);
}

/** Plan positions for IFDs and blocks; returns the total size and per-IFD block offsets. */
function plan(ifds: IfdSpec[], big: boolean): { ifdAt: number[]; blockAt: number[][]; total: number } {
  const header = big ? 16 : 8;
  // Offsets arrays have fixed sizes, so IFD sizes do not depend on where the blocks go.
  const sizes = ifds.map((ifd) =>
    ifdSize(
      completeTags(
        ifd,
        ifd.blocks.map(() => 0),
        big,
      ),
      big,
    ),
  );
  const ifdAt: number[] = [];
  let pos = header;
  for (const s of sizes) {
    ifdAt.push(pos);
    pos += s;
  }
  const blockAt: number[][] = ifds.map(() => []);
  for (let k = ifds.length - 1; k >= 0; k--) {
    for (const b of ifds[k].blocks) {
      blockAt[k].push(pos);
      pos += b.byteLength;
    }
  }
  return { ifdAt, blockAt, total: pos };
}

/**
 * Assemble a TIFF file. BigTIFF is used when asked for, or automatically when the file would
 * pass the 4 GiB reach of classic TIFF offsets.
 */
export function assembleTiff(ifds: IfdSpec[], opts: { bigTiff?: boolean } = {}): Uint8Array {
  let big = !!opts.bigTiff;
  let layout = plan(ifds, big);
  if (!big && layout.total > CLASSIC_LIMIT) {
    big = true;
    layout = plan(ifds, big);
  }
  const out = new Uint8Array(layout.total);
  const view = new DataView(out.buffer);
  out[0] = 0x49;
  out[1] = 0x49;
  if (big) {
    view.setUint16(2, 43, true);
    view.setUint16(4, 8, true);
    view.setUint16(6, 0, true);
    view.setBigUint64(8, BigInt(layout.ifdAt[0]), true);
  } else {
    view.setUint16(2, 42, true);
    view.setUint32(4, layout.ifdAt[0], true);
  }
  ifds.forEach((ifd, k) => {
    const tags = completeTags(ifd, layout.blockAt[k], big);
    writeIfd(view, layout.ifdAt[k], tags, layout.ifdAt[k + 1] ?? 0, big);
    ifd.blocks.forEach((b, i) => out.set(b, layout.blockAt[k][i]));
  });
  return out;
}
