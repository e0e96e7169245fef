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
 */
import { readFileSync } from 'node:fs';
import { InrError } from '../../core/errors';
import { writeFileAtomic } from '../../core/atomic';
import type { Geometry } from '../../core/field';
import { createModel, type ElmModel, type ElmSpec } from './model';

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
  return encodeContainer({ method: model.spec.method, spec: model.spec, field }, model.weights);
}

export function decodeModel(bytes: Uint8Array, path = 'model'): ModelFile {
  const { header, weights, fail } = decodeContainer<{ spec: ElmSpec; field: ModelFieldInfo }>(bytes, path, '.inr model');
  if (header?.spec?.method !== 'elm') fail(`unknown method ${String(header?.spec?.method)}`);
  let model: ElmModel;
  try {
    model = createModel(header.spec, weights);
  } catch (err) {
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

export function saveModel(path: string, model: ElmModel, field: ModelFieldInfo): void {
  writeFileAtomic(path, encodeModel(model, field));
}

export function loadModel(path: string): ModelFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new InrError('E_NOT_FOUND', 'cannot read the model file', path);
  }
  return decodeModel(bytes, path);
}
