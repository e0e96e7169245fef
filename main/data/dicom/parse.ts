/**
 * Parsing DICOM bytes into a dicom-parser `DataSet`, and reading values back out of it.
 *
 * - Part 10 files (`DICM` at offset 128) carry their transfer syntax in the meta group.
 * - Files without preamble and meta are recognised by their first elements and parsed with a
 *   guessed syntax: explicit VR when bytes 4–5 spell a VR, else implicit VR, little endian
 *   unless the tag only makes sense big-endian. A few stray leading bytes (as in pydicom's
 *   `no_meta.dcm`) are skipped.
 * - The deflated syntax is inflated with node:zlib, capped so a deflate bomb cannot exhaust
 *   memory.
 * - Every failure becomes an `InrError` with one line naming the reason; dicom-parser throws
 *   strings and `{exception, dataSet}` objects, which never escape from here.
 *
 * The value accessors check bounds themselves and return `undefined` for anything missing or
 * unreadable, so header extraction never throws on a damaged element.
 */
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import type { DataSet, Element } from 'dicom-parser';
import { InrError } from '../../core/errors';
import { describeMemoryLimit, formatBytes, memoryLimit } from '../../core/limits';
import { ALL_VRS, LONG_VRS, TAG, TS, transferSyntaxName } from './tags';

// Named requireCjs, not require: bundlers inject their own `require` shim into ESM output.
const requireCjs = createRequire(import.meta.url);
/** dicom-parser's UMD bundle exposes no ESM named exports: load it as CommonJS. */
export const dicomParser = requireCjs('dicom-parser') as typeof import('dicom-parser');

/** Largest deflated data set the reader inflates: 1 GiB (less when the memory limit is under 2 GiB). */
const MAX_BYTES = 2 ** 30;

/** A parsed file: the data set, its transfer syntax and the bytes it points into. */
export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntax: string;
  /** True when the file has a Part 10 preamble and meta group. */
  part10: boolean;
  /** True when parsing stopped at PixelData (header only). */
  headerOnly: boolean;
}

const DICM = [0x44, 0x49, 0x43, 0x4d];

/** `DICM` at offset 128: a Part 10 file. */
function hasPart10Magic(b: Uint8Array): boolean {
  return b.length >= 132 && DICM.every((c, i) => b[128 + i] === c);
}

type BareGuess = { offset: number; transferSyntax: string; hasMeta: boolean };

/** How many leading bytes a bare dataset may carry before its first element. */
const MAX_SKIP = 4;

/**
 * Walk up to three elements from `p` in one encoding; true when they look like DICOM: the
 * first in group 0002 or 0008, tags rising, known VRs (explicit) or small even lengths.
 */
function plausibleRun(b: Uint8Array, p: number, explicit: boolean, little: boolean): boolean {
  const u16 = (q: number): number => (little ? b[q] | (b[q + 1] << 8) : (b[q] << 8) | b[q + 1]);
  const u32 = (q: number): number => (little ? (b[q] | (b[q + 1] << 8) | (b[q + 2] << 16)) + b[q + 3] * 2 ** 24 : b[q] * 2 ** 24 + ((b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3]));
  let prev = -1;
  let seen = 0;
  while (seen < 3) {
    if (p + 8 > b.length) return seen >= 1;
    const group = u16(p);
    const element = u16(p + 2);
    const tag = group * 65536 + element;
    if (seen === 0 && !(group === 0x0002 || group === 0x0008)) return false;
    if (tag <= prev || group > 0x7fe0) return false;
    let len: number;
    let header: number;
    if (explicit) {
      const vr = String.fromCharCode(b[p + 4], b[p + 5]);
      if (!ALL_VRS.has(vr)) return false;
      if (LONG_VRS.has(vr)) {
        if (p + 12 > b.length) return true;
        len = u32(p + 8);
        header = 12;
      } else {
        len = u16(p + 6);
        header = 8;
      }
    } else {
      len = u32(p + 4);
      header = 8;
      // Header elements are short: a huge implicit length means these bytes are something else.
      if (len > 0x10000 && len !== 0xffffffff) return false;
    }
    seen++;
    if (len === 0xffffffff) return true; // undefined length (sequence): stop checking here
    if (len % 2 === 1 && len > 1) return false;
    p += header + len;
    prev = tag;
  }
  return true;
}

/** Guess where a bare dataset starts and how it is encoded; undefined when it is not DICOM. */
function guessBareDataset(b: Uint8Array): BareGuess | undefined {
  for (let offset = 0; offset <= MAX_SKIP; offset++) {
    if (offset + 8 > b.length) break;
    if (plausibleRun(b, offset, true, true)) {
      const hasMeta = b[offset] === 0x02 && b[offset + 1] === 0x00;
      return { offset, transferSyntax: TS.ExplicitLE, hasMeta };
    }
    if (plausibleRun(b, offset, false, true)) return { offset, transferSyntax: TS.ImplicitLE, hasMeta: false };
    if (plausibleRun(b, offset, true, false)) return { offset, transferSyntax: TS.ExplicitBE, hasMeta: false };
  }
  return undefined;
}

/** True when the first bytes are DICOM: Part 10 magic, or a plausible bare dataset. */
export function sniffDicom(head: Uint8Array): boolean {
  return hasPart10Magic(head) || guessBareDataset(head) !== undefined;
}

/** The message of whatever dicom-parser (or zlib) threw: strings, Errors, `{exception}` objects. */
export function thrownMessage(err: unknown): string {
  if (err instanceof InrError) return err.message;
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && 'exception' in err) return thrownMessage((err as { exception: unknown }).exception);
  return String(err);
}

/** Strip dicom-parser's function-name prefixes from a message: `dicomParser.x: reason` → `reason`. */
function tidy(msg: string): string {
  return msg
    .replace(/^dicomParser[.:][\w.]*:?\s*/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Raw-inflate the deflated dataset after the meta group. Nothing before it says how large it
 * is, so the output is capped at `MAX_BYTES` or half the memory limit, whichever is less (the
 * other half is for the image decoded from it).
 */
function inflater(path: string) {
  return (arr: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    const cap = Math.min(MAX_BYTES, Math.floor(memoryLimit() / 2));
    try {
      inflated = inflateRawSync(arr.subarray(position), { maxOutputLength: cap });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new InrError(
          'E_TOO_LARGE',
          `the deflated data set (${formatBytes(arr.length - position)}) inflates to more than ${formatBytes(cap)}; ${describeMemoryLimit()}`,
          path,
        );
      }
      throw new InrError('E_CORRUPT', `deflated dataset is corrupt or truncated (${thrownMessage(err)})`, path);
    }
    const full = new Uint8Array(position + inflated.length);
    full.set(arr.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}

/**
 * Parse a DICOM file held in memory. With `headerOnly`, parsing stops at PixelData so no pixel
 * bytes are touched. Throws `InrError` (E_FORMAT when this is not DICOM at all, E_CORRUPT when
 * it is broken).
 */
export function parseDicomBytes(bytes: Uint8Array, path: string, opts: { headerOnly?: boolean } = {}): ParsedDicom {
  let input = bytes;
  let part10 = hasPart10Magic(bytes);
  let forcedSyntax: string | undefined;
  if (!part10) {
    const guess = guessBareDataset(bytes);
    if (!guess) throw new InrError('E_FORMAT', 'not a DICOM file (no DICM magic and no recognisable dataset)', path);
    if (guess.hasMeta) {
      // A meta group without preamble: give dicom-parser the preamble it expects.
      input = new Uint8Array(132 + bytes.length - guess.offset);
      input.set(DICM, 128);
      input.set(bytes.subarray(guess.offset), 132);
      part10 = true;
    } else {
      input = guess.offset ? bytes.subarray(guess.offset) : bytes;
      forcedSyntax = guess.transferSyntax;
    }
  }
  const options = {
    untilTag: opts.headerOnly ? TAG.PixelData : undefined,
    TransferSyntaxUID: forcedSyntax,
    inflater: inflater(path),
  };
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(input, options as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch (err) {
    const inner = err && typeof err === 'object' && 'exception' in err ? (err as { exception: unknown }).exception : err;
    if (inner instanceof InrError) throw inner.path ? inner : new InrError(inner.code, inner.message, path);
    if (inner instanceof RangeError && /call stack/i.test(inner.message)) {
      throw new InrError('E_CORRUPT', 'DICOM sequences nested too deeply (corrupt file?)', path);
    }
    throw new InrError('E_CORRUPT', `corrupt or truncated DICOM (${tidy(thrownMessage(inner))})`, path);
  }
  const transferSyntax = forcedSyntax ?? (text(dataSet, TAG.TransferSyntaxUID) || TS.ImplicitLE);
  return { dataSet, transferSyntax: cleanUid(transferSyntax), part10, headerOnly: Boolean(opts.headerOnly) };
}

/**
 * The MediaStorageSOPClassUID of a Part 10 file from its meta group alone, or undefined. Lets a
 * caller recognise a DICOMDIR whose records are too damaged to parse.
 */
export function metaSopClass(bytes: Uint8Array): string | undefined {
  if (!hasPart10Magic(bytes)) return undefined;
  try {
    const meta = dicomParser.readPart10Header(bytes);
    return cleanUid(text(meta, TAG.MediaStorageSOPClassUID)) || undefined;
  } catch {
    return undefined;
  }
}

/** UIDs may carry a trailing NUL or space as padding. */
export function cleanUid(uid: string): string {
  return uid.replace(/[\0\s]+$/g, '').trim();
}

/** The element's value bytes, or undefined when absent, empty or running past the buffer. */
export function valueBytes(ds: DataSet, tag: string): Uint8Array | undefined {
  const el: Element | undefined = ds.elements[tag];
  if (!el || el.length <= 0 || el.length === 0xffffffff) return undefined;
  const end = el.dataOffset + el.length;
  if (el.dataOffset < 0 || end > ds.byteArray.length) return undefined;
  return ds.byteArray.subarray(el.dataOffset, end);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/**
 * The text of a string element, trailing padding removed. UTF-8 when the bytes are valid UTF-8
 * (ISO_IR 192 and plain ASCII), otherwise Latin-1 (ISO_IR 100, the common default).
 */
export function text(ds: DataSet, tag: string): string {
  const b = valueBytes(ds, tag);
  if (!b) return '';
  let s: string;
  try {
    s = utf8.decode(b);
  } catch {
    s = latin1.decode(b);
  }
  return s.replace(/[\0\s]+$/g, '').replace(/^\s+/, '');
}

/** The backslash-separated values of a string element. */
export function texts(ds: DataSet, tag: string): string[] {
  const s = text(ds, tag);
  return s ? s.split('\\').map((v) => v.trim()) : [];
}

/** The numbers of a DS/IS element; NaN for entries that are not numbers. */
export function numbers(ds: DataSet, tag: string): number[] {
  return texts(ds, tag).map((v) => (v === '' ? NaN : Number(v)));
}

/** The first number of a DS/IS element, or undefined when absent or not finite. */
export function number(ds: DataSet, tag: string): number | undefined {
  const v = numbers(ds, tag)[0];
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Exactly `n` finite numbers from a DS element, or undefined. */
export function vector(ds: DataSet, tag: string, n: number): number[] | undefined {
  const v = numbers(ds, tag);
  return v.length >= n && v.slice(0, n).every(Number.isFinite) ? v.slice(0, n) : undefined;
}

/** A US value (binary, in the dataset's byte order); undefined when absent or too short. */
export function uint16(ds: DataSet, tag: string, index = 0): number | undefined {
  const b = valueBytes(ds, tag);
  if (!b || b.length < 2 * (index + 1)) return undefined;
  return ds.byteArrayParser.readUint16(ds.byteArray, ds.elements[tag].dataOffset + 2 * index);
}

/** A UL value (binary); undefined when absent or too short. */
export function uint32(ds: DataSet, tag: string): number | undefined {
  const b = valueBytes(ds, tag);
  if (!b || b.length < 4) return undefined;
  return ds.byteArrayParser.readUint32(ds.byteArray, ds.elements[tag].dataOffset);
}

/** A FD value (binary), for tags that are FD in every syntax. */
export function float64(ds: DataSet, tag: string): number | undefined {
  const b = valueBytes(ds, tag);
  if (!b || b.length < 8) return undefined;
  const v = ds.byteArrayParser.readDouble(ds.byteArray, ds.elements[tag].dataOffset);
  return Number.isFinite(v) ? v : undefined;
}

/** The item data sets of a sequence element (empty when absent or not a parsed sequence). */
export function items(ds: DataSet, tag: string): DataSet[] {
  const el = ds.elements[tag];
  if (!el || !Array.isArray(el.items)) return [];
  return el.items.flatMap((it) => (it.dataSet ? [it.dataSet] : []));
}

/** A one-line "unsupported transfer syntax" error. */
export function unsupportedSyntax(uid: string, path: string): InrError {
  const name = transferSyntaxName(uid);
  return new InrError('E_UNSUPPORTED', `unsupported transfer syntax ${uid}${name !== 'unknown' ? ` (${name})` : ''}`, path);
}
