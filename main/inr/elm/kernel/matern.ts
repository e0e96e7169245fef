/**
 * The Matérn covariances of the kernel-limit ELM (kernel/fit.ts): the limit m → ∞ of random
 * sine features whose frequencies follow a Student-t law (features.ts, `nu`), as in the kernel
 * ELM of Huang et al. ("Extreme learning machine for regression and multiclass
 * classification", IEEE TSMC-B 42(2), 2012), where the output layer is solved against the
 * kernel matrix Ω_ij = K(x_i, x_j) instead of random features.
 *
 * One axis, r in units of the length scale ℓ (Rasmussen & Williams, GPML, 2006, eq. 4.17):
 *   ν = ½: e^{−r};  ν = 3⁄2: (1 + √3 r) e^{−√3 r};  ν = 5⁄2: (1 + √5 r + 5r²/3) e^{−√5 r}.
 * The d-dimensional kernel is the product over axes (a separable kernel), so a fully observed
 * tensor-grid support has a Kronecker-product covariance (tensor.ts).
 *
 * Pixels. A sample may be a point value or the average of the signal over its pixel
 * [p − h, p + h] (a sensor integrates its area; a block-averaged image is exactly this). The
 * covariance of two such averages is the kernel averaged over both intervals; it is computed by
 * the midpoint rule on sub-points that nest (an output pixel's points are a subset of the input
 * pixel's when the output grid is K times finer), so a K-times-finer output pixel averaged K at
 * a time reproduces the input pixel's covariance exactly.
 */
export type Smoothness = 0.5 | 1.5 | 2.5;

export function matern(r: number, nu: number): number {
  const a = Math.abs(r);
  if (nu === 0.5) return Math.exp(-a);
  if (nu === 1.5) {
    const t = 1.7320508075688772 * a;
    return (1 + t) * Math.exp(-t);
  }
  const t = 2.23606797749979 * a;
  return (1 + t + (t * t) / 3) * Math.exp(-t);
}

/** Midpoint sub-points of a pixel of half-width h (offsets from its centre); one point for h = 0. */
export function pixelPoints(h: number, perUnit: number): Float64Array {
  if (!(h > 0)) return new Float64Array([0]);
  const n = Math.max(1, Math.round(2 * h * perUnit));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = -h + ((i + 0.5) * 2 * h) / n;
  return out;
}

/** Covariance of two pixel averages (sub-points `pa`, `pb`) whose centres are `delta` apart. */
export function pixelCov(delta: number, pa: Float64Array, pb: Float64Array, ell: number, nu: number): number {
  let s = 0;
  for (let i = 0; i < pa.length; i++) for (let j = 0; j < pb.length; j++) s += matern((delta + pa[i] - pb[j]) / ell, nu);
  return s / (pa.length * pb.length);
}

/**
 * Sub-points per unit length for input pixels of half-width `hIn` and output pixels of
 * half-width `hOut`: a multiple of the ratio when it is a whole number, so the points nest.
 */
export function pointsPerUnit(hIn: number, hOut: number): number {
  if (!(hIn > 0)) return 1;
  if (!(hOut > 0)) return 8;
  const k = hIn / hOut;
  const K = Math.round(k);
  if (K >= 1 && Math.abs(k - K) < 1e-9) return (K * Math.max(1, Math.ceil(8 / K))) / (2 * hIn);
  return 8 / (2 * hIn);
}
