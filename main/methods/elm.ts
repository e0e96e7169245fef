/**
 * ELM-INR on a uniform mesh of overlapping subdomains: local extreme learning machines solved in
 * closed form (float64 ridge least squares) on the process's thread pool, blended by a partition
 * of unity (main/inr/elm). Holes wider than a cell are filled by push–pull first.
 *
 * Inpainting and resampling use the local models' kernel limit (main/inr/elm/kernel: m → ∞
 * random features, per-cell kernels chosen by cross-validation), which must predict samples it
 * never saw; representing the data ('fit') keeps the random features, whose size is the budget.
 */
import { InrError } from '../core/errors';
import type { ElmParams, TaskKind } from '../api/contract';
import { sampleCount, type Field } from '../core/field';
import { ELM_DEFAULTS, isVolumetric, resolveElmSpec, spendOnMixedCells, spendPerCell } from '../inr/elm/config';
import type { FreqChoice } from '../inr/elm/autofreq';
import { chooseFrequencyParallel } from '../inr/elm/parallel';
import { cellIndex, finerGrid, sampleGrid, uniformMesh, type AxisGrid } from '../inr/elm/mesh';
import { paramCount, weightsPerCell, type ElmModel, type ElmSpec } from '../inr/elm/model';
import { encodeModel } from '../inr/elm/io';
import { boxCount, hasUnderdeterminedCells, prefixCounts, pushPullFill } from '../inr/elm/holes';
import { kernelElmSpec, type KernelTask } from '../inr/elm/kernel/config';
import { kernelModel } from '../inr/elm/kernel/fit';
import { detailSteps, upsampleWithDetail, type DetailStep, type Upsample2 } from '../inr/elm/detail';
import { fitMask } from '../tasks/common';
import { runElmCt } from './ct/inr-ct';
import { defineMethod, type MethodHooks, type MethodInput, type ParamSpecs } from './types';

/** The parameters ELM and ELM+BEAM share. */
export const ELM_SHARED_PARAMS = {
  overlap: {
    type: 'number',
    label: 'Overlap δ',
    min: 0,
    max: 1,
    step: 0.05,
    default: ELM_DEFAULTS.overlap,
    advanced: true,
    help: 'How far each cell’s support reaches into its neighbours, as a fraction of the cell per side. Too small leaves seams.',
  },
  activation: {
    type: 'enum',
    label: 'Activation',
    values: ['sine', 'tanh', 'gauss'],
    default: ELM_DEFAULTS.activation,
    advanced: true,
    help: 'The hidden features’ activation σ(W·x + b).',
  },
  freq: {
    type: 'number',
    label: 'Frequency ×',
    min: 0.05,
    max: 16,
    step: 0.25,
    auto: 'chosen from the data',
    advanced: true,
    help: 'Multiplier of the features’ frequency scale. Blank: chosen from the data. Large values interpolate the samples but oscillate between them.',
  },
  ridge: {
    type: 'number',
    label: 'Ridge ε',
    min: 0,
    max: 1,
    step: 1e-6,
    default: ELM_DEFAULTS.ridge,
    advanced: true,
    help: 'Relative ridge regularisation λ = ε·tr(HᵀH)/m of each local least-squares solve.',
  },
  seed: {
    type: 'int',
    label: 'Seed',
    min: 0,
    max: 2 ** 31 - 1,
    step: 1,
    default: ELM_DEFAULTS.seed,
    advanced: true,
    help: 'Seed of the random hidden features (and of a random drop).',
  },
} satisfies ParamSpecs<Pick<ElmParams, 'overlap' | 'activation' | 'freq' | 'ridge' | 'seed'>>;

/** The local model and the pixel model: ELM's and ELM+BEAM's parameters beyond the shared contract. */
export interface KernelParams {
  /** 'kernel': the local ELMs' kernel limit; 'random': random features; 'auto': kernel when samples are predicted (inpainting, resampling). */
  features?: 'auto' | 'random' | 'kernel';
  /** 'area': a sample is the average of the signal over its pixel; 'point': a point value; 'auto': area for super-resolution. */
  pixel?: 'auto' | 'area' | 'point';
  /** Super-resolution of 2-D images by a power of two: 'self' adds the self-similar detail (detail.ts); 'none' keeps the kernel estimate. */
  detail?: 'self' | 'none';
}

/** Random features on a 0/1 target (an occupancy): the band fit (inr/elm/fit.ts `bandRefine`). */
export interface BandParams {
  band?: number;
}

export type ElmMethodParams = ElmParams & ElmCtParams & KernelParams & BandParams;

/** The band fit's parameter, for ELM and ELM+BEAM. */
export const BAND_PARAM = {
  type: 'number',
  label: 'Occupancy band',
  min: 0,
  max: 0.5,
  step: 0.05,
  auto: '0.25 on an occupancy grid',
  advanced: true,
  tasks: ['fit', 'inpaint', 'superres', 'interp'],
  help: 'Random features on 0/1 data (an occupancy): each local fit only has to land within ±band of its class value instead of on it, which spends the capacity on the surface (IoU at ½ rises; the fit takes several solves). 0: plain least squares. Blank: 0.25 on an occupancy grid (a voxelised mesh, a thresholded or labelled volume), least squares on anything else.',
} satisfies ParamSpecs<BandParams>['band'];

/** The band's half-width on an occupancy when none is given: half-way from the class values to the ½ level. */
export const DEFAULT_BAND = 0.25;

/**
 * The band of a random-feature fit: the given one (refused on data other than 0/1), else the
 * default on an occupancy grid (provenance format `occupancy`: a voxelised mesh, a thresholded or
 * labelled volume) and least squares on anything else, a 0/1 image included.
 */
export function resolveBand(band: number | undefined, field: Field, values: Float32Array, mask?: Uint8Array): number {
  // Only a given band or an occupancy grid needs the values scanned.
  if (band === 0 || (band === undefined && field.provenance.format !== 'occupancy')) return 0;
  const C = field.channels.length;
  const binary = isBinaryTarget(values, C, mask);
  if (band !== undefined && !binary) {
    const why = C > 1 ? `this field has ${C} channels` : 'this field has values other than 0 and 1';
    throw new InrError('E_ARG', `--band fits 0/1 data (an occupancy) on one channel; ${why}`);
  }
  return band ?? (binary ? DEFAULT_BAND : 0);
}

/** Whether every value that counts (finite, observed) is 0 or 1, and one channel holds them. */
export function isBinaryTarget(values: Float32Array, C: number, mask?: Uint8Array): boolean {
  if (C !== 1) return false;
  for (let i = 0; i < values.length; i++) {
    if (mask && !mask[i]) continue;
    const v = values[i];
    if (v !== 0 && v !== 1 && Number.isFinite(v)) return false;
  }
  return true;
}

/** What a kernel-limit run reads (the random-feature ones only to warn that they are unused). */
type KernelRunParams = KernelParams & BandParams & Pick<ElmParams, 'budget' | 'overlap' | 'seed' | 'hidden' | 'subdomains' | 'freq' | 'ridge' | 'activation'>;

/** The local-model choice (`features`) of ELM and ELM+BEAM, each with its own words for what 'random' builds. */
export function featuresParam(help: string, tasks?: TaskKind[]): ParamSpecs<Pick<KernelParams, 'features'>>['features'] {
  return { type: 'enum', label: 'Local model', values: ['auto', 'random', 'kernel'], default: 'auto', advanced: true, ...(tasks ? { tasks } : {}), help };
}

/** The kernel limit's pixel model and super-resolution detail, for ELM and ELM+BEAM. */
export const KERNEL_PARAMS = {
  pixel: {
    type: 'enum',
    label: 'Pixel model',
    values: ['auto', 'area', 'point'],
    default: 'auto',
    advanced: true,
    help: 'area: each sample is the average of the signal over its pixel (a sensor integrates its area; a block-averaged image is exactly this), so super-resolution deconvolves it; point: samples are point values. auto: area for super-resolution.',
  },
  detail: {
    type: 'enum',
    label: 'Self-similar detail',
    values: ['self', 'none'],
    default: 'self',
    advanced: true,
    tasks: ['superres'],
    help: 'Super-resolution of a 2-D image by 2, 4, 8… with the kernel limit: self learns, from the input averaged 2× against the input, what the kernel estimate misses, and adds it at the finer scale (kept only where it helps on held-out pixels); none keeps the kernel estimate.',
  },
} satisfies ParamSpecs<Pick<KernelParams, 'pixel' | 'detail'>>;

/** CT only: the closed-form solve's image prior and its strength (main/ct/elm-ct.ts). */
export interface ElmCtParams {
  prior?: 'tv' | 'smooth' | 'none';
  smooth?: number;
}

/** The CT-only parameters of ELM and ELM+BEAM (refused on other tasks). */
export const ELM_CT_PARAMS = {
  prior: {
    type: 'enum',
    label: 'Image prior',
    values: ['tv', 'smooth', 'none'],
    default: 'tv',
    tasks: ['ct'],
    help: 'CT: the penalty on the image beside the projections: total variation (edges kept), smoothness, or none (ridge on the weights only).',
  },
  smooth: {
    type: 'number',
    label: 'Prior strength τ',
    min: 0,
    max: 1000,
    step: 0.01,
    auto: 'chosen on held-out views',
    advanced: true,
    tasks: ['ct'],
    help: 'CT: the weight of the image prior. Blank: the strength whose held-out views (one in five) are predicted best.',
  },
} satisfies ParamSpecs<ElmCtParams>;

const PARAMS: ParamSpecs<ElmMethodParams> = {
  ...ELM_CT_PARAMS,
  hidden: {
    type: 'int',
    label: 'Hidden nodes m',
    min: 1,
    max: 8192,
    step: 16,
    default: ELM_DEFAULTS.hidden,
    help: 'Random, frozen features per subdomain. More nodes: finer detail, a slower solve.',
  },
  subdomains: {
    type: 'int-list',
    label: 'Subdomains / axis',
    min: 1,
    max: 4096,
    auto: 'cells of about 2m samples',
    advanced: true,
    help: 'Cells along each axis (one number, or one per axis), each fitted on its own. Blank: cells of about 2m samples.',
  },
  budget: {
    type: 'int',
    label: 'Param budget',
    min: 2,
    max: 1e9,
    step: 10000,
    auto: 'from the hidden size',
    help: 'Most stored parameters: picks the mesh (and the hidden size when it is not given).',
  },
  ...ELM_SHARED_PARAMS,
  features: featuresParam(
    'random: random sine features (the budget sets their number); kernel: their kernel limit, with kernels chosen per cell by cross-validation and the observed samples as parameters. auto: kernel for inpainting and resampling (unless the budget is below the observed values), random for representation.',
  ),
  ...KERNEL_PARAMS,
  band: BAND_PARAM,
};

/**
 * Where the observed samples leave some cell under-determined, fill the holes by push–pull
 * interpolation of the observed samples and fit every sample that exists in the source: the
 * values to fit and their mask. Undefined where no cell needs it.
 */
export function fillHoles(
  field: Field,
  observed: Uint8Array,
  cells: number[],
  overlap: number,
  unknowns: number,
  hooks: Pick<MethodHooks, 'onProgress' | 'signal'>,
): { values: Float32Array; mask: Uint8Array } | undefined {
  if (observed.every((v) => v === 1)) return undefined;
  if (!hasUnderdeterminedCells(observed, field.shape, cells, overlap, unknowns)) return undefined;
  hooks.onProgress('filling holes', 0.01);
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

/** The parameters only random features use (a kernel-limit run ignores them, with a warning). */
const RANDOM_ONLY = ['hidden', 'subdomains', 'freq', 'ridge', 'activation', 'band'] as const;

/** Stored values a fit may not exceed (issue 14): the data values, the observed ones when some are hidden. */
export function defaultBudget(input: MethodInput<object>): number {
  let n = 0;
  for (const v of input.observed) n += v;
  return n * input.field.channels.length;
}

/** Whether this run uses the kernel limit (see `features`). */
export function usesKernel(params: Pick<KernelParams, 'features'> & { budget?: number }, input: MethodInput<object>): boolean {
  const features = params.features ?? 'auto';
  if (features === 'random') return false;
  // Representing the data keeps random features; a fit with samples held out (a brushed mask) inpaints.
  if (input.task.kind === 'fit' && !input.holdout) return features === 'kernel';
  if (features === 'kernel') return true;
  // The kernel model stores the observed samples: a smaller budget needs random features.
  return params.budget === undefined || params.budget >= defaultBudget(input);
}

async function run(input: MethodInput<ElmMethodParams>, hooks: MethodHooks) {
  if (input.task.kind === 'ct') return runElmCt(input, hooks);
  if (usesKernel(input.params, input)) return runKernel(input, hooks);
  const { field } = input;
  const params = { ...input.params };
  const C = field.channels.length;
  if (params.budget === undefined) {
    // Default size: the representation's own rule, capped at the data values (issue 14).
    const cap = defaultBudget(input);
    const spec0 = resolveElmSpec(field.shape, C, params);
    if (createModelSize(spec0) > cap && params.subdomains === undefined) params.budget = cap;
  }
  let spec: ElmSpec = resolveElmSpec(field.shape, C, params);
  if ((params.pixel ?? 'auto') === 'area' || ((params.pixel ?? 'auto') === 'auto' && input.task.kind === 'superres')) spec = { ...spec, pixel: field.shape.map(() => 0.5) };
  const filled = fillHoles(field, input.observed, spec.cells, spec.overlap, spec.hidden + (spec.affine ? field.shape.length + 1 : 0), hooks);
  const values = filled?.values ?? field.values;
  const mask = filled?.mask ?? input.observed;
  const allObserved = filled ? mask.every((v) => v === 1) : input.allObserved;
  const band = resolveBand(params.band, field, values, allObserved ? undefined : mask);
  if (band > 0) spec = { ...spec, band };
  // An occupancy volume fitted to a budget spends it on its mixed cells (flat ones store a mean).
  let flat: number | undefined;
  if (band > 0 && params.budget !== undefined && params.hidden === undefined && params.subdomains === undefined && isVolumetric(field.shape)) {
    hooks.onProgress('finding flat cells', 0.01);
    const occupancy = { values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask };
    // The mesh refined for the mixed cells, then their share of the budget where the surface is.
    ({ spec, flat } = spendPerCell(spendOnMixedCells(spec, occupancy, params.budget, params.freq).spec, occupancy, params.budget, params.freq));
  }
  const pool = hooks.pool();
  let freqChoice: FreqChoice | undefined;
  if (params.freq === undefined) {
    hooks.onProgress('choosing frequency scale', 0.01);
    freqChoice = await chooseFrequencyParallel(
      pool,
      { values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask },
      spec,
      { holdout: input.holdout },
      { signal: hooks.signal },
    );
    spec = { ...spec, omega: freqChoice.omega };
  }
  hooks.onProgress('solving subdomains', 0.05);
  const model = await pool.fit({ values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask }, spec, {
    signal: hooks.signal,
    onProgress: (s, f) => hooks.onProgress(s, 0.05 + 0.6 * f),
  });
  const fittedAt = performance.now();
  const reconstruction = await pool.evaluate(
    model,
    field.shape.map((L) => sampleGrid(L)),
    { signal: hooks.signal, onProgress: (s, f) => hooks.onProgress(s, 0.65 + 0.25 * f) },
  );
  let upsampled: Float32Array | undefined;
  if (input.grids) {
    hooks.onProgress('resampling', 0.9);
    upsampled = await pool.evaluate(model, input.grids, { signal: hooks.signal });
  }
  return {
    reconstruction,
    upsampled,
    model,
    params: paramCount(model),
    backend: `js-float64 (${pool.size} thread${pool.size > 1 ? 's' : ''})`,
    fittedAt,
    extras: {
      mesh: {
        cells: spec.cells,
        hidden: spec.hidden,
        overlap: spec.overlap,
        activation: spec.activation,
        omega: spec.omega,
        seed: spec.seed,
        ridge: spec.ridge,
        freq: freqChoice?.freq ?? params.freq,
        freq_scores: freqChoice?.scores,
        hole_fill: filled ? true : undefined,
        band: band > 0 ? band : undefined,
        flat_cells: flat,
        cell_hidden: spec.cellHidden ? spread(spec.cellHidden.filter((m) => m > 0)) : undefined,
      },
    },
  };
}

/** Smallest, median and largest of a non-empty list. */
function spread(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[s.length >> 1], max: s[s.length - 1] };
}

/** Parameters a random-feature spec stores (cells × weights per cell). */
function createModelSize(spec: ElmSpec): number {
  return uniformMesh(spec.shape, spec.cells, spec.overlap).count * weightsPerCell(spec);
}

/**
 * The kernel-limit ELM: the model is the observed samples; every cell chooses its kernel by
 * cross-validation and is solved while the pool evaluates it. A resampling evaluates once, on the
 * output grid, and derives the source-grid reconstruction from it where the grids nest.
 */
export async function runKernel(input: MethodInput<KernelRunParams>, hooks: MethodHooks) {
  const { field, params, task } = input;
  const C = field.channels.length;
  const kind: KernelTask = task.kind === 'interp' ? 'interp' : task.kind === 'superres' ? 'superres' : 'inpaint';
  const n = sampleCount(field.shape);
  let seen = 0;
  for (const v of input.observed) seen += v;
  const pixel = params.pixel === 'area' || params.pixel === 'point' ? params.pixel : undefined;
  const spec = kernelElmSpec(field.shape, C, kind, { spacing: field.geometry.spacing, observedFraction: seen / n, pixel, overlap: params.overlap, seed: params.seed });
  // Holes wider than a context (a painted region): push–pull inside them first.
  const filled = fillStarvedCells(field, input.observed, spec, hooks);
  const values = filled?.values ?? field.values;
  const mask = filled?.mask ?? input.observed;
  const allObserved = filled ? mask.every((v) => v === 1) : input.allObserved;
  const model = kernelModel({ values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask }, spec);
  const pool = hooks.pool();
  const progress = { signal: hooks.signal, onProgress: (s: string, f: number) => hooks.onProgress(s, 0.05 + 0.85 * f) };
  hooks.onProgress('solving subdomains', 0.05);
  let reconstruction: Float32Array;
  let upsampled: Float32Array | undefined;
  const steps = task.kind === 'superres' && field.shape.length === 2 && allObserved && (params.detail ?? 'self') === 'self' ? detailSteps(task.scale!) : 0;
  let detail: DetailStep[] | undefined;
  if (input.grids && steps) {
    // The kernel estimate ×2 at a time, each step with its self-similar detail (detail.ts).
    const up2: Upsample2 = (v, shape, channels) => {
      const s = kernelElmSpec(shape, channels, kind, { spacing: field.geometry.spacing, pixel, overlap: params.overlap, seed: params.seed });
      return pool.evaluate(
        kernelModel({ values: v, shape, channels }, s),
        shape.map((L) => finerGrid(L, 2)),
        { signal: hooks.signal },
      );
    };
    hooks.onProgress('self-similar detail', 0.05);
    const r = await upsampleWithDetail(values, field.shape as [number, number], C, steps, up2, {
      seed: params.seed,
      pool,
      signal: hooks.signal,
      onProgress: (f) => hooks.onProgress('self-similar detail', 0.05 + 0.85 * f),
    });
    upsampled = r.values;
    detail = r.steps;
    reconstruction = nestedReconstruction(upsampled, input.grids, field.shape, C)!;
  } else if (input.grids) {
    upsampled = await pool.evaluate(model, input.grids, progress);
    reconstruction =
      nestedReconstruction(upsampled, input.grids, field.shape, C) ??
      (await pool.evaluate(
        model,
        field.shape.map((L) => sampleGrid(L)),
        { signal: hooks.signal },
      ));
  } else {
    reconstruction = await pool.evaluate(
      model,
      field.shape.map((L) => sampleGrid(L)),
      progress,
    );
  }
  const ks = spec.kernel!;
  const ignored = RANDOM_ONLY.filter(
    (k) =>
      params[k] !== undefined &&
      !(k === 'activation' && params[k] === ELM_DEFAULTS.activation) &&
      !(k === 'ridge' && params[k] === ELM_DEFAULTS.ridge) &&
      !(k === 'hidden' && params[k] === ELM_DEFAULTS.hidden),
  );
  return {
    reconstruction,
    upsampled,
    model,
    params: paramCount(model),
    backend: `js-float64 (${pool.size} thread${pool.size > 1 ? 's' : ''})`,
    // The cells are solved as they are evaluated: fitting ends with the evaluation.
    fittedAt: performance.now(),
    extras: {
      mesh: {
        cells: spec.cells,
        hidden: 0,
        overlap: spec.overlap,
        activation: `kernel (Matérn ν=${ks.nu}, ${ks.candidates.length} candidates per cell, ${ks.criterion}${ks.pixel.some((h) => h > 0) ? ', area pixels' : ''})`,
        omega: [],
        seed: spec.seed,
        ridge: 0,
        hole_fill: filled ? true : undefined,
        detail,
      },
      warnings: ignored.length ? [`${ignored.join(', ')} set the random features; this run used their kernel limit, which has none (features=random uses them)`] : undefined,
    },
  };
}

/** Fewest observed samples a kernel cell's context needs to predict its hidden samples. */
const MIN_CONTEXT_SAMPLES = 8;

/**
 * Holes the kernel cells cannot bridge: a cell whose blend support holds samples to predict
 * (existing, not observed) while its context holds fewer than MIN_CONTEXT_SAMPLES observed ones
 * would predict its mean there. Those samples get a push–pull fill of the observed samples and
 * count as observed; every other hidden sample stays for the kernel to predict. Samples that do
 * not exist (nodata, NaN) stay out. Undefined when no cell is starved.
 */
function fillStarvedCells(
  field: Field,
  observed: Uint8Array,
  spec: ElmSpec,
  hooks: Pick<MethodHooks, 'onProgress' | 'signal'>,
): { values: Float32Array; mask: Uint8Array } | undefined {
  if (observed.every((v) => v === 1)) return undefined;
  const { shape } = field;
  const d = shape.length;
  const { mask: exists } = fitMask(field, {});
  const target = Uint8Array.from(exists, (e, i) => (e && !observed[i] ? 1 : 0));
  const So = prefixCounts(observed, shape);
  const St = prefixCounts(target, shape);
  const mesh = uniformMesh(shape, spec.cells, spec.overlap);
  const ctx = spec.kernel!.context;
  const starved: Array<{ lo: number[]; hi: number[] }> = [];
  const k: number[] = [];
  for (let id = 0; id < mesh.count; id++) {
    cellIndex(mesh, id, k);
    const blendLo = mesh.axes.map((ax, a) => Math.max(0, Math.ceil(k[a] * ax.width - ax.margin - 0.5)));
    const blendHi = mesh.axes.map((ax, a) => Math.min(ax.length, Math.floor((k[a] + 1) * ax.width - 0.5 + ax.margin) + 1));
    if (boxCount(St, shape, blendLo, blendHi) === 0) continue;
    const ctxLo = mesh.axes.map((ax, a) => Math.max(0, k[a] * ax.width - ctx[a]));
    const ctxHi = mesh.axes.map((ax, a) => Math.min(ax.length, (k[a] + 1) * ax.width + ctx[a]));
    if (boxCount(So, shape, ctxLo, ctxHi) < MIN_CONTEXT_SAMPLES) starved.push({ lo: blendLo, hi: blendHi });
  }
  if (!starved.length) return undefined;
  hooks.onProgress('filling holes', 0.01);
  const C = field.channels.length;
  const src = field.values.slice();
  for (let i = 0; i < src.length; i++) if (!Number.isFinite(src[i])) src[i] = 0;
  const fill = pushPullFill(src, shape, C, observed);
  const values = field.values.slice();
  const mask = observed.slice();
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  for (const { lo, hi } of starved) {
    const idx = lo.slice();
    for (;;) {
      let f = 0;
      for (let a = 0; a < d; a++) f += idx[a] * strides[a];
      if (target[f] && !mask[f]) {
        mask[f] = 1;
        for (let c = 0; c < C; c++) values[f * C + c] = fill[f * C + c];
      }
      let a = d - 1;
      while (a >= 0 && ++idx[a] >= hi[a]) idx[a--] = lo[a + 1];
      if (a < 0) break;
    }
  }
  hooks.signal?.throwIfAborted?.();
  return { values, mask };
}

/**
 * The source-grid values of a resampling whose output grid nests the source samples: a K-times
 * finer area grid (start −(K−1)/2K, step 1/K; each source pixel the mean of its K per axis, as
 * the area pixel model has it) or anchored slices (every K-th output sample). Undefined otherwise.
 */
function nestedReconstruction(out: Float32Array, grids: AxisGrid[], shape: number[], C: number): Float32Array | undefined {
  const d = shape.length;
  const ks: number[] = [];
  const anchored: boolean[] = [];
  for (let a = 0; a < d; a++) {
    const g = grids[a];
    const K = Math.round(1 / g.step);
    if (!(K >= 1) || Math.abs(g.step * K - 1) > 1e-9) return undefined;
    if (K === 1 && Math.abs(g.start) < 1e-9 && g.count >= shape[a]) {
      ks.push(1);
      anchored.push(true);
    } else if (Math.abs(g.start) < 1e-9 && g.count >= (shape[a] - 1) * K + 1) {
      ks.push(K);
      anchored.push(true);
    } else if (Math.abs(g.start + (K - 1) / (2 * K)) < 1e-9 && g.count >= shape[a] * K) {
      ks.push(K);
      anchored.push(false);
    } else return undefined;
  }
  const counts = grids.map((g) => g.count);
  const outStrides = counts.map((_, a) => counts.slice(a + 1).reduce((x, y) => x * y, 1));
  const n = sampleCount(shape);
  const rec = new Float32Array(n * C);
  const idx = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) {
    // The block of output samples behind source sample idx: one (anchored) or K per axis.
    const spans = idx.map((p, a) => (anchored[a] ? [p * ks[a], 1] : [p * ks[a], ks[a]]));
    const total = spans.reduce((t, [, c]) => t * c, 1);
    const sub = new Array<number>(d).fill(0);
    for (let c = 0; c < C; c++) {
      let s = 0;
      sub.fill(0);
      for (let r = 0; r < total; r++) {
        let f = 0;
        for (let a = 0; a < d; a++) f += (spans[a][0] + sub[a]) * outStrides[a];
        s += out[f * C + c];
        for (let a = d - 1; a >= 0; a--) {
          if (++sub[a] < spans[a][1]) break;
          sub[a] = 0;
        }
      }
      rec[i * C + c] = s / total;
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return rec;
}

export default defineMethod<ElmMethodParams>({
  id: 'elm',
  label: 'ELM-INR (closed form)',
  short: 'ELM',
  family: 'elm',
  tasks: ['fit', 'inpaint', 'superres', 'interp', 'ct'],
  params: PARAMS,
  hints: { width: 'ELM counts hidden nodes per subdomain (hidden) and cells (subdomains)', layers: 'ELM has one hidden layer per subdomain: set hidden' },
  run,
  model: { ext: '.inr', encode: (m, info) => encodeModel(m as ElmModel, info) },
});
