/**
 * Fitting a backpropagation INR to samples on a grid: normalise the observed samples, train
 * the net on them, evaluate it on the grid (and on a resampling grid), and keep what the model
 * file needs. Typed arrays in, typed arrays out; the task around it (masks, reports) is the
 * method's (main/methods/nets).
 */
import * as tf from '@tensorflow/tfjs';
import { InrError } from '../../core/errors';
import { Rng } from '../../core/rng';
import { sampleCount } from '../../core/field';
import { sampleGrid, type AxisGrid } from '../elm/mesh';
import { useBackend } from './backend';
import { buildNet, METHOD_DEFAULTS, parseNetMethod, type NetMethod, type NetOptions } from './options';
import { paramCount, type Net } from './net';
import { trainNet, type StepInfo, type TrainResult } from './train';
import { processNetTeam } from './team';

export interface NetTaskOptions extends Partial<NetOptions> {
  method: string;
  seed?: number;
  /** auto (default), tfjs-node-gpu, webgpu, wasm or cpu. */
  backend?: string;
  steps?: number;
  lr?: number;
  /** LambdaLR γ (lr_T = γ·lr_0). */
  gamma?: number;
  /**
   * Samples per step. Absent: DEFAULT_BATCH (2^16) minibatches, or the full batch when the field
   * has no more samples than that; 0: the full batch always.
   */
  batch?: number;
  /** Threads that train (data-parallel, team.ts; wasm backend, not with IGA). Default 1. */
  threads?: number;
  /** Early stopping patience in steps (0/absent = off) and relative improvement. */
  patience?: number;
  minDelta?: number;
  targetPsnr?: number;
  maxSeconds?: number;
  /** Keep the lowest-training-loss parameters (default true; full batch only). */
  keepBest?: boolean;
  iga?: boolean;
  /** 'bce': binary cross-entropy on 0/1 targets (occupancy); default 'mse'. */
  loss?: 'mse' | 'bce';
  igaStart?: number;
  igaEnd?: number;
  igaPatch?: number;
  igaEvery?: number;
}

export interface NetTaskHooks {
  onProgress?: (stage: string, fraction: number, metrics?: Record<string, number>) => void;
  /** Every training step (not throttled). */
  onStep?: (s: StepInfo) => void;
  signal?: AbortSignal;
  checkCancel?: () => boolean | void;
}

/** The samples to fit: a grid of `shape` × `channels`, channel-last, and which of them to train on. */
export interface NetSamples {
  shape: number[];
  channels: number;
  values: Float32Array;
  /** prod(shape) entries, 1 = train on this sample. */
  mask: Uint8Array;
  /** 8-bit data: normalise by the code range 0…255 rather than the observed min/max. */
  codeRange8?: boolean;
}

export interface NetTraining {
  steps: number;
  steps_run: number;
  stopped: TrainResult['stopped'];
  lr: number;
  gamma: number;
  batch: number | 'full';
  seed: number;
  adam: { beta1: number; beta2: number; epsilon: number };
  loss_final: number;
  loss_best: number;
  best_step: number;
  psnr_train_final: number;
  psnr_train_best: number;
  selected: TrainResult['selected'];
  steps_per_second: number;
  iga?: TrainResult['iga'];
  /** Measured device bytes per sample of one step, when the memory check ran. */
  bytes_per_sample?: number;
  /** Threads that computed each step (data-parallel when > 1). */
  threads: number;
}

/** Enough to evaluate the trained net again: architecture, normalisation and the weights. */
export interface NetModel {
  kind: 'inr-net';
  method: NetMethod;
  options: NetOptions;
  seed: number;
  inDim: number;
  outDim: number;
  coords: 'symmetric' | 'unit';
  targetRange: [number, number];
  /** Per channel: physical value = lo + (t − t0)/(t1 − t0)·(hi − lo). */
  lo: number[];
  hi: number[];
  /** Grid lengths the coordinates refer to. */
  shape: number[];
  weights: Array<{ name: string; shape: number[]; values: Float32Array }>;
  /** 'sigmoid': trained with the cross-entropy loss, the output is a logit. Absent: linear. */
  output?: 'linear' | 'sigmoid';
}

export interface NetFitResult {
  /** On the sample grid, physical values. */
  reconstruction: Float32Array;
  /** On the extra grids, when given. */
  upsampled?: Float32Array;
  model: NetModel;
  params: number;
  backend: string;
  /** performance.now() when training ended. */
  fittedAt: number;
  net: Record<string, number | string | boolean>;
  training: NetTraining;
  warnings: string[];
}

/**
 * Samples per step by default: 2^16, as the SIREN/FFN image experiments use a 256² image per step.
 * Larger fields train on shuffled minibatches of this size (an epoch = ⌈n/2^16⌉ steps), smaller
 * ones on the full batch.
 */
export const DEFAULT_BATCH = 65536;

/**
 * Data-parallel training (team.ts) only where it pays: a step of at least ~50 MFLOP (≈ 6 × batch
 * × params: forward, and twice that backward), whose few milliseconds of parameter and gradient
 * exchange are then small, and a fit of at least ~10 GFLOP, which outweighs starting the threads
 * (about a second, once per process). Smaller fits train on the calling thread.
 */
const TEAM_MIN_STEP_FLOPS = 5e7;
const TEAM_MIN_FLOPS = 1e10;

const NET_OPTION_KEYS = ['omega0', 'hiddenOmega0', 'sigma', 'features', 's0', 'degree', 'rank', 'c', 'learnC', 'initScale'] as const;

/** The architecture options as given (for the team's workers, which build the same net). */
function archOf(opts: NetTaskOptions): Partial<NetOptions> {
  const o: Partial<NetOptions> = {};
  if (opts.width !== undefined) o.width = opts.width;
  if (opts.hidden !== undefined) o.hidden = opts.hidden;
  for (const k of NET_OPTION_KEYS) if (opts[k] !== undefined) (o as Record<string, unknown>)[k] = opts[k];
  return o;
}

/** The architecture options alone (no task or training options), with the resolved width/depth. */
function netOptionsOf(opts: NetTaskOptions, net: Net): NetOptions {
  const o: NetOptions = { width: net.info.width as number, hidden: net.info.hidden as number };
  for (const k of NET_OPTION_KEYS) if (opts[k] !== undefined) (o as unknown as Record<string, unknown>)[k] = opts[k];
  return o;
}

/** Coordinate of position p (sample-index units) on an axis of L samples. */
export function axisCoord(p: number, L: number, conv: 'symmetric' | 'unit'): number {
  if (conv === 'unit') return p / L;
  return L > 1 ? -1 + (2 * p) / (L - 1) : 0;
}

/** Row-major coordinates of a product grid (n × d) in the net's convention. */
export function gridCoords(grids: AxisGrid[], lengths: number[], conv: 'symmetric' | 'unit'): Float32Array {
  const d = grids.length;
  const n = grids.reduce((a, g) => a * g.count, 1);
  const axes = grids.map((g, a) => Float64Array.from({ length: g.count }, (_, j) => axisCoord(g.start + j * g.step, lengths[a], conv)));
  const out = new Float32Array(n * d);
  const idx = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) out[i * d + a] = axes[a][idx[a]];
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < grids[a].count) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Evaluate the net on n×d coordinates in chunks; returns physical values (n × C). */
/**
 * Evaluate the net on n×d coordinates in chunks; returns physical values (n × C). A net trained
 * with the cross-entropy loss (`output: 'sigmoid'`) reads its output as a logit (train.ts
 * `pointLoss`): the value is lo + σ(z)·(hi − lo).
 */
export async function evaluateNet(net: Net, coords: Float32Array, lo: number[], hi: number[], chunk = 16384, output: 'linear' | 'sigmoid' = 'linear'): Promise<Float32Array> {
  const d = net.inDim;
  const C = net.outDim;
  const n = coords.length / d;
  const out = new Float32Array(n * C);
  const [t0, t1] = net.targetRange;
  const unit = output === 'sigmoid' ? (v: number) => 1 / (1 + Math.exp(-(v - (t0 + t1) / 2) * (8 / (t1 - t0)))) : (v: number) => (v - t0) / (t1 - t0);
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const y = tf.tidy(() => net.apply(net.prepare(tf.tensor2d(coords.subarray(s * d, (s + m) * d), [m, d]))));
    const v = await y.data();
    y.dispose();
    for (let i = 0; i < m * C; i++) {
      const c = i % C;
      out[s * C + i] = lo[c] + unit(v[i]) * (hi[c] - lo[c]);
    }
  }
  return out;
}

/** Rebuild a trained net from its `NetModel` (architecture from the options, then the stored weights). */
export function loadNetModel(model: NetModel): Net {
  const net = buildNet(model.method, new Rng(model.seed), model.inDim, model.outDim, model.options);
  if (net.params.length !== model.weights.length) {
    net.dispose();
    throw new InrError('E_CORRUPT', `the model has ${model.weights.length} weight arrays, a ${model.method} net ${net.params.length}`);
  }
  net.params.forEach((p, i) => {
    const w = model.weights[i];
    if (w.values.length !== p.v.size) {
      net.dispose();
      throw new InrError('E_CORRUPT', `weight ${w.name} has ${w.values.length} values, expected ${p.v.size}`);
    }
    tf.tidy(() => p.v.assign(tf.tensor(w.values, p.v.shape)));
  });
  return net;
}

/** Evaluate a stored model on a product grid of positions (sample-index units of `model.shape`). */
export async function evaluateNetModel(model: NetModel, grids: AxisGrid[]): Promise<Float32Array> {
  const net = loadNetModel(model);
  try {
    return await evaluateNet(net, gridCoords(grids, model.shape, model.coords), model.lo, model.hi, 16384, model.output ?? 'linear');
  } finally {
    net.dispose();
  }
}

/**
 * Train a net of `opts.method` on the masked samples and evaluate it on their grid (and on
 * `grids`, a resampling, when given).
 */
export async function fitNet(data: NetSamples, opts: NetTaskOptions, hooks: NetTaskHooks = {}, grids?: AxisGrid[]): Promise<NetFitResult> {
  const method = parseNetMethod(opts.method);
  const defaults = METHOD_DEFAULTS[method];
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(seed)) throw new InrError('E_ARG', `seed must be an integer, got ${seed}`);
  const steps = opts.steps ?? defaults.steps;
  const lr = opts.lr ?? defaults.lr;
  const gamma = opts.gamma ?? defaults.gamma;
  const progress = hooks.onProgress ?? (() => {});
  const { shape, channels: C, values, mask } = data;
  const d = shape.length;
  const n = sampleCount(shape);
  if (n === 0 || C === 0) throw new InrError('E_DATA', 'the field is empty');
  let observed = 0;
  for (let i = 0; i < n; i++) observed += mask[i];

  // Target normalisation: 8-bit data by its code range; others per channel by the observed min/max.
  const lo = new Array<number>(C).fill(Infinity);
  const hi = new Array<number>(C).fill(-Infinity);
  if (data.codeRange8) {
    lo.fill(0);
    hi.fill(255);
  } else {
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      for (let c = 0; c < C; c++) {
        const v = values[i * C + c];
        if (v < lo[c]) lo[c] = v;
        if (v > hi[c]) hi[c] = v;
      }
    }
    for (let c = 0; c < C; c++) if (!(hi[c] > lo[c])) hi[c] = lo[c] + 1;
  }

  progress('starting compute backend', 0);
  const backend = await useBackend(opts.backend ?? 'auto');
  const rng = new Rng(seed);
  const net = buildNet(method, rng, d, C, opts);
  // Data-parallel on the CPU when the work pays for the threads' exchange and start-up; the
  // team's threads load tfjs-wasm while the samples are prepared here.
  const threads = Math.max(1, Math.floor(opts.threads ?? 1));
  const stepFlops = 6 * Math.min(observed, opts.batch && opts.batch > 0 ? opts.batch : opts.batch === 0 ? observed : DEFAULT_BATCH) * paramCount(net);
  const parallel = threads > 1 && backend.tfName === 'wasm' && !opts.iga && stepFlops >= TEAM_MIN_STEP_FLOPS && stepFlops * steps >= TEAM_MIN_FLOPS;
  const team = parallel ? (await processNetTeam(threads)).warm() : undefined;
  const [r0, r1] = net.targetRange;

  const index = new Int32Array(observed);
  const yVals = new Float32Array(observed * C);
  for (let i = 0, t = 0; i < n; i++) {
    if (!mask[i]) continue;
    index[t] = i;
    for (let c = 0; c < C; c++) yVals[t * C + c] = r0 + ((values[i * C + c] - lo[c]) / (hi[c] - lo[c])) * (r1 - r0);
    t++;
  }
  const allCoords = gridCoords(
    shape.map((L) => sampleGrid(L)),
    shape,
    net.coords,
  );
  const xVals = new Float32Array(observed * d);
  for (let t = 0; t < observed; t++) for (let a = 0; a < d; a++) xVals[t * d + a] = allCoords[index[t] * d + a];

  const X = tf.tensor2d(xVals, [observed, d]);
  const Y = tf.tensor2d(yVals, [observed, C]);
  try {
    let lastReport = 0;
    const train = await trainNet(
      net,
      { x: X, y: Y, grid: { shape, index } },
      {
        steps,
        lr,
        gamma,
        batchSize: opts.batch === 0 ? observed : opts.batch,
        batchAuto: opts.iga ? undefined : DEFAULT_BATCH,
        team: team && { team, spec: { method, seed, inDim: d, outDim: C, arch: archOf(opts) }, xHost: xVals, yHost: yVals },
        seed,
        earlyStop: opts.patience ? { patience: opts.patience, minDelta: opts.minDelta } : undefined,
        targetPsnr: opts.targetPsnr,
        maxSeconds: opts.maxSeconds,
        keepBest: opts.keepBest,
        psnrPeak: r1 - r0,
        loss: { kind: opts.loss ?? 'mse', range: [r0, r1] },
        iga: opts.iga ? { start: opts.igaStart ?? 0, end: opts.igaEnd ?? defaults.igaEnd, patch: opts.igaPatch, every: opts.igaEvery } : undefined,
        signal: hooks.signal,
        checkCancel: hooks.checkCancel,
        onStep: (s) => {
          hooks.onStep?.(s);
          const now = performance.now();
          if (now - lastReport >= 100 || s.step === s.steps) {
            lastReport = now;
            progress('training', 0.02 + 0.88 * (s.step / s.steps), { step: s.step, loss: s.loss, psnr: s.psnr, seconds: s.seconds, lr: s.lr });
          }
        },
      },
    );
    const fittedAt = performance.now();
    progress('reconstructing', 0.9);
    const output = opts.loss === 'bce' ? 'sigmoid' : 'linear';
    const reconstruction = await evaluateNet(net, allCoords, lo, hi, 16384, output);
    if (!reconstruction.every(Number.isFinite)) throw new InrError('E_NUMERIC', 'the reconstruction contains NaN or Inf: try a smaller learning rate or ω0');
    let upsampled: Float32Array | undefined;
    if (grids) {
      progress('resampling', 0.93);
      upsampled = await evaluateNet(net, gridCoords(grids, shape, net.coords), lo, hi, 16384, output);
      if (!upsampled.every(Number.isFinite)) throw new InrError('E_NUMERIC', 'the resampled field contains NaN or Inf: try a smaller learning rate or ω0');
    }
    const model: NetModel = {
      kind: 'inr-net',
      method,
      options: netOptionsOf(opts, net),
      seed,
      inDim: d,
      outDim: C,
      coords: net.coords,
      targetRange: net.targetRange,
      lo,
      hi,
      shape: shape.slice(),
      weights: await Promise.all(net.params.map(async (p) => ({ name: p.name, shape: p.v.shape.slice(), values: (await p.v.data()) as Float32Array }))),
      ...(output === 'sigmoid' ? { output } : {}),
    };
    return {
      reconstruction,
      upsampled,
      model,
      params: paramCount(net),
      backend: train.threads > 1 ? backend.label.replace(/1 thread\)$/, `${train.threads} threads, data-parallel)`) : backend.label,
      fittedAt,
      net: { ...net.info },
      training: {
        steps,
        steps_run: train.stepsRun,
        stopped: train.stopped,
        lr,
        gamma,
        batch: train.batch < observed ? train.batch : 'full',
        threads: train.threads,
        bytes_per_sample: train.bytesPerSample,
        seed,
        adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
        loss_final: train.lossFinal,
        loss_best: train.lossBest,
        best_step: train.bestStep,
        psnr_train_final: train.psnrFinal,
        psnr_train_best: train.psnrBest,
        selected: train.selected,
        steps_per_second: train.stepsPerSecond,
        iga: train.iga,
      },
      warnings: [...net.warnings, ...train.warnings],
    };
  } finally {
    X.dispose();
    Y.dispose();
    net.dispose();
  }
}
