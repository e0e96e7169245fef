/**
 * A small complex FFT for the Barron-norm estimator: iterative radix-2 Cooley–Tukey for powers
 * of two, a direct DFT from a cached twiddle table for other lengths up to 48, Bluestein's chirp-z
 * algorithm beyond, and separable N-D transforms.
 *
 * Convention (forward, unnormalised): X_k = Σ_{n<N} x_n · e^{−2πi·kn/N}.
 *
 * Bluestein (1970): with kn = (k² + n² − (k−n)²)/2,
 *   X_k = c̄_k · Σ_n (x_n c̄_n) · c_{k−n},   c_j = e^{iπ j²/N},
 * a linear convolution of length 2N−1, done as a cyclic one of power-of-two length M ≥ 2N−1.
 * Cost O(M log M); exact up to rounding (relative error ~1e-15·log N in float64).
 *
 * Re/im parts live in separate Float64Arrays (no complex types; see METHODS.md §0 porting rules).
 */

/** Twiddles and bit reversal for one power-of-two length, cached. */
interface Radix2Plan {
  n: number;
  cos: Float64Array;
  sin: Float64Array;
  rev: Uint32Array;
}

/** Chirp and its transformed filter for one Bluestein length, cached. */
interface BluesteinPlan {
  n: number;
  m: number;
  /** c̄_n = e^{−iπ n²/N}. */
  wr: Float64Array;
  wi: Float64Array;
  /** FFT_M of the chirp filter c_j (wrapped for negative j). */
  fr: Float64Array;
  fi: Float64Array;
  /** Scratch of length M. */
  ar: Float64Array;
  ai: Float64Array;
}

const radix2Plans = new Map<number, Radix2Plan>();
const bluesteinPlans = new Map<number, BluesteinPlan>();

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function radix2Plan(n: number): Radix2Plan {
  let p = radix2Plans.get(n);
  if (p) return p;
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = -Math.sin((2 * Math.PI * k) / n);
  }
  const rev = new Uint32Array(n);
  const bits = Math.round(Math.log2(n));
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
    rev[i] = r;
  }
  p = { n, cos, sin, rev };
  radix2Plans.set(n, p);
  return p;
}

/** In-place radix-2 forward FFT of (re, im)[0..n), n a power of two (Cooley & Tukey, 1965). */
function fftRadix2(re: Float64Array, im: Float64Array, n: number): void {
  if (n <= 1) return;
  const { cos, sin, rev } = radix2Plan(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let size = 2; size <= n; size *= 2) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sin[k * step];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

function bluesteinPlan(n: number): BluesteinPlan {
  let p = bluesteinPlans.get(n);
  if (p) return p;
  const m = nextPowerOfTwo(2 * n - 1);
  const wr = new Float64Array(n);
  const wi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    // j² mod 2N keeps the angle small (e^{iπ j²/N} has period 2N in j²).
    const q = (j * j) % (2 * n);
    const ang = (Math.PI * q) / n;
    wr[j] = Math.cos(ang);
    wi[j] = -Math.sin(ang);
  }
  const fr = new Float64Array(m);
  const fi = new Float64Array(m);
  fr[0] = wr[0];
  fi[0] = -wi[0];
  for (let j = 1; j < n; j++) {
    fr[j] = fr[m - j] = wr[j];
    fi[j] = fi[m - j] = -wi[j];
  }
  fftRadix2(fr, fi, m);
  p = { n, m, wr, wi, fr, fi, ar: new Float64Array(m), ai: new Float64Array(m) };
  bluesteinPlans.set(n, p);
  return p;
}

function fftBluestein(re: Float64Array, im: Float64Array, n: number): void {
  const { m, wr, wi, fr, fi, ar, ai } = bluesteinPlan(n);
  ar.fill(0);
  ai.fill(0);
  for (let j = 0; j < n; j++) {
    ar[j] = re[j] * wr[j] - im[j] * wi[j];
    ai[j] = re[j] * wi[j] + im[j] * wr[j];
  }
  fftRadix2(ar, ai, m);
  for (let j = 0; j < m; j++) {
    const xr = ar[j] * fr[j] - ai[j] * fi[j];
    const xi = ar[j] * fi[j] + ai[j] * fr[j];
    ar[j] = xr;
    ai[j] = -xi; // conjugate: inverse FFT via the forward one
  }
  fftRadix2(ar, ai, m);
  for (let k = 0; k < n; k++) {
    const yr = ar[k] / m;
    const yi = -ai[k] / m;
    re[k] = yr * wr[k] - yi * wi[k];
    im[k] = yr * wi[k] + yi * wr[k];
  }
}

/** Direct DFT with a cached n×n twiddle table: cheaper than Bluestein for short odd lengths. */
interface DftPlan {
  cos: Float64Array;
  sin: Float64Array;
  tr: Float64Array;
  ti: Float64Array;
}

const dftPlans = new Map<number, DftPlan>();
/** Up to this length a non-power-of-two transform is a direct DFT (n² vs ~3 FFTs of 4n). */
const DIRECT_MAX = 48;

function fftDirect(re: Float64Array, im: Float64Array, n: number): void {
  let p = dftPlans.get(n);
  if (!p) {
    const cos = new Float64Array(n * n);
    const sin = new Float64Array(n * n);
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++) {
        const ang = (-2 * Math.PI * ((k * j) % n)) / n;
        cos[k * n + j] = Math.cos(ang);
        sin[k * n + j] = Math.sin(ang);
      }
    dftPlans.set(n, (p = { cos, sin, tr: new Float64Array(n), ti: new Float64Array(n) }));
  }
  const { cos, sin, tr, ti } = p;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    const o = k * n;
    for (let j = 0; j < n; j++) {
      const c = cos[o + j];
      const s = sin[o + j];
      sr += re[j] * c - im[j] * s;
      si += re[j] * s + im[j] * c;
    }
    tr[k] = sr;
    ti[k] = si;
  }
  re.set(tr.subarray(0, n));
  im.set(ti.subarray(0, n));
}

/** In-place forward FFT of a length-n complex vector (any n ≥ 1). */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n <= 1) return;
  if (isPowerOfTwo(n)) fftRadix2(re, im, n);
  else if (n <= DIRECT_MAX) fftDirect(re, im, n);
  else fftBluestein(re, im, n);
}

/** Reference O(N²) DFT, for tests. */
export function dft(re: Float64Array, im: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const or = new Float64Array(n);
  const oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const ang = (-2 * Math.PI * ((k * j) % n)) / n;
      const c = Math.cos(ang);
      const s = Math.sin(ang);
      sr += re[j] * c - im[j] * s;
      si += re[j] * s + im[j] * c;
    }
    or[k] = sr;
    oi[k] = si;
  }
  return { re: or, im: oi };
}

const lineBuffers = new Map<number, [Float64Array, Float64Array]>();

function lineBuffer(n: number): [Float64Array, Float64Array] {
  let b = lineBuffers.get(n);
  if (!b) lineBuffers.set(n, (b = [new Float64Array(n), new Float64Array(n)]));
  return b;
}

/**
 * In-place separable N-D forward FFT of a row-major array of `shape` (last axis fastest):
 * 1-D transforms along every axis in turn, X = F_{d−1} ∘ … ∘ F_0 x. Power-of-two axes run every
 * line of the axis through each butterfly together (`fftAxisRadix2`); other lengths go line by
 * line through a buffer.
 */
export function fftNd(re: Float64Array, im: Float64Array, shape: readonly number[]): void {
  let total = 1;
  for (let a = 0; a < shape.length; a++) total *= shape[a];
  if (re.length !== total || im.length !== total) throw new RangeError(`fftNd: arrays hold ${re.length}, shape needs ${total}`);
  let stride = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    const n = shape[a];
    if (n > 1) {
      if (isPowerOfTwo(n)) fftAxisRadix2(re, im, total, n, stride);
      else {
        const outer = total / (n * stride);
        const [lr, li] = lineBuffer(n);
        for (let o = 0; o < outer; o++) {
          for (let s = 0; s < stride; s++) {
            const base = o * n * stride + s;
            for (let j = 0; j < n; j++) {
              lr[j] = re[base + j * stride];
              li[j] = im[base + j * stride];
            }
            fft(lr, li);
            for (let j = 0; j < n; j++) {
              re[base + j * stride] = lr[j];
              im[base + j * stride] = li[j];
            }
          }
        }
      }
    }
    stride *= n;
  }
}

/**
 * Radix-2 transforms of every line along one axis of length n (a power of two) and `stride`, in
 * place: the bit-reversal swaps and each butterfly are applied to all lines at once, so a twiddle
 * is loaded once per butterfly position and the innermost loop runs over the lines (contiguous
 * when stride > 1). The same arithmetic as `fftRadix2` line by line.
 */
function fftAxisRadix2(re: Float64Array, im: Float64Array, total: number, n: number, stride: number): void {
  const { cos, sin, rev } = radix2Plan(n);
  const block = n * stride;
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j <= i) continue;
    for (let base = 0; base < total; base += block) {
      for (let t = 0, a = base + i * stride, b = base + j * stride; t < stride; t++, a++, b++) {
        let x = re[a];
        re[a] = re[b];
        re[b] = x;
        x = im[a];
        im[a] = im[b];
        im[b] = x;
      }
    }
  }
  for (let size = 2; size <= n; size *= 2) {
    const half = size >> 1;
    const step = n / size;
    for (let k = 0; k < half; k++) {
      const wr = cos[k * step];
      const wi = sin[k * step];
      for (let start = 0; start < n; start += size) {
        const offA = (start + k) * stride;
        const offB = offA + half * stride;
        if (stride === 1) {
          // Contiguous lines (the last axis): one butterfly per line.
          for (let a = offA, b = offB; a < total; a += block, b += block) {
            const xr = re[b] * wr - im[b] * wi;
            const xi = re[b] * wi + im[b] * wr;
            re[b] = re[a] - xr;
            im[b] = im[a] - xi;
            re[a] += xr;
            im[a] += xi;
          }
          continue;
        }
        for (let base = 0; base < total; base += block) {
          for (let t = 0, a = base + offA, b = base + offB; t < stride; t++, a++, b++) {
            const xr = re[b] * wr - im[b] * wi;
            const xi = re[b] * wi + im[b] * wr;
            re[b] = re[a] - xr;
            im[b] = im[a] - xi;
            re[a] += xr;
            im[a] += xi;
          }
        }
      }
    }
  }
}
