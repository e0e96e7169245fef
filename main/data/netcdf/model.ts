/**
 * The in-memory model of an opened NetCDF dataset, shared by every backend (our classic
 * CDF-1/2/5 reader, netcdfjs, h5wasm for NetCDF-4, ZIP archives of them). A backend reads the
 * header eagerly and the data lazily: `read()` returns one hyperslab of one variable, in its
 * storage type, and nothing else is decoded.
 *
 * Terms follow the NetCDF Users Guide (NUG), "The NetCDF Data Model": dimensions, variables,
 * attributes; a coordinate variable is a 1-D variable named like its dimension.
 */

/** NetCDF external types: classic nc_type codes 1–6, CDF-5 / NetCDF-4 add 7–11, NetCDF-4 strings. */
export type NcType = 'byte' | 'char' | 'short' | 'int' | 'float' | 'double' | 'ubyte' | 'ushort' | 'uint' | 'int64' | 'uint64' | 'string';

/** An attribute: text (`char` / `string`) or a vector of numbers in the attribute's own type. */
export interface NcAttribute {
  type: NcType;
  value: string | number[];
}

export type NcAttributes = Record<string, NcAttribute>;

export interface NcDimension {
  name: string;
  size: number;
  /** The record (UNLIMITED) dimension of a classic file. */
  unlimited?: boolean;
}

export interface NcVariable {
  /** Name (for NetCDF-4 variables in sub-groups: the group path, `group/var`). */
  name: string;
  /** Dimension names, slowest first. */
  dimensions: string[];
  shape: number[];
  /** Storage type; `undefined` for HDF5 types we cannot read (compound, reference, …). */
  type?: NcType;
  attributes: NcAttributes;
}

/** Raw stored values in their storage type. 64-bit integers arrive as Float64Array. */
export type RawArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export type NcFormat = 'CDF-1' | 'CDF-2' | 'CDF-5' | 'NetCDF-4';

export interface NcDataset {
  /** What a person should read: `CDF-2 (64-bit offset)`, `NetCDF-4/HDF5`, `ZIP of 2 NetCDF files`. */
  formatLabel: string;
  dimensions: NcDimension[];
  variables: NcVariable[];
  attributes: NcAttributes;
  /** Things a person should know about how the dataset was opened (ZIP members skipped, …). */
  notes?: string[];
  /**
   * Raw values of the hyperslab `start`/`count` (one entry per dimension of the variable),
   * row-major. Throws `InrError` on truncated or corrupt data.
   */
  read(variable: NcVariable, start: number[], count: number[]): Promise<RawArray>;
  /** Releases file handles and temporary files. Safe to call twice. */
  close(): Promise<void>;
}

/** Size in bytes of one value of each type. */
export const TYPE_SIZE: Record<NcType, number> = {
  byte: 1,
  char: 1,
  short: 2,
  int: 4,
  float: 4,
  double: 8,
  ubyte: 1,
  ushort: 2,
  uint: 4,
  int64: 8,
  uint64: 8,
  string: 8,
};

/** The `Field.dtype` spelling of a storage type. */
export const FIELD_DTYPE: Record<NcType, string> = {
  byte: 'int8',
  char: 'char',
  short: 'int16',
  int: 'int32',
  float: 'float32',
  double: 'float64',
  ubyte: 'uint8',
  ushort: 'uint16',
  uint: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  string: 'string',
};

/**
 * Hard caps checked against sizes declared in headers before anything is allocated, so a
 * corrupt or hostile file ends in `E_TOO_LARGE` / `E_CORRUPT`, never in a multi-gigabyte
 * allocation.
 */
export const LIMITS = {
  /**
   * Bytes of one variable read. Beyond the memory limit (core/limits.ts, checked first), one
   * read lands in one typed array and, for NetCDF-4, in the 32-bit wasm heap of libhdf5.
   */
  maxReadBytes: 2 ** 31,
  /** Bytes of a classic header we are willing to parse. */
  maxHeaderBytes: 64 * 1024 * 1024,
  /** NC_MAX_VAR_DIMS in netcdf.h. */
  maxRank: 1024,
  /** Values of one coordinate variable that we decode for the geometry. */
  maxCoordinateValues: 16 * 1024 * 1024,
  /** A ZIP archive is read into memory whole. */
  maxZipBytes: 256 * 1024 * 1024,
  /** One uncompressed ZIP member. */
  maxZipMemberBytes: 512 * 1024 * 1024,
} as const;

/** Text of a string attribute, or undefined. */
export function attrText(attrs: NcAttributes, name: string): string | undefined {
  const a = attrs[name];
  return a && typeof a.value === 'string' ? a.value : undefined;
}

/** Numeric values of an attribute, or undefined when absent or text. */
export function attrNumbers(attrs: NcAttributes, name: string): number[] | undefined {
  const a = attrs[name];
  return a && Array.isArray(a.value) && a.value.length > 0 ? a.value : undefined;
}

/** First numeric value of an attribute (text that parses as a number counts too). */
export function attrNumber(attrs: NcAttributes, name: string): number | undefined {
  const a = attrs[name];
  if (!a) return undefined;
  if (Array.isArray(a.value)) return a.value.length > 0 ? a.value[0] : undefined;
  const n = Number(a.value.trim());
  return a.value.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** Product of a shape; 1 for a scalar. */
export function product(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
