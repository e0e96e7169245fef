/**
 * 1-D interpolation kernels for separable resampling on a regular grid. A value at position p
 * (in sample-index units: sample i sits at i) is Σ_i w(p − i) f_i over the kernel's support.
 *
 * - linear:  w(t) = 1 − |t| on |t| < 1.
 * - keys:    cubic convolution (Keys, IEEE TASSP 29(6), 1981) with a = −½ (= Catmull–Rom):
 *              |t| ≤ 1:     (a+2)|t|³ − (a+3)|t|² + 1
 *              1 < |t| < 2:  a|t|³ − 5a|t|² + 8a|t| − 4a
 *            Third-order accurate: reproduces quadratics exactly (away from the edges).
 * - lanczos3: w(t) = sinc(t)·sinc(t/3) on |t| < 3 (sinc(t) = sin(πt)/(πt)); the six weights
 *            are divided by their sum so that constants are reproduced exactly. At integer
 *            positions the weights are exactly (…, 0, 1, 0, …).
 * - bspline3: the cubic B-spline β³(t) = 2/3 − t² + |t|³/2 (|t| < 1), (2 − |t|)³/6 (1 ≤ |t| < 2),
 *            applied to prefiltered coefficients (see bspline.ts), not to the samples.
 * - nearest: the sample at round(p) (halves round up).
 */

export type KernelName = 'nearest' | 'linear' | 'keys' | 'lanczos3' | 'bspline3';

export interface Kernel {
  /** Taps per output position (2·radius; 1 for nearest). */
  taps: number;
  /** Weights for the taps i0 … i0+taps−1 around position p; returns i0. */
  weights(p: number, out: Float64Array): number;
}

const KEYS_A = -0.5;

function keys(t: number): number {
  const x = Math.abs(t);
  if (x <= 1) return ((KEYS_A + 2) * x - (KEYS_A + 3)) * x * x + 1;
  if (x < 2) return ((KEYS_A * x - 5 * KEYS_A) * x + 8 * KEYS_A) * x - 4 * KEYS_A;
  return 0;
}

function bspline3(t: number): number {
  const x = Math.abs(t);
  if (x < 1) return 2 / 3 - x * x + (x * x * x) / 2;
  if (x < 2) {
    const u = 2 - x;
    return (u * u * u) / 6;
  }
  return 0;
}

function sinc(t: number): number {
  if (t === 0) return 1;
  const x = Math.PI * t;
  return Math.sin(x) / x;
}

export function kernel(name: KernelName): Kernel {
  switch (name) {
    case 'nearest':
      return {
        taps: 1,
        weights(p, out) {
          out[0] = 1;
          return Math.floor(p + 0.5);
        },
      };
    case 'linear':
      return {
        taps: 2,
        weights(p, out) {
          const i0 = Math.floor(p);
          const t = p - i0;
          out[0] = 1 - t;
          out[1] = t;
          return i0;
        },
      };
    case 'keys':
    case 'bspline3': {
      const w = name === 'keys' ? keys : bspline3;
      return {
        taps: 4,
        weights(p, out) {
          const i0 = Math.floor(p) - 1;
          for (let k = 0; k < 4; k++) out[k] = w(p - (i0 + k));
          return i0;
        },
      };
    }
    case 'lanczos3':
      return {
        taps: 6,
        weights(p, out) {
          const f = Math.floor(p);
          const i0 = f - 2;
          if (p === f) {
            for (let k = 0; k < 6; k++) out[k] = k === 2 ? 1 : 0;
            return i0;
          }
          let sum = 0;
          for (let k = 0; k < 6; k++) {
            const t = p - (i0 + k);
            sum += out[k] = Math.abs(t) < 3 ? sinc(t) * sinc(t / 3) : 0;
          }
          for (let k = 0; k < 6; k++) out[k] /= sum;
          return i0;
        },
      };
  }
}
