/**
 * The ELM-INR image as a linear map of its output weights, u = Φ·β, for CT (where the data are
 * projections of u, not samples of it), on a uniform mesh (ELM-INR) or on a BEAM adaptive mesh.
 *
 * The model is ELM-INR's own (main/inr/elm: mesh.ts, features.ts, pou.ts, fit.ts; BEAM:
 * main/inr/elm/beam geometry.ts, evaluate.ts): overlapping cells on the pixel grid, each with the
 * frozen random features H_i (plus the local affine columns) on its local coordinates, blended by
 * the Shepard-normalised partition of unity:
 *   u(p) = Σ_i φ_i(p) · H_i(p)·β_i,   φ_i = w_i / Σ_j w_j.
 * Cells with the same sampling pattern (and, on a BEAM mesh, the same size and hidden layer)
 * share H (a handful of "patches"), so only one feature matrix per patch is kept. Per cell, its
 * support box (a rectangle of pixels), φ_i on it and the start of its β in the weight vector are
 * stored; cells of a BEAM mesh may have different feature counts (per-cell capacity).
 *   Φβ:   u[p] += φ_i[r]·(H[r,:]·β_i) over the rows r of every cell,
 *   Φᵀv:  β_i = Σ_r φ_i[r]·v[p_r]·H[r,:],
 * both in float64 and exact transposes of each other. The per-cell channel mean of the stored
 * model is unused here (kept at 0; the affine columns carry a constant), so evaluating the
 * stored float32 model (`evaluateElm`, `evaluateBeam`) gives the same image up to float32
 * rounding of β.
 */
import { featureMatrix, hiddenLayer } from '../inr/elm/features';
import { cellIndex, cellSpan, localCoord, sampleGrid, uniformMesh, type CellSpan, type UniformMesh } from '../inr/elm/mesh';
import { axisWindow } from '../inr/elm/pou';
import { createModel, featureCount, weightsPerCell, type ElmModel, type ElmSpec } from '../inr/elm/model';
import { groupCells } from '../inr/elm/beam/geometry';
import { createBeamModel, featureCountOf, type BeamCell, type BeamModel, type BeamSpec } from '../inr/elm/beam/model';
import { beamLayers } from '../inr/elm/beam/solve';
import type { PixelBox } from './radon';

export interface BasisPatch {
  /** rows × m feature matrix, row-major over the support box. */
  H: Float64Array;
  rows: number;
  /** Features per cell of this patch (hidden + affine columns). */
  m: number;
  /** Box height and width. */
  bh: number;
  bw: number;
  cells: number[];
}

/** Φ on any mesh of 2-D cells (see the file comment). */
export interface CtBasis {
  height: number;
  width: number;
  cells: number;
  /** Start of each cell's weights in β (cells + 1 entries); cell id has offsets[id+1] − offsets[id] features. */
  offsets: Int32Array;
  /** Length of β: Σ features over the cells. */
  size: number;
  patches: BasisPatch[];
  /** Per cell: its patch, support box and normalised PU weights (row-major over the box). */
  cellPatch: Int32Array;
  cellBox: PixelBox[];
  cellPhi: Float64Array[];
}

/** Φ of a uniform ELM-INR mesh. */
export interface ElmBasis extends CtBasis {
  spec: ElmSpec;
  mesh: UniformMesh;
  /** Features per cell (hidden + affine columns), the same for every cell. */
  m: number;
}

/** Φ of a BEAM adaptive mesh. */
export interface BeamBasis extends CtBasis {
  spec: BeamSpec;
  beamCells: BeamCell[];
}

/** What the assembly needs of a cell: its patch (key, and how to make H once), its box and its axis windows. */
interface CellGeometry {
  key: string;
  features: () => Float64Array;
  m: number;
  box: PixelBox;
  /** Raw window values along y and x over the box. */
  wy: Float64Array;
  wx: Float64Array;
}

/** Share H between cells of a key, and normalise the windows into φ = w / Σ w. */
function assemble(height: number, width: number, cells: CellGeometry[]): CtBasis {
  const byKey = new Map<string, number>();
  const patches: BasisPatch[] = [];
  const n = cells.length;
  const cellPatch = new Int32Array(n);
  const offsets = new Int32Array(n + 1);
  const cellBox: PixelBox[] = [];
  const wsum = new Float64Array(height * width);
  for (let id = 0; id < n; id++) {
    const c = cells[id];
    let pi = byKey.get(c.key);
    if (pi === undefined) {
      const bh = c.box.i1 - c.box.i0;
      const bw = c.box.j1 - c.box.j0;
      patches.push({ H: c.features(), rows: bh * bw, m: c.m, bh, bw, cells: [] });
      pi = patches.length - 1;
      byKey.set(c.key, pi);
    }
    patches[pi].cells.push(id);
    cellPatch[id] = pi;
    offsets[id + 1] = offsets[id] + c.m;
    cellBox.push(c.box);
    for (let i = 0; i < c.wy.length; i++) for (let j = 0; j < c.wx.length; j++) wsum[(c.box.i0 + i) * width + c.box.j0 + j] += c.wy[i] * c.wx[j];
  }
  const cellPhi = cells.map((c) => {
    const bw = c.wx.length;
    const phi = new Float64Array(c.wy.length * bw);
    for (let i = 0; i < c.wy.length; i++)
      for (let j = 0; j < bw; j++) {
        const s = wsum[(c.box.i0 + i) * width + c.box.j0 + j];
        phi[i * bw + j] = s > 0 ? (c.wy[i] * c.wx[j]) / s : 0;
      }
    return phi;
  });
  return { height, width, cells: n, offsets, size: offsets[n], patches, cellPatch, cellBox, cellPhi };
}

function spanKey(spans: CellSpan[]): string {
  return spans.map((s) => `${s.j1 - s.j0}@${s.t0.toFixed(9)}`).join('|');
}

/** Build Φ for a 2-D ELM spec on its own sample grid (spec.shape = [H, W]). */
export function elmBasis(spec: ElmSpec): ElmBasis {
  const [height, width] = spec.shape;
  const mesh = uniformMesh(spec.shape, spec.cells, spec.overlap);
  const grids = spec.shape.map((L) => sampleGrid(L));
  const layer = hiddenLayer(spec.seed, spec.hidden, spec.omega, spec.activation);
  const m = featureCount(spec);
  const spans = mesh.axes.map((ax, a) => Array.from({ length: ax.cells }, (_, k) => cellSpan(ax, grids[a], k)));
  const cells: CellGeometry[] = [];
  const k: number[] = [];
  for (let id = 0; id < mesh.count; id++) {
    cellIndex(mesh, id, k);
    const sp = k.map((ki, a) => spans[a][ki]);
    const win = (a: number) => Float64Array.from({ length: sp[a].j1 - sp[a].j0 }, (_, i) => axisWindow(sp[a].t0 + i, mesh.axes[a].width, mesh.axes[a].margin));
    cells.push({
      key: spanKey(sp),
      features: () =>
        featureMatrix(
          layer,
          sp.map((s, a) => Float64Array.from({ length: s.j1 - s.j0 }, (_, i) => localCoord(mesh.axes[a], s.t0 + i))),
          spec.affine,
        ),
      m,
      box: { i0: sp[0].j0, i1: sp[0].j1, j0: sp[1].j0, j1: sp[1].j1 },
      wy: win(0),
      wx: win(1),
    });
  }
  return { ...assemble(height, width, cells), spec, mesh, m };
}

/**
 * Build Φ for a 2-D BEAM spec and its cells on the spec's sample grid: the cells, local
 * coordinates and windows of the BEAM evaluator (geometry.ts `groupCells`), so the stored BEAM
 * model (`beamBasisModel`) evaluates to Φβ.
 */
export function beamBasis(spec: BeamSpec, beamCells: BeamCell[]): BeamBasis {
  const [height, width] = spec.shape;
  const grids = spec.shape.map((L) => sampleGrid(L));
  const layers = beamLayers(spec);
  const cells = new Array<CellGeometry>(beamCells.length);
  groupCells(spec, beamCells, grids).forEach((g, gi) => {
    let H: Float64Array | undefined;
    const features = () => (H ??= featureMatrix(layers[g.layer], g.coords, spec.affine));
    g.cells.forEach((id, k) => {
      const sp = g.spans[k];
      cells[id] = {
        key: String(gi),
        features,
        m: featureCountOf(spec, g.layer),
        box: { i0: sp[0].j0, i1: sp[0].j1, j0: sp[1].j0, j1: sp[1].j1 },
        wy: g.windows[0],
        wx: g.windows[1],
      };
    });
  });
  return { ...assemble(height, width, cells), spec, beamCells };
}

/** u = Φ β (β: Σ features, cell after cell). `out` (H·W) is overwritten. */
export function basisApply(B: CtBasis, beta: Float64Array, out?: Float64Array): Float64Array {
  const u = out ?? new Float64Array(B.height * B.width);
  u.fill(0);
  const W = B.width;
  for (let id = 0; id < B.cells; id++) {
    const P = B.patches[B.cellPatch[id]];
    const H = P.H;
    const m = P.m;
    const box = B.cellBox[id];
    const phi = B.cellPhi[id];
    const bo = B.offsets[id];
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

/** β = Φᵀ v (v: H·W). `out` (Σ features) is overwritten. */
export function basisAdjoint(B: CtBasis, v: ArrayLike<number>, out?: Float64Array): Float64Array {
  const beta = out ?? new Float64Array(B.size);
  beta.fill(0);
  const W = B.width;
  for (let id = 0; id < B.cells; id++) {
    const P = B.patches[B.cellPatch[id]];
    const H = P.H;
    const m = P.m;
    const box = B.cellBox[id];
    const phi = B.cellPhi[id];
    const bo = B.offsets[id];
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

/** The BEAM model the existing BEAM writer stores: β per cell (one channel), channel mean 0, rounded to float32. */
export function beamBasisModel(B: BeamBasis, beta: Float64Array): BeamModel {
  const model = createBeamModel(B.spec, B.beamCells);
  for (let id = 0; id < B.cells; id++) {
    const o = model.offsets[id];
    const m = B.offsets[id + 1] - B.offsets[id];
    for (let q = 0; q < m; q++) model.weights[o + q] = beta[B.offsets[id] + q];
    model.weights[o + m] = 0;
  }
  return model;
}

/** The image of one cell's feature column q: φ_i ⊙ H[:, q] on the cell's box (row-major). */
export function cellColumn(B: CtBasis, id: number, q: number, out?: Float64Array): Float64Array {
  const P = B.patches[B.cellPatch[id]];
  const phi = B.cellPhi[id];
  const col = out ?? new Float64Array(P.rows);
  for (let r = 0; r < P.rows; r++) col[r] = phi[r] * P.H[r * P.m + q];
  return col;
}
