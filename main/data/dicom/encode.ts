/**
 * Encoding DICOM Part 10 files in explicit VR little endian (PS3.5 §7.1.2, PS3.10 §7.1):
 * elements with their VR, strings padded to even length (UI with NUL, others with space),
 * sequences and items with defined lengths, and the file meta group with its group length.
 * Also the value formatters that keep DS within 16 characters and UIDs under the 2.25 root
 * (random, or keyed hashes of source UIDs for anonymised exports).
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { LONG_VRS, type VR } from './tags';

/** A value to encode: text (multi-valued as an array), numbers for binary VRs, bytes, or items. */
export type ElementValue = string | string[] | number[] | Uint8Array | Uint16Array | Int16Array | DataElement[][];

export interface DataElement {
  /** `x` + 8 hex digits, as in `TAG`. */
  tag: string;
  vr: VR;
  value: ElementValue;
}

const encoder = new TextEncoder();

function tagNumber(tag: string): number {
  return parseInt(tag.slice(1), 16);
}

/** The value bytes of one element, padded to even length. */
function valueBytes(el: DataElement): Uint8Array {
  const { vr, value } = el;
  if (vr === 'SQ') return encodeItems(value as DataElement[][]);
  if (value instanceof Uint8Array) return padEven(value, 0);
  if (value instanceof Uint16Array || value instanceof Int16Array) {
    const out = new Uint8Array(value.length * 2);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < value.length; i++) dv.setUint16(i * 2, value[i] & 0xffff, true);
    return out;
  }
  if (['US', 'SS', 'UL', 'SL', 'FL', 'FD'].includes(vr)) {
    const nums = value as number[];
    const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
    const out = new Uint8Array(nums.length * size);
    const dv = new DataView(out.buffer);
    nums.forEach((n, i) => {
      const at = i * size;
      if (vr === 'US') dv.setUint16(at, n, true);
      else if (vr === 'SS') dv.setInt16(at, n, true);
      else if (vr === 'UL') dv.setUint32(at, n, true);
      else if (vr === 'SL') dv.setInt32(at, n, true);
      else if (vr === 'FL') dv.setFloat32(at, n, true);
      else dv.setFloat64(at, n, true);
    });
    return out;
  }
  const text = Array.isArray(value) ? (value as string[]).join('\\') : (value as string);
  return padEven(encoder.encode(text), vr === 'UI' ? 0 : 0x20);
}

function padEven(b: Uint8Array, pad: number): Uint8Array {
  if (b.length % 2 === 0) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = pad;
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Items of a sequence, each with a defined length. */
function encodeItems(itemsList: DataElement[][]): Uint8Array {
  return concat(
    itemsList.map((item) => {
      const body = encodeElements(item);
      const head = new Uint8Array(8);
      const dv = new DataView(head.buffer);
      dv.setUint16(0, 0xfffe, true);
      dv.setUint16(2, 0xe000, true);
      dv.setUint32(4, body.length, true);
      return concat([head, body]);
    }),
  );
}

/** One element: tag, VR, length, value. */
function encodeElement(el: DataElement): Uint8Array {
  const v = valueBytes(el);
  const t = tagNumber(el.tag);
  const long = LONG_VRS.has(el.vr);
  if (!long && v.length > 0xffff) throw new RangeError(`value of ${el.tag} (${el.vr}) is too long`);
  const head = new Uint8Array(long ? 12 : 8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, t >>> 16, true);
  dv.setUint16(2, t & 0xffff, true);
  head[4] = el.vr.charCodeAt(0);
  head[5] = el.vr.charCodeAt(1);
  if (long) dv.setUint32(8, v.length, true);
  else dv.setUint16(6, v.length, true);
  return concat([head, v]);
}

/** Elements in ascending tag order, as PS3.5 §7.1 requires. */
function encodeElements(elements: DataElement[]): Uint8Array {
  const sorted = [...elements].sort((a, b) => tagNumber(a.tag) - tagNumber(b.tag));
  return concat(sorted.map(encodeElement));
}

/** A Part 10 file: 128-byte preamble, `DICM`, the meta group (with its length), the data set. */
export function encodePart10(meta: DataElement[], dataset: DataElement[]): Uint8Array {
  const metaBody = encodeElements(meta);
  const groupLength = encodeElement({ tag: 'x00020000', vr: 'UL', value: [metaBody.length] });
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, groupLength, metaBody, encodeElements(dataset)]);
}

/**
 * A decimal string of at most 16 characters (the DS limit) that parses back to the closest
 * value it can hold.
 */
export function formatDS(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot write ${x} as a DICOM decimal string`);
  if (x === 0) return '0';
  for (let p = 16; p >= 1; p--) {
    const s = String(Number(x.toPrecision(p)));
    if (s.length <= 16) return s;
  }
  return x.toExponential(8).slice(0, 16);
}

/** `2.25.` + 128 bits as a decimal integer: a UID without a registered root (PS3.5 B.2). */
function uidFromBytes(bytes: Uint8Array): string {
  let n = 0n;
  for (let i = 0; i < 16; i++) n = (n << 8n) | BigInt(bytes[i]);
  return `2.25.${n.toString()}`;
}

/** A new random UID under 2.25 (from a version-4 UUID). */
export function newUid(): string {
  const hex = randomUUID().replace(/-/g, '');
  return uidFromBytes(Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16))));
}

/** Trailing NUL and space padding removed: the UID as the standard defines it. */
function cleanUidText(uid: string): string {
  return uid.replace(/[\0 ]+$/, '').trim();
}

/**
 * A UID derived from another with a keyed hash: `2.25.` + the first 128 bits of
 * HMAC-SHA256(key, uid) as a decimal integer (at most 44 characters). The same UID and key
 * always give the same result; without the key the mapping cannot be inverted or tested.
 * Padding is ignored, so `1.2.3` and `1.2.3\0` map alike.
 */
export function hmacUid(source: string, key: Uint8Array): string {
  return uidFromBytes(createHmac('sha256', key).update(cleanUidText(source), 'latin1').digest());
}

/** A UID under 2.25 from a SHA-256 digest of `text` (deterministic, unkeyed). */
export function digestUid(text: string): string {
  return uidFromBytes(createHash('sha256').update(text).digest());
}
