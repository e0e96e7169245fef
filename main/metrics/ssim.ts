/**
 * Structural similarity (SSIM) for 2D images and 3D volumes, matching scikit-image.
 *
 * Definition (Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment: from error visibility
 * to structural similarity", IEEE TIP 13(4), 2004, eq. 13), with Gaussian-weighted local
 * statistics:
 *
 *   SSIM(x,y) = ((2 μx μy + C1)(2 σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2))
 *   μx = G∗x,  σx² = G∗(x²) − μx²,  σxy = G∗(xy) − μx μy,
 *   C1 = (K1·R)²,  C2 = (K2·R)²,  K1 = 0.01,  K2 = 0.03,  R = data range.
 *
 * The parameters and the implementation follow `skimage.metrics.structural_similarity(im1, im2,
 * gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=R)` (scikit-image
 * 0.26, skimage/metrics/_structural_similarity.py), which is the setting of Wang et al.:
 * - G is the separable Gaussian of `scipy.ndimage.gaussian_filter(sigma=1.5, truncate=3.5)`:
 *   radius r = int(3.5·1.5 + 0.5) = 5, so 11 taps w_k ∝ exp(−k²/(2σ²)), k = −5…5, normalised
 *   to sum 1; the window is 11×11.
 * - Boundaries use scipy's mode 'reflect' (symmetric, edge sample repeated: d c b a | a b c d).
 * - use_sample_covariance=False: the (co)variances are not rescaled by NP/(NP−1).
 * - The mean SSIM is taken over the interior only: (win − 1)/2 = 5 pixels are cropped at each
 *   border after filtering (so the boundary mode only affects `ssimMap`, not the mean).
 * - Colour / multichannel images: the mean of the per-channel mean SSIMs (channel_axis).
 * All filtering is done in float64, as scikit-image does for float input.
 *
 * Extensions of ours (not in scikit-image), documented where they are defined:
 * - masked SSIM: the mean of the SSIM map over interior pixels whose mask is valid;
 * - volume SSIM: the mean of the 2D SSIM over the slices along the first (slowest) axis.
 */
import { InrError } from '../core/errors';
import type { SampleMask, Samples } from './pointwise';

/** SSIM constants (scikit-image defaults for gaussian_weights=True). */
export const SSIM_SIGMA = 1.5;
export const SSIM_TRUNCATE = 3.5;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;
/** Gaussian radius int(truncate·σ + 0.5) = 5; window side 2r+1 = 11; interior crop r. */
export const SSIM_RADIUS = Math.trunc(SSIM_TRUNCATE * SSIM_SIGMA + 0.5);
export const SSIM_WINDOW = 2 * SSIM_RADIUS + 1;

export interface SsimOptions {
  /** Pixels per row (fastest spatial axis). */
  width: number;
  /** Rows. */
  height: number;
  /** Channels per pixel, channel-last. Default 1. */
  channels?: number;
  /** Peak-to-peak range of the data (1 for [0,1] images, 255 for 8-bit). Sets C1 and C2. */
  dataRange: number;
  /** One entry per pixel (width·height), non-zero = valid. See `ssim` for the masked definition. */
  mask?: SampleMask;
}

export interface SsimVolumeOptions extends Omit<SsimOptions, 'mask'> {
  /** Slices along the first (slowest) axis. */
  depth: number;
  /** One entry per voxel (depth·height·width), non-zero = valid. */
  mask?: SampleMask;
}

/** Per-channel detail of a (possibly masked) mean SSIM. */
export interface SsimResult {
  /** Mean over channels of the per-channel mean SSIM. */
  ssim: number;
  /** Mean SSIM of each channel. */
  perChannel: number[];
  /** Interior pixels that entered each channel's mean. */
  pixels: number;
}

/**
 * The 1D Gaussian of `scipy.ndimage.gaussian_filter` (`_gaussian_kernel1d`, order 0):
 * w_k = exp(−k²/(2σ²)) / Σ_j exp(−j²/(2σ²)), k = −r…r, r = int(truncate·σ + 0.5).
 */
export function gaussianKernel1d(sigma = SSIM_SIGMA, truncate = SSIM_TRUNCATE): Float64Array {
  if (!(sigma > 0) || !(truncate > 0)) throw new InrError('E_ARG', 'gaussianKernel1d: sigma and truncate must be positive');
  const r = Math.trunc(truncate * sigma + 0.5);
  const w = new Float64Array(2 * r + 1);
  let s = 0;
  for (let k = -r; k <= r; k++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * k * k);
    w[k + r] = v;
    s += v;
  }
  for (let k = 0; k < w.length; k++) w[k] /= s;
  return w;
}

/** scipy.ndimage mode 'reflect' (symmetric about the edge, edge sample repeated), any offset. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

const KERNEL = gaussianKernel1d();

/** Scratch buffers for one W×H plane, reused across channels and slices. */
interface Workspace {
  W: number;
  H: number;
  /** The two input planes (float64). */
  x: Float64Array;
  y: Float64Array;
  /** Horizontal-pass results, W·H each. */
  hx: Float64Array;
  hy: Float64Array;
  hxx: Float64Array;
  hyy: Float64Array;
  hxy: Float64Array;
  /** Vertical-pass accumulators, one row each. */
  ax: Float64Array;
  ay: Float64Array;
  axx: Float64Array;
  ayy: Float64Array;
  axy: Float64Array;
  /** Reflect-padded row copies (W + 2r) and their source columns. */
  px: Float64Array;
  py: Float64Array;
  colIdx: Int32Array;
}

/** Buffers for `rows` rows of a W-wide plane of H rows (rows = H: the whole plane). */
function workspace(W: number, H: number, rows = H): Workspace {
  const n = W * rows;
  const r = SSIM_RADIUS;
  const Wp = W + 2 * r;
  const colIdx = new Int32Array(Wp);
  for (let j = 0; j < Wp; j++) colIdx[j] = reflectIndex(j - r, W);
  const f = (m: number): Float64Array => new Float64Array(m);
  return {
    W,
    H,
    x: f(n),
    y: f(n),
    hx: f(n),
    hy: f(n),
    hxx: f(n),
    hyy: f(n),
    hxy: f(n),
    ax: f(W),
    ay: f(W),
    axx: f(W),
    ayy: f(W),
    axy: f(W),
    px: f(Wp),
    py: f(Wp),
    colIdx,
  };
}

/**
 * Full SSIM map of one channel plane (float64, W·H, row-major), before any crop.
 * Separable filtering: a horizontal pass producing G_x∗{x, y, x², y², xy} for every row, then
 * a vertical pass row by row, evaluating the SSIM formula as each output row completes.
 * Rows in [rowFrom, rowTo) are evaluated (other rows of `out` are left untouched). The planes
 * and `out` hold rows from `first` on (row i at (i − first)·W): 0 for a whole plane, or
 * rowFrom − r for an interior band, whose windows then read only rows the buffers hold.
 */
function ssimPlane(ws: Workspace, C1: number, C2: number, out: Float64Array, rowFrom: number, rowTo: number, first = 0): void {
  const { x, y, W, H, hx, hy, hxx, hyy, hxy, ax, ay, axx, ayy, axy, px, py, colIdx } = ws;
  const w = KERNEL;
  const taps = w.length;
  const r = (taps - 1) >> 1;
  const Wp = W + 2 * r;
  // Horizontal pass, only over the rows the vertical pass will read.
  const rowsNeeded = new Uint8Array(H);
  for (let i = rowFrom - r; i < rowTo + r; i++) rowsNeeded[reflectIndex(i, H)] = 1;
  for (let i = 0; i < H; i++) {
    if (!rowsNeeded[i]) continue;
    const base = (i - first) * W;
    for (let j = 0; j < Wp; j++) {
      const s = base + colIdx[j];
      px[j] = x[s];
      py[j] = y[s];
    }
    for (let j = 0; j < W; j++) {
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let k = 0; k < taps; k++) {
        const wk = w[k];
        const u = px[j + k];
        const v = py[j + k];
        const wu = wk * u;
        const wv = wk * v;
        sx += wu;
        sy += wv;
        sxx += wu * u;
        syy += wv * v;
        sxy += wu * v;
      }
      const o = base + j;
      hx[o] = sx;
      hy[o] = sy;
      hxx[o] = sxx;
      hyy[o] = syy;
      hxy[o] = sxy;
    }
  }
  // Vertical pass, one output row at a time.
  for (let i = rowFrom; i < rowTo; i++) {
    ax.fill(0);
    ay.fill(0);
    axx.fill(0);
    ayy.fill(0);
    axy.fill(0);
    for (let k = 0; k < taps; k++) {
      const wk = w[k];
      const src = (reflectIndex(i + k - r, H) - first) * W;
      for (let j = 0; j < W; j++) {
        const s = src + j;
        ax[j] += wk * hx[s];
        ay[j] += wk * hy[s];
        axx[j] += wk * hxx[s];
        ayy[j] += wk * hyy[s];
        axy[j] += wk * hxy[s];
      }
    }
    const o = (i - first) * W;
    for (let j = 0; j < W; j++) {
      const ux = ax[j];
      const uy = ay[j];
      const vx = axx[j] - ux * ux;
      const vy = ayy[j] - uy * uy;
      const vxy = axy[j] - ux * uy;
      out[o + j] = ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
    }
  }
}

interface Checked {
  W: number;
  H: number;
  C: number;
  C1: number;
  C2: number;
}

function check2d(fn: string, a: Samples, b: Samples, opts: SsimOptions, slices = 1): Checked {
  if (!opts) throw new InrError('E_ARG', `${fn}: options {width, height, dataRange} are required`);
  const { width: W, height: H } = opts;
  const C = opts.channels ?? 1;
  const R = opts.dataRange;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1) {
    throw new InrError('E_ARG', `${fn}: width and height must be positive integers (got ${W}×${H})`);
  }
  if (!Number.isInteger(C) || C < 1) throw new InrError('E_ARG', `${fn}: channels must be a positive integer (got ${C})`);
  if (typeof R !== 'number' || !Number.isFinite(R) || R <= 0) {
    throw new InrError('E_ARG', `${fn}: dataRange must be a positive finite number (got ${R})`);
  }
  if (!a || !b || typeof a.length !== 'number' || typeof b.length !== 'number') {
    throw new InrError('E_ARG', `${fn}: both inputs must be numeric arrays`);
  }
  const expected = slices * H * W * C;
  if (a.length !== expected || b.length !== expected) {
    throw new InrError('E_ARG', `${fn}: inputs have ${a.length} and ${b.length} values, expected ${slices > 1 ? `${slices}×` : ''}${H}×${W}×${C} = ${expected}`);
  }
  if (W < SSIM_WINDOW || H < SSIM_WINDOW) {
    throw new InrError('E_ARG', `${fn}: a ${H}×${W} image is smaller than the ${SSIM_WINDOW}×${SSIM_WINDOW} SSIM window`);
  }
  if (opts.mask && opts.mask.length !== slices * H * W) {
    throw new InrError('E_ARG', `${fn}: mask has ${opts.mask.length} entries, expected ${slices * H * W} (one per pixel)`);
  }
  return { W, H, C, C1: (SSIM_K1 * R) ** 2, C2: (SSIM_K2 * R) ** 2 };
}

/** Copy channel c of a slice into float64 planes; under a mask, non-finite masked values become 0 in both. */
function extractPlanes(a: Samples, b: Samples, offset: number, n: number, C: number, c: number, mask: SampleMask | undefined, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const s = (offset + i) * C + c;
    let u = a[s];
    let v = b[s];
    if (mask && !mask[offset + i] && !(Number.isFinite(u) && Number.isFinite(v))) {
      u = 0;
      v = 0;
    }
    x[i] = u;
    y[i] = v;
  }
}

/**
 * Interior rows per part of a mean SSIM. The interior sum of the SSIM map is accumulated part by
 * part — part k of channel c of slice z covers interior rows [r + 64k, r + 64(k+1)) — and the
 * parts' sums are then added in part order, so the mean is the same number whether the parts are
 * computed on one thread or shared between several (`ssimPartSums`).
 */
const SSIM_PART_ROWS = 64;

/** Parts per channel plane (interior rows H − 2r in chunks of SSIM_PART_ROWS). */
function partsPerPlane(H: number): number {
  return Math.max(1, Math.ceil((H - 2 * SSIM_RADIUS) / SSIM_PART_ROWS));
}

/** Number of parts of a (depth × height × width × channels) mean SSIM: part p is chunk p % K of plane ⌊p/K⌋ = z·C + c. */
export function ssimPartCount(opts: Pick<SsimVolumeOptions, 'height' | 'channels'> & { depth?: number }): number {
  return (opts.depth ?? 1) * (opts.channels ?? 1) * partsPerPlane(opts.height);
}

/**
 * Σ of the SSIM map over the (valid) interior pixels of parts [p0, p1) and their count, into
 * out[2p] and out[2p + 1]. Only the rows a part's 11-row windows read are copied and filtered.
 * Arguments are those of `ssimVolume` (`depth` 1 for an image); they are checked here.
 */
export function ssimPartSums(a: Samples, b: Samples, opts: SsimVolumeOptions, p0: number, p1: number, out: Float64Array): void {
  const D = opts.depth ?? 1;
  const k = check2d('ssim', a, b, opts, D);
  // Buffers for one band of a part's rows and the rows its windows read.
  const band = SSIM_PART_ROWS + 2 * SSIM_RADIUS;
  const ws = workspace(k.W, k.H, band);
  const map = new Float64Array(k.W * band);
  for (let p = p0; p < p1; p++) {
    const s = partSum(a, b, k, ws, map, p, opts.mask);
    out[2 * p] = s.sum;
    out[2 * p + 1] = s.count;
  }
}

function partSum(a: Samples, b: Samples, k: Checked, ws: Workspace, map: Float64Array, p: number, mask: SampleMask | undefined): { sum: number; count: number } {
  const { W, H, C, C1, C2 } = k;
  const r = SSIM_RADIUS;
  const K = partsPerPlane(H);
  const plane = Math.floor(p / K);
  const z = Math.floor(plane / C);
  const c = plane % C;
  const i0 = r + (p % K) * SSIM_PART_ROWS;
  const i1 = Math.min(H - r, i0 + SSIM_PART_ROWS);
  if (i0 >= i1) return { sum: 0, count: 0 };
  // Interior rows only read rows [i0 − r, i1 + r), all inside the plane: the band the buffers hold.
  const first = i0 - r;
  const offset = z * W * H;
  extractPlanes(a, b, offset + first * W, (i1 - i0 + 2 * r) * W, C, c, mask, ws.x, ws.y);
  ssimPlane(ws, C1, C2, map, i0, i1, first);
  let sum = 0;
  let count = 0;
  for (let i = i0; i < i1; i++) {
    const row = (i - first) * W;
    if (mask) {
      const mrow = offset + i * W;
      for (let j = r; j < W - r; j++) {
        if (mask[mrow + j]) {
          sum += map[row + j];
          count++;
        }
      }
    } else {
      for (let j = r; j < W - r; j++) sum += map[row + j];
      count += W - 2 * r;
    }
  }
  return { sum, count };
}

/**
 * Per slice: each channel's mean SSIM over its (valid) interior pixels, from the parts' sums
 * (`ssimPartSums`, added in part order) — what `ssimDetailed` and `ssimVolume` average.
 */
export function ssimSlices(sums: Float64Array, opts: Pick<SsimVolumeOptions, 'height' | 'channels'> & { depth?: number }): { perChannel: number[]; pixels: number }[] {
  const D = opts.depth ?? 1;
  const C = opts.channels ?? 1;
  const K = partsPerPlane(opts.height);
  const out: { perChannel: number[]; pixels: number }[] = [];
  for (let z = 0; z < D; z++) {
    const perChannel: number[] = [];
    let pixels = 0;
    for (let c = 0; c < C; c++) {
      let sum = 0;
      let count = 0;
      for (let q = 0; q < K; q++) {
        const p = (z * C + c) * K + q;
        sum += sums[2 * p];
        count += sums[2 * p + 1];
      }
      perChannel.push(count ? sum / count : NaN);
      pixels = count;
    }
    out.push({ perChannel, pixels });
  }
  return out;
}

/** Mean SSIM of every slice (pixels [z·W·H, (z+1)·W·H) of channel-last arrays), on this thread. Arguments already checked. */
function allSlices(a: Samples, b: Samples, opts: SsimVolumeOptions): { perChannel: number[]; pixels: number }[] {
  const sums = new Float64Array(2 * ssimPartCount(opts));
  ssimPartSums(a, b, opts, 0, sums.length / 2, sums);
  return ssimSlices(sums, opts);
}

/** The image of a mean 2-D SSIM over slices (`ssimVolume`), from the slices' means: E_DATA when no slice has a valid pixel. */
export function volumeMean(slices: readonly { perChannel: number[]; pixels: number }[]): number {
  let sum = 0;
  let used = 0;
  for (const { perChannel, pixels } of slices) {
    if (pixels === 0) continue;
    sum += meanOf(perChannel);
    used++;
  }
  if (used === 0) throw new InrError('E_DATA', 'ssimVolume: the mask leaves no valid pixel in the interior of any slice');
  return sum / used;
}

/** The mean 2-D SSIM of an image from its slice means: E_DATA when the mask leaves no valid pixel. */
export function imageMean(slice: { perChannel: number[]; pixels: number }): SsimResult {
  if (slice.pixels === 0) {
    throw new InrError('E_DATA', `ssim: the mask leaves no valid pixel in the interior (${SSIM_RADIUS}-pixel border excluded)`);
  }
  return { ssim: meanOf(slice.perChannel), perChannel: slice.perChannel, pixels: slice.pixels };
}

const meanOf = (v: number[]): number => v.reduce((s, t) => s + t, 0) / v.length;

/**
 * Mean SSIM of two 2D images with per-channel detail. Same definition as `ssim`.
 * Throws `E_DATA` when a mask leaves no valid interior pixel.
 */
export function ssimDetailed(a: Samples, b: Samples, opts: SsimOptions): SsimResult {
  check2d('ssim', a, b, opts);
  return imageMean(allSlices(a, b, { ...opts, depth: 1 })[0]);
}

/**
 * Mean structural similarity of two 2D images (row-major, channel-last, `channels` per pixel),
 * as scikit-image's `structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=R[, channel_axis=-1])`; see the module comment for the
 * formula. Returns the mean over channels of the mean, over interior pixels (a 5-pixel border
 * cropped), of the SSIM map. Identical images give exactly 1.
 *
 * Masked variant (ours): with `mask` (one entry per pixel), the SSIM map is computed exactly as
 * without a mask (masked pixels still enter the 11×11 Gaussian windows of their neighbours; a
 * non-finite value at a masked pixel is replaced by 0 in both images first so it cannot poison
 * them), and each channel's mean is taken over the interior pixels whose mask is valid. An
 * all-valid mask gives the unmasked value. Throws `E_DATA` when no valid interior pixel is left.
 * Images must be at least 11×11 (scikit-image raises for smaller ones too).
 */
export function ssim(a: Samples, b: Samples, opts: SsimOptions): number {
  return ssimDetailed(a, b, opts).ssim;
}

/**
 * The full SSIM map (before the interior crop), channel-last like the input, for display.
 * Equal to scikit-image's `structural_similarity(..., full=True)` S, boundary pixels included
 * (computed with scipy's 'reflect' boundary mode). A mask in `opts` is ignored.
 */
export function ssimMap(a: Samples, b: Samples, opts: Omit<SsimOptions, 'mask'>): Float64Array {
  const k = check2d('ssimMap', a, b, { ...opts, mask: undefined });
  const { W, H, C, C1, C2 } = k;
  const n = W * H;
  const ws = workspace(W, H);
  const plane = new Float64Array(n);
  const out = new Float64Array(n * C);
  for (let c = 0; c < C; c++) {
    extractPlanes(a, b, 0, n, C, c, undefined, ws.x, ws.y);
    ssimPlane(ws, C1, C2, plane, 0, H);
    for (let i = 0; i < n; i++) out[i * C + c] = plane[i];
  }
  return out;
}

/**
 * SSIM of two 3D volumes (depth × height × width, row-major, channel-last), defined (ours) as
 * the mean over the `depth` slices along the first (slowest) axis of the 2D `ssim` of each
 * height×width slice:  SSIM_vol = (1/D) Σ_z SSIM_2D(a[z], b[z]).
 * This is the usual slice-wise protocol for volumetric INR benchmarks; it is not scikit-image's
 * 3D SSIM (which would filter with an 11×11×11 window).
 *
 * Masked variant: each slice's masked 2D SSIM (mean over its valid interior pixels) is averaged
 * over the slices that have at least one valid interior pixel; slices with none are skipped.
 * Throws `E_DATA` when no slice has one.
 */
export function ssimVolume(a: Samples, b: Samples, opts: SsimVolumeOptions): number {
  const D = opts?.depth;
  if (!Number.isInteger(D) || D < 1) throw new InrError('E_ARG', `ssimVolume: depth must be a positive integer (got ${D})`);
  check2d('ssimVolume', a, b, opts, D);
  return volumeMean(allSlices(a, b, opts));
}
