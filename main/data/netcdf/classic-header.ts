/**
 * Parser of the classic NetCDF header, all three versions, following the grammar of the NetCDF
 * Users Guide, "File Format Specifications" (classic, 64-bit offset) and its CDF-5 extension
 * (PnetCDF "CDF-5 file format specification"):
 *
 *     header   = magic numrecs dim_list gatt_list var_list
 *     dim      = name dim_length                    (dim_length 0 = the record dimension)
 *     attr     = name nc_type nelems [values …]     (values padded to 4 bytes)
 *     var      = name nelems [dimid …] vatt_list nc_type vsize begin
 *
 * Sizes by version: CDF-1 uses 32-bit counts and offsets; CDF-2 widens `begin` to 64 bits;
 * CDF-5 widens every count (numrecs, nelems, dim_length, dimid, vsize) and `begin` to 64 bits and
 * adds the types ubyte, ushort, uint, int64 and uint64 (codes 7–11). Tags and nc_type stay 32-bit.
 *
 * Every count is checked against the bytes left in the file before anything is allocated, so a
 * corrupt header ends in E_CORRUPT, never in a huge array. The same parse guards netcdfjs (which
 * trusts the header) and drives our own lazy data reader.
 */
import { InrError } from '../../core/errors';
import { LIMITS, TYPE_SIZE, product, type NcAttributes, type NcDimension, type NcType, type NcVariable } from './model';
import type { ByteSource } from './source';

export type ClassicVersion = 1 | 2 | 5;

export interface ClassicVariable extends NcVariable {
  type: NcType;
  /** Byte offset of the data (of the first record, for a record variable). */
  begin: number;
  /** `vsize` as the header states it. */
  vsize: number;
  /** `vsize` as the dimensions imply it (one record slab for a record variable), padded to 4. */
  expectedVsize: number;
  /** First dimension is the record dimension: records interleave with `recordSize`. */
  isRecord: boolean;
}

export interface ClassicHeader {
  version: ClassicVersion;
  /** Number of records (computed from the file size when the header says STREAMING). */
  numrecs: number;
  streaming: boolean;
  dimensions: NcDimension[];
  attributes: NcAttributes;
  variables: ClassicVariable[];
  /** Bytes from one record to the next. */
  recordSize: number;
  /** First byte after the header. */
  headerEnd: number;
}

const NC_DIMENSION = 10;
const NC_VARIABLE = 11;
const NC_ATTRIBUTE = 12;

/** nc_type codes (netcdf.h). */
const TYPE_CODES: Record<number, NcType> = {
  1: 'byte',
  2: 'char',
  3: 'short',
  4: 'int',
  5: 'float',
  6: 'double',
  7: 'ubyte',
  8: 'ushort',
  9: 'uint',
  10: 'int64',
  11: 'uint64',
};

export const CLASSIC_TYPE_CODE: Partial<Record<NcType, number>> = Object.fromEntries(Object.entries(TYPE_CODES).map(([code, type]) => [type, Number(code)]));

/** Thrown when the buffer ends inside the header but the file goes on: read more and retry. */
class NeedMoreBytes extends Error {}

/** A big-endian reader over the header bytes that knows the file's real size. */
class Cursor {
  pos = 4;
  private readonly view: DataView;
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(
    private readonly bytes: Uint8Array,
    private readonly fileSize: number,
    readonly version: ClassicVersion,
    private readonly path?: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new InrError('E_CORRUPT', `corrupt NetCDF header: ${message}`, this.path);
  }

  /** Bytes left in the whole file after the cursor: the bound for every declared count. */
  get left(): number {
    return this.fileSize - this.pos;
  }

  need(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    if (this.pos + n <= this.fileSize && this.bytes.length < this.fileSize) throw new NeedMoreBytes();
    this.fail(`the file ends inside the header (at byte ${this.bytes.length})`);
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** A 64-bit unsigned count; `undefined` for all ones (STREAMING). */
  u64(): number | undefined {
    this.need(8);
    const hi = this.view.getUint32(this.pos);
    const lo = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi === 0xffffffff && lo === 0xffffffff) return undefined;
    if (hi >= 0x200000) this.fail(`64-bit value ${hi}·2³² + ${lo} is beyond 2⁵³`);
    return hi * 0x100000000 + lo;
  }

  /** NON_NEG: 32-bit in CDF-1/2, 64-bit in CDF-5. */
  count(what: string): number {
    const v = this.version === 5 ? this.u64() : this.u32();
    if (v === undefined) this.fail(`${what} is all ones`);
    return v;
  }

  /** OFFSET: 32-bit in CDF-1, 64-bit otherwise. */
  offset(): number {
    const v = this.version === 1 ? this.u32() : this.u64();
    if (v === undefined) this.fail('a variable offset is all ones');
    return v;
  }

  /** A count of items that each take at least `minBytes` of the file. */
  listLength(what: string, minBytes: number): number {
    const n = this.count(`${what} count`);
    if (n * minBytes > this.left) this.fail(`${n} ${what} cannot fit in the ${this.left} bytes left`);
    return n;
  }

  pad(): void {
    const r = this.pos % 4;
    if (r) {
      this.need(4 - r);
      this.pos += 4 - r;
    }
  }

  name(): string {
    const n = this.count('name length');
    if (n > 4096 || n > this.left) this.fail(`name of ${n} bytes`);
    this.need(n);
    const s = this.utf8.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    this.pad();
    return s;
  }

  type(): NcType {
    const code = this.u32();
    const t = TYPE_CODES[code];
    if (!t || (code > 6 && this.version !== 5)) this.fail(`unknown nc_type ${code}`);
    return t;
  }

  /** `n` values of type `t`, padded to 4 bytes. */
  values(t: NcType, n: number): string | number[] {
    const size = TYPE_SIZE[t];
    if (n * size > this.left) this.fail(`attribute of ${n} × ${size} bytes cannot fit`);
    this.need(n * size);
    const at = this.pos;
    this.pos += n * size;
    this.pad();
    if (t === 'char') return this.utf8.decode(this.bytes.subarray(at, at + n)).replace(/\0+$/, '');
    const out = new Array<number>(n);
    const v = this.view;
    for (let i = 0; i < n; i++) {
      const p = at + i * size;
      switch (t) {
        case 'byte':
          out[i] = v.getInt8(p);
          break;
        case 'ubyte':
          out[i] = v.getUint8(p);
          break;
        case 'short':
          out[i] = v.getInt16(p);
          break;
        case 'ushort':
          out[i] = v.getUint16(p);
          break;
        case 'int':
          out[i] = v.getInt32(p);
          break;
        case 'uint':
          out[i] = v.getUint32(p);
          break;
        case 'float':
          out[i] = v.getFloat32(p);
          break;
        case 'double':
          out[i] = v.getFloat64(p);
          break;
        case 'int64':
          out[i] = Number(v.getBigInt64(p));
          break;
        case 'uint64':
          out[i] = Number(v.getBigUint64(p));
          break;
        default:
          this.fail(`type ${t} in an attribute`);
      }
    }
    return out;
  }

  /** ABSENT (ZERO ZERO) or the expected tag, then the list length. */
  listTag(tag: number, what: string): 'absent' | 'present' {
    const t = this.u32();
    if (t === 0) {
      if (this.count(`${what} count`) !== 0) this.fail(`empty ${what} list with a non-zero count`);
      return 'absent';
    }
    if (t !== tag) this.fail(`expected the ${what} list tag ${tag}, found ${t}`);
    return 'present';
  }

  attributes(): NcAttributes {
    const attrs: NcAttributes = {};
    if (this.listTag(NC_ATTRIBUTE, 'attribute') === 'absent') return attrs;
    const n = this.listLength('attributes', this.version === 5 ? 20 : 12);
    for (let i = 0; i < n; i++) {
      const name = this.name();
      const type = this.type();
      const len = this.count('attribute length');
      attrs[name] = { type, value: this.values(type, len) };
    }
    return attrs;
  }
}

function parse(bytes: Uint8Array, fileSize: number, path?: string): ClassicHeader {
  if (bytes.length < 4 || bytes[0] !== 0x43 || bytes[1] !== 0x44 || bytes[2] !== 0x46) {
    throw new InrError('E_FORMAT', 'not a classic NetCDF file (no CDF magic)', path);
  }
  const version = bytes[3];
  if (version !== 1 && version !== 2 && version !== 5) {
    throw new InrError('E_UNSUPPORTED', `unknown classic NetCDF version ${version}`, path);
  }
  const c = new Cursor(bytes, fileSize, version, path);
  const declaredRecs = version === 5 ? c.u64() : c.u32();
  const streaming = declaredRecs === undefined || (version !== 5 && declaredRecs === 0xffffffff);

  const dimensions: NcDimension[] = [];
  let recordDim: number | undefined;
  if (c.listTag(NC_DIMENSION, 'dimension') === 'present') {
    const n = c.listLength('dimensions', version === 5 ? 16 : 8);
    for (let i = 0; i < n; i++) {
      const name = c.name();
      const size = c.count('dimension length');
      if (size === 0) {
        if (recordDim !== undefined) c.fail('two record (UNLIMITED) dimensions');
        recordDim = i;
      }
      dimensions.push({ name, size, unlimited: size === 0 || undefined });
    }
  }

  const attributes = c.attributes();

  const variables: ClassicVariable[] = [];
  if (c.listTag(NC_VARIABLE, 'variable') === 'present') {
    const n = c.listLength('variables', version === 5 ? 48 : 24);
    for (let i = 0; i < n; i++) {
      const name = c.name();
      const rank = c.count('variable rank');
      if (rank > LIMITS.maxRank) c.fail(`variable ${name} has ${rank} dimensions`);
      if (rank * (version === 5 ? 8 : 4) > c.left) c.fail(`variable ${name} has ${rank} dimensions`);
      const dimids: number[] = [];
      for (let k = 0; k < rank; k++) {
        const id = c.count('dimension id');
        if (id >= dimensions.length) c.fail(`variable ${name} uses dimension id ${id} of ${dimensions.length}`);
        if (id === recordDim && k !== 0) c.fail(`variable ${name} uses the record dimension other than first`);
        dimids.push(id);
      }
      const vattrs = c.attributes();
      const type = c.type();
      const vsize = c.count('vsize');
      const begin = c.offset();
      variables.push({
        name,
        dimensions: dimids.map((d) => dimensions[d].name),
        shape: dimids.map((d) => dimensions[d].size),
        type,
        attributes: vattrs,
        begin,
        vsize,
        expectedVsize: 0,
        isRecord: rank > 0 && dimids[0] === recordDim,
      });
    }
  }
  const headerEnd = c.pos;

  // Record layout (NUG: "Note on padding"): slabs are padded to 4 bytes, except when the file
  // has a single record variable, whose records follow each other unpadded.
  const recordVars = variables.filter((v) => v.isRecord);
  let recordSize = 0;
  for (const v of variables) {
    const bytesPerSlab = product(v.isRecord ? v.shape.slice(1) : v.shape) * TYPE_SIZE[v.type];
    v.expectedVsize = Math.ceil(bytesPerSlab / 4) * 4;
    if (v.isRecord) recordSize += recordVars.length === 1 ? bytesPerSlab : v.expectedVsize;
    if (v.begin < headerEnd && (v.expectedVsize > 0 || v.isRecord)) {
      c.fail(`variable ${v.name} starts at byte ${v.begin}, inside the header (which ends at ${headerEnd})`);
    }
  }

  let numrecs = declaredRecs ?? 0;
  if (streaming) {
    const first = recordVars.reduce((m, v) => Math.min(m, v.begin), fileSize);
    numrecs = recordSize > 0 ? Math.floor(Math.max(0, fileSize - first) / recordSize) : 0;
  }
  if (recordDim !== undefined) {
    dimensions[recordDim].size = numrecs;
    for (const v of recordVars) v.shape[0] = numrecs;
  }
  return { version, numrecs, streaming, dimensions, attributes, variables, recordSize, headerEnd };
}

/** Parse a header held in memory (`bytes` may be the first part of a file of `fileSize` bytes). */
export function parseClassicHeader(bytes: Uint8Array, fileSize = bytes.length, path?: string): ClassicHeader {
  try {
    return parse(bytes, fileSize, path);
  } catch (err) {
    if (err instanceof NeedMoreBytes) throw new InrError('E_CORRUPT', 'corrupt NetCDF header: it ends early', path);
    throw err;
  }
}

/** Read and parse the header of a classic file, reading only as many bytes as it takes. */
export async function readClassicHeader(src: ByteSource, path?: string): Promise<ClassicHeader> {
  let n = Math.min(src.size, 64 * 1024);
  for (;;) {
    const bytes = await src.read(0, n);
    try {
      return parse(bytes, src.size, path);
    } catch (err) {
      if (!(err instanceof NeedMoreBytes)) throw err;
      if (n >= src.size) throw new InrError('E_CORRUPT', 'corrupt NetCDF header: it ends early', path);
      if (n >= LIMITS.maxHeaderBytes) throw new InrError('E_TOO_LARGE', `NetCDF header larger than ${LIMITS.maxHeaderBytes} bytes`, path);
      n = Math.min(src.size, n * 8, LIMITS.maxHeaderBytes);
    }
  }
}

/** First and past-the-end byte of a variable's data (for a record variable: of its last record). */
export function variableExtent(h: ClassicHeader, v: ClassicVariable): { first: number; end: number } {
  const slab = product(v.isRecord ? v.shape.slice(1) : v.shape) * TYPE_SIZE[v.type];
  if (!v.isRecord) return { first: v.begin, end: v.begin + slab };
  return { first: v.begin, end: h.numrecs === 0 ? v.begin : v.begin + (h.numrecs - 1) * h.recordSize + slab };
}
