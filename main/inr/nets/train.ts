/**
 * The training loop of the backpropagation INRs: Adam (β = 0.9/0.999, ε = 1e-8 passed
 * explicitly: TF.js would otherwise use 1e-7), LambdaLR lr_t = lr_0·γ^{min(t/T,1)} set on the
 * optimizer before every update (TF.js has no schedules), full batch or shuffled minibatches,
 * early stopping, an optional IGA gradient adjustment, progress with loss, PSNR and wall-clock
 * time, cancellation checked every step, and a NaN/Inf guard that stops the job with
 * E_NUMERIC before anything is written.
 *
 * Every read from the device is asynchronous (`await t.data()`), so the loop also runs on the
 * WebGPU backend, which has no synchronous readback in Node.
 */
import * as tf from '@tensorflow/tfjs';
import { InrError, cancelled } from '../../core/errors';
import { Rng } from '../../core/rng';
import type { Net } from './net';
import { igaGradient, igaGroups, igaUpdate, selectGroupMaxima, type IgaAdjust, type IgaGroups } from './iga';
import type { NetTeam, ReplicaSpec, TeamRun } from './team';

export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

export interface TrainSet {
  /** Raw coordinates in the net's convention, n × inDim. */
  x: tf.Tensor2D;
  /** Normalised targets, n × C. */
  y: tf.Tensor2D;
  /** For IGA: the grid shape and each row's flat sample index in it. */
  grid?: { shape: number[]; index: Int32Array };
}

export interface IgaOptions {
  start?: number;
  /** Eigenvalues [start, end) are set to λ_end. Default: the method's (METHODS §12). */
  end: number;
  /** Patch size P; default adaptive (iga.ts). */
  patch?: number;
  /** Recompute S every k steps (1 = every step, as the paper). */
  every?: number;
}

export interface StepInfo {
  /** 1-based step number. */
  step: number;
  steps: number;
  /** Plain MSE on the normalised targets (batch loss in minibatch mode). */
  loss: number;
  /** 10·log10(peak²/loss), peak = width of the target range. */
  psnr: number;
  lr: number;
  /** Wall-clock seconds since training started. */
  seconds: number;
}

export interface TrainOptions {
  steps: number;
  lr: number;
  gamma?: number;
  /** Samples per step; 0/undefined/≥ n = full batch (or `batchAuto`). A step that would not fit the memory budget fails. */
  batchSize?: number;
  /**
   * Samples per step when `batchSize` is not given: a default (task.ts DEFAULT_BATCH) that the
   * memory check may lower, with a warning, instead of failing. Absent or ≥ n: full batch.
   */
  batchAuto?: number;
  seed?: number;
  /** Stop when the loss has not improved by a relative `minDelta` (1e-4) for `patience` steps. */
  earlyStop?: { patience: number; minDelta?: number };
  /** Stop once the training PSNR reaches this (dB). */
  targetPsnr?: number;
  /** Stop after this many seconds. */
  maxSeconds?: number;
  iga?: IgaOptions;
  /** Width of the target range (1 for [0,1], 2 for [−1,1]) for the PSNR. */
  psnrPeak?: number;
  /**
   * The loss: mean squared error (default), or binary cross-entropy for 0/1 targets such as
   * occupancy, with the output read as a logit (see `pointLoss`; the range is the net's target range).
   */
  loss?: { kind: 'mse' | 'bce'; range: [number, number] };
  /** Keep the parameters of the lowest training loss and restore them at the end (full batch only). Default true. */
  keepBest?: boolean;
  onStep?: (s: StepInfo) => void;
  /** Awaited after every update (e.g. to read predictions asynchronously). */
  afterStep?: (s: StepInfo) => Promise<void> | void;
  signal?: AbortSignal;
  /** Called every step; return true (or throw) to cancel. */
  checkCancel?: () => boolean | void;
  /** Feature-cache budget in bytes for minibatch training (default 256 MiB). */
  cacheBytes?: number;
  /**
   * Train data-parallel on this team's threads (team.ts) when it has more than one, the backend
   * is wasm and IGA is off (its transform acts across all samples): `spec` rebuilds the net in
   * the workers, `xHost`/`yHost` are `set.x`/`set.y` on the host.
   */
  team?: { team: NetTeam; spec: ReplicaSpec; xHost: Float32Array; yHost: Float32Array };
  /**
   * Device-memory budget of one step in bytes (default per backend, MEMORY_BUDGET). When a full
   * batch would exceed it and no batch size was given, training switches to the largest
   * power-of-two minibatch that fits, with a warning; IGA then fails with E_TOO_LARGE.
   */
  memoryBudget?: number;
}

export interface TrainResult {
  stepsRun: number;
  stopped: 'steps' | 'early' | 'target' | 'time';
  lossFinal: number;
  psnrFinal: number;
  lossBest: number;
  psnrBest: number;
  bestStep: number;
  /** Which parameters the net holds now. */
  selected: 'best-training-loss' | 'final';
  seconds: number;
  stepsPerSecond: number;
  /** Up to ~1000 evenly spread steps, always with the first and the last. */
  history: StepInfo[];
  iga?: { patch: number; groups: number; start: number; end: number; replacedLast: number; every: number };
  /** Samples per step actually used. */
  batch: number;
  /** Threads that computed each step (1, or the team's size). */
  threads: number;
  /** Measured device bytes per sample of one step (forward + backward). */
  bytesPerSample?: number;
  warnings: string[];
}

/**
 * Default step-memory budgets. tfjs-wasm lives in one 32-bit wasm heap that grows to 4 GiB (an
 * allocation beyond it aborts the module, which cannot recover), so it gets 3 GiB.
 */
export const MEMORY_BUDGET: Record<string, number> = { wasm: 3 * 2 ** 30, cpu: 4 * 2 ** 30, webgpu: 2 * 2 ** 30, tensorflow: 8 * 2 ** 30 };

/**
 * Device bytes one training step needs per sample, measured by profiling a forward+backward
 * pass (no update) on two small subsets: the slope removes the parameters' fixed cost.
 */
export async function measureBytesPerSample(net: Net, x: tf.Tensor2D, y: tf.Tensor2D): Promise<number> {
  const vars = net.params.filter((p) => p.v.trainable).map((p) => p.v);
  const n = x.shape[0];
  const a = Math.min(n, 128);
  const b = Math.min(n, 256);
  if (b <= a) return 0;
  const peak = async (m: number) => {
    const info = await tf.profile(() => {
      tf.tidy(() => {
        const h = net.prepare(tf.slice(x, [0, 0], [m, x.shape[1]]) as tf.Tensor2D);
        const yy = tf.slice(y, [0, 0], [m, y.shape[1]]);
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.apply(h), yy)) as tf.Scalar, vars);
        tf.dispose([value, ...Object.values(grads)]);
      });
    });
    return info.peakBytes - info.newBytes;
  };
  const pa = await peak(a);
  const pb = await peak(b);
  return Math.max(0, (pb - pa) / (b - a));
}

/**
 * The loss of one batch. MSE: mean (out − y)². BCE: the output is read as a logit
 * z = (out − m)·8/(t1 − t0) around the middle m of the net's target range [t0, t1] (so the range
 * spans logits −4…4) and the target as a probability q = (y − t0)/(t1 − t0):
 * mean[max(z, 0) − z·q + log(1 + e^−|z|)], the numerically stable binary cross-entropy.
 */
export function pointLoss(out: tf.Tensor2D, y: tf.Tensor2D, loss: TrainOptions['loss']): tf.Scalar {
  if (!loss || loss.kind === 'mse') return tf.mean(tf.squaredDifference(out, y)) as tf.Scalar;
  const [t0, t1] = loss.range;
  const z = tf.mul(tf.sub(out, (t0 + t1) / 2), 8 / (t1 - t0));
  const q = tf.div(tf.sub(y, t0), t1 - t0);
  return tf.losses.sigmoidCrossEntropy(q, z) as tf.Scalar;
}

function psnrOf(mse: number, peak: number): number {
  return 10 * Math.log10((peak * peak) / mse);
}

/**
 * A training loop's stopping rules, in this order: a target PSNR, no relative improvement of
 * `minDelta` (default 1e-4) in the monitored loss for `patience` steps, a time limit. Call it once
 * per step with the monitored loss (undefined on a step that monitors nothing, e.g. mid-epoch),
 * its PSNR and the seconds so far; it returns why to stop, or undefined.
 */
export function stoppingRule(o: { targetPsnr?: number; patience?: number; minDelta?: number; maxSeconds?: number }) {
  let ref = Infinity;
  let since = 0;
  return (monitored: number | undefined, psnr: number, seconds: number): 'target' | 'early' | 'time' | undefined => {
    if (monitored !== undefined) {
      if (o.targetPsnr !== undefined && psnr >= o.targetPsnr) return 'target';
      if (o.patience && o.patience > 0) {
        if (monitored < ref * (1 - (o.minDelta ?? 1e-4))) {
          ref = monitored;
          since = 0;
        } else if (++since >= o.patience) return 'early';
      }
    }
    if (o.maxSeconds !== undefined && seconds >= o.maxSeconds) return 'time';
    return undefined;
  };
}

export function lambdaLr(lr0: number, gamma: number, t: number, T: number): number {
  return lr0 * Math.pow(gamma, Math.min(t / Math.max(1, T), 1));
}

/**
 * IGA's surrogate: the value is the plain MSE (what is logged), the gradient with respect to the
 * output is (2/(N·C))·r′ with r′ = S applied across groups (iga.ts), so that backpropagation
 * yields (2/(N·C))·Jᵀ·S·r. The gradient with respect to y is zero (y is data).
 */
export function igaLoss(out: tf.Tensor2D, y: tf.Tensor2D, adj: IgaAdjust): tf.Scalar {
  return tf.mean(tf.squaredDifference(igaGradient(out, adj), y)) as tf.Scalar;
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/** Fit `net` to `set`. The net's parameters are updated in place. */
export async function trainNet(net: Net, set: TrainSet, opts: TrainOptions): Promise<TrainResult> {
  const n = set.x.shape[0];
  const C = set.y.shape[1];
  if (set.y.shape[0] !== n) throw new InrError('E_ARG', `targets have ${set.y.shape[0]} rows, coordinates ${n}`);
  if (!(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new InrError('E_ARG', `steps must be a positive integer, got ${opts.steps}`);
  if (!(opts.lr > 0 && Number.isFinite(opts.lr))) throw new InrError('E_ARG', `learning rate must be positive, got ${opts.lr}`);
  const gamma = opts.gamma ?? 1;
  if (!(gamma > 0 && Number.isFinite(gamma))) throw new InrError('E_ARG', `gamma must be positive, got ${gamma}`);
  const peak = opts.psnrPeak ?? 1;
  const auto = opts.batchAuto && opts.batchAuto > 0 && opts.batchAuto < n ? Math.floor(opts.batchAuto) : n;
  let batch = opts.batchSize && opts.batchSize > 0 ? Math.min(n, Math.floor(opts.batchSize)) : auto;
  const warnings: string[] = [];
  // Data-parallel on the team's threads (each its own engine and memory, one shard of the batch each).
  const bce = opts.loss?.kind === 'bce';
  if (bce && opts.iga) throw new InrError('E_ARG', 'IGA adjusts the gradient of the squared error: it cannot be combined with the cross-entropy loss');
  if (opts.iga && !(Number.isInteger(opts.iga.end) && opts.iga.end >= 1)) throw new InrError('E_ARG', `IGA end must be a positive integer, got ${opts.iga.end}`);
  if (opts.iga && !set.grid) throw new InrError('E_ARG', 'IGA needs gridded data');
  // The threads compute squared-error gradients: cross-entropy trains on this thread.
  const team = opts.team && opts.team.team.size > 1 && !opts.iga && !bce && tf.getBackend() === 'wasm' ? opts.team : undefined;
  const engines = team ? team.team.size : 1;
  // Would one step fit in device memory (per engine: its shard of the batch)?
  const budget = opts.memoryBudget ?? MEMORY_BUDGET[tf.getBackend()] ?? 2 * 2 ** 30;
  let bytesPerSample: number | undefined;
  // Samples one engine can take per step (measured only near the budget).
  let fitOne = Infinity;
  const width = Number(net.info.width) || 64;
  const depth = (Number(net.info.hidden) || 0) + 2;
  // Measure only when a rough lower bound (8 tensors of the width per layer) comes near the budget.
  if (Math.ceil(batch / engines) * 4 * (net.featureDim + 8 * width * depth) > budget / 8) {
    bytesPerSample = await measureBytesPerSample(net, set.x, set.y);
    const fixed = net.params.reduce((s, p) => s + p.v.size, 0) * 4 * 6; // params, grads, Adam moments
    // Samples per step that fit: per engine, times the engines.
    fitOne = Math.floor((budget - fixed) / Math.max(bytesPerSample, 1));
    const fit = fitOne * engines;
    if (batch > fit) {
      const need = ((Math.ceil(batch / engines) * bytesPerSample + fixed) / 2 ** 30).toFixed(1);
      const have = (budget / 2 ** 30).toFixed(1);
      if (opts.iga)
        throw new InrError(
          'E_TOO_LARGE',
          `a full-batch step on ${batch} samples needs about ${need} GiB, over the ${have} GiB budget of the ${tf.getBackend()} backend, and IGA needs full batches: use a GPU backend or a smaller field`,
        );
      if (opts.batchSize)
        throw new InrError(
          'E_TOO_LARGE',
          `a step on ${batch} samples needs about ${need} GiB, over the ${have} GiB budget of the ${tf.getBackend()} backend: use a smaller batch (at most ${fit})`,
        );
      let p = 1;
      while (p * 2 <= fit) p *= 2;
      if (p < 64)
        throw new InrError(
          'E_TOO_LARGE',
          `one step needs about ${((bytesPerSample * 64) / 2 ** 20).toFixed(0)} MiB per 64 samples, over the ${have} GiB budget of the ${tf.getBackend()} backend`,
        );
      warnings.push(
        `a ${batch === n ? 'full batch' : 'batch'} of ${batch} samples needs about ${need} GiB, over the ${have} GiB step budget of the ${tf.getBackend()} backend: training with minibatches of ${p}`,
      );
      batch = p;
    }
  }
  const cacheBytes = opts.cacheBytes ?? 256 * 2 ** 20;
  let run: TeamRun | undefined;
  if (team) {
    try {
      run = await team.team.start(net, team.spec, { x: set.x, y: set.y, xHost: team.xHost, yHost: team.yHost }, { full: batch === n, batch, cacheBytes });
    } catch (err) {
      // A team that cannot start (a worker that does not load) leaves the fit on this thread,
      // with a batch this one engine can hold.
      warnings.push(`trained on one thread: the other training threads did not start (${err instanceof Error ? err.message : String(err)})`);
      if (batch > fitOne) {
        let p = 1;
        while (p * 2 <= fitOne) p *= 2;
        batch = p;
      }
    }
  }
  const full = batch === n;
  if (opts.iga && !full) throw new InrError('E_ARG', 'IGA needs full-batch training (its transform acts across all patches); leave out batch');
  const keepBest = (opts.keepBest ?? true) && full;
  const vars = net.params.filter((p) => p.v.trainable).map((p) => p.v);
  const rng = new Rng(((opts.seed ?? 1) * 2654435761) >>> 0);

  // Fixed encoding: cached for the whole set unless too large (then per minibatch); with a team,
  // each thread keeps its own share of the features (team.ts `Replica`).
  const bytes = n * net.featureDim * 4;
  const cache = full || bytes <= cacheBytes;
  if (full && bytes > 2 ** 31) {
    await run?.release();
    throw new InrError('E_TOO_LARGE', `full-batch features need ${(bytes / 2 ** 30).toFixed(1)} GiB; set a batch size`);
  }
  const H = cache && !run ? tf.keep(net.prepare(set.x)) : undefined;
  const ownH = H !== undefined && H !== set.x;

  const optimizer = tf.train.adam(opts.lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  const setLr = (lr: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };

  // IGA state.
  let groups: IgaGroups | undefined;
  let orderT: tf.Tensor1D | undefined;
  let slotT: tf.Tensor1D | undefined;
  let S: tf.Tensor2D | undefined;
  let yHost: Float32Array | undefined;
  let replacedLast = 0;
  const igaStart = opts.iga?.start ?? 0;
  const igaEvery = Math.max(1, Math.floor(opts.iga?.every ?? 1));
  if (opts.iga) {
    groups = igaGroups(set.grid!.shape, set.grid!.index, opts.iga.end, opts.iga.patch);
    orderT = tf.tensor1d(groups.order, 'int32');
    slotT = tf.tensor1d(groups.slotOf, 'int32');
    yHost = (await set.y.data()) as Float32Array;
  }

  let best: tf.Tensor[] | undefined;
  let lossBest = Infinity;
  let bestStep = 0;
  let lossFinal = NaN;
  const stopRule = stoppingRule({ targetPsnr: opts.targetPsnr, patience: opts.earlyStop?.patience, minDelta: opts.earlyStop?.minDelta, maxSeconds: opts.maxSeconds });
  let stopped: TrainResult['stopped'] = 'steps';
  const history: StepInfo[] = [];
  const every = Math.max(1, Math.floor(opts.steps / 1000));
  const t0 = performance.now();
  let lastYield = t0;
  let perm: Int32Array | undefined;
  let permPos = n;
  let epochSum = 0;
  let epochCount = 0;
  let step: number;
  let lastInfo: StepInfo | undefined;

  const nextBatch = (): Int32Array => {
    if (!perm) perm = Int32Array.from({ length: n }, (_, i) => i);
    if (permPos + batch > n) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.uniform() * (i + 1));
        const t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      permPos = 0;
    }
    const idx = perm.slice(permPos, permPos + batch);
    permPos += batch;
    return idx;
  };

  try {
    for (step = 1; step <= opts.steps; step++) {
      if (opts.signal?.aborted) throw cancelled();
      if (opts.checkCancel?.() === true) throw cancelled();
      const lr = lambdaLr(opts.lr, gamma, step - 1, opts.steps);

      // IGA: choose the points, build the eNTK and the transform S.
      if (opts.iga && ((step - 1) % igaEvery === 0 || !S)) {
        const outT = tf.tidy(() => net.apply(H!));
        const pred = await outT.data();
        outT.dispose();
        const sel = selectGroupMaxima(groups!, pred, yHost!, C);
        const u = await igaUpdate(net, H!, sel, groups!, igaStart, opts.iga.end, step);
        replacedLast = u.replaced;
        S?.dispose();
        S = u.S;
      }

      let loss: number;
      let grads: tf.NamedTensorMap;
      if (run) {
        ({ loss, grads } = await run.step(full ? undefined : nextBatch(), batch));
      } else {
        let idxT: tf.Tensor1D | undefined;
        let hb: tf.Tensor2D;
        let yb: tf.Tensor2D;
        if (full) {
          hb = H!;
          yb = set.y;
        } else {
          idxT = tf.tensor1d(nextBatch(), 'int32');
          hb = H ? (tf.gather(H, idxT) as tf.Tensor2D) : tf.tidy(() => net.prepare(tf.gather(set.x, idxT!) as tf.Tensor2D));
          yb = tf.gather(set.y, idxT) as tf.Tensor2D;
        }
        const r = tf.tidy(() =>
          tf.variableGrads(() => {
            const out = net.apply(hb);
            return opts.iga ? igaLoss(out, yb, { S: S!, order: orderT!, slotOf: slotT!, groups: groups! }) : pointLoss(out, yb, opts.loss);
          }, vars),
        );
        grads = r.grads;
        loss = (await r.value.data())[0];
        r.value.dispose();
        if (!full) {
          idxT!.dispose();
          hb.dispose();
          yb.dispose();
        }
      }
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new InrError('E_NUMERIC', `loss became ${Number.isNaN(loss) ? 'NaN' : 'infinite'} at step ${step}: try a smaller learning rate or ω0`);
      }
      lossFinal = loss;
      if (loss < lossBest) {
        lossBest = loss;
        bestStep = step;
        if (keepBest) {
          if (best) tf.dispose(best);
          best = vars.map((v) => tf.keep(v.clone()));
        }
      }
      setLr(lr);
      optimizer.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
      tf.dispose(grads);

      const seconds = (performance.now() - t0) / 1000;
      // A PSNR follows from the loss only when the loss is the squared error.
      const info: StepInfo = { step, steps: opts.steps, loss, psnr: bce ? NaN : psnrOf(loss, peak), lr, seconds };
      if (step === 1 || step % every === 0 || step === opts.steps) history.push(info);
      lastInfo = info;
      opts.onStep?.(info);
      if (opts.afterStep) await opts.afterStep(info);

      // Stopping rules (full batch: per step; minibatch: per epoch mean).
      let monitored: number | undefined = loss;
      if (!full) {
        epochSum += loss;
        epochCount++;
        monitored = undefined;
        if (permPos + batch > n) {
          monitored = epochSum / epochCount;
          epochSum = 0;
          epochCount = 0;
        }
      }
      const stop = stopRule(monitored, monitored === undefined ? NaN : psnrOf(monitored, peak), seconds);
      if (stop) {
        stopped = stop;
        break;
      }
      const now = performance.now();
      if (now - lastYield > 50) {
        lastYield = now;
        await yieldNow();
      }
    }
    const stepsRun = Math.min(step, opts.steps);
    if (history.length && history[history.length - 1].step !== stepsRun && lastInfo) history.push(lastInfo);
    let selected: TrainResult['selected'] = 'final';
    if (keepBest && best) {
      // Restore the lowest-loss parameters (the loss at step k is that of the parameters before update k).
      vars.forEach((v, i) => v.assign(best![i]));
      selected = 'best-training-loss';
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      stepsRun,
      stopped,
      lossFinal,
      psnrFinal: psnrOf(lossFinal, peak),
      lossBest,
      psnrBest: psnrOf(lossBest, peak),
      bestStep,
      selected,
      seconds,
      stepsPerSecond: stepsRun / Math.max(seconds, 1e-9),
      history,
      iga:
        opts.iga && groups
          ? { patch: groups.patch, groups: groups.groups, start: igaStart, end: Math.min(opts.iga.end, groups.groups - 1), replacedLast, every: igaEvery }
          : undefined,
      batch,
      threads: run?.threads ?? 1,
      bytesPerSample,
      warnings,
    };
  } finally {
    await run?.release();
    optimizer.dispose();
    if (best) tf.dispose(best);
    if (ownH) H!.dispose();
    S?.dispose();
    orderT?.dispose();
    slotT?.dispose();
  }
}
