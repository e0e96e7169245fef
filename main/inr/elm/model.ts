/**
 * An ELM-INR model: everything needed to evaluate the representation anywhere — the mesh, the
 * hidden layer's seed and scales, and per cell the output weights β (m×C) and the channel means.
 * `params` counts every stored number the reconstruction depends on: the per-cell weights
 * (cells·(m+d+2)·C with the affine terms, cells·(m+1)·C without); the seed, scales and mesh sizes are a handful of header numbers, not
 * counted.
 */
import type { Activation } from './features';
import { uniformMesh, type UniformMesh } from './mesh';
import type { KernelSpec } from './kernel/spec';

export interface ElmSpec {
  method: 'elm';
  /** Sample grid of the fitted data, one length per axis. */
  shape: number[];
  /** Requested cells per axis (the mesh may use fewer on short axes). */
  cells: number[];
  overlap: number;
  hidden: number;
  activation: Activation;
  /** Standard deviation of the hidden weights per axis, in radians per local unit. */
  omega: number[];
  seed: number;
  /** Relative ridge ε: λ = ε·tr(HᵀH)/m per subdomain. */
  ridge: number;
  channels: number;
  /** The local coordinates x̂ and a constant are extra linear features (d+1 more weights per channel). */
  affine: boolean;
  /** Matérn smoothness ν of the hidden weights' spectrum (features.ts); absent: Gaussian. */
  nu?: number;
  /**
   * The pixel model, per axis: the half-width (in samples) of the pixel each input sample
   * averages (0 or absent: point samples). With it, a sample's features are their box averages
   * (features.ts `boxFactors`) and an output sample of a grid averages its own pixel, half a grid
   * step each side: super-resolution then undoes the averaging instead of copying it.
   */
  pixel?: number[];
  /**
   * The kernel limit of the local ELMs (m → ∞ random features, kernel/fit.ts): each cell solves
   * kernel ridge regression on the samples of its context instead of random features; the hidden
   * size, activation and frequency scales are then unused, and the weights are the observed
   * samples (prod(shape)×channels, NaN where unobserved).
   */
  kernel?: KernelSpec;
  /**
   * Band fit of a 0/1 target (fit.ts `bandRefine`): each local fit need only land within ±band
   * of its class value. Fitting only; absent or 0: least squares.
   */
  band?: number;
  /**
   * Per-cell capacity (config.ts `spendPerCell`): cell i uses only the first cellHidden[i] of the
   * `hidden` nodes (β is zero for the rest) and stores only their weights (io.ts). Absent: every
   * cell uses all `hidden` nodes.
   */
  cellHidden?: number[];
}

export interface ElmModel {
  spec: ElmSpec;
  mesh: UniformMesh;
  /** Per cell, row-major: β (features×channels, features = hidden [+ d affine]) then the channel means (channels). */
  weights: Float32Array;
}

/** Columns of the local feature matrix: the hidden nodes, plus, when affine, one per axis and a constant. */
export function featureCount(spec: ElmSpec): number {
  return spec.hidden + (spec.affine ? spec.shape.length + 1 : 0);
}

export function weightsPerCell(spec: ElmSpec): number {
  return (featureCount(spec) + 1) * spec.channels;
}

/** Hidden nodes cell `id` uses (per-cell capacity), else all of them. */
export function cellHiddenOf(spec: ElmSpec, id: number): number {
  return spec.cellHidden?.[id] ?? spec.hidden;
}

/**
 * What cell `id` stores, as ranges of its dense weights: a flat cell its channel means; any other
 * its hidden nodes' β (per-cell capacity: its own first nodes), the affine β and the means. The
 * param count and the file (io.ts) both read it.
 */
export function storedRanges(spec: ElmSpec, id: number, flat: boolean): [number, number][] {
  const per = weightsPerCell(spec);
  const C = spec.channels;
  if (flat) return [[per - C, per]];
  return [
    [0, cellHiddenOf(spec, id) * C],
    [spec.hidden * C, per],
  ];
}

export function createModel(spec: ElmSpec, weights?: Float32Array): ElmModel {
  const mesh = uniformMesh(spec.shape, spec.cells, spec.overlap);
  const ch = spec.cellHidden;
  if (ch !== undefined && (!Array.isArray(ch) || ch.length !== mesh.count || !ch.every((m) => Number.isInteger(m) && m >= 0 && m <= spec.hidden))) {
    throw new RangeError(`per-cell hidden sizes must be ${mesh.count} integers from 0 to ${spec.hidden}`);
  }
  const n = spec.kernel ? spec.shape.reduce((a, b) => a * b, 1) * spec.channels : mesh.count * weightsPerCell(spec);
  if (weights && weights.length !== n) throw new RangeError(`model has ${weights.length} weights, expected ${n}`);
  return { spec, mesh, weights: weights ?? new Float32Array(n) };
}

/** Whether cell `id` is flat: its β all zero, so only its channel means are stored (io.ts). */
export function isFlatCell(model: ElmModel, id: number): boolean {
  const per = weightsPerCell(model.spec);
  const o = id * per;
  const w = model.weights;
  for (let i = o, end = o + per - model.spec.channels; i < end; i++) if (w[i] !== 0) return false;
  return true;
}

/**
 * Stored numbers that reproduce the reconstruction: the per-cell weights, where a flat cell (β all
 * zero: its support held one value, or nothing was observed there) stores its channel means only,
 * and with per-cell capacity a cell stores the weights of its own hidden nodes and its hidden size;
 * kernel limit: the observed samples.
 */
export function paramCount(model: ElmModel): number {
  if (model.spec.kernel) {
    let n = 0;
    for (const v of model.weights) if (Number.isFinite(v)) n++;
    return n;
  }
  let n = 0;
  // With per-cell capacity a cell's hidden size is one more stored number (flat cells need none).
  const size = model.spec.cellHidden ? 1 : 0;
  for (let id = 0; id < model.mesh.count; id++) {
    const flat = isFlatCell(model, id);
    for (const [a, b] of storedRanges(model.spec, id, flat)) n += b - a;
    if (!flat) n += size;
  }
  return n;
}
