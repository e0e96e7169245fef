/**
 * Kernel ridge regression (the kernel ELM's output layer, α = (K + σ²I)⁻¹y) on a fully observed
 * tensor-grid support. With a separable kernel K = K_1 ⊗ … ⊗ K_d; each factor is
 * diagonalised once, K_a = V_a Λ_a V_aᵀ, so with z = (⊗V_a)ᵀ y and λ = ⊗Λ_a:
 *   α = (⊗V_a) · z/(λ + σ²)                          (Saatçi, "Scalable inference for structured
 *                                                      Gaussian process models", PhD thesis, 2012, §5)
 * at O(n·Σ s_a) per solve, for every nugget σ² at once. The nugget is chosen by one of
 * - generalised cross-validation (Golub, Heath & Wahba, Technometrics 21(2), 1979):
 *     GCV(σ²) = n·‖y − ŷ‖² / (n − 1 − tr S)²,  y − ŷ = σ²α,  tr S = Σ_k λ_k/(λ_k + σ²)
 *   (the 1 is the cell mean, fitted too);
 * - leave-one-out: e_i = α_i / [(K + σ²I)⁻¹]_ii, the diagonal being (⊗(V_a∘V_a))·1/(λ + σ²);
 * - leave-one-slice-out along the first axis (a block version of the same identity): with
 *   K = K_0 ⊗ K_r, the residual of slice b predicted from the others is
 *   e_b = [(K + σ²I)⁻¹]_bb⁻¹ α_b = V_r diag(1/D_b) V_rᵀ α_b,  D_bj = Σ_i V_0[b,i]²/(λ_0i λ_rj + σ²),
 *   and V_rᵀα_b is the b-th slice of (V_0 ⊗ I)·z/(λ + σ²), so its norm costs O(n·s_0).
 */
import { symEig, type SymEig } from './symeig';
import { modeProduct, multiModeProduct, transpose } from './tensor';

export interface AxisFactor {
  s: number;
  eig: SymEig;
  /** V_aᵀ (s×s). */
  Vt: Float64Array;
  /** V_a∘V_a (s×s), for the leave-one-out diagonal. */
  V2: Float64Array;
}

export function axisFactor(K: Float64Array, s: number): AxisFactor {
  const eig = symEig(K, s);
  const V2 = new Float64Array(s * s);
  for (let i = 0; i < s * s; i++) V2[i] = eig.vectors[i] * eig.vectors[i];
  return { s, eig, Vt: transpose(eig.vectors, s, s), V2 };
}

export type Criterion = 'gcv' | 'loo' | 'slice';

export interface GridSolution {
  /** α on the support (n×C), row-major over the axes. */
  alpha: Float64Array;
  nugget: number;
  /** The criterion's value (mean squared prediction error estimate). */
  score: number;
}

/** Eigenvalues of the Kronecker product, row-major over the axes. */
function kronValues(factors: readonly AxisFactor[]): Float64Array {
  let out = new Float64Array([1]);
  for (const f of factors) {
    const next = new Float64Array(out.length * f.s);
    for (let i = 0; i < out.length; i++) for (let k = 0; k < f.s; k++) next[i * f.s + k] = out[i] * Math.max(f.eig.values[k], 0);
    out = next;
  }
  return out;
}

/**
 * What a support's solves share whatever its data: the factors, the eigenvalues λ and, per
 * nugget, 1/(λ + σ²) and the criterion's data-free part (tr S; the leave-one-out diagonal; the
 * slice blocks' 1/D). One plan serves every cell of the same shape and candidate.
 */
export interface GridPlan {
  factors: AxisFactor[];
  dims: number[];
  n: number;
  lam: Float64Array;
  nuggets: number[];
  criterion: Criterion;
  inv: Float64Array[];
  /** gcv: tr S per nugget; loo: 1/diag per nugget (n); slice: 1/D per nugget (s0 × n/s0). */
  aux: Array<number | Float64Array>;
}

export function gridPlan(factors: AxisFactor[], nuggets: readonly number[], criterion: Criterion, score: boolean): GridPlan {
  const dims = factors.map((f) => f.s);
  const n = dims.reduce((a, b) => a * b, 1);
  const lam = kronValues(factors);
  const inv: Float64Array[] = [];
  const aux: Array<number | Float64Array> = [];
  for (const s2 of nuggets) {
    const q = new Float64Array(n);
    for (let k = 0; k < n; k++) q[k] = 1 / (lam[k] + s2);
    inv.push(q);
    if (!score) aux.push(0);
    else if (criterion === 'gcv') {
      let tr = 0;
      for (let k = 0; k < n; k++) tr += lam[k] * q[k];
      aux.push(tr);
    } else if (criterion === 'slice' && dims.length > 1 && dims[0] > 1) {
      const s0 = dims[0];
      const nr = n / s0;
      const f0 = factors[0];
      const lamR = kronValues(factors.slice(1));
      const Dinv = new Float64Array(n);
      for (let b = 0; b < s0; b++)
        for (let j = 0; j < nr; j++) {
          let D = 0;
          for (let i = 0; i < s0; i++) {
            const v = f0.eig.vectors[b * s0 + i];
            D += (v * v) / (Math.max(f0.eig.values[i], 0) * lamR[j] + s2);
          }
          Dinv[b * nr + j] = 1 / D;
        }
      aux.push(Dinv);
    } else {
      const diag = multiModeProduct(
        q,
        dims,
        1,
        factors.map((f) => f.V2),
        dims,
      );
      for (let i = 0; i < n; i++) diag[i] = 1 / diag[i];
      aux.push(diag);
    }
  }
  return { factors, dims, n, lam, nuggets: nuggets.slice(), criterion, inv, aux };
}

/**
 * Solve for every nugget of the plan and keep the one its criterion prefers (with `score` off:
 * the first). `Y` (n×C) must be centred already.
 */
export function solveGrid(Y: Float64Array, C: number, plan: GridPlan, score = plan.nuggets.length > 1): GridSolution {
  const { factors, dims, n, nuggets, criterion } = plan;
  const z = multiModeProduct(
    Y,
    dims,
    C,
    factors.map((f) => f.Vt),
    dims,
  );
  let best = { i: 0, score: Infinity };
  const t = new Float64Array(n * C);
  if (score)
    for (let ni = 0; ni < nuggets.length; ni++) {
      const s2 = nuggets[ni];
      const q = plan.inv[ni];
      const aux = plan.aux[ni];
      let value: number;
      if (criterion === 'gcv') {
        let rss = 0;
        for (let k = 0; k < n; k++)
          for (let c = 0; c < C; c++) {
            const r = s2 * z[k * C + c] * q[k];
            rss += r * r;
          }
        const dof = Math.max(n - 1 - (aux as number), 1e-9);
        value = (n * rss) / (dof * dof) / C;
      } else {
        for (let k = 0; k < n; k++) for (let c = 0; c < C; c++) t[k * C + c] = z[k * C + c] * q[k];
        // slice: the slices of (V_0 ⊗ I)·t; loo: α itself.
        const g =
          criterion === 'slice' && dims.length > 1 && dims[0] > 1
            ? modeProduct(t, dims, C, 0, factors[0].eig.vectors, dims[0])
            : multiModeProduct(
                t,
                dims,
                C,
                factors.map((f) => f.eig.vectors),
                dims,
              );
        const w = aux as Float64Array;
        let e2 = 0;
        for (let i = 0; i < n; i++)
          for (let c = 0; c < C; c++) {
            const e = g[i * C + c] * w[i];
            e2 += e * e;
          }
        value = e2 / (n * C);
      }
      if (value < best.score) best = { i: ni, score: value };
    }
  const q = plan.inv[best.i];
  for (let k = 0; k < n; k++) for (let c = 0; c < C; c++) t[k * C + c] = z[k * C + c] * q[k];
  const alpha = multiModeProduct(
    t,
    dims,
    C,
    factors.map((f) => f.eig.vectors),
    dims,
  );
  return { alpha, nugget: nuggets[best.i], score: best.score };
}
