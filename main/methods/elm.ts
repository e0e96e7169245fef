/**
 * ELM-INR on a uniform mesh of overlapping subdomains: local extreme learning machines solved in
 * closed form (float64 ridge least squares) on the process's thread pool, blended by a partition
 * of unity (main/inr/elm). Holes wider than a cell are filled by push–pull first.
 */
import type { ElmParams } from '../api/contract';
import type { Field } from '../core/field';
import { ELM_DEFAULTS, resolveElmSpec } from '../inr/elm/config';
import { chooseFrequency } from '../inr/elm/autofreq';
import { sampleGrid } from '../inr/elm/mesh';
import { paramCount, type ElmModel, type ElmSpec } from '../inr/elm/model';
import { encodeModel } from '../inr/elm/io';
import { hasUnderdeterminedCells, pushPullFill } from '../inr/elm/holes';
import { fitMask } from '../tasks/common';
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
  activation: { type: 'enum', label: 'Activation', values: ['sine', 'tanh', 'gauss'], default: ELM_DEFAULTS.activation, advanced: true, help: 'The hidden features’ activation σ(W·x + b).' },
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
  ridge: { type: 'number', label: 'Ridge ε', min: 0, max: 1, step: 1e-6, default: ELM_DEFAULTS.ridge, advanced: true, help: 'Relative ridge regularisation λ = ε·tr(HᵀH)/m of each local least-squares solve.' },
  seed: { type: 'int', label: 'Seed', min: 0, max: 2 ** 31 - 1, step: 1, default: ELM_DEFAULTS.seed, advanced: true, help: 'Seed of the random hidden features (and of a random drop).' },
} satisfies ParamSpecs<Pick<ElmParams, 'overlap' | 'activation' | 'freq' | 'ridge' | 'seed'>>;

const PARAMS: ParamSpecs<ElmParams> = {
  hidden: { type: 'int', label: 'Hidden nodes m', min: 1, max: 8192, step: 16, default: ELM_DEFAULTS.hidden, help: 'Random, frozen features per subdomain. More nodes: finer detail, a slower solve.' },
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
};

/**
 * Where the observed samples leave some cell under-determined, fill the holes by push–pull
 * interpolation of the observed samples and fit every sample that exists in the source: the
 * values to fit and their mask. Undefined where no cell needs it.
 */
export function fillHoles(field: Field, observed: Uint8Array, cells: number[], overlap: number, unknowns: number, hooks: Pick<MethodHooks, 'onProgress' | 'signal'>): { values: Float32Array; mask: Uint8Array } | undefined {
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

async function run(input: MethodInput<ElmParams>, hooks: MethodHooks) {
  const { field, params } = input;
  const C = field.channels.length;
  let spec: ElmSpec = resolveElmSpec(field.shape, C, params);
  const filled = fillHoles(field, input.observed, spec.cells, spec.overlap, spec.hidden + (spec.affine ? field.shape.length + 1 : 0), hooks);
  const values = filled?.values ?? field.values;
  const mask = filled?.mask ?? input.observed;
  const allObserved = filled ? mask.every((v) => v === 1) : input.allObserved;
  let freqChoice: ReturnType<typeof chooseFrequency> | undefined;
  if (params.freq === undefined) {
    hooks.onProgress('choosing frequency scale', 0.01);
    freqChoice = chooseFrequency({ values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask }, spec, { holdout: input.holdout });
    spec = { ...spec, omega: freqChoice.omega };
  }
  hooks.onProgress('solving subdomains', 0.05);
  const pool = hooks.pool();
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
      },
    },
  };
}

export default defineMethod<ElmParams>({
  id: 'elm',
  label: 'ELM-INR (closed form)',
  short: 'ELM',
  family: 'elm',
  tasks: ['fit', 'inpaint', 'superres', 'interp'],
  params: PARAMS,
  hints: { width: 'ELM counts hidden nodes per subdomain (hidden) and cells (subdomains)', layers: 'ELM has one hidden layer per subdomain: set hidden' },
  run,
  model: { ext: '.inr', encode: (m, info) => encodeModel(m as ElmModel, info) },
});
