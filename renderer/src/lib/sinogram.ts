/**
 * A CT run's sinogram as the views show it: its grid (rows = view angles in degrees, columns =
 * detector bins, bin k at s = k − ⌊D/2⌋ pixels from the rotation centre, as main/ct/radon.ts
 * defines the geometry), the pixel shape that keeps a few-view sinogram readable, the window
 * over its full range, and the angle ticks of the view's left edge. Pure: no Vue, no DOM.
 */
import type { JobResult, SliceData } from '../../../main/api/contract';
import type { GridInfo } from './coords';
import type { WindowLevel } from './windowLevel';
import type { PixelShape } from './viewTransform';

export type SinogramInfo = NonNullable<JobResult['sinogram']>;

/** The sinogram's grid for the cursor readout: `[angle 5, detector 91]  (detector 0, angle 30°)`. */
export function sinogramGrid(s: SinogramInfo): GridInfo {
  const [views, detectors] = s.shape;
  const a = s.angles;
  const step = a.length > 1 ? a[1] - a[0] : 180 / Math.max(1, views);
  return {
    format: 'sinogram',
    shape: [views, detectors],
    axes: ['angle', 'detector'],
    spacing: [step, 1],
    origin: [a[0] ?? 0, -Math.floor(detectors / 2)],
    coordinates: { angle: { values: [...a], units: 'degrees' } },
    axisUnits: ['degrees', ''],
  };
}

/**
 * Rows drawn taller than columns are wide so that a sinogram of few views still fills a view:
 * the shown height is about ¾ of the width (never squeezed below square pixels).
 */
export function sinogramPixelShape(s: Pick<SinogramInfo, 'shape'>): PixelShape {
  const [views, detectors] = s.shape;
  return { aspect: Math.max(1, (0.75 * detectors) / Math.max(1, views)), flipY: false };
}

/** The window over the sinogram's finite values, min to max (a flat sinogram gets a unit width). */
export function sinogramWindow(slice: SliceData): WindowLevel {
  let lo = Infinity;
  let hi = -Infinity;
  const C = slice.channels;
  for (let i = 0; i < slice.width * slice.height; i++) {
    const v = slice.values[i * C];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) return { center: 0.5, width: 1 };
  const width = hi > lo ? hi - lo : Math.max(1, Math.abs(hi));
  return { center: hi > lo ? (lo + hi) / 2 : hi, width };
}

export interface RowTick {
  /** Row position in image pixels (continuous: 0 is the top edge of row 0, row r's centre is r + ½). */
  row: number;
  label: string;
}

/**
 * Ticks along the angle axis: every `step` degrees (30 by default, 15 for a range of 60° or
 * less) that falls on the sampled rows, at the centre of the row of that angle, interpolated
 * between views (angles equally spaced, increasing).
 */
export function angleTicks(angles: readonly number[], step?: number): RowTick[] {
  const n = angles.length;
  if (n === 0) return [];
  const first = angles[0];
  const last = angles[n - 1];
  const d = n > 1 ? (last - first) / (n - 1) : 1;
  const span = Math.abs(last - first);
  const every = step ?? (span <= 60 ? 15 : 30);
  const out: RowTick[] = [];
  for (let deg = Math.ceil(first / every - 1e-9) * every; deg <= last + 1e-9; deg += every) {
    const r = d !== 0 ? (deg - first) / d : 0;
    out.push({ row: r + 0.5, label: `${Math.round(deg * 100) / 100}°` });
  }
  return out;
}
