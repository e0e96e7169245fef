/**
 * Spectral-bias analysis (METHODS §13; the FR protocol, reused by SL2A and IGA).
 *
 * Target: x = 300 evenly spaced points on [−1,1], both ends included;
 *   f(x) = 2·round((sin 3πx + sin 5πx + sin 7πx + sin 9πx)/2), rounding half to even (NumPy's
 *   np.round), a staircase in 2ℤ with four principal tones (bins k = 3, 5, 7, 9, labelled 1.5,
 *   2.5, 3.5, 4.5 Hz since the domain has length 2) plus harmonics.
 * Model: an MLP (default ReLU 128×3; sine with ω0 = 5 for SIREN), Adam on the full batch.
 * Per-frequency relative error at a recorded step t, on the 300-point DFT:
 *   magnitude (FR, default): Δ_k(t) = | |F_t[k]| − |F_gt[k]| | / |F_gt[k]|  (phase ignored)
 *   complex (IGA's definition): Δ_k(t) = |F_t[k] − F_gt[k]| / |F_gt[k]|
 * Both endpoints are included, so the tones sit at bin k·300/299: the slight leakage is part of
 * the protocol and kept for comparability.
 *
 * The result is plain JSON-able data; `spectralHeatmapPng` draws Δ (frequency × step).
 */
import { PNG } from 'pngjs';
import * as tf from '@tensorflow/tfjs';
import { InrError } from '../../core/errors';
import { Rng } from '../../core/rng';
import { writeFileAtomic } from '../../core/atomic';
import { useBackend } from './backend';
import { buildNet, parseNetMethod, type NetOptions } from './options';
import { trainNet, type StepInfo } from './train';

export const SPECTRAL_SAMPLES = 300;
export const SPECTRAL_BINS = [3, 5, 7, 9] as const;

/** Round half to even, as NumPy's np.round (Math.round rounds halves up). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function spectralTarget(samples = SPECTRAL_SAMPLES): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(samples);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = samples > 1 ? -1 + (2 * i) / (samples - 1) : 0;
    x[i] = t;
    const s = Math.sin(3 * Math.PI * t) + Math.sin(5 * Math.PI * t) + Math.sin(7 * Math.PI * t) + Math.sin(9 * Math.PI * t);
    y[i] = 2 * roundHalfEven(s / 2);
  }
  return { x, y };
}

/** DFT coefficient k of a real sequence, F[k] = Σ_n y_n·e^{−2πi kn/N}, as [re, im]. */
export function dftBin(y: ArrayLike<number>, k: number): [number, number] {
  const N = y.length;
  let re = 0;
  let im = 0;
  for (let n = 0; n < N; n++) {
    const a = (-2 * Math.PI * k * n) / N;
    re += y[n] * Math.cos(a);
    im += y[n] * Math.sin(a);
  }
  return [re, im];
}

export type SpectralError = 'magnitude' | 'complex';

export function relativeErrors(pred: ArrayLike<number>, gt: ArrayLike<number>, bins: readonly number[], def: SpectralError = 'magnitude'): number[] {
  return bins.map((k) => {
    const [gr, gi] = dftBin(gt, k);
    const [pr, pi] = dftBin(pred, k);
    const g = Math.hypot(gr, gi);
    return def === 'magnitude' ? Math.abs(Math.hypot(pr, pi) - g) / g : Math.hypot(pr - gr, pi - gi) / g;
  });
}

export interface SpectralOptions extends Partial<NetOptions> {
  /** Net method (default relu; siren uses ω0 = 5 unless omega0 is given). */
  method?: string;
  steps?: number;
  lr?: number;
  /** Record the prediction every k steps (and at step 0). */
  recordEvery?: number;
  seed?: number;
  backend?: string;
  error?: SpectralError;
  /** Also return the prediction at every record (records × 300). */
  keepPredictions?: boolean;
  signal?: AbortSignal;
  onProgress?: (step: number, steps: number, loss: number) => void;
}

export interface SpectralResult {
  protocol: 'FR';
  method: string;
  net: Record<string, number | string | boolean>;
  backend: string;
  samples: number;
  bins: number[];
  /** Frequency labels in Hz (domain length 2). */
  hz: number[];
  errorDefinition: SpectralError;
  lr: number;
  steps: number[];
  loss: number[];
  /** error[b][r]: relative error of bin b at record r. */
  error: number[][];
  /** First recorded step at which each bin's error falls below 0.1 (null if never). */
  convergedAt: Array<number | null>;
  x: number[];
  target: number[];
  predictions?: number[][];
  seconds: number;
}

export async function spectralBias(opts: SpectralOptions = {}): Promise<SpectralResult> {
  const method = parseNetMethod(opts.method ?? 'relu');
  const steps = opts.steps ?? 10000;
  const every = Math.max(1, Math.floor(opts.recordEvery ?? 10));
  const lr = opts.lr ?? 1e-3;
  const def = opts.error ?? 'magnitude';
  if (!(Number.isInteger(steps) && steps >= 1)) throw new InrError('E_ARG', `steps must be a positive integer, got ${steps}`);
  const t0 = performance.now();
  const backend = await useBackend(opts.backend ?? 'auto');
  const { x, y } = spectralTarget();
  const gt = Array.from(y);
  const bins = [...SPECTRAL_BINS];
  const netOpts: Partial<NetOptions> = { width: 128, hidden: 3, ...opts };
  if (method === 'siren' && opts.omega0 === undefined) netOpts.omega0 = 5;
  const net = buildNet(method, new Rng(opts.seed ?? 1), 1, 1, netOpts);
  // Map the staircase (values in 2ℤ, here −4…4) affinely to the net's target range and back.
  const lo = Math.min(...gt);
  const hi = Math.max(...gt);
  const [r0, r1] = net.targetRange;
  const toNet = (v: number) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0);
  const fromNet = (v: number) => lo + ((v - r0) / (r1 - r0)) * (hi - lo);
  const coords = Float32Array.from(x, (t) => (net.coords === 'unit' ? (t + 1) / 2 : t));
  const X = tf.tensor2d(coords, [x.length, 1]);
  const Y = tf.tensor2d(Float32Array.from(gt, toNet), [x.length, 1]);
  const H = tf.keep(net.prepare(X));
  const rec: { steps: number[]; loss: number[]; error: number[][]; predictions: number[][] } = { steps: [], loss: [], error: bins.map(() => []), predictions: [] };
  const record = async (step: number, loss: number) => {
    const p = tf.tidy(() => net.apply(H));
    const v = await p.data();
    p.dispose();
    const pred = Array.from(v, fromNet);
    const e = relativeErrors(pred, gt, bins, def);
    rec.steps.push(step);
    rec.loss.push(loss);
    e.forEach((val, b) => rec.error[b].push(val));
    if (opts.keepPredictions) rec.predictions.push(pred);
  };
  try {
    const p0 = tf.tidy(() => tf.mean(tf.squaredDifference(net.apply(H), Y)));
    await record(0, (await p0.data())[0]);
    p0.dispose();
    await trainNet(
      net,
      { x: X, y: Y },
      {
        steps,
        lr,
        gamma: 1,
        seed: opts.seed ?? 1,
        keepBest: false,
        psnrPeak: r1 - r0,
        signal: opts.signal,
        afterStep: async (s: StepInfo) => {
          opts.onProgress?.(s.step, steps, s.loss);
          if (s.step % every === 0 || s.step === steps) await record(s.step, s.loss);
        },
      },
    );
  } finally {
    X.dispose();
    Y.dispose();
    if (H !== X) H.dispose();
    net.dispose();
  }
  const convergedAt = rec.error.map((row) => {
    const i = row.findIndex((v) => v < 0.1);
    return i < 0 ? null : rec.steps[i];
  });
  return {
    protocol: 'FR',
    method,
    net: { ...net.info },
    backend: backend.label,
    samples: x.length,
    bins,
    hz: bins.map((k) => k / 2),
    errorDefinition: def,
    lr,
    steps: rec.steps,
    loss: rec.loss,
    error: rec.error,
    convergedAt,
    x: Array.from(x),
    target: gt,
    predictions: opts.keepPredictions ? rec.predictions : undefined,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Viridis-like colour map (5 anchors, linear in between), t in [0,1]. */
function colour(t: number): [number, number, number] {
  const A: Array<[number, number, number]> = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 1)) * (A.length - 1);
  const i = Math.min(A.length - 2, Math.floor(u));
  const f = u - i;
  return [0, 1, 2].map((c) => Math.round(A[i][c] + f * (A[i + 1][c] - A[i][c]))) as [number, number, number];
}

/**
 * Heatmap of the relative errors: one band per frequency (highest at the top), one column per
 * record (resampled to `width`), colour = min(Δ, vmax)/vmax (default vmax 1: dark = fitted).
 */
export function spectralHeatmapPng(r: Pick<SpectralResult, 'error' | 'bins'>, opts: { width?: number; rowHeight?: number; vmax?: number } = {}): Buffer {
  const records = r.error[0]?.length ?? 0;
  if (records === 0) throw new InrError('E_ARG', 'no recorded step to draw');
  const width = Math.max(1, Math.min(opts.width ?? Math.min(records, 1000), 4096));
  const rowH = Math.max(1, opts.rowHeight ?? 24);
  const vmax = opts.vmax ?? 1;
  const rows = r.bins.length;
  const png = new PNG({ width, height: rows * rowH });
  for (let b = 0; b < rows; b++) {
    const band = rows - 1 - b; // highest frequency on top
    for (let px = 0; px < width; px++) {
      const rIdx = Math.min(records - 1, Math.floor((px * records) / width));
      const [cr, cg, cb] = colour(r.error[band][rIdx] / vmax);
      for (let yy = 0; yy < rowH; yy++) {
        const o = ((b * rowH + yy) * width + px) * 4;
        png.data[o] = cr;
        png.data[o + 1] = cg;
        png.data[o + 2] = cb;
        png.data[o + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}

export function writeSpectralHeatmap(path: string, r: Pick<SpectralResult, 'error' | 'bins'>, opts?: { width?: number; rowHeight?: number; vmax?: number }): void {
  writeFileAtomic(path, spectralHeatmapPng(r, opts));
}
