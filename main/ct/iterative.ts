/**
 * Iterative reconstructions with the matched projector of radon.ts.
 *
 * SART (simultaneous algebraic reconstruction technique; Andersen & Kak, Ultrasonic Imaging 6,
 * 1984), one view at a time (ordered subsets of one view, visited in an order that spreads the
 * angles), for every view v:
 *   x ← x + ω · A_vᵀ[(p_v − A_v x) / A_v·1] / A_vᵀ·1
 * (rows with A_v·1 = 0 and pixels with A_vᵀ·1 = 0 are skipped), then x ← max(x, 0) when
 * `nonNegative`. One iteration is a sweep over all views.
 *
 * SART-TV: after every sweep, x ← prox_{μ·TV}(x) (tv.ts), the TV-regularised alternation of
 * ASD-POCS (Sidky & Pan, Phys. Med. Biol. 53, 2008) with a proximal TV step instead of their
 * steepest descent. μ = tv · scale, scale = the 99.5th percentile of |x| after the first sweep,
 * so `tv` is a fraction of the image's value range (in pixel units of TV).
 *
 * CGLS (conjugate gradients on AᵀA x = Aᵀp; Hestenes & Stiefel 1952, Björck's CGLS form), a
 * fixed number of iterations from x = 0: early stopping is its regularisation.
 */
import { InrError } from '../core/errors';
import { radonAdjoint, radonForward, type ParallelGeometry } from './radon';
import { tvProx } from './tv';
import { checkCancelled, type CtHooks } from './hooks';

export interface SartOptions {
  /** Sweeps over all views. Default 20. */
  iterations?: number;
  /** Relaxation ω ∈ (0, 2). Default 0.5. */
  relaxation?: number;
  /** Clamp at zero after every view. Default false. */
  nonNegative?: boolean;
  /** TV weight as a fraction of the image's value range (0 = plain SART). Default 0. */
  tv?: number;
  /** FGP iterations of each TV step. Default 20. */
  tvIterations?: number;
  /** Starting image (H×W); default zeros. */
  initial?: ArrayLike<number>;
}

export const SART_DEFAULTS = { iterations: 20, relaxation: 0.5, tv: 0, tvIterations: 20 };

/** An order of the views that spreads consecutive ones over the angles (a golden-ratio stride). */
export function viewOrder(angles: ArrayLike<number>): Int32Array {
  const V = angles.length;
  const byAngle = Array.from({ length: V }, (_, v) => v).sort((a, b) => (((angles[a] % Math.PI) + Math.PI) % Math.PI) - (((angles[b] % Math.PI) + Math.PI) % Math.PI));
  if (V <= 2) return Int32Array.from(byAngle);
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  let step = Math.max(1, Math.round(V * 0.381966));
  while (gcd(step, V) !== 1) step++;
  return Int32Array.from({ length: V }, (_, k) => byAngle[(k * step) % V]);
}

function percentileAbs(x: Float64Array, q: number): number {
  const a = Float64Array.from(x, Math.abs).sort();
  return a[Math.min(a.length - 1, Math.floor(q * a.length))];
}

export interface IterativeResult {
  image: Float64Array;
  iterations: number;
  /** ‖Ax − p‖ / ‖p‖ after each iteration. */
  residuals: number[];
}

function relResidual(g: ParallelGeometry, x: Float64Array, p: ArrayLike<number>, buf: Float64Array): number {
  radonForward(g, x, buf);
  let num = 0;
  let den = 0;
  for (let i = 0; i < buf.length; i++) {
    const d = buf[i] - p[i];
    num += d * d;
    den += p[i] * p[i];
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** SART or SART-TV (see the file comment). */
export function sart(g: ParallelGeometry, sinogram: ArrayLike<number>, opts: SartOptions = {}, hooks: CtHooks = {}): IterativeResult {
  const H = g.height;
  const W = g.width;
  const n = H * W;
  const V = g.angles.length;
  const nd = g.detectors;
  if (sinogram.length !== V * nd) throw new InrError('E_ARG', `the sinogram has ${sinogram.length} values, the geometry needs ${V}×${nd}`);
  const iterations = opts.iterations ?? SART_DEFAULTS.iterations;
  if (!Number.isInteger(iterations) || iterations < 1) throw new InrError('E_ARG', `--iterations must be a positive integer, got ${iterations}`);
  const omega = opts.relaxation ?? SART_DEFAULTS.relaxation;
  if (!(omega > 0 && omega < 2)) throw new InrError('E_ARG', `--relaxation must be in (0, 2), got ${omega}`);
  const tv = opts.tv ?? SART_DEFAULTS.tv;
  if (!(tv >= 0) || !Number.isFinite(tv)) throw new InrError('E_ARG', `--tv must be ≥ 0, got ${tv}`);
  const nonNeg = opts.nonNegative ?? false;

  const x = new Float64Array(n);
  if (opts.initial) {
    if (opts.initial.length !== n) throw new InrError('E_ARG', `the initial image has ${opts.initial.length} values, expected ${H}×${W}`);
    for (let i = 0; i < n; i++) x[i] = opts.initial[i];
  }
  // Row sums A_v·1 (all views at once) and per-view column sums A_vᵀ·1.
  const ones = new Float64Array(n).fill(1);
  const rowSum = radonForward(g, ones);
  const colSum = new Float32Array(V * n);
  const tmpImg = new Float64Array(n);
  const oneRow = new Float64Array(V * nd);
  for (let v = 0; v < V; v++) {
    oneRow.fill(0);
    oneRow.fill(1, v * nd, (v + 1) * nd);
    radonAdjoint(g, oneRow, tmpImg, { views: [v] });
    colSum.set(tmpImg, v * n);
  }
  const order = viewOrder(g.angles);
  const proj = new Float64Array(V * nd);
  const resid = new Float64Array(V * nd);
  const upd = new Float64Array(n);
  const residuals: number[] = [];
  let mu = 0;
  const views = [0];
  for (let it = 0; it < iterations; it++) {
    for (let o = 0; o < V; o++) {
      checkCancelled(hooks);
      const v = order[o];
      views[0] = v;
      radonForward(g, x, proj, { views });
      resid.fill(0);
      for (let k = v * nd; k < (v + 1) * nd; k++) {
        const rs = rowSum[k];
        if (rs > 1e-12) resid[k] = (sinogram[k] - proj[k]) / rs;
      }
      radonAdjoint(g, resid, upd, { views });
      const cs = v * n;
      for (let i = 0; i < n; i++) {
        const c = colSum[cs + i];
        if (c > 1e-12) {
          const nv = x[i] + (omega * upd[i]) / c;
          x[i] = nonNeg && nv < 0 ? 0 : nv;
        }
      }
    }
    if (tv > 0) {
      if (it === 0) mu = tv * Math.max(percentileAbs(x, 0.995), 1e-12);
      tvProx(x.slice(), H, W, mu, opts.tvIterations ?? SART_DEFAULTS.tvIterations, nonNeg, x);
    }
    residuals.push(relResidual(g, x, sinogram, proj));
    hooks.onProgress?.(tv > 0 ? 'SART-TV' : 'SART', (it + 1) / iterations, { iteration: it + 1, residual: residuals[it] });
  }
  return { image: x, iterations, residuals };
}

export interface CglsOptions {
  /** Iterations (default 20). */
  iterations?: number;
}

/** CGLS for min ‖A x − p‖² from x = 0 (see the file comment). */
export function cgls(g: ParallelGeometry, sinogram: ArrayLike<number>, opts: CglsOptions = {}, hooks: CtHooks = {}): IterativeResult {
  const n = g.height * g.width;
  const m = g.angles.length * g.detectors;
  if (sinogram.length !== m) throw new InrError('E_ARG', `the sinogram has ${sinogram.length} values, the geometry needs ${g.angles.length}×${g.detectors}`);
  const iterations = opts.iterations ?? 20;
  if (!Number.isInteger(iterations) || iterations < 1) throw new InrError('E_ARG', `--iterations must be a positive integer, got ${iterations}`);
  const x = new Float64Array(n);
  const r = Float64Array.from(sinogram);
  const s = radonAdjoint(g, r);
  const p = s.slice();
  const q = new Float64Array(m);
  let gamma = dot(s, s);
  const pnorm = Math.sqrt(dot(r, r));
  const residuals: number[] = [];
  for (let it = 0; it < iterations; it++) {
    checkCancelled(hooks);
    radonForward(g, p, q);
    const qq = dot(q, q);
    if (!(qq > 0)) break;
    const alpha = gamma / qq;
    for (let i = 0; i < n; i++) x[i] += alpha * p[i];
    for (let i = 0; i < m; i++) r[i] -= alpha * q[i];
    radonAdjoint(g, r, s);
    const gNew = dot(s, s);
    const beta = gNew / gamma;
    gamma = gNew;
    for (let i = 0; i < n; i++) p[i] = s[i] + beta * p[i];
    residuals.push(Math.sqrt(dot(r, r)) / Math.max(pnorm, 1e-300));
    hooks.onProgress?.('CGLS', (it + 1) / iterations, { iteration: it + 1, residual: residuals[it] });
  }
  return { image: x, iterations: residuals.length, residuals };
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
