/**
 * The `.inr` model file. Layout (all little-endian):
 *
 *   0   8 bytes   magic "INRMODEL"
 *   8   u32       format version (1)
 *   12  u32       header length H in bytes (JSON, UTF-8, space-padded to a multiple of 8)
 *   16  H bytes   header: { method, spec, field, weights: { dtype: "float32", count } , software }
 *   16+H          weights: count × float32, per cell β (hidden × channels, row-major) then the
 *                 channel means (channels); with affine terms β has hidden + d rows
 *
 * `spec` holds the mesh (shape, cells, overlap), the hidden layer's seed, activation and
 * frequency scales (omega), and the ridge; `field` holds axes, channels, units and geometry so
 * an evaluation can be written back with the source's geometry. The hidden weights are never
 * stored: they are regenerated from the seed. Loading and evaluating reproduces the fit's
 * reconstruction bit for bit, because the fit itself evaluates the stored float32 weights.
 * A kernel-limit model (spec.kernel, kernel/fit.ts) stores the observed samples as its weights,
 * sample-major, and, when some are missing, which samples were observed as a bit mask in the
 * header (`observed`: base64, bit i of byte i>>3 LSB-first); its cells are solved again on
 * evaluation, so the file holds no more numbers than the data it was fitted to.
 * A random-feature model with flat cells (β all zero: model.ts `isFlatCell`) stores only their
 * channel means: the header's `flat` marks them (base64, one bit per cell as above), and the
 * weight block holds, cell by cell, the full weights of the others and the means of these.
 * With per-cell capacity (spec.cellHidden) a cell stores the β of its own hidden nodes only, then
 * its affine β and means.
 */
import { InrError } from '../../core/errors';
import type { Geometry } from '../../core/field';
import { createModel, isFlatCell, storedRanges, weightsPerCell, type ElmModel, type ElmSpec } from './model';
import { kernelSpecProblem } from './kernel/spec';

const MAGIC = 'INRMODEL';
const VERSION = 1;

export interface ModelFieldInfo {
  axes: string[];
  channels: string[];
  units?: string;
  dtype: string;
  geometry: Geometry;
  source?: string;
}

export interface ModelFile {
  model: ElmModel;
  field: ModelFieldInfo;
}

export function encodeModel(model: ElmModel, field: ModelFieldInfo): Uint8Array {
  if (model.spec.kernel) {
    const { observed, values } = packSamples(model.weights, model.spec.channels);
    return encodeContainer({ method: model.spec.method, spec: model.spec, field, ...(observed ? { observed } : {}) }, values);
  }
  const { flat, values } = packCells(model);
  return encodeContainer({ method: model.spec.method, spec: model.spec, field, ...(flat ? { flat } : {}) }, values);
}

/** One flag per item as the header's bit mask: base64, bit i of byte i>>3, LSB-first. */
function maskOf(flags: Uint8Array): string {
  const bits = new Uint8Array(Math.ceil(flags.length / 8));
  for (let i = 0; i < flags.length; i++) if (flags[i]) bits[i >> 3] |= 1 << (i & 7);
  return Buffer.from(bits).toString('base64');
}

/** A header's bit mask back as one flag per item, `n` items; `what` names it in the error. */
function flagsOf(mask: string, n: number, what: string, fail: (why: string) => never): Uint8Array {
  const bits = Buffer.from(mask, 'base64');
  if (bits.length !== Math.ceil(n / 8)) fail(`${what} mask has the wrong length`);
  const flags = new Uint8Array(n);
  for (let i = 0; i < n; i++) flags[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return flags;
}

/** The weights each cell stores (storedRanges), and the flat cells' bit mask (none flat: undefined). */
function packCells(model: ElmModel): { flat?: string; values: Float32Array } {
  const n = model.mesh.count;
  const flags = new Uint8Array(n);
  let flat = 0;
  for (let id = 0; id < n; id++) flat += flags[id] = isFlatCell(model, id) ? 1 : 0;
  if (flat === 0 && !model.spec.cellHidden) return { values: model.weights };
  const per = weightsPerCell(model.spec);
  const parts = Array.from({ length: n }, (_, id) => storedRanges(model.spec, id, flags[id] === 1));
  const values = new Float32Array(parts.reduce((t, r) => t + r.reduce((u, [a, b]) => u + b - a, 0), 0));
  let j = 0;
  parts.forEach((ranges, id) => {
    for (const [a, b] of ranges) {
      values.set(model.weights.subarray(id * per + a, id * per + b), j);
      j += b - a;
    }
  });
  return { flat: flat ? maskOf(flags) : undefined, values };
}

/** The dense weights of a model stored cell by cell (storedRanges; zero where nothing is stored). */
function unpackCells(values: Float32Array, flat: string | undefined, spec: ElmSpec, cells: number, fail: (why: string) => never): Float32Array {
  const flags = flat === undefined ? new Uint8Array(cells) : flagsOf(flat, cells, 'flat-cell', fail);
  const per = weightsPerCell(spec);
  const out = new Float32Array(cells * per);
  let j = 0;
  for (let id = 0; id < cells; id++) {
    for (const [a, b] of storedRanges(spec, id, flags[id] === 1)) {
      if (j + b - a > values.length) fail('fewer weights than the flat-cell mask and hidden sizes need');
      out.set(values.subarray(j, j + b - a), id * per + a);
      j += b - a;
    }
  }
  if (j !== values.length) fail('more weights than the flat-cell mask and hidden sizes need');
  return out;
}

/** The finite samples (all channels finite) and, when some are not, their bit mask in base64. */
function packSamples(w: Float32Array, C: number): { observed?: string; values: Float32Array } {
  const n = w.length / C;
  const flags = new Uint8Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    let ok = 1;
    for (let c = 0; c < C; c++) if (!Number.isFinite(w[i * C + c])) ok = 0;
    k += flags[i] = ok;
  }
  const values = new Float32Array(k * C);
  let j = 0;
  for (let i = 0; i < n; i++) if (flags[i]) for (let c = 0; c < C; c++) values[j++] = w[i * C + c];
  return { observed: k === n ? undefined : maskOf(flags), values };
}

/** The samples of a kernel-limit model back on the grid (NaN where not observed). */
function unpackSamples(values: Float32Array, observed: string | undefined, n: number, C: number, fail: (why: string) => never): Float32Array {
  if (observed === undefined) {
    if (values.length !== n * C) fail(`expected ${n * C} samples, got ${values.length}`);
    return values;
  }
  const flags = flagsOf(observed, n, 'observed-sample', fail);
  const out = new Float32Array(n * C).fill(NaN);
  let j = 0;
  for (let i = 0; i < n; i++)
    if (flags[i]) {
      if (j + C > values.length) fail('fewer samples than the observed-sample mask marks');
      for (let c = 0; c < C; c++) out[i * C + c] = values[j++];
    }
  if (j !== values.length) fail('more samples than the observed-sample mask marks');
  return out;
}

export function decodeModel(bytes: Uint8Array, path = 'model'): ModelFile {
  const { header, weights, fail } = decodeContainer<{ spec: ElmSpec; field: ModelFieldInfo; observed?: string; flat?: string }>(bytes, path, '.inr model');
  if (header?.spec?.method !== 'elm') fail(`unknown method ${String(header?.spec?.method)}`);
  const spec = header.spec;
  const n = Array.isArray(spec.shape) ? spec.shape.reduce((a, b) => a * b, 1) : NaN;
  if (spec.kernel !== undefined) {
    const why = kernelSpecProblem(spec.kernel, Array.isArray(spec.shape) ? spec.shape.length : 0);
    if (why) fail(why);
  }
  let model: ElmModel;
  try {
    if (spec.kernel) model = createModel(spec, unpackSamples(weights, header.observed, n, spec.channels, fail));
    else if (header.flat !== undefined || spec.cellHidden !== undefined) {
      if (header.flat !== undefined && typeof header.flat !== 'string') fail('flat-cell mask is not a string');
      model = createModel(spec);
      model.weights.set(unpackCells(weights, header.flat, spec, model.mesh.count, fail));
    } else model = createModel(spec, weights);
  } catch (err) {
    if (err instanceof InrError) throw err;
    return fail((err as Error).message);
  }
  return { model, field: header.field };
}

/**
 * The `.inr` container every ELM method writes: the magic, the version, the byte length of a
 * JSON header padded with spaces to 8 bytes, the header (which names the `method`), then the
 * float32 little-endian weights. `header` gets the weight count and the software name added.
 */
export function encodeContainer(header: Record<string, unknown>, weights: Float32Array): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify({ ...header, weights: { dtype: 'float32', count: weights.length }, software: 'INR Studio 0.1.0' }));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(16 + json.length + weights.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, json.length, true);
  out.set(json, 16);
  const o = 16 + json.length;
  for (let i = 0; i < weights.length; i++) dv.setFloat32(o + 4 * i, weights[i], true);
  return out;
}

/** The JSON header of a container, or undefined where the bytes are not one (no throw). */
export function peekContainerHeader(bytes: Uint8Array): Record<string, unknown> | undefined {
  if (bytes.length < 16) return undefined;
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return undefined;
  const hlen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12, true);
  if (16 + hlen > bytes.length) return undefined;
  try {
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
    return h && typeof h === 'object' ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Check and split a container: E_CORRUPT (`not a valid <what>: …`) for anything malformed,
 * E_UNSUPPORTED for another format version. `fail` throws the same kind of error for the
 * caller's own checks of the header.
 */
export function decodeContainer<H>(bytes: Uint8Array, path: string, what: string): { header: H; weights: Float32Array; fail: (why: string) => never } {
  const fail = (why: string): never => {
    throw new InrError('E_CORRUPT', `not a valid ${what}: ${why}`, path);
  };
  if (bytes.length < 16) fail('file too short');
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) fail('bad magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) throw new InrError('E_UNSUPPORTED', `model format version ${version} (this build reads ${VERSION})`, path);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > bytes.length) fail('header overruns the file');
  let header: H & { weights?: { count?: number } };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
  } catch {
    return fail('header is not JSON');
  }
  const count = header?.weights?.count;
  if (!Number.isInteger(count) || 16 + hlen + 4 * (count as number) !== bytes.length) fail('weight block has the wrong length');
  const weights = new Float32Array(count as number);
  const o = 16 + hlen;
  for (let i = 0; i < weights.length; i++) weights[i] = dv.getFloat32(o + 4 * i, true);
  return { header, weights, fail };
}
