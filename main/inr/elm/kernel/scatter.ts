/**
 * Kernel ridge regression on the observed samples of a partly observed support (inpainting):
 * K_ij = Π_a T_a[|p_ia − p_ja|] from one covariance table per axis, α = (K + σ²I)⁻¹y by a
 * float64 Cholesky factorisation per nugget candidate, and the candidate chosen by the exact
 * leave-one-out error e_i = α_i / [(K + σ²I)⁻¹]_ii (Rasmussen & Williams, GPML, 2006, §5.4.2),
 * the diagonal of the inverse being the squared column norms of L⁻¹.
 */
import { choleskyInPlace } from '../linalg';

export interface ScatterSolution {
  alpha: Float64Array;
  nugget: number;
  score: number;
}

/**
 * The covariance at every integer offset of a support of `dims` samples per axis:
 * values[Σ_a (Δ_a + dims_a − 1)·stride_a] for Δ_a ∈ (−dims_a, dims_a).
 */
export interface OffsetTable {
  dims: number[];
  strides: number[];
  values: Float64Array;
}

/**
 * `pos` holds n×d integer offsets of the observed samples inside the support; `table` the
 * covariance per offset. `Y` (n×C) is centred. `scratch` (≥ 2n²) is reused.
 */
export function solveScatter(
  pos: Int32Array,
  n: number,
  d: number,
  table: OffsetTable,
  Y: Float64Array,
  C: number,
  nuggets: readonly number[],
  scratch: Float64Array,
  score = nuggets.length > 1,
): ScatterSolution {
  const K = scratch.subarray(0, n * n);
  const { dims, strides, values } = table;
  let zero = 0;
  for (let a = 0; a < d; a++) zero += (dims[a] - 1) * strides[a];
  // K_ij = table(pos_i − pos_j) = values[zero + key_i − key_j].
  const key = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let a = 0; a < d; a++) f += pos[i * d + a] * strides[a];
    key[i] = f;
  }
  for (let i = 0; i < n; i++) {
    const ki = zero + key[i];
    for (let j = 0; j < i; j++) K[i * n + j] = values[ki - key[j]];
  }
  const diag0 = values[zero];
  const L = scratch.subarray(n * n, 2 * n * n);
  const alpha = new Float64Array(n * C);
  const z = new Float64Array(n);
  const dinv = new Float64Array(n);
  let best: ScatterSolution | undefined;
  for (const s2 of nuggets) {
    // Lower triangle of K + σ²I.
    let ok = false;
    for (let jitter = 0, t = 0; t < 8 && !ok; t++, jitter = jitter ? jitter * 100 : 1e-10) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) L[i * n + j] = K[i * n + j];
        L[i * n + i] = diag0 + s2 + jitter;
      }
      ok = choleskyInPlace(L, n);
    }
    if (!ok) continue;
    // α = L⁻ᵀ L⁻¹ y
    const a = Float64Array.from(Y);
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < n; i++) {
        let s = a[i * C + c];
        for (let k = 0; k < i; k++) s -= L[i * n + k] * a[k * C + c];
        a[i * C + c] = s / L[i * n + i];
      }
      for (let i = n - 1; i >= 0; i--) {
        let s = a[i * C + c];
        for (let k = i + 1; k < n; k++) s -= L[k * n + i] * a[k * C + c];
        a[i * C + c] = s / L[i * n + i];
      }
    }
    let loo = 0;
    if (score) {
      // diag((LLᵀ)⁻¹)_i = Σ_k (L⁻¹)_ki²: column i of L⁻¹ by forward substitution from e_i.
      dinv.fill(0);
      for (let i = 0; i < n; i++) {
        z[i] = 1 / L[i * n + i];
        let q = z[i] * z[i];
        for (let r = i + 1; r < n; r++) {
          let s = 0;
          const lr = r * n;
          for (let k = i; k < r; k++) s -= L[lr + k] * z[k];
          z[r] = s / L[lr + r];
          q += z[r] * z[r];
        }
        dinv[i] = q;
      }
      for (let i = 0; i < n; i++)
        for (let c = 0; c < C; c++) {
          const e = a[i * C + c] / dinv[i];
          loo += e * e;
        }
      loo /= n * C;
    }
    if (!best || loo < best.score) {
      alpha.set(a);
      best = { alpha, nugget: s2, score: loo };
    }
  }
  if (!best) return { alpha, nugget: NaN, score: Infinity };
  return best;
}
