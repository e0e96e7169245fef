/**
 * BEAM's options, their defaults and validation: everything a fit needs resolved up front, so the
 * mesh and solve code never sees a bad argument.
 */
import type { BeamMeshFile } from './reuse';
import { InrError } from '../../../core/errors';
import { ELM_DEFAULTS } from '../config';
import { ACTIVATIONS, type Activation } from '../features';
import type { FitInput } from '../fit';
import type { BarronOptions } from './barron';
import type { BeamSpec } from './model';
import type { BalanceKey } from './refine';

export type BeamStrategy = 'split' | 'capacity' | 'hybrid';

/** 'auto' picks capacity or split from the budget (plans.ts `autoStrategy`); 'best' fits both. */
export type BeamStrategyOption = BeamStrategy | 'auto' | 'best';

export interface BeamOptions {
  /** Upper bound on stored params (required; ignored with `mesh`). */
  budget: number;
  /** Fit on this saved mesh (reuse.ts) instead of building one; `meshPath` names it in errors. */
  mesh?: BeamMeshFile;
  meshPath?: string;
  /** Hidden nodes per cell for 'split' (default 128, or 64 at high budgets); the base size for 'capacity' (default 64). */
  hidden?: number;
  /** Overlap margin per side, fraction of each cell's width. Default as ELM (0.15). */
  overlap?: number;
  activation?: Activation;
  /** Multiplier of the default frequency scale; chosen on probe cells when absent. */
  freq?: number;
  ridge?: number;
  seed?: number;
  affine?: boolean;
  /** Band fit of a 0/1 target (ELM's `ElmSpec.band`), in the final solve only: the mesh is built and probed by least squares. */
  band?: number;
  /**
   * 'auto' (default: per-cell capacity, or splitting when the budget is so low that capacity would
   * need very large cells), 'capacity', 'split', 'hybrid' (split, then capacity), or 'best' (fit
   * split and capacity, keep the lower training error).
   */
  strategy?: BeamStrategyOption;
  /** What the refinement balances (refine.ts). Default 'norm'. */
  key?: BalanceKey;
  /** Merge only when the parent's value is below γ × the split candidate's. Default 0.5. */
  gamma?: number;
  /** Stop when max/min of B̂ over cells ≤ 1 + tolerance. Default 0.1. */
  tolerance?: number;
  barron?: BarronOptions;
  /** Capacity strategy: m_i ∝ (|Ω_i|^½·B̂_i)^exponent (capacity.ts). Default 1. */
  exponent?: number;
  /** Capacity strategy: largest hidden size of a cell. Default 8 × hidden. */
  maxHidden?: number;
  /** Axes that may be split (default: all). E.g. [false, true, true] keeps every time frame whole. */
  splitAxes?: boolean[];
  /** Minimal cell width per axis in samples (default 1). */
  minWidth?: number | number[];
  /** A cell's support must hold ≥ this × its feature count samples. Default 1.5. */
  minSamplesFactor?: number;
  /** Choose the frequency scale on held-out samples (inpainting, super-resolution). */
  holdout?: boolean;
  /**
   * Also estimate the norms of the uniform ELM engine's mesh at the same budget for
   * stats.balanceUniform (an extra pass over the data, about as long as the mesh itself). Default
   * false: the balance "before" is then that of BEAM's dyadic uniform starting mesh.
   */
  uniformStats?: boolean;
}

export const BEAM_DEFAULTS = {
  strategy: 'auto' as BeamStrategyOption,
  hidden: 64,
  key: 'norm' as BalanceKey,
  gamma: 0.5,
  tolerance: 0.1,
  exponent: 1,
  minSamplesFactor: 1.5,
  minHidden: 8,
};

/** Validated options and derived sizes. */
export interface Prepared {
  input: FitInput;
  d: number;
  C: number;
  hidden: number;
  overlap: number;
  base: Omit<BeamSpec, 'layers'>;
  opts: BeamOptions;
  /** Params per cell beyond the hidden nodes, per channel. */
  extra: number;
  anyObserved: boolean;
}

function checkInput(input: FitInput): void {
  const { values, shape, channels } = input;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((L) => Number.isInteger(L) && L >= 1)) {
    throw new InrError('E_ARG', `the data shape must be positive integers, got [${String(shape)}]`);
  }
  if (!Number.isInteger(channels) || channels < 1) throw new InrError('E_ARG', `channels must be a positive integer, got ${channels}`);
  const n = shape.reduce((a, b) => a * b, 1);
  if (values.length !== n * channels) throw new InrError('E_ARG', `the data holds ${values.length} values, shape × channels needs ${n * channels}`);
  if (input.mask && input.mask.length !== n) throw new InrError('E_ARG', `the mask has ${input.mask.length} samples, the data ${n}`);
}

export function prepare(input: FitInput, opts: BeamOptions): Prepared {
  checkInput(input);
  const { shape, channels: C } = input;
  const d = shape.length;
  const budget = opts.budget;
  if (typeof budget !== 'number' || !(budget > 0) || !Number.isFinite(budget)) throw new InrError('E_ARG', `budget must be a positive number, got ${budget}`);
  const overlap = opts.overlap ?? ELM_DEFAULTS.overlap;
  if (!(overlap >= 0 && overlap <= 1)) throw new InrError('E_ARG', `overlap must be between 0 and 1, got ${overlap}`);
  const activation = opts.activation ?? ELM_DEFAULTS.activation;
  if (!ACTIVATIONS.includes(activation)) throw new InrError('E_ARG', `unknown activation '${activation}' (choose ${ACTIVATIONS.join(', ')})`);
  const ridge = opts.ridge ?? ELM_DEFAULTS.ridge;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new InrError('E_ARG', `ridge must be ≥ 0, got ${ridge}`);
  const seed = opts.seed ?? ELM_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0) throw new InrError('E_ARG', `seed must be a non-negative integer, got ${seed}`);
  if (opts.freq !== undefined && !(opts.freq > 0 && Number.isFinite(opts.freq))) throw new InrError('E_ARG', `freq must be positive, got ${opts.freq}`);
  const affine = opts.affine ?? true;
  const extra = 1 + (affine ? d + 1 : 0);
  let hidden = opts.hidden ?? BEAM_DEFAULTS.hidden;
  if (!Number.isInteger(hidden) || hidden < 1) throw new InrError('E_ARG', `hidden must be a positive integer, got ${hidden}`);
  if ((hidden + extra) * C > budget) {
    if (opts.hidden !== undefined || (1 + extra) * C > budget) {
      const m = opts.hidden ?? 1;
      throw new InrError('E_ARG', `budget ${budget} is below one subdomain: a cell with ${m} hidden node(s) stores ${(m + extra) * C} params for ${C} channel(s)`);
    }
    hidden = Math.floor(budget / C) - extra; // tiny budgets: one cell with as many nodes as fit
  }
  if (opts.splitAxes && opts.splitAxes.length !== d) throw new InrError('E_ARG', `splitAxes needs ${d} flags (one per axis), got ${opts.splitAxes.length}`);
  let anyObserved = false;
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n && !anyObserved; i++) {
    if (input.mask && input.mask[i] !== 1) continue;
    let ok = true;
    for (let c = 0; c < C; c++) if (!Number.isFinite(input.values[i * C + c])) ok = false;
    anyObserved = ok;
  }
  return {
    input,
    d,
    C,
    hidden,
    overlap,
    base: { method: 'elm-beam', shape: [...shape], channels: C, overlap, activation, seed, ridge, affine },
    opts,
    extra,
    anyObserved,
  };
}
