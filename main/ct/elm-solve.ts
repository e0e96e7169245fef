/**
 * The ridge least squares of ELM-INR through the projector, solved by preconditioned conjugate
 * gradients on the normal equations in float64:
 *   min_β ‖A_S Φ β − s_S‖² + λ‖β‖²   ⇔   (ΦᵀA_SᵀA_SΦ + λI) β = ΦᵀA_Sᵀ s_S,
 * where S is a subset of the views (all of them, or the training views of a held-out split),
 * optionally with statistical ray weights W (ΦᵀA_SᵀWA_SΦ, ΦᵀA_SᵀW s_S; the preconditioner keeps
 * the unweighted blocks, the weights having mean 1).
 * A·Φ is never formed: each CG step applies Φ (elm-basis.ts), A, Aᵀ (radon.ts) and Φᵀ.
 *
 * Preconditioner: block Jacobi over the cells, M_i = G_i + λI with G_i = (A_SΦ_i)ᵀ(A_SΦ_i) the
 * exact diagonal block of the normal matrix for one representative cell per patch (cells of one
 * patch share features and, away from the image border, their projections up to the sub-pixel
 * phase of the ray lattice). It whitens the ill-conditioned random features and the local part
 * of AᵀA; CG is left with the coupling between cells. G_i comes from m projections of the
 * cell's box only (radon.ts box mode), so it costs about as much as a few full projections.
 *
 * The ridge is relative: λ = ε · tr(ΦᵀA_SᵀA_SΦ)/n_β (the mean diagonal of the normal matrix, from
 * the same blocks), so ε does not depend on the image size, the number of views or the units.
 */
import { factorRidge, choleskySolve, gramUpper, symmetrize, trace, type Factor } from '../inr/elm/linalg';
import { basisAdjoint, basisApply, cellColumn, type CtBasis } from './elm-basis';
import { radonAdjoint, radonForward, type ParallelGeometry } from './radon';
import { checkCancelled, type CtHooks } from './hooks';
import { dot } from './iterative';
import { gradAdjoint, gradient } from './tv';

export interface NormalBlocks {
  /** Per patch, the m×m block G of its representative cell (symmetric, full). */
  G: Float64Array[];
  /** tr(ΦᵀA_SᵀA_SΦ) estimated from the blocks. */
  trace: number;
  /** Per patch, the block (∇Φ_i)ᵀ(∇Φ_i) of the image-gradient penalty. */
  S: Float64Array[];
  /** tr(Φᵀ∇ᵀ∇Φ) from the blocks. */
  traceS: number;
}

/** The representative of a patch: its cell nearest to the image centre. */
function representative(B: CtBasis, cells: number[]): number {
  let best = cells[0];
  let bestD = Infinity;
  for (const id of cells) {
    const b = B.cellBox[id];
    const d = Math.abs((b.i0 + b.i1) / 2 - B.height / 2) + Math.abs((b.j0 + b.j1) / 2 - B.width / 2);
    if (d < bestD) {
      bestD = d;
      best = id;
    }
  }
  return best;
}

/** Diagonal blocks of ΦᵀA_SᵀA_SΦ, one per patch (see the file comment). */
export function normalBlocks(B: CtBasis, g: ParallelGeometry, views?: ArrayLike<number>): NormalBlocks {
  const size = g.angles.length * g.detectors;
  const buf = new Float64Array(size);
  const G: Float64Array[] = [];
  const S: Float64Array[] = [];
  let tr = 0;
  let trS = 0;
  for (const P of B.patches) {
    const m = P.m;
    const id = representative(B, P.cells);
    const box = B.cellBox[id];
    // Sinogram entries the box can reach: those hit by its φ-weighted ones image.
    const reach = radonForward(g, B.cellPhi[id], buf, { box, views });
    const rows: number[] = [];
    const viewSet = views ? new Set(Array.from(views)) : undefined;
    for (let i = 0; i < size; i++) if (reach[i] !== 0 && (!viewSet || viewSet.has(Math.floor(i / g.detectors)))) rows.push(i);
    const n = rows.length;
    const M = new Float64Array(n * m);
    const col = new Float64Array(P.rows);
    for (let q = 0; q < m; q++) {
      cellColumn(B, id, q, col);
      radonForward(g, col, buf, { box, views });
      for (let r = 0; r < n; r++) M[r * m + q] = buf[rows[r]];
    }
    const Gp = new Float64Array(m * m);
    gramUpper(M, m, 0, n, Gp);
    symmetrize(Gp, m);
    G.push(Gp);
    tr += trace(Gp, m) * P.cells.length;
    // Gradient block on the box grown by one pixel (the differences across its lower/right edge).
    const gh = P.bh + 1;
    const gw = P.bw + 1;
    const pad = new Float64Array(gh * gw);
    const gy = new Float64Array(gh * gw);
    const gx = new Float64Array(gh * gw);
    const D = new Float64Array(2 * gh * gw * m);
    for (let q = 0; q < m; q++) {
      cellColumn(B, id, q, col);
      for (let i = 0; i < P.bh; i++) for (let j = 0; j < P.bw; j++) pad[i * gw + j] = col[i * P.bw + j];
      gradient(pad, gh, gw, gy, gx);
      for (let r = 0; r < gh * gw; r++) {
        D[2 * r * m + q] = gy[r];
        D[(2 * r + 1) * m + q] = gx[r];
      }
    }
    const Sp = new Float64Array(m * m);
    gramUpper(D, m, 0, 2 * gh * gw, Sp);
    symmetrize(Sp, m);
    S.push(Sp);
    trS += trace(Sp, m) * P.cells.length;
  }
  return { G, trace: tr, S, traceS: trS };
}

export interface PcgOptions {
  /** Relative ridge ε (λ = ε·tr/n_β). */
  ridge: number;
  iterations: number;
  /** Views used (default all). */
  views?: number[];
  /** Starting weights (default zeros); not modified. */
  initial?: Float64Array;
  /** Block-Jacobi preconditioning (default true; false = plain CG, for comparison). */
  precondition?: boolean;
  /** Stop when ‖r‖/‖b‖ falls below this (default 1e-10). */
  tolerance?: number;
  /**
   * Image-gradient penalty μ·Σ_p w_p·|∇u|²_p (u = Φβ), with μ = smooth·tr(ΦᵀAᵀAΦ)/tr(Φᵀ∇ᵀ∇Φ)
   * and per-pixel weights w (default 1; IRLS for TV passes 1/√(|∇u|² + δ²), normalised to mean 1).
   */
  smooth?: number;
  smoothWeights?: Float64Array;
  /**
   * Statistical weights of the sinogram entries (penalised weighted least squares: the data term
   * becomes ‖W^{½}(A_SΦβ − s_S)‖², W = diag(w)); default 1. Normalised to mean 1 by the caller,
   * so the relative λ and μ keep their meaning.
   */
  rayWeights?: Float64Array;
  /** Called after every iteration with the current weights (e.g. to score held-out views). */
  onIteration?: (it: number, beta: Float64Array, relResidual: number) => void;
}

export interface PcgResult {
  beta: Float64Array;
  iterations: number;
  lambda: number;
  /** ‖b − Nβ‖/‖b‖ (normal-equation residual) per iteration. */
  residuals: number[];
}

/** A_S Φ β into `sino` (views outside S are zero). */
function forwardModel(B: CtBasis, g: ParallelGeometry, beta: Float64Array, img: Float64Array, sino: Float64Array, views?: number[]): Float64Array {
  basisApply(B, beta, img);
  if (views) sino.fill(0);
  radonForward(g, img, sino, { views });
  return sino;
}

/**
 * Solve (ΦᵀA_SᵀA_SΦ + λI)β = ΦᵀA_Sᵀs by block-Jacobi PCG. It yields to the event loop every
 * ~50 ms, so an interrupt (Ctrl-C in the CLI, a cancel) is seen between iterations.
 */
export async function solveElmCt(B: CtBasis, g: ParallelGeometry, sinogram: ArrayLike<number>, blocks: NormalBlocks, opts: PcgOptions, hooks: CtHooks = {}): Promise<PcgResult> {
  const nb = B.size;
  const npx = B.height * B.width;
  const ns = g.angles.length * g.detectors;
  const views = opts.views;
  const lambda = (opts.ridge * blocks.trace) / nb;
  const mu = opts.smooth ? (opts.smooth * blocks.trace) / Math.max(blocks.traceS, 1e-300) : 0;
  const wts = opts.smoothWeights;
  const rw = opts.rayWeights;
  const factors: Factor[] = blocks.G.map((G, p) => {
    const m = B.patches[p].m;
    if (!mu) return factorRidge(G, m, lambda);
    const M = G.slice();
    const S = blocks.S[p];
    for (let i = 0; i < m * m; i++) M[i] += mu * S[i];
    return factorRidge(M, m, lambda);
  });
  const gy = mu ? new Float64Array(npx) : undefined;
  const gx = mu ? new Float64Array(npx) : undefined;
  const img2 = mu ? new Float64Array(npx) : undefined;
  const img = new Float64Array(npx);
  const sino = new Float64Array(ns);
  const tmpB = new Float64Array(nb);

  const s = new Float64Array(ns);
  if (views) for (const v of views) for (let k = v * g.detectors; k < (v + 1) * g.detectors; k++) s[k] = sinogram[k];
  else for (let k = 0; k < ns; k++) s[k] = sinogram[k];
  if (rw) for (let k = 0; k < ns; k++) s[k] *= rw[k];

  const normal = (x: Float64Array, out: Float64Array): Float64Array => {
    forwardModel(B, g, x, img, sino, views);
    if (rw) for (let k = 0; k < ns; k++) sino[k] *= rw[k];
    if (mu) {
      gradient(img, B.height, B.width, gy!, gx!);
      for (let i = 0; i < npx; i++) {
        const w = mu * (wts ? wts[i] : 1);
        gy![i] *= w;
        gx![i] *= w;
      }
      gradAdjoint(gy!, gx!, B.height, B.width, img2!);
    }
    radonAdjoint(g, sino, img, { views });
    if (mu) for (let i = 0; i < npx; i++) img[i] += img2![i];
    basisAdjoint(B, img, out);
    for (let i = 0; i < nb; i++) out[i] += lambda * x[i];
    return out;
  };
  const usePrecond = opts.precondition ?? true;
  const precondition = (r: Float64Array, z: Float64Array) => {
    z.set(r);
    if (!usePrecond) return;
    for (let id = 0; id < B.cells; id++) choleskySolve(factors[B.cellPatch[id]], z.subarray(B.offsets[id], B.offsets[id + 1]), 1);
  };

  radonAdjoint(g, s, img, { views });
  const b = basisAdjoint(B, img);
  const bnorm = Math.sqrt(dot(b, b)) || 1;
  const beta = opts.initial ? opts.initial.slice() : new Float64Array(nb);
  const r = new Float64Array(nb);
  if (opts.initial) {
    normal(beta, tmpB);
    for (let i = 0; i < nb; i++) r[i] = b[i] - tmpB[i];
  } else r.set(b);
  const z = new Float64Array(nb);
  precondition(r, z);
  const p = z.slice();
  const q = new Float64Array(nb);
  let rz = dot(r, z);
  const residuals: number[] = [];
  const tol = opts.tolerance ?? 1e-10;
  let it = 0;
  let lastYield = performance.now();
  for (; it < opts.iterations; it++) {
    if (performance.now() - lastYield > 50) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    checkCancelled(hooks);
    normal(p, q);
    const pq = dot(p, q);
    if (!(pq > 0)) break;
    const alpha = rz / pq;
    for (let i = 0; i < nb; i++) {
      beta[i] += alpha * p[i];
      r[i] -= alpha * q[i];
    }
    const rel = Math.sqrt(dot(r, r)) / bnorm;
    residuals.push(rel);
    opts.onIteration?.(it + 1, beta, rel);
    hooks.onProgress?.('ELM-INR CG', (it + 1) / opts.iterations, { iteration: it + 1, residual: rel });
    if (rel < tol) {
      it++;
      break;
    }
    precondition(r, z);
    const rzNew = dot(r, z);
    const bk = rzNew / rz;
    rz = rzNew;
    for (let i = 0; i < nb; i++) p[i] = z[i] + bk * p[i];
  }
  return { beta, iterations: it, lambda, residuals };
}
