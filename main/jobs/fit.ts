/**
 * The 'fit' job: open a dataset, fit the chosen method, reconstruct, measure. Runs in a runner
 * worker; the ELM solve fans out further over its own pool of threads.
 */
import type { BeamMeshInfo } from '../api/contract';
import { sampleCount } from '../core/field';
import { openField, type OpenOptions } from '../data/index';
import { InrError } from '../core/errors';
import { isNetMethod, runFitTask, type FitReport, type FitTaskOptions } from '../tasks/fit';
import { netTaskOptions } from '../inr/nets/flags';
import { encodeNetModel } from '../inr/nets/io';
import type { NetModel } from '../inr/nets/task';
import { encodeModel, type ModelFieldInfo } from '../inr/elm/io';
import type { ElmModel } from '../inr/elm/model';
import { beamMeshJson, type BeamModel } from '../inr/elm/beam/index';
import { encodeBeamModel } from '../inr/elm/beam/io';
import type { JobContext } from './types';

export interface FitJobParams {
  path: string;
  open?: OpenOptions;
  method: string;
  task: 'fit' | 'inpaint' | 'superres';
  options: Record<string, number | string | boolean>;
  /** prod(shape) entries, 1 = keep this sample out of the fit (a brushed inpainting mask). */
  hide?: Uint8Array;
}

export interface FitJobResult {
  reconstruction: Float32Array;
  /** Super-resolution: the field on the finer grid. */
  upsampled?: { shape: number[]; spacing: number[]; origin: number[]; values: Float32Array };
  /** The fitted model as its file: `.inr` (ELM, ELM+BEAM) or JSON (nets). */
  model: { name: string; bytes: Uint8Array };
  mesh?: BeamMeshInfo & { json: string };
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
    } else if (k === 'mesh') {
      out.meshFile = String(v);
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
  if (p.hide) {
    const n = sampleCount(field.shape);
    if (p.hide.length !== n) throw new InrError('E_ARG', `the inpainting mask has ${p.hide.length} samples, the data ${n}; it was drawn on another dataset`);
    const use = new Uint8Array(n);
    let hidden = 0;
    for (let i = 0; i < n; i++) {
      use[i] = p.hide[i] ? 0 : 1;
      hidden += p.hide[i] ? 1 : 0;
    }
    if (hidden === 0) throw new InrError('E_ARG', 'the inpainting mask is empty: paint the region to fill in, or hide a random fraction');
    opts.mask = use;
  }
  if (p.task === 'inpaint' && opts.drop === undefined && !p.hide) opts.drop = 0.5;
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
  ctx.progress('saving', 0.99);
  const fieldInfo: ModelFieldInfo = { axes: field.axes, channels: field.channels, units: field.units, dtype: field.dtype, geometry: field.geometry, source: field.provenance.path };
  let model: FitJobResult['model'];
  let mesh: FitJobResult['mesh'];
  if (rep.net) {
    model = { name: 'model.json', bytes: new TextEncoder().encode(encodeNetModel(r.model as NetModel, { field: fieldInfo })) };
  } else if (rep.method === 'elm-beam') {
    const beam = r.model as BeamModel;
    model = { name: 'model.inr', bytes: encodeBeamModel(beam, fieldInfo) };
    const m = beamMeshJson(beam);
    mesh = { shape: m.shape, cells: m.cells, json: JSON.stringify(m) + '\n' };
  } else {
    model = { name: 'model.inr', bytes: encodeModel(r.model as ElmModel, fieldInfo) };
  }
  const up = r.upsampled;
  ctx.progress('done', 1, { psnr: rep.psnr, elapsed: rep.seconds });
  return {
    reconstruction: r.reconstruction.values,
    upsampled: up ? { shape: up.shape, spacing: up.geometry.spacing, origin: up.geometry.origin, values: up.values } : undefined,
    model,
    mesh,
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
