/**
 * Point-wise error metrics: MSE, RMSE, MAE and PSNR between two sample arrays.
 *
 * Pure functions on typed arrays (no I/O). Data are flat and channel-last, as in `Field.values`:
 * sample `i` has its `C` channels at `[i*C … i*C+C-1]`. A mask, when given, has one entry per
 * sample (not per value): 1 (non-zero) = valid, 0 = ignored. All sums are accumulated in float64.
 *
 * Non-finite values: with no mask they propagate (the result is NaN or Infinity, which is what a
 * diverged fit should report). Values at masked-out samples are never read into a sum, so NaN or
 * fill values there are harmless.
 */
import { InrError } from '../core/errors';

/** Any flat numeric array: Float32Array, Float64Array, Uint8Array, plain number[]… */
export type Samples = ArrayLike<number>;
/** One entry per sample; non-zero = valid. */
export type SampleMask = ArrayLike<number>;

export interface ErrorOptions {
  /** One entry per sample (length = values / channels); non-zero = valid. Absent = all valid. */
  mask?: SampleMask;
  /** Channels per sample (channel-last). Default: values / mask length when a mask is given, else 1. */
  channels?: number;
}

export interface PsnrOptions extends ErrorOptions {
  /** Peak-to-peak range of the data, in the data's units (1 for [0,1] images, 255 for 8-bit). */
  dataRange: number;
}

/** Sums of one pass over the (valid) values. */
export interface ErrorSums {
  /** Σ (a−b)² over valid values. */
  sumSquared: number;
  /** Σ |a−b| over valid values. */
  sumAbsolute: number;
  /** Number of values summed (valid samples × channels). */
  count: number;
}

/**
 * Resolve and check the channel count against the arrays and the mask. Shared by every metric
 * here so that the checks run once, outside the inner loops.
 */
export function resolveChannels(fn: string, a: Samples, b: Samples, mask?: SampleMask, channels?: number): number {
  if (!a || !b || typeof a.length !== 'number' || typeof b.length !== 'number') {
    throw new InrError('E_ARG', `${fn}: both inputs must be numeric arrays`);
  }
  if (a.length !== b.length) throw new InrError('E_ARG', `${fn}: inputs differ in length (${a.length} vs ${b.length})`);
  if (a.length === 0) throw new InrError('E_ARG', `${fn}: inputs are empty`);
  let C = channels;
  if (C === undefined) C = mask ? a.length / Math.max(1, mask.length) : 1;
  if (!Number.isInteger(C) || C < 1) {
    throw new InrError(
      'E_ARG',
      mask && channels === undefined
        ? `${fn}: mask has ${mask.length} entries, which does not divide ${a.length} values`
        : `${fn}: channels must be a positive integer (got ${channels})`,
    );
  }
  if (a.length % C !== 0) throw new InrError('E_ARG', `${fn}: ${a.length} values are not a multiple of ${C} channels`);
  if (mask && mask.length * C !== a.length) {
    throw new InrError('E_ARG', `${fn}: mask has ${mask.length} entries, expected ${a.length / C} (one per sample)`);
  }
  return C;
}

/**
 * One pass over `a` and `b` accumulating Σ(a−b)², Σ|a−b| and the number of valid values, in
 * float64. With a mask, only samples whose mask entry is non-zero count (all their channels).
 */
export function errorSums(a: Samples, b: Samples, opts: ErrorOptions = {}): ErrorSums {
  const C = resolveChannels('errorSums', a, b, opts.mask, opts.channels);
  return sumsUnchecked(a, b, C, opts.mask);
}

function sumsUnchecked(a: Samples, b: Samples, C: number, mask?: SampleMask): ErrorSums {
  let s2 = 0;
  let s1 = 0;
  let count = 0;
  if (!mask) {
    const n = a.length;
    for (let i = 0; i < n; i++) {
      const d = a[i] - b[i];
      s2 += d * d;
      s1 += Math.abs(d);
    }
    count = n;
  } else {
    const n = mask.length;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const o = i * C;
      for (let c = 0; c < C; c++) {
        const d = a[o + c] - b[o + c];
        s2 += d * d;
        s1 += Math.abs(d);
      }
      count += C;
    }
  }
  return { sumSquared: s2, sumAbsolute: s1, count };
}

function validSums(fn: string, a: Samples, b: Samples, opts: ErrorOptions): ErrorSums {
  const C = resolveChannels(fn, a, b, opts.mask, opts.channels);
  const sums = sumsUnchecked(a, b, C, opts.mask);
  if (sums.count === 0) throw new InrError('E_DATA', `${fn}: the mask leaves no valid samples`);
  return sums;
}

/**
 * Mean squared error, MSE = (1/N) Σ_i (a_i − b_i)², over all values (every channel of every
 * valid sample; N = valid samples × C). Units: the data's units squared.
 * Masked variant: pass `mask` (one entry per sample); masked-out samples are left out of both
 * the sum and N. Throws `E_DATA` when the mask leaves nothing.
 */
export function mse(a: Samples, b: Samples, opts: ErrorOptions = {}): number {
  const s = validSums('mse', a, b, opts);
  return s.sumSquared / s.count;
}

/**
 * Root-mean-square error, RMSE = √( (1/N) Σ_i (a_i − b_i)² ), in the data's physical units.
 * N counts every channel of every valid sample. Masked variant: pass `mask` (see `mse`).
 */
export function rmse(a: Samples, b: Samples, opts: ErrorOptions = {}): number {
  const s = validSums('rmse', a, b, opts);
  return Math.sqrt(s.sumSquared / s.count);
}

/**
 * Mean absolute error, MAE = (1/N) Σ_i |a_i − b_i|, in the data's physical units.
 * N counts every channel of every valid sample. Masked variant: pass `mask` (see `mse`).
 */
export function mae(a: Samples, b: Samples, opts: ErrorOptions = {}): number {
  const s = validSums('mae', a, b, opts);
  return s.sumAbsolute / s.count;
}

/**
 * Peak signal-to-noise ratio over a stated data range R:
 *
 *   PSNR = 10 · log10( R² / MSE ) dB,   MSE = (1/N) Σ_i (a_i − b_i)²
 *
 * with the MSE pooled over all channels, as scikit-image's
 * `skimage.metrics.peak_signal_noise_ratio(image_true, image_test, data_range=R)` does
 * (Wang & Bovik's definition; for targets in [0,1], R = 1 gives METHODS.md's 10·log10(1/MSE)).
 * Identical inputs (MSE = 0) give +Infinity. The data range is never guessed here: state it
 * (`dataRangeOf` gives a field's valid max − min). Masked variant: pass `mask` (see `mse`).
 */
export function psnr(a: Samples, b: Samples, opts: PsnrOptions): number {
  const R = opts?.dataRange;
  if (typeof R !== 'number' || !Number.isFinite(R) || R <= 0) {
    throw new InrError('E_ARG', `psnr: dataRange must be a positive finite number (got ${R})`);
  }
  const s = validSums('psnr', a, b, opts);
  const m = s.sumSquared / s.count;
  return psnrFromMse(m, R);
}

/** PSNR = 10·log10(R²/MSE); +Infinity when MSE = 0, NaN when MSE is NaN. */
export function psnrFromMse(meanSquaredError: number, dataRange: number): number {
  if (meanSquaredError === 0) return Infinity;
  return 10 * Math.log10((dataRange * dataRange) / meanSquaredError);
}
