/**
 * The HDF5 worker thread: every h5wasm call of the engine happens here, one request at a time.
 *
 * Why a thread of its own: libhdf5 can loop forever on a corrupt file (seen while fuzzing: a
 * corrupt DIMENSION_LIST attribute, a one-byte change in an object header), and a synchronous
 * wasm call cannot be interrupted from the same thread. The client (hdf5-client.ts) times each
 * request out and terminates the thread; it also discards a thread whose libhdf5 trapped, lost
 * its consistency (see `libraryHealthy`) or grew its heap too large. The thread also swallows
 * libhdf5's error-stack printout, which h5wasm's NODERAWFS build writes straight to file
 * descriptor 2, and turns its innermost line into the error message.
 *
 * NetCDF-4 on HDF5 (NUG "NetCDF-4 Format" and FORMATS.md §7.2): dimensions are dimension scales
 * (HDF5 DS API, `CLASS = "DIMENSION_SCALE"`); a variable's axes are named after the scales
 * attached to them; a dimension without coordinate variable is a scale whose `NAME` starts "This
 * is a netCDF dimension but not a netCDF variable", hidden from the variable list.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type * as H5 from 'h5wasm/node';
import type { NcAttributes, NcDimension, NcType, NcVariable, RawArray } from './model';
import type { Hdf5Catalog, Hdf5Message, Hdf5Reply, WritePlan } from './hdf5-protocol';

// ---- libhdf5 diagnostics: captured, never printed -------------------------------------------

let diagnostics = '';
/** Where the current request is in the file, for error messages: "/u (attributes)". */
let where = '';
const realWriteSync = fs.writeSync;
(fs as unknown as { writeSync: (...args: unknown[]) => number }).writeSync = (...args: unknown[]): number => {
  const [fd, buffer, offset, length] = args as [number, Uint8Array | string, number | undefined, number | undefined];
  if (fd !== 2) return (realWriteSync as (...a: unknown[]) => number)(...args);
  const text = typeof buffer === 'string' ? buffer : Buffer.from(buffer.buffer, buffer.byteOffset + (offset ?? 0), length ?? buffer.byteLength).toString('utf8');
  diagnostics = (diagnostics + text).slice(-16_384);
  return typeof buffer === 'string' ? Buffer.byteLength(buffer) : (length ?? buffer.byteLength);
};

/**
 * Emscripten's print and printErr (console.log and console.warn of this thread) are dropped
 * here rather than piped to the parent and discarded there: a worker stdio stream that the
 * parent reads holds the parent's event loop open for as long as the thread lives, so the CLI
 * never exited after reading a NetCDF-4 file. The dev entry (hdf5-worker-dev.mjs) does the same
 * before it loads h5wasm.
 */
for (const stream of [process.stdout, process.stderr]) {
  (stream as unknown as { write: (...args: unknown[]) => boolean }).write = (...args: unknown[]): boolean => {
    const done = args[args.length - 1];
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
}

/** The innermost message of libhdf5's error stack ("truncated file: eof = …"), if any. */
function lastDiagnostic(): string | undefined {
  const lines = [...diagnostics.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)];
  return lines.length ? lines[lines.length - 1][1].trim() : undefined;
}

// ---- h5wasm, loaded with the Electron `navigator` workaround of its README -------------------

const navigatorDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
if (navigatorDescriptor?.configurable) Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
let h5: typeof H5;
try {
  h5 = await import('h5wasm/node');
  await h5.ready;
} finally {
  if (navigatorDescriptor?.configurable) Object.defineProperty(globalThis, 'navigator', navigatorDescriptor);
}
const Module = h5.Module;

/**
 * A wasm trap (out-of-bounds access, `unreachable`) inside libhdf5 unwinds it mid-call and leaves
 * the library's internal state broken for every later call (seen while fuzzing: errors stop being
 * reported, healthy files fail). Such an error is never swallowed, and the reply tells the client
 * to discard this worker.
 */
function isTrap(err: unknown): boolean {
  return err instanceof Error && err.name === 'RuntimeError';
}

/**
 * Whether libhdf5 still reports errors: opening a file that does not exist must print an error
 * stack. Some failures deep in the library (seen: `H5DSiterate_scales` on a corrupt
 * DIMENSION_LIST) leave it in a state where errors go unreported and healthy files fail to open;
 * a worker in that state is discarded. Costs about 2 ms.
 */
function libraryHealthy(): boolean {
  const saved = diagnostics;
  diagnostics = '';
  try {
    const probe = new h5.File('/nonexistent-inr-studio-probe/probe.h5', 'r');
    return probe.file_id < 0n && diagnostics.includes('HDF5-DIAG');
  } catch {
    return false;
  } finally {
    diagnostics = saved;
  }
}

class WorkerError extends Error {
  constructor(
    readonly code: 'E_CORRUPT' | 'E_UNSUPPORTED' | 'E_TOO_LARGE' | 'E_ARG' | 'E_INTERNAL',
    message: string,
  ) {
    super(message);
  }
}

// ---- types and values -----------------------------------------------------------------------

type H5Metadata = H5.Metadata;

/** The NetCDF type of an HDF5 datatype, or undefined for classes we do not read. */
function ncType(md: H5Metadata): NcType | undefined {
  if (md.type === 0) {
    const map: Record<number, [NcType, NcType]> = { 1: ['byte', 'ubyte'], 2: ['short', 'ushort'], 4: ['int', 'uint'], 8: ['int64', 'uint64'] };
    const pair = map[md.size];
    return pair ? pair[md.signed ? 0 : 1] : undefined;
  }
  if (md.type === 1) return md.size === 4 ? 'float' : md.size === 8 ? 'double' : undefined;
  if (md.type === 3) return 'string';
  return undefined;
}

/** Swap the bytes of every element in place (h5wasm hands out data in the file's byte order). */
function swapInPlace(a: ArrayBufferView, size: number): void {
  const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  for (let i = 0; i + size <= b.length; i += size) {
    for (let k = 0; k < size / 2; k++) {
      const t = b[i + k];
      b[i + k] = b[i + size - 1 - k];
      b[i + size - 1 - k] = t;
    }
  }
}

/** Numbers out of what h5wasm returns for an integer or float object. */
function toRaw(data: unknown, md: H5Metadata): RawArray {
  if (!ArrayBuffer.isView(data)) {
    if (typeof data === 'number' || typeof data === 'bigint') return Float64Array.of(Number(data));
    throw new WorkerError('E_UNSUPPORTED', 'unexpected HDF5 data');
  }
  if (!md.littleEndian && md.size > 1) swapInPlace(data, md.size);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, Number);
  return data as RawArray;
}

const HIDDEN_ATTRIBUTES = new Set([
  'CLASS',
  'NAME',
  'REFERENCE_LIST',
  'DIMENSION_LIST',
  '_Netcdf4Dimid',
  '_Netcdf4Coordinates',
  '_NCProperties',
  '_nc3_strict',
  '_SuperblockVersion',
  '_IsNetcdf4',
]);

type HasAttrs = H5.Group | H5.Dataset;

/** The attributes we can represent (numbers and text), bookkeeping hidden, sizes capped. */
function readAttributes(obj: HasAttrs, maxBytes: number): NcAttributes {
  const out: NcAttributes = {};
  for (const name of Module.get_attribute_names(obj.file_id, obj.path)) {
    if (HIDDEN_ATTRIBUTES.has(name)) continue;
    const md = Module.get_attribute_metadata(obj.file_id, obj.path, name);
    const type = ncType(md);
    if (!type || !md.shape) continue;
    const n = md.shape.reduce((a, b) => a * b, 1);
    if (n * md.size > maxBytes) continue;
    const value = obj.get_attribute(name, false);
    if (type === 'string') {
      const text = Array.isArray(value) ? value.map(String).join('\n') : String(value ?? '');
      out[name] = { type: md.vlen ? 'string' : 'char', value: text };
    } else if (!md.vlen) {
      out[name] = { type, value: Array.from(toRaw(value, md)) };
    }
  }
  return out;
}

/** A text attribute (CLASS, NAME of dimension scales), or undefined when absent or unreadable. */
function textAttribute(obj: HasAttrs, name: string): string | undefined {
  try {
    if (!Module.get_attribute_names(obj.file_id, obj.path).includes(name)) return undefined;
    const md = Module.get_attribute_metadata(obj.file_id, obj.path, name);
    if (md.type !== 3) return undefined;
    const v = obj.get_attribute(name, false);
    return typeof v === 'string' ? v : undefined;
  } catch (err) {
    if (isTrap(err)) throw err;
    return undefined;
  }
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

const PLACEHOLDER = 'This is a netCDF dimension but not a netCDF variable';

function openFile(path: string, mode: 'r' | 'w'): H5.File {
  const f = new h5.File(path, mode, { track_order: mode === 'w' });
  if (f.file_id < 0n) {
    throw new WorkerError('E_CORRUPT', `not a readable HDF5 file (${lastDiagnostic() ?? 'libhdf5 cannot open it'})`);
  }
  return f;
}

// ---- catalog --------------------------------------------------------------------------------

/** A dataset found while walking the groups, before its axes are named. */
interface Found {
  name: string;
  ds: H5.Dataset;
  md: H5Metadata;
  shape: number[];
  /** A dimension scale: a coordinate variable, or a bare dimension when `placeholder`. */
  isScale: boolean;
  placeholder: boolean;
}

/** NC_MAX_VAR_DIMS: the longest `_Netcdf4Coordinates` we accept. */
const MAX_RANK = 1024;

/** A small integer attribute (the `_Netcdf4*` bookkeeping), or undefined. */
function intAttribute(obj: H5.Dataset, name: string): number[] | undefined {
  if (!Module.get_attribute_names(obj.file_id, obj.path).includes(name)) return undefined;
  const md = Module.get_attribute_metadata(obj.file_id, obj.path, name);
  if (md.type !== 0 || !md.shape || md.shape.reduce((a, b) => a * b, 1) > MAX_RANK) return undefined;
  return Array.from(toRaw(obj.get_attribute(name, false), md));
}

function catalog(path: string, limits: { maxAttributeBytes: number; maxObjects: number }): Hdf5Catalog {
  const f = openFile(path, 'r');
  try {
    const found: Found[] = [];
    let objects = 0;
    const visit = (group: H5.Group, prefix: string, depth: number): void => {
      where = `/${prefix} (member list)`;
      for (const key of group.keys()) {
        if (++objects > limits.maxObjects) throw new WorkerError('E_TOO_LARGE', `more than ${limits.maxObjects} HDF5 objects`);
        where = `/${prefix}${key} (object type)`;
        const entity = group.get(key);
        if (entity instanceof h5.Group) {
          if (depth < 8) visit(entity, `${prefix}${key}/`, depth + 1);
          continue;
        }
        if (!(entity instanceof h5.Dataset)) continue;
        where = `/${prefix}${key} (datatype and shape)`;
        const md = entity.metadata;
        if (!md.shape) continue;
        const shape = md.shape.map(Number);
        const isScale = shape.length === 1 && textAttribute(entity, 'CLASS') === 'DIMENSION_SCALE';
        const placeholder = isScale && (textAttribute(entity, 'NAME') ?? '').startsWith(PLACEHOLDER);
        found.push({ name: `${prefix}${key}`, ds: entity, md, shape, isScale, placeholder });
      }
    };
    visit(f, '', 0);

    // netCDF-C numbers dimensions (`_Netcdf4Dimid` on each scale) and lists each variable's
    // (`_Netcdf4Coordinates`): the cheap, safe route. Attached scales are the general HDF5 one.
    const byDimid = new Map<number, Found>();
    for (const x of found) {
      if (!x.isScale) continue;
      where = `/${x.name} (dimension id)`;
      const id = intAttribute(x.ds, '_Netcdf4Dimid')?.[0];
      if (id !== undefined) byDimid.set(id, x);
    }
    const phony = new Map<number, string>();
    const phonyName = (size: number): string => {
      let name = phony.get(size);
      if (!name) phony.set(size, (name = `phony_dim_${phony.size}`));
      return name;
    };
    const axisNames = (x: Found): string[] => {
      if (x.isScale) return [basename(x.name)];
      where = `/${x.name} (dimension ids)`;
      const ids = intAttribute(x.ds, '_Netcdf4Coordinates');
      if (ids && ids.length === x.shape.length && ids.every((id, i) => byDimid.get(id)?.shape[0] === x.shape[i])) {
        return ids.map((id) => basename((byDimid.get(id) as Found).name));
      }
      where = `/${x.name} (dimension scales)`;
      return x.shape.map((size, i) => {
        const scales = x.ds.get_attached_scales(i);
        if (!libraryHealthy()) throw new WorkerError('E_CORRUPT', `corrupt dimension scales on dataset /${x.name}`);
        return scales.length > 0 && scales[0] ? basename(scales[0]) : phonyName(size);
      });
    };

    const dims = new Map<string, NcDimension>();
    const variables: NcVariable[] = [];
    for (const x of found) {
      const dimensions = axisNames(x);
      dimensions.forEach((d, i) => {
        if (!dims.has(d)) dims.set(d, { name: d, size: x.shape[i] });
      });
      if (x.placeholder) continue;
      where = `/${x.name} (attributes)`;
      variables.push({ name: x.name, dimensions, shape: x.shape, type: ncType(x.md), attributes: readAttributes(x.ds, limits.maxAttributeBytes) });
    }
    where = '/ (global attributes)';
    return { dimensions: [...dims.values()], variables, attributes: readAttributes(f, limits.maxAttributeBytes) };
  } finally {
    f.close();
  }
}

// ---- read -----------------------------------------------------------------------------------

function read(path: string, variable: string, start: number[], count: number[]): RawArray {
  const f = openFile(path, 'r');
  try {
    where = `/${variable}`;
    const ds = f.get(variable);
    if (!(ds instanceof h5.Dataset)) throw new WorkerError('E_ARG', `no dataset ${variable}`);
    const md = ds.metadata;
    if (!md.shape || md.shape.length !== start.length) throw new WorkerError('E_CORRUPT', `dataset ${variable} changed shape`);
    const type = ncType(md);
    if (!type || type === 'string' || md.vlen) throw new WorkerError('E_UNSUPPORTED', `dataset ${variable} is not numeric`);
    md.shape.forEach((s, i) => {
      if (start[i] < 0 || count[i] < 1 || start[i] + count[i] > Number(s)) throw new WorkerError('E_ARG', `selection outside dataset ${variable}`);
    });
    where = `/${variable} (data)`;
    const data = md.shape.length === 0 ? ds.value : ds.slice(start.map((s, i) => [s, s + count[i]] as [number, number]));
    return toRaw(data, md);
  } finally {
    f.close();
  }
}

// ---- write ----------------------------------------------------------------------------------

const DTYPE: Partial<Record<NcType, string>> = {
  byte: '<b',
  ubyte: '<B',
  short: '<h',
  ushort: '<H',
  int: '<i',
  uint: '<I',
  int64: '<q',
  uint64: '<Q',
  float: '<f',
  double: '<d',
};

function typedAttribute(type: NcType, values: number[]): ArrayBufferView {
  switch (type) {
    case 'byte':
      return Int8Array.from(values);
    case 'ubyte':
      return Uint8Array.from(values);
    case 'short':
      return Int16Array.from(values);
    case 'ushort':
      return Uint16Array.from(values);
    case 'int':
      return Int32Array.from(values);
    case 'uint':
      return Uint32Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'uint64':
      return BigUint64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'float':
      return Float32Array.from(values);
    default:
      return Float64Array.from(values);
  }
}

function writeAttributes(obj: HasAttrs, attrs: NcAttributes): void {
  for (const [name, a] of Object.entries(attrs)) {
    if (typeof a.value === 'string') {
      const bytes = Buffer.byteLength(a.value, 'utf8');
      // Fixed-length strings read back as classic `char` attributes everywhere (FORMATS.md §6.5).
      if (bytes > 0) obj.create_attribute(name, a.value, null, `S${bytes}`);
    } else if (a.value.length > 0 && a.type !== 'char' && a.type !== 'string') {
      obj.create_attribute(name, typedAttribute(a.type, a.value) as never, [a.value.length], DTYPE[a.type] ?? '<d');
    }
  }
}

/** Chunks of about 1 MiB or less: whole trailing dimensions, 1 along the leading ones. */
function chunking(shape: number[], size: number): number[] {
  const chunks = shape.map(() => 1);
  let bytes = size;
  for (let i = shape.length - 1; i >= 0; i--) {
    const take = Math.max(1, Math.min(shape[i], Math.floor((1 << 20) / bytes)));
    chunks[i] = take;
    bytes *= take;
    if (take < shape[i]) break;
  }
  return chunks;
}

function write(path: string, plan: WritePlan): null {
  const f = openFile(path, 'w');
  try {
    const size = new Map(plan.dimensions.map((d) => [d.name, d.size]));
    for (const v of plan.variables) {
      const shape = v.dimensions.map((d) => size.get(d) ?? 0);
      const dtype = DTYPE[v.type];
      if (!dtype) throw new WorkerError('E_ARG', `cannot write type ${v.type}`);
      const compressed = shape.length > 0 && v.data.length > 1024;
      f.create_dataset({
        name: v.name,
        data: v.data as never,
        shape,
        dtype,
        ...(compressed ? { chunks: chunking(shape, v.data.BYTES_PER_ELEMENT), compression: 4 } : {}),
      });
      const ds = f.get(v.name) as H5.Dataset;
      if (v.dimensions.length === 1 && v.dimensions[0] === v.name) ds.make_scale(v.name);
    }
    for (const v of plan.variables) {
      const ds = f.get(v.name) as H5.Dataset;
      if (!(v.dimensions.length === 1 && v.dimensions[0] === v.name)) {
        v.dimensions.forEach((d, i) => ds.attach_scale(i, `/${d}`));
      }
      writeAttributes(ds, v.attributes);
    }
    writeAttributes(f, plan.attributes);
    return null;
  } finally {
    f.close();
  }
}

// ---- dispatch -------------------------------------------------------------------------------

function handle(msg: Hdf5Message): { result: unknown; transfer: ArrayBuffer[] } {
  switch (msg.op) {
    case 'catalog':
      return { result: catalog(msg.path, msg.limits), transfer: [] };
    case 'read': {
      let data = read(msg.path, msg.variable, msg.start, msg.count);
      // Transfer only a buffer the array owns whole (never a view into the wasm heap).
      if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
      return { result: data, transfer: [data.buffer as ArrayBuffer] };
    }
    case 'write':
      return { result: write(msg.path, msg.plan), transfer: [] };
  }
}

parentPort?.on('message', (msg: Hdf5Message) => {
  diagnostics = '';
  where = '';
  let reply: Hdf5Reply;
  let transfer: ArrayBuffer[] = [];
  try {
    const r = handle(msg);
    // A result obtained while the library broke cannot be trusted.
    if (!libraryHealthy()) throw new WorkerError('E_CORRUPT', 'libhdf5 lost its consistency while reading this file; it is probably corrupt');
    transfer = r.transfer;
    reply = { id: msg.id, ok: true, result: r.result, wasmBytes: Module.HEAPU8.length };
  } catch (err) {
    const code = err instanceof WorkerError ? err.code : msg.op === 'write' ? 'E_INTERNAL' : 'E_CORRUPT';
    const raw = err instanceof Error ? err.message : String(err);
    const detail = lastDiagnostic();
    const cause = err instanceof WorkerError ? raw : detail ? `libhdf5: ${detail}` : `h5wasm: ${raw}`;
    const message = where && !(err instanceof WorkerError) ? `corrupt HDF5 structure at ${where} (${cause})` : cause;
    reply = { id: msg.id, ok: false, error: { code, message }, wasmBytes: Module.HEAPU8.length, discard: isTrap(err) || !libraryHealthy() };
  }
  parentPort?.postMessage(reply, transfer);
});

parentPort?.postMessage({ ready: true });
