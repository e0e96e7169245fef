/**
 * The BEAM mesh over a 2D view: the cells of an ELM+BEAM fit that meet the shown slice, as
 * rectangles in image pixels, coloured by their Barron norm. Pure: no DOM.
 */
import type { BeamMeshInfo } from '../../../main/api/contract';
import { colormapLut, type ColormapName } from './colormaps';

export const MESH_COLORMAP: ColormapName = 'viridis';

export interface MeshRect {
  /** Column and row of the cell's first sample, and its extent, in image pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
  norm: number;
  level: number;
  hidden: number;
}

/**
 * The cells whose extent along every leading axis contains the slice's index there, projected
 * on the plane of the last two axes. `index` has one entry per leading axis (missing = 0).
 */
export function cellsInSlice(mesh: BeamMeshInfo, index: readonly number[]): MeshRect[] {
  const d = mesh.shape.length;
  const out: MeshRect[] = [];
  for (const c of mesh.cells) {
    if (c.lo.length !== d || c.size.length !== d) continue;
    let inside = true;
    for (let a = 0; a < d - 2; a++) {
      const i = index[a] ?? 0;
      if (i < c.lo[a] || i >= c.lo[a] + c.size[a]) {
        inside = false;
        break;
      }
    }
    if (!inside) continue;
    if (d === 1) out.push({ x: c.lo[0], y: 0, w: c.size[0], h: 1, norm: c.norm, level: c.level, hidden: c.hidden });
    else out.push({ x: c.lo[d - 1], y: c.lo[d - 2], w: c.size[d - 1], h: c.size[d - 2], norm: c.norm, level: c.level, hidden: c.hidden });
  }
  return out;
}

export interface NormScale {
  lo: number;
  hi: number;
  /** Logarithmic when the positive norms span more than a decade. */
  log: boolean;
}

/**
 * The colour scale over every cell of the mesh (not only the slice's: colours stay put while
 * scrolling). Where the positive norms span more than a decade the scale is logarithmic, from
 * their 2nd to their 98th percentile (a few near-zero norms of flat regions would otherwise
 * stretch it over many empty decades); norms outside are clamped to its ends.
 */
export function normScale(mesh: BeamMeshInfo): NormScale | null {
  let lo = Infinity;
  let hi = -Infinity;
  const positive: number[] = [];
  for (const c of mesh.cells) {
    if (!Number.isFinite(c.norm)) continue;
    lo = Math.min(lo, c.norm);
    hi = Math.max(hi, c.norm);
    if (c.norm > 0) positive.push(c.norm);
  }
  if (!(hi >= lo)) return null;
  if (positive.length) {
    positive.sort((a, b) => a - b);
    const q = (f: number) => positive[Math.min(positive.length - 1, Math.max(0, Math.round(f * (positive.length - 1))))];
    const qlo = q(0.02);
    const qhi = q(0.98);
    if (qhi / qlo > 10) return { lo: qlo, hi: qhi, log: true };
  }
  return { lo, hi, log: false };
}

/**
 * Whether cells are drawn as outlines: only where the typical cell (the median of the smaller
 * side) is at least `minPx` screen pixels; smaller cells are drawn as filled tiles, a heat map.
 */
export function outlineCells(rects: readonly MeshRect[], zoom: number, minPx = 7): boolean {
  if (!rects.length) return false;
  const sides = rects.map((r) => Math.min(r.w, r.h)).sort((a, b) => a - b);
  return sides[Math.floor(sides.length / 2)] * zoom >= minPx;
}

/** Position 0–1 of a norm on the scale (clamped; 0.5 for a flat scale). */
export function normPosition(norm: number, s: NormScale): number {
  if (!Number.isFinite(norm)) return 0;
  if (!(s.hi > s.lo)) return 0.5;
  const t = s.log ? (Math.log(Math.max(norm, s.lo)) - Math.log(s.lo)) / (Math.log(s.hi) - Math.log(s.lo)) : (norm - s.lo) / (s.hi - s.lo);
  return Math.min(1, Math.max(0, t));
}

/** The CSS colour of a norm on the scale. */
export function normColor(norm: number, s: NormScale): string {
  const lut = colormapLut(MESH_COLORMAP);
  const i = Math.round(normPosition(norm, s) * 255);
  return `rgb(${lut[i * 3]}, ${lut[i * 3 + 1]}, ${lut[i * 3 + 2]})`;
}

/** The norm at position t (0–1) of the scale: the legend's tick values. */
export function normAt(t: number, s: NormScale): number {
  if (s.log) return Math.exp(Math.log(s.lo) + t * (Math.log(s.hi) - Math.log(s.lo)));
  return s.lo + t * (s.hi - s.lo);
}
