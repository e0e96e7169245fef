/**
 * The three orthogonal planes of a volume: axial (y, x at a fixed z), coronal (z, x at a fixed
 * y) and sagittal (z, y at a fixed x), over the last three axes of a dataset (z, y, x in storage
 * order). A position is one index per axis of the dataset; axes before the last three (the time
 * of a 4D series) stay where the session's slice position puts them.
 *
 * Display: rows are shown in storage order in the axial plane, and with z up (row 0 at the
 * bottom) in the other two, each with the physical aspect of its pixels. Pure: no Vue, no DOM.
 */
import type { DatasetInfo } from '../../../main/api/contract';
import { indexWithRange, type GridInfo } from './coords';
import type { ViewCoords } from './readout';
import { clampIndex } from './slicing';
import type { PixelShape } from './viewTransform';

export type PlaneName = 'axial' | 'coronal' | 'sagittal';
export const PLANE_NAMES: readonly PlaneName[] = ['axial', 'coronal', 'sagittal'];

type Info = Pick<DatasetInfo, 'shape' | 'axes' | 'spacing' | 'origin'>;

/** Which of the last three axes (0 = z, 1 = y, 2 = x) span a plane and which one it cuts. */
interface PlaneAxes {
  row: 0 | 1 | 2;
  col: 0 | 1 | 2;
  fixed: 0 | 1 | 2;
  flipY: boolean;
}

const PLANE_AXES: Record<PlaneName, PlaneAxes> = {
  axial: { row: 1, col: 2, fixed: 0, flipY: false },
  coronal: { row: 0, col: 2, fixed: 1, flipY: true },
  sagittal: { row: 0, col: 1, fixed: 2, flipY: true },
};

/** Slicer's colours: each plane's own colour, used for its title and for its line elsewhere. */
export const PLANE_COLORS: Record<PlaneName, string> = {
  axial: '#e5534b',
  coronal: '#57c26a',
  sagittal: '#e8c547',
};

/** Physical pixel aspects beyond this ratio (units that are not lengths, such as time against degrees) show square. */
const MAX_ASPECT = 50;

/** True for datasets with three or more axes whose last three each have at least 2 samples. */
export function isVolume(info: Pick<DatasetInfo, 'shape'> | null | undefined): boolean {
  if (!info || info.shape.length < 3) return false;
  const d = info.shape.length;
  return info.shape[d - 3] >= 2 && info.shape[d - 2] >= 2 && info.shape[d - 1] >= 2;
}

export interface PlaneSpec {
  name: PlaneName;
  /** Dataset axis numbers of the plane's rows, columns and the axis it cuts. */
  rowDim: number;
  colDim: number;
  fixedDim: number;
  flipY: boolean;
}

export function planeSpec(info: Pick<DatasetInfo, 'shape'>, name: PlaneName): PlaneSpec {
  const d0 = info.shape.length - 3;
  const a = PLANE_AXES[name];
  return { name, rowDim: d0 + a.row, colDim: d0 + a.col, fixedDim: d0 + a.fixed, flipY: a.flipY };
}

/** The request for a plane at a position: `plane` = [row axis, column axis], `at` = the position. */
export function planeRequest(spec: PlaneSpec, position: readonly number[]): { plane: [number, number]; at: number[] } {
  return { plane: [spec.rowDim, spec.colDim], at: [...position] };
}

/**
 * What a plane's picture depends on: every index but its own two axes. Two positions with the
 * same key show the same plane.
 */
export function planeKey(spec: PlaneSpec, position: readonly number[]): string {
  return position.map((v, k) => (k === spec.rowDim || k === spec.colDim ? '*' : String(v))).join(',');
}

function spacingOf(info: Info, dim: number): number {
  const s = Math.abs(info.spacing[dim] ?? 1);
  return Number.isFinite(s) && s > 0 ? s : 1;
}

/** Row spacing over column spacing, and whether z is shown up. */
export function pixelShape(info: Info, spec: PlaneSpec): PixelShape {
  const r = spacingOf(info, spec.rowDim) / spacingOf(info, spec.colDim);
  const aspect = r > MAX_ASPECT || r < 1 / MAX_ASPECT ? 1 : r;
  return { aspect, flipY: spec.flipY };
}

/** What the plane's cursor readout needs: the grid, the plane's row and column axes, and the position it cuts at. */
export function planeCoordsOf(info: GridInfo, spec: PlaneSpec, position: readonly number[]): ViewCoords {
  return { grid: info, rowDim: spec.rowDim, colDim: spec.colDim, at: [...position] };
}

/** The crosshair in a plane's image coordinates: the centres of the other two planes' pixels. */
export function crosshairIn(spec: PlaneSpec, position: readonly number[]): { x: number; y: number } {
  return { x: (position[spec.colDim] ?? 0) + 0.5, y: (position[spec.rowDim] ?? 0) + 0.5 };
}

/** The colours of the crosshair's lines in a plane: the vertical line (fixed column) and the horizontal one (fixed row). */
export function crosshairColors(spec: PlaneSpec, info: Pick<DatasetInfo, 'shape'>): { vertical: string; horizontal: string } {
  const d0 = info.shape.length - 3;
  const planeCutting = (dim: number): PlaneName => (dim === d0 ? 'axial' : dim === d0 + 1 ? 'coronal' : 'sagittal');
  return { vertical: PLANE_COLORS[planeCutting(spec.colDim)], horizontal: PLANE_COLORS[planeCutting(spec.rowDim)] };
}

/** The position moved to the pixel at image coordinates (x, y) of a plane, clamped to the volume. */
export function pointAt(info: Pick<DatasetInfo, 'shape'>, spec: PlaneSpec, position: readonly number[], x: number, y: number): number[] {
  const next = [...position];
  next[spec.colDim] = clampIndex(Math.floor(x), info.shape[spec.colDim]);
  next[spec.rowDim] = clampIndex(Math.floor(y), info.shape[spec.rowDim]);
  return next;
}

/** The position with a plane's own slice moved by `delta`, clamped to the volume. */
export function stepPlane(info: Pick<DatasetInfo, 'shape'>, spec: PlaneSpec, position: readonly number[], delta: number): number[] {
  const next = [...position];
  next[spec.fixedDim] = clampIndex((position[spec.fixedDim] ?? 0) + delta, info.shape[spec.fixedDim]);
  return next;
}

/** The centre of the volume's last three axes, leading axes as given. */
export function centreOf(info: Pick<DatasetInfo, 'shape'>, leading: readonly number[] = []): number[] {
  const d = info.shape.length;
  return info.shape.map((n, k) => (k < d - 3 ? clampIndex(leading[k] ?? 0, n) : Math.floor((n - 1) / 2)));
}

/** Physical coordinate of each index of a position: origin + index × spacing. */
export function physicalOf(info: Info, position: readonly number[]): number[] {
  return position.map((i, k) => (info.origin[k] ?? 0) + i * (info.spacing[k] ?? 1));
}

/** The plane's own slice, 0-based with its axis's range: `z 90 [0–180]`. */
export function sliceLabelOf(info: Info, spec: PlaneSpec, position: readonly number[]): string {
  const k = spec.fixedDim;
  return `${info.axes[k] ?? `axis ${k}`} ${indexWithRange(position[k] ?? 0, info.shape[k])}`;
}
