/**
 * Scattered interpolation in 1-D (a signal with one axis longer than 1): the observed samples
 * x_0 < … < x_{m−1} along the line, the others filled.
 *
 * - 'linear': f(x) = f_k + (x − x_k)(f_{k+1} − f_k)/(x_{k+1} − x_k) on [x_k, x_{k+1}].
 * - 'cubic':  the natural cubic spline through the observed samples (f'' = 0 at both ends). It
 *   is the C¹ piecewise cubic of least ∫ f''², i.e. the 1-D case of the minimum-curvature
 *   principle behind the Clough–Tocher gradients. Second derivatives M_k from the tridiagonal
 *   system h_{k−1}M_{k−1} + 2(h_{k−1}+h_k)M_k + h_k M_{k+1} = 6(δ_k − δ_{k−1}) (δ_k the slopes),
 *   solved by the Thomas algorithm.
 * Beyond the first and last observed samples both hold the nearest observed value.
 */

export type LineMethod = 'linear' | 'cubic';

/** Fill the unobserved samples of a 1-D signal of length L (values channel-last, C channels). */
export function fillLine(method: LineMethod, values: Float32Array, C: number, L: number, observed: Uint8Array): void {
  const xs: number[] = [];
  for (let i = 0; i < L; i++) if (observed[i]) xs.push(i);
  const m = xs.length;
  if (m === 0) return;
  const first = xs[0];
  const last = xs[m - 1];
  for (let i = 0; i < first; i++) for (let c = 0; c < C; c++) values[i * C + c] = values[first * C + c];
  for (let i = last + 1; i < L; i++) for (let c = 0; c < C; c++) values[i * C + c] = values[last * C + c];
  if (m < 2) return;
  if (method === 'linear' || m === 2) {
    for (let k = 0; k + 1 < m; k++) {
      const x0 = xs[k];
      const x1 = xs[k + 1];
      for (let x = x0 + 1; x < x1; x++) {
        const t = (x - x0) / (x1 - x0);
        for (let c = 0; c < C; c++) values[x * C + c] = (1 - t) * values[x0 * C + c] + t * values[x1 * C + c];
      }
    }
    return;
  }
  const M = new Float64Array(m);
  const diag = new Float64Array(m);
  const rhs = new Float64Array(m);
  for (let c = 0; c < C; c++) {
    // Interior equations k = 1 … m−2 with M_0 = M_{m−1} = 0 (Thomas: forward sweep, back solve).
    for (let k = 1; k < m - 1; k++) {
      const h0 = xs[k] - xs[k - 1];
      const h1 = xs[k + 1] - xs[k];
      const d0 = (values[xs[k] * C + c] - values[xs[k - 1] * C + c]) / h0;
      const d1 = (values[xs[k + 1] * C + c] - values[xs[k] * C + c]) / h1;
      diag[k] = 2 * (h0 + h1);
      rhs[k] = 6 * (d1 - d0);
      if (k > 1) {
        const w = h0 / diag[k - 1];
        diag[k] -= w * h0;
        rhs[k] -= w * rhs[k - 1];
      }
    }
    M[0] = 0;
    M[m - 1] = 0;
    for (let k = m - 2; k >= 1; k--) M[k] = (rhs[k] - (k + 1 < m - 1 ? (xs[k + 1] - xs[k]) * M[k + 1] : 0)) / diag[k];
    for (let k = 0; k + 1 < m; k++) {
      const x0 = xs[k];
      const x1 = xs[k + 1];
      const h = x1 - x0;
      const y0 = values[x0 * C + c];
      const y1 = values[x1 * C + c];
      for (let x = x0 + 1; x < x1; x++) {
        const a = (x1 - x) / h;
        const b = (x - x0) / h;
        values[x * C + c] = a * y0 + b * y1 + ((a * a * a - a) * M[k] + (b * b * b - b) * M[k + 1]) * ((h * h) / 6);
      }
    }
  }
}
