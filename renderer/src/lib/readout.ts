/** The value under the cursor and its coordinates, as shown in a view's corner. */
import type { SliceData } from '../../../main/api/contract';
import { formatValue } from './format';
import { hasPhysicalGeometry } from './slicing';

export interface PlaneGeometryLike {
  xName: string;
  yName: string;
  sx: number;
  sy: number;
  ox: number;
  oy: number;
  /** Names for the column and row indices (default x and y): a coronal plane's rows are z. */
  indexNames?: [string, string];
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

export function formatPosition(r: CursorReadout, g?: PlaneGeometryLike): string {
  const [xi, yi] = g?.indexNames ?? ['x', 'y'];
  const px = `${xi} ${r.x}  ${yi} ${r.y}`;
  if (!g || !hasPhysicalGeometry(g)) return px;
  const X = g.ox + r.x * g.sx;
  const Y = g.oy + r.y * g.sy;
  return `${px}  (${g.xName} ${formatValue(X, 5)}, ${g.yName} ${formatValue(Y, 5)})`;
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
