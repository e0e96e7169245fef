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
import { processPool, ssimPartsParallel, type ElmPool } from '../inr/elm/parallel';
import { fieldMetricsWith } from '../metrics/index';
import { METHODS, methodDef } from '../methods/registry';
import { radonForward } from '../ct/radon';
import { camel, checkParamTasks, parseParams, type ParamSource } from '../methods/params';
import type { CtProblem, MethodDef, MethodOutput, ResolvedTask } from '../methods/types';
import { countWeights, simulateSinogram, sinogramField } from '../ct/sinogram';
import { TASK_LABELS, TASK_PARAMS, checkSetup, taskOfParam, fitMask, metricsRange, reportCore, resampledField, resolveTask, taskGrids, type FitReport } from './common';

export type { FitReport } from './common';

/** Values (samples × channels) from which the metrics' SSIM starts the pool's threads itself. */
const PARALLEL_METRICS_VALUES = 4_000_000;

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
  /** CT: the simulated sinogram the method reconstructed from (angles × detector bins). */
  sinogram?: Field;
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
    const name = camel(k);
    if (name in TASK_PARAMS) {
      const n = typeof v === 'number' ? v : Number(v);
      if (typeof v === 'boolean' || !Number.isFinite(n)) throw new InrError('E_ARG', `${k} must be a number, got '${String(v)}'`);
      task[name] = n;
    } else params[k] = v;
  }
  const kinds = [...new Set(Object.keys(task).map((k) => taskOfParam(k)))];
  if (kinds.length > 1)
    throw new InrError('E_ARG', `give the parameters of one task (drop; scale; zscale; or views, photons, limited-angle), not ${Object.keys(task).join(' and ')}`);
  if (kinds[0] === 'ct' && task.views === undefined) throw new InrError('E_ARG', 'the CT task needs views');
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
          : task.views !== undefined
            ? { kind: 'ct', views: task.views, photons: task.photons, limitedAngle: task.limitedAngle }
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

/**
 * The CT task's measurements: the parallel-beam sinogram of the slice (rays sampled 4× finer than
 * the reconstruction's projector, so the simulation is not the method's own model), with seeded
 * Poisson noise when `photons` is given, and then the rays' statistical weights (their expected
 * counts, known from the simulation).
 */
function ctProblem(field: Field, task: ResolvedTask, seed: number): CtProblem {
  const [H, W] = field.shape;
  const image = new Float64Array(H * W);
  for (let i = 0; i < H * W; i++) {
    const v = field.values[i];
    if (!Number.isFinite(v) || (field.mask && !field.mask[i]))
      throw new InrError('E_DATA', 'CT needs a complete slice: this one has missing or non-finite samples', field.provenance.path);
    image[i] = v;
  }
  const sim = simulateSinogram(image, H, W, { views: task.views!, photons: task.photons, limitedAngle: task.limitedAngle, seed });
  const weights = sim.noise ? countWeights(sim.sinogram, sim.noise.muScale) : undefined;
  return { sinogram: sim.sinogram, angles: sim.angles, geometry: sim.geometry, shape: [H, W], weights };
}

export async function runFitTask(field: Field, req: FitRequest, hooks: TaskHooks = {}): Promise<FitTaskResult> {
  const def = methodDef(req.method);
  const task = resolveTask(req.task, field);
  if (!def.tasks.includes(task.kind)) {
    throw new InrError('E_ARG', `${def.label} cannot ${TASK_LABELS[task.kind].toLowerCase()} (it does: ${def.tasks.map((t) => TASK_LABELS[t].toLowerCase()).join('; ')})`);
  }
  const d = field.shape.length;
  if (d < (def.dims?.min ?? 1) || d > (def.dims?.max ?? 16))
    throw new InrError('E_ARG', `${def.label} works on ${def.dims?.min ?? 1} to ${def.dims?.max ?? 16} axes; this dataset has ${d}`);
  const params = parseParams<object>(def.id, def.params, req.params ?? {}, 'engine', def.hints);
  checkParamTasks(def.id, def.params, params, task.kind);
  def.check?.(params, field, task);
  if (task.kind === 'inpaint' && task.drop === undefined && !req.mask) task.drop = TASK_PARAMS.drop.default;
  const t0 = performance.now();
  const seed = (params as { seed?: number }).seed ?? 1;
  // A checked resampling runs the method on the reduced data and scores it on the source grid.
  const check = task.check ? checkSetup(field, task) : undefined;
  const input = check?.reduced ?? field;
  const grids = check?.grids ?? taskGrids(field, task);
  ensureFits(
    workingBytes(input, grids),
    `a fit of ${dimsText(input.shape)} samples × ${field.channels.length} channel(s)${grids ? ` resampled to ${dimsText(grids.map((g) => g.count))}` : ''}`,
    field.provenance.path,
    'of working memory',
  );
  const fit = fitMask(input, { drop: task.drop, mask: req.mask, seed });
  checkEnoughSamples(fit.mask, input);
  const onProgress = hooks.onProgress ?? (() => {});
  const ct = task.kind === 'ct' ? ctProblem(field, task, seed) : undefined;
  const out = await def.run(
    { field: input, params, task, observed: fit.mask, allObserved: fit.mask.every((v) => v === 1), grids, holdout: Boolean(fit.hidden || req.mask || grids || ct), ct },
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
  // SSIM on the ELM pool when its threads are up (ELM, BEAM) or the field is large enough to pay for starting them.
  const pool = hooks.pool ?? processPool();
  const metrics =
    pool.size > 1 && (pool.started || reconstruction.values.length >= PARALLEL_METRICS_VALUES)
      ? await fieldMetricsWith(scoredField, { ...scoredField, values: reconstruction.values }, { dataRange: metricsRange(scoredField) }, (job) =>
          ssimPartsParallel(pool, job, { signal: hooks.signal }),
        )
      : undefined;
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
      metrics,
    }),
    ...out.extras,
    ...(check ? { check: { factor: task.scale ?? task.zscale!, reduced_shape: input.shape } } : {}),
    ...(ct ? { ct: { views: ct.angles.length, photons: task.photons, limited_angle: task.limitedAngle ?? 180, detectors: ct.geometry.detectors } } : {}),
  };
  onProgress('done', 1, { psnr: report.psnr, seconds: report.seconds });
  const sinogram = ct ? sinogramField(ct.sinogram, ct.geometry, { format: 'sinogram', path: field.provenance.path, meta: { reconstructedBy: def.id } }) : undefined;
  return { reconstruction, upsampled, sinogram, model: out.model, mesh: out.mesh, report, method: def };
}

/**
 * Reconstruct a measured sinogram (a file, so no ground truth): the method runs on the CT
 * problem as in `runFitTask`, and the report gives the relative residual ‖A·x − s‖/‖s‖ of the
 * reconstruction instead of PSNR.
 */
export async function runCtFromSinogram(
  ct: CtProblem,
  source: Field['provenance'],
  req: Omit<FitRequest, 'task' | 'mask'>,
  hooks: TaskHooks = {},
): Promise<{ reconstruction: Field; model?: unknown; method: MethodDef<object>; report: Record<string, unknown> }> {
  const def = methodDef(req.method);
  if (!def.tasks.includes('ct')) throw new InrError('E_ARG', `${def.label} does not reconstruct CT (methods that do: ${METHODS_FOR_CT()})`);
  const params = parseParams<object>(def.id, def.params, req.params ?? {}, 'engine', def.hints);
  const [H, W] = ct.shape;
  const field: Field = {
    axes: ['y', 'x'],
    shape: [H, W],
    channels: ['attenuation'],
    values: new Float32Array(H * W),
    dtype: 'float32',
    geometry: { spacing: [ct.geometry.pixelSize, ct.geometry.pixelSize], origin: [0, 0] },
    provenance: source,
  };
  const t0 = performance.now();
  const onProgress = hooks.onProgress ?? (() => {});
  const out = await def.run(
    { field, params, task: { kind: 'ct', views: ct.angles.length }, observed: new Uint8Array(H * W).fill(1), allObserved: true, holdout: true, ct },
    { onProgress, signal: hooks.signal, pool: () => hooks.pool ?? processPool() },
  );
  const residual = sinogramResidual(ct, out.reconstruction);
  const reconstruction: Field = { ...field, values: out.reconstruction, provenance: { ...source, meta: { ...source.meta, reconstructedBy: def.id } } };
  const report = {
    method: def.id,
    task: 'ct',
    backend: out.backend,
    shape: [H, W],
    views: ct.angles.length,
    detectors: ct.geometry.detectors,
    params: out.params,
    seconds: (performance.now() - t0) / 1000,
    residual,
    ...out.extras,
  };
  return { reconstruction, model: out.model, method: def, report };
}

function METHODS_FOR_CT(): string {
  return METHODS.filter((m) => m.tasks.includes('ct'))
    .map((m) => m.id)
    .join(', ');
}

/** ‖A·x − s‖ / ‖s‖ of an image against its sinogram. */
function sinogramResidual(ct: CtProblem, image: Float32Array): number {
  const p = radonForward(ct.geometry, Float64Array.from(image));
  let num = 0;
  let den = 0;
  for (let i = 0; i < p.length; i++) {
    num += (p[i] - ct.sinogram[i]) ** 2;
    den += ct.sinogram[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}
