/**
 * Classical interpolation baselines: what a viewer or scipy does for free, as pure functions on
 * typed arrays, so every INR run can be judged against them.
 *
 * Data layout as `Field`: `values[i*C + c]`, i the flat row-major index over `shape` (slowest
 * axis first). Positions are in sample-index units along each axis (sample i sits at i).
 *
 *   inpaint(method, values, shape, C, observed, hooks?, params?)  → Float32Array (same grid)
 *   resample(method, values, shape, C, grids, hooks?, params?)    → Float32Array (on the grids)
 *
 * The methods, their tasks and dimensions: methods.ts (`CLASSICAL_METHODS`, `refusal`).
 * A grid per axis is {start, step, count}: output j sits at start + j·step. For super-resolution
 * take `finerGrid(L, K)` (main/inr/elm/mesh.ts) per axis, so baselines and ELM evaluate at the
 * same positions; for through-plane resampling give the first axis any grid and the others
 * `sampleGrid(L)` (the identity, left untouched).
 */
import { InrError } from '../core/errors';
import type { AxisGrid } from '../inr/elm/mesh';
import { sampleCount } from '../core/field';
import type { ClassicalHooks } from './hooks';
import { inpaintField, type InpaintParams } from './inpaint';
import { resampleGrid, type LineInterpolator } from './resample';
import { fillNearest } from './nearest';
import { refusal, type ClassicalMethodId, type ClassicalTask } from './methods';

export { CLASSICAL_IDS, CLASSICAL_METHODS, classicalMethod, isClassicalMethod, refusal } from './methods';
export type { ClassicalMethodId, ClassicalMethodInfo, ClassicalParam, ClassicalTask } from './methods';
export type { ClassicalHooks } from './hooks';
export type { InpaintParams } from './inpaint';

/** Throw E_ARG with the one-line reason when `method` cannot do `task` on this shape. */
function assertSupports(method: string, task: ClassicalTask | 'fit', shape?: readonly number[]): asserts method is ClassicalMethodId {
  const why = refusal(method, task, shape);
  if (why) throw new InrError('E_ARG', why);
}

function checkLayout(values: ArrayLike<number>, shape: readonly number[], C: number): number {
  if (!Array.isArray(shape) || shape.length < 1 || shape.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new InrError('E_ARG', `the shape must be a list of positive integers, got [${shape}]`);
  }
  if (!Number.isInteger(C) || C < 1) throw new InrError('E_ARG', `channels must be a positive integer, got ${C}`);
  const n = sampleCount(shape);
  if (values.length !== n * C) throw new InrError('E_ARG', `values has ${values.length} entries, expected ${n} × ${C}`);
  return n;
}

/** Progress at most every 100 ms (and always the end), cancellation checked on every call. */
function throttled(hooks: ClassicalHooks): ClassicalHooks {
  const report = hooks.onProgress;
  if (!report) return hooks;
  let last = 0;
  return {
    ...hooks,
    onProgress(stage, fraction) {
      const now = performance.now();
      if (fraction < 1 && now - last < 100) return;
      last = now;
      report(stage, fraction);
    },
  };
}

/**
 * Fill the samples where `observed` is 0 from those where it is 1 (observed samples are copied
 * unchanged; values of unobserved samples are never read, so NaN there is fine).
 */
export function inpaint(
  method: string,
  values: Float32Array,
  shape: readonly number[],
  channels: number,
  observed: Uint8Array,
  hooks: ClassicalHooks = {},
  params: InpaintParams = {},
): Float32Array {
  assertSupports(method, 'inpaint', shape);
  const n = checkLayout(values, shape, channels);
  if (observed.length !== n) throw new InrError('E_ARG', `the mask has ${observed.length} entries, the data ${n} samples`);
  if (params.gradients !== undefined && params.gradients !== 'local' && params.gradients !== 'nielson')
    throw new InrError('E_ARG', `gradients must be local or nielson, got ${params.gradients}`);
  if (params.sigma !== undefined && !(params.sigma > 0 && Number.isFinite(params.sigma)))
    throw new InrError('E_ARG', `sigma must be a positive number of samples, got ${params.sigma}`);
  if (params.density !== undefined && !(params.density > 0 && params.density <= 1)) throw new InrError('E_ARG', `density must be in (0, 1], got ${params.density}`);
  return inpaintField(method as 'linear' | 'cubic' | 'natural' | 'nconv' | 'nearest', values, shape, channels, observed, throttled(hooks), params);
}

const KERNEL_OF: Record<string, LineInterpolator> = {
  nearest: 'nearest',
  linear: 'linear',
  cubic: 'keys',
  lanczos: 'lanczos3',
  spline: 'bspline3',
  pchip: 'pchip',
};

export interface ResampleParams {
  /**
   * Samples that exist (1) and holes (0: NaN, nodata). Holes are first given the value of the
   * nearest existing sample, so that no kernel reads a NaN.
   */
  observed?: Uint8Array;
}

/**
 * Evaluate the interpolant of the grid `values` at the positions of `grids` (one per axis).
 * Through-plane resampling: only the first axis' grid differs from the identity.
 */
export function resample(
  method: string,
  values: Float32Array,
  shape: readonly number[],
  channels: number,
  grids: readonly AxisGrid[],
  hooks: ClassicalHooks = {},
  params: ResampleParams = {},
): Float32Array {
  const throughPlane = grids.length === shape.length && grids.every((g, a) => a === 0 || (g.start === 0 && g.step === 1 && g.count === shape[a]));
  assertSupports(method, throughPlane && shape.length >= 3 ? 'interp' : 'superres', shape);
  const n = checkLayout(values, shape, channels);
  let src = values;
  const m = params.observed;
  if (m) {
    if (m.length !== n) throw new InrError('E_ARG', `the mask has ${m.length} entries, the data ${n} samples`);
    if (m.some((v) => v === 0)) {
      src = values.slice();
      const filled = m.slice();
      fillNearest(src, channels, shape, m, filled, hooks);
    }
  }
  return resampleGrid(KERNEL_OF[method], src, shape, channels, grids, throttled(hooks));
}
