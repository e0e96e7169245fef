/**
 * How a BEAM model's work is cut for the worker pool (parallel.ts). BEAM cells differ in hidden
 * size and support, so equal counts of cells are far from equal work; the pieces are sized by an
 * operation count and handed out largest first from a shared counter, so a thread that finishes
 * early (or runs on a less loaded core) takes the next piece.
 *
 * Solve, per group of cells sharing H (geometry.ts; m features, N rows, C channels):
 *   once per piece: H (≈ 10·N·m for the activations), the Gram HᵀH (N·m(m+1)/2) and its
 *                   Cholesky factor (m³/6);
 *   per cell:       HᵀY (2·N·m·C), the triangular solves (2·m²·C) and the gather (2·N·C).
 * A group is cut into several pieces only where the per-cell work outweighs the factor it then
 * recomputes, so cutting adds at most ~10 % to the group's work.
 *
 * Reconstruction: the output is cut into slabs along the first axis (a contiguous range of
 * query indices each) of about equal cost, Σ over the cells covering an index of rows × (2·m·C).
 * Which thread evaluates a slab does not change a bit of the result (evaluate.ts `slab`).
 */
import type { AxisGrid } from '../mesh';
import type { BeamGroup } from './geometry';
import { featureCountOf, type BeamSpec } from './model';

/** Pieces per thread to aim for: enough for the shared counter to even out the load. */
const PIECES_PER_THREAD = 4;

/** Operation counts of one group: the factor part (once per piece) and the part per cell. */
function solveCost(spec: BeamSpec, g: BeamGroup): { fixed: number; perCell: number } {
  const m = featureCountOf(spec, g.layer);
  const N = g.rows;
  const C = spec.channels;
  return { fixed: 10 * N * m + (N * m * (m + 1)) / 2 + (m * m * m) / 6, perCell: 2 * N * m * C + 2 * m * m * C + 2 * N * C };
}

/** The solve's pieces (cell ids, each within one group), largest first. */
export function solvePieces(spec: BeamSpec, groups: readonly BeamGroup[], threads: number): number[][] {
  const costs = groups.map((g) => solveCost(spec, g));
  const total = groups.reduce((s, g, i) => s + costs[i].fixed + costs[i].perCell * g.cells.length, 0);
  const target = total / Math.max(1, threads * PIECES_PER_THREAD);
  const pieces: { cells: number[]; cost: number }[] = [];
  groups.forEach((g, i) => {
    const { fixed, perCell } = costs[i];
    const k = g.cells.length;
    const work = perCell * k;
    // As many pieces as the target asks for, but never so many that the recomputed factors exceed 10 % of the work.
    let n = Math.max(1, Math.min(k, Math.floor((fixed + work) / Math.max(target, 1))));
    if (fixed > 0) n = Math.max(1, Math.min(n, Math.floor((0.1 * (fixed + work)) / fixed) + 1));
    for (let p = 0; p < n; p++) {
      const a = Math.floor((p * k) / n);
      const b = Math.floor(((p + 1) * k) / n);
      if (b > a) pieces.push({ cells: g.cells.slice(a, b), cost: fixed + perCell * (b - a) });
    }
  });
  // Largest first; ties in group order (a stable sort), so the list is deterministic.
  return pieces.sort((x, y) => y.cost - x.cost).map((p) => p.cells);
}

/** A slab of the output along the first axis and how many cells meet it (progress ticks). */
export interface Slab {
  j0: number;
  j1: number;
  visits: number;
}

/** Up to PIECES_PER_THREAD × threads slabs of about equal reconstruction cost. */
export function evaluateSlabs(spec: BeamSpec, groups: readonly BeamGroup[], grids: readonly AxisGrid[], threads: number): Slab[] {
  const n0 = grids[0].count;
  const C = spec.channels;
  // Cost per index along the first axis, through a difference array over the cells' spans.
  const diff = new Float64Array(n0 + 1);
  for (const g of groups) {
    const len0 = g.coords[0].length;
    if (len0 === 0 || g.rows === 0) continue;
    const perIndex = (g.rows / len0) * (2 * featureCountOf(spec, g.layer) * C + 2);
    for (const sp of g.spans) {
      diff[sp[0].j0] += perIndex;
      diff[sp[0].j1] -= perIndex;
    }
  }
  const cost = new Float64Array(n0);
  let run = 0;
  let total = 0;
  for (let j = 0; j < n0; j++) {
    run += diff[j];
    cost[j] = run;
    total += run;
  }
  const want = Math.max(1, Math.min(n0, threads > 1 ? threads * PIECES_PER_THREAD : 1));
  const bounds = [0];
  let acc = 0;
  for (let j = 0; j < n0 && bounds.length < want; j++) {
    acc += cost[j];
    if (acc >= (total * bounds.length) / want && j + 1 < n0) bounds.push(j + 1);
  }
  bounds.push(n0);
  const slabs: Slab[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) if (bounds[i + 1] > bounds[i]) slabs.push({ j0: bounds[i], j1: bounds[i + 1], visits: 0 });
  for (const g of groups) for (const sp of g.spans) for (const s of slabs) if (sp[0].j0 < s.j1 && sp[0].j1 > s.j0 && sp[0].j1 > sp[0].j0) s.visits++;
  return slabs;
}
