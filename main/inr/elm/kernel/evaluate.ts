/**
 * Evaluating a kernel-limit ELM on a tensor grid. Its stored parameters are the observed samples
 * themselves (a kernel machine is its training set: fit.ts), so each cell is solved here
 * (cell.ts) and immediately evaluated on the queries inside its blend support (core ± overlap
 * margin, mesh.ts `cellSpan`):
 *   u_i(q) = ȳ_i + Σ_parts π_p Σ_j α_pj k_p(q, x_j),
 * by mode products of α with one cross-covariance matrix per axis (a rotated frame: a direct
 * sum), then windowed by the partition of unity (pou.ts) like the random-feature cells.
 *
 * Pixels: with an area model (spec.kernel.pixel > 0) an output sample is the representation
 * averaged over its own pixel, half a grid step each side — the source grid reproduces its input
 * pixels, and a K-times-finer grid splits each into K per axis that average back to it. Point
 * inputs give point outputs.
 */
import { cellIndex, cellSpan, type AxisGrid, type CellSpan } from '../mesh';
import type { ElmModel } from '../model';
import { axisWindow } from '../pou';
import type { Accumulator, EvalHooks } from '../fit';
import { matern, pixelCov, pixelPoints, pointsPerUnit } from './matern';
import { CellScratch, KernelCaches, candidateCov, fitCell, type CellPart } from './cell';
import { candidateFrame, type KernelSpec } from './spec';
import { modeProduct, multiModeProduct } from './tensor';

interface AxisPixels {
  inPts: Float64Array;
  outPts: Float64Array;
  area: boolean;
}

/** Cross-covariances between queries of one axis and a run of input samples. */
class CrossCache {
  private cache = new Map<string, Float64Array>();
  constructor(
    private ks: KernelSpec,
    private grids: AxisGrid[],
    private pix: AxisPixels[],
  ) {}
  /** count×s: query (first + i) of axis a against samples lo … lo+s−1 shifted by `shift`. */
  get(a: number, ci: number, first: number, count: number, lo: number, s: number): Float64Array {
    const g = this.grids[a];
    const key = `${a}|${ci}|${(g.start + first * g.step - lo).toFixed(9)}|${count}|${s}`;
    let M = this.cache.get(key);
    if (!M) {
      M = new Float64Array(count * s);
      const ell = this.ks.candidates[ci].lengths[a];
      const nu = this.ks.candidates[ci].nu ?? this.ks.nu;
      const p = this.pix[a];
      for (let i = 0; i < count; i++) {
        const q = g.start + (first + i) * g.step;
        for (let j = 0; j < s; j++) M[i * s + j] = p.area ? pixelCov(q - (lo + j), p.outPts, p.inPts, ell, nu) : matern((q - (lo + j)) / ell, nu);
      }
      if (this.cache.size > 4096) this.cache.clear();
      this.cache.set(key, M);
    }
    return M;
  }
}

export function accumulateKernelElm(model: ElmModel, grids: AxisGrid[], hooks: EvalHooks = {}, into?: Accumulator): Accumulator {
  const { spec, mesh, weights } = model;
  const ks = spec.kernel!;
  const C = spec.channels;
  const d = spec.shape.length;
  const counts = grids.map((g) => g.count);
  const total = counts.reduce((n, c) => n * c, 1);
  const sum = into?.sum ?? new Float64Array(total * C);
  const weight = into?.weight ?? new Float64Array(total);
  const outStrides = counts.map((_, a) => counts.slice(a + 1).reduce((x, y) => x * y, 1));
  const pix: AxisPixels[] = grids.map((g, a) => {
    const hIn = ks.pixel[a];
    const hOut = hIn > 0 ? g.step / 2 : 0;
    const q = pointsPerUnit(hIn, hOut);
    return { inPts: pixelPoints(hIn, q), outPts: pixelPoints(hOut, q), area: hIn > 0 };
  });
  const cross = new CrossCache(ks, grids, pix);
  const caches = new KernelCaches(ks);
  const scratch = new CellScratch();
  const ids = hooks.cells ?? Array.from({ length: mesh.count }, (_, i) => i);
  const k: number[] = [];
  let done = 0;
  let lastReport = 0;
  let globalMean: Float64Array | undefined;
  for (const id of ids) {
    hooks.checkCancel?.();
    cellIndex(mesh, id, k);
    const spans = mesh.axes.map((ax, a) => cellSpan(ax, grids[a], k[a]));
    if (spans.some((sp) => sp.j1 <= sp.j0)) continue;
    const fit = fitCell(weights, spec.shape, C, mesh, ks, id, caches, scratch);
    const outDims = spans.map((sp) => sp.j1 - sp.j0);
    const nOut = outDims.reduce((x, y) => x * y, 1);
    const mean = fit?.mean ?? (globalMean ??= fallbackMean(model));
    const pred = new Float64Array(nOut * C);
    for (const part of fit?.parts ?? []) {
      const p = predictPart(part, ks, C, spans, grids, cross);
      for (let i = 0; i < p.length; i++) pred[i] += part.weight * p[i];
    }
    const win = spans.map((sp, a) => {
      const ax = mesh.axes[a];
      const g = grids[a];
      const wv = new Float64Array(sp.j1 - sp.j0);
      for (let i = 0; i < wv.length; i++) wv[i] = axisWindow(g.start + (sp.j0 + i) * g.step - k[a] * ax.width, ax.width, ax.margin);
      return wv;
    });
    const idx = new Array<number>(d).fill(0);
    for (let r = 0; r < nOut; r++) {
      let wr = 1;
      let f = 0;
      for (let a = 0; a < d; a++) {
        wr *= win[a][idx[a]];
        f += (spans[a].j0 + idx[a]) * outStrides[a];
      }
      if (wr > 0) {
        for (let c = 0; c < C; c++) sum[f * C + c] += wr * (mean[c] + pred[r * C + c]);
        weight[f] += wr;
      }
      for (let a = d - 1; a >= 0; a--) {
        if (++idx[a] < outDims[a]) break;
        idx[a] = 0;
      }
    }
    done++;
    if (hooks.onProgress && done - lastReport >= Math.max(1, ids.length / 50)) {
      lastReport = done;
      hooks.onProgress('solving and reconstructing', done / ids.length);
    }
  }
  return { sum, weight };
}

/** A cell whose context saw nothing predicts the mean of every observed sample. */
function fallbackMean(model: ElmModel): Float64Array {
  const C = model.spec.channels;
  const w = model.weights;
  const s = new Float64Array(C);
  let n = 0;
  for (let i = 0; i < w.length / C; i++) {
    let ok = true;
    for (let c = 0; c < C; c++) if (!Number.isFinite(w[i * C + c])) ok = false;
    if (!ok) continue;
    for (let c = 0; c < C; c++) s[c] += w[i * C + c];
    n++;
  }
  for (let c = 0; c < C; c++) s[c] = n ? s[c] / n : 0;
  return s;
}

/** One part's prediction on the cell's queries (nOut × C). */
function predictPart(part: CellPart, ks: KernelSpec, C: number, spans: CellSpan[], grids: AxisGrid[], cross: CrossCache): Float64Array {
  const cand = ks.candidates[part.candidate];
  const outDims = spans.map((sp) => sp.j1 - sp.j0);
  const frame = candidateFrame(cand);
  if (cand.frame) return directSum(part, ks, C, spans, grids, frame!);
  const d = spans.length;
  if (!frame) {
    const mats = spans.map((sp, a) => cross.get(a, part.candidate, sp.j0, outDims[a], part.lo[a], part.dims[a]));
    return multiModeProduct(part.alpha, part.dims, C, mats, outDims);
  }
  // Sheared: along the first axis first, then in-plane with matrices shifted by s·(z_q − zc).
  const shear = cand.shear!;
  const z = modeProduct(part.alpha, part.dims, C, 0, cross.get(0, part.candidate, spans[0].j0, outDims[0], part.lo[0], part.dims[0]), outDims[0]);
  const inDims = part.dims.slice(1);
  const nIn = inDims.reduce((x, y) => x * y, 1);
  const nOutPlane = outDims.slice(1).reduce((x, y) => x * y, 1);
  const out = new Float64Array(outDims[0] * nOutPlane * C);
  const g0 = grids[0];
  for (let i = 0; i < outDims[0]; i++) {
    const zq = g0.start + (spans[0].j0 + i) * g0.step;
    const mats: Float64Array[] = [];
    for (let a = 1; a < d; a++) {
      // In sheared coordinates the context's sample j of axis a sits at lo_a + j; the query at q − s_a(z_q − zc).
      const shift = shear[a] * (zq - part.zc);
      mats.push(cross.get(a, part.candidate, spans[a].j0, outDims[a], part.lo[a] + shift, part.dims[a]));
    }
    const slab = z.subarray(i * nIn * C, (i + 1) * nIn * C);
    out.set(multiModeProduct(slab, inDims, C, mats, outDims.slice(1)), i * nOutPlane * C);
  }
  return out;
}

/** Σ_j α_j k(q − x_j) over the context samples with α ≠ 0 (a rotated frame). */
function directSum(part: CellPart, ks: KernelSpec, C: number, spans: CellSpan[], grids: AxisGrid[], frame: number[]): Float64Array {
  const { alpha, dims, lo } = part;
  const cand = ks.candidates[part.candidate];
  const d = dims.length;
  const N = alpha.length / C;
  const src: number[] = [];
  const xs: number[] = [];
  const idx = new Array<number>(d).fill(0);
  for (let r = 0; r < N; r++) {
    let nz = false;
    for (let c = 0; c < C; c++) if (alpha[r * C + c] !== 0) nz = true;
    if (nz) {
      src.push(r);
      for (let a = 0; a < d; a++) xs.push(lo[a] + idx[a]);
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  const outDims = spans.map((sp) => sp.j1 - sp.j0);
  const nOut = outDims.reduce((x, y) => x * y, 1);
  const out = new Float64Array(nOut * C);
  const q = new Float64Array(d);
  const delta = new Float64Array(d);
  const oi = new Array<number>(d).fill(0);
  for (let r = 0; r < nOut; r++) {
    for (let a = 0; a < d; a++) q[a] = grids[a].start + (spans[a].j0 + oi[a]) * grids[a].step;
    for (let j = 0; j < src.length; j++) {
      for (let a = 0; a < d; a++) delta[a] = q[a] - xs[j * d + a];
      const kv = candidateCov(cand, cand.nu ?? ks.nu, delta, frame);
      for (let c = 0; c < C; c++) out[r * C + c] += kv * alpha[src[j] * C + c];
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++oi[a] < outDims[a]) break;
      oi[a] = 0;
    }
  }
  return out;
}

/**
 * The kernel-limit ELM at scattered points (n×d, sample-index units): each point blends the
 * cells whose blend support holds it, every cell solved once. Point values (no pixel averaging
 * of the output).
 */
export function evaluateKernelPoints(model: ElmModel, points: Float64Array): Float32Array {
  const { spec, mesh, weights } = model;
  const ks = spec.kernel!;
  const d = spec.shape.length;
  const C = spec.channels;
  const n = Math.floor(points.length / d);
  const out = new Float32Array(n * C);
  const caches = new KernelCaches(ks);
  const scratch = new CellScratch();
  const fits = new Map<number, ReturnType<typeof fitCell>>();
  let globalMean: Float64Array | undefined;
  const cand: number[][] = Array.from({ length: d }, () => []);
  for (let p = 0; p < n; p++) {
    const q = Array.from({ length: d }, (_, a) => points[p * d + a]);
    const grids: AxisGrid[] = q.map((v) => ({ start: v, step: 1, count: 1 }));
    const pix: AxisPixels[] = grids.map((_, a) => {
      const hIn = ks.pixel[a];
      return { inPts: pixelPoints(hIn, pointsPerUnit(hIn, 0)), outPts: new Float64Array([0]), area: hIn > 0 };
    });
    const cross = new CrossCache(ks, grids, pix);
    for (let a = 0; a < d; a++) {
      const ax = mesh.axes[a];
      cand[a] = [];
      const k0 = Math.floor((q[a] + 0.5) / ax.width);
      for (let k = k0 - 1; k <= k0 + 1; k++) if (k >= 0 && k < ax.cells && cellSpan(ax, grids[a], k).j1 > 0) cand[a].push(k);
    }
    const acc = new Float64Array(C);
    let wsum = 0;
    if (cand.every((c) => c.length > 0)) {
      const idx = new Array<number>(d).fill(0);
      for (;;) {
        let id = 0;
        let w = 1;
        const spans: CellSpan[] = [];
        for (let a = 0; a < d; a++) {
          const ax = mesh.axes[a];
          const k = cand[a][idx[a]];
          id = id * ax.cells + k;
          w *= axisWindow(q[a] - k * ax.width, ax.width, ax.margin);
          spans.push(cellSpan(ax, grids[a], k));
        }
        if (w > 0) {
          if (!fits.has(id)) {
            if (fits.size > 256) fits.clear();
            fits.set(id, fitCell(weights, spec.shape, C, mesh, ks, id, caches, scratch));
          }
          const fit = fits.get(id);
          const mean = fit?.mean ?? (globalMean ??= fallbackMean(model));
          for (let c = 0; c < C; c++) acc[c] += w * mean[c];
          for (const part of fit?.parts ?? []) {
            const pr = predictPart(part, ks, C, spans, grids, cross);
            for (let c = 0; c < C; c++) acc[c] += w * part.weight * pr[c];
          }
          wsum += w;
        }
        let a = d - 1;
        while (a >= 0 && ++idx[a] >= cand[a].length) idx[a--] = 0;
        if (a < 0) break;
      }
    }
    for (let c = 0; c < C; c++) out[p * C + c] = wsum > 0 ? acc[c] / wsum : NaN;
  }
  return out;
}
