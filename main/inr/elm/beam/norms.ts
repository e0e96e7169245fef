/**
 * B̂ of many boxes of one field at once: the inner loop of BEAM's mesh construction.
 *
 * The estimator is barron.ts's, box by box — `boxNorms(input, boxes)[i]` equals
 * `barronNorm(extractBox(box i), …)` up to rounding (tested) — only organised for thousands of
 * small boxes:
 *   - boxes of one size and support share the window, |ω|^s and −k tables, looked up once;
 *   - a box whose samples are all observed and finite is read straight from the field: one pass
 *     accumulates every channel's affine fit (the closed form of barron.ts `affineFitFull`), one
 *     pass per channel writes the windowed residual into the FFT buffer — no block copy, no
 *     per-box allocation;
 *   - the residuals are real, so they go two per complex FFT (X₁, X₂ separated by conjugate
 *     symmetry, barron.ts `spectrumMass`): two channels of a box, or the last channel of one box
 *     with the first of the next box of the same size, so one-channel data pays half the
 *     transforms;
 *   - a box with unobserved samples (or non-finite values, which count as unobserved in every
 *     channel) is read straight from the field too: its affine part is the least-squares fit on
 *     the observed samples (the normal equations of barron.ts `affineFit`, shared by the
 *     channels), and its residual is 0 at the other samples, as barronNorm does with `observed`.
 */
import type { FitInput } from '../fit';
import { spectrumMass, tables, type BarronOptions } from './barron';
import { fftNd } from './fft';

/** A box of samples [lo, lo + count) whose local coordinates span `support` samples per axis. */
export interface NormBox {
  lo: readonly number[];
  count: readonly number[];
  support: readonly number[];
}

let bufRe = new Float64Array(0);
let bufIm = new Float64Array(0);
let bufObs = new Uint8Array(0);
const mass = new Float64Array(2);

/** B̂ of every box (see the file comment); same options as barronNorm. */
export function boxNorms(input: FitInput, boxes: readonly NormBox[], opts: BarronOptions = {}): Float64Array {
  const out = new Float64Array(boxes.length);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < boxes.length; i++) {
    const key = `${boxes[i].count.join(',')}|${boxes[i].support.join(',')}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  for (const ids of groups.values()) normsOfGroup(input, boxes, ids, opts, out);
  return out;
}

/** The boxes `ids`, all of one size and support. */
function normsOfGroup(input: FitInput, boxes: readonly NormBox[], ids: readonly number[], opts: BarronOptions, out: Float64Array): void {
  const { values, shape, channels: C, mask } = input;
  const d = shape.length;
  const dims = boxes[ids[0]].count;
  const support = boxes[ids[0]].support;
  let N = 1;
  for (let a = 0; a < d; a++) N *= dims[a];
  if (N === 0) return;
  const detrend = opts.detrend ?? true;
  // barronNorm's rule on a masked block: the affine part is fitted only with more observed
  // samples than coefficients (an unmasked block is always detrended).
  const minFitted = mask ? d + 1 : 0;
  const floor = opts.floor ?? 0;
  const useMax = (opts.combine ?? 'max') === 'max';
  const { window, weight, neg } = tables(dims, support, opts.order ?? 1);
  if (bufRe.length < N) {
    bufRe = new Float64Array(N);
    bufIm = new Float64Array(N);
  }
  if (bufObs.length < N) bufObs = new Uint8Array(N);
  const re = bufRe.length === N ? bufRe : bufRe.subarray(0, N);
  const im = bufIm.length === N ? bufIm : bufIm.subarray(0, N);
  const obs = bufObs.length === N ? bufObs : bufObs.subarray(0, N);
  const gram = new Float64Array((d + 1) * (d + 1));
  const rhs = new Float64Array(C * (d + 1));
  const strides = new Array<number>(d);
  let s = 1;
  for (let a = d - 1; a >= 0; a--) {
    strides[a] = s;
    s *= shape[a];
  }
  // Start of every line along the last axis, relative to the box origin.
  const nl = dims[d - 1];
  const lines = N / nl;
  const lineOffset = new Int32Array(lines);
  // Index of every line along the other axes (lineX[l·d + a], a < d − 1).
  const lineX = new Float64Array(lines * d);
  {
    const idx = new Array<number>(d).fill(0);
    for (let l = 0; l < lines; l++) {
      let o = 0;
      for (let a = 0; a < d - 1; a++) {
        o += idx[a] * strides[a];
        lineX[l * d + a] = idx[a];
      }
      lineOffset[l] = o;
      for (let a = d - 2; a >= 0; a--) {
        if (++idx[a] < dims[a]) break;
        idx[a] = 0;
      }
    }
  }
  const xl = (nl - 1) / 2;
  const coef = new Float64Array(C * (d + 1));
  const sum = new Float64Array(C);
  const num = new Float64Array(C * d);
  const add = (box: number, v: number) => {
    out[box] = useMax ? Math.max(out[box], v) : out[box] + v;
  };
  let pending = -1; // box whose residual waits in `re` for a partner
  for (const b of ids) {
    const box = boxes[b];
    let origin = 0;
    for (let a = 0; a < d; a++) origin += box.lo[a] * strides[a];
    let observed: Uint8Array | null = null;
    if (!fullBox(mask, origin, lineOffset, nl) || !affineCoefs(values, C, d, dims, origin, lineOffset, lineX, nl, xl, detrend && N > minFitted, sum, num, coef)) {
      observedOf(values, C, mask, origin, lineOffset, nl, obs);
      maskedCoefs(values, C, d, dims, origin, lineOffset, lineX, nl, xl, obs, detrend, gram, rhs, sum, coef);
      observed = obs;
    }
    for (let c = 0; c < C; c++) {
      if (pending < 0) {
        writeResidual(values, C, c, d, coef, origin, lineOffset, lineX, nl, window, observed, re);
        pending = b;
      } else {
        writeResidual(values, C, c, d, coef, origin, lineOffset, lineX, nl, window, observed, im);
        fftNd(re, im, dims);
        spectrumMass(re, im, weight, neg, floor, true, mass);
        add(pending, mass[0] / N);
        add(b, mass[1] / N);
        pending = -1;
      }
    }
  }
  if (pending >= 0) {
    im.fill(0);
    fftNd(re, im, dims);
    spectrumMass(re, im, weight, neg, floor, false, mass);
    add(pending, mass[0] / N);
  }
}

/** Whether every sample of the box is observed. */
function fullBox(mask: Uint8Array | undefined, origin: number, lineOffset: Int32Array, nl: number): boolean {
  if (!mask) return true;
  for (let l = 0; l < lineOffset.length; l++) {
    const o = origin + lineOffset[l];
    for (let j = 0; j < nl; j++) if (mask[o + j] !== 1) return false;
  }
  return true;
}

/**
 * Every channel's least-squares affine part over the full box, in index form (barron.ts
 * `affineFitFull`): coef[c·(d+1) + a] = b_a, coef[c·(d+1) + d] = the value at index 0.
 * False if a value is not finite.
 */
function affineCoefs(
  values: Float32Array,
  C: number,
  d: number,
  dims: readonly number[],
  origin: number,
  lineOffset: Int32Array,
  lineX: Float64Array,
  nl: number,
  xl: number,
  detrend: boolean,
  sum: Float64Array,
  num: Float64Array,
  coef: Float64Array,
): boolean {
  sum.fill(0);
  num.fill(0);
  for (let l = 0; l < lineOffset.length; l++) {
    const o = (origin + lineOffset[l]) * C;
    for (let c = 0; c < C; c++) {
      let rs = 0;
      let rx = 0;
      for (let j = 0, k = o + c; j < nl; j++, k += C) {
        const y = values[k];
        rs += y;
        rx += (j - xl) * y;
      }
      sum[c] += rs;
      num[c * d + d - 1] += rx;
      for (let a = 0; a < d - 1; a++) num[c * d + a] += (lineX[l * d + a] - (dims[a] - 1) / 2) * rs;
    }
  }
  const N = lineOffset.length * nl;
  for (let c = 0; c < C; c++) {
    if (!Number.isFinite(sum[c]) || !Number.isFinite(num[c * d + d - 1])) return false;
    const k = c * (d + 1);
    coef[k + d] = sum[c] / N;
    for (let a = 0; a < d; a++) {
      const n = dims[a];
      if (!detrend || n < 2) {
        coef[k + a] = 0;
        continue;
      }
      // Σ over the box of (x − x̄)² = (N/n)·n(n²−1)/12.
      coef[k + a] = num[c * d + a] / ((N * (n * n - 1)) / 12);
      coef[k + d] -= coef[k + a] * ((n - 1) / 2);
    }
  }
  return true;
}

/** Flags of the box's samples that are observed and finite in every channel. */
function observedOf(values: Float32Array, C: number, mask: Uint8Array | undefined, origin: number, lineOffset: Int32Array, nl: number, obs: Uint8Array): void {
  let i = 0;
  for (let l = 0; l < lineOffset.length; l++) {
    const o = origin + lineOffset[l];
    for (let j = 0; j < nl; j++, i++) {
      let ok = !mask || mask[o + j] === 1;
      for (let c = 0; c < C && ok; c++) ok = Number.isFinite(values[(o + j) * C + c]);
      obs[i] = ok ? 1 : 0;
    }
  }
}

/**
 * Every channel's least-squares affine part over the observed samples, in index form, as
 * barron.ts `affineFit`: the (d+1)×(d+1) normal equations in centred coordinates (shared by the
 * channels), an axis one sample thick pinned to slope 0, Gaussian elimination with partial
 * pivoting; the mean alone when there are no more samples than coefficients or the system is
 * singular.
 */
function maskedCoefs(
  values: Float32Array,
  C: number,
  d: number,
  dims: readonly number[],
  origin: number,
  lineOffset: Int32Array,
  lineX: Float64Array,
  nl: number,
  xl: number,
  obs: Uint8Array,
  detrend: boolean,
  A: Float64Array,
  r: Float64Array,
  sum: Float64Array,
  coef: Float64Array,
): void {
  const p = d + 1;
  A.fill(0);
  r.fill(0);
  sum.fill(0);
  // Per line the coordinates of the other axes are constant (z, with z[d−1] = 0 and z[d] = 1 for
  // the constant), so the line contributes through its moments Σ1, Σt, Σt² (t = x_{d−1}) and
  // per channel Σy, Σt·y.
  const z = new Float64Array(p);
  z[d] = 1;
  const y0 = new Float64Array(C);
  const y1 = new Float64Array(C);
  let count = 0;
  let i = 0;
  for (let l = 0; l < lineOffset.length; l++) {
    const o = (origin + lineOffset[l]) * C;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    y0.fill(0);
    y1.fill(0);
    for (let j = 0; j < nl; j++, i++) {
      if (!obs[i]) continue;
      const t = j - xl;
      s0++;
      s1 += t;
      s2 += t * t;
      for (let c = 0, k = o + j * C; c < C; c++, k++) {
        const y = values[k];
        y0[c] += y;
        y1[c] += t * y;
      }
    }
    if (s0 === 0) continue;
    count += s0;
    for (let c = 0; c < C; c++) sum[c] += y0[c];
    if (!detrend) continue;
    for (let a = 0; a < d - 1; a++) z[a] = lineX[l * d + a] - (dims[a] - 1) / 2;
    for (let u = 0; u < p; u++) {
      if (u === d - 1) continue;
      for (let v = 0; v < p; v++) if (v !== d - 1) A[u * p + v] += z[u] * z[v] * s0;
      A[u * p + d - 1] += z[u] * s1;
      A[(d - 1) * p + u] += z[u] * s1;
      for (let c = 0; c < C; c++) r[c * p + u] += z[u] * y0[c];
    }
    A[(d - 1) * p + d - 1] += s2;
    for (let c = 0; c < C; c++) r[c * p + d - 1] += y1[c];
  }
  coef.fill(0);
  for (let c = 0; c < C; c++) coef[c * p + d] = count ? sum[c] / count : 0;
  if (!detrend || count <= p) return;
  for (let a = 0; a < d; a++) if (dims[a] === 1) A[a * p + a] = 1;
  for (let col = 0; col < p; col++) {
    let piv = col;
    for (let u = col + 1; u < p; u++) if (Math.abs(A[u * p + col]) > Math.abs(A[piv * p + col])) piv = u;
    if (!(Math.abs(A[piv * p + col]) > 1e-9 * count)) return; // singular: the means only
    if (piv !== col) {
      for (let k = 0; k < p; k++) [A[col * p + k], A[piv * p + k]] = [A[piv * p + k], A[col * p + k]];
      for (let c = 0; c < C; c++) [r[c * p + col], r[c * p + piv]] = [r[c * p + piv], r[c * p + col]];
    }
    for (let u = col + 1; u < p; u++) {
      const f = A[u * p + col] / A[col * p + col];
      for (let k = col; k < p; k++) A[u * p + k] -= f * A[col * p + k];
      for (let c = 0; c < C; c++) r[c * p + u] -= f * r[c * p + col];
    }
  }
  for (let c = 0; c < C; c++) {
    const k0 = c * p;
    for (let u = p - 1; u >= 0; u--) {
      let t = r[k0 + u];
      for (let k = u + 1; k < p; k++) t -= A[u * p + k] * coef[k0 + k];
      coef[k0 + u] = t / A[u * p + u];
    }
    // Index form: the constant absorbs the centring.
    for (let a = 0; a < d; a++) coef[k0 + d] -= coef[k0 + a] * ((dims[a] - 1) / 2);
  }
}

/** Channel c's windowed residual y − (a + Σ b_a·x_a) over the box into `out` (0 where not observed). */
function writeResidual(
  values: Float32Array,
  C: number,
  c: number,
  d: number,
  coef: Float64Array,
  origin: number,
  lineOffset: Int32Array,
  lineX: Float64Array,
  nl: number,
  window: Float64Array,
  observed: Uint8Array | null,
  out: Float64Array,
): void {
  const k0 = c * (d + 1);
  const sl = coef[k0 + d - 1];
  let i = 0;
  for (let l = 0; l < lineOffset.length; l++) {
    let base = coef[k0 + d];
    for (let a = 0; a < d - 1; a++) base += coef[k0 + a] * lineX[l * d + a];
    let k = (origin + lineOffset[l]) * C + c;
    if (observed) for (let j = 0; j < nl; j++, i++, k += C) out[i] = observed[i] ? (values[k] - base - sl * j) * window[i] : 0;
    else for (let j = 0; j < nl; j++, i++, k += C) out[i] = (values[k] - base - sl * j) * window[i];
  }
}
