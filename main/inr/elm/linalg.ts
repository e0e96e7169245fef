/**
 * Dense float64 kernels for the local least-squares solves. Row-major Float64Arrays, no
 * allocation in inner loops, argument checks left to the callers.
 *
 * The ridge problem min ‖Hβ − Y‖² + λ‖β‖² is solved through the normal equations
 * (HᵀH + λI)β = HᵀY with a float64 Gram and a float64 Cholesky factorisation. When a pivot is
 * not positive (rank-deficient or badly conditioned H), the factorisation is retried with a
 * jitter that grows tenfold each time, starting at 1e-12·tr(G)/m, so it always succeeds
 * (Golub & Van Loan, Matrix Computations, 4th ed., §4.2).
 */

/**
 * G += Hᵀ H over rows [r0, r1) of H (n×m), upper triangle only (call `symmetrize` after).
 * Rows are processed four at a time so each G row is loaded once per four rank-1 updates.
 */
export function gramUpper(H: Float64Array, m: number, r0: number, r1: number, G: Float64Array): void {
  let r = r0;
  for (; r + 4 <= r1; r += 4) {
    const o0 = r * m;
    const o1 = o0 + m;
    const o2 = o1 + m;
    const o3 = o2 + m;
    for (let j = 0; j < m; j++) {
      const a0 = H[o0 + j];
      const a1 = H[o1 + j];
      const a2 = H[o2 + j];
      const a3 = H[o3 + j];
      const g = j * m;
      for (let k = j; k < m; k++) {
        G[g + k] += a0 * H[o0 + k] + a1 * H[o1 + k] + a2 * H[o2 + k] + a3 * H[o3 + k];
      }
    }
  }
  for (; r < r1; r++) {
    const o = r * m;
    for (let j = 0; j < m; j++) {
      const a = H[o + j];
      if (a === 0) continue;
      const g = j * m;
      for (let k = j; k < m; k++) G[g + k] += a * H[o + k];
    }
  }
}

/** Gram of selected rows only (the observed samples of a masked subdomain). */
export function gramUpperRows(H: Float64Array, m: number, rows: Int32Array, count: number, G: Float64Array): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o0 = rows[i] * m;
    const o1 = rows[i + 1] * m;
    const o2 = rows[i + 2] * m;
    const o3 = rows[i + 3] * m;
    for (let j = 0; j < m; j++) {
      const a0 = H[o0 + j];
      const a1 = H[o1 + j];
      const a2 = H[o2 + j];
      const a3 = H[o3 + j];
      const g = j * m;
      for (let k = j; k < m; k++) {
        G[g + k] += a0 * H[o0 + k] + a1 * H[o1 + k] + a2 * H[o2 + k] + a3 * H[o3 + k];
      }
    }
  }
  for (; i < count; i++) {
    const o = rows[i] * m;
    for (let j = 0; j < m; j++) {
      const a = H[o + j];
      const g = j * m;
      for (let k = j; k < m; k++) G[g + k] += a * H[o + k];
    }
  }
}

/** Copy the upper triangle of an m×m matrix onto its lower triangle. */
export function symmetrize(G: Float64Array, m: number): void {
  for (let j = 0; j < m; j++) for (let k = j + 1; k < m; k++) G[k * m + j] = G[j * m + k];
}

export function trace(G: Float64Array, m: number): number {
  let t = 0;
  for (let j = 0; j < m; j++) t += G[j * m + j];
  return t;
}

/**
 * In-place Cholesky G = L Lᵀ (lower triangle of `L` receives L). Returns false if a pivot is
 * not positive; `L` is then garbage.
 */
export function choleskyInPlace(L: Float64Array, m: number): boolean {
  for (let j = 0; j < m; j++) {
    const rj = j * m;
    let d = L[rj + j];
    for (let k = 0; k < j; k++) d -= L[rj + k] * L[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const djj = Math.sqrt(d);
    L[rj + j] = djj;
    const inv = 1 / djj;
    for (let i = j + 1; i < m; i++) {
      const ri = i * m;
      let s = L[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      L[ri + j] = s * inv;
    }
  }
  return true;
}

export interface Factor {
  /** Lower-triangular Cholesky factor of G + (λ + jitter)I, m×m row-major. */
  L: Float64Array;
  m: number;
  /** The ridge actually used (λ plus any jitter added to make the factorisation succeed). */
  ridge: number;
  /** How many jitter retries were needed (0 = plain Cholesky succeeded). */
  retries: number;
}

/**
 * Factor G + λI (G symmetric, full, m×m; left untouched). λ = eps·tr(G)/m is the caller's choice.
 * On failure adds jitter 1e-12·tr/m, ×10 each retry, until it succeeds (at most 16 times).
 */
export function factorRidge(G: Float64Array, m: number, lambda: number): Factor {
  const tr = trace(G, m);
  const scale = tr > 0 && Number.isFinite(tr) ? tr / m : 1;
  let jitter = 0;
  const L = new Float64Array(m * m);
  for (let retries = 0; retries <= 16; retries++) {
    L.set(G);
    const ridge = lambda + jitter;
    for (let j = 0; j < m; j++) L[j * m + j] += ridge;
    if (choleskyInPlace(L, m)) return { L, m, ridge, retries };
    jitter = jitter === 0 ? Math.max(1e-12 * scale, lambda) : jitter * 10;
  }
  // G has non-finite entries: fall back to the identity scaled so β = HᵀY/scale (finite, small).
  L.fill(0);
  const d = Math.sqrt(scale);
  for (let j = 0; j < m; j++) L[j * m + j] = d;
  return { L, m, ridge: NaN, retries: 17 };
}

/** Solve (L Lᵀ) X = B in place for B (m×c, row-major). */
export function choleskySolve(f: Factor, B: Float64Array, c: number): void {
  const { L, m } = f;
  // Forward: L Z = B
  for (let i = 0; i < m; i++) {
    const ri = i * m;
    for (let q = 0; q < c; q++) {
      let s = B[i * c + q];
      for (let k = 0; k < i; k++) s -= L[ri + k] * B[k * c + q];
      B[i * c + q] = s / L[ri + i];
    }
  }
  // Backward: Lᵀ X = Z
  for (let i = m - 1; i >= 0; i--) {
    for (let q = 0; q < c; q++) {
      let s = B[i * c + q];
      for (let k = i + 1; k < m; k++) s -= L[k * m + i] * B[k * c + q];
      B[i * c + q] = s / L[i * m + i];
    }
  }
}

/**
 * R = Hᵀ Y for H (n×m) and Y (n×c), both row-major; R is m×c and is overwritten.
 * Row-wise axpy form (R[:,q] += y_rq · H[r,:]) into a channel-major scratch, so the inner loop
 * is a unit-stride sweep over the m features for up to four channels at once.
 */
export function atb(H: Float64Array, n: number, m: number, Y: Float64Array, c: number, R: Float64Array): void {
  atbImpl(H, m, null, n, Y, c, R);
}

/** Hᵀ Y over selected rows only. */
export function atbRows(H: Float64Array, m: number, rows: Int32Array, count: number, Y: Float64Array, c: number, R: Float64Array): void {
  atbImpl(H, m, rows, count, Y, c, R);
}

let scratch = new Float64Array(0);

function atbImpl(H: Float64Array, m: number, rows: Int32Array | null, count: number, Y: Float64Array, c: number, R: Float64Array): void {
  if (scratch.length < m * c) scratch = new Float64Array(m * c);
  const T = scratch; // channel-major: T[q*m + j]
  T.fill(0, 0, m * c);
  for (let q0 = 0; q0 < c; q0 += 4) {
    const nq = Math.min(4, c - q0);
    const t0 = q0 * m;
    const t1 = t0 + m;
    const t2 = t1 + m;
    const t3 = t2 + m;
    for (let i = 0; i < count; i++) {
      const r = rows ? rows[i] : i;
      const o = r * m;
      const yo = r * c + q0;
      if (nq === 1) {
        const y0 = Y[yo];
        if (y0 === 0) continue;
        for (let j = 0; j < m; j++) T[t0 + j] += H[o + j] * y0;
      } else if (nq === 2) {
        const y0 = Y[yo];
        const y1 = Y[yo + 1];
        for (let j = 0; j < m; j++) {
          const h = H[o + j];
          T[t0 + j] += h * y0;
          T[t1 + j] += h * y1;
        }
      } else if (nq === 3) {
        const y0 = Y[yo];
        const y1 = Y[yo + 1];
        const y2 = Y[yo + 2];
        for (let j = 0; j < m; j++) {
          const h = H[o + j];
          T[t0 + j] += h * y0;
          T[t1 + j] += h * y1;
          T[t2 + j] += h * y2;
        }
      } else {
        const y0 = Y[yo];
        const y1 = Y[yo + 1];
        const y2 = Y[yo + 2];
        const y3 = Y[yo + 3];
        for (let j = 0; j < m; j++) {
          const h = H[o + j];
          T[t0 + j] += h * y0;
          T[t1 + j] += h * y1;
          T[t2 + j] += h * y2;
          T[t3 + j] += h * y3;
        }
      }
    }
  }
  for (let j = 0; j < m; j++) for (let q = 0; q < c; q++) R[j * c + q] = T[q * m + j];
}

/**
 * Ridge least squares by a direct dense method, for tests: Gaussian elimination with partial
 * pivoting on (HᵀH + λI)β = HᵀY formed naively. O(n m² + m³), no blocking.
 */
export function ridgeDirect(H: Float64Array, n: number, m: number, Y: Float64Array, c: number, lambda: number): Float64Array {
  const A = new Float64Array(m * m);
  for (let j = 0; j < m; j++)
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += H[r * m + j] * H[r * m + k];
      A[j * m + k] = s + (j === k ? lambda : 0);
    }
  const B = new Float64Array(m * c);
  atb(H, n, m, Y, c, B);
  for (let col = 0; col < m; col++) {
    let p = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(A[r * m + col]) > Math.abs(A[p * m + col])) p = r;
    if (p !== col) {
      for (let k = 0; k < m; k++) [A[col * m + k], A[p * m + k]] = [A[p * m + k], A[col * m + k]];
      for (let q = 0; q < c; q++) [B[col * c + q], B[p * c + q]] = [B[p * c + q], B[col * c + q]];
    }
    const d = A[col * m + col];
    for (let r = col + 1; r < m; r++) {
      const f = A[r * m + col] / d;
      if (f === 0) continue;
      for (let k = col; k < m; k++) A[r * m + k] -= f * A[col * m + k];
      for (let q = 0; q < c; q++) B[r * c + q] -= f * B[col * c + q];
    }
  }
  for (let r = m - 1; r >= 0; r--)
    for (let q = 0; q < c; q++) {
      let s = B[r * c + q];
      for (let k = r + 1; k < m; k++) s -= A[r * m + k] * B[k * c + q];
      B[r * c + q] = s / A[r * m + r];
    }
  return B;
}
