/**
 * The uniform ELM-INR mesh: each axis of the sample grid is cut into `n` cells of equal core
 * width `w` (the last one may be shorter), and each cell's support is its core grown by
 * `h = overlap·w` samples on each side. Supports overlap, so neighbouring local models are
 * blended by the partition of unity (pou.ts).
 *
 * Positions are in sample-index units along each axis (sample i sits at i). Relative to cell k,
 * a position p has t = p − k·w; the core is the interval (−½, w−½) and the support the open
 * interval (−h−½, w−½+h). The support maps affinely onto the local coordinates [−1, 1]:
 *   x̂ = −1 + 2 (t + h + ½) / (w + 2h).
 * Every cell of the same width therefore shares its local coordinates, which is what lets
 * cells with the same sampling pattern share one feature matrix.
 */
import { InrError } from '../../core/errors';

export interface AxisLayout {
  /** Samples along the axis. */
  length: number;
  /** Cells along the axis. */
  cells: number;
  /** Core width in samples. */
  width: number;
  /** Overlap margin in samples on each side (overlap·width). */
  margin: number;
}

/** Lay out `requested` cells on an axis of `length` samples (fewer if the cells would be empty). */
function axisLayout(length: number, requested: number, overlap: number): AxisLayout {
  if (!Number.isInteger(length) || length < 1) throw new InrError('E_ARG', `axis length must be a positive integer, got ${length}`);
  if (!Number.isInteger(requested) || requested < 1) throw new InrError('E_ARG', `subdomains per axis must be a positive integer, got ${requested}`);
  if (!(overlap >= 0 && overlap <= 1)) throw new InrError('E_ARG', `overlap must be between 0 and 1, got ${overlap}`);
  const n0 = Math.min(requested, length);
  const width = Math.ceil(length / n0);
  const cells = Math.ceil(length / width);
  return { length, cells, width, margin: overlap * width };
}

/** Local coordinate of relative position t (see the file comment). */
export function localCoord(ax: AxisLayout, t: number): number {
  return -1 + (2 * (t + ax.margin + 0.5)) / (ax.width + 2 * ax.margin);
}

/** A regular set of query positions along one axis: p_j = start + j·step, j < count. */
export interface AxisGrid {
  start: number;
  step: number;
  count: number;
}

/** The sample positions themselves: 0, 1, …, length−1. */
export function sampleGrid(length: number): AxisGrid {
  return { start: 0, step: 1, count: length };
}

/**
 * Positions of a grid `factor` times finer, centred like the samples:
 * p_j = (j + ½)/factor − ½, j < length·factor. factor = 1 gives the samples.
 */
export function finerGrid(length: number, factor: number): AxisGrid {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new InrError('E_ARG', `scale factor must be positive, got ${factor}`);
  const count = Math.max(1, Math.round(length * factor));
  const step = length / count;
  return { start: step / 2 - 0.5, step, count };
}

/** Which queries of `grid` fall in the support of cell k: [j0, j1) and the first relative position. */
export interface CellSpan {
  j0: number;
  j1: number;
  t0: number;
}

export function cellSpan(ax: AxisLayout, grid: AxisGrid, k: number): CellSpan {
  const lo = k * ax.width - ax.margin - 0.5; // open lower bound
  const hi = k * ax.width + ax.width - 0.5 + ax.margin; // open upper bound
  // Smallest j with start + j·step > lo; largest j with start + j·step < hi.
  let j0 = Math.max(0, Math.floor((lo - grid.start) / grid.step) + 1);
  while (j0 > 0 && grid.start + (j0 - 1) * grid.step > lo) j0--;
  while (j0 < grid.count && grid.start + j0 * grid.step <= lo) j0++;
  let j1 = Math.min(grid.count, Math.ceil((hi - grid.start) / grid.step));
  while (j1 < grid.count && grid.start + j1 * grid.step < hi) j1++;
  while (j1 > j0 && grid.start + (j1 - 1) * grid.step >= hi) j1--;
  return { j0, j1: Math.max(j0, j1), t0: grid.start + j0 * grid.step - k * ax.width };
}

/** The whole mesh over a d-dimensional sample grid. */
export interface UniformMesh {
  axes: AxisLayout[];
  /** Total number of cells. */
  count: number;
}

export function uniformMesh(shape: number[], cellsPerAxis: number[], overlap: number): UniformMesh {
  if (cellsPerAxis.length !== shape.length) {
    throw new InrError('E_ARG', `the mesh needs one subdomain count per axis (${shape.length}), got ${cellsPerAxis.length}`);
  }
  const axes = shape.map((L, a) => axisLayout(L, cellsPerAxis[a], overlap));
  return { axes, count: axes.reduce((n, ax) => n * ax.cells, 1) };
}

/** Cell multi-index of flat cell id `id` (row-major over cells per axis). */
export function cellIndex(mesh: UniformMesh, id: number, out: number[] = []): number[] {
  for (let a = mesh.axes.length - 1; a >= 0; a--) {
    const n = mesh.axes[a].cells;
    out[a] = id % n;
    id = Math.floor(id / n);
  }
  return out;
}
