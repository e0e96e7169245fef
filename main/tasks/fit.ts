/**
 * The fit task: Field in → the chosen method of the registry → reconstruction Field (+ a
 * resampled one for super-resolution and through-plane interpolation) + model + metrics. The same
 * pipeline serves every method and task: representation, inpainting (fit the observed samples,
 * reconstruct everywhere), super-resolution and through-plane resampling.
 */
import type { TaskRequest } from '../api/contract';
import { InrError } from '../core/errors';
import type { Field } from '../core/field';
import { processPool, type ElmPool } from '../inr/elm/parallel';
import { methodDef } from '../methods/registry';
import { parseParams, type ParamSource } from '../methods/params';
import type { MethodDef, MethodOutput } from '../methods/types';
import { TASK_LABELS, TASK_PARAMS, fitMask, reportCore, resampledField, resolveTask, taskGrids, type FitReport, type TaskParams } from './common';

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
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
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
  const t: TaskRequest | undefined =
    task.drop !== undefined ? { kind: 'inpaint', drop: task.drop } : task.scale !== undefined ? { kind: 'superres', scale: task.scale } : task.zscale !== undefined ? { kind: 'interp', zscale: task.zscale } : undefined;
  return { method: def.id, params: parsed, task: t };
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
  const { mask: observed, nanMasked, hidden } = fitMask(field, { drop: task.drop, mask: req.mask, seed });
  const grids = taskGrids(field, task);
  const onProgress = hooks.onProgress ?? (() => {});
  const out = await def.run(
    { field, params, task, observed, allObserved: observed.every((v) => v === 1), grids, holdout: Boolean(hidden || req.mask || grids) },
    { onProgress, signal: hooks.signal, pool: () => hooks.pool ?? processPool() },
  );
  const reconstruction: Field = {
    ...field,
    values: out.reconstruction,
    mask: field.mask ? field.mask.slice() : undefined,
    provenance: { ...field.provenance, meta: { ...field.provenance.meta, reconstructedBy: def.id } },
  };
  const upsampled = grids && out.upsampled ? resampledField(reconstruction, grids, out.upsampled) : undefined;
  const t2 = performance.now();
  onProgress('metrics', 0.95);
  const report: FitReport = {
    ...reportCore(field, out.reconstruction, {
      method: def.id,
      task: task.kind,
      backend: out.backend,
      params: out.params,
      observed,
      hidden,
      nanMasked,
      upsampled,
      t0,
      t1: out.fittedAt,
      t2,
    }),
    ...out.extras,
  };
  onProgress('done', 1, { psnr: report.psnr, seconds: report.seconds });
  return { reconstruction, upsampled, model: out.model, mesh: out.mesh, report, method: def };
}
