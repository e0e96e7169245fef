/**
 * The dataset panel's occupancy form as the engine's `occupancy` open request: inside is a value
 * at or above Otsu's threshold or a given one, or a label map's labels (every label ≥ 1, or a
 * list); optionally smoothed, only the N largest pieces kept and holes filled. Pure: no Vue, no DOM.
 */
import { MAX_ISLANDS, type OccupancyRequest } from '../../../main/api/contract';

export type OccupancyBy = 'otsu' | 'value' | 'labels';

export interface OccupancyForm {
  by: OccupancyBy;
  /** With `by: 'value'`: the threshold ('' until typed). */
  value: number | '';
  /** With `by: 'labels'`: labels separated by commas or spaces; empty means every label ≥ 1. */
  labels: string;
  /** Gaussian σ in the volume's length units; '' for none. */
  smooth: number | '';
  /** Keep only the `pieces` largest pieces. */
  keep: boolean;
  /** With `keep`: how many pieces (a whole number ≥ 1; '' until typed). */
  pieces: number | '';
  fill: boolean;
}

/** The labels typed, as numbers; 'positive' when none; undefined when one is not a whole number. */
export function parseLabels(text: string): number[] | 'positive' | undefined {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return 'positive';
  const out = parts.map(Number);
  return out.every((l) => Number.isInteger(l)) ? out : undefined;
}

/** Whether the form's count of pieces is one the engine takes (checked only when pieces are kept). */
export function piecesValid(f: OccupancyForm): boolean {
  return !f.keep || (typeof f.pieces === 'number' && Number.isInteger(f.pieces) && f.pieces >= 1 && f.pieces <= MAX_ISLANDS);
}

/** Whether the form's smoothing is none ('') or a positive length. */
export function smoothValid(f: OccupancyForm): boolean {
  return f.smooth === '' || (typeof f.smooth === 'number' && Number.isFinite(f.smooth) && f.smooth > 0);
}

/** What keeps the form from making a request, in words (the Open button's hint), or undefined when nothing does. */
export function occupancyFormProblem(f: OccupancyForm): string | undefined {
  if (!piecesValid(f)) return 'The pieces kept are a whole number, at least 1';
  if (!smoothValid(f)) return 'The smoothing σ is a length above 0, or empty for none';
  if (f.by === 'value' && !(typeof f.value === 'number' && Number.isFinite(f.value))) return 'Give a threshold';
  if (f.by === 'labels' && parseLabels(f.labels) === undefined) return 'Labels are whole numbers';
  return undefined;
}

/** The request for a form, or undefined while it is incomplete or wrong (`occupancyFormProblem` says why). */
export function occupancyRequestOf(f: OccupancyForm): OccupancyRequest | undefined {
  if (occupancyFormProblem(f) !== undefined) return undefined;
  const clean = { smooth: f.smooth === '' ? undefined : f.smooth, islands: f.keep ? (f.pieces as number) : undefined, fill: f.fill || undefined };
  if (f.by === 'otsu') return { threshold: 'otsu', ...clean };
  if (f.by === 'value') return { threshold: f.value as number, ...clean };
  return { labels: parseLabels(f.labels)!, ...clean };
}
