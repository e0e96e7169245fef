/**
 * The frozen random hidden layer of the local ELMs, σ(W·x̂ + b), regenerated from a seed.
 * One (W, b) serves every subdomain, in local coordinates x̂ ∈ [−1, 1]^d; only the seed, the
 * frequency scale per axis and the activation are stored, never the weights.
 *
 * Draws: W[j,a] ~ N(0, ω_a²) — random Fourier features (Rahimi & Recht, 2007) when σ = sin —
 * and b_j ~ U[−π, π] for sine, U[−1, 1]·mean(ω) for tanh and Gaussian.
 *
 * With a Matérn smoothness ν (half-integer), each row is W[j,:] = (z_j ∘ ω)/√(u_j/2ν) with
 * z_j ~ N(0, I) and u_j ~ χ²_{2ν}: a multivariate Student-t with 2ν degrees of freedom, which is
 * the spectral density of the Matérn-ν kernel, ∝ (2ν + |w/ω|²)^−(ν + d/2) (Rasmussen &
 * Williams, "Gaussian Processes for Machine Learning", 2006, §4.2.1). Its power-law tail gives a
 * few features far above ω next to many near it — natural images' spectra fall as a power law,
 * which the Gaussian's exp(−|w|²/2ω²) does not follow. The draws for ν = undefined are unchanged.
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

export function hiddenLayer(seed: number, m: number, omega: readonly number[], activation: Activation, nu?: number): HiddenLayer {
  const d = omega.length;
  const rng = new Rng(seed);
  const W = new Float64Array(m * d);
  const b = new Float64Array(m);
  const meanOmega = omega.reduce((s, w) => s + w, 0) / Math.max(1, d);
  const dof = nu === undefined ? 0 : Math.max(1, Math.round(2 * nu));
  for (let j = 0; j < m; j++) {
    for (let a = 0; a < d; a++) W[j * d + a] = rng.normal() * omega[a];
    const u = 2 * rng.uniform() - 1;
    b[j] = activation === 'sine' ? Math.PI * u : meanOmega * u;
    if (dof) {
      let chi = 0;
      for (let k = 0; k < dof; k++) {
        const z = rng.normal();
        chi += z * z;
      }
      const s = 1 / Math.sqrt(Math.max(chi, 1e-12) / dof);
      for (let a = 0; a < d; a++) W[j * d + a] *= s;
    }
  }
  return { m, d, W, b, activation };
}

/**
 * The same nodes ordered by the length of their frequency vector |W_j|, lowest first, so that the
 * first k of them are the k lowest-frequency draws: a nested family where a cell with fewer nodes
 * (per-cell capacity, model.ts `cellHidden`) resolves fewer frequencies, as the default scale
 * ω ∝ m^(1/d) says a layer of k nodes should. On Colin27's tissue mask at 1 % of the voxels (a
 * numpy prototype, least squares, the same per-cell sizes) the ordered prefixes reached IoU 0.936
 * against 0.922 for the draws in their own order and 0.930 for a separate layer per size.
 */
export function byFrequency(layer: HiddenLayer): HiddenLayer {
  const { m, d, W, b } = layer;
  const norm = (j: number) => {
    let s = 0;
    for (let a = 0; a < d; a++) s += W[j * d + a] * W[j * d + a];
    return s;
  };
  const order = Array.from({ length: m }, (_, j) => j).sort((p, q) => norm(p) - norm(q) || p - q);
  const W2 = new Float64Array(m * d);
  const b2 = new Float64Array(m);
  order.forEach((j, i) => {
    for (let a = 0; a < d; a++) W2[i * d + a] = W[j * d + a];
    b2[i] = b[j];
  });
  return { ...layer, W: W2, b: b2 };
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

/** sin t / t, 1 at 0. */
export function sinc(t: number): number {
  return Math.abs(t) < 1e-8 ? 1 - (t * t) / 6 : Math.sin(t) / t;
}

/**
 * The factor by which averaging over a box turns each sine feature into itself: the mean of
 * sin(w·x + b) over x ∈ Π_a [x_a − h_a, x_a + h_a] is sin(w·x + b)·Π_a sinc(w_a·h_a) (a product
 * of one-dimensional averages ∫sin(w t + c)dt/2h = sin(c)·sin(w h)/(w h)). `halfWidths` are in
 * local units per axis. An affine feature averages to its centre value (factor 1), so only the
 * `m` hidden columns get a factor. Sine features only; others return undefined.
 */
export function boxFactors(layer: HiddenLayer, halfWidths: readonly number[]): Float64Array | undefined {
  if (layer.activation !== 'sine' || halfWidths.every((h) => !(h > 0))) return undefined;
  const { m, d, W } = layer;
  const f = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let v = 1;
    for (let a = 0; a < d; a++) v *= sinc(W[j * d + a] * halfWidths[a]);
    f[j] = v;
  }
  return f;
}

/** Multiply the first factors.length columns of H (N × cols) by `factors`, in place. */
export function scaleColumns(H: Float64Array, cols: number, factors: Float64Array): void {
  const N = H.length / cols;
  for (let r = 0; r < N; r++) {
    const o = r * cols;
    for (let j = 0; j < factors.length; j++) H[o + j] *= factors[j];
  }
}
