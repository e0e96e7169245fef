/**
 * Symmetric eigendecomposition in float64 by the cyclic Jacobi method (Golub & Van Loan,
 * "Matrix Computations", 4th ed., §8.5.2, with Rutishauser's update formulas as in Numerical
 * Recipes §11.1). TF.js has no eigh (METHODS §0), and IGA needs one on the n×n empirical NTK.
 *
 * Cost: about 6n³ flops per sweep, and 6–10 sweeps for float64 convergence. Jacobi is accurate
 * in the relative sense for small eigenvalues, which matters because eNTK spectra span many
 * orders of magnitude.
 *
 * Input: `A`, n×n row-major, symmetric (only read, never modified).
 * Output: eigenvalues in DESCENDING order and the matching unit eigenvectors as the COLUMNS of
 * `vectors` (n×n row-major: component i of vector k is vectors[i*n + k]).
 */
export interface Eigen {
  values: Float64Array;
  vectors: Float64Array;
  sweeps: number;
}

export function jacobiEigen(A: ArrayLike<number>, n: number, opts: { maxSweeps?: number; tol?: number } = {}): Eigen {
  if (A.length !== n * n) throw new RangeError(`jacobiEigen: matrix has ${A.length} entries, expected ${n}×${n}`);
  const maxSweeps = opts.maxSweeps ?? 50;
  const a = new Float64Array(n * n);
  // Symmetrise defensively: (A + Aᵀ)/2.
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const d = new Float64Array(n);
  const b = new Float64Array(n);
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = b[i] = a[i * n + i];
  let sweeps = 0;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(a[i]));
  const tol = (opts.tol ?? 1e-15) * (scale || 1);
  for (; sweeps < maxSweeps; sweeps++) {
    let off = 0;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) off += Math.abs(a[p * n + q]);
    if (off <= tol * 1e-3 || off === 0) break;
    const thresh = sweeps < 3 ? (0.2 * off) / (n * n) : 0;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        const g = 100 * Math.abs(apq);
        // After 4 sweeps, skip the rotation when the off-diagonal element is negligible.
        if (sweeps > 3 && Math.abs(d[p]) + g === Math.abs(d[p]) && Math.abs(d[q]) + g === Math.abs(d[q])) {
          a[p * n + q] = 0;
          continue;
        }
        if (Math.abs(apq) <= thresh) continue;
        const h = d[q] - d[p];
        let t: number;
        if (Math.abs(h) + g === Math.abs(h)) t = apq / h;
        else {
          const theta = (0.5 * h) / apq;
          t = 1 / (Math.abs(theta) + Math.sqrt(1 + theta * theta));
          if (theta < 0) t = -t;
        }
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        const tau = s / (1 + c);
        const hh = t * apq;
        z[p] -= hh;
        z[q] += hh;
        d[p] -= hh;
        d[q] += hh;
        a[p * n + q] = 0;
        // Rotate rows/columns of the upper triangle.
        for (let j = 0; j < p; j++) rotate(a, j * n + p, j * n + q, s, tau);
        for (let j = p + 1; j < q; j++) rotate(a, p * n + j, j * n + q, s, tau);
        for (let j = q + 1; j < n; j++) rotate(a, p * n + j, q * n + j, s, tau);
        for (let j = 0; j < n; j++) rotate(v, j * n + p, j * n + q, s, tau);
      }
    }
    for (let p = 0; p < n; p++) {
      b[p] += z[p];
      d[p] = b[p];
      z[p] = 0;
    }
  }
  // Sort descending.
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const src = order[k];
    values[k] = d[src];
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + src];
  }
  return { values, vectors, sweeps };
}

function rotate(m: Float64Array, ij: number, kl: number, s: number, tau: number): void {
  const g = m[ij];
  const h = m[kl];
  m[ij] = g - s * (h + g * tau);
  m[kl] = h + s * (g - h * tau);
}
