/**
 * Where each BEAM cell meets a query grid, and which cells can share a feature matrix.
 *
 * A cell of nominal width w_a at origin lo_a = k_a·w_a is cell k_a of the uniform layout of width
 * w_a (tree.ts), so the uniform engine's geometry applies unchanged (mesh.ts): support = the open
 * interval (−h−½, w−½+h) in t = p − lo with h = overlap·w, local coordinate
 * x̂ = −1 + 2(t + h + ½)/(w + 2h), window Π_a r(t+½)·r(w−½−t) (pou.ts).
 *
 * Cells with the same hidden layer, the same nominal size and the same pattern of query
 * positions inside their support (count and first relative position per axis) have identical
 * local coordinates, hence one feature matrix H and — when fully observed — one Gram factor.
 * Supports clipped by the grid border form their own groups, as in the uniform engine.
 */
import { cellSpan, localCoord, type AxisGrid, type AxisLayout, type CellSpan } from '../mesh';
import { axisWindow } from '../pou';
import type { BeamCell, BeamSpec } from './model';

/** The uniform layout whose cell `lo/size` is this cell, along axis a. */
function cellAxis(spec: BeamSpec, cell: BeamCell, a: number): AxisLayout {
  const w = cell.size[a];
  const L = spec.shape[a];
  return { length: L, cells: Math.ceil(L / w), width: w, margin: spec.overlap * w };
}

/** Per axis: the queries of `grids` inside the cell's support. */
function cellSpans(spec: BeamSpec, cell: BeamCell, grids: readonly AxisGrid[]): CellSpan[] {
  return grids.map((g, a) => cellSpan(cellAxis(spec, cell, a), g, cell.lo[a] / cell.size[a]));
}

/** Cells sharing one local sampling pattern. */
export interface BeamGroup {
  layer: number;
  /** Axis layouts of the group's nominal size (any member's). */
  axes: AxisLayout[];
  /** Local coordinates of the support's queries per axis. */
  coords: Float64Array[];
  /** Window values at those queries per axis (the cell window is their tensor product). */
  windows: Float64Array[];
  /** Rows of H: Π_a |coords[a]|. */
  rows: number;
  cells: number[];
  /** Per member: its spans (same order as `cells`). */
  spans: CellSpan[][];
}

function key(cell: BeamCell, spans: CellSpan[]): string {
  return `${cell.layer}/${cell.size.join('x')}/` + spans.map((s) => `${s.j1 - s.j0}@${s.t0.toFixed(9)}`).join('|');
}

/** Group `subset` (default: every cell) of the model's cells by local sampling pattern on `grids`. */
export function groupCells(spec: BeamSpec, cells: readonly BeamCell[], grids: readonly AxisGrid[], subset?: readonly number[]): BeamGroup[] {
  const groups = new Map<string, BeamGroup>();
  const ids = subset ?? cells.map((_, i) => i);
  for (const id of ids) {
    const cell = cells[id];
    const spans = cellSpans(spec, cell, grids);
    const k = key(cell, spans);
    let g = groups.get(k);
    if (!g) {
      const axes = spans.map((_, a) => cellAxis(spec, cell, a));
      const coords = spans.map((s, a) => {
        const n = s.j1 - s.j0;
        const c = new Float64Array(n);
        for (let i = 0; i < n; i++) c[i] = localCoord(axes[a], s.t0 + i * grids[a].step);
        return c;
      });
      const windows = spans.map((s, a) => {
        const n = s.j1 - s.j0;
        const w = new Float64Array(n);
        for (let i = 0; i < n; i++) w[i] = axisWindow(s.t0 + i * grids[a].step, axes[a].width, axes[a].margin);
        return w;
      });
      g = { layer: cell.layer, axes, coords, windows, rows: coords.reduce((n, c) => n * c.length, 1), cells: [], spans: [] };
      groups.set(k, g);
    }
    g.cells.push(id);
    g.spans.push(spans);
  }
  return [...groups.values()];
}

/** Flat indices (into a grid of `counts` per axis) of a support's rows, row-major. */
export function rowIndices(spans: readonly CellSpan[], counts: readonly number[], out: Int32Array): void {
  const d = spans.length;
  const strides = new Array<number>(d);
  let s = 1;
  for (let a = d - 1; a >= 0; a--) {
    strides[a] = s;
    s *= counts[a];
  }
  const idx = spans.map((sp) => sp.j0);
  const total = out.length;
  for (let r = 0; r < total; r++) {
    let flat = 0;
    for (let a = 0; a < d; a++) flat += idx[a] * strides[a];
    out[r] = flat;
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < spans[a].j1) break;
      idx[a] = spans[a].j0;
    }
  }
}

/** Tensor product of per-axis vectors (row-major, last axis fastest). */
export function tensorProduct(parts: readonly Float64Array[]): Float64Array {
  let out = new Float64Array([1]);
  for (const p of parts) {
    const next = new Float64Array(out.length * p.length);
    for (let i = 0; i < out.length; i++) for (let j = 0; j < p.length; j++) next[i * p.length + j] = out[i] * p[j];
    out = next;
  }
  return out;
}
