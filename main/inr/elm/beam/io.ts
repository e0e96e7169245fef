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
import { decodeContainer, encodeContainer, peekContainerHeader, type ModelFieldInfo } from '../io';
import { createBeamModel, type BeamCell, type BeamModel, type BeamSpec, type BeamStats } from './model';

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
  return encodeContainer({ method: 'elm-beam', spec: model.spec, cells: columns(model.cells), stats: model.stats, field }, model.weights);
}

/** The header's `method` ('elm', 'elm-beam', …) of a model file, or undefined if it is not one. */
export function readModelMethod(bytes: Uint8Array): string | undefined {
  const h = peekContainerHeader(bytes);
  return typeof h?.method === 'string' ? h.method : undefined;
}

export function decodeBeamModel(bytes: Uint8Array, path = 'model'): BeamModelFile {
  type Header = { method: string; spec: BeamSpec; cells: CellColumns; stats?: BeamStats; field: ModelFieldInfo };
  const { header, weights, fail } = decodeContainer<Header>(bytes, path, 'BEAM .inr model');
  if (header?.method !== 'elm-beam' || header?.spec?.method !== 'elm-beam') fail(`method is ${String(header?.method)}, not elm-beam`);
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
