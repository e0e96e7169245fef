/**
 * Normalised convolution (Knutsson & Westin, "Normalized and differential convolution", CVPR
 * 1993), zeroth order, in any number of dimensions: with the certainty m (1 = observed) and a
 * Gaussian applicability g_σ,
 *   f̂(x) = (g_σ * (m·f))(x) / (g_σ * m)(x).
 * It is smooth, reproduces constants exactly, and needs no triangulation, so it works on lines,
 * planes, volumes and time series alike (σ in sample-index units on every axis).
 *
 * Scales: σ_0 = ½·h with h = (N/M)^(1/d) the mean spacing of the M observed samples among N.
 * A hole sample takes the estimate at the first scale where the local density of observed
 * samples, ρ(x) = (g_σ * m)/(g_σ * 1), is at least a quarter of the global one (M/N); σ doubles
 * until every hole sample is filled (wide holes need wide kernels). Observed samples keep their
 * values. Beyond the array the certainty is 0 (no padding bias).
 *
 * Filtering: separable. σ ≤ 8: a Gaussian truncated at 3σ; wider: three running box filters of
 * radius r (each of variance r(r+1)/3, so r(r+1) = σ² in all), whose cost does not grow with σ.
 */
import { type ClassicalHooks, checkCancelled } from './hooks';
import { fillNearest } from './nearest';

export interface NconvOptions {
  /** First scale in samples; default ½·(N/M)^(1/d). */
  sigma?: number;
  /** Fill where the local observed density reaches this fraction of the global one (default ¼). */
  minDensity?: number;
}

export function nconvFill(
  values: Float32Array,
  C: number,
  shape: readonly number[],
  observed: Uint8Array,
  filled: Uint8Array,
  opts: NconvOptions = {},
  hooks: ClassicalHooks = {},
): void {
  const N = observed.length;
  const dims = shape.filter((s) => s > 1);
  const d = Math.max(1, dims.length);
  let M = 0;
  let todo = 0;
  for (let i = 0; i < N; i++) {
    M += observed[i];
    if (!filled[i]) todo++;
  }
  if (todo === 0 || M === 0) return;
  const rho = M / N;
  let sigma = opts.sigma ?? 0.5 * Math.pow(N / M, 1 / d);
  const minDensity = (opts.minDensity ?? 0.25) * rho;
  const maxL = Math.max(...shape);
  const num = new Float64Array(N * C);
  const den = new Float64Array(N);
  // g_σ * 1 is separable: the product over axes of the kernel mass inside the array.
  const one = new Float64Array(N);
  const total = todo;
  for (; todo > 0; sigma *= 2) {
    checkCancelled(hooks);
    hooks.onProgress?.(`normalised convolution σ=${sigma.toFixed(2)}`, 1 - todo / total);
    const last = sigma > 2 * maxL;
    for (let i = 0; i < N; i++) {
      const m = observed[i];
      den[i] = m;
      for (let c = 0; c < C; c++) num[i * C + c] = m ? values[i * C + c] : 0;
    }
    one.fill(1);
    for (let a = 0; a < shape.length; a++) {
      if (shape[a] === 1) continue;
      checkCancelled(hooks);
      blurAxis(num, shape, C, a, sigma);
      blurAxis(den, shape, 1, a, sigma);
      const mass = new Float64Array(shape[a]).fill(1);
      blurAxis(mass, [shape[a]], 1, 0, sigma);
      let inner = 1;
      for (let b = a + 1; b < shape.length; b++) inner *= shape[b];
      for (let i = 0; i < N; i++) one[i] *= mass[Math.floor(i / inner) % shape[a]];
    }
    for (let i = 0; i < N; i++) {
      if (filled[i]) continue;
      const w = den[i];
      if (!(w > 0)) continue;
      if (!last && w < minDensity * one[i]) continue;
      for (let c = 0; c < C; c++) values[i * C + c] = num[i * C + c] / w;
      filled[i] = 1;
      todo--;
    }
    if (last) break;
  }
  // Underflowed weights only (a kernel wider than the array reaches every sample).
  if (todo > 0) fillNearest(values, C, shape, observed, filled, hooks);
}

/** Separable smoothing of `data` (channel-last, `C` per sample) along axis `a`, zero outside. */
function blurAxis(data: Float64Array, shape: readonly number[], C: number, a: number, sigma: number): void {
  const L = shape[a];
  let inner = C;
  for (let b = a + 1; b < shape.length; b++) inner *= shape[b];
  const outer = data.length / (L * inner);
  const line = new Float64Array(L);
  const out = new Float64Array(L);
  const gauss = sigma <= 8;
  let taps: Float64Array | undefined;
  let R = 0;
  if (gauss) {
    R = Math.max(1, Math.ceil(3 * sigma));
    taps = new Float64Array(2 * R + 1);
    let sum = 0;
    for (let k = -R; k <= R; k++) sum += taps[k + R] = Math.exp((-k * k) / (2 * sigma * sigma));
    for (let k = 0; k < taps.length; k++) taps[k] /= sum;
  }
  // Three box passes of radius r have variance r(r+1); pick r so that the total is σ².
  const r = Math.max(1, Math.round(Math.sqrt(sigma * sigma + 0.25) - 0.5));
  if (taps && inner > C) {
    // Whole rows of `inner` contiguous values at a time: cache-friendly for the slow axes.
    const tmp = new Float64Array(L * inner);
    for (let o = 0; o < outer; o++) {
      const base = o * L * inner;
      tmp.fill(0);
      for (let p = 0; p < L; p++) {
        const k0 = Math.max(-R, -p);
        const k1 = Math.min(R, L - 1 - p);
        const dst = p * inner;
        for (let k = k0; k <= k1; k++) {
          const w = taps[k + R];
          const src = base + (p + k) * inner;
          for (let i = 0; i < inner; i++) tmp[dst + i] += w * data[src + i];
        }
      }
      data.set(tmp, base);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * L * inner + j;
      for (let q = 0; q < L; q++) line[q] = data[base + q * inner];
      if (taps) {
        for (let p = 0; p < L; p++) {
          let acc = 0;
          const k0 = Math.max(-R, -p);
          const k1 = Math.min(R, L - 1 - p);
          for (let k = k0; k <= k1; k++) acc += taps[k + R] * line[p + k];
          out[p] = acc;
        }
        for (let p = 0; p < L; p++) data[base + p * inner] = out[p];
      } else {
        for (let pass = 0; pass < 3; pass++) {
          boxLine(line, out, L, r);
          line.set(out);
        }
        for (let p = 0; p < L; p++) data[base + p * inner] = line[p];
      }
    }
  }
}

/** Running mean over [p−r, p+r] with zeros outside the line (divided by the full width). */
function boxLine(src: Float64Array, dst: Float64Array, L: number, r: number): void {
  let acc = 0;
  for (let q = 0; q <= Math.min(r, L - 1); q++) acc += src[q];
  const w = 1 / (2 * r + 1);
  for (let p = 0; p < L; p++) {
    dst[p] = acc * w;
    const add = p + r + 1;
    const sub = p - r;
    if (add < L) acc += src[add];
    if (sub >= 0) acc -= src[sub];
  }
}
