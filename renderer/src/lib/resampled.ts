/**
 * The resampled output of a super-resolution or through-plane run, viewed at its own resolution
 * beside the source: its grid as the views see it, and the links between the two grids.
 *
 * Both grids sample the same physical axes: index i of a grid sits at origin + i · spacing. A
 * position on one grid maps to the nearest index of the other (linked slice scrolling), and a
 * pan/zoom of one view maps to the other through the affine map between their display units
 * (linked compare views of different sizes). Pure: no Vue, no DOM.
 */
import type { AxisCoordinates, DatasetInfo, ResampledGrid, SliceData } from '../../../main/api/contract';
import type { GridInfo } from './coords';
import { clampIndex } from './slicing';
import { displayToImage, imageToDisplay, type PixelShape, type Size, type ViewTransform } from './viewTransform';

type Grid = Pick<DatasetInfo, 'shape' | 'spacing' | 'origin'>;

/** The grid of a resampled output as a dataset-like description: the source's axes, units and frame, the output's shape, spacing and origin. */
export function resampledGridInfo<T extends GridInfo>(info: T, r: ResampledGrid): T {
  const sameInPlane = r.shape.slice(-2).every((n, k) => n === info.shape[info.shape.length - 2 + k]);
  // Coordinate values belong to the source's samples: the finer grid's are origin + i · spacing,
  // in the same units (decoded dates are not carried over).
  let coordinates: Record<string, AxisCoordinates> | undefined;
  if (info.coordinates) {
    const out: Record<string, AxisCoordinates> = {};
    info.axes.forEach((a, k) => {
      const c = info.coordinates?.[a];
      if (!c) return;
      const n = r.shape[k] ?? 0;
      out[a] = { values: Array.from({ length: n }, (_, i) => (r.origin[k] ?? 0) + i * (r.spacing[k] ?? 1)), ...(c.units !== undefined ? { units: c.units } : {}) };
    });
    coordinates = out;
  }
  return {
    ...info,
    shape: [...r.shape],
    spacing: [...r.spacing],
    origin: [...r.origin],
    coordinates,
    latLon: sameInPlane ? info.latLon : undefined,
  };
}

/** The continuous index on grid `to` of index `i` on grid `from`, along axis `dim`. */
export function indexOn(from: Grid, to: Grid, dim: number, i: number): number {
  const s = to.spacing[dim] ?? 1;
  const x = (from.origin[dim] ?? 0) + i * (from.spacing[dim] ?? 1);
  return (x - (to.origin[dim] ?? 0)) / (s || 1);
}

/** The nearest indices on grid `to` of a position on grid `from`, for the axes `dims` (the others copied). */
export function nearestPosition(from: Grid, to: Grid, position: readonly number[], dims: readonly number[]): number[] {
  const out = [...position];
  for (const k of dims) out[k] = clampIndex(Math.round(indexOn(from, to, k, position[k] ?? 0) + 1e-9), to.shape[k] ?? 1);
  return out;
}

/** One view's image: its size in pixels, its pixel shape, and the physical grid of its columns (x) and rows (y). */
export interface ViewGrid {
  size: Size;
  shape: PixelShape;
  x: { origin: number; spacing: number };
  y: { origin: number; spacing: number };
}

/** The view of the last two axes of a grid. */
export function viewGridOf(grid: Grid, shape: PixelShape): ViewGrid {
  const d = grid.shape.length;
  return {
    size: { width: grid.shape[d - 1], height: grid.shape[d - 2] },
    shape,
    x: { origin: grid.origin[d - 1] ?? 0, spacing: grid.spacing[d - 1] ?? 1 },
    y: { origin: grid.origin[d - 2] ?? 0, spacing: grid.spacing[d - 2] ?? 1 },
  };
}

/** Display units of `from` → display units of `to` (pixel centres of the same physical point coincide). */
function displayMap(from: ViewGrid, to: ViewGrid, p: { x: number; y: number }): { x: number; y: number } {
  const img = displayToImage(p, from.size, from.shape);
  const X = from.x.origin + (img.x - 0.5) * from.x.spacing;
  const Y = from.y.origin + (img.y - 0.5) * from.y.spacing;
  const q = { x: (X - to.x.origin) / (to.x.spacing || 1) + 0.5, y: (Y - to.y.origin) / (to.y.spacing || 1) + 0.5 };
  return imageToDisplay(q, to.size, to.shape);
}

/**
 * The transform of view `to` that shows what `t` shows in view `from`: the same physical point at
 * the viewport centre, at the same physical scale. A fitted transform stays fitted.
 */
export function linkedTransform(t: ViewTransform | null, from: ViewGrid, to: ViewGrid): ViewTransform | null {
  if (!t || t.fit) return t;
  const c = displayMap(from, to, { x: t.cx, y: t.cy });
  const c1 = displayMap(from, to, { x: t.cx + 1, y: t.cy });
  const scale = Math.abs(c1.x - c.x) || 1;
  return { zoom: t.zoom / scale, cx: c.x, cy: c.y, fit: false };
}

/**
 * The source's nodata carried onto a slice of the resampled output: a sample of the finer grid is
 * valid where the nearest source sample is (the output's values over nodata are extrapolation,
 * not data). `fine` and `source` are slices of the last two axes at linked positions; the slice
 * is returned unchanged when the source has no nodata.
 */
export function withSourceMask(fine: SliceData, fineGrid: Grid, source: SliceData, sourceGrid: Grid): SliceData {
  const C = source.channels;
  let any = !!source.mask;
  if (!any) for (let i = 0; i < source.width * source.height && !any; i++) any = !Number.isFinite(source.values[i * C]);
  if (!any) return fine;
  const d = fineGrid.shape.length;
  const cols = new Int32Array(fine.width);
  for (let c = 0; c < fine.width; c++) cols[c] = Math.round(indexOn(fineGrid, sourceGrid, d - 1, c) + 1e-9);
  const mask = new Uint8Array(fine.width * fine.height);
  for (let r = 0; r < fine.height; r++) {
    const sr = Math.round(indexOn(fineGrid, sourceGrid, d - 2, r) + 1e-9);
    if (sr < 0 || sr >= source.height) continue;
    for (let c = 0; c < fine.width; c++) {
      const sc = cols[c];
      if (sc < 0 || sc >= source.width) continue;
      const j = sr * source.width + sc;
      const ok = (!source.mask || source.mask[j] === 1) && Number.isFinite(source.values[j * C]);
      const i = r * fine.width + c;
      mask[i] = ok && (!fine.mask || fine.mask[i] === 1) ? 1 : 0;
    }
  }
  return { ...fine, mask };
}
