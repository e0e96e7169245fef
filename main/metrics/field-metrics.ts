/**
 * Metrics between two `Field`s: the reference (ground truth) and an estimate (reconstruction).
 * Pure functions: they read the fields and never modify them.
 */
import { InrError } from '../core/errors';
import { sampleCount, type Field } from '../core/field';
import { errorSums, psnrFromMse, type SampleMask, type Samples } from './pointwise';
import { SSIM_RADIUS, SSIM_WINDOW, imageMean, ssimPartCount, ssimPartSums, ssimSlices, volumeMean, type SsimVolumeOptions } from './ssim';

export interface FieldMetricsOptions {
  /** Peak-to-peak range for PSNR and SSIM. Default: `dataRangeOf(reference)`. */
  dataRange?: number;
  /** Extra validity mask, one entry per sample (prod(shape)); non-zero = valid. */
  mask?: SampleMask;
}

export interface FieldMetrics {
  /** PSNR in dB over all channels, 10·log10(R²/MSE); +Infinity for identical fields. */
  psnr: number;
  /** Mean SSIM: 2D fields as `ssim`, 3D fields as `ssimVolume` (slices along the first axis). Absent otherwise. */
  ssim?: number;
  /** Root-mean-square error, physical units. */
  rmse: number;
  /** Mean absolute error, physical units. */
  mae: number;
  /** Mean squared error, physical units squared. */
  mse: number;
  /** The data range R used for PSNR and SSIM. */
  dataRange: number;
  /** Valid samples the errors were averaged over. */
  validSamples: number;
}

/**
 * Data range of a field: max − min over its valid samples (`field.mask`, absent = all) and
 * finite values, pooled over all channels. Throws `E_DATA` when there is no valid finite value.
 * Returns 0 for a constant field.
 */
export function dataRangeOf(field: Field): number {
  const n = sampleCount(field.shape);
  const C = field.channels.length;
  const { values, mask } = field;
  if (values.length !== n * C) throw new InrError('E_ARG', `field has ${values.length} values, expected ${n} × ${C}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const o = i * C;
    for (let c = 0; c < C; c++) {
      const v = values[o + c];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new InrError('E_DATA', 'the field has no valid finite value, so it has no data range', field.provenance?.path);
  }
  return hi - lo;
}

/**
 * PSNR, SSIM, RMSE, MAE and MSE of `estimate` against `reference`.
 *
 * - Valid samples: those valid in `reference.mask`, `estimate.mask` and `opts.mask` (each when
 *   present) and whose reference values are finite in every channel (non-finite reference
 *   values are missing data). Non-finite *estimate* values are kept, so a diverged fit reports
 *   NaN rather than a flattering number.
 * - Data range R: `opts.dataRange`, else `dataRangeOf(reference)` (the reference's max − min over
 *   its own valid, finite samples, all channels pooled). For a constant reference (range 0) R
 *   falls back to 1 so that the metrics stay finite; pass `dataRange` for meaningful numbers.
 * - PSNR = 10·log10(R²/MSE) with the MSE pooled over channels (see `psnr`).
 * - SSIM: for 2D fields (axes y, x) the scikit-image mean SSIM (`ssim`), for 3D fields the mean
 *   of the 2D SSIM over slices along the first axis (`ssimVolume`), both with the valid-sample
 *   mask when not all samples are valid. Left out for other dimensions, for planes smaller than
 *   11×11, and when no valid pixel lies in the SSIM interior.
 *
 * Throws `E_ARG` when the shapes or channel counts differ, `E_DATA` when no sample is valid.
 */
export function fieldMetrics(reference: Field, estimate: Field, opts: FieldMetricsOptions = {}): FieldMetrics {
  const { out, ssim } = errorsAndSsimJob(reference, estimate, opts);
  if (ssim) out.ssim = ssimOfJob(ssim, ssimJobSums(ssim));
  return out;
}

/**
 * `fieldMetrics` with the SSIM's parts (`ssimPartSums`) computed by `partSums` — e.g. on a
 * thread pool: same number, since the parts are added in part order either way.
 */
export async function fieldMetricsWith(reference: Field, estimate: Field, opts: FieldMetricsOptions, partSums: (job: SsimJob) => Promise<Float64Array>): Promise<FieldMetrics> {
  const { out, ssim } = errorsAndSsimJob(reference, estimate, opts);
  if (ssim) out.ssim = ssimOfJob(ssim, await partSums(ssim));
  return out;
}

/** The SSIM of two fields as parts: the arrays, the options of `ssimVolume` (depth 1 for images) and the part count. */
export interface SsimJob {
  a: Samples;
  b: Samples;
  opts: SsimVolumeOptions;
  /** 3-D: the mean over slices; 2-D: the image's mean. */
  volume: boolean;
  parts: number;
}

/** Every part's sums, on this thread. */
export function ssimJobSums(job: SsimJob): Float64Array {
  const sums = new Float64Array(2 * job.parts);
  ssimPartSums(job.a, job.b, job.opts, 0, job.parts, sums);
  return sums;
}

/** The mean SSIM from the parts' sums (as `ssimDetailed(…).ssim` or `ssimVolume`). */
function ssimOfJob(job: SsimJob, sums: Float64Array): number {
  const slices = ssimSlices(sums, job.opts);
  return job.volume ? volumeMean(slices) : imageMean(slices[0]).ssim;
}

function errorsAndSsimJob(reference: Field, estimate: Field, opts: FieldMetricsOptions): { out: FieldMetrics; ssim?: SsimJob } {
  const shape = reference.shape;
  const n = sampleCount(shape);
  const C = reference.channels.length;
  if (estimate.shape.length !== shape.length || estimate.shape.some((s, k) => s !== shape[k])) {
    throw new InrError('E_ARG', `shapes differ: reference ${shape.join('×')}, estimate ${estimate.shape.join('×')}`);
  }
  if (estimate.channels.length !== C) {
    throw new InrError('E_ARG', `channel counts differ: reference ${C}, estimate ${estimate.channels.length}`);
  }
  if (reference.values.length !== n * C || estimate.values.length !== n * C) {
    throw new InrError('E_ARG', `values do not match the shape ${shape.join('×')} × ${C} channels`);
  }
  for (const [name, m] of [
    ['reference.mask', reference.mask],
    ['estimate.mask', estimate.mask],
    ['mask', opts.mask],
  ] as const) {
    if (m && m.length !== n) throw new InrError('E_ARG', `${name} has ${m.length} entries, expected ${n}`);
  }
  let R = opts.dataRange;
  if (R !== undefined && (typeof R !== 'number' || !Number.isFinite(R) || R <= 0)) {
    throw new InrError('E_ARG', `dataRange must be a positive finite number (got ${R})`);
  }
  if (R === undefined) {
    R = dataRangeOf(reference);
    if (R === 0) R = 1;
  }

  const mask = validMask(reference, estimate, opts.mask, n, C);
  const sums = errorSums(reference.values, estimate.values, { mask, channels: C });
  if (sums.count === 0) throw new InrError('E_DATA', 'no valid sample to compare', reference.provenance?.path);
  const m = sums.sumSquared / sums.count;
  const out: FieldMetrics = {
    psnr: psnrFromMse(m, R),
    rmse: Math.sqrt(m),
    mae: sums.sumAbsolute / sums.count,
    mse: m,
    dataRange: R,
    validSamples: sums.count / C,
  };
  return { out, ssim: ssimJobOf(reference, estimate, R, mask) };
}

/** AND of the masks and of the reference's finiteness; undefined when every sample is valid. */
function validMask(reference: Field, estimate: Field, extra: SampleMask | undefined, n: number, C: number): Uint8Array | undefined {
  const masks = [reference.mask, estimate.mask, extra].filter((m): m is SampleMask => m !== undefined);
  const v = reference.values;
  let out: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    let ok = true;
    for (const m of masks) if (!m[i]) ok = false;
    if (ok) {
      const o = i * C;
      for (let c = 0; c < C; c++) if (!Number.isFinite(v[o + c])) ok = false;
    }
    if (!ok) {
      if (!out) out = new Uint8Array(n).fill(1);
      out[i] = 0;
    }
  }
  return out;
}

function ssimJobOf(reference: Field, estimate: Field, R: number, mask: Uint8Array | undefined): SsimJob | undefined {
  const d = reference.shape.length;
  if (d !== 2 && d !== 3) return undefined;
  const H = reference.shape[d - 2];
  const W = reference.shape[d - 1];
  if (H < SSIM_WINDOW || W < SSIM_WINDOW) return undefined;
  if (mask && !hasValidInterior(mask, d === 3 ? reference.shape[0] : 1, H, W)) return undefined;
  const channels = reference.channels.length;
  const opts: SsimVolumeOptions = { depth: d === 3 ? reference.shape[0] : 1, width: W, height: H, channels, dataRange: R, mask };
  return { a: reference.values, b: estimate.values, opts, volume: d === 3, parts: ssimPartCount(opts) };
}

function hasValidInterior(mask: Uint8Array, D: number, H: number, W: number): boolean {
  const r = SSIM_RADIUS;
  for (let z = 0; z < D; z++) {
    for (let i = r; i < H - r; i++) {
      const row = (z * H + i) * W;
      for (let j = r; j < W - r; j++) if (mask[row + j]) return true;
    }
  }
  return false;
}
