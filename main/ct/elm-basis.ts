/**
 * The ELM-INR image as a linear map of its output weights, u = Φ·β, for CT (where the data are
 * projections of u, not samples of it).
 *
 * The model is ELM-INR's own (main/inr/elm: mesh.ts, features.ts, pou.ts, fit.ts): overlapping
 * cells on the pixel grid, each with the frozen random features H_i (plus the local affine
 * columns) on its local coordinates, blended by the Shepard-normalised partition of unity:
 *   u(p) = Σ_i φ_i(p) · H_i(p)·β_i,   φ_i = w_i / Σ_j w_j.
 * Cells with the same sampling pattern share H (a handful of "patches" on a uniform mesh), so
 * only one feature matrix per patch is kept. Per cell, its support box (a rectangle of pixels)
 * and φ_i on it are stored.
 *   Φβ:   u[p] += φ_i[r]·(H[r,:]·β_i) over the rows r of every cell,
 *   Φᵀv:  β_i = Σ_r φ_i[r]·v[p_r]·H[r,:],
 * both in float64 and exact transposes of each other. The per-cell channel mean of the stored
 * model is unused here (kept at 0; the affine columns carry a constant), so evaluating the
 * stored float32 model with `evaluateElm` gives the same image up to float32 rounding of β.
 */
import { featureMatrix, hiddenLayer } from '../inr/elm/features';
import { cellIndex, cellSpan, localCoord, sampleGrid, uniformMesh, type CellSpan, type UniformMesh } from '../inr/elm/mesh';
import { axisWindow } from '../inr/elm/pou';
import { windowSum } from '../inr/elm/fit';
import { createModel, featureCount, weightsPerCell, type ElmModel, type ElmSpec } from '../inr/elm/model';
import type { PixelBox } from './radon';

export interface BasisPatch {
  /** N × m feature matrix, row-major over the support box. */
  H: Float64Array;
  rows: number;
  /** Box height and width. */
  bh: number;
  bw: number;
  cells: number[];
}

export interface ElmBasis {
  spec: ElmSpec;
  mesh: UniformMesh;
  height: number;
  width: number;
  /** Features per cell (hidden + affine columns). */
  m: number;
  cells: number;
  patches: BasisPatch[];
  /** Per cell: its patch, support box and normalised PU weights (row-major over the box). */
  cellPatch: Int32Array;
  cellBox: PixelBox[];
  cellPhi: Float64Array[];
}

function patchKey(spans: CellSpan[]): string {
  return spans.map((s) => `${s.j1 - s.j0}@${s.t0.toFixed(9)}`).join('|');
}

/** Build Φ for a 2-D ELM spec on its own sample grid (spec.shape = [H, W]). */
export function elmBasis(spec: ElmSpec): ElmBasis {
  const [height, width] = spec.shape;
  const mesh = uniformMesh(spec.shape, spec.cells, spec.overlap);
  const grids = spec.shape.map((L) => sampleGrid(L));
  const layer = hiddenLayer(spec.seed, spec.hidden, spec.omega, spec.activation);
  const m = featureCount(spec);
  const wsum = windowSum(mesh, grids);
  const spans = mesh.axes.map((ax, a) => Array.from({ length: ax.cells }, (_, k) => cellSpan(ax, grids[a], k)));
  const byKey = new Map<string, number>();
  const patches: BasisPatch[] = [];
  const cellPatch = new Int32Array(mesh.count);
  const cellBox: PixelBox[] = [];
  const cellPhi: Float64Array[] = [];
  const k: number[] = [];
  for (let id = 0; id < mesh.count; id++) {
    cellIndex(mesh, id, k);
    const sp = k.map((ki, a) => spans[a][ki]);
    const key = patchKey(sp);
    let pi = byKey.get(key);
    if (pi === undefined) {
      const coords = sp.map((s, a) => Float64Array.from({ length: s.j1 - s.j0 }, (_, i) => localCoord(mesh.axes[a], s.t0 + i)));
      const bh = sp[0].j1 - sp[0].j0;
      const bw = sp[1].j1 - sp[1].j0;
      patches.push({ H: featureMatrix(layer, coords, spec.affine), rows: bh * bw, bh, bw, cells: [] });
      pi = patches.length - 1;
      byKey.set(key, pi);
    }
    patches[pi].cells.push(id);
    cellPatch[id] = pi;
    const box = { i0: sp[0].j0, i1: sp[0].j1, j0: sp[1].j0, j1: sp[1].j1 };
    cellBox.push(box);
    const bw = box.j1 - box.j0;
    const phi = new Float64Array((box.i1 - box.i0) * bw);
    const wy = Float64Array.from({ length: box.i1 - box.i0 }, (_, i) => axisWindow(sp[0].t0 + i, mesh.axes[0].width, mesh.axes[0].margin));
    const wx = Float64Array.from({ length: bw }, (_, j) => axisWindow(sp[1].t0 + j, mesh.axes[1].width, mesh.axes[1].margin));
    for (let i = 0; i < wy.length; i++) {
      for (let j = 0; j < bw; j++) {
        const p = (box.i0 + i) * width + box.j0 + j;
        const s = wsum[p];
        phi[i * bw + j] = s > 0 ? (wy[i] * wx[j]) / s : 0;
      }
    }
    cellPhi.push(phi);
  }
  return { spec, mesh, height, width, m, cells: mesh.count, patches, cellPatch, cellBox, cellPhi };
}

/** u = Φ β (β: cells × m, row-major). `out` (H·W) is overwritten. */
export function basisApply(B: ElmBasis, beta: Float64Array, out?: Float64Array): Float64Array {
  const u = out ?? new Float64Array(B.height * B.width);
  u.fill(0);
  const m = B.m;
  const W = B.width;
  for (let id = 0; id < B.cells; id++) {
    const P = B.patches[B.cellPatch[id]];
    const H = P.H;
    const box = B.cellBox[id];
    const phi = B.cellPhi[id];
    const bo = id * m;
    for (let i = 0, r = 0; i < P.bh; i++) {
      const row = (box.i0 + i) * W + box.j0;
      for (let j = 0; j < P.bw; j++, r++) {
        const w = phi[r];
        if (w === 0) continue;
        const ho = r * m;
        let s0 = 0;
        let s1 = 0;
        let q = 0;
        for (; q + 1 < m; q += 2) {
          s0 += H[ho + q] * beta[bo + q];
          s1 += H[ho + q + 1] * beta[bo + q + 1];
        }
        if (q < m) s0 += H[ho + q] * beta[bo + q];
        u[row + j] += w * (s0 + s1);
      }
    }
  }
  return u;
}

/** β = Φᵀ v (v: H·W). `out` (cells × m) is overwritten. */
export function basisAdjoint(B: ElmBasis, v: ArrayLike<number>, out?: Float64Array): Float64Array {
  const m = B.m;
  const beta = out ?? new Float64Array(B.cells * m);
  beta.fill(0);
  const W = B.width;
  for (let id = 0; id < B.cells; id++) {
    const P = B.patches[B.cellPatch[id]];
    const H = P.H;
    const box = B.cellBox[id];
    const phi = B.cellPhi[id];
    const bo = id * m;
    for (let i = 0, r = 0; i < P.bh; i++) {
      const row = (box.i0 + i) * W + box.j0;
      for (let j = 0; j < P.bw; j++, r++) {
        const c = phi[r] * v[row + j];
        if (c === 0) continue;
        const ho = r * m;
        for (let q = 0; q < m; q++) beta[bo + q] += c * H[ho + q];
      }
    }
  }
  return beta;
}

/** The model the existing .inr writer stores: β per cell, channel mean 0, rounded to float32. */
export function basisModel(B: ElmBasis, beta: Float64Array): ElmModel {
  const model = createModel(B.spec);
  const per = weightsPerCell(B.spec);
  const m = B.m;
  for (let id = 0; id < B.cells; id++) {
    for (let q = 0; q < m; q++) model.weights[id * per + q] = beta[id * m + q];
    model.weights[id * per + m] = 0;
  }
  return model;
}

/** The image of one cell's feature column q: φ_i ⊙ H[:, q] on the cell's box (row-major). */
export function cellColumn(B: ElmBasis, id: number, q: number, out?: Float64Array): Float64Array {
  const P = B.patches[B.cellPatch[id]];
  const phi = B.cellPhi[id];
  const col = out ?? new Float64Array(P.rows);
  for (let r = 0; r < P.rows; r++) col[r] = phi[r] * P.H[r * B.m + q];
  return col;
}
