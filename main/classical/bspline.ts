/**
 * Cubic B-spline interpolation coefficients along a line (Unser, Aldroubi & Eden, "B-spline
 * signal processing", IEEE TSP 41 (1993); Thévenaz, Blu & Unser, "Interpolation revisited",
 * IEEE TMI 19 (2000)). The samples s are interpolated by Σ c_k β³(x − k) when c is s filtered by
 * 6/(z + 4 + 1/z), i.e. one causal and one anti-causal first-order recursion with the pole
 * z₁ = √3 − 2:
 *   c⁺_k = 6 s_k + z₁ c⁺_{k−1},   c_k = z₁ (c_{k+1} − c⁺_k),
 * started for the mirror extension s_{−k} = s_k, s_{L−1+k} = s_{L−1−k} (whole-sample symmetric):
 *   c⁺_0 = Σ_k z₁^k 6 s_k over the mirrored signal (exact for short lines, truncated at z₁^k < 1e−17),
 *   c_{L−1} = z₁/(z₁² − 1) · (c⁺_{L−1} + z₁ c⁺_{L−2}).
 * The evaluation then uses the same mirror extension for the coefficients (mirrorIndex).
 */
const Z1 = Math.sqrt(3) - 2;
const HORIZON = Math.ceil(Math.log(1e-17) / Math.log(Math.abs(Z1)));

/** In place: samples line[0…L−1] → B-spline coefficients. */
export function bsplinePrefilter(line: Float64Array, L: number): void {
  if (L === 1) return;
  const z = Z1;
  for (let k = 0; k < L; k++) line[k] *= 6;
  let c0 = 0;
  if (L > HORIZON) {
    let zk = 1;
    for (let k = 0; k < HORIZON; k++, zk *= z) c0 += zk * line[k];
  } else {
    // Mirrored signal of period 2L−2: Σ_{k=0}^{2L−3} z^k s_mirror(k) / (1 − z^(2L−2)).
    const P = 2 * L - 2;
    let zk = 1;
    for (let k = 0; k < P; k++, zk *= z) c0 += zk * line[k < L ? k : P - k];
    c0 /= 1 - zk;
  }
  line[0] = c0;
  for (let k = 1; k < L; k++) line[k] += z * line[k - 1];
  line[L - 1] = (z / (z * z - 1)) * (line[L - 1] + z * line[L - 2]);
  for (let k = L - 2; k >= 0; k--) line[k] = z * (line[k + 1] - line[k]);
}

/** Whole-sample mirror of index i into 0…L−1. */
export function mirrorIndex(i: number, L: number): number {
  if (L === 1) return 0;
  const P = 2 * L - 2;
  i = ((i % P) + P) % P;
  return i < L ? i : P - i;
}
