/**
 * One cell of a kernel-limit ELM: gather the samples of its context, fit every candidate kernel
 * (grid.ts on a fully observed tensor support, scatter.ts otherwise), score them by
 * cross-validation and keep the best few with weights (spec.ts `temperature`), each with its
 * α on its context grid. Pure numerics on the data; evaluate.ts turns the result into values.
 */
import { cellIndex, type AxisLayout, type UniformMesh } from '../mesh';
import { matern, pixelCov, pixelPoints, pointsPerUnit } from './matern';
import { axisFactor, gridPlan, solveGrid, type AxisFactor, type GridPlan } from './grid';
import { solveScatter, type OffsetTable } from './scatter';
import { candidateFrame, type KernelCandidate, type KernelSpec } from './spec';

/** Samples of cell k's context along an axis: [lo, hi). */
function contextRange(ax: AxisLayout, k: number, context: number): [number, number] {
  return [Math.max(0, k * ax.width - context), Math.min(ax.length, (k + 1) * ax.width + context)];
}

/** The candidate's covariance between a query and a point sample `delta` apart. */
export function candidateCov(c: KernelCandidate, nu: number, delta: ArrayLike<number>, frame = candidateFrame(c)): number {
  const d = c.lengths.length;
  let v = 1;
  for (let b = 0; b < d; b++) {
    let u = 0;
    if (frame) for (let a = 0; a < d; a++) u += frame[b * d + a] * delta[a];
    else u = delta[b];
    v *= matern(u / c.lengths[b], nu);
  }
  return v;
}

/** One weighted candidate of a cell. */
export interface CellPart {
  candidate: number;
  weight: number;
  /** α on the context grid (row-major over `dims`, × C); 0 where nothing was observed. */
  alpha: Float64Array;
  /** First sample of the context per axis; for a sheared candidate, at the cell's centre slice. */
  lo: number[];
  dims: number[];
  /** Slice of the first axis where the shear offset is 0 (sheared candidates). */
  zc: number;
}

export interface CellFit {
  mean: Float64Array;
  parts: CellPart[];
}

/** Per-axis covariance tables, their eigendecompositions and offset tables, shared by the cells. */
export class KernelCaches {
  private tables = new Map<string, Float64Array>();
  private factors = new Map<string, AxisFactor>();
  private offsets = new Map<string, OffsetTable>();
  private plans = new Map<string, GridPlan>();
  constructor(readonly ks: KernelSpec) {}

  /** The data-free part of a Kronecker solve for candidate ci on a support of `dims`. */
  plan(ci: number, dims: number[], score: boolean): GridPlan {
    const key = `${ci}|${dims.join(',')}`;
    let p = this.plans.get(key);
    if (!p) {
      p = gridPlan(
        dims.map((s, a) => this.factor(a, ci, s)),
        this.ks.nuggets,
        this.ks.criterion,
        score,
      );
      this.plans.set(key, p);
    }
    return p;
  }

  /** Covariances between input samples Δ = 0 … s−1 apart along axis a, for candidate ci. */
  table(a: number, ci: number, s: number): Float64Array {
    const key = `${a}|${ci}|${s}`;
    let t = this.tables.get(key);
    if (!t) {
      const { ks } = this;
      const h = ks.pixel[a];
      const ell = ks.candidates[ci].lengths[a];
      const nu = ks.candidates[ci].nu ?? ks.nu;
      const pts = pixelPoints(h, pointsPerUnit(h, h));
      t = new Float64Array(s);
      for (let i = 0; i < s; i++) t[i] = h > 0 ? pixelCov(i, pts, pts, ell, nu) : matern(i / ell, nu);
      this.tables.set(key, t);
    }
    return t;
  }

  factor(a: number, ci: number, s: number): AxisFactor {
    const key = `${a}|${ci}|${s}`;
    let f = this.factors.get(key);
    if (!f) {
      const t = this.table(a, ci, s);
      const K = new Float64Array(s * s);
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) K[i * s + j] = t[Math.abs(i - j)];
      f = axisFactor(K, s);
      this.factors.set(key, f);
    }
    return f;
  }

  /** Covariance of input samples at every integer offset of a support of `dims`. */
  offsetTable(ci: number, dims: number[]): OffsetTable {
    const key = `${ci}|${dims.join(',')}`;
    let t = this.offsets.get(key);
    if (!t) {
      const d = dims.length;
      const ext = dims.map((s) => 2 * s - 1);
      const strides = ext.map((_, a) => ext.slice(a + 1).reduce((x, y) => x * y, 1));
      const values = new Float64Array(ext.reduce((x, y) => x * y, 1));
      const cand = this.ks.candidates[ci];
      const frame = candidateFrame(cand);
      const axisTables = frame ? undefined : dims.map((s, a) => this.table(a, ci, s));
      const idx = new Array<number>(d).fill(0);
      const delta = new Float64Array(d);
      for (let f = 0; f < values.length; f++) {
        if (axisTables) {
          let v = 1;
          for (let a = 0; a < d; a++) v *= axisTables[a][Math.abs(idx[a] - (dims[a] - 1))];
          values[f] = v;
        } else {
          for (let a = 0; a < d; a++) delta[a] = idx[a] - (dims[a] - 1);
          values[f] = candidateCov(cand, cand.nu ?? this.ks.nu, delta, frame);
        }
        for (let a = d - 1; a >= 0; a--) {
          if (++idx[a] < ext[a]) break;
          idx[a] = 0;
        }
      }
      t = { dims: dims.slice(), strides, values };
      this.offsets.set(key, t);
    }
    return t;
  }
}

/** Reusable buffers of one thread. */
export class CellScratch {
  Y = new Float64Array(0);
  Ys = new Float64Array(0);
  obs = new Uint8Array(0);
  pos = new Int32Array(0);
  dense = new Float64Array(0);
  ensureSheared(n: number, C: number): void {
    if (this.Ys.length < n * C) this.Ys = new Float64Array(n * C);
  }
  ensure(n: number, C: number, d: number): void {
    if (this.obs.length >= n) return;
    this.Y = new Float64Array(n * C);
    this.obs = new Uint8Array(n);
    this.pos = new Int32Array(n * d);
  }
}

/**
 * Fit cell `id`: undefined when its context holds no observed sample. `values` holds the data
 * with NaN where a sample is not observed (the kernel model's weights).
 */
export function fitCell(
  values: Float32Array,
  shape: readonly number[],
  C: number,
  mesh: UniformMesh,
  ks: KernelSpec,
  id: number,
  caches: KernelCaches,
  sc: CellScratch,
): CellFit | undefined {
  const d = shape.length;
  const k = cellIndex(mesh, id);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const ranges = mesh.axes.map((ax, a) => contextRange(ax, k[a], ks.context[a]));
  const dims = ranges.map(([lo, hi]) => hi - lo);
  const N = dims.reduce((a, b) => a * b, 1);
  sc.ensure(N, C, d);
  const { Y, obs, pos } = sc;
  // Gather the context, row-major: which samples are observed, their mean.
  const mean = new Float64Array(C);
  const idx = new Array<number>(d).fill(0);
  let nObs = 0;
  for (let r = 0; r < N; r++) {
    let f = 0;
    for (let a = 0; a < d; a++) f += (ranges[a][0] + idx[a]) * strides[a];
    let ok = true;
    for (let c = 0; c < C; c++) if (!Number.isFinite(values[f * C + c])) ok = false;
    obs[r] = ok ? 1 : 0;
    if (ok) {
      for (let a = 0; a < d; a++) pos[nObs * d + a] = idx[a];
      for (let c = 0; c < C; c++) {
        const v = values[f * C + c];
        mean[c] += v;
        Y[nObs * C + c] = v;
      }
      nObs++;
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  if (nObs === 0) return undefined;
  for (let c = 0; c < C; c++) mean[c] /= nObs;
  for (let r = 0; r < nObs; r++) for (let c = 0; c < C; c++) Y[r * C + c] -= mean[c];
  const full = nObs === N;
  const choose = ks.candidates.length * ks.nuggets.length > 1;
  const ax0 = mesh.axes[0];
  const zc = k[0] * ax0.width + Math.floor(ax0.width / 2);
  // The farthest query of the blend support along the first axis from zc.
  const reach = Math.max(zc - (k[0] * ax0.width - ax0.margin - 0.5), (k[0] + 1) * ax0.width - 0.5 + ax0.margin - zc);
  const lo = ranges.map(([l]) => l);
  const scored: Array<{ ci: number; score: number; alpha: Float64Array; lo: number[]; dims: number[] }> = [];
  const scatterSolve = (ci: number, nuggets: readonly number[]) => {
    if (sc.dense.length < 2 * nObs * nObs) sc.dense = new Float64Array(2 * nObs * nObs);
    const sol = solveScatter(pos, nObs, d, caches.offsetTable(ci, dims), Y.subarray(0, nObs * C), C, nuggets, sc.dense, choose);
    if (!Number.isFinite(sol.nugget)) return undefined;
    // α back onto the context grid.
    const alpha = new Float64Array(N * C);
    let j = 0;
    for (let r = 0; r < N; r++) {
      if (!obs[r]) continue;
      for (let c = 0; c < C; c++) alpha[r * C + c] = sol.alpha[j * C + c];
      j++;
    }
    return { ci, score: sol.score, alpha, lo, dims };
  };
  for (let ci = 0; ci < ks.candidates.length; ci++) {
    const cand = ks.candidates[ci];
    const sheared = cand.shear?.some((s) => s !== 0) ?? false;
    if (sheared) {
      // Only on fully observed data whose sheared context stays inside the domain (Kronecker).
      const sol = full ? shearedSolve(values, shape, C, ks, ci, ranges, zc, reach, mean, caches, sc, choose) : undefined;
      if (sol) scored.push({ ci, score: sol.score, alpha: sol.alpha, lo: sol.lo, dims: sol.dims });
      continue;
    }
    if (full && !cand.frame) {
      const sol = solveGrid(Y.subarray(0, N * C), C, caches.plan(ci, dims, choose), choose);
      scored.push({ ci, score: sol.score, alpha: sol.alpha, lo, dims });
      continue;
    }
    const sol = scatterSolve(ci, ks.nuggets.length > 2 && choose ? [ks.nuggets[ks.nuggets.length >> 1]] : ks.nuggets);
    if (sol) scored.push(sol);
  }
  // Dense solves cost O(n³) per nugget: every candidate was scored at the middle nugget; the
  // ones that count in the blend are scored at every nugget.
  if (choose && !full && ks.nuggets.length > 2) {
    const lead = weighParts(scored, ks.temperature, zc).map((p) => p.candidate);
    for (const ci of lead) {
      if (ks.candidates[ci].shear?.some((v) => v !== 0)) continue;
      const sol = scatterSolve(
        ci,
        ks.nuggets.filter((_, i) => i !== ks.nuggets.length >> 1),
      );
      const at = scored.findIndex((x) => x.ci === ci);
      if (sol && at >= 0 && sol.score < scored[at].score) scored[at] = sol;
    }
  }
  if (!scored.length) return { mean, parts: [] };
  return { mean, parts: weighParts(scored, ks.temperature, zc) };
}

/** Keep the candidates whose score is near the best, with weights exp(−(e − e_min)/(τ·e_min)). */
function weighParts(scored: Array<{ ci: number; score: number; alpha: Float64Array; lo: number[]; dims: number[] }>, tau: number, zc: number): CellPart[] {
  let best = scored[0];
  for (const s of scored) if (s.score < best.score) best = s;
  const emin = best.score;
  const parts: CellPart[] = [];
  if (!(tau > 0) || !(emin > 0) || !Number.isFinite(emin)) return [{ candidate: best.ci, weight: 1, alpha: best.alpha, lo: best.lo, dims: best.dims, zc }];
  let total = 0;
  for (const s of scored) {
    const w = Math.exp(-(s.score - emin) / (tau * emin));
    if (w < 1e-3) continue;
    parts.push({ candidate: s.ci, weight: w, alpha: s.alpha, lo: s.lo, dims: s.dims, zc });
    total += w;
  }
  parts.sort((a, b) => b.weight - a.weight);
  parts.length = Math.min(parts.length, 4);
  total = parts.reduce((t, p) => t + p.weight, 0);
  for (const p of parts) p.weight /= total;
  return parts;
}

/**
 * A sheared candidate on fully observed data: slice z of the context is read at in-plane offset
 * s_a·(z − zc), so the samples sit on a tensor grid in the sheared coordinates u = x − s·z and
 * the Kronecker solve applies unchanged. The in-plane context grows by ⌈|s_a|·D⌉ per side, D the
 * farthest query slice of the cell's blend support from zc, so every query of that support stays
 * inside the sheared context. Undefined when the sheared context leaves the domain or holds an
 * unobserved sample. `mean` (the cell's) centres the samples.
 */
function shearedSolve(
  values: Float32Array,
  shape: readonly number[],
  C: number,
  ks: KernelSpec,
  ci: number,
  ranges: [number, number][],
  zc: number,
  reach: number,
  mean: Float64Array,
  caches: KernelCaches,
  sc: CellScratch,
  choose: boolean,
): { alpha: Float64Array; score: number; lo: number[]; dims: number[] } | undefined {
  const d = shape.length;
  const shear = ks.candidates[ci].shear!;
  const grow = shear.map((s, a) => (a === 0 ? 0 : Math.ceil(Math.abs(s) * reach - 1e-9)));
  const lo = ranges.map(([l], a) => l - grow[a]);
  const dims = ranges.map(([l, h], a) => h - l + 2 * grow[a]);
  const N = dims.reduce((a, b) => a * b, 1);
  const [z0, z1] = ranges[0];
  for (let a = 1; a < d; a++) {
    const lo0 = Math.min(shear[a] * (z0 - zc), shear[a] * (z1 - 1 - zc));
    const hi0 = Math.max(shear[a] * (z0 - zc), shear[a] * (z1 - 1 - zc));
    if (lo[a] + lo0 < 0 || lo[a] + dims[a] + hi0 > shape[a]) return undefined;
  }
  sc.ensureSheared(N, C);
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const Y = sc.Ys;
  const idx = new Array<number>(d).fill(0);
  for (let r = 0; r < N; r++) {
    const z = z0 + idx[0];
    let f = z * strides[0];
    for (let a = 1; a < d; a++) f += (lo[a] + idx[a] + shear[a] * (z - zc)) * strides[a];
    for (let c = 0; c < C; c++) {
      const v = values[f * C + c];
      if (!Number.isFinite(v)) return undefined;
      Y[r * C + c] = v - mean[c];
    }
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  const sol = solveGrid(Y.subarray(0, N * C), C, caches.plan(ci, dims, choose), choose);
  return { alpha: sol.alpha, score: sol.score, lo, dims };
}
