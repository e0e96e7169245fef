/**
 * The local spectral Barron norm of a subdomain, estimated from its samples (METHODS.md §2.2,
 * §2.4).
 *
 * Barron (1993) measures the complexity of f by C_f = ∫ |ω|·|f̂(ω)| dω: n sigmoidal (or, for
 * random Fourier features, in expectation n sinusoidal) units reach L² error² ≲ (2 r C_f)²/n on a
 * ball of radius r. A local ELM sees its subdomain in local coordinates x̂ ∈ [−1, 1]^d (mesh.ts),
 * so the relevant quantity is the norm of the cell's signal *in local units*. For f_h(y) =
 * f(c + h·y), C_{f_h} = h·C_f: halving a cell of a stationary band-limited signal halves its
 * local norm, which is the lever BEAM pulls.
 *
 * Discrete estimator, per channel, on a box of N = Π N_a samples:
 *   1. r = y − (a + Σ_a b_a·x_a): remove the least-squares affine part. The local models carry
 *      the affine columns (features.ts), so a ramp costs them nothing; the mean alone is removed
 *      when `detrend` is off. Unobserved samples are set to the fitted affine value (r = 0).
 *   2. r ← r·w, with the periodic Hann window w(x) = Π_a ½(1 − cos(2π n_a/N_a)) along every axis
 *      with N_a ≥ 4; without it the jump of the periodic extension at the box edges would add
 *      spurious high frequencies (§2.4 step 2).
 *   3. F_k = DFT(r)_k / N  (separable N-D FFT, fft.ts).
 *      The periodic Hann window spreads each spectral line over 3 bins per axis with relative
 *      weights ½, 1, ½ and total 2 per axis, while Σ w = N/2^d: dividing by N (rather than Σw)
 *      makes a pure tone's ℓ¹ mass Σ|F_k| equal its amplitude, so a·cos(π k₀ x̂) gives exactly
 *      a·π·k₀ in 1-D (the three bins' |ω| average to π·k₀).
 *   4. ω_{k,a} = π·k̃_a·S_a/N_a radians per local unit, with k̃_a the signed bin index and S_a the
 *      support width in samples (S_a/2 samples per local unit; ω = π·k̃ when the box is the
 *      whole support, §2.4 step 4).
 *   5. B̂ = Σ_k |ω_k|^s·|F_k|, s = 1 (Barron); bins with |F_k| below `floor`·max|F| are dropped
 *      (a noise floor, §2.4 step 7; off by default).
 * Channels are combined by their maximum: the channels share one hidden layer and one mesh, and
 * the worst channel decides how fine the cell must be (`combine: 'sum'` adds them instead).
 *
 * Only cells processed identically are compared (same window, same detrending), as §2.4 warns.
 *
 * `barronNorm` is the estimator on one box of samples; the mesh construction runs the same
 * estimator on thousands of boxes at once, reading them straight from the field (norms.ts
 * `boxNorms`, equal to this one up to rounding).
 */
import { fftNd } from './fft';

export interface BarronOptions {
  /** Exponent s of |ω| (1 = Barron's C_f; 0 = the ℓ¹ norm of the spectrum). */
  order?: number;
  /** Remove the least-squares affine part first (default true); else only the mean. */
  detrend?: boolean;
  /** How channels combine: 'max' (default) or 'sum'. */
  combine?: 'max' | 'sum';
  /** Drop bins with |F| < floor·max|F| (per channel). Default 0. */
  floor?: number;
}

/** Scratch reused between calls (the estimator runs on thousands of small boxes). */
let scratchRe = new Float64Array(0);
let scratchIm = new Float64Array(0);

function scratch(n: number): [Float64Array, Float64Array] {
  if (scratchRe.length < n) {
    scratchRe = new Float64Array(n);
    scratchIm = new Float64Array(n);
  }
  return [scratchRe.subarray(0, n), scratchIm.subarray(0, n)];
}

/** Periodic Hann along one axis (rectangular when n < 4). */
function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  if (n < 4) return w.fill(1);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** Per-bin angular frequency along one axis, in radians per local unit: π·k̃·S/N. */
function axisOmega(n: number, support: number): Float64Array {
  const o = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const signed = k <= n / 2 ? k : k - n;
    o[k] = (Math.PI * signed * support) / n;
  }
  return o;
}

/** Tables that depend only on the box dimensions and support: window, |ω|^s and the index of −k per bin. */
export interface Tables {
  window: Float64Array;
  weight: Float64Array;
  neg: Int32Array;
}

const tableCache = new Map<string, Tables>();

export function tables(dims: readonly number[], support: readonly number[], order: number): Tables {
  const key = `${dims.join(',')}|${support.join(',')}|${order}`;
  let t = tableCache.get(key);
  if (t) return t;
  const N = dims.reduce((a, b) => a * b, 1);
  const windows = dims.map(hann);
  const omegas = dims.map((n, a) => axisOmega(n, support[a]));
  const window = new Float64Array(N);
  const weight = new Float64Array(N);
  const neg = new Int32Array(N);
  const idx = dims.map(() => 0);
  for (let i = 0; i < N; i++) {
    let w = 1;
    let o2 = 0;
    let j = 0;
    for (let a = 0; a < dims.length; a++) {
      w *= windows[a][idx[a]];
      o2 += omegas[a][idx[a]] * omegas[a][idx[a]];
      j = j * dims[a] + ((dims[a] - idx[a]) % dims[a]);
    }
    window[i] = w;
    weight[i] = order === 1 ? Math.sqrt(o2) : Math.pow(Math.sqrt(o2), order);
    neg[i] = j;
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  t = { window, weight, neg };
  if (tableCache.size > 256) tableCache.clear();
  tableCache.set(key, t);
  return t;
}

/**
 * Least-squares affine fit a + Σ b_a·x_a of one channel over the observed samples, returned as
 * the coefficients [b_0 … b_{d−1}, a] (x_a = sample index along axis a). Falls back to the mean
 * when the normal equations are singular (too few observed samples).
 */
function affineFit(block: ArrayLike<number>, dims: readonly number[], C: number, c: number, observed: Uint8Array | undefined, detrend: boolean): Float64Array {
  const d = dims.length;
  const p = d + 1;
  if (!observed) return affineFitFull(block, dims, C, c, detrend);
  const A = new Float64Array(p * p);
  const r = new Float64Array(p);
  const x = new Float64Array(p);
  const idx = dims.map(() => 0);
  const N = dims.reduce((a, b) => a * b, 1);
  let count = 0;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    if (!observed || observed[i]) {
      const y = block[i * C + c];
      count++;
      sum += y;
      if (detrend) {
        for (let a = 0; a < d; a++) x[a] = idx[a] - (dims[a] - 1) / 2;
        x[d] = 1;
        for (let j = 0; j < p; j++) {
          r[j] += x[j] * y;
          for (let k = 0; k < p; k++) A[j * p + k] += x[j] * x[k];
        }
      }
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  const coef = new Float64Array(p);
  const mean = count ? sum / count : 0;
  coef[d] = mean;
  if (!detrend || count <= p) return coef;
  // Axes one sample thick carry no slope: pin their coefficient to zero.
  for (let a = 0; a < d; a++) if (dims[a] === 1) A[a * p + a] = 1;
  // Gaussian elimination with partial pivoting on the (d+1)×(d+1) normal equations.
  for (let col = 0; col < p; col++) {
    let piv = col;
    for (let i = col + 1; i < p; i++) if (Math.abs(A[i * p + col]) > Math.abs(A[piv * p + col])) piv = i;
    if (!(Math.abs(A[piv * p + col]) > 1e-9 * count)) return coef; // singular: mean only
    if (piv !== col) {
      for (let k = 0; k < p; k++) [A[col * p + k], A[piv * p + k]] = [A[piv * p + k], A[col * p + k]];
      [r[col], r[piv]] = [r[piv], r[col]];
    }
    for (let i = col + 1; i < p; i++) {
      const f = A[i * p + col] / A[col * p + col];
      for (let k = col; k < p; k++) A[i * p + k] -= f * A[col * p + k];
      r[i] -= f * r[col];
    }
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = r[i];
    for (let k = i + 1; k < p; k++) s -= A[i * p + k] * coef[k];
    coef[i] = s / A[i * p + i];
  }
  // Return in "index" form: the constant absorbs the centring.
  let shift = 0;
  for (let a = 0; a < d; a++) shift += coef[a] * ((dims[a] - 1) / 2);
  coef[d] -= shift;
  return coef;
}

/**
 * The same fit on a full box: centred index coordinates are orthogonal there, so
 * b_a = Σ (x_a − x̄_a)·y / Σ (x_a − x̄_a)² and a = ȳ − Σ b_a·x̄_a.
 */
function affineFitFull(block: ArrayLike<number>, dims: readonly number[], C: number, c: number, detrend: boolean): Float64Array {
  const d = dims.length;
  const N = dims.reduce((a, b) => a * b, 1);
  const coef = new Float64Array(d + 1);
  const num = new Float64Array(d);
  const idx = dims.map(() => 0);
  const nl = dims[d - 1];
  const xl = (nl - 1) / 2;
  let sum = 0;
  for (let i = 0; i < N;) {
    // One line along the last axis.
    let rs = 0;
    let rx = 0;
    for (let j = 0; j < nl; j++, i++) {
      const y = block[i * C + c];
      rs += y;
      rx += (j - xl) * y;
    }
    sum += rs;
    num[d - 1] += rx;
    if (detrend) for (let a = 0; a < d - 1; a++) num[a] += (idx[a] - (dims[a] - 1) / 2) * rs;
    for (let a = d - 2; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  coef[d] = sum / N;
  if (!detrend) return coef;
  for (let a = 0; a < d; a++) {
    const n = dims[a];
    if (n < 2) continue;
    // Σ over the box of (x − x̄)² = (N/n)·n(n²−1)/12.
    const den = (N * (n * n - 1)) / 12;
    coef[a] = num[a] / den;
    coef[d] -= coef[a] * ((n - 1) / 2);
  }
  return coef;
}

/**
 * B̂ of a box of samples (row-major over `dims`, `C` channels channel-last) whose support is
 * `support[a]` samples wide along axis a (see the file comment). `observed` (optional, one flag
 * per sample) marks the samples that may be used.
 */
export function barronNorm(block: ArrayLike<number>, dims: readonly number[], C: number, support: readonly number[], opts: BarronOptions = {}, observed?: Uint8Array): number {
  const order = opts.order ?? 1;
  const detrend = opts.detrend ?? true;
  const combine = opts.combine ?? 'max';
  const floor = opts.floor ?? 0;
  const N = dims.reduce((a, b) => a * b, 1);
  if (N === 0) return 0;
  const { window, weight, neg } = tables(dims, support, order);
  const [re, im] = scratch(N);
  let total = 0;
  // Two real channels per complex transform: z = r₁ + i·r₂ gives
  // X₁(k) = (Z(k) + conj Z(−k))/2 and X₂(k) = (Z(k) − conj Z(−k))/(2i).
  for (let c = 0; c < C; c += 2) {
    const pair = c + 1 < C;
    writeResidual(block, dims, C, c, observed, detrend, window, re);
    if (pair) writeResidual(block, dims, C, c + 1, observed, detrend, window, im);
    else im.fill(0);
    fftNd(re, im, dims);
    spectrumMass(re, im, weight, neg, floor, pair, mass);
    total = combine === 'max' ? Math.max(total, mass[0] / N) : total + mass[0] / N;
    if (pair) total = combine === 'max' ? Math.max(total, mass[1] / N) : total + mass[1] / N;
  }
  return total;
}

const mass = new Float64Array(2);

/** Channel c's detrended, windowed residual (0 at unobserved or non-finite samples) into `out`. */
function writeResidual(
  block: ArrayLike<number>,
  dims: readonly number[],
  C: number,
  c: number,
  observed: Uint8Array | undefined,
  detrend: boolean,
  window: Float64Array,
  out: Float64Array,
): void {
  const d = dims.length;
  const N = out.length;
  const nl = dims[d - 1];
  const coef = affineFit(block, dims, C, c, observed, detrend);
  const sl = coef[d - 1];
  const idx = new Array<number>(d).fill(0);
  for (let i = 0; i < N;) {
    let base = coef[d];
    for (let a = 0; a < d - 1; a++) base += coef[a] * idx[a];
    if (observed) {
      for (let j = 0; j < nl; j++, i++) {
        const y = block[i * C + c];
        out[i] = observed[i] && Number.isFinite(y) ? (y - base - sl * j) * window[i] : 0;
      }
    } else {
      for (let j = 0; j < nl; j++, i++) {
        const y = block[i * C + c];
        out[i] = Number.isFinite(y) ? (y - base - sl * j) * window[i] : 0;
      }
    }
    for (let a = d - 2; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
}

/**
 * Σ_k |ω_k|^s·|X(k)| for the one or two real signals packed in (re, im), times 2 (out[0], out[1]);
 * 2·X₁ = (re_k + re_{−k}) + i(im_k − im_{−k}), 2·X₂ = (im_k + im_{−k}) + i(re_{−k} − re_k).
 */
export function spectrumMass(re: Float64Array, im: Float64Array, weight: Float64Array, neg: Int32Array, floor: number, pair: boolean, out: Float64Array): void {
  const N = re.length;
  let cut1 = 0;
  let cut2 = 0;
  if (floor > 0) {
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < N; i++) {
      const j = neg[i];
      const ar = re[i] + re[j];
      const ai = im[i] - im[j];
      const br = im[i] + im[j];
      const bi = re[j] - re[i];
      m1 = Math.max(m1, ar * ar + ai * ai);
      m2 = Math.max(m2, br * br + bi * bi);
    }
    cut1 = floor * floor * m1;
    cut2 = floor * floor * m2;
  }
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < N; i++) {
    const j = neg[i];
    const ar = re[i] + re[j];
    const ai = im[i] - im[j];
    const p1 = ar * ar + ai * ai;
    if (p1 > cut1) b1 += weight[i] * Math.sqrt(p1);
    if (pair) {
      const br = im[i] + im[j];
      const bi = re[j] - re[i];
      const p2 = br * br + bi * bi;
      if (p2 > cut2) b2 += weight[i] * Math.sqrt(p2);
    }
  }
  out[0] = b1 / 2;
  out[1] = b2 / 2;
}

/** The samples of the box [lo, lo + count) of a channel-last field of `shape`, and their mask. */
export function extractBox(
  values: Float32Array,
  shape: readonly number[],
  C: number,
  lo: readonly number[],
  count: readonly number[],
  mask?: Uint8Array,
  scratch?: { block?: Float64Array; observed?: Uint8Array },
): { block: Float64Array; observed?: Uint8Array } {
  const d = shape.length;
  const N = count.reduce((a, b) => a * b, 1);
  // Reuse the caller's buffers when they are large enough (thousands of boxes per mesh).
  if (scratch && (scratch.block?.length ?? 0) < N * C) scratch.block = new Float64Array(N * C);
  if (scratch && mask && (scratch.observed?.length ?? 0) < N) scratch.observed = new Uint8Array(N);
  const block = scratch ? scratch.block!.subarray(0, N * C) : new Float64Array(N * C);
  const observed = mask ? (scratch ? scratch.observed!.subarray(0, N) : new Uint8Array(N)) : undefined;
  const strides = new Array<number>(d);
  let s = 1;
  for (let a = d - 1; a >= 0; a--) {
    strides[a] = s;
    s *= shape[a];
  }
  // Row by row along the last axis: each row is contiguous in the field.
  const nl = count[d - 1];
  const idx = count.map(() => 0);
  for (let i = 0; i < N; i += nl) {
    let flat = lo[d - 1];
    for (let a = 0; a < d - 1; a++) flat += (lo[a] + idx[a]) * strides[a];
    block.set(values.subarray(flat * C, (flat + nl) * C), i * C);
    if (observed) observed.set(mask!.subarray(flat, flat + nl), i);
    for (let a = d - 2; a >= 0; a--) {
      if (++idx[a] < count[a]) break;
      idx[a] = 0;
    }
  }
  return { block, observed };
}
