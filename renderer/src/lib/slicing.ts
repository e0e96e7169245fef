/**
 * The leading axes of a dataset (all but the last two): the ones a 2D view scrolls through.
 * A slice position is one index per leading axis.
 */
import type { DatasetInfo } from '../../../main/api/contract';

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

/** True where the geometry is not just pixel indices (spacing ≠ 1 or origin ≠ 0). */
export function hasPhysicalGeometry(g: { sx: number; sy: number; ox: number; oy: number }): boolean {
  return g.sx !== 1 || g.sy !== 1 || g.ox !== 0 || g.oy !== 0;
}
