/**
 * Separable resampling of a regular grid at arbitrary positions per axis: output sample
 * (j_0, …, j_{d−1}) is the interpolant at (p_0, …, p_{d−1}), p_a = start_a + j_a·step_a, in
 * source sample-index units (source sample i sits at i). Each axis is done in turn by a 1-D
 * method along every line of that axis (tensor-product interpolation); axes whose grid is the
 * identity (start 0, step 1, count L) are left alone, so a through-plane resampling touches the
 * first axis only.
 *
 * Edges: the kernels (nearest, linear, keys, lanczos3) and pchip clamp indices into 0…L−1,
 * i.e. replicate the edge sample (positions outside [0, L−1] hold the edge value for
 * nearest/linear/pchip; the wider kernels see replicated samples near the edges). The cubic
 * B-spline uses the whole-sample mirror extension its prefilter assumes (bspline.ts).
 */
import { InrError } from '../core/errors';
import type { AxisGrid } from '../inr/elm/mesh';
import { kernel, type KernelName } from './kernels';
import { bsplinePrefilter, mirrorIndex } from './bspline';
import { pchipDerivatives, hermite } from './pchip';
import { type ClassicalHooks, checkCancelled } from './hooks';

export type LineInterpolator = KernelName | 'pchip';

/** Largest output (values) a resampling may allocate: 2^29 float64 intermediates = 4 GiB. */
const MAX_VALUES = 2 ** 29;

function isIdentity(g: AxisGrid, L: number): boolean {
  return g.start === 0 && g.step === 1 && g.count === L;
}

export function resampleGrid(
  method: LineInterpolator,
  values: ArrayLike<number>,
  shape: readonly number[],
  C: number,
  grids: readonly AxisGrid[],
  hooks: ClassicalHooks = {},
): Float32Array {
  const d = shape.length;
  if (grids.length !== d) throw new InrError('E_ARG', `the resampling needs one grid per axis (${d}), got ${grids.length}`);
  for (let a = 0; a < d; a++) {
    const g = grids[a];
    if (!Number.isInteger(g.count) || g.count < 1 || !Number.isFinite(g.start) || !(Number.isFinite(g.step) && g.step > 0)) {
      throw new InrError('E_ARG', `axis ${a}: a grid needs a finite start, a positive step and a positive count (got start ${g.start}, step ${g.step}, count ${g.count})`);
    }
  }
  const outCount = grids.reduce((n, g) => n * g.count, C);
  if (outCount > MAX_VALUES) throw new InrError('E_TOO_LARGE', `the resampled grid would hold ${outCount} values (limit ${MAX_VALUES})`);
  // Shrinking axes first, growing ones last: the smallest intermediates.
  const axes = [...Array(d).keys()].filter((a) => !isIdentity(grids[a], shape[a])).sort((a, b) => grids[a].count / shape[a] - grids[b].count / shape[b]);
  let cur: ArrayLike<number> = values;
  const curShape = [...shape];
  axes.forEach((a, k) => {
    checkCancelled(hooks);
    hooks.onProgress?.('resampling', k / axes.length);
    const out = new Float64Array((cur.length / curShape[a]) * grids[a].count);
    const check = () => checkCancelled(hooks);
    if (method === 'pchip') pchipAxis(cur, out, curShape, C, a, grids[a], check);
    else kernelAxis(method, cur, out, curShape, C, a, grids[a], check);
    curShape[a] = grids[a].count;
    cur = out;
  });
  hooks.onProgress?.('resampling', 1);
  return Float32Array.from(cur);
}

function lineLayout(shape: readonly number[], C: number, a: number): { L: number; inner: number; outer: number } {
  const L = shape[a];
  let inner = C;
  for (let b = a + 1; b < shape.length; b++) inner *= shape[b];
  let outer = 1;
  for (let b = 0; b < a; b++) outer *= shape[b];
  return { L, inner, outer };
}

/** One axis with a fixed-weight kernel; `check` runs every few thousand output rows (cancellation). */
function kernelAxis(name: KernelName, src: ArrayLike<number>, dst: Float64Array, shape: readonly number[], C: number, a: number, g: AxisGrid, check: () => void): void {
  const { L, inner, outer } = lineLayout(shape, C, a);
  const k = kernel(name);
  const T = k.taps;
  const idx = new Int32Array(g.count * T);
  const wts = new Float64Array(g.count * T);
  const w = new Float64Array(T);
  const spline = name === 'bspline3';
  for (let j = 0; j < g.count; j++) {
    const i0 = k.weights(g.start + j * g.step, w);
    for (let t = 0; t < T; t++) {
      const i = i0 + t;
      idx[j * T + t] = spline ? mirrorIndex(i, L) : i < 0 ? 0 : i >= L ? L - 1 : i;
      wts[j * T + t] = w[t];
    }
  }
  let from = src;
  if (spline) {
    // Coefficients along this axis (the other axes are done in their own passes).
    const coef = Float64Array.from(src);
    const line = new Float64Array(L);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * L * inner + i;
        for (let q = 0; q < L; q++) line[q] = coef[base + q * inner];
        bsplinePrefilter(line, L);
        for (let q = 0; q < L; q++) coef[base + q * inner] = line[q];
      }
    }
    from = coef;
  }
  const M = g.count;
  for (let o = 0; o < outer; o++) {
    const sb = o * L * inner;
    const db = o * M * inner;
    for (let j = 0; j < M; j++) {
      if (((o * M + j) & 4095) === 0) check();
      const row = db + j * inner;
      for (let t = 0; t < T; t++) {
        const wt = wts[j * T + t];
        if (wt === 0) continue;
        const sr = sb + idx[j * T + t] * inner;
        for (let i = 0; i < inner; i++) dst[row + i] += wt * from[sr + i];
      }
    }
  }
}

function pchipAxis(src: ArrayLike<number>, dst: Float64Array, shape: readonly number[], C: number, a: number, g: AxisGrid, check: () => void): void {
  const { L, inner, outer } = lineLayout(shape, C, a);
  const M = g.count;
  const y = new Float64Array(L);
  const dv = new Float64Array(L);
  const k0 = new Int32Array(M);
  const tt = new Float64Array(M);
  for (let j = 0; j < M; j++) {
    const p = Math.min(L - 1, Math.max(0, g.start + j * g.step));
    const k = Math.min(Math.floor(p), Math.max(0, L - 2));
    k0[j] = k;
    tt[j] = p - k;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      if (((o * inner + i) & 4095) === 0) check();
      const sb = o * L * inner + i;
      const db = o * M * inner + i;
      for (let q = 0; q < L; q++) y[q] = src[sb + q * inner];
      if (L === 1) {
        for (let j = 0; j < M; j++) dst[db + j * inner] = y[0];
        continue;
      }
      pchipDerivatives(y, L, dv);
      for (let j = 0; j < M; j++) {
        const k = k0[j];
        dst[db + j * inner] = hermite(y[k], y[k + 1], dv[k], dv[k + 1], tt[j]);
      }
    }
  }
}
