/**
 * CF decoding of stored values into physical values and a validity mask — one decoder behind
 * every backend (FORMATS.md §7.3). References: CF Conventions 1.11, §2.5.1 "Missing data, valid
 * and actual range of data" and §8.1 "Packed data"; NUG "Attribute Conventions" (_FillValue,
 * missing_value, valid_min/valid_max/valid_range, scale_factor/add_offset, _Unsigned).
 *
 * Order of operations:
 * 1. `_Unsigned = "true"` on an integer type: reinterpret the stored bits as unsigned, the fill
 *    value and valid range with them (NUG, NetCDF-3 has no unsigned types).
 * 2. Mask on the **stored** value: `_FillValue` (or the NetCDF default fill of the type when
 *    there is none), every `missing_value`, NaN, and the valid range. `valid_*` attributes of the
 *    storage type are compared with stored values, others with unpacked values (CF §8.1: the
 *    valid range of packed data should be given in the packed type).
 * 3. Unpack: `value = stored × scale_factor + add_offset`.
 *
 * Masked samples hold NaN in the values, so a consumer that ignores the mask fails loudly.
 */
import { attrNumbers, attrText, type NcAttributes, type NcType, type RawArray } from './model';

/**
 * Default fill values of netcdf.h (NC_FILL_*), which mark never-written data when `_FillValue`
 * is absent. Byte types have none here: their whole range is plausible data.
 */
export const DEFAULT_FILL: Partial<Record<NcType, number>> = {
  short: -32767,
  int: -2147483647,
  float: 9.969209968386869e36,
  double: 9.969209968386869e36,
  ushort: 65535,
  uint: 4294967295,
};

export interface CfDecoding {
  /** Storage type after `_Unsigned` reinterpretation. */
  storage: NcType;
  scale: number;
  offset: number;
  /** Stored values that mean "missing". */
  missing: number[];
  /** Valid range on stored values. */
  storedRange: [number, number];
  /** Valid range on unpacked values. */
  physicalRange: [number, number];
}

const UNSIGNED_OF: Partial<Record<NcType, NcType>> = { byte: 'ubyte', short: 'ushort', int: 'uint', int64: 'uint64' };

/** A number converted to a storage type as that type would store it (float rounding, int wrap). */
function asStored(x: number, type: NcType): number {
  switch (type) {
    case 'byte':
      return new Int8Array([x])[0];
    case 'ubyte':
    case 'char':
      return new Uint8Array([x])[0];
    case 'short':
      return new Int16Array([x])[0];
    case 'ushort':
      return new Uint16Array([x])[0];
    case 'int':
      return new Int32Array([x])[0];
    case 'uint':
      return new Uint32Array([x])[0];
    case 'float':
      return Math.fround(x);
    default:
      return x;
  }
}

/** Work out how a variable's stored values decode, from its attributes. */
export function cfDecoding(type: NcType, attrs: NcAttributes): CfDecoding {
  const unsigned = attrText(attrs, '_Unsigned')?.trim().toLowerCase() === 'true' && UNSIGNED_OF[type] !== undefined;
  const storage = unsigned ? (UNSIGNED_OF[type] as NcType) : type;
  const scale = attrNumbers(attrs, 'scale_factor')?.[0] ?? 1;
  const offset = attrNumbers(attrs, 'add_offset')?.[0] ?? 0;

  const missing: number[] = [];
  const fill = attrNumbers(attrs, '_FillValue')?.[0];
  if (fill !== undefined) missing.push(asStored(fill, storage));
  else if (!unsigned && DEFAULT_FILL[type] !== undefined) missing.push(asStored(DEFAULT_FILL[type] as number, type));
  for (const m of attrNumbers(attrs, 'missing_value') ?? []) missing.push(asStored(m, storage));

  const storedRange: [number, number] = [-Infinity, Infinity];
  const physicalRange: [number, number] = [-Infinity, Infinity];
  const bound = (name: string, which: 0 | 1, value: number): void => {
    const attrType = attrs[name]?.type;
    const stored = attrType === type || attrType === storage;
    const range = stored ? storedRange : physicalRange;
    range[which] = stored ? asStored(value, storage) : value;
  };
  const vr = attrNumbers(attrs, 'valid_range');
  if (vr && vr.length >= 2) {
    bound('valid_range', 0, vr[0]);
    bound('valid_range', 1, vr[1]);
  }
  const vmin = attrNumbers(attrs, 'valid_min')?.[0];
  if (vmin !== undefined) bound('valid_min', 0, vmin);
  const vmax = attrNumbers(attrs, 'valid_max')?.[0];
  if (vmax !== undefined) bound('valid_max', 1, vmax);

  return { storage, scale, offset, missing: [...new Set(missing)], storedRange, physicalRange };
}

/** Stored values viewed in the storage type of `d` (reinterpreting signed bits for _Unsigned). */
function reinterpret(raw: RawArray, d: CfDecoding): RawArray {
  if (d.storage === 'ubyte' && raw instanceof Int8Array) return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  if (d.storage === 'ushort' && raw instanceof Int16Array) return new Uint16Array(raw.buffer, raw.byteOffset, raw.length);
  if (d.storage === 'uint' && raw instanceof Int32Array) return new Uint32Array(raw.buffer, raw.byteOffset, raw.length);
  return raw;
}

export interface Decoded {
  values: Float32Array;
  /** 1 = valid; undefined when every sample is valid. */
  mask?: Uint8Array;
  validCount: number;
}

/** Decode stored values into physical Float32 values and a mask. */
export function cfDecode(raw: RawArray, d: CfDecoding): Decoded {
  const src = reinterpret(raw, d);
  const n = src.length;
  const values = new Float32Array(n);
  const mask = new Uint8Array(n);
  const [smin, smax] = d.storedRange;
  const [pmin, pmax] = d.physicalRange;
  const miss = d.missing;
  const m0 = miss.length > 0 ? miss[0] : NaN;
  const { scale, offset } = d;
  let valid = 0;
  for (let i = 0; i < n; i++) {
    const s = src[i];
    let ok = s === s && s !== m0 && s >= smin && s <= smax;
    for (let k = 1; ok && k < miss.length; k++) if (s === miss[k]) ok = false;
    const v = s * scale + offset;
    if (ok && (v < pmin || v > pmax)) ok = false;
    if (ok) {
      values[i] = v;
      mask[i] = 1;
      valid++;
    } else {
      values[i] = NaN;
    }
  }
  return { values, mask: valid === n ? undefined : mask, validCount: valid };
}

/** Decode coordinate values to plain numbers (scale/offset applied, no masking). */
export function cfUnpack(raw: RawArray, attrs: NcAttributes): number[] {
  const scale = attrNumbers(attrs, 'scale_factor')?.[0] ?? 1;
  const offset = attrNumbers(attrs, 'add_offset')?.[0] ?? 0;
  return Array.from(raw, (x) => x * scale + offset);
}
