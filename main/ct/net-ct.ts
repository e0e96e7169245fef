/**
 * The backpropagation INRs (main/inr/nets) trained through the projector: the loss is
 *   L = mean_rays ((A·img(net(grid)) − s) / c)²,
 * with A the matched projector of radon.ts as a TensorFlow.js operation, the net evaluated on
 * the full pixel grid every step (full batch), img = lo + k·(out − r0) the map from the net's
 * target range [r0, r1] to image units, and c the mean chord length (so L is in the net's
 * output units², like the fit task's MSE).
 *
 * The projector as a tf op (`tfProjector`), two implementations, both with a custom gradient
 * (the adjoint), so no kernel outside Gather / Mul / Sum / Reshape is needed:
 * - 'gather': A and Aᵀ as padded sparse rows (ELLPACK: every row stores K column indices and
 *   weights, K = the longest row, zero weights pad), y = Σ_k w[r,k]·x[c[r,k]] by one gather, a
 *   product and a sum over the last axis. Runs on every backend (cpu, wasm, webgpu, node).
 *   tfjs-wasm has no UnsortedSegmentSum, which tf.gather's own gradient needs, hence the
 *   explicit Aᵀ.
 * - 'host': the float64 JS kernels of radon.ts on the tensor's data (dataSync): fastest on the
 *   CPU backends, unusable on WebGPU (no synchronous readback in Node).
 * Measured speeds: tests/bench/ct.ts (`projector` section).
 *
 * What trainNet (main/inr/nets/train.ts) would need to train these itself, rather than the
 * loop below: an optional forward operator applied to the net's output before the MSE
 * (`forward?: (out: tf.Tensor2D) => tf.Tensor2D`), a target whose row count is the operator's
 * (rays) rather than the coordinates', full batch only, the memory check skipped, and IGA's
 * point choice fed with the back-projected residual (as below). The loop here reuses its pieces (ADAM constants,
 * lambdaLr, buildNet, useBackend, gridCoords, evaluateNet) and keeps the lowest-training-loss
 * parameters like trainNet's keepBest.
 */
import * as tf from '@tensorflow/tfjs';
import { InrError } from '../core/errors';
import { Rng } from '../core/rng';
import { custom } from '../inr/nets/layers';
import { useBackend } from '../inr/nets/backend';
import { buildNet, METHOD_DEFAULTS, parseNetMethod, type NetOptions } from '../inr/nets/options';
import { paramCount } from '../inr/nets/net';
import { igaGradient, igaGroups, igaUpdate, selectGroupMaxima, type IgaAdjust } from '../inr/nets/iga';
import { ADAM, lambdaLr, MEMORY_BUDGET, measureBytesPerSample, stoppingRule, type StepInfo } from '../inr/nets/train';
import { evaluateNet, gridCoords, type NetModel } from '../inr/nets/task';
import { sampleGrid } from '../inr/elm/mesh';
import { csrTranspose, parallelGeometry, radonAdjoint, radonForward, radonMatrix, type CsrMatrix, type ParallelGeometry } from './radon';
import { fbp } from './fbp';
import { checkCancelled, type CtHooks } from './hooks';

export type TfProjectorKind = 'gather' | 'host';

export interface TfProjector {
  kind: TfProjectorKind;
  /** Sinogram size (views × bins) and image size (H·W). */
  rows: number;
  cols: number;
  /** x: [H·W] or [H·W, 1] → [rows]. Differentiable with respect to x. */
  forward(x: tf.Tensor): tf.Tensor1D;
  dispose(): void;
}

/** ELLPACK (row-padded) arrays of a CSR matrix: K = the longest row; padding has weight 0. */
function ellpack(M: CsrMatrix): { K: number; cols: Int32Array; vals: Float32Array } {
  let K = 1;
  for (let r = 0; r < M.rows; r++) K = Math.max(K, M.indptr[r + 1] - M.indptr[r]);
  const cols = new Int32Array(M.rows * K);
  const vals = new Float32Array(M.rows * K);
  for (let r = 0; r < M.rows; r++) {
    let k = 0;
    for (let p = M.indptr[r]; p < M.indptr[r + 1]; p++, k++) {
      cols[r * K + k] = M.indices[p];
      vals[r * K + k] = M.values[p];
    }
  }
  return { K, cols, vals };
}

function ellTensors(M: CsrMatrix) {
  const e = ellpack(M);
  return { K: e.K, cols: tf.tensor1d(e.cols, 'int32'), vals: tf.tensor2d(e.vals, [M.rows, e.K]) };
}

function ellApply(x: tf.Tensor, e: { K: number; cols: tf.Tensor1D; vals: tf.Tensor2D }, rows: number): tf.Tensor1D {
  const flat = tf.reshape(x, [-1]);
  return tf.sum(tf.mul(tf.reshape(tf.gather(flat, e.cols), [rows, e.K]), e.vals), 1) as tf.Tensor1D;
}

/** The projector of `g` as a differentiable tf operation (see the file comment). */
export function tfProjector(g: ParallelGeometry, kind: TfProjectorKind = 'gather'): TfProjector {
  const rows = g.angles.length * g.detectors;
  const cols = g.height * g.width;
  if (kind === 'host') {
    const op = custom((x) => {
      const xs = x as tf.Tensor;
      const shape = xs.shape;
      const y = radonForward(g, xs.dataSync() as Float32Array);
      return {
        value: tf.tensor1d(Float32Array.from(y)),
        gradFunc: (dy) => tf.reshape(tf.tensor1d(Float32Array.from(radonAdjoint(g, (dy as tf.Tensor).dataSync() as Float32Array))), shape),
      };
    });
    return { kind, rows, cols, forward: (x) => op(x) as tf.Tensor1D, dispose: () => {} };
  }
  const A = radonMatrix(g);
  const a = ellTensors(A);
  const at = ellTensors(csrTranspose(A));
  const op = custom((x) => {
    const xs = x as tf.Tensor;
    const shape = xs.shape;
    return {
      value: ellApply(xs, a, rows),
      gradFunc: (dy) => tf.reshape(ellApply(dy as tf.Tensor, at, cols), shape),
    };
  });
  return {
    kind,
    rows,
    cols,
    forward: (x) => op(x) as tf.Tensor1D,
    dispose: () => tf.dispose([a.cols, a.vals, at.cols, at.vals]),
  };
}

export interface NetCtOptions extends Partial<NetOptions> {
  steps?: number;
  lr?: number;
  gamma?: number;
  seed?: number;
  /** auto (default), tfjs-node-gpu, webgpu, wasm or cpu. */
  backend?: string;
  /** Default 'host' on cpu/wasm/tensorflow, 'gather' on webgpu. */
  projector?: TfProjectorKind;
  /** Stop after this many seconds. */
  maxSeconds?: number;
  /**
   * 'ramp': weight the sinogram residual by FBP's ramp filter (`rampMatrix`), so the gradient on
   * the image, Aᵀ(R + εI)(A·img − s), sees AᵀRA ≈ I instead of AᵀA, whose spectrum falls like 1/|ω|
   * and leaves the high frequencies untrained (preconditioning as Clinthorne et al., IEEE TMI
   * 12(1), 1993). 'none' (default): the plain squared error. The loss logged, kept and reported is
   * the plain squared error either way.
   */
  precondition?: 'ramp' | 'none';
  /** Stop when the loss has not improved by a relative `minDelta` (default 1e-4) for `patience` steps. */
  patience?: number;
  minDelta?: number;
  /** Stop once the training PSNR (of the sinogram loss, in the net's output range) reaches this. */
  targetPsnr?: number;
  /** Return the lowest-training-loss parameters (default) rather than the last. */
  keepBest?: boolean;
  detectors?: number;
  pixelSize?: number;
  /**
   * IGA through the projector (iga.ts): the per-pixel residual is the back-projected sinogram
   * residual Aᵀ(A·out − t); one pixel per patch (the largest |Aᵀr|) gives the eNTK and S, and S
   * adjusts the gradient with respect to the image, ∂L/∂out, before it reaches the net.
   */
  iga?: boolean;
  igaStart?: number;
  igaEnd?: number;
  igaPatch?: number;
  igaEvery?: number;
}

export interface NetCtHooks extends CtHooks {
  onStep?: (s: StepInfo) => void;
}

export interface NetCtResult {
  /** H×W reconstruction (the lowest-training-loss parameters). */
  image: Float32Array;
  model: NetModel;
  report: {
    method: string;
    backend: string;
    projector: TfProjectorKind;
    params: number;
    steps: number;
    stepsRun: number;
    lr: number;
    gamma: number;
    lossFinal: number;
    lossBest: number;
    bestStep: number;
    stopped: 'steps' | 'early' | 'target' | 'time';
    selected: 'best-training-loss' | 'final';
    seconds: number;
    stepsPerSecond: number;
    /** The image range [lo, hi] the net's output range maps to (from an FBP of the sinogram). */
    range: [number, number];
    precondition: 'ramp' | 'none';
    iga?: { patch: number; groups: number; start: number; end: number; replacedLast: number; every: number };
  };
}

const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/**
 * The ramp filter on `bins` detector bins as a symmetric Toeplitz matrix, plus εI: R_ij = h(i − j)
 * with FBP's band-limited kernel h(0) = ¼, h(odd n) = −1/(πn)², h(even n) = 0 (fbp.ts), whose
 * symbol |ω|/2π is ≥ 0 (so R is positive semi-definite) and 0 at DC; ε = 1/bins gives the DC the
 * weight of the first harmonic. Scaled so that its mean eigenvalue (trace/bins) is 1.
 */
export function rampMatrix(bins: number): Float32Array {
  const eps = 1 / bins;
  const h = (n: number) => (n === 0 ? 0.25 + eps : n % 2 ? -1 / (Math.PI * n) ** 2 : 0);
  const scale = 1 / (0.25 + eps);
  const R = new Float32Array(bins * bins);
  for (let i = 0; i < bins; i++) for (let j = 0; j < bins; j++) R[i * bins + j] = h(Math.abs(i - j)) * scale;
  return R;
}

function percentile(a: Float64Array, q: number): number {
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/** Refuse, with the sizes, a full-batch step that does not fit the backend's memory budget. */
async function checkFullBatchMemory(net: ReturnType<typeof buildNet>, X: tf.Tensor2D, method: string, H: number, W: number): Promise<void> {
  const n = H * W;
  const budget = MEMORY_BUDGET[tf.getBackend()] ?? 2 * 2 ** 30;
  const probe = tf.zeros([Math.min(n, 256), 1]) as tf.Tensor2D;
  let perSample: number;
  try {
    perSample = await measureBytesPerSample(net, X, probe);
  } finally {
    probe.dispose();
  }
  const fixed = net.params.reduce((a, p) => a + p.v.size, 0) * 4 * 6; // params, grads, Adam moments
  const need = n * perSample + fixed;
  if (need > budget) {
    const fits = Math.floor(Math.sqrt(Math.max(0, budget - fixed) / Math.max(perSample, 1)));
    throw new InrError(
      'E_TOO_LARGE',
      `${method} through the projector trains on the whole ${H}×${W} image every step, which needs about ${(need / 2 ** 30).toFixed(1)} GiB, over the ${(budget / 2 ** 30).toFixed(1)} GiB budget of the ${tf.getBackend()} backend: use a narrower net (--width), an image of at most about ${fits}×${fits}, or a GPU backend`,
    );
  }
}

/**
 * Train a backpropagation INR (`method`: siren, ffn, gauss, wire, sl2a, bwrelu, relu) so that
 * the projection of its image matches the sinogram (views × bins at `angles`, radians).
 */
export async function trainNetCt(
  method: string,
  sinogram: ArrayLike<number>,
  angles: ArrayLike<number>,
  shape: [number, number],
  opts: NetCtOptions = {},
  hooks: NetCtHooks = {},
): Promise<NetCtResult> {
  const m = parseNetMethod(method);
  const defaults = METHOD_DEFAULTS[m];
  const [H, W] = shape;
  const g = parallelGeometry(H, W, angles, { detectors: opts.detectors, pixelSize: opts.pixelSize });
  const rows = g.angles.length * g.detectors;
  if (sinogram.length !== rows) throw new InrError('E_ARG', `the sinogram has ${sinogram.length} values, ${g.angles.length} views × ${g.detectors} bins were expected`);
  const steps = opts.steps ?? defaults.steps;
  if (!Number.isInteger(steps) || steps < 1) throw new InrError('E_ARG', `--steps must be a positive integer, got ${steps}`);
  const precondition = opts.precondition ?? 'none';
  if (precondition !== 'ramp' && precondition !== 'none') throw new InrError('E_ARG', `precondition must be 'ramp' or 'none', got '${precondition}'`);
  const igaStart = opts.igaStart ?? 0;
  const igaEnd = opts.igaEnd ?? defaults.igaEnd;
  const igaEvery = Math.max(1, Math.floor(opts.igaEvery ?? 1));
  if (opts.iga && !(Number.isInteger(igaEnd) && igaEnd >= 1)) throw new InrError('E_ARG', `IGA end must be a positive integer, got ${igaEnd}`);
  const lr = opts.lr ?? defaults.lr;
  const gamma = opts.gamma ?? defaults.gamma;
  const seed = opts.seed ?? 1;
  const backend = await useBackend(opts.backend ?? 'auto');
  const kind: TfProjectorKind = opts.projector ?? (backend.tfName === 'webgpu' ? 'gather' : 'host');

  // Output normalisation from a quick FBP (never from a ground truth).
  const rough = fbp(g, sinogram, { filter: 'hann' });
  const lo = percentile(rough, 0.005);
  let hi = percentile(rough, 0.995);
  if (!(hi > lo)) hi = lo + 1;
  const net = buildNet(m, new Rng(seed), 2, 1, opts);
  const [r0, r1] = net.targetRange;
  const k = (hi - lo) / (r1 - r0);
  // A·img = A·(lo − k·r0)·1 + k·A·out  ⇒  target for A·out: t = (s − (lo − k·r0)·A1)/k.
  const A1 = radonForward(g, new Float64Array(H * W).fill(1));
  let chord = 0;
  let hit = 0;
  for (let i = 0; i < rows; i++)
    if (A1[i] > 0) {
      chord += A1[i];
      hit++;
    }
  chord = hit ? chord / hit : 1;
  const t = new Float32Array(rows);
  for (let i = 0; i < rows; i++) t[i] = (sinogram[i] - (lo - k * r0) * A1[i]) / k / chord;

  const proj = tfProjector(g, kind);
  const coords = gridCoords([sampleGrid(H), sampleGrid(W)], [H, W], net.coords);
  const X = tf.tensor2d(coords, [H * W, 2]);
  // Every step evaluates the net on every pixel (the projector needs the whole image): refuse
  // before training when that step cannot fit the backend's memory (on wasm it would fail inside
  // the engine as "memory access out of bounds").
  try {
    await checkFullBatchMemory(net, X, m, H, W);
  } catch (e) {
    X.dispose();
    proj.dispose();
    net.dispose();
    throw e;
  }
  const T = tf.tensor1d(t);
  const feats = tf.keep(net.prepare(X));
  const vars = net.params.filter((p) => p.v.trainable).map((p) => p.v);
  const optimizer = tf.train.adam(lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  const invChord = 1 / chord;
  const Rm = precondition === 'ramp' ? tf.tensor2d(rampMatrix(g.detectors), [g.detectors, g.detectors]) : undefined;
  const views = g.angles.length;

  // IGA state: the whole grid is observed, grouped in patches.
  const groups = opts.iga
    ? igaGroups(
        [H, W],
        Int32Array.from({ length: H * W }, (_, i) => i),
        igaEnd,
        opts.igaPatch,
      )
    : undefined;
  const adj: Partial<IgaAdjust> = groups ? { groups, order: tf.tensor1d(groups.order, 'int32'), slotOf: tf.tensor1d(groups.slotOf, 'int32') } : {};
  const zeros = groups ? new Float64Array(H * W) : undefined;
  let replacedLast = 0;
  let best: tf.Tensor[] | undefined;
  let lossBest = Infinity;
  let bestStep = 0;
  let lossFinal = NaN;
  let step: number;
  const keepBest = opts.keepBest ?? true;
  let stopped: NetCtResult['report']['stopped'] = 'steps';
  const stopRule = stoppingRule(opts);
  const t0 = performance.now();
  let lastYield = t0;
  try {
    for (step = 1; step <= steps; step++) {
      checkCancelled(hooks);
      if (groups && ((step - 1) % igaEvery === 0 || !adj.S)) {
        // Per-pixel residual Aᵀ(A·out/c − t)/c, in float64 on the host (the projector's kernels).
        const outT = tf.tidy(() => net.apply(feats));
        const pred = await outT.data();
        outT.dispose();
        const res = radonForward(g, pred);
        for (let i = 0; i < rows; i++) res[i] = res[i] * invChord - t[i];
        const back = radonAdjoint(g, res);
        const u = await igaUpdate(net, feats, selectGroupMaxima(groups, back, zeros!, 1), groups, igaStart, igaEnd, step);
        replacedLast = u.replaced;
        adj.S?.dispose();
        adj.S = u.S;
      }
      // With the ramp preconditioner the gradient is that of rᵀRr; the plain mean r² is what is logged and kept.
      let plain: tf.Scalar | undefined;
      const { value, grads } = tf.tidy(() =>
        tf.variableGrads(() => {
          const raw = net.apply(feats);
          const out = groups ? igaGradient(raw, adj as IgaAdjust) : raw;
          const r = tf.sub(tf.mul(proj.forward(out), invChord), T);
          const mse = tf.mean(tf.square(r)) as tf.Scalar;
          if (!Rm) return mse;
          plain = tf.keep(mse);
          const rv = tf.reshape(r, [views, g.detectors]) as tf.Tensor2D;
          return tf.mean(tf.mul(rv, tf.matMul(rv, Rm))) as tf.Scalar;
        }, vars),
      );
      const loss = (await (plain ?? value).data())[0];
      value.dispose();
      plain?.dispose();
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new InrError('E_NUMERIC', `loss became ${Number.isNaN(loss) ? 'NaN' : 'infinite'} at step ${step}: try a smaller learning rate`);
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
      (optimizer as unknown as { learningRate: number }).learningRate = lambdaLr(lr, gamma, step - 1, steps);
      optimizer.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
      tf.dispose(grads);
      const seconds = (performance.now() - t0) / 1000;
      const info: StepInfo = { step, steps, loss, psnr: 10 * Math.log10(((r1 - r0) * (r1 - r0)) / loss), lr: lambdaLr(lr, gamma, step - 1, steps), seconds };
      hooks.onStep?.(info);
      hooks.onProgress?.('training through the projector', step / steps, { step, loss, seconds });
      const stop = stopRule(loss, info.psnr, seconds);
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
    const stepsRun = Math.min(step, steps);
    if (best) vars.forEach((v, i) => v.assign(best![i]));
    const seconds = (performance.now() - t0) / 1000;
    const image = await evaluateNet(net, coords, [lo], [hi]);
    const options: NetOptions = { width: net.info.width as number, hidden: net.info.hidden as number };
    for (const key of ['omega0', 'hiddenOmega0', 'sigma', 'features', 's0', 'degree', 'rank', 'c', 'learnC', 'initScale'] as const) {
      if (opts[key] !== undefined) (options as unknown as Record<string, unknown>)[key] = opts[key];
    }
    const model: NetModel = {
      kind: 'inr-net',
      method: m,
      options,
      seed,
      inDim: 2,
      outDim: 1,
      coords: net.coords,
      targetRange: net.targetRange,
      lo: [lo],
      hi: [hi],
      shape: [H, W],
      weights: await Promise.all(net.params.map(async (p) => ({ name: p.name, shape: p.v.shape.slice(), values: (await p.v.data()) as Float32Array }))),
    };
    return {
      image,
      model,
      report: {
        method: m,
        backend: backend.label,
        projector: kind,
        params: paramCount(net),
        steps,
        stepsRun,
        lr,
        gamma,
        lossFinal,
        lossBest,
        bestStep,
        stopped,
        selected: best ? 'best-training-loss' : 'final',
        seconds,
        stepsPerSecond: stepsRun / Math.max(seconds, 1e-9),
        range: [lo, hi],
        precondition,
        iga: groups ? { patch: groups.patch, groups: groups.groups, start: igaStart, end: Math.min(igaEnd, groups.groups - 1), replacedLast, every: igaEvery } : undefined,
      },
    };
  } finally {
    optimizer.dispose();
    if (best) tf.dispose(best);
    tf.dispose([X, T, feats]);
    for (const x of [adj.S, adj.order, adj.slotOf, Rm]) x?.dispose();
    proj.dispose();
    net.dispose();
  }
}
