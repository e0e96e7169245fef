/**
 * The leading axes of a dataset (all but the last two): the ones a 2D view scrolls through.
 * A slice position is one index per leading axis.
 */
import type { AxisCoordinates, DatasetInfo } from '../../../main/api/contract';
import { formatValue } from './format';

export interface LeadingAxis {
  /** Position in `shape` / `axes`. */
  dim: number;
  name: string;
  size: number;
  spacing: number;
  origin: number;
}

export function leadingAxes(info: Pick<DatasetInfo, 'shape' | 'axes' | 'spacing' | 'origin'>): LeadingAxis[] {
  const d = info.shape.length;
  const out: LeadingAxis[] = [];
  for (let k = 0; k < d - 2; k++) {
    out.push({ dim: k, name: info.axes[k] ?? `axis ${k}`, size: info.shape[k], spacing: info.spacing[k] ?? 1, origin: info.origin[k] ?? 0 });
  }
  return out;
}

export function clampIndex(i: number, size: number): number {
  if (!Number.isFinite(i)) return 0;
  return Math.min(Math.max(0, Math.round(i)), Math.max(0, size - 1));
}

/** The position with one leading axis moved by `delta`, clamped to the axis. */
export function stepIndex(index: readonly number[], axes: readonly LeadingAxis[], axis: number, delta: number): number[] {
  const next = axes.map((a, k) => clampIndex(index[k] ?? 0, a.size));
  if (axis >= 0 && axis < axes.length) next[axis] = clampIndex(next[axis] + delta, axes[axis].size);
  return next;
}

/** A page step: a tenth of the axis, at least one. */
export function pageStep(size: number): number {
  return Math.max(1, Math.round(size / 10));
}

/** The in-plane geometry (last two axes) for coordinate read-outs: spacing and origin of y and x. */
export function planeGeometry(info: Pick<DatasetInfo, 'shape' | 'axes' | 'spacing' | 'origin'>): {
  xName: string;
  yName: string;
  sx: number;
  sy: number;
  ox: number;
  oy: number;
} {
  const d = info.shape.length;
  if (d < 2) return { xName: info.axes[0] ?? 'x', yName: '', sx: info.spacing[0] ?? 1, sy: 1, ox: info.origin[0] ?? 0, oy: 0 };
  return {
    xName: info.axes[d - 1] ?? 'x',
    yName: info.axes[d - 2] ?? 'y',
    sx: info.spacing[d - 1] ?? 1,
    sy: info.spacing[d - 2] ?? 1,
    ox: info.origin[d - 1] ?? 0,
    oy: info.origin[d - 2] ?? 0,
  };
}

/** Unit names as people read them on an axis: millibar(s) → hPa, degrees_north → °N. */
export function displayUnits(units: string | undefined): string | undefined {
  if (!units) return undefined;
  const u = units.trim();
  if (/^(millibars?|mbar|mb|hpa)$/i.test(u)) return 'hPa';
  if (/^degrees?_?north$|^degrees?_?n$/i.test(u)) return '°N';
  if (/^degrees?_?east$|^degrees?_?e$/i.test(u)) return '°E';
  return u || undefined;
}

const ISO = /^(-?\d{1,6}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Dates of a time axis as short labels, from the ISO strings the engine decodes. The text is
 * cut, never parsed into a JS Date, so calendar dates JS does not know (30 February in a
 * 360-day calendar) stay as written. Times are dropped when every entry is at midnight, seconds
 * when every entry is on the minute; UTC is implied.
 */
export function dateLabels(iso: readonly string[]): string[] {
  const parts = iso.map((s) => ISO.exec(s.trim()));
  const allMidnight = parts.every((m) => !m || !m[2] || (m[2] === '00' && m[3] === '00' && (!m[4] || m[4] === '00')));
  const allOnMinute = parts.every((m) => !m || !m[4] || m[4] === '00');
  return iso.map((s, i) => {
    const m = parts[i];
    if (!m) return s;
    if (allMidnight || !m[2]) return m[1];
    return `${m[1]} ${m[2]}:${m[3]}${allOnMinute ? '' : `:${m[4] ?? '00'}`}`;
  });
}

/**
 * One label per index of an axis from its coordinate values: dates for a time axis, value plus
 * units otherwise (`850 hPa`). Undefined when the coordinates do not match the axis length.
 */
export function coordinateLabels(coords: AxisCoordinates | undefined, size: number): string[] | undefined {
  if (!coords) return undefined;
  if (coords.iso && coords.iso.length === size) return dateLabels(coords.iso);
  if (coords.values.length !== size) return undefined;
  const u = displayUnits(coords.units);
  // A time axis the engine could not decode still says "… since …": show the raw numbers.
  const unitText = u && !/\bsince\b/i.test(u) ? ` ${u}` : '';
  return coords.values.map((v) => `${formatValue(v, 6)}${unitText}`);
}

/** True where the axis holds times: decoded dates, or a CF "<unit> since <date>" unit. */
export function isTimeAxis(name: string, coords: AxisCoordinates | undefined): boolean {
  if (coords?.iso?.length) return true;
  if (coords?.units && /\bsince\b/i.test(coords.units)) return true;
  return /^(time|valid_time|t)$/i.test(name) && !!coords;
}

export interface AxisLabels {
  /** One label per index, when the axis has coordinate values. */
  labels?: string[];
  time: boolean;
}

/** Coordinate labels for each leading axis of a dataset (see `leadingAxes`). */
export function leadingAxisLabels(info: Pick<DatasetInfo, 'shape' | 'axes' | 'coordinates'>): AxisLabels[] {
  const out: AxisLabels[] = [];
  for (let k = 0; k < info.shape.length - 2; k++) {
    const name = info.axes[k] ?? '';
    const c = info.coordinates?.[name];
    out.push({ labels: coordinateLabels(c, info.shape[k]), time: isTimeAxis(name, c) });
  }
  return out;
}

/**
 * Where a leading axis stands, as text: its coordinate label (a date, `850 hPa`), else the
 * physical position `z = −72.76` where the axis has spacing or origin, else nothing.
 */
export function axisPositionText(axis: LeadingAxis, index: number, labels?: readonly string[]): string {
  const label = labels?.[index];
  if (label !== undefined) return label;
  if (axis.spacing !== 1 || axis.origin !== 0) return `${axis.name} = ${formatValue(axis.origin + index * axis.spacing, 5)}`;
  return '';
}
