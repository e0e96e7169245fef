/**
 * The dataset panel's wording of a grid: the sample spacing of each axis as a magnitude with its
 * units (`z 1 mm · y 0.859 mm · x 0.859 mm`, `lat 2° · lon 2°`, `y 28.5 m · x 28.5 m`,
 * `time 1 h · level 25 hPa`). A negative step (north-up rasters, descending latitude) is a
 * direction, not a size: the panel states the size, and the views take care of the direction.
 * Pure: no Vue, no DOM.
 */
import type { DatasetInfo } from '../../../main/api/contract';
import { unitSymbol } from './coords';
import { formatValue } from './format';
import { unitsOf } from './mapGrid';
import { displayUnits } from './slicing';

/** Time units as a short symbol: `hours since 1900-01-01` → `h`. */
function timeUnit(units: string): string | undefined {
  const m = /^\s*(\w+)\s+since\b/i.exec(units);
  if (!m) return undefined;
  const u = m[1].toLowerCase();
  const short: Record<string, string> = {
    seconds: 's',
    second: 's',
    secs: 's',
    s: 's',
    minutes: 'min',
    minute: 'min',
    mins: 'min',
    hours: 'h',
    hour: 'h',
    hrs: 'h',
    h: 'h',
    days: 'd',
    day: 'd',
    d: 'd',
  };
  return short[u] ?? u;
}

/** The units an axis's spacing is in, as the panel writes them ('' when unknown). */
export function spacingUnits(
  info: Pick<DatasetInfo, 'axes' | 'shape' | 'spacing' | 'origin' | 'format'> & Partial<Pick<DatasetInfo, 'axisUnits' | 'coordinates'>>,
  dim: number,
): string {
  const raw = unitsOf(info, dim);
  if (!raw) return '';
  return timeUnit(raw) ?? unitSymbol(displayUnits(raw) ?? raw);
}

/** True where an axis's coordinate values are not origin + i · spacing (monthly dates, Gaussian latitudes). */
function isIrregular(info: Pick<DatasetInfo, 'axes' | 'shape' | 'spacing' | 'origin'> & Partial<Pick<DatasetInfo, 'coordinates'>>, dim: number): boolean {
  const c = info.coordinates?.[info.axes[dim] ?? ''];
  if (!c || c.values.length !== info.shape[dim] || c.values.length < 2) return false;
  const s = info.spacing[dim] ?? 1;
  const o = info.origin[dim] ?? 0;
  return c.values.some((v, i) => Math.abs(v - (o + i * s)) > 1e-3 * Math.max(Math.abs(s), 1e-12));
}

/** Every axis's spacing, absolute, with units (`irregular` where the coordinates are); '' for a bare pixel grid (all spacings 1, no units). */
export function spacingText(info: Pick<DatasetInfo, 'axes' | 'shape' | 'spacing' | 'origin' | 'format'> & Partial<Pick<DatasetInfo, 'axisUnits' | 'coordinates'>>): string {
  const units = info.spacing.map((_, k) => spacingUnits(info, k));
  if (info.spacing.every((s, k) => Math.abs(s) === 1 && !units[k])) return '';
  return info.spacing
    .map((s, k) => {
      if (isIrregular(info, k)) return `${info.axes[k] ?? k} irregular`;
      const u = units[k];
      const v = formatValue(Math.abs(s), 4);
      return `${info.axes[k] ?? k} ${u === '°' ? `${v}°` : u ? `${v} ${u}` : v}`;
    })
    .join(' · ');
}
