/**
 * Where a sample is, as the cursor readout, the crosshair and exported names state it.
 *
 * Indices: 0-based everywhere (the engine's convention): `[z 90, y 108, x 90]`, in storage order,
 * and `90 [0–180]` where an index stands with its axis's range.
 *
 * Coordinates, in fixed-point notation at the grid's own resolution (decimals enough for 1/100
 * of the sample step, never an exponent), with their units:
 * - medical volumes (DICOM, NIfTI): the patient position through the full affine,
 *   P = T + D · (s ∘ i), T the world position of voxel 0, D the direction cosines (signs
 *   included), s the spacing, i the (x, y, z) index; stated in the dataset's frame
 *   (`RAS (…) mm` for NIfTI, `LPS (…) mm` for DICOM);
 * - maps: latitude and longitude in degrees where the file gives them (1-D lat/lon axes, 2-D
 *   latitude/longitude variables, a geographic CRS), easting and northing in the CRS's units
 *   for a projected GeoTIFF, x/y in their units for a projected NetCDF grid, then the CRS's short
 *   name;
 * - any other grid with a geometry: each axis's coordinate and units.
 *
 * Pure: no Vue, no DOM.
 */
import type { DatasetInfo } from '../../../main/api/contract';
import { axisCoordinate, isMapGrid, unitsOf, type MapInfo } from './mapGrid';

export type GridInfo = MapInfo & Partial<Pick<DatasetInfo, 'orientation'>>;

/** The plane a view shows: its row and column axes (indices into `axes`). */
export interface PlaneAxes {
  rowDim: number;
  colDim: number;
}

/** Decimals that resolve 1/100 of `step` (0 for steps of 100 and more), at most 10. */
export function decimalsFor(step: number): number {
  const a = Math.abs(step);
  if (!Number.isFinite(a) || a === 0) return 3;
  return Math.min(10, Math.max(0, Math.ceil(-Math.log10(a) - 1e-9) + 2));
}

/** `v` with `decimals` decimals, never in exponent form; −0 shows as 0. */
export function formatFixed(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '-∞';
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** An index with its axis's range, 0-based: `90 [0–180]`. */
export function indexWithRange(index: number, size: number): string {
  return `${index} [0–${Math.max(0, size - 1)}]`;
}

/** Every axis's index, 0-based, storage order: `[z 90, y 108, x 90]`. */
export function indexText(grid: Pick<DatasetInfo, 'axes' | 'shape'>, position: readonly number[]): string {
  return `[${grid.shape.map((_, k) => `${grid.axes[k] ?? `axis${k}`} ${position[k] ?? 0}`).join(', ')}]`;
}

/** Units as a readout shows them: degrees as °, the rest as the file writes them. */
export function unitSymbol(units: string | undefined): string {
  const u = (units ?? '').trim();
  if (!u) return '';
  if (/^(degrees?(_?(north|east|n|e))?|deg|°.*)$/i.test(u)) return '°';
  if (/^(metres?|meters?)$/i.test(u)) return 'm';
  if (/^kilomet(re|er)s?$/i.test(u)) return 'km';
  return u;
}

function withUnits(text: string, units: string): string {
  if (!units) return text;
  return units === '°' ? `${text}°` : `${text} ${units}`;
}

/** The step of an axis around an index: its spacing, or the local difference of its coordinate values. */
function stepAt(grid: GridInfo, dim: number, index: number): number {
  const c = grid.coordinates?.[grid.axes[dim] ?? ''];
  const n = grid.shape[dim] ?? 1;
  if (c && c.values.length === n && n >= 2) {
    const i = Math.min(Math.max(0, index), n - 2);
    return c.values[i + 1] - c.values[i];
  }
  return grid.spacing[dim] ?? 1;
}

/**
 * The patient position of a voxel through the affine, in the dataset's frame (RAS for NIfTI, LPS
 * for DICOM); undefined without an orientation. `position` holds one index per axis.
 */
export function worldPosition(grid: GridInfo, position: readonly number[]): { frame: 'RAS' | 'LPS'; xyz: [number, number, number] } | undefined {
  const o = grid.orientation;
  const d = grid.shape.length;
  if (!o || d < 3 || o.direction.length !== 9) return undefined;
  // Index axes x, y, z are the last, middle and first of the last three storage axes.
  const dims = [d - 1, d - 2, d - 3];
  const t = dims.map((k) => grid.origin[k] ?? 0);
  const xyz: [number, number, number] = [t[0], t[1], t[2]];
  for (let col = 0; col < 3; col++) {
    const step = (grid.spacing[dims[col]] ?? 1) * (position[dims[col]] ?? 0);
    for (let row = 0; row < 3; row++) xyz[row] += o.direction[row * 3 + col] * step;
  }
  return { frame: o.frame, xyz };
}

/** The largest change of a 2-D coordinate to the neighbouring samples of (row, col): its local resolution. */
function neighbourStep(a: ArrayLike<number>, W: number, H: number, row: number, col: number): number {
  const v = a[row * W + col];
  let step = 0;
  for (const [r, c] of [
    [row - 1, col],
    [row + 1, col],
    [row, col - 1],
    [row, col + 1],
  ]) {
    if (r < 0 || c < 0 || r >= H || c >= W) continue;
    const d = Math.abs(a[r * W + c] - v);
    if (Number.isFinite(d)) step = Math.max(step, d);
  }
  return step || 1e-4;
}

/** Whether map coordinates are latitude/longitude (degrees). */
function isGeographic(grid: GridInfo, plane: PlaneAxes): boolean {
  if (grid.crs?.kind === 'geographic') return true;
  if (grid.crs?.kind === 'projected') return false;
  return unitSymbol(unitsOf(grid, plane.rowDim)) === '°' && unitSymbol(unitsOf(grid, plane.colDim)) === '°';
}

/** The coordinates of the sample at `position` in a plane of `grid`, as text ('' for bare pixel grids). */
export function coordinateText(grid: GridInfo, position: readonly number[], plane: PlaneAxes): string {
  const world = worldPosition(grid, position);
  if (world) {
    const d = grid.shape.length;
    const step = Math.min(...[d - 1, d - 2, d - 3].map((k) => Math.abs(grid.spacing[k] ?? 1) || 1));
    const dec = decimalsFor(step);
    const units = unitSymbol(grid.axisUnits?.[d - 1]) || 'mm';
    return `${world.frame} (${world.xyz.map((v) => formatFixed(v, dec)).join(', ')}) ${units}`;
  }
  const { rowDim, colDim } = plane;
  const row = position[rowDim] ?? 0;
  const col = position[colDim] ?? 0;
  const d = grid.shape.length;
  const mainPlane = rowDim === d - 2 && colDim === d - 1;
  if (mainPlane && isMapGrid(grid)) {
    const parts: string[] = [];
    const crsName = grid.crs?.name;
    const W = grid.shape[d - 1];
    const ll = grid.latLon;
    if (ll && ll.lat.length === W * grid.shape[d - 2]) {
      const i = row * W + col;
      const H = grid.shape[d - 2];
      parts.push(
        `lat ${formatFixed(ll.lat[i], decimalsFor(neighbourStep(ll.lat, W, H, row, col)))}°`,
        `lon ${formatFixed(ll.lon[i], decimalsFor(neighbourStep(ll.lon, W, H, row, col)))}°`,
      );
    }
    const y = axisCoordinate(grid, rowDim, row);
    const x = axisCoordinate(grid, colDim, col);
    const yDec = decimalsFor(stepAt(grid, rowDim, row));
    const xDec = decimalsFor(stepAt(grid, colDim, col));
    if (isGeographic(grid, plane)) {
      if (!ll) parts.push(`lat ${formatFixed(y, yDec)}°`, `lon ${formatFixed(x, xDec)}°`);
    } else {
      const yu = unitSymbol(unitsOf(grid, rowDim) || grid.crs?.units);
      const xu = unitSymbol(unitsOf(grid, colDim) || grid.crs?.units);
      const [xn, yn] = grid.format === 'geotiff' ? ['E', 'N'] : [grid.axes[colDim] ?? 'x', grid.axes[rowDim] ?? 'y'];
      parts.push(`${xn} ${withUnits(formatFixed(x, xDec), xu)}`, `${yn} ${withUnits(formatFixed(y, yDec), yu)}`);
    }
    if (crsName) parts.push(`· ${crsName}`);
    return parts.join('  ');
  }
  const physical = [colDim, rowDim].filter((k) => {
    const c = grid.coordinates?.[grid.axes[k] ?? ''];
    return (c && c.values.length === grid.shape[k]) || (grid.spacing[k] ?? 1) !== 1 || (grid.origin[k] ?? 0) !== 0;
  });
  if (!physical.length) return '';
  const parts = [colDim, rowDim].map((k) => {
    const i = position[k] ?? 0;
    const v = axisCoordinate(grid, k, i);
    return `${grid.axes[k] ?? `axis${k}`} ${withUnits(formatFixed(v, decimalsFor(stepAt(grid, k, i))), unitSymbol(unitsOf(grid, k)))}`;
  });
  return `(${parts.join(', ')})`;
}

/** Indices and coordinates of a sample: `[z 90, y 108, x 90]  RAS (0.00, -17.00, 19.00) mm`. */
export function positionText(grid: GridInfo, position: readonly number[], plane: PlaneAxes): string {
  const c = coordinateText(grid, position, plane);
  return c ? `${indexText(grid, position)}  ${c}` : indexText(grid, position);
}

/** The full position of a pixel (column x, row y) of a plane at `at` (indices on every axis). */
export function positionIn(grid: Pick<DatasetInfo, 'shape'>, plane: PlaneAxes, at: readonly number[], x: number, y: number): number[] {
  const p = grid.shape.map((_, k) => at[k] ?? 0);
  p[plane.colDim] = x;
  p[plane.rowDim] = y;
  return p;
}
