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
import { groupCells, rowIndices, tensorProduct } from './geometry';
import { featureCountOf, type BeamModel } from './model';
import { beamLayers, type BeamHooks } from './solve';

/** Evaluate the model on `grids` (one AxisGrid per axis). Returns prod(counts)×C values. */
export function evaluateBeam(model: BeamModel, grids: readonly AxisGrid[], hooks: BeamHooks = {}): Float32Array {
  const acc = accumulateBeam(model, grids, hooks);
  return normalizeAccumulator(acc.sum, acc.weight, model.spec.channels);
}

/** The unnormalised blend Σ w_i·u_i and Σ w_i per query. */
export function accumulateBeam(model: BeamModel, grids: readonly AxisGrid[], hooks: BeamHooks = {}): Accumulator {
  const { spec, cells, offsets, weights } = model;
  if (grids.length !== spec.shape.length) throw new InrError('E_ARG', `the model has ${spec.shape.length} axes, the query grid ${grids.length}`);
  const C = spec.channels;
  const counts = grids.map((g) => g.count);
  const total = counts.reduce((n, c) => n * c, 1);
  const sum = new Float64Array(total * C);
  const weight = new Float64Array(total);
  const layers = beamLayers(spec);
  const groups = groupCells(spec, cells, grids);
  let done = 0;
  let lastReport = 0;
  for (const g of groups) {
    const m = featureCountOf(spec, g.layer);
    const N = g.rows;
    const H = featureMatrix(layers[g.layer], g.coords, spec.affine);
    const win = tensorProduct(g.windows);
    const rows = new Int32Array(N);
    const beta = new Float64Array(m * C);
    for (let gi = 0; gi < g.cells.length; gi++) {
      hooks.checkCancel?.();
      const o = offsets[g.cells[gi]];
      rowIndices(g.spans[gi], counts, rows);
      // βᵀ, channel-major, so each output is a unit-stride dot product with a row of H.
      for (let j = 0; j < m; j++) for (let c = 0; c < C; c++) beta[c * m + j] = weights[o + j * C + c];
      for (let r = 0; r < N; r++) {
        const wr = win[r];
        if (wr === 0) continue;
        const s = rows[r];
        const ho = r * m;
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
