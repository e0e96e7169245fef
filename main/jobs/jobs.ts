/**
 * The engine's job table: every kind of heavy work the runner can do in a worker.
 * Jobs take plain, structured-cloneable params and return plain results.
 */
import { fieldStats, type Field, type FieldStats } from '../core/field';
import type { JobContext, JobTable } from './types';
import { fitJob } from './fit';

export interface StatsParams {
  field: Field;
}

export interface StatsResult {
  stats: FieldStats;
  shape: number[];
  channels: string[];
}

/** Per-channel statistics of a dataset the engine holds (min, max, mean, std, 2–98% range). */
async function statsJob(p: StatsParams, ctx: JobContext): Promise<StatsResult> {
  const { field } = p;
  ctx.progress('statistics', 0);
  const stats = fieldStats(field, (f) => {
    ctx.throwIfCancelled();
    ctx.progress('statistics', f);
  });
  ctx.progress('statistics', 1, { valid: stats.valid, maskedFraction: stats.maskedFraction });
  return { stats, shape: field.shape, channels: field.channels };
}

export const defaultJobs: JobTable = {
  stats: statsJob,
  fit: fitJob,
};
