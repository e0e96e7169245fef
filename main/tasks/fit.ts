/**
 * The fit task: Field in → the chosen method of the registry → reconstruction Field (+ a
 * resampled one for super-resolution and through-plane interpolation) + model + metrics. The same
 * pipeline serves every method and task: representation, inpainting (fit the observed samples,
 * reconstruct everywhere), super-resolution and through-plane resampling.
 */
import type { TaskRequest } from '../api/contract';
import { InrError } from '../core/errors';
import { sampleCount, type Field } from '../core/field';
import { dimsText, ensureFits } from '../core/limits';
import { processPool, type ElmPool } from '../inr/elm/parallel';
import { methodDef } from '../methods/registry';
import { parseParams, type ParamSource } from '../methods/params';
import type { MethodDef, MethodOutput } from '../methods/types';
import { TASK_LABELS, TASK_PARAMS, checkSetup, fitMask, reportCore, resampledField, resolveTask, taskGrids, type FitReport, type TaskParams } from './common';

export type { FitReport } from './common';

export interface FitRequest {
  method: string;
  /** The method's parameters (checked against its registry entry). */
  params?: object;
  task?: TaskRequest;
  /** prod(shape) entries, 1 = the sample may be fitted (a brushed inpainting mask's complement). */
  mask?: Uint8Array;
}

export interface TaskHooks {
  onProgress?: (stage: string, fraction: number, metrics?: Record<string, number>) => void;
  signal?: AbortSignal;
  /** The ELM thread pool to use (default: the process's). */
  pool?: ElmPool;
}

export interface FitTaskResult {
  reconstruction: Field;
  upsampled?: Field;
  /** What the method's model codec stores (absent for methods without a model). */
  model?: unknown;
  mesh?: MethodOutput['mesh'];
  report: FitReport;
  method: MethodDef<object>;
}

/**
 * A request from flat options, as a command line or a script gives them: the task's own keys
 * (drop, scale, zscale) choose the task, the rest are the method's parameters.
 */
export function fitRequest(method: string, options: Record<string, unknown>, source: ParamSource = 'api'): FitRequest {
  const params: Record<string, unknown> = {};
  const task: Record<string, number> = {};
  let check = false;
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    if (k === 'check') {
      check = v === true || v === 'true' || v === '';
      continue;
    }
    if (k in TASK_PARAMS) {
      const n = typeof v === 'number' ? v : Number(v);
      if (typeof v === 'boolean' || !Number.isFinite(n)) throw new InrError('E_ARG', `${k} must be a number, got '${String(v)}'`);
      task[k] = n;
    } else params[k] = v;
  }
  const kinds = Object.keys(task) as (keyof TaskParams)[];
  if (kinds.length > 1) throw new InrError('E_ARG', `give one of drop, scale or zscale, not ${kinds.join(' and ')}`);
  const def = methodDef(method);
  const parsed = parseParams<object>(def.id, def.params, params, source, def.hints);
  if (check && task.scale === undefined && task.zscale === undefined) throw new InrError('E_ARG', 'check scores a resampling: give scale or zscale with it');
  const t: TaskRequest | undefined =
    task.drop !== undefined
      ? { kind: 'inpaint', drop: task.drop }
      : task.scale !== undefined
        ? { kind: 'superres', scale: task.scale, ...(check ? { check } : {}) }
        : task.zscale !== undefined
          ? { kind: 'interp', zscale: task.zscale, ...(check ? { check } : {}) }
          : undefined;
  return { method: def.id, params: parsed, task: t };
}

/** Fewest samples a fit is run on, absolutely and as a fraction of the grid. */
export const MIN_SAMPLES = 16;
export const MIN_OBSERVED_FRACTION = 1e-4;

/**
 * Refuse a fit on almost nothing: a few valid samples in a grid of millions would give a
 * perfect score on them and say nothing of the rest.
 */
function checkEnoughSamples(observed: Uint8Array, field: Field): void {
  let k = 0;
  for (let i = 0; i < observed.length; i++) k += observed[i];
  if (k >= MIN_SAMPLES && k >= MIN_OBSERVED_FRACTION * observed.length) return;
  const pct = (100 * k) / observed.length;
  throw new InrError(
    'E_DATA',
    `too few samples to fit: ${k.toLocaleString('en-US')} valid of ${observed.length.toLocaleString('en-US')} (${pct < 0.01 ? pct.toExponential(1) : pct.toFixed(2)} %); a fit needs at least ${MIN_SAMPLES} and ${100 * MIN_OBSERVED_FRACTION} % of the grid`,
    field.provenance.path,
  );
}

/**
 * What a fit allocates besides the source (an upper estimate shared by the methods): the mask, a
 * filled copy and the reconstruction, float64 accumulators and the metrics' buffers on the grid,
 * and the resampled output with its accumulators.
 */
function workingBytes(field: Field, grids: ReturnType<typeof taskGrids>): number {
  const n = sampleCount(field.shape);
  const C = field.channels.length;
  const m = grids ? grids.reduce((a, g) => a * g.count, 1) : 0;
  return n * (1 + 8) + n * C * (4 + 4 + 8 + 5 * 8) + m * (C * (4 + 8) + 8);
}

export async function runFitTask(field: Field, req: FitRequest, hooks: TaskHooks = {}): Promise<FitTaskResult> {
  const def = methodDef(req.method);
  const task = resolveTask(req.task, field);
  if (!def.tasks.includes(task.kind)) {
    throw new InrError('E_ARG', `${def.label} cannot ${TASK_LABELS[task.kind].toLowerCase()} (it does: ${def.tasks.map((t) => TASK_LABELS[t].toLowerCase()).join('; ')})`);
  }
  const d = field.shape.length;
  if (d < (def.dims?.min ?? 1) || d > (def.dims?.max ?? 16)) throw new InrError('E_ARG', `${def.label} works on ${def.dims?.min ?? 1} to ${def.dims?.max ?? 16} axes; this dataset has ${d}`);
  const params = parseParams<object>(def.id, def.params, req.params ?? {}, 'engine', def.hints);
  def.check?.(params, field, task);
  if (task.kind === 'inpaint' && task.drop === undefined && !req.mask) task.drop = TASK_PARAMS.drop.default;
  const t0 = performance.now();
  const seed = (params as { seed?: number }).seed ?? 1;
  // A checked resampling runs the method on the reduced data and scores it on the source grid.
  const check = task.check ? checkSetup(field, task) : undefined;
  const input = check?.reduced ?? field;
  const grids = check?.grids ?? taskGrids(field, task);
  ensureFits(workingBytes(input, grids), `a fit of ${dimsText(input.shape)} samples × ${field.channels.length} channel(s)${grids ? ` resampled to ${dimsText(grids.map((g) => g.count))}` : ''}`, field.provenance.path, 'of working memory');
  const fit = fitMask(input, { drop: task.drop, mask: req.mask, seed });
  checkEnoughSamples(fit.mask, input);
  const onProgress = hooks.onProgress ?? (() => {});
  const out = await def.run(
    { field: input, params, task, observed: fit.mask, allObserved: fit.mask.every((v) => v === 1), grids, holdout: Boolean(fit.hidden || req.mask || grids) },
    { onProgress, signal: hooks.signal, pool: () => hooks.pool ?? processPool() },
  );
  const meta = { ...field.provenance.meta, reconstructedBy: def.id };
  let reconstruction: Field;
  let upsampled: Field | undefined;
  let scoredField = field;
  if (check) {
    if (!out.upsampled) throw new InrError('E_INTERNAL', `${def.id} returned no resampled field`);
    // The method's resampling of the reduced data, on the source grid: what is scored and shown.
    reconstruction = { ...field, values: out.upsampled, mask: field.mask ? field.mask.slice() : undefined, provenance: { ...field.provenance, meta } };
    scoredField = { ...field, mask: check.scored };
  } else {
    reconstruction = { ...field, values: out.reconstruction, mask: field.mask ? field.mask.slice() : undefined, provenance: { ...field.provenance, meta } };
    upsampled = grids && out.upsampled ? resampledField(reconstruction, grids, out.upsampled) : undefined;
  }
  const t2 = performance.now();
  onProgress('metrics', 0.95);
  const report: FitReport = {
    ...reportCore(scoredField, reconstruction.values, {
      method: def.id,
      task: task.kind,
      backend: out.backend,
      params: out.params,
      observed: check ? check.scored : fit.mask,
      hidden: check ? check.hidden : fit.hidden,
      nanMasked: fit.nanMasked,
      upsampled,
      t0,
      t1: out.fittedAt,
      t2,
    }),
    ...out.extras,
    ...(check ? { check: { factor: task.scale ?? task.zscale!, reduced_shape: input.shape } } : {}),
  };
  onProgress('done', 1, { psnr: report.psnr, seconds: report.seconds });
  return { reconstruction, upsampled, model: out.model, mesh: out.mesh, report, method: def };
}
