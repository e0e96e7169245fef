/**
 * Anatomical orientation letters for slice views (R/L, A/P, S/I at the view edges, as 3D Slicer,
 * ITK-SNAP and OHIF show them), from a dataset's `orientation` (its patient frame and the
 * direction of each index axis).
 *
 * A direction's letters: the column of `direction` for the index axis, times the sign,
 * normalised; then the letter of each patient component whose magnitude is at least
 * `OBLIQUE_MIN` (0.3), largest first, at most two. So an axis-aligned direction gives one letter
 * ('R'), an oblique one two ('RA': mostly Right, partly Anterior), and a missing, zero or
 * non-finite direction none (''). Pure: no Vue, no DOM.
 */
import type { DatasetOrientation } from '../../../main/api/contract';

/** Storage axis among the last three: 0 = z, 1 = y, 2 = x. */
export type StorageAxis = 0 | 1 | 2;

export interface EdgeLabels {
  top: string;
  right: string;
  bottom: string;
  left: string;
}

/** Smallest share of a direction (after normalising) that still earns a letter. */
const OBLIQUE_MIN = 0.3;

/** Letters of each patient component, [positive, negative], per frame. */
const LETTERS: Record<DatasetOrientation['frame'], [string, string][]> = {
  LPS: [
    ['L', 'R'],
    ['P', 'A'],
    ['S', 'I'],
  ],
  RAS: [
    ['R', 'L'],
    ['A', 'P'],
    ['S', 'I'],
  ],
};

/** The patient letters of the direction of increasing (sign 1) or decreasing (sign -1) index along a storage axis. */
export function directionLetter(o: DatasetOrientation | null | undefined, axis: StorageAxis, sign: 1 | -1): string {
  const letters = o ? LETTERS[o.frame] : undefined;
  if (!o || !letters || o.direction.length !== 9) return '';
  // Columns of `direction` are x, y, z; storage axes are z, y, x.
  const col = 2 - axis;
  const v = [0, 1, 2].map((row) => sign * o.direction[row * 3 + col]);
  const norm = Math.hypot(v[0], v[1], v[2]);
  if (!Number.isFinite(norm) || norm === 0) return '';
  return [0, 1, 2]
    .map((k) => ({ k, c: v[k] / norm }))
    .filter((e) => Math.abs(e.c) >= OBLIQUE_MIN)
    .sort((a, b) => Math.abs(b.c) - Math.abs(a.c))
    .slice(0, 2)
    .map((e) => letters[e.k][e.c > 0 ? 0 : 1])
    .join('');
}

/**
 * The four edge letters of a view whose screen rows run along storage axis `row` and columns
 * along `col`. Columns increase to the right; rows increase downwards, or upwards when `flipY`
 * (z up). Null without an orientation, so a view shows no letters.
 */
export function edgeLabelsOf(o: DatasetOrientation | null | undefined, row: StorageAxis, col: StorageAxis, flipY: boolean): EdgeLabels | null {
  if (!o) return null;
  const down: 1 | -1 = flipY ? -1 : 1;
  return {
    right: directionLetter(o, col, 1),
    left: directionLetter(o, col, -1),
    bottom: directionLetter(o, row, down),
    top: directionLetter(o, row, -down as 1 | -1),
  };
}

/** The main 2D view: the last two axes, rows = y (downwards), columns = x. */
export function mainEdgeLabels(o: DatasetOrientation | null | undefined): EdgeLabels | null {
  return edgeLabelsOf(o, 1, 2, false);
}

/**
 * A plane view of `orthoPlanes`: its row and column dataset axes (`rowDim`, `colDim`) and flip,
 * for a dataset of `ndim` axes (the last three are z, y, x).
 */
export function planeEdgeLabels(o: DatasetOrientation | null | undefined, spec: { rowDim: number; colDim: number; flipY: boolean }, ndim: number): EdgeLabels | null {
  const d0 = ndim - 3;
  const row = spec.rowDim - d0;
  const col = spec.colDim - d0;
  const ok = (a: number): a is StorageAxis => a === 0 || a === 1 || a === 2;
  if (!ok(row) || !ok(col)) return null;
  return edgeLabelsOf(o, row, col, spec.flipY);
}
