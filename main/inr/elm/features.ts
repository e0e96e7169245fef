/**
 * The frozen random hidden layer of the local ELMs, σ(W·x̂ + b), regenerated from a seed.
 * One (W, b) serves every subdomain, in local coordinates x̂ ∈ [−1, 1]^d; only the seed, the
 * frequency scale per axis and the activation are stored, never the weights.
 *
 * Draws: W[j,a] ~ N(0, ω_a²) — random Fourier features (Rahimi & Recht, 2007) when σ = sin —
 * and b_j ~ U[−π, π] for sine, U[−1, 1]·mean(ω) for tanh and Gaussian.
 */
import { Rng } from '../../core/rng';

export type Activation = 'sine' | 'tanh' | 'gauss';
export const ACTIVATIONS: readonly Activation[] = ['sine', 'tanh', 'gauss'];

export interface HiddenLayer {
  m: number;
  d: number;
  /** m×d, row-major. */
  W: Float64Array;
  b: Float64Array;
  activation: Activation;
}

export function hiddenLayer(seed: number, m: number, omega: readonly number[], activation: Activation): HiddenLayer {
  const d = omega.length;
  const rng = new Rng(seed);
  const W = new Float64Array(m * d);
  const b = new Float64Array(m);
  const meanOmega = omega.reduce((s, w) => s + w, 0) / Math.max(1, d);
  for (let j = 0; j < m; j++) {
    for (let a = 0; a < d; a++) W[j * d + a] = rng.normal() * omega[a];
    const u = 2 * rng.uniform() - 1;
    b[j] = activation === 'sine' ? Math.PI * u : meanOmega * u;
  }
  return { m, d, W, b, activation };
}

/**
 * The feature matrix H (N×m, row-major) on the tensor grid of local coordinates `coords[a]`
 * (rows in row-major order over the axes, last axis fastest). With `affine`, d + 1 more
 * columns hold the local coordinates and a constant, so affine fields are represented exactly
 * (also on supports clipped by the domain border, where the mean is not the centre value). The pre-activations are built as
 * running sums over axes, so each row costs m additions plus m activations.
 */
export function featureMatrix(layer: HiddenLayer, coords: readonly Float64Array[], affine = false): Float64Array {
  const { m: hidden, d, W, b, activation } = layer;
  const m = hidden + (affine ? d + 1 : 0);
  const counts = coords.map((c) => c.length);
  const N = counts.reduce((n, c) => n * c, 1);
  const H = new Float64Array(N * m);
  if (N === 0) return H;
  // P[a][i·hidden + j] = W[j,a]·coords[a][i]
  const P = coords.map((c, a) => {
    const p = new Float64Array(c.length * hidden);
    for (let i = 0; i < c.length; i++) for (let j = 0; j < hidden; j++) p[i * hidden + j] = W[j * d + a] * c[i];
    return p;
  });
  // partial[a] = b + Σ_{a' ≤ a} P[a'][idx[a']]
  const partial = Array.from({ length: d }, () => new Float64Array(hidden));
  const idx = new Array<number>(d).fill(0);
  const refresh = (from: number) => {
    for (let a = from; a < d; a++) {
      const prev = a === 0 ? b : partial[a - 1];
      const pa = P[a];
      const o = idx[a] * hidden;
      const out = partial[a];
      for (let j = 0; j < hidden; j++) out[j] = prev[j] + pa[o + j];
    }
  };
  refresh(0);
  const last = partial[d - 1];
  for (let r = 0; r < N; r++) {
    const o = r * m;
    switch (activation) {
      case 'sine':
        for (let j = 0; j < hidden; j++) H[o + j] = Math.sin(last[j]);
        break;
      case 'tanh':
        for (let j = 0; j < hidden; j++) H[o + j] = Math.tanh(last[j]);
        break;
      case 'gauss':
        for (let j = 0; j < hidden; j++) H[o + j] = Math.exp(-0.5 * last[j] * last[j]);
        break;
    }
    if (affine) {
      for (let a = 0; a < d; a++) H[o + hidden + a] = coords[a][idx[a]];
      H[o + hidden + d] = 1;
    }
    // Advance the odometer and refresh the partial sums from the axis that changed.
    let a = d - 1;
    while (a >= 0) {
      idx[a]++;
      if (idx[a] < counts[a]) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) break;
    refresh(a);
  }
  return H;
}
