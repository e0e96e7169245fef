/**
 * Classic NetCDF (CDF-1, CDF-2, CDF-5) as an `NcDataset`.
 *
 * The header is always parsed by our bounded parser (classic-header.ts), which also guards
 * netcdfjs against corrupt counts. Data come from one of two engines:
 *
 * - **netcdfjs** for CDF-1/CDF-2 files that fit comfortably in memory (it needs the whole file as
 *   one buffer and returns plain JS arrays of the whole variable). Only the chosen variable is
 *   decoded.
 * - **our own lazy reader** for CDF-5 (netcdfjs rejects version 5), for large files, and for
 *   layouts netcdfjs gets wrong (STREAMING record counts, a `vsize` that disagrees with the
 *   dimensions, a single record variable with unpadded records). It reads only the byte ranges of
 *   the hyperslab: non-record data lie contiguously from `begin`; record data interleave, record
 *   `r` of a variable starting at `begin + r · recordSize` (NUG, "File Format Specifications").
 *
 * Data are big-endian (XDR) on disk.
 */
import { NetCDFReader } from 'netcdfjs';
import { InrError } from '../../core/errors';
import { readClassicHeader, variableExtent, type ClassicHeader, type ClassicVariable } from './classic-header';
import { assertSelection, copyRuns, extractHyperslab, forEachRun, hyperslabBounds } from './hyperslab';
import { TYPE_SIZE, product, type NcDataset, type NcType, type NcVariable, type RawArray } from './model';
import type { ByteSource } from './source';

export type ClassicEngine = 'auto' | 'netcdfjs' | 'own';

/** netcdfjs holds the whole file plus a JS array of the variable: keep both modest. */
const NETCDFJS_MAX_FILE_BYTES = 64 * 1024 * 1024;
const NETCDFJS_MAX_ELEMENTS = 8 * 1024 * 1024;
/** Read a bounding byte range in one go unless it is much larger than the selection. */
const MAX_BOUNDING_OVERREAD = 64 * 1024 * 1024;

const VERSION_LABEL = { 1: 'NetCDF classic (CDF-1)', 2: 'NetCDF 64-bit offset (CDF-2)', 5: 'NetCDF 64-bit data (CDF-5)' } as const;

export async function openClassic(src: ByteSource, path?: string, engine: ClassicEngine = 'auto'): Promise<NcDataset & { header: ClassicHeader }> {
  let header: ClassicHeader;
  try {
    header = await readClassicHeader(src, path);
  } catch (err) {
    await src.close();
    throw err;
  }
  const netcdfjsLayoutOk =
    header.version !== 5 &&
    !header.streaming &&
    !singleUnpaddedRecordVariable(header) &&
    header.variables.every((v) => v.vsize === v.expectedVsize || (v.vsize === 0xffffffff && v.expectedVsize > 0xffffffff));
  let whole: Uint8Array | undefined;
  let netcdfjs: NetCDFReader | undefined;

  const useNetcdfjs = (v: ClassicVariable): boolean => {
    if (engine === 'own' || !netcdfjsLayoutOk || v.type === 'char') return false;
    const { end } = variableExtent(header, v);
    if (end > src.size) return false;
    if (engine === 'netcdfjs') return true;
    return src.size <= NETCDFJS_MAX_FILE_BYTES && product(v.shape) <= NETCDFJS_MAX_ELEMENTS;
  };

  return {
    header,
    formatLabel: VERSION_LABEL[header.version],
    dimensions: header.dimensions,
    variables: header.variables,
    attributes: header.attributes,
    async read(variable: NcVariable, start: number[], count: number[]): Promise<RawArray> {
      const v = header.variables.find((x) => x === variable || x.name === variable.name);
      if (!v) throw new InrError('E_ARG', `no variable ${variable.name}`, path);
      assertSelection(v.shape, start, count, `variable ${v.name}`);
      if (useNetcdfjs(v)) {
        whole ??= await src.read(0, src.size);
        netcdfjs ??= guardedNetcdfjs(whole, path);
        const full = readWholeWithNetcdfjs(netcdfjs, v, path);
        return extractHyperslab(full, v.shape, start, count);
      }
      return readOwn(src, header, v, start, count);
    },
    async close() {
      whole = undefined;
      netcdfjs = undefined;
      await src.close();
    },
  };
}

function singleUnpaddedRecordVariable(h: ClassicHeader): boolean {
  const rec = h.variables.filter((v) => v.isRecord);
  return rec.length === 1 && (product(rec[0].shape.slice(1)) * TYPE_SIZE[rec[0].type]) % 4 !== 0;
}

function guardedNetcdfjs(bytes: Uint8Array, path?: string): NetCDFReader {
  try {
    return new NetCDFReader(bytes);
  } catch (err) {
    throw new InrError('E_CORRUPT', `netcdfjs rejected the header: ${err instanceof Error ? err.message : String(err)}`, path);
  }
}

/** The whole variable through netcdfjs, copied into a typed array of its storage type. */
function readWholeWithNetcdfjs(reader: NetCDFReader, v: ClassicVariable, path?: string): RawArray {
  let data: unknown[];
  try {
    data = reader.getDataVariable(v.name) as unknown[];
  } catch (err) {
    throw new InrError('E_CORRUPT', `netcdfjs cannot read ${v.name}: ${err instanceof Error ? err.message : String(err)}`, path);
  }
  const n = product(v.shape);
  const out = newTyped(v.type, n);
  let k = 0;
  const put = (x: unknown): void => {
    if (k < n) out[k] = Number(x);
    k++;
  };
  for (const item of data) {
    if (Array.isArray(item)) for (const x of item) put(x);
    else put(item);
  }
  if (k !== n) throw new InrError('E_CORRUPT', `variable ${v.name}: netcdfjs returned ${k} values, the dimensions say ${n}`, path);
  return out;
}

/** Our own reader: only the bytes of the hyperslab, decoded from big-endian. */
async function readOwn(src: ByteSource, h: ClassicHeader, v: ClassicVariable, start: number[], count: number[]): Promise<RawArray> {
  // The data must be in the file before anything is allocated for them.
  const { end } = variableExtent(h, v);
  if (end > src.size) throw new InrError('E_CORRUPT', `variable ${v.name} needs bytes up to ${end}, the file has ${src.size}: truncated?`);
  const out = newTyped(v.type, product(count));
  // Records of the only record variable follow each other unpadded: one contiguous array.
  const contiguous = !v.isRecord || h.variables.filter((x) => x.isRecord).length === 1;
  if (contiguous) {
    await readContiguous(src, v.type, v.begin, v.shape, start, count, out);
    return out;
  }
  const inner = v.shape.slice(1);
  const perRecord = product(count.slice(1));
  for (let r = 0; r < count[0]; r++) {
    const base = v.begin + (start[0] + r) * h.recordSize;
    const dst = out.subarray(r * perRecord, (r + 1) * perRecord) as RawArray;
    await readContiguous(src, v.type, base, inner, start.slice(1), count.slice(1), dst);
  }
  return out;
}

/** Read a hyperslab of a contiguous big-endian array of `shape` starting at byte `base`. */
async function readContiguous(src: ByteSource, type: NcType, base: number, shape: number[], start: number[], count: number[], out: RawArray): Promise<void> {
  if (product(count) === 0) return;
  const size = TYPE_SIZE[type];
  const { first, end } = hyperslabBounds(shape, start, count);
  const needed = product(count);
  if ((end - first) * size <= Math.max(MAX_BOUNDING_OVERREAD, 4 * needed * size)) {
    const slab = decodeBigEndian(await src.read(base + first * size, (end - first) * size), type);
    copyRuns(slab, out, shape, start, count, first);
    return;
  }
  // Sparse selection in a huge variable: one read per contiguous run.
  const runs: Array<[number, number, number]> = [];
  forEachRun(shape, start, count, (s, d, len) => runs.push([s, d, len]));
  for (const [s, d, len] of runs) {
    const part = decodeBigEndian(await src.read(base + s * size, len * size), type);
    (out as unknown as { set(a: ArrayLike<number>, o: number): void }).set(part, d);
  }
}

/** A zeroed typed array for `n` values of a storage type (64-bit integers as Float64). */
function newTyped(type: NcType, n: number): RawArray {
  switch (type) {
    case 'byte':
      return new Int8Array(n);
    case 'char':
    case 'ubyte':
      return new Uint8Array(n);
    case 'short':
      return new Int16Array(n);
    case 'ushort':
      return new Uint16Array(n);
    case 'int':
      return new Int32Array(n);
    case 'uint':
      return new Uint32Array(n);
    case 'float':
      return new Float32Array(n);
    default:
      return new Float64Array(n);
  }
}

/**
 * Big-endian bytes → a native typed array of the same memory: the bytes are swapped in place
 * (ByteSource reads hand out buffers the caller owns), copied first only when misaligned.
 */
function decodeBigEndian(bytes: Uint8Array, type: NcType): RawArray {
  const size = TYPE_SIZE[type];
  const n = Math.floor(bytes.length / size);
  if (size === 1) return type === 'byte' ? new Int8Array(bytes.buffer, bytes.byteOffset, n) : bytes.subarray(0, n);
  const own = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  for (let i = 0; i < n * size; i += size) {
    for (let b = 0; b < size / 2; b++) {
      const t = own[i + b];
      own[i + b] = own[i + size - 1 - b];
      own[i + size - 1 - b] = t;
    }
  }
  const swapped = { buffer: own.buffer, at: own.byteOffset };
  switch (type) {
    case 'short':
      return new Int16Array(swapped.buffer, swapped.at, n);
    case 'ushort':
      return new Uint16Array(swapped.buffer, swapped.at, n);
    case 'int':
      return new Int32Array(swapped.buffer, swapped.at, n);
    case 'uint':
      return new Uint32Array(swapped.buffer, swapped.at, n);
    case 'float':
      return new Float32Array(swapped.buffer, swapped.at, n);
    case 'double':
      return new Float64Array(swapped.buffer, swapped.at, n);
    case 'int64':
      return Float64Array.from(new BigInt64Array(swapped.buffer, swapped.at, n), Number);
    case 'uint64':
      return Float64Array.from(new BigUint64Array(swapped.buffer, swapped.at, n), Number);
    default:
      throw new InrError('E_UNSUPPORTED', `cannot decode type ${type}`);
  }
}
