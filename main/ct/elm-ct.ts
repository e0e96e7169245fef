/**
 * ELM-INR sparse-view CT: the image is the ELM-INR u = Φβ (overlapping cells of frozen random
 * features blended by a partition of unity; main/inr/elm), and the output weights β are solved
 * through the projector A (radon.ts). The sinogram is linear in β, so every solve is a
 * least-squares problem, done by block-Jacobi PCG on the normal equations in float64
 * (elm-solve.ts; A·Φ is never formed):
 *
 *   min_β ‖A Φ β − s‖² + λ‖β‖² + μ · Σ_p w_p |∇(Φβ)|²_p                                     (1)
 *
 * Priors (`prior`):
 * - 'tv' (default): w_p = 1/√(|∇u_p|² + δ²) (normalised to mean 1), updated from the current
 *   image between solves — iteratively reweighted least squares for the total variation
 *   (Wohlberg & Rodríguez, "An iteratively reweighted norm algorithm for minimization of total
 *   variation functionals", IEEE SPL 14, 2007). Each step is still a closed-form linear solve
 *   for β; δ = 0.005 × the image's 0.5–99.5 % range.
 * - 'smooth': w ≡ 1 (a quadratic gradient penalty, one linear solve).
 * - 'none': μ = 0, the plain ridge ELM (λ is then the only regularisation). Its default budget
 *   is 0.7 × the number of measurements (more parameters than measurements only add null-space
 *   components of A that the ridge does not tame), and its CG is unpreconditioned: whitening the
 *   features makes CG reach the ill-determined directions early, which without a prior gave a far
 *   worse image (8 against 22 dB on camera.png at 64², 30 views, after 100 iterations).
 * μ = τ·tr(ΦᵀAᵀAΦ)/tr(Φᵀ∇ᵀ∇Φ) and λ = ε·tr(ΦᵀAᵀAΦ)/n_β are relative, so τ and ε do not depend on
 * the size, the number of views or the units.
 *
 * Choosing the regularisation (never from a ground truth): one view in five is held out
 * (views v ≡ 2 mod 5), and the strength — τ for 'tv'/'smooth', ε for 'none' — runs down a path
 * (×1/3 per step, warm-started), solved on the other views; the held-out sinogram error
 * ‖A_h Φβ − s_h‖/‖s_h‖ is recorded and the path stops two steps after its minimum. With
 * `freq: 'auto'` the frequency scale (a multiplier of ELM-INR's data-driven ω, config.ts) is
 * then picked among 0.5, 1 and 2 the same way at the chosen strength. Finally (1) is solved on
 * all views with the chosen settings, warm-started from the held-out fit.
 *
 * The result carries the ELM-INR model (per cell β, channel mean 0, float32) so the existing .inr
 * writer stores it; `image` is that stored model evaluated on the pixel grid (evaluateElm).
 *
 * The checks (`checkCtInput`) and the solve with its held-out choices (`solveThroughProjector`)
 * take any basis Φ (elm-basis.ts `CtBasis`): BEAM-CT (beam-ct.ts) runs them on a BEAM mesh.
 */
import { InrError } from '../core/errors';
import { resolveElmSpec, type ElmOptions } from '../inr/elm/config';
import { evaluateElm } from '../inr/elm/fit';
import { sampleGrid } from '../inr/elm/mesh';
import { paramCount, type ElmModel, type ElmSpec } from '../inr/elm/model';
import { basisApply, basisModel, elmBasis, type CtBasis } from './elm-basis';
import { normalBlocks, solveElmCt, type NormalBlocks } from './elm-solve';
import { parallelGeometry, radonForward, type ParallelGeometry } from './radon';
import { gradient } from './tv';
import { checkCancelled, type CtHooks } from './hooks';

export type ElmCtPrior = 'tv' | 'smooth' | 'none';

export interface ElmCtOptions {
  /** Upper bound on stored parameters (cells × (hidden + 4)); default `defaultBudget`. */
  budget?: number;
  hidden?: number;
  subdomains?: number | number[];
  overlap?: number;
  /** Frequency multiplier, or 'auto' (held-out choice among 0.5, 1, 2). Default 1. */
  freq?: number | 'auto';
  /** Relative ridge ε on β; default 1e-6 with a prior, chosen on held-out views with prior 'none'. */
  ridge?: number;
  /** Prior strength τ; default chosen on held-out views. */
  smooth?: number;
  prior?: ElmCtPrior;
  /** CG iterations of each linear solve (default 25; the first solve of a fit gets twice as many). */
  iterations?: number;
  /** Reweighting steps of the TV prior on the final fit (default 4). */
  irls?: number;
  /** Block-Jacobi preconditioned CG (default: on with an image prior, off for prior 'none'). */
  precondition?: boolean;
  /** TV smoothing δ as a fraction of the image's 0.5–99.5 % range (default 0.005). */
  delta?: number;
  seed?: number;
  /** Detector bins and pixel size, when they differ from the defaults of radon.ts. */
  detectors?: number;
  pixelSize?: number;
  /**
   * Statistical weights of the sinogram entries (views × bins), e.g. `countWeights` of a
   * transmission scan: the data term, and the held-out error, become weighted least squares.
   * Default: all equal.
   */
  rayWeights?: ArrayLike<number>;
}

const ELM_CT_DEFAULTS = { paramsPerPixel: 2, iterations: 25, irls: 4, ridge: 1e-6, prior: 'tv' as ElmCtPrior, freq: 1, delta: 0.005 };

/** The strengths tried on the held-out path, strongest first. */
const SMOOTH_PATH = [10, 3, 1, 0.3, 0.1, 0.03, 0.01];
const RIDGE_PATH = [10, 3, 1, 3e-1, 1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5];
const FREQ_CANDIDATES = [0.5, 1, 2];

export interface ElmCtParams {
  prior: ElmCtPrior;
  /** Chosen or given τ (0 for prior 'none'). */
  smooth: number;
  ridge: number;
  freq: number;
  /** Absolute λ and μ of the final solve. */
  lambda: number;
  cells: number[];
  hidden: number;
  /** Stored parameters (= model weights). */
  params: number;
  /** Held-out relative sinogram error per tried strength / frequency. */
  validation: { strength: Record<string, number>; freq?: Record<string, number>; heldOutViews: number };
  cgIterations: number;
  seconds: { setup: number; select: number; solve: number; total: number };
}

export interface ElmCtResult {
  /** H×W, row-major: the stored model evaluated on the pixel grid. */
  image: Float32Array;
  params: ElmCtParams;
  model: ElmModel;
}

function robustRange(u: Float64Array): number {
  const a = Float64Array.from(u).sort();
  const lo = a[Math.floor(0.005 * (a.length - 1))];
  const hi = a[Math.ceil(0.995 * (a.length - 1))];
  return Math.max(hi - lo, 1e-12);
}

/** IRLS weights 1/√(|∇u|² + δ²), normalised to mean 1. */
function tvWeights(u: Float64Array, H: number, W: number, deltaRel = ELM_CT_DEFAULTS.delta): Float64Array {
  const n = H * W;
  const gy = new Float64Array(n);
  const gx = new Float64Array(n);
  gradient(u, H, W, gy, gx);
  const d2 = (deltaRel * robustRange(u)) ** 2;
  const w = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    w[i] = 1 / Math.sqrt(gy[i] * gy[i] + gx[i] * gx[i] + d2);
    mean += w[i];
  }
  mean /= n;
  for (let i = 0; i < n; i++) w[i] /= mean;
  return w;
}

interface FitState {
  beta?: Float64Array;
  weights?: Float64Array;
  cg: number;
}

/** One regularised fit: a solve, then (prior 'tv') `reweight` reweighted solves. */
async function fitOnce(
  B: CtBasis,
  g: ParallelGeometry,
  s: ArrayLike<number>,
  blocks: NormalBlocks,
  prior: ElmCtPrior,
  strength: number,
  ridge: number,
  delta: number,
  precondition: boolean,
  iterations: number,
  reweight: number,
  state: FitState,
  views: number[] | undefined,
  hooks: CtHooks,
  rayWeights?: Float64Array,
): Promise<void> {
  const smooth = prior === 'none' ? 0 : strength;
  const eps = prior === 'none' ? strength : ridge;
  const steps = prior === 'tv' ? 1 + reweight : 1;
  for (let k = 0; k < steps; k++) {
    checkCancelled(hooks);
    const res = await solveElmCt(
      B,
      g,
      s,
      blocks,
      {
        ridge: eps,
        smooth,
        smoothWeights: prior === 'tv' ? state.weights : undefined,
        iterations: state.beta ? iterations : 2 * iterations,
        initial: state.beta,
        views,
        precondition,
        rayWeights,
      },
      {
        signal: hooks.signal,
        checkCancel: hooks.checkCancel,
      },
    );
    state.beta = res.beta;
    state.cg += res.iterations;
    if (prior === 'tv') state.weights = tvWeights(basisApply(B, res.beta), B.height, B.width, delta);
  }
}

function heldOutError(B: CtBasis, g: ParallelGeometry, s: ArrayLike<number>, beta: Float64Array, held: number[], buf: Float64Array, w?: Float64Array): number {
  const u = basisApply(B, beta);
  radonForward(g, u, buf, { views: held });
  let num = 0;
  let den = 0;
  const nd = g.detectors;
  for (const v of held) {
    for (let k = v * nd; k < (v + 1) * nd; k++) {
      const d = buf[k] - s[k];
      const wk = w ? w[k] : 1;
      num += wk * d * d;
      den += wk * s[k] * s[k];
    }
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/**
 * The default budget: 2 parameters per pixel with an image prior (the prior, not the basis,
 * regularises); without one, 0.7 × the number of measurements, so that the ridge problem stays
 * overdetermined (more parameters only fit the null space of A: measured on camera.png and random
 * ellipse phantoms, 60 views, 128²).
 */
function defaultBudget(shape: [number, number], prior: ElmCtPrior, measurements: number): number {
  return prior === 'none' ? Math.max(64, Math.floor(0.7 * measurements)) : ELM_CT_DEFAULTS.paramsPerPixel * shape[0] * shape[1];
}

function specFor(shape: [number, number], opts: ElmCtOptions, freq: number, budget: number): ElmSpec {
  const el: ElmOptions = { freq, seed: opts.seed ?? 1, overlap: opts.overlap, hidden: opts.hidden, subdomains: opts.subdomains, ridge: opts.ridge ?? ELM_CT_DEFAULTS.ridge };
  if (opts.subdomains === undefined) el.budget = opts.budget ?? budget;
  else if (opts.budget !== undefined) el.budget = opts.budget;
  return resolveElmSpec(shape, 1, el);
}

/** The checked settings of a solve through the projector (`checkCtInput`). */
export interface CtSettings {
  sinogram: ArrayLike<number>;
  g: ParallelGeometry;
  shape: [number, number];
  prior: ElmCtPrior;
  iterations: number;
  irls: number;
  ridge: number;
  /** The given prior strength τ (prior 'tv'/'smooth') or ridge ε (prior 'none'), if any. */
  given: boolean;
  freq: number | 'auto';
  precondition: boolean;
  delta: number;
  /** Parameters the default budget allows (`defaultBudget`). */
  budget: number;
  /** The strength to start from, or the given one. */
  strength: number;
  /** Ray weights normalised to mean 1, or undefined (unweighted). */
  rayWeights?: Float64Array;
}

/** Check the sinogram and the solver options of `elmCt` (and of BEAM-CT, beam-ct.ts); E_ARG / E_DATA on bad ones. */
export function checkCtInput(sinogram: ArrayLike<number>, angles: ArrayLike<number>, shape: [number, number], opts: ElmCtOptions): CtSettings {
  const [H, W] = shape;
  const g = parallelGeometry(H, W, angles, { detectors: opts.detectors, pixelSize: opts.pixelSize });
  const V = g.angles.length;
  if (sinogram.length !== V * g.detectors) throw new InrError('E_ARG', `the sinogram has ${sinogram.length} values, ${V} views × ${g.detectors} bins were expected`);
  for (let i = 0; i < sinogram.length; i++)
    if (!Number.isFinite(sinogram[i])) throw new InrError('E_DATA', `the sinogram has a non-finite value at view ${Math.floor(i / g.detectors)}, bin ${i % g.detectors}`);
  const prior = opts.prior ?? ELM_CT_DEFAULTS.prior;
  if (!['tv', 'smooth', 'none'].includes(prior)) throw new InrError('E_ARG', `unknown ELM-CT prior '${prior}' (choose tv, smooth or none)`);
  const iterations = opts.iterations ?? ELM_CT_DEFAULTS.iterations;
  if (!Number.isInteger(iterations) || iterations < 1) throw new InrError('E_ARG', `--iterations must be a positive integer, got ${iterations}`);
  const irls = opts.irls ?? ELM_CT_DEFAULTS.irls;
  if (!Number.isInteger(irls) || irls < 0) throw new InrError('E_ARG', `--irls must be a non-negative integer, got ${irls}`);
  const ridge = opts.ridge ?? ELM_CT_DEFAULTS.ridge;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new InrError('E_ARG', `--ridge must be ≥ 0, got ${ridge}`);
  if (opts.smooth !== undefined && !(opts.smooth >= 0 && Number.isFinite(opts.smooth))) throw new InrError('E_ARG', `--smooth must be ≥ 0, got ${opts.smooth}`);
  const freq = opts.freq ?? ELM_CT_DEFAULTS.freq;
  if (freq !== 'auto' && !(freq > 0 && Number.isFinite(freq))) throw new InrError('E_ARG', `--freq must be positive or 'auto', got ${freq}`);
  const delta = opts.delta ?? ELM_CT_DEFAULTS.delta;
  if (!(delta > 0) || !Number.isFinite(delta)) throw new InrError('E_ARG', `--delta must be positive, got ${delta}`);
  let rayWeights: Float64Array | undefined;
  if (opts.rayWeights) {
    if (opts.rayWeights.length !== sinogram.length) throw new InrError('E_ARG', `${opts.rayWeights.length} ray weights for a sinogram of ${sinogram.length} values`);
    rayWeights = Float64Array.from(opts.rayWeights);
    let mean = 0;
    for (const w of rayWeights) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new InrError('E_ARG', 'ray weights must be finite and ≥ 0');
      mean += w;
    }
    mean /= rayWeights.length;
    if (!(mean > 0)) throw new InrError('E_ARG', 'ray weights are all zero');
    for (let i = 0; i < rayWeights.length; i++) rayWeights[i] /= mean;
  }
  return {
    rayWeights,
    sinogram,
    g,
    shape,
    prior,
    iterations,
    irls,
    ridge,
    given: prior === 'none' ? opts.ridge !== undefined : opts.smooth !== undefined,
    freq,
    precondition: opts.precondition ?? prior !== 'none',
    delta,
    budget: defaultBudget(shape, prior, V * g.detectors),
    strength: prior === 'none' ? (opts.ridge ?? 1e-3) : (opts.smooth ?? 1),
  };
}

/** What `solveThroughProjector` found: the basis, its weights and the chosen settings. */
export interface CtSolution<B extends CtBasis> {
  B: B;
  beta: Float64Array;
  /** Chosen or given τ (prior 'tv'/'smooth') or ε (prior 'none'). */
  strength: number;
  freq: number;
  validation: ElmCtParams['validation'];
  cgIterations: number;
  /** Absolute λ of the final solve. */
  lambda: number;
  /** Building the basis, choosing on held-out views, the final solve. */
  seconds: { setup: number; select: number; solve: number };
}

/**
 * The solve of (1) through the projector on a basis, with the held-out choice of the strength
 * and (freq 'auto') of the frequency scale (see the file comment). `basis(freq)` builds Φ for a
 * frequency multiplier; `label` names the method in the progress stages.
 */
export async function solveThroughProjector<B extends CtBasis>(s: CtSettings, basis: (freq: number) => B, hooks: CtHooks, label = 'ELM-INR'): Promise<CtSolution<B>> {
  const t0 = performance.now();
  const { g, sinogram, prior, iterations, irls, ridge, delta, precondition, rayWeights } = s;
  const V = g.angles.length;
  const progress = hooks.onProgress ?? (() => {});
  // The held-out split (only when something is chosen and enough views exist).
  const choose = (!s.given || s.freq === 'auto') && V >= 5;
  const held = Array.from({ length: V }, (_, v) => v).filter((v) => v % 5 === 2);
  const train = Array.from({ length: V }, (_, v) => v).filter((v) => v % 5 !== 2);
  const buf = new Float64Array(V * g.detectors);

  let freq = s.freq === 'auto' ? 1 : s.freq;
  let B = basis(freq);
  const tSetup = performance.now();
  let strength = s.strength;
  const validation: ElmCtParams['validation'] = { strength: {}, heldOutViews: choose ? held.length : 0 };
  let state: FitState = { cg: 0 };
  let cgTotal = 0;

  if (choose) {
    progress(`${label}: choosing the regularisation on held-out views`, 0.02);
    const blocksT = normalBlocks(B, g, train);
    const path = s.given ? [strength] : prior === 'none' ? RIDGE_PATH : SMOOTH_PATH;
    let best = { err: Infinity, strength, beta: undefined as Float64Array | undefined, weights: undefined as Float64Array | undefined };
    let sinceBest = 0;
    for (let i = 0; i < path.length; i++) {
      await fitOnce(B, g, sinogram, blocksT, prior, path[i], ridge, delta, precondition, Math.ceil(iterations * 0.6), 1, state, train, hooks, rayWeights);
      const err = heldOutError(B, g, sinogram, state.beta!, held, buf, rayWeights);
      validation.strength[String(path[i])] = err;
      progress(`${label}: choosing the regularisation on held-out views`, 0.02 + (0.5 * (i + 1)) / path.length, { strength: path[i], heldOut: err });
      if (err < best.err) {
        best = { err, strength: path[i], beta: state.beta!.slice(), weights: state.weights?.slice() };
        sinceBest = 0;
      } else if (++sinceBest >= 2) break;
    }
    strength = best.strength;
    cgTotal += state.cg;
    state = { beta: best.beta, weights: best.weights, cg: 0 };
    if (s.freq === 'auto') {
      validation.freq = { '1': best.err };
      let bestF = { err: best.err, freq: 1, B, state };
      for (const f of FREQ_CANDIDATES) {
        if (f === 1) continue;
        const Bf = basis(f);
        const sf: FitState = { cg: 0 };
        await fitOnce(Bf, g, sinogram, normalBlocks(Bf, g, train), prior, strength, ridge, delta, precondition, Math.ceil(iterations * 0.6), 2, sf, train, hooks, rayWeights);
        cgTotal += sf.cg;
        const err = heldOutError(Bf, g, sinogram, sf.beta!, held, buf, rayWeights);
        validation.freq[String(f)] = err;
        if (err < bestF.err) bestF = { err, freq: f, B: Bf, state: { beta: sf.beta, weights: sf.weights, cg: 0 } };
      }
      freq = bestF.freq;
      B = bestF.B;
      state = bestF.state;
    }
  }
  const tSelect = performance.now();

  progress(`${label}: solving through the projector`, 0.6);
  const blocks = normalBlocks(B, g);
  await fitOnce(B, g, sinogram, blocks, prior, strength, ridge, delta, precondition, iterations, irls, state, undefined, hooks, rayWeights);
  cgTotal += state.cg;
  return {
    B,
    beta: state.beta!,
    strength,
    freq,
    validation,
    cgIterations: cgTotal,
    lambda: ((prior === 'none' ? strength : ridge) * blocks.trace) / B.size,
    seconds: { setup: (tSetup - t0) / 1000, select: (tSelect - tSetup) / 1000, solve: (performance.now() - tSelect) / 1000 },
  };
}

/**
 * Reconstruct an H×W slice from a sinogram (views × bins, row-major) measured at `angles`
 * (radians) with ELM-INR solved through the projector (see the file comment).
 */
export async function elmCt(sinogram: ArrayLike<number>, angles: ArrayLike<number>, shape: [number, number], opts: ElmCtOptions = {}, hooks: CtHooks = {}): Promise<ElmCtResult> {
  const t0 = performance.now();
  const [H, W] = shape;
  const s = checkCtInput(sinogram, angles, shape, opts);
  const progress = hooks.onProgress ?? (() => {});
  const sol = await solveThroughProjector(s, (freq) => elmBasis(specFor(shape, opts, freq, s.budget)), hooks);
  const model = basisModel(sol.B, sol.beta);
  progress('ELM-INR: evaluating the model', 0.97);
  const image = evaluateElm(model, [sampleGrid(H), sampleGrid(W)]);
  const t1 = performance.now();
  const { prior } = s;
  const params: ElmCtParams = {
    prior,
    smooth: prior === 'none' ? 0 : sol.strength,
    ridge: prior === 'none' ? sol.strength : s.ridge,
    freq: sol.freq,
    lambda: sol.lambda,
    cells: sol.B.spec.cells,
    hidden: sol.B.spec.hidden,
    params: paramCount(model),
    validation: sol.validation,
    cgIterations: sol.cgIterations,
    seconds: { setup: sol.seconds.setup, select: sol.seconds.select, solve: (t1 - t0) / 1000 - sol.seconds.setup - sol.seconds.select, total: (t1 - t0) / 1000 },
  };
  progress('done', 1, { seconds: params.seconds.total });
  return { image, params, model };
}
