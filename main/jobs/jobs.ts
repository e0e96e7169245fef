/**
 * The engine's job table: every kind of heavy work the runner can do in a worker.
 * Jobs take plain, structured-cloneable params and return plain results.
 */
import { openField, type OpenOptions } from '../data/index';
import { fieldStats, type FieldStats } from '../core/field';
import type { JobContext, JobTable } from './types';
import { fitJob } from './fit';

export interface StatsParams {
  path: string;
  open?: OpenOptions;
}

export interface StatsResult {
  stats: FieldStats;
  shape: number[];
  channels: string[];
}

/** Open a dataset and compute its per-channel statistics (min, max, mean, std, 2–98% range). */
export async function statsJob(p: StatsParams, ctx: JobContext): Promise<StatsResult> {
  ctx.progress('reading', 0);
  const field = await openField(p.path, p.open ?? {});
  ctx.throwIfCancelled();
  ctx.progress('statistics', 0.5);
  const stats = fieldStats(field, (f) => {
    ctx.throwIfCancelled();
    ctx.progress('statistics', 0.5 + 0.5 * f);
  });
  ctx.progress('statistics', 1, { valid: stats.valid, maskedFraction: stats.maskedFraction });
  return { stats, shape: field.shape, channels: field.channels };
}

export const defaultJobs: JobTable = {
  stats: statsJob,
  fit: fitJob,
};
