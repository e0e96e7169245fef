/** The value under the cursor and its coordinates, as shown in a view's corner. */
import type { SliceData } from '../../../main/api/contract';
import { positionIn, positionText, type GridInfo, type PlaneAxes } from './coords';
import { formatValue } from './format';

/** What a view needs to state where a pixel is: the grid, the plane's axes and the indices on the others. */
export interface ViewCoords extends PlaneAxes {
  grid: GridInfo;
  /** Indices on every axis of the grid; the plane's own two are replaced by the pixel's. */
  at: readonly number[];
}

export interface CursorReadout {
  /** Pixel indices (column, row). */
  x: number;
  y: number;
  /** Channel values, or null where the sample is nodata. */
  values: number[] | null;
}

/** The sample at continuous image coordinates (x, y), or undefined outside the slice. */
export function readoutAt(slice: SliceData, x: number, y: number): CursorReadout | undefined {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  if (ix < 0 || iy < 0 || ix >= slice.width || iy >= slice.height) return undefined;
  const i = iy * slice.width + ix;
  if (slice.mask && !slice.mask[i]) return { x: ix, y: iy, values: null };
  const C = slice.channels;
  return { x: ix, y: iy, values: Array.from(slice.values.subarray(i * C, i * C + C)) };
}

/** Indices (0-based, storage order) and coordinates of a readout: `[y 34, x 12]  lat 50.1875°  lon 5.7458°  · WGS 84`. */
export function formatPosition(r: CursorReadout, c?: ViewCoords): string {
  if (!c) return `[y ${r.y}, x ${r.x}]`;
  return positionText(c.grid, positionIn(c.grid, c, c.at, r.x, r.y), c);
}

/** `R 200  G 150  B 100`, or `123.4 HU`; long band lists are cut after `max` entries. */
export function formatValues(r: CursorReadout, channels: readonly string[] = [], units?: string, max = 4): string {
  if (!r.values) return 'nodata';
  const u = units ? ` ${units}` : '';
  if (r.values.length === 1) return `${formatValue(r.values[0])}${u}`;
  const parts = r.values.slice(0, max).map((v, c) => `${channels[c] ?? `c${c}`} ${formatValue(v)}`);
  if (r.values.length > max) parts.push(`+${r.values.length - max}`);
  return parts.join('  ') + u;
}
