/**
 * Evaluating a BEAM model on any tensor grid of query positions (sample-index units, mesh.ts
 * `sampleGrid` / `finerGrid`):
 *   u(x) = Σ_i φ_i(x)·u_i(x),  φ_i = w_i / Σ_j w_j  (Shepard normalisation, pou.ts),
 * with w_i the cell's C¹ window built from its own width and margin. Neighbours of different
 * sizes have different ramps, so the raw windows do not sum to one across a size change; the
 * normalisation makes Σφ_i = 1 exactly wherever some w_j > 0, which holds everywhere in the
 * domain because every position lies in (or on the edge of) some cell's core.
 */
import { featureMatrix } from '../features';
import { normalizeAccumulator, type Accumulator } from '../fit';
import { InrError } from '../../../core/errors';
import type { AxisGrid } from '../mesh';
import { groupCells, rowIndices, tensorProduct, type BeamGroup } from './geometry';
import { featureCountOf, type BeamModel } from './model';
import { beamLayers, type BeamHooks } from './solve';

/** Evaluate the model on `grids` (one AxisGrid per axis). Returns prod(counts)×C values. */
export function evaluateBeam(model: BeamModel, grids: readonly AxisGrid[], hooks: BeamHooks = {}): Float32Array {
  const acc = accumulateBeam(model, grids, hooks);
  return normalizeAccumulator(acc.sum, acc.weight, model.spec.channels);
}

/** Where and into what `accumulateBeam` adds (parallel workers, parallel.ts). */
export interface AccumulateOptions {
  /**
   * Only the queries whose index along the first axis lies in [j0, j1): a slab of the output.
   * Every query is added to by the same cells in the same order as without a slab (the group
   * order, then the cells' order), so slabs evaluated by different threads and put together
   * give the serial result bit for bit.
   */
  slab?: readonly [number, number];
  into?: Accumulator;
  /** `groupCells(spec, cells, grids)`, when the caller has it already. */
  groups?: readonly BeamGroup[];
  /**
   * Feature matrices kept between calls on the same groups (a worker evaluating several slabs):
   * each group's whole H is made once while the kept ones total at most `bytes`.
   */
  cache?: FeatureCache;
}

export interface FeatureCache {
  bytes: number;
  held: Map<BeamGroup, Float64Array>;
}

export function featureCache(bytes = 256 * 2 ** 20): FeatureCache {
  return { bytes, held: new Map() };
}

export function accumulateCheck(model: BeamModel, grids: readonly AxisGrid[]): void {
  if (grids.length !== model.spec.shape.length) throw new InrError('E_ARG', `the model has ${model.spec.shape.length} axes, the query grid ${grids.length}`);
}

/** The unnormalised blend Σ w_i·u_i and Σ w_i per query. */
export function accumulateBeam(model: BeamModel, grids: readonly AxisGrid[], hooks: BeamHooks = {}, opts: AccumulateOptions = {}): Accumulator {
  const { spec, cells, offsets, weights } = model;
  accumulateCheck(model, grids);
  const C = spec.channels;
  const counts = grids.map((g) => g.count);
  const total = counts.reduce((n, c) => n * c, 1);
  const sum = opts.into?.sum ?? new Float64Array(total * C);
  const weight = opts.into?.weight ?? new Float64Array(total);
  const [s0, s1] = opts.slab ?? [0, counts[0]];
  const layers = beamLayers(spec);
  const groups = opts.groups ?? groupCells(spec, cells, grids);
  let done = 0;
  let lastReport = 0;
  for (const g of groups) {
    const m = featureCountOf(spec, g.layer);
    const N = g.rows;
    const len0 = g.coords[0].length;
    if (N === 0) continue;
    // Per member: its rows along the first axis inside the slab, local [l0, l1); their union [iMin, iMax).
    let iMin = len0;
    let iMax = 0;
    const local = g.spans.map((sp) => {
      const l0 = Math.max(sp[0].j0, s0) - sp[0].j0;
      const l1 = Math.min(sp[0].j1, s1) - sp[0].j0;
      if (l0 < l1) {
        iMin = Math.min(iMin, l0);
        iMax = Math.max(iMax, l1);
      }
      return [l0, l1] as const;
    });
    if (iMin >= iMax) continue;
    // H on the rows in the union only (or the whole group's, kept): the partial sums of
    // featureMatrix give every row the same bits whatever the range.
    let H = opts.cache?.held.get(g);
    if (!H && opts.cache && opts.cache.bytes >= N * m * 8) {
      H = featureMatrix(layers[g.layer], g.coords, spec.affine);
      opts.cache.held.set(g, H);
      opts.cache.bytes -= H.byteLength;
    }
    if (H) {
      iMin = 0;
    } else {
      const coords = iMin === 0 && iMax === len0 ? g.coords : [g.coords[0].subarray(iMin, iMax), ...g.coords.slice(1)];
      H = featureMatrix(layers[g.layer], coords, spec.affine);
    }
    const win = tensorProduct(g.windows);
    const inner = N / len0;
    const hBase = iMin * inner;
    const rows = new Int32Array(N);
    const beta = new Float64Array(m * C);
    for (let gi = 0; gi < g.cells.length; gi++) {
      const [l0, l1] = local[gi];
      if (l0 >= l1) continue;
      hooks.checkCancel?.();
      const o = offsets[g.cells[gi]];
      rowIndices(g.spans[gi], counts, rows);
      // βᵀ, channel-major, so each output is a unit-stride dot product with a row of H.
      for (let j = 0; j < m; j++) for (let c = 0; c < C; c++) beta[c * m + j] = weights[o + j * C + c];
      const r1 = l1 * inner;
      for (let r = l0 * inner; r < r1; r++) {
        const wr = win[r];
        if (wr === 0) continue;
        const s = rows[r];
        const ho = (r - hBase) * m;
        for (let c = 0; c < C; c++) {
          const bo = c * m;
          let u0 = 0;
          let u1 = 0;
          let j = 0;
          for (; j + 1 < m; j += 2) {
            u0 += H[ho + j] * beta[bo + j];
            u1 += H[ho + j + 1] * beta[bo + j + 1];
          }
          if (j < m) u0 += H[ho + j] * beta[bo + j];
          sum[s * C + c] += wr * (weights[o + m * C + c] + u0 + u1);
        }
        weight[s] += wr;
      }
      done++;
      if (hooks.onProgress && done - lastReport >= Math.max(1, cells.length / 50)) {
        lastReport = done;
        hooks.onProgress('reconstructing', done / cells.length);
      }
    }
  }
  return { sum, weight };
}

/** Σ_i w_i on a grid: the unnormalised window sum (for tests of the partition of unity). */
export function beamWindowSum(model: BeamModel, grids: readonly AxisGrid[]): Float64Array {
  const counts = grids.map((g) => g.count);
  const weight = new Float64Array(counts.reduce((n, c) => n * c, 1));
  for (const g of groupCells(model.spec, model.cells, grids)) {
    const win = tensorProduct(g.windows);
    const rows = new Int32Array(g.rows);
    for (const spans of g.spans) {
      rowIndices(spans, counts, rows);
      for (let r = 0; r < rows.length; r++) weight[rows[r]] += win[r];
    }
  }
  return weight;
}

/** The partition of unity itself, φ_i = w_i/Σw, summed over cells per query (≡ 1 where defined). */
export function beamPartitionSum(model: BeamModel, grids: readonly AxisGrid[]): Float64Array {
  const counts = grids.map((g) => g.count);
  const W = beamWindowSum(model, grids);
  const phi = new Float64Array(W.length);
  for (const g of groupCells(model.spec, model.cells, grids)) {
    const win = tensorProduct(g.windows);
    const rows = new Int32Array(g.rows);
    for (const spans of g.spans) {
      rowIndices(spans, counts, rows);
      for (let r = 0; r < rows.length; r++) if (W[rows[r]] > 0) phi[rows[r]] += win[r] / W[rows[r]];
    }
  }
  return phi;
}
