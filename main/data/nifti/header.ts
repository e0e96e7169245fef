import { InrError } from '../../core/errors';

/**
 * NIfTI-1 and NIfTI-2 headers, read and written through one table of fields per version.
 *
 * Layouts: NIfTI-1 `nifti1.h` (348 bytes; NIfTI DFWG, 2004) and NIfTI-2 `nifti2.h` (540 bytes;
 * 2011): the same fields, widened to int64/double and reordered in NIfTI-2. The byte order is
 * whatever makes `sizeof_hdr` read 348 (or 540). Single-file magic is `n+1\0` / `n+2\0…`;
 * `ni1\0` marks a separate .hdr/.img pair.
 */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  magic: string;
  dimInfo: number;
  /** dim[0] = number of dimensions, dim[1..7] sizes (x, y, z, t, u, v, w). */
  dim: number[];
  intentP1: number;
  intentP2: number;
  intentP3: number;
  intentCode: number;
  datatype: number;
  bitpix: number;
  sliceStart: number;
  /** pixdim[0] = qfac (±1), pixdim[1..7] voxel sizes. */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  sliceEnd: number;
  sliceCode: number;
  xyztUnits: number;
  calMax: number;
  calMin: number;
  sliceDuration: number;
  toffset: number;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffsetX: number;
  qoffsetY: number;
  qoffsetZ: number;
  srowX: number[];
  srowY: number[];
  srowZ: number[];
  intentName: string;
}

type Kind = 'i8' | 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64' | 'str';
type Key = Exclude<keyof NiftiHeader, 'version' | 'littleEndian'>;
/** [field, type, byte offset, element count (arrays) or byte length (strings)] */
type Spec = [Key, Kind, number, number?];

/** nifti1.h, struct nifti_1_header (offsets in bytes). */
const NIFTI1: Spec[] = [
  ['dimInfo', 'u8', 39],
  ['dim', 'i16', 40, 8],
  ['intentP1', 'f32', 56],
  ['intentP2', 'f32', 60],
  ['intentP3', 'f32', 64],
  ['intentCode', 'i16', 68],
  ['datatype', 'i16', 70],
  ['bitpix', 'i16', 72],
  ['sliceStart', 'i16', 74],
  ['pixdim', 'f32', 76, 8],
  ['voxOffset', 'f32', 108],
  ['sclSlope', 'f32', 112],
  ['sclInter', 'f32', 116],
  ['sliceEnd', 'i16', 120],
  ['sliceCode', 'u8', 122],
  ['xyztUnits', 'u8', 123],
  ['calMax', 'f32', 124],
  ['calMin', 'f32', 128],
  ['sliceDuration', 'f32', 132],
  ['toffset', 'f32', 136],
  ['descrip', 'str', 148, 80],
  ['auxFile', 'str', 228, 24],
  ['qformCode', 'i16', 252],
  ['sformCode', 'i16', 254],
  ['quaternB', 'f32', 256],
  ['quaternC', 'f32', 260],
  ['quaternD', 'f32', 264],
  ['qoffsetX', 'f32', 268],
  ['qoffsetY', 'f32', 272],
  ['qoffsetZ', 'f32', 276],
  ['srowX', 'f32', 280, 4],
  ['srowY', 'f32', 296, 4],
  ['srowZ', 'f32', 312, 4],
  ['intentName', 'str', 328, 16],
  ['magic', 'str', 344, 4],
];

/** nifti2.h, struct nifti_2_header. */
const NIFTI2: Spec[] = [
  ['magic', 'str', 4, 8],
  ['datatype', 'i16', 12],
  ['bitpix', 'i16', 14],
  ['dim', 'i64', 16, 8],
  ['intentP1', 'f64', 80],
  ['intentP2', 'f64', 88],
  ['intentP3', 'f64', 96],
  ['pixdim', 'f64', 104, 8],
  ['voxOffset', 'i64', 168],
  ['sclSlope', 'f64', 176],
  ['sclInter', 'f64', 184],
  ['calMax', 'f64', 192],
  ['calMin', 'f64', 200],
  ['sliceDuration', 'f64', 208],
  ['toffset', 'f64', 216],
  ['sliceStart', 'i64', 224],
  ['sliceEnd', 'i64', 232],
  ['descrip', 'str', 240, 80],
  ['auxFile', 'str', 320, 24],
  ['qformCode', 'i32', 344],
  ['sformCode', 'i32', 348],
  ['quaternB', 'f64', 352],
  ['quaternC', 'f64', 360],
  ['quaternD', 'f64', 368],
  ['qoffsetX', 'f64', 376],
  ['qoffsetY', 'f64', 384],
  ['qoffsetZ', 'f64', 392],
  ['srowX', 'f64', 400, 4],
  ['srowY', 'f64', 432, 4],
  ['srowZ', 'f64', 464, 4],
  ['sliceCode', 'i32', 496],
  ['xyztUnits', 'i32', 500],
  ['intentCode', 'i32', 504],
  ['intentName', 'str', 508, 16],
  ['dimInfo', 'u8', 524],
];

/** sizeof_hdr of each version. */
export const HEADER_SIZE = { 1: 348, 2: 540 } as const;
/** Magic of single-file NIfTI-2: `n+2\0` then `\r\n\032\n` (nifti2.h). */
const MAGIC2 = 'n+2\0\r\n\x1a\n';

/** Bytes of each scalar kind. */
const SIZE: Record<Exclude<Kind, 'str'>, number> = { i8: 1, u8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };

/** Read one scalar of `kind` at `at`. */
function getScalar(v: DataView, at: number, kind: Exclude<Kind, 'str'>, le: boolean): number {
  switch (kind) {
    case 'i8':
      return v.getInt8(at);
    case 'u8':
      return v.getUint8(at);
    case 'i16':
      return v.getInt16(at, le);
    case 'i32':
      return v.getInt32(at, le);
    case 'i64': {
      const n = Number(v.getBigInt64(at, le));
      return Number.isSafeInteger(n) ? n : Infinity;
    }
    case 'f32':
      return v.getFloat32(at, le);
    case 'f64':
      return v.getFloat64(at, le);
  }
}

/** Write one scalar of `kind` at `at`. */
function setScalar(v: DataView, at: number, kind: Exclude<Kind, 'str'>, x: number, le: boolean): void {
  switch (kind) {
    case 'i8':
      v.setInt8(at, x);
      break;
    case 'u8':
      v.setUint8(at, x);
      break;
    case 'i16':
      v.setInt16(at, x, le);
      break;
    case 'i32':
      v.setInt32(at, x, le);
      break;
    case 'i64':
      v.setBigInt64(at, BigInt(Math.trunc(x)), le);
      break;
    case 'f32':
      v.setFloat32(at, x, le);
      break;
    case 'f64':
      v.setFloat64(at, x, le);
      break;
  }
}

/** Which NIfTI this is (version and byte order), or null: sizeof_hdr plus the magic string. */
export function detectNifti(bytes: Uint8Array): { version: 1 | 2; littleEndian: boolean } | null {
  if (bytes.length < 348) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const le of [true, false]) {
    const size = v.getInt32(0, le);
    if (size === 348) {
      const m = String.fromCharCode(bytes[344], bytes[345], bytes[346], bytes[347]);
      if (m === 'n+1\0' || m === 'ni1\0') return { version: 1, littleEndian: le };
    }
    if (size === 540 && bytes.length >= 540) {
      const m = String.fromCharCode(...bytes.subarray(4, 8));
      if (m === 'n+2\0' || m === 'ni2\0') return { version: 2, littleEndian: le };
    }
  }
  return null;
}

/** Decode a header at the start of `bytes`. */
export function decodeHeader(bytes: Uint8Array, path?: string): NiftiHeader {
  const kind = detectNifti(bytes);
  if (!kind) throw new InrError('E_FORMAT', 'not a NIfTI-1/2 file (no sizeof_hdr 348/540 with NIfTI magic)', path);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h: Record<string, unknown> = { version: kind.version, littleEndian: kind.littleEndian };
  for (const [key, type, at, count] of kind.version === 1 ? NIFTI1 : NIFTI2) {
    if (type === 'str') {
      const raw = bytes.subarray(at, at + (count as number));
      const end = raw.indexOf(0);
      h[key] = key === 'magic' ? String.fromCharCode(...raw) : new TextDecoder('latin1').decode(end >= 0 ? raw.subarray(0, end) : raw);
    } else if (count) {
      h[key] = Array.from({ length: count }, (_, i) => getScalar(v, at + i * SIZE[type], type, kind.littleEndian));
    } else {
      h[key] = getScalar(v, at, type, kind.littleEndian);
    }
  }
  return h as unknown as NiftiHeader;
}

/** Encode a header (348 or 540 bytes) in its byte order; strings are cut to their field. */
export function encodeHeader(h: NiftiHeader): Uint8Array {
  const size = HEADER_SIZE[h.version];
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  const le = h.littleEndian;
  v.setInt32(0, size, le);
  for (const [key, type, at, count] of h.version === 1 ? NIFTI1 : NIFTI2) {
    const value = h[key];
    if (type === 'str') {
      const text = key === 'magic' ? (h.version === 1 ? 'n+1\0' : MAGIC2) : String(value ?? '');
      const len = count as number;
      // Free text keeps one byte for the terminating NUL (descrip ≤ 79, aux_file ≤ 23 bytes).
      const max = key === 'magic' ? len : len - 1;
      for (let i = 0; i < Math.min(max, text.length); i++) out[at + i] = text.charCodeAt(i) & 0xff;
    } else if (count) {
      const arr = value as number[];
      for (let i = 0; i < count; i++) setScalar(v, at + i * SIZE[type], type, arr[i] ?? 0, le);
    } else {
      setScalar(v, at, type, value as number, le);
    }
  }
  if (h.version === 1) out[38] = 0x72; // `regular` = 'r', as Analyze 7.5 and nibabel write it
  return out;
}
