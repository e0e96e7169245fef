/**
 * The `.inr` file of a BEAM model: the uniform model file's container (io.ts) with method
 * 'elm-beam' and the adaptive mesh in the header. Layout (little-endian):
 *
 *   0   8 bytes   magic "INRMODEL"
 *   8   u32       format version (1)
 *   12  u32       header length H (JSON, UTF-8, space-padded to a multiple of 8)
 *   16  H bytes   header: { method: "elm-beam", spec, cells, stats, field, weights, software }
 *   16+H          weights: count × float32, cell after cell, each β (features × channels,
 *                 row-major) then the channel means; features = the cell's layer's hidden size
 *                 (+ d + 1 affine columns)
 *
 * `cells` is stored column-wise: { lo: [cell0 axis0, cell0 axis1, …], size: […], level: […],
 * layer: […], norm: […] }. JSON numbers round-trip float64 exactly, and the weights are the float32
 * values the fit evaluated, so a decoded model reproduces the reconstruction bit for bit.
 * `readModelMethod` lets a loader dispatch between this decoder and the uniform one.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../../core/atomic';
import { InrError } from '../../../core/errors';
import type { ModelFieldInfo } from '../io';
import { createBeamModel, type BeamCell, type BeamModel, type BeamSpec, type BeamStats } from './model';

const MAGIC = 'INRMODEL';
const VERSION = 1;

export interface BeamModelFile {
  model: BeamModel;
  field: ModelFieldInfo;
}

interface CellColumns {
  lo: number[];
  size: number[];
  level: number[];
  layer: number[];
  norm: number[];
}

function columns(cells: readonly BeamCell[]): CellColumns {
  return {
    lo: cells.flatMap((c) => c.lo),
    size: cells.flatMap((c) => c.size),
    level: cells.map((c) => c.level),
    layer: cells.map((c) => c.layer),
    norm: cells.map((c) => c.norm),
  };
}

function rows(cols: CellColumns, d: number): BeamCell[] {
  const n = cols.level.length;
  if (cols.lo.length !== n * d || cols.size.length !== n * d || cols.layer.length !== n || cols.norm.length !== n) throw new Error('cell columns have inconsistent lengths');
  return Array.from({ length: n }, (_, i) => ({
    lo: cols.lo.slice(i * d, i * d + d),
    size: cols.size.slice(i * d, i * d + d),
    level: cols.level[i],
    layer: cols.layer[i],
    norm: cols.norm[i] ?? NaN,
  }));
}

export function encodeBeamModel(model: BeamModel, field: ModelFieldInfo): Uint8Array {
  const header = {
    method: 'elm-beam',
    spec: model.spec,
    cells: columns(model.cells),
    stats: model.stats,
    field,
    weights: { dtype: 'float32', count: model.weights.length },
    software: 'INR Studio 0.1.0',
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(16 + json.length + model.weights.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, json.length, true);
  out.set(json, 16);
  const w = model.weights;
  const o = 16 + json.length;
  for (let i = 0; i < w.length; i++) dv.setFloat32(o + 4 * i, w[i], true);
  return out;
}

/** The header's `method` ('elm', 'elm-beam', …) of a model file, or undefined if it is not one. */
export function readModelMethod(bytes: Uint8Array): string | undefined {
  if (bytes.length < 16) return undefined;
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > bytes.length) return undefined;
  try {
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
    return typeof h?.method === 'string' ? h.method : undefined;
  } catch {
    return undefined;
  }
}

export function decodeBeamModel(bytes: Uint8Array, path = 'model'): BeamModelFile {
  const fail = (why: string): never => {
    throw new InrError('E_CORRUPT', `not a valid BEAM .inr model: ${why}`, path);
  };
  if (bytes.length < 16) fail('file too short');
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) fail('bad magic');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) throw new InrError('E_UNSUPPORTED', `model format version ${version} (this build reads ${VERSION})`, path);
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > bytes.length) fail('header overruns the file');
  let header: { method: string; spec: BeamSpec; cells: CellColumns; stats?: BeamStats; field: ModelFieldInfo; weights: { count: number } };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
  } catch {
    return fail('header is not JSON');
  }
  if (header?.method !== 'elm-beam' || header?.spec?.method !== 'elm-beam') fail(`method is ${String(header?.method)}, not elm-beam`);
  const count = header.weights?.count;
  if (!Number.isInteger(count) || 16 + hlen + 4 * count !== bytes.length) fail('weight block has the wrong length');
  const weights = new Float32Array(count);
  const o = 16 + hlen;
  for (let i = 0; i < count; i++) weights[i] = dv.getFloat32(o + 4 * i, true);
  let model: BeamModel;
  try {
    const cells = rows(header.cells, header.spec.shape.length);
    model = createBeamModel(header.spec, cells, weights);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (header.stats) {
    // JSON has no NaN: statistics that were not computed come back as null.
    const st = header.stats as unknown as Record<string, unknown>;
    for (const k of ['balanceUniform', 'balanceStart', 'balanceAfter', 'balanceLoad']) if (st[k] === null) st[k] = NaN;
    model.stats = header.stats;
  }
  return { model, field: header.field };
}

export function saveBeamModel(path: string, model: BeamModel, field: ModelFieldInfo): void {
  writeFileAtomic(path, encodeBeamModel(model, field));
}

export function loadBeamModel(path: string): BeamModelFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new InrError('E_NOT_FOUND', 'cannot read the model file', path);
  }
  return decodeBeamModel(bytes, path);
}
