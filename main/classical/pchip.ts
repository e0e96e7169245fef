/**
 * Monotone piecewise cubic Hermite interpolation (PCHIP: Fritsch & Carlson, SIAM J. Numer.
 * Anal. 17 (1980); the end rule of Moler, "Numerical Computing with MATLAB", §3.4) on unit-
 * spaced samples. With the slopes δ_k = y_{k+1} − y_k:
 *   interior: d_k = 0 where δ_{k−1}, δ_k differ in sign or one is 0, else the harmonic mean
 *             d_k = 2 / (1/δ_{k−1} + 1/δ_k) (the weighted harmonic mean for equal spacing);
 *   ends:     d_0 = (3δ_0 − δ_1)/2, set to 0 if its sign differs from δ_0's, and to 3δ_0 if δ_0
 *             and δ_1 differ in sign and |d_0| > 3|δ_0| (likewise at the other end).
 * The cubic Hermite piece on [k, k+1] keeps the data's monotonicity: no overshoot at edges,
 * which matters for through-plane resampling of CT (no ringing at bone/air boundaries).
 */

/** Derivatives d[0…L−1] of the PCHIP through y[0…L−1] (L ≥ 2). */
export function pchipDerivatives(y: Float64Array, L: number, d: Float64Array): void {
  if (L === 2) {
    d[0] = d[1] = y[1] - y[0];
    return;
  }
  for (let k = 1; k < L - 1; k++) {
    const a = y[k] - y[k - 1];
    const b = y[k + 1] - y[k];
    d[k] = a * b <= 0 ? 0 : 2 / (1 / a + 1 / b);
  }
  d[0] = endSlope(y[1] - y[0], y[2] - y[1]);
  d[L - 1] = endSlope(y[L - 1] - y[L - 2], y[L - 2] - y[L - 3]);
}

function endSlope(d0: number, d1: number): number {
  let s = (3 * d0 - d1) / 2;
  if (Math.sign(s) !== Math.sign(d0)) s = 0;
  else if (Math.sign(d0) !== Math.sign(d1) && Math.abs(s) > Math.abs(3 * d0)) s = 3 * d0;
  return s;
}

/** The cubic Hermite piece with end values y0, y1 and slopes d0, d1 on a unit interval, at t ∈ [0, 1]. */
export function hermite(y0: number, y1: number, d0: number, d1: number, t: number): number {
  const t2 = t * t;
  const t3 = t2 * t;
  return (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * d0 + (-2 * t3 + 3 * t2) * y1 + (t3 - t2) * d1;
}
