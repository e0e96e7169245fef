/**
 * The fit task: Field in → method → reconstruction Field (+ an upsampled one for super-
 * resolution) + model + metrics. The same pipeline serves plain representation, inpainting
 * (`drop` or a mask: fit the observed samples, reconstruct everywhere) and super-resolution
 * (`scale`, or `zscale` for through-plane resampling of volumes).
 */
import { readFileSync } from 'node:fs';
import { InrError } from '../core/errors';
import { Rng } from '../core/rng';
import { sampleCount, type Field } from '../core/field';
import { resolveElmSpec, type ElmOptions } from '../inr/elm/config';
import { finerGrid, sampleGrid, type AxisGrid } from '../inr/elm/mesh';
import { ElmPool } from '../inr/elm/parallel';
import { chooseFrequency } from '../inr/elm/autofreq';
import { paramCount, createModel, type ElmModel, type ElmSpec } from '../inr/elm/model';
import { hasUnderdeterminedCells, pushPullFill } from '../inr/elm/holes';
import { fitBeam, evaluateBeam, beamParamCount, parseMeshFile, type BeamMeshFile, type BeamModel, type BeamStrategyOption } from '../inr/elm/beam/index';
import { NET_METHODS } from '../inr/nets/options';
import { runNetTask, type NetModel, type NetTaskOptions, type NetFitReport } from '../inr/nets/task';
import { fieldMetrics, dataRangeOf, psnr } from '../metrics/index';

/** Closed-form methods, then the backpropagation nets (main/inr/nets). */
export const METHODS = ['elm', 'elm-beam', ...NET_METHODS] as const;
export type MethodName = (typeof METHODS)[number];

export function isNetMethod(method: string): boolean {
  return (NET_METHODS as readonly string[]).includes(method);
}

export interface FitTaskOptions extends ElmOptions {
  method: string;
  /** Hide a seeded random fraction of the samples from the fit (0 ≤ drop < 1). */
  drop?: number;
  /** An extra user mask (1 = use for fitting). */
  mask?: Uint8Array;
  /** Super-resolution: evaluate on a grid `scale` times finer along every axis. */
  scale?: number;
  /** Through-plane resampling: `zscale` times finer along the first axis only. */
  zscale?: number;
  threads?: number;
  /** BEAM: mesh strategy (auto, split, capacity, hybrid, best). */
  strategy?: BeamStrategyOption;
  /** BEAM: fit on the mesh saved in this mesh.json instead of building one. */
  meshFile?: string;
  /** Backpropagation nets: their own options (architecture, training, backend, IGA). */
  net?: NetTaskOptions;
}

/** What every method reports: the task, the backend, the size and the metrics. */
export interface ReportCore {
  method: string;
  task: 'fit' | 'inpaint' | 'superres';
  backend: string;
  shape: number[];
  params: number;
  params_per_value: number;
  seconds: number;
  seconds_fit: number;
  seconds_reconstruct: number;
  psnr: number;
  ssim?: number;
  rmse: number;
  mae: number;
  data_range: number;
  psnr_unobserved?: number;
  observed_fraction: number;
  nan_masked: number;
  output_shape?: number[];
}

export interface FitReport extends ReportCore {
  /** ELM methods: the mesh and hidden layer. */
  mesh?: { cells: number[]; hidden: number; overlap: number; activation: string; omega: number[]; seed: number; ridge: number; freq?: number; freq_scores?: Record<string, number>; hole_fill?: boolean };
  /** Backpropagation nets: architecture, training record and warnings. */
  net?: NetFitReport['net'];
  training?: NetFitReport['training'];
  warnings?: string[];
  /** BEAM only: the adaptive mesh's strategy and balance statistic (max/mean Barron norm over cells). */
  beam?: {
    strategy: string;
    cells: number;
    balance_before: number;
    balance_after: number;
    /** max/mean of the norm per unit of capacity (what the 'capacity' strategy balances). */
    balance_load: number;
    splits: number;
    merges: number;
    /** Mesh construction: checks, strategy, tree, Barron norms, refinement or capacity. */
    seconds_mesh: number;
    /** The frequency-scale probe (the uniform engine runs it too). */
    seconds_freq: number;
    /** The least-squares solve. */
    seconds_solve: number;
  };
}

export interface FitTaskResult {
  reconstruction: Field;
  upsampled?: Field;
  /** The uniform ELM-INR model ('elm'), the adaptive one ('elm-beam'), or a trained net. */
  model: ElmModel | BeamModel | NetModel;
  report: FitReport;
}

export interface TaskHooks {
  onProgress?: (stage: string, fraction: number, metrics?: Record<string, number>) => void;
  signal?: AbortSignal;
  pool?: ElmPool;
}

/** Which samples the fit may use: the field's own mask, finite values, the user mask, minus the dropped ones. */
export function fitMask(field: Field, opts: { drop?: number; mask?: Uint8Array; seed?: number }): { mask: Uint8Array; nanMasked: number; hidden: Uint8Array | undefined } {
  const n = sampleCount(field.shape);
  const C = field.channels.length;
  const mask = new Uint8Array(n);
  let nanMasked = 0;
  for (let i = 0; i < n; i++) {
    let ok = !field.mask || field.mask[i] === 1;
    if (ok) {
      for (let c = 0; c < C; c++)
        if (!Number.isFinite(field.values[i * C + c])) {
          ok = false;
          nanMasked++;
          break;
        }
    }
    mask[i] = ok ? 1 : 0;
  }
  // Samples that exist but are kept from the fit (the user mask's holes, the dropped ones):
  // the inpainting is scored on them.
  let hidden: Uint8Array | undefined;
  if (opts.mask) {
    if (opts.mask.length !== n) throw new InrError('E_ARG', `the mask has ${opts.mask.length} samples, the data ${n}`);
    hidden = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++)
      if (!opts.mask[i] && mask[i]) {
        mask[i] = 0;
        hidden[i] = 1;
        any = true;
      }
    if (!any) hidden = undefined;
  }
  if (opts.drop !== undefined && opts.drop > 0) {
    if (!(opts.drop < 1)) throw new InrError('E_ARG', `--drop must be in [0, 1), got ${opts.drop}`);
    hidden ??= new Uint8Array(n);
    const rng = new Rng((opts.seed ?? 1) * 7919 + 17);
    for (let i = 0; i < n; i++) {
      if (mask[i] && rng.uniform() < opts.drop) {
        mask[i] = 0;
        hidden[i] = 1;
      }
    }
  }
  let valid = 0;
  for (let i = 0; i < n; i++) valid += mask[i];
  if (valid === 0) throw new InrError('E_DATA', 'the mask hides every sample: nothing is left to fit');
  return { mask, nanMasked, hidden };
}

/** The finer grids of a super-resolution (`scale`: every axis; `zscale`: the first axis only), if asked for. */
export function superresGrids(field: Field, opts: { scale?: number; zscale?: number }): AxisGrid[] | undefined {
  if (opts.scale === undefined && opts.zscale === undefined) return undefined;
  return field.shape.map((L, a) => (opts.scale !== undefined ? finerGrid(L, opts.scale) : a === 0 ? finerGrid(L, opts.zscale!) : sampleGrid(L)));
}

/** A Field of `values` evaluated on `grids`, with the source's geometry refined to match. */
export function resampledField(field: Field, grids: AxisGrid[], values: Float32Array): Field {
  return {
    ...field,
    shape: grids.map((g) => g.count),
    values,
    mask: undefined,
    geometry: {
      ...field.geometry,
      spacing: field.geometry.spacing.map((s, a) => (s * field.shape[a]) / grids[a].count),
      origin: field.geometry.origin.map((o, a) => o + grids[a].start * field.geometry.spacing[a]),
    },
  };
}

export function validateFactor(name: string, v: number | undefined): void {
  if (v !== undefined && !(v > 0 && Number.isFinite(v) && v <= 64)) throw new InrError('E_ARG', `${name} must be a positive factor up to 64, got ${v}`);
}

/**
 * The metrics and bookkeeping every method reports (ELM, ELM+BEAM, the nets): PSNR, SSIM, RMSE and
 * MAE over the samples that exist, PSNR over the hidden ones, the observed fraction and the task.
 */
export function reportCore(
  field: Field,
  rec: Float32Array,
  o: {
    method: string;
    backend: string;
    params: number;
    /** Samples the fit saw (before any hole fill). */
    observed: Uint8Array;
    hidden?: Uint8Array;
    nanMasked: number;
    userMask: boolean;
    upsampled?: Field;
    /** performance.now() at the start, after the fit, after the reconstruction. */
    t0: number;
    t1: number;
    t2: number;
  },
): ReportCore {
  const C = field.channels.length;
  const n = sampleCount(field.shape);
  const dataRange = field.dtype === 'uint8' ? 255 : dataRangeOf(field) || 1;
  const m = fieldMetrics(field, { ...field, values: rec }, { dataRange });
  let observed = 0;
  for (let i = 0; i < n; i++) observed += o.observed[i];
  return {
    method: o.method,
    task: o.hidden || o.userMask ? 'inpaint' : o.upsampled ? 'superres' : 'fit',
    backend: o.backend,
    shape: field.shape,
    params: o.params,
    params_per_value: o.params / (n * C),
    seconds: (performance.now() - o.t0) / 1000,
    seconds_fit: (o.t1 - o.t0) / 1000,
    seconds_reconstruct: (o.t2 - o.t1) / 1000,
    psnr: m.psnr,
    ssim: m.ssim,
    rmse: m.rmse,
    mae: m.mae,
    data_range: dataRange,
    psnr_unobserved: o.hidden ? psnr(field.values, rec, { dataRange, mask: o.hidden, channels: C }) : undefined,
    observed_fraction: observed / n,
    nan_masked: o.nanMasked,
    output_shape: o.upsampled?.shape,
  };
}

export async function runFitTask(field: Field, opts: FitTaskOptions, hooks: TaskHooks = {}): Promise<FitTaskResult> {
  if (!(METHODS as readonly string[]).includes(opts.method)) {
    throw new InrError('E_ARG', `unknown method '${opts.method}' (available: ${METHODS.join(', ')})`);
  }
  if (isNetMethod(opts.method)) {
    const net: NetTaskOptions = { ...opts.net, method: opts.method };
    for (const k of ['drop', 'scale', 'zscale', 'seed', 'mask'] as const) if (opts[k] !== undefined) (net as unknown as Record<string, unknown>)[k] = opts[k];
    return runNetTask(field, net, { onProgress: hooks.onProgress, signal: hooks.signal });
  }
  if (opts.meshFile && opts.method !== 'elm-beam') throw new InrError('E_ARG', '--mesh applies to --method elm-beam only');
  validateFactor('--scale', opts.scale);
  validateFactor('--zscale', opts.zscale);
  if (opts.scale !== undefined && opts.zscale !== undefined) throw new InrError('E_ARG', 'give --scale or --zscale, not both');
  const t0 = performance.now();
  const C = field.channels.length;
  const progress = hooks.onProgress ?? (() => {});
  let spec = resolveElmSpec(field.shape, C, opts);
  const { mask: observedMask, nanMasked, hidden } = fitMask(field, { drop: opts.drop, mask: opts.mask, seed: opts.seed });
  let pool = hooks.pool;
  const getPool = () => (pool ??= new ElmPool(opts.threads));
  try {
    // Holes wider than a cell: fill them from a coarser mesh first (see inr/elm/holes.ts).
    const filled = await fillHoles(field, spec, observedMask, hooks);
    const values = filled?.values ?? field.values;
    const mask = filled?.mask ?? observedMask;
    const allObserved = mask.every((v) => v === 1);
    if (opts.method === 'elm-beam') {
      const fitField = filled ? { ...field, values } : field;
      return await runBeam(field, fitField, opts, spec, { mask, nanMasked, hidden, allObserved, observedMask, filled: Boolean(filled) }, hooks, t0);
    }
    let freqChoice: ReturnType<typeof chooseFrequency> | undefined;
    if (opts.freq === undefined) {
      progress('choosing frequency scale', 0.01);
      freqChoice = chooseFrequency({ values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask }, spec, {
        holdout: Boolean(hidden || opts.mask || opts.scale || opts.zscale),
      });
      spec = { ...spec, omega: freqChoice.omega };
    }
    progress('solving subdomains', 0);
    const model = await getPool().fit({ values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask }, spec, {
      signal: hooks.signal,
      onProgress: (s, f) => progress(s, 0.05 + 0.6 * f),
    });
    const t1 = performance.now();
    const grids = field.shape.map((L) => sampleGrid(L));
    const rec = await getPool().evaluate(model, grids, { signal: hooks.signal, onProgress: (s, f) => progress(s, 0.65 + 0.25 * f) });
    const reconstruction: Field = { ...field, values: rec, mask: field.mask ? field.mask.slice() : undefined, provenance: { ...field.provenance, meta: { ...field.provenance.meta, reconstructedBy: 'elm' } } };
    let upsampled: Field | undefined;
    const up = superresGrids(field, opts);
    if (up) {
      progress('super-resolving', 0.9);
      upsampled = resampledField(field, up, await getPool().evaluate(model, up, { signal: hooks.signal }));
    }
    const t2 = performance.now();
    progress('metrics', 0.95);
    const report: FitReport = {
      ...reportCore(field, rec, {
        method: opts.method,
        backend: `js-float64 (${getPool().size} thread${getPool().size > 1 ? 's' : ''})`,
        params: paramCount(model),
        observed: observedMask,
        hidden,
        nanMasked,
        userMask: Boolean(opts.mask),
        upsampled,
        t0,
        t1,
        t2,
      }),
      mesh: {
        cells: spec.cells,
        hidden: spec.hidden,
        overlap: spec.overlap,
        activation: spec.activation,
        omega: spec.omega,
        seed: spec.seed,
        ridge: spec.ridge,
        freq: freqChoice?.freq ?? opts.freq,
        freq_scores: freqChoice?.scores,
        hole_fill: filled ? true : undefined,
      },
    };
    progress('done', 1, { psnr: report.psnr, seconds: report.seconds });
    return { reconstruction, upsampled, model, report };
  } finally {
    if (!hooks.pool) await pool?.close();
  }
}

/**
 * Where the observed samples leave some cell under-determined, fit a coarser mesh to them and
 * use its prediction as data in the holes: the values to fit and the mask of every sample that
 * exists in the source. Undefined where no cell needs it.
 */
async function fillHoles(
  field: Field,
  spec: ElmSpec,
  observed: Uint8Array,
  hooks: TaskHooks,
): Promise<{ values: Float32Array; mask: Uint8Array } | undefined> {
  if (observed.every((v) => v === 1)) return undefined;
  const unknowns = spec.hidden + (spec.affine ? field.shape.length + 1 : 0);
  if (!hasUnderdeterminedCells(observed, field.shape, spec.cells, spec.overlap, unknowns)) return undefined;
  hooks.onProgress?.('filling holes', 0.01);
  const C = field.channels.length;
  // Non-finite samples are unobserved; give push–pull zeros there (their weight is 0).
  const src = field.values.slice();
  for (let i = 0; i < src.length; i++) if (!Number.isFinite(src[i])) src[i] = 0;
  const fill = pushPullFill(src, field.shape, C, observed);
  const { mask: exists } = fitMask(field, {});
  const values = field.values.slice();
  for (let i = 0; i < observed.length; i++) {
    if (observed[i] || !exists[i]) continue;
    for (let c = 0; c < C; c++) values[i * C + c] = fill[i * C + c];
  }
  hooks.signal?.throwIfAborted?.();
  return { values, mask: exists };
}

/** ELM-INR on the BEAM adaptive mesh, at the uniform mesh's parameter count when no budget is given. */
async function runBeam(
  field: Field,
  fitField: Field,
  opts: FitTaskOptions,
  uniform: ReturnType<typeof resolveElmSpec>,
  m: { mask: Uint8Array; nanMasked: number; hidden: Uint8Array | undefined; allObserved: boolean; observedMask: Uint8Array; filled: boolean },
  hooks: TaskHooks,
  t0: number,
): Promise<FitTaskResult> {
  const C = field.channels.length;
  const progress = hooks.onProgress ?? (() => {});
  const budget = opts.budget ?? createModel(uniform).weights.length;
  const checkCancel = () => {
    if (hooks.signal?.aborted) throw new InrError('E_CANCELLED', 'cancelled by the user');
  };
  // Yield once so a cancel issued right away is seen; the solve itself is synchronous.
  await new Promise((r) => setImmediate(r));
  const model = fitBeam(
    { values: fitField.values, shape: field.shape, channels: C, mask: m.allObserved ? undefined : m.mask },
    {
      budget,
      hidden: opts.hidden,
      overlap: opts.overlap,
      activation: opts.activation,
      freq: opts.freq,
      ridge: opts.ridge,
      seed: opts.seed,
      affine: opts.affine,
      strategy: opts.strategy,
      mesh: opts.meshFile ? readMeshFile(opts.meshFile) : undefined,
      meshPath: opts.meshFile,
      holdout: Boolean(m.hidden || opts.mask || opts.scale || opts.zscale),
    },
    { onProgress: (s, f) => progress(s, 0.05 + 0.8 * f), checkCancel },
  );
  const t1 = performance.now();
  const grids = field.shape.map((L) => sampleGrid(L));
  const rec = evaluateBeam(model, grids, { checkCancel });
  const reconstruction: Field = { ...field, values: rec, mask: field.mask ? field.mask.slice() : undefined, provenance: { ...field.provenance, meta: { ...field.provenance.meta, reconstructedBy: 'elm-beam' } } };
  const up = superresGrids(field, opts);
  const upsampled = up ? resampledField(field, up, evaluateBeam(model, up, { checkCancel })) : undefined;
  const t2 = performance.now();
  const st = model.stats;
  if (!st) throw new InrError('E_INTERNAL', 'BEAM returned no mesh statistics');
  const report: FitReport = {
    ...reportCore(field, rec, {
      method: 'elm-beam',
      backend: 'js-float64 (1 thread)',
      params: beamParamCount(model),
      observed: m.observedMask,
      hidden: m.hidden,
      nanMasked: m.nanMasked,
      userMask: Boolean(opts.mask),
      upsampled,
      t0,
      t1,
      t2,
    }),
    mesh: {
      cells: [st.cells],
      hidden: model.spec.layers[0]?.hidden ?? 0,
      overlap: model.spec.overlap,
      activation: model.spec.activation,
      omega: model.spec.layers[0]?.omega ?? [],
      seed: model.spec.seed,
      ridge: model.spec.ridge,
      freq: st.freq,
      freq_scores: st.freqScores,
      hole_fill: m.filled || undefined,
    },
    beam: {
      strategy: st.strategy,
      cells: st.cells,
      balance_before: st.balanceUniform,
      balance_after: st.balanceAfter,
      balance_load: st.balanceLoad,
      splits: st.splits,
      merges: st.merges,
      seconds_mesh: st.seconds.mesh,
      seconds_freq: st.seconds.freq,
      seconds_solve: st.seconds.solve,
    },
  };
  progress('done', 1, { psnr: report.psnr, seconds: report.seconds });
  return { reconstruction, upsampled, model, report };
}

function readMeshFile(path: string): BeamMeshFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InrError(code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_ARG', code === 'ENOENT' ? 'no such mesh file' : `cannot read the mesh file (${code})`, path);
  }
  return parseMeshFile(text, path);
}
