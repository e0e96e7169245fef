/**
 * Window/level: the linear map from physical values to display intensity. A window is a
 * centre and a width in the data's units; it shows [centre − width/2, centre + width/2] as
 * black to white. Pure functions, no DOM.
 */
import type { ChannelStats } from '../../../main/api/contract';

export interface WindowLevel {
  center: number;
  width: number;
}

export interface ValueRange {
  lo: number;
  hi: number;
}

/** The smallest width a window may have relative to the data's spread (avoids division by 0). */
const MIN_WIDTH = 1e-9;

export function windowToRange(w: WindowLevel): ValueRange {
  return { lo: w.center - w.width / 2, hi: w.center + w.width / 2 };
}

export function rangeToWindow(r: ValueRange): WindowLevel {
  return { center: (r.lo + r.hi) / 2, width: r.hi - r.lo };
}

/** A range that is never empty: equal ends are widened by ±0.5 (a constant image shows mid-gray). */
function safeRange(lo: number, hi: number): ValueRange {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 1 };
  if (hi > lo) return { lo, hi };
  return { lo: lo - 0.5, hi: lo + 0.5 };
}

/** The 2–98 % cumulative-cut stretch of a channel; min–max where the percentiles coincide. */
export function autoRange(s: Pick<ChannelStats, 'min' | 'max' | 'p2' | 'p98'>): ValueRange {
  if (Number.isFinite(s.p2) && Number.isFinite(s.p98) && s.p98 > s.p2) return { lo: s.p2, hi: s.p98 };
  return safeRange(s.min, s.max);
}

export function fullRange(s: Pick<ChannelStats, 'min' | 'max'>): ValueRange {
  return safeRange(s.min, s.max);
}

/** The nominal range of an integer storage type, used for the identity display of 8-bit images. */
export function dtypeRange(dtype: string): ValueRange | undefined {
  switch (dtype) {
    case 'uint8':
      return { lo: 0, hi: 255 };
    case 'int8':
      return { lo: -128, hi: 127 };
    case 'uint16':
      return { lo: 0, hi: 65535 };
    case 'int16':
      return { lo: -32768, hi: 32767 };
    default:
      return undefined;
  }
}

/**
 * Mouse window/level, as in Cornerstone and Slicer: dragging right widens the window, dragging
 * down raises the level. `sensitivity` is data units per screen pixel (a fraction of the data's
 * spread, so a drag across the view covers the whole range whatever the units).
 */
export function dragWindow(w: WindowLevel, dx: number, dy: number, sensitivity: number): WindowLevel {
  // The narrowest window is one pixel's worth of drag: a hard threshold, never zero or negative.
  const width = Math.max(w.width + dx * sensitivity, Math.abs(sensitivity) || MIN_WIDTH);
  return { center: w.center + dy * sensitivity, width };
}

/** The same drag applied to a range (RGB channels): each range keeps its own centre and width. */
export function dragRange(r: ValueRange, dx: number, dy: number, sensitivity: number): ValueRange {
  return windowToRange(dragWindow(rangeToWindow(r), dx, dy, sensitivity));
}

/** Data units per screen pixel for mouse W/L: a 512-pixel drag spans the channel's full spread. */
export function dragSensitivity(s: Pick<ChannelStats, 'min' | 'max'>): number {
  const spread = s.max - s.min;
  return Number.isFinite(spread) && spread > 0 ? spread / 512 : 1 / 512;
}

export function byteScale(r: ValueRange): number {
  const span = r.hi - r.lo;
  return span > 0 ? 255 / span : 255 / MIN_WIDTH;
}
