/**
 * Map grids: whether the last two axes of a dataset are a map (geographic or projected), which
 * of them run north and east, and how a view must mirror them so that north is up and east is
 * right, as Panoply and QGIS draw them. The data stay in storage order: only the view flips, so
 * readouts and exports keep the file's true coordinates.
 *
 * - Rows: a northward axis (latitude, northing, projection y) whose coordinate grows with the row
 *   index is drawn bottom-up (the NOAA OISST grid runs from 89.5° S at row 0 to 89.5° N); one
 *   that falls (GeoTIFF's usual negative y step, ERA5's latitude from 90 to −90) is already
 *   north-up.
 * - Columns: an eastward axis whose coordinate falls with the column index is drawn
 *   right-to-left.
 * - Curvilinear grids (2-D latitude/longitude): the mean latitude of the last row against the
 *   first, the mean longitude of the last column against the first.
 *
 * Pure: no Vue, no DOM.
 */
import type { AxisCoordinates, DatasetInfo } from '../../../main/api/contract';
import type { PixelShape } from './viewTransform';

export type MapInfo = Pick<DatasetInfo, 'format' | 'shape' | 'axes' | 'spacing' | 'origin'> & Partial<Pick<DatasetInfo, 'coordinates' | 'axisUnits' | 'crs' | 'latLon'>>;

const NORTH_NAMES = /^(lat|lats|latitude|nav_lat|rlat|y|yc|y_?c|northing|projection_y_coordinate|south_north|grid_y|j)$/i;
const EAST_NAMES = /^(lon|lons|long|longitude|nav_lon|rlon|x|xc|x_?c|easting|projection_x_coordinate|west_east|grid_x|i)$/i;
const NORTH_UNITS = /^(degrees?_?n(orth)?|degree_n|°\s*n)$/i;
const EAST_UNITS = /^(degrees?_?e(ast)?|degree_e|°\s*e)$/i;
const GEO_FORMATS = new Set(['geotiff', 'netcdf']);

/** Units of an axis: the engine's per-axis units, else its coordinate variable's. */
export function unitsOf(info: MapInfo, dim: number): string {
  return info.axisUnits?.[dim] || info.coordinates?.[info.axes[dim] ?? '']?.units || '';
}

function isNorth(info: MapInfo, dim: number): boolean {
  return NORTH_UNITS.test(unitsOf(info, dim).trim()) || NORTH_NAMES.test(info.axes[dim] ?? '');
}

function isEast(info: MapInfo, dim: number): boolean {
  return EAST_UNITS.test(unitsOf(info, dim).trim()) || EAST_NAMES.test(info.axes[dim] ?? '');
}

/** True where the last two axes are a map: a GeoTIFF, or NetCDF rows running north and columns east. */
export function isMapGrid(info: MapInfo | null | undefined): boolean {
  if (!info || info.shape.length < 2 || !GEO_FORMATS.has(info.format)) return false;
  const d = info.shape.length;
  // A TIFF without georeferencing is a plain image: pixel indices, row 0 on top.
  if (info.format === 'geotiff') return !!info.crs || info.spacing.slice(-2).some((s) => s !== 1) || info.origin.slice(-2).some((o) => o !== 0);
  if (info.latLon) return true;
  // NetCDF: rows running north and columns east, both with coordinate values.
  const has = (dim: number) => (info.coordinates?.[info.axes[dim] ?? '']?.values.length ?? 0) === info.shape[dim];
  return isNorth(info, d - 2) && isEast(info, d - 1) && has(d - 2) && has(d - 1);
}

/** The coordinate of an axis at an index: its coordinate values, else origin + index × spacing. */
export function axisCoordinate(
  info: Pick<DatasetInfo, 'shape' | 'axes' | 'spacing' | 'origin'> & { coordinates?: Record<string, AxisCoordinates> },
  dim: number,
  index: number,
): number {
  const c = info.coordinates?.[info.axes[dim] ?? ''];
  if (c && c.values.length === info.shape[dim] && index >= 0 && index < c.values.length && Number.isInteger(index)) return c.values[index];
  return (info.origin[dim] ?? 0) + index * (info.spacing[dim] ?? 1);
}

/** +1 where an axis's coordinate grows with its index, −1 where it falls, 0 when it cannot tell. */
export function axisDirection(info: MapInfo, dim: number): -1 | 0 | 1 {
  const n = info.shape[dim] ?? 0;
  const c = info.coordinates?.[info.axes[dim] ?? ''];
  let delta: number;
  if (c && c.values.length === n && n >= 2) delta = c.values[n - 1] - c.values[0];
  else delta = info.spacing[dim] ?? 0;
  return delta > 0 ? 1 : delta < 0 ? -1 : 0;
}

function meanOfRow(a: ArrayLike<number>, width: number, row: number): number {
  let s = 0;
  let n = 0;
  for (let x = 0; x < width; x++) {
    const v = a[row * width + x];
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : NaN;
}

function meanOfColumn(a: ArrayLike<number>, width: number, height: number, col: number): number {
  let s = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    const v = a[y * width + col];
    if (Number.isFinite(v)) {
      s += v;
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** How a view of the last two axes must mirror them: north up, east right. No flip for anything that is not a map. */
export function mapFlip(info: MapInfo | null | undefined): { flipX: boolean; flipY: boolean } {
  if (!info || !isMapGrid(info)) return { flipX: false, flipY: false };
  const d = info.shape.length;
  const H = info.shape[d - 2];
  const W = info.shape[d - 1];
  if (info.latLon && info.latLon.lat.length === H * W && H >= 2 && W >= 2) {
    const dLat = meanOfRow(info.latLon.lat, W, H - 1) - meanOfRow(info.latLon.lat, W, 0);
    const dLon = meanOfColumn(info.latLon.lon, W, H, W - 1) - meanOfColumn(info.latLon.lon, W, H, 0);
    return { flipY: dLat > 0, flipX: dLon < 0 };
  }
  return { flipY: axisDirection(info, d - 2) > 0, flipX: axisDirection(info, d - 1) < 0 };
}

/** Physical pixel aspects beyond this ratio (axes in unrelated units) show square. */
const MAX_ASPECT = 50;

/**
 * The pixel shape of the main 2D view: maps get their flips and the aspect of their cells
 * (|row step| / |column step| where both axes share units); everything else square, row 0 on top.
 */
export function mainPixelShape(info: MapInfo | null | undefined): PixelShape {
  if (!info || !isMapGrid(info)) return { aspect: 1, flipY: false };
  const d = info.shape.length;
  const { flipX, flipY } = mapFlip(info);
  let aspect = 1;
  const sy = Math.abs(info.spacing[d - 2] ?? 1);
  const sx = Math.abs(info.spacing[d - 1] ?? 1);
  const sameUnits = stripDirection(unitsOf(info, d - 2)) === stripDirection(unitsOf(info, d - 1));
  if (sameUnits && sy > 0 && sx > 0 && Number.isFinite(sy / sx)) {
    const r = sy / sx;
    if (r <= MAX_ASPECT && r >= 1 / MAX_ASPECT) aspect = r;
  }
  return { aspect, flipY, ...(flipX ? { flipX } : {}) };
}

/** `degrees_north` and `degrees_east` are the same unit. */
function stripDirection(u: string): string {
  return u
    .trim()
    .toLowerCase()
    .replace(/^degrees?_?(north|east|n|e)$/, 'degrees');
}

/**
 * A slice mirrored as a map view shows it (rows reversed for `flipY`, columns for `flipX`), for
 * consumers that draw storage order as is (the 3D height field). The input is left untouched.
 */
export function mirroredSlice<S extends { width: number; height: number; channels: number; values: Float32Array; mask?: Uint8Array }>(s: S, flipX: boolean, flipY: boolean): S {
  if (!flipX && !flipY) return s;
  const { width: W, height: H, channels: C } = s;
  const values = new Float32Array(s.values.length);
  const mask = s.mask ? new Uint8Array(s.mask.length) : undefined;
  for (let y = 0; y < H; y++) {
    const sy = flipY ? H - 1 - y : y;
    for (let x = 0; x < W; x++) {
      const sx = flipX ? W - 1 - x : x;
      const to = y * W + x;
      const from = sy * W + sx;
      for (let c = 0; c < C; c++) values[to * C + c] = s.values[from * C + c];
      if (mask && s.mask) mask[to] = s.mask[from];
    }
  }
  return { ...s, values, ...(mask ? { mask } : {}) };
}
