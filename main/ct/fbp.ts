/**
 * Filtered back-projection (FBP) for the parallel-beam geometry of radon.ts.
 *
 * Inversion formula (Kak & Slaney, "Principles of Computerized Tomographic Imaging", 1988, §3.3):
 *   f(x, y) = ∫₀^π Q_θ(x·cosθ + y·sinθ) dθ,   Q_θ = p_θ ⊛ h,   ĥ(w) = |w| (w in cycles per unit).
 * Discretely (detector spacing τ = 1 pixel), the band-limited ramp kernel is sampled in space,
 *   h(0) = 1/4,  h(n) = 0 for even n ≠ 0,  h(n) = −1/(π n)² for odd n,
 * which avoids the DC error of sampling |w| directly; its DFT (zero-padded to P ≥ 2·bins, a power
 * of two, so the circular convolution is linear) is multiplied by a window of the frequency
 * f ∈ [−½, ½] cycles/bin:
 *   ramp (Ram-Lak): 1;  shepp-logan: sin(πf)/(πf);  cosine: cos(πf);  hann: (1 + cos 2πf)/2,
 * as scikit-image's `iradon` filters. The filtered views are back-projected by linear
 * interpolation at each pixel's s (radon.ts `backprojectInterp`), each weighted by its angular
 * share Δθ (π/N for N views over 180°; limited or irregular scans use half the gaps to the
 * neighbouring views, a gap never counting for more than the median step). Sinograms in
 * physical units (pixelSize per pixel) are divided by the pixel size first, so FBP(A·x) ≈ x in
 * image units.
 */
import { InrError } from '../core/errors';
import { fft, nextPowerOfTwo } from '../inr/elm/beam/fft';
import { backprojectInterp, type ParallelGeometry } from './radon';

export const FBP_FILTERS = ['ramp', 'shepp-logan', 'cosine', 'hann'] as const;
export type FbpFilter = (typeof FBP_FILTERS)[number];

export function parseFbpFilter(name: string): FbpFilter {
  const n = name.trim().toLowerCase().replace(/[_ ]/g, '-');
  const alias: Record<string, FbpFilter> = { 'ram-lak': 'ramp', ramlak: 'ramp', shepplogan: 'shepp-logan', hanning: 'hann' };
  const f = (alias[n] ?? n) as FbpFilter;
  if (!FBP_FILTERS.includes(f)) throw new InrError('E_ARG', `unknown FBP filter '${name}' (choose ${FBP_FILTERS.join(', ')})`);
  return f;
}

/** Frequency response (length P, DFT order) of the windowed ramp filter. */
export function fbpFilterResponse(P: number, filter: FbpFilter): Float64Array {
  const re = new Float64Array(P);
  const im = new Float64Array(P);
  re[0] = 0.25;
  for (let n = 1; n < P / 2; n += 2) {
    const v = -1 / (Math.PI * n) ** 2;
    re[n] = v;
    re[P - n] = v;
  }
  fft(re, im);
  const out = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    const f = (k <= P / 2 ? k : k - P) / P;
    let w = 1;
    if (filter === 'shepp-logan') w = f === 0 ? 1 : Math.sin(Math.PI * f) / (Math.PI * f);
    else if (filter === 'cosine') w = Math.cos(Math.PI * f);
    else if (filter === 'hann') w = 0.5 * (1 + Math.cos(2 * Math.PI * f));
    out[k] = re[k] * w;
  }
  return out;
}

/**
 * Angular weights Δθ_v of the views (radians): half the gaps to the neighbouring views modulo π,
 * each gap capped at the median gap so that a missing range (limited angle) is not filled in.
 */
export function angularWeights(angles: ArrayLike<number>): Float64Array {
  const V = angles.length;
  const w = new Float64Array(V);
  if (V === 1) {
    w[0] = Math.PI;
    return w;
  }
  const mod = Array.from({ length: V }, (_, v) => ({ v, a: ((angles[v] % Math.PI) + Math.PI) % Math.PI }));
  mod.sort((a, b) => a.a - b.a);
  const gaps = mod.map((m, i) => (i + 1 < V ? mod[i + 1].a - m.a : mod[0].a + Math.PI - m.a));
  const sorted = [...gaps].sort((a, b) => a - b);
  const positive = sorted.filter((g) => g > 1e-12);
  const median = positive.length ? positive[Math.floor(positive.length / 2)] : Math.PI / V;
  for (let i = 0; i < V; i++) {
    const prev = gaps[(i - 1 + V) % V];
    const next = gaps[i];
    w[mod[i].v] = 0.5 * (Math.min(prev, median) + Math.min(next, median));
  }
  return w;
}

export interface FbpOptions {
  filter?: FbpFilter;
  /** Per-view weights (default `angularWeights`). */
  weights?: ArrayLike<number>;
}

/** Filter every view of the sinogram (views × bins) with the windowed ramp; returns a new array. */
function filterSinogram(g: ParallelGeometry, sinogram: ArrayLike<number>, filter: FbpFilter = 'ramp'): Float64Array {
  const nd = g.detectors;
  const V = g.angles.length;
  if (sinogram.length !== V * nd) throw new InrError('E_ARG', `the sinogram has ${sinogram.length} values, the geometry needs ${V}×${nd}`);
  const P = nextPowerOfTwo(Math.max(64, 2 * nd));
  const H = fbpFilterResponse(P, filter);
  const re = new Float64Array(P);
  const im = new Float64Array(P);
  const out = new Float64Array(V * nd);
  const inv = 1 / g.pixelSize;
  for (let v = 0; v < V; v++) {
    re.fill(0);
    im.fill(0);
    for (let k = 0; k < nd; k++) re[k] = sinogram[v * nd + k] * inv;
    fft(re, im);
    // Multiply by the real response, then invert: ifft(X) = conj(fft(conj(X)))/P.
    for (let k = 0; k < P; k++) {
      re[k] *= H[k];
      im[k] = -im[k] * H[k];
    }
    fft(re, im);
    for (let k = 0; k < nd; k++) out[v * nd + k] = re[k] / P;
  }
  return out;
}

/** Filtered back-projection of a sinogram (views × bins) onto the geometry's H×W grid. */
export function fbp(g: ParallelGeometry, sinogram: ArrayLike<number>, opts: FbpOptions = {}): Float64Array {
  const q = filterSinogram(g, sinogram, opts.filter ?? 'ramp');
  const w = opts.weights ?? angularWeights(g.angles);
  if (w.length !== g.angles.length) throw new InrError('E_ARG', `${w.length} view weights for ${g.angles.length} views`);
  return backprojectInterp(g, q, w);
}
