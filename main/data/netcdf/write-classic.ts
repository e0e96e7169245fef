/**
 * Our own classic NetCDF writer (no npm library writes classic NetCDF; FORMATS.md §6.5). It
 * writes the grammar of the NetCDF Users Guide, "File Format Specifications":
 *
 *     header = magic numrecs dim_list gatt_list var_list ; data = non-record variables, in order
 *
 * big-endian, every name, attribute and variable padded to 4 bytes, no record dimension (all
 * dimensions are fixed), no compression. CDF-1 (32-bit offsets) when the file fits in 2 GiB,
 * CDF-2 (64-bit offsets) beyond, CDF-5 on request (64-bit counts, unsigned and 64-bit types).
 * The content (dimensions, coordinate variables, CF attributes) comes from write-plan.ts.
 */
import { writeFileAtomic } from '../../core/atomic';
import { InrError } from '../../core/errors';
import type { Field } from '../../core/field';
import { CLASSIC_TYPE_CODE, type ClassicVersion } from './classic-header';
import type { WritePlan } from './hdf5-protocol';
import { TYPE_SIZE, product, type NcAttribute, type NcAttributes, type NcType, type RawArray } from './model';
import { planFromField, type NetcdfWriteOptions } from './write-plan';

export interface ClassicWriteOptions extends NetcdfWriteOptions {
  /** 1, 2 or 5; default: 1 when every offset fits in 31 bits, else 2. */
  version?: ClassicVersion;
}

const NC_DIMENSION = 10;
const NC_VARIABLE = 11;
const NC_ATTRIBUTE = 12;
const CDF1_MAX_OFFSET = 2 ** 31 - 1;

/** A growable big-endian byte buffer. */
class Out {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }

  u64(v: number): void {
    this.room(8);
    this.view.setUint32(this.length, Math.floor(v / 2 ** 32));
    this.view.setUint32(this.length + 4, v >>> 0);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  pad(): void {
    while (this.length % 4) this.bytes(new Uint8Array(1));
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** The type an attribute can have in this version (NC_STRING and, before CDF-5, the CDF-5 types cannot). */
function attributeType(t: NcType, version: ClassicVersion): NcType {
  if (t === 'string') return 'char';
  if (version === 5) return t;
  return ['ubyte', 'ushort', 'uint', 'int64', 'uint64'].includes(t) ? 'double' : t;
}

/** Big-endian bytes of `values` stored as `type`. */
function encodeValues(values: ArrayLike<number>, type: NcType): Uint8Array {
  const size = TYPE_SIZE[type];
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const p = i * size;
    switch (type) {
      case 'byte':
        v.setInt8(p, x);
        break;
      case 'char':
      case 'ubyte':
        v.setUint8(p, x);
        break;
      case 'short':
        v.setInt16(p, x);
        break;
      case 'ushort':
        v.setUint16(p, x);
        break;
      case 'int':
        v.setInt32(p, x);
        break;
      case 'uint':
        v.setUint32(p, x);
        break;
      case 'float':
        v.setFloat32(p, x);
        break;
      case 'double':
        v.setFloat64(p, x);
        break;
      case 'int64':
        v.setBigInt64(p, BigInt(Math.trunc(x)));
        break;
      case 'uint64':
        v.setBigUint64(p, BigInt(Math.trunc(x)));
        break;
      default:
        throw new InrError('E_ARG', `cannot write type ${type}`);
    }
  }
  return out;
}

class HeaderWriter {
  constructor(
    readonly out: Out,
    readonly version: ClassicVersion,
  ) {}

  count(n: number): void {
    if (this.version === 5) this.out.u64(n);
    else this.out.u32(n);
  }

  name(s: string): void {
    const b = new TextEncoder().encode(s.normalize('NFC'));
    this.count(b.length);
    this.out.bytes(b);
    this.out.pad();
  }

  attributes(attrs: NcAttributes): void {
    const entries = Object.entries(attrs).filter(([, a]) => (typeof a.value === 'string' ? true : a.value.length > 0));
    if (entries.length === 0) {
      this.out.u32(0);
      this.count(0);
      return;
    }
    this.out.u32(NC_ATTRIBUTE);
    this.count(entries.length);
    for (const [name, a] of entries) this.attribute(name, a);
  }

  attribute(name: string, a: NcAttribute): void {
    this.name(name);
    if (typeof a.value === 'string') {
      const b = new TextEncoder().encode(a.value);
      this.out.u32(CLASSIC_TYPE_CODE.char as number);
      this.count(b.length);
      this.out.bytes(b);
    } else {
      const t = attributeType(a.type, this.version);
      this.out.u32(CLASSIC_TYPE_CODE[t] as number);
      this.count(a.value.length);
      this.out.bytes(encodeValues(a.value, t));
    }
    this.out.pad();
  }
}

/** Encode a write plan as a classic NetCDF file of the given version. */
export function encodePlan(plan: WritePlan, version: ClassicVersion): Uint8Array {
  const dimIndex = new Map(plan.dimensions.map((d, i) => [d.name, i]));
  const sizes = plan.variables.map((v) => {
    const shape = v.dimensions.map((d) => plan.dimensions[dimIndex.get(d) as number].size);
    const bytes = product(shape) * TYPE_SIZE[v.type];
    if (version !== 5 && !['byte', 'char', 'short', 'int', 'float', 'double'].includes(v.type)) {
      throw new InrError('E_ARG', `type ${v.type} needs CDF-5`);
    }
    return { bytes, vsize: Math.ceil(bytes / 4) * 4 };
  });

  const header = (begins: number[]): Uint8Array => {
    const out = new Out();
    const h = new HeaderWriter(out, version);
    out.bytes(new Uint8Array([0x43, 0x44, 0x46, version]));
    h.count(0); // numrecs: no record dimension
    if (plan.dimensions.length) {
      out.u32(NC_DIMENSION);
      h.count(plan.dimensions.length);
      for (const d of plan.dimensions) {
        h.name(d.name);
        h.count(d.size);
      }
    } else {
      out.u32(0);
      h.count(0);
    }
    h.attributes(plan.attributes);
    if (plan.variables.length) {
      out.u32(NC_VARIABLE);
      h.count(plan.variables.length);
      plan.variables.forEach((v, i) => {
        h.name(v.name);
        h.count(v.dimensions.length);
        for (const d of v.dimensions) h.count(dimIndex.get(d) as number);
        h.attributes(v.attributes);
        out.u32(CLASSIC_TYPE_CODE[v.type] as number);
        // vsize saturates at 2³²−1 in CDF-1/2 for variables over 4 GiB (readers recompute it).
        h.count(version === 5 ? sizes[i].vsize : Math.min(sizes[i].vsize, 0xffffffff));
        if (version === 1) out.u32(begins[i]);
        else out.u64(begins[i]);
      });
    } else {
      out.u32(0);
      h.count(0);
    }
    return out.result();
  };

  // Offsets have fixed widths, so a first pass with zero offsets gives the header length.
  const headerLength = header(plan.variables.map(() => 0)).length;
  const begins: number[] = [];
  let at = headerLength;
  for (const s of sizes) {
    begins.push(at);
    at += s.vsize;
  }
  if (version === 1 && begins.some((b) => b > CDF1_MAX_OFFSET)) throw new InrError('E_TOO_LARGE', 'data beyond 2 GiB need CDF-2 or CDF-5');
  const file = new Uint8Array(at);
  file.set(header(begins), 0);
  plan.variables.forEach((v, i) => file.set(encodeValues(v.data as RawArray, v.type), begins[i]));
  return file;
}

/** Encode a Field as classic NetCDF bytes. */
export function encodeNetcdfClassic(field: Field, opts: ClassicWriteOptions = {}): Uint8Array {
  const plan = planFromField(field, opts);
  if (opts.version) return encodePlan(plan, opts.version);
  const total = plan.variables.reduce((s, v) => s + v.data.byteLength, 0);
  return encodePlan(plan, total < CDF1_MAX_OFFSET - (1 << 20) ? 1 : 2);
}

/** Write a Field as a classic NetCDF file, atomically. */
export function writeNetcdfClassic(path: string, field: Field, opts: ClassicWriteOptions = {}): void {
  let bytes: Uint8Array;
  try {
    bytes = encodeNetcdfClassic(field, opts);
  } catch (err) {
    if (err instanceof InrError) throw new InrError(err.code, err.message, path);
    throw err;
  }
  writeFileAtomic(path, bytes);
}
