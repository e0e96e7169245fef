/**
 * The closed-form solve of a BEAM model's output weights (METHODS.md §1.5): per cell,
 *   β = argmin ‖Hβ − (Y − ȳ)‖² + λ‖β‖²,  λ = ε·tr(HᵀH)/m,
 * through a float64 Gram and Cholesky factor (linalg.ts), on every observed sample of the cell's
 * support (unweighted; the partition of unity only blends). Cells of one group (geometry.ts)
 * share H and, when fully observed, the factor of HᵀH + λI; a partly masked cell gets its own
 * Gram over its observed rows. This is the uniform engine's solve (fit.ts) with the group key
 * extended by hidden layer and cell size.
 */
import { featureMatrix, hiddenLayer, type HiddenLayer } from '../features';
import { solveLocal, type FitHooks, type FitInput } from '../fit';
import type { Factor } from '../linalg';
import { sampleGrid } from '../mesh';
import { groupCells, rowIndices, type BeamGroup } from './geometry';
import { featureCountOf, type BeamModel, type BeamSpec } from './model';

export type BeamHooks = Pick<FitHooks, 'onProgress' | 'checkCancel'>;

export interface SolveOptions {
  /** Only solve these cells (the others keep their weights). */
  cells?: readonly number[];
  /** Score each solved local model on the support samples flagged here (see the result). */
  score?: Uint8Array;
  /**
   * Give cells with no observed sample the mean of the solved cells' means (default true). A
   * parallel worker solves part of the cells and leaves this to the coordinator, which needs
   * every cell solved first (see `completeEmpty`).
   */
  fill?: boolean;
}

export interface SolveResult {
  /** Σ of squared local-model errors over scored samples and channels (0 without `score`). */
  sse: number;
  /** Number of scored values. */
  count: number;
  /** Cells that saw no observed sample, in solve order. */
  empty: number[];
}

/** The hidden layers of a spec, regenerated from its seed. */
export function beamLayers(spec: BeamSpec): HiddenLayer[] {
  return spec.layers.map((l) => hiddenLayer(spec.seed, l.hidden, l.omega, spec.activation));
}

/**
 * Fill `model.weights` by per-cell ridge solves. Weights are rounded to float32, which is what is
 * stored and evaluated. Cells with no observed sample get the mean of the other cells' means.
 */
export function solveBeam(input: FitInput, model: BeamModel, hooks: BeamHooks = {}, opts: SolveOptions = {}): SolveResult {
  const { values, shape, channels: C, mask } = input;
  const { spec, cells, offsets, weights } = model;
  const layers = beamLayers(spec);
  const grids = shape.map((L) => sampleGrid(L));
  const groups = groupCells(spec, cells, grids, opts.cells);
  const total = groups.reduce((n, g) => n + g.cells.length, 0);
  const empty: number[] = [];
  const solved: number[] = [];
  const score = opts.score;
  let sse = 0;
  let count = 0;
  let done = 0;
  let lastReport = 0;
  for (const g of groups) {
    const m = featureCountOf(spec, g.layer);
    const N = g.rows;
    const H = featureMatrix(layers[g.layer], g.coords, spec.affine);
    let shared: Factor | undefined;
    const rows = new Int32Array(N);
    const observed = new Int32Array(N);
    const Y = new Float64Array(N * C);
    const R = new Float64Array(m * C);
    const mean = new Float64Array(C);
    for (let gi = 0; gi < g.cells.length; gi++) {
      hooks.checkCancel?.();
      const id = g.cells[gi];
      rowIndices(g.spans[gi], shape, rows);
      let nObs = 0;
      mean.fill(0);
      for (let r = 0; r < N; r++) {
        const s = rows[r];
        let ok = !mask || mask[s] === 1;
        for (let c = 0; c < C; c++) {
          const v = values[s * C + c];
          Y[r * C + c] = v;
          if (!Number.isFinite(v)) ok = false;
        }
        if (ok) {
          observed[nObs++] = r;
          for (let c = 0; c < C; c++) mean[c] += Y[r * C + c];
        }
      }
      const o = offsets[id];
      if (nObs === 0) {
        weights.fill(0, o, offsets[id + 1]);
        empty.push(id);
      } else {
        shared = solveLocal(H, N, m, Y, C, observed, nObs, mean, spec.ridge, shared, R, weights, o, spec.band);
        solved.push(id);
        if (score) {
          const e = localError(H, m, C, weights, o, rows, Y, mean, score);
          sse += e.sse;
          count += e.count;
        }
      }
      done++;
      if (hooks.onProgress && done - lastReport >= Math.max(1, total / 50)) {
        lastReport = done;
        hooks.onProgress('solving subdomains', done / total);
      }
    }
  }
  if (opts.fill ?? true) fillEmpty(model, empty, solved);
  return { sse, count, empty };
}

/** Squared error of one local model (stored float32 weights) on the scored rows of its support. */
function localError(
  H: Float64Array,
  m: number,
  C: number,
  w: Float32Array,
  o: number,
  rows: Int32Array,
  Yc: Float64Array,
  mean: Float64Array,
  score: Uint8Array,
): { sse: number; count: number } {
  let sse = 0;
  let count = 0;
  for (let r = 0; r < rows.length; r++) {
    if (!score[rows[r]]) continue;
    for (let c = 0; c < C; c++) {
      const y = Yc[r * C + c] + mean[c];
      if (!Number.isFinite(y)) continue;
      let u = w[o + m * C + c];
      for (let j = 0; j < m; j++) u += H[r * m + j] * w[o + j * C + c];
      sse += (u - y) * (u - y);
      count++;
    }
  }
  return { sse, count };
}

/**
 * After a solve split between threads (`fill: false`): fill the `empty` cells exactly as one
 * `solveBeam` over every cell would, i.e. summing the solved cells' means in its solve order
 * (group by group, `groupCells` on the sample grid), so that the weights match bit for bit.
 */
export function completeEmpty(input: FitInput, model: BeamModel, empty: Uint8Array, groups?: readonly BeamGroup[]): void {
  if (!empty.includes(1)) return;
  const solved: number[] = [];
  const none: number[] = [];
  for (const g of groups ??
    groupCells(
      model.spec,
      model.cells,
      input.shape.map((L) => sampleGrid(L)),
    ))
    for (const id of g.cells) (empty[id] ? none : solved).push(id);
  fillEmpty(model, none, solved);
}

/** Cells that saw no observed sample predict the mean of the solved cells' means (0 if none). */
function fillEmpty(model: BeamModel, empty: number[], solved: number[]): void {
  if (empty.length === 0) return;
  const { spec, cells, offsets, weights } = model;
  const C = spec.channels;
  const sum = new Float64Array(C);
  let n = 0;
  for (const id of solved) {
    const base = offsets[id] + featureCountOf(spec, cells[id].layer) * C;
    for (let c = 0; c < C; c++) sum[c] += weights[base + c];
    n++;
  }
  for (const id of empty) {
    const base = offsets[id] + featureCountOf(spec, cells[id].layer) * C;
    for (let c = 0; c < C; c++) weights[base + c] = n ? sum[c] / n : 0;
  }
}
