/**
 * The 'fit' job: open a dataset, fit the chosen method, reconstruct, measure. Runs in a runner
 * worker; the ELM solve fans out further over its own pool of threads.
 */
import { openField, type OpenOptions } from '../data/index';
import { InrError } from '../core/errors';
import { isNetMethod, runFitTask, type FitReport, type FitTaskOptions } from '../tasks/fit';
import { netTaskOptions } from '../inr/nets/flags';
import type { JobContext } from './types';

export interface FitJobParams {
  path: string;
  open?: OpenOptions;
  method: string;
  task: 'fit' | 'inpaint' | 'superres';
  options: Record<string, number | string | boolean>;
}

export interface FitJobResult {
  reconstruction: Float32Array;
  report: FitReport;
  metrics: Record<string, number>;
  summary: Record<string, number | string | boolean>;
}

const NUMERIC = ['hidden', 'overlap', 'freq', 'ridge', 'seed', 'budget', 'drop', 'scale', 'zscale', 'threads'] as const;

/** Turn UI/CLI key-values into typed task options, rejecting unknown keys. */
export function taskOptions(method: string, options: Record<string, number | string | boolean>): FitTaskOptions {
  if (isNetMethod(method)) return { method, net: netTaskOptions(method, options) };
  const out: FitTaskOptions = { method };
  for (const [k, v] of Object.entries(options)) {
    if ((NUMERIC as readonly string[]).includes(k)) {
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) throw new InrError('E_ARG', `--${k} must be a number, got '${v}'`);
      (out as unknown as Record<string, number>)[k] = n;
    } else if (k === 'subdomains') {
      const parts = String(v).split(/[x×,]/).map(Number);
      if (parts.some((p) => !Number.isFinite(p))) throw new InrError('E_ARG', `--subdomains takes N or NxM(xK), got '${v}'`);
      out.subdomains = parts.length === 1 ? parts[0] : parts;
    } else if (k === 'activation') {
      out.activation = String(v) as FitTaskOptions['activation'];
    } else if (k === 'strategy') {
      out.strategy = String(v) as FitTaskOptions['strategy'];
    } else {
      throw new InrError('E_ARG', `unknown option '${k}' for method ${method}`);
    }
  }
  return out;
}

export async function fitJob(p: FitJobParams, ctx: JobContext): Promise<FitJobResult> {
  ctx.progress('reading', 0);
  const field = await openField(p.path, p.open ?? {});
  ctx.throwIfCancelled();
  const opts = taskOptions(p.method, p.options);
  if (p.task === 'inpaint' && opts.drop === undefined) opts.drop = 0.5;
  if (p.task === 'superres' && opts.scale === undefined && opts.zscale === undefined) opts.scale = 2;
  const started = Date.now();
  const r = await runFitTask(field, opts, {
    signal: ctx.signal,
    onProgress: (stage, fraction, metrics) => {
      ctx.progress(stage, fraction, { ...metrics, elapsed: (Date.now() - started) / 1000 });
    },
  });
  const rep = r.report;
  const metrics: Record<string, number> = { psnr: rep.psnr, rmse: rep.rmse, mae: rep.mae, seconds: rep.seconds, params: rep.params };
  if (rep.ssim !== undefined) metrics.ssim = rep.ssim;
  if (rep.psnr_unobserved !== undefined) metrics.psnr_unobserved = rep.psnr_unobserved;
  ctx.progress('done', 1, { psnr: rep.psnr, elapsed: rep.seconds });
  return {
    reconstruction: r.reconstruction.values,
    report: rep,
    metrics,
    summary: {
      method: rep.method,
      task: rep.task,
      backend: rep.backend,
      params: rep.params,
      cells: rep.beam ? `${rep.beam.cells} adaptive` : rep.mesh ? rep.mesh.cells.join('×') : '—',
      hidden: rep.mesh?.hidden ?? Number(rep.net?.width ?? 0),
    },
  };
}
