/**
 * The numerics of ELM-INR's prediction tasks: the box-averaged sine features (super-resolution
 * from pixel averages), the kernel limit of the local ELMs (Kronecker and dense solves, their
 * cross-validation identities, the pixel model, sheared kernels), and the model that stores
 * the observed samples.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng';
import { boxFactors, featureMatrix, hiddenLayer, sinc } from '../../main/inr/elm/features';
import { matern, pixelCov, pixelPoints, pointsPerUnit } from '../../main/inr/elm/kernel/matern';
import { symEig } from '../../main/inr/elm/kernel/symeig';
import { axisFactor, gridPlan, solveGrid } from '../../main/inr/elm/kernel/grid';
import { solveScatter, type OffsetTable } from '../../main/inr/elm/kernel/scatter';
import { modeProduct, multiModeProduct } from '../../main/inr/elm/kernel/tensor';
import { kernelElmSpec } from '../../main/inr/elm/kernel/config';
import { evaluateElm, evaluatePoints, fitElm } from '../../main/inr/elm/fit';
import { finerGrid, sampleGrid } from '../../main/inr/elm/mesh';
import { paramCount } from '../../main/inr/elm/model';
import { decodeModel, encodeModel } from '../../main/inr/elm/io';
import { choleskyInPlace } from '../../main/inr/elm/linalg';

/** The dense n×n covariance of points `pts` (n×d) under a separable table per axis. */
function denseK(pts: number[][], tables: Float64Array[]): Float64Array {
  const n = pts.length;
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = 1;
      for (let a = 0; a < tables.length; a++) v *= tables[a][Math.abs(pts[i][a] - pts[j][a])];
      K[i * n + j] = v;
    }
  return K;
}

/** Solve (K + s2 I) x = b densely (Cholesky), for tests. */
function denseSolve(K: Float64Array, n: number, s2: number, b: Float64Array): Float64Array {
  const L = Float64Array.from(K);
  for (let i = 0; i < n; i++) L[i * n + i] += s2;
  expect(choleskyInPlace(L, n)).toBe(true);
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * x[k];
    x[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

function table(s: number, ell: number, nu: number): Float64Array {
  const t = new Float64Array(s);
  for (let i = 0; i < s; i++) t[i] = matern(i / ell, nu);
  return t;
}

function gridPoints(dims: number[]): number[][] {
  const out: number[][] = [];
  const idx = dims.map(() => 0);
  const n = dims.reduce((a, b) => a * b, 1);
  for (let r = 0; r < n; r++) {
    out.push(idx.slice());
    for (let a = dims.length - 1; a >= 0; a--) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

function offsetTable(dims: number[], tables: Float64Array[]): OffsetTable {
  const ext = dims.map((s) => 2 * s - 1);
  const strides = ext.map((_, a) => ext.slice(a + 1).reduce((x, y) => x * y, 1));
  const values = new Float64Array(ext.reduce((x, y) => x * y, 1));
  gridPoints(ext).forEach((p, f) => {
    let v = 1;
    for (let a = 0; a < dims.length; a++) v *= tables[a][Math.abs(p[a] - (dims[a] - 1))];
    values[f] = v;
  });
  return { dims, strides, values };
}

function mse(a: ArrayLike<number>, b: ArrayLike<number>, mask?: (i: number) => boolean): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask && !mask(i)) continue;
    s += (a[i] - b[i]) ** 2;
    n++;
  }
  return s / n;
}

describe('box-averaged sine features (pixel model of the random features)', () => {
  it('equals the numerically integrated feature over a pixel', () => {
    const layer = hiddenLayer(7, 24, [9, 5], 'sine');
    const h = [0.23, 0.11];
    const f = boxFactors(layer, h)!;
    const q = 400; // midpoint rule per axis
    for (const [x0, y0] of [
      [0.1, -0.3],
      [-0.7, 0.55],
    ]) {
      const centre = featureMatrix(layer, [new Float64Array([x0]), new Float64Array([y0])]);
      for (let j = 0; j < layer.m; j++) {
        let s = 0;
        for (let i = 0; i < q; i++)
          for (let k = 0; k < q; k++) {
            const x = x0 - h[0] + ((i + 0.5) * 2 * h[0]) / q;
            const y = y0 - h[1] + ((k + 0.5) * 2 * h[1]) / q;
            s += Math.sin(layer.W[j * 2] * x + layer.W[j * 2 + 1] * y + layer.b[j]);
          }
        expect(centre[j] * f[j]).toBeCloseTo(s / (q * q), 5);
      }
    }
  });

  it('sinc is sin t / t and 1 at 0', () => {
    expect(sinc(0)).toBe(1);
    expect(sinc(Math.PI)).toBeCloseTo(0, 12);
    expect(sinc(1.3)).toBeCloseTo(Math.sin(1.3) / 1.3, 14);
  });
});

describe('Matérn covariances and pixel averages', () => {
  it('ν = ½, 3⁄2, 5⁄2 have their closed forms', () => {
    expect(matern(0.7, 0.5)).toBeCloseTo(Math.exp(-0.7), 14);
    const t = Math.sqrt(3) * 0.7;
    expect(matern(-0.7, 1.5)).toBeCloseTo((1 + t) * Math.exp(-t), 14);
    const u = Math.sqrt(5) * 0.7;
    expect(matern(0.7, 2.5)).toBeCloseTo((1 + u + (u * u) / 3) * Math.exp(-u), 14);
  });

  it('K finer pixels averaged K at a time give the coarse pixel covariance (the points nest)', () => {
    for (const K of [2, 4]) {
      const per = pointsPerUnit(0.5, 0.5 / K);
      const coarse = pixelPoints(0.5, per);
      const fine = pixelPoints(0.5 / K, per);
      for (const delta of [0, 1, 2.5]) {
        let s = 0;
        for (let k = 0; k < K; k++) s += pixelCov(delta + (k - (K - 1) / 2) / K, fine, coarse, 1.3, 1.5);
        expect(s / K).toBeCloseTo(pixelCov(delta, coarse, coarse, 1.3, 1.5), 12);
      }
    }
  });
});

describe('kernel solves', () => {
  const rng = new Rng(3);

  it('the Jacobi eigendecomposition reconstructs the matrix with orthonormal vectors', () => {
    const n = 9;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = rng.normal();
    const { values, vectors } = symEig(A, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let a = 0;
        let o = 0;
        for (let k = 0; k < n; k++) {
          a += vectors[i * n + k] * values[k] * vectors[j * n + k];
          o += vectors[k * n + i] * vectors[k * n + j];
        }
        expect(a).toBeCloseTo(A[i * n + j], 10);
        expect(o).toBeCloseTo(i === j ? 1 : 0, 10);
      }
  });

  it('mode products equal the Kronecker matrix times the vector', () => {
    const dims = [3, 4];
    const M0 = Float64Array.from({ length: 6 }, () => rng.normal()); // 2×3
    const M1 = Float64Array.from({ length: 20 }, () => rng.normal()); // 5×4
    const Y = Float64Array.from({ length: 12 }, () => rng.normal());
    const out = multiModeProduct(Y, dims, 1, [M0, M1], [2, 5]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) for (let l = 0; l < 4; l++) s += M0[i * 3 + k] * M1[j * 4 + l] * Y[k * 4 + l];
        expect(out[i * 5 + j]).toBeCloseTo(s, 12);
      }
    expect(modeProduct(Y, dims, 1, 0, M0, 2).length).toBe(8);
  });

  it('the Kronecker solve equals the dense solve on a full grid, with two channels', () => {
    const dims = [4, 5, 3];
    const tables = [table(4, 1.5, 2.5), table(5, 1, 1.5), table(3, 2, 0.5)];
    const pts = gridPoints(dims);
    const n = pts.length;
    const C = 2;
    const Y = Float64Array.from({ length: n * C }, () => rng.normal());
    const plan = gridPlan(
      tables.map((t, a) => {
        const s = dims[a];
        const K = new Float64Array(s * s);
        for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) K[i * s + j] = t[Math.abs(i - j)];
        return axisFactor(K, s);
      }),
      [1e-3],
      'gcv',
      false,
    );
    const sol = solveGrid(Y, C, plan, false);
    const K = denseK(pts, tables);
    for (let c = 0; c < C; c++) {
      const b = Float64Array.from({ length: n }, (_, i) => Y[i * C + c]);
      const x = denseSolve(K, n, 1e-3, b);
      for (let i = 0; i < n; i++) expect(sol.alpha[i * C + c]).toBeCloseTo(x[i], 6);
    }
    // The dense (scattered) solve on all the points agrees too.
    const pos = new Int32Array(pts.flat());
    const sc = solveScatter(pos, n, 3, offsetTable(dims, tables), Y, C, [1e-3], new Float64Array(2 * n * n), false);
    for (let i = 0; i < n * C; i++) expect(sc.alpha[i]).toBeCloseTo(sol.alpha[i], 6);
  });

  /** Brute force: refit without the held-out points, predict them; mean squared error. */
  function bruteForceCv(pts: number[][], tables: Float64Array[], Y: Float64Array, s2: number, groups: number[][]): number {
    const n = pts.length;
    const K = denseK(pts, tables);
    let e2 = 0;
    for (const out of groups) {
      const keep = [...Array(n).keys()].filter((i) => !out.includes(i));
      const m = keep.length;
      const Kk = new Float64Array(m * m);
      keep.forEach((i, a) => keep.forEach((j, b) => (Kk[a * m + b] = K[i * n + j])));
      const alpha = denseSolve(Kk, m, s2, Float64Array.from(keep.map((i) => Y[i])));
      for (const i of out) {
        let pred = 0;
        keep.forEach((j, b) => (pred += K[i * n + j] * alpha[b]));
        e2 += (Y[i] - pred) ** 2;
      }
    }
    return e2 / n;
  }

  it('leave-one-out by the closed form equals refitting without each sample (dense and Kronecker)', () => {
    const dims = [4, 5];
    const tables = [table(4, 1.2, 1.5), table(5, 2, 1.5)];
    const pts = gridPoints(dims);
    const n = pts.length;
    const Y = Float64Array.from({ length: n }, () => rng.normal());
    const nuggets = [1e-2, 0.3];
    const brute = nuggets.map((s2) =>
      bruteForceCv(
        pts,
        tables,
        Y,
        s2,
        pts.map((_, i) => [i]),
      ),
    );
    const sc = solveScatter(new Int32Array(pts.flat()), n, 2, offsetTable(dims, tables), Y, 1, nuggets, new Float64Array(2 * n * n));
    expect(sc.score).toBeCloseTo(Math.min(...brute), 8);
    expect(sc.nugget).toBe(nuggets[brute.indexOf(Math.min(...brute))]);
    const factors = tables.map((t, a) => {
      const s = dims[a];
      const K = new Float64Array(s * s);
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) K[i * s + j] = t[Math.abs(i - j)];
      return axisFactor(K, s);
    });
    const gs = solveGrid(Y, 1, gridPlan(factors, nuggets, 'loo', true));
    expect(gs.score).toBeCloseTo(Math.min(...brute), 8);
  });

  it('leave-one-slice-out by the block formula equals refitting without each slice', () => {
    const dims = [5, 3, 4];
    const tables = [table(5, 2, 2.5), table(3, 1, 1.5), table(4, 1, 1.5)];
    const pts = gridPoints(dims);
    const n = pts.length;
    const Y = Float64Array.from({ length: n }, () => rng.normal());
    const nuggets = [1e-3, 0.1];
    const slices = Array.from({ length: dims[0] }, (_, b) => pts.map((p, i) => (p[0] === b ? i : -1)).filter((i) => i >= 0));
    const brute = nuggets.map((s2) => bruteForceCv(pts, tables, Y, s2, slices));
    const factors = tables.map((t, a) => {
      const s = dims[a];
      const K = new Float64Array(s * s);
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) K[i * s + j] = t[Math.abs(i - j)];
      return axisFactor(K, s);
    });
    const gs = solveGrid(Y, 1, gridPlan(factors, nuggets, 'slice', true));
    expect(gs.score).toBeCloseTo(Math.min(...brute), 8);
  });

  it('GCV picks a nugget that beats a fixed tiny one on a noisy signal', () => {
    const dims = [40];
    const clean = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i / 4) + 0.5 * Math.cos(i / 9));
    const noisy = clean.map((v) => v + 0.3 * rng.normal());
    const mean = noisy.reduce((a, b) => a + b, 0) / 40;
    const Y = noisy.map((v) => v - mean);
    const t = table(40, 4, 2.5);
    const K = new Float64Array(1600);
    for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) K[i * 40 + j] = t[Math.abs(i - j)];
    const factors = [axisFactor(K, 40)];
    const fitted = (alpha: Float64Array) => {
      const out = new Float64Array(40);
      for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) out[i] += K[i * 40 + j] * alpha[j];
      return out.map((v) => v + mean);
    };
    const gcv = solveGrid(Y, 1, gridPlan(factors, [1e-6, 1e-4, 1e-2, 1e-1, 1], 'gcv', true));
    const fixed = solveGrid(Y, 1, gridPlan(factors, [1e-6], 'gcv', false), false);
    expect(gcv.nugget).toBeGreaterThan(1e-4);
    expect(mse(fitted(gcv.alpha), clean)).toBeLessThan(0.5 * mse(fitted(fixed.alpha), clean));
    void dims;
  });
});

/** A smooth field on a grid, one channel. */
function field(shape: number[], f: (p: number[]) => number): Float32Array {
  return Float32Array.from(gridPoints(shape), (p) => f(p));
}

describe('the kernel-limit ELM', () => {
  it('inpaints a smooth image from a third of its samples better than nearest-sample filling, and stores only those samples', () => {
    const shape = [40, 44];
    const f = (p: number[]) => Math.sin(p[1] / 5) * Math.cos(p[0] / 7) + 0.2 * Math.sin((p[0] + p[1]) / 3);
    const values = field(shape, f);
    const rng = new Rng(5);
    const mask = Uint8Array.from(values, () => (rng.uniform() < 0.33 ? 1 : 0));
    let seen = 0;
    for (const m of mask) seen += m;
    const spec = kernelElmSpec(shape, 1, 'inpaint', { observedFraction: seen / mask.length });
    const model = fitElm({ values, shape, channels: 1, mask }, spec);
    expect(paramCount(model)).toBe(seen);
    const rec = evaluateElm(model, shape.map(sampleGrid));
    // Nearest observed sample along the row (a floor any interpolation must beat).
    const near = new Float32Array(values.length);
    for (let y = 0; y < shape[0]; y++)
      for (let x = 0; x < shape[1]; x++) {
        let best = Infinity;
        for (let k = 0; k < shape[1]; k++)
          if (mask[y * shape[1] + k] && Math.abs(k - x) < best) {
            best = Math.abs(k - x);
            near[y * shape[1] + x] = values[y * shape[1] + k];
          }
      }
    const hidden = (i: number) => mask[i] === 0;
    expect(mse(rec, values, hidden)).toBeLessThan(0.1 * mse(near, values, hidden));
    // Observed samples are reproduced closely (the model interpolates up to its nugget).
    expect(mse(rec, values, (i) => mask[i] === 1)).toBeLessThan(1e-4);
  });

  it('super-resolves block-averaged data better with the area pixel model than with point samples', () => {
    const K = 2;
    const fine = [48, 48];
    const g = (y: number, x: number) => Math.sin(x / 2.2 + y / 5) + 0.5 * Math.cos(y / 1.9);
    const truth = field(fine, ([y, x]) => g(y, x));
    const low = new Float32Array((fine[0] / K) * (fine[1] / K));
    for (let y = 0; y < fine[0] / K; y++)
      for (let x = 0; x < fine[1] / K; x++) {
        let s = 0;
        for (let dy = 0; dy < K; dy++) for (let dx = 0; dx < K; dx++) s += truth[(y * K + dy) * fine[1] + x * K + dx];
        low[y * (fine[1] / K) + x] = s / (K * K);
      }
    const shape = fine.map((L) => L / K);
    const grids = shape.map((L) => finerGrid(L, K));
    const err = (pixel: 'area' | 'point') => {
      const model = fitElm({ values: low, shape, channels: 1 }, kernelElmSpec(shape, 1, 'superres', { pixel }));
      return mse(evaluateElm(model, grids), truth);
    };
    const area = err('area');
    expect(area).toBeLessThan(0.5 * err('point'));
    // Averaged back K×K, the area model's fine output reproduces the data it saw.
    const model = fitElm({ values: low, shape, channels: 1 }, kernelElmSpec(shape, 1, 'superres', { pixel: 'area' }));
    const out = evaluateElm(model, grids);
    const back = new Float32Array(low.length);
    for (let y = 0; y < shape[0]; y++)
      for (let x = 0; x < shape[1]; x++) {
        let s = 0;
        for (let dy = 0; dy < K; dy++) for (let dx = 0; dx < K; dx++) s += out[(y * K + dy) * fine[1] + x * K + dx];
        back[y * shape[1] + x] = s / (K * K);
      }
    const coarse = evaluateElm(model, shape.map(sampleGrid));
    for (let i = 0; i < low.length; i++) expect(back[i]).toBeCloseTo(coarse[i], 4);
    expect(mse(coarse, low)).toBeLessThan(1e-3);
  });

  it('follows structures that move between slices (sheared kernels) where plain interpolation blurs', () => {
    // Slices of a fine pattern that shifts along x by one sample per slice: two per kept slice.
    const full = [16, 8, 96];
    const p = (x: number) => Math.sin(x / 1.3) + 0.6 * Math.sin(x / 0.8 + 1);
    const truth = field(full, ([z, , x]) => p(x - z));
    const kept = Math.floor((full[0] - 1) / 2) + 1;
    const plane = full[1] * full[2];
    const low = new Float32Array(kept * plane);
    for (let k = 0; k < kept; k++) low.set(truth.subarray(2 * k * plane, (2 * k + 1) * plane), k * plane);
    const shape = [kept, full[1], full[2]];
    const grids = [{ start: 0, step: 0.5, count: 2 * (kept - 1) + 1 }, sampleGrid(full[1]), sampleGrid(full[2])];
    const spec = kernelElmSpec(shape, 1, 'interp');
    const ks = spec.kernel!;
    const lengths = ks.candidates[0].lengths;
    const withShear = {
      ...spec,
      kernel: {
        ...ks,
        candidates: [
          { lengths, shear: [0, 0, 0] },
          { lengths, shear: [0, 0, 2] },
        ],
      },
    };
    const plain = { ...spec, kernel: { ...ks, candidates: [{ lengths, shear: [0, 0, 0] }] } };
    // Scored: the dropped slices, inside the cells whose sheared context stays in the volume.
    const odd = (i: number) => Math.floor(i / plane) % 2 === 1 && i % full[2] >= 32 && i % full[2] < 64;
    const sheared = evaluateElm(fitElm({ values: low, shape, channels: 1 }, withShear), grids);
    const unsheared = evaluateElm(fitElm({ values: low, shape, channels: 1 }, plain), grids);
    const t = truth.subarray(0, sheared.length);
    expect(mse(sheared, t, odd)).toBeLessThan(0.01 * mse(unsheared, t, odd));
    // The default candidates (−1, 0, +1 per kept slice) are chosen among by leave-one-slice-out.
    expect(ks.criterion).toBe('slice');
    expect(ks.candidates.map((c) => c.shear![2]).sort()).toEqual([-1, -1, -1, 0, 0, 0, 1, 1, 1]);
  });

  it('round-trips through the .inr file and evaluates the same', () => {
    const shape = [20, 18];
    const values = field(shape, ([y, x]) => Math.sin(x / 3) + y / 20);
    const mask = Uint8Array.from(values, (_, i) => (i % 3 === 0 ? 1 : 0));
    const model = fitElm({ values, shape, channels: 1, mask }, kernelElmSpec(shape, 1, 'inpaint', { observedFraction: 1 / 3 }));
    const bytes = encodeModel(model, { axes: ['y', 'x'], channels: ['v'], dtype: 'float32', geometry: { spacing: [1, 1], origin: [0, 0] } });
    const loaded = decodeModel(bytes).model;
    expect(loaded.spec.kernel).toEqual(model.spec.kernel);
    const grids = shape.map((L) => finerGrid(L, 2));
    expect(Array.from(evaluateElm(loaded, grids))).toEqual(Array.from(evaluateElm(model, grids)));
    // The file holds the observed samples only (a third), with their positions as a bit mask.
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true))));
    expect(header.weights.count).toBe(paramCount(model));
    expect(header.weights.count).toBe(Math.ceil(values.length / 3));
    // A header whose kernel spec is malformed is refused, not evaluated.
    const bad = encodeModel(
      { ...model, spec: { ...model.spec, kernel: { ...model.spec.kernel!, context: [1e6, 5] } } },
      { axes: ['y', 'x'], channels: ['v'], dtype: 'float32', geometry: { spacing: [1, 1], origin: [0, 0] } },
    );
    expect(() => decodeModel(bad)).toThrow(/kernel context invalid/);
  });

  it('evaluates at scattered points as on the grid they lie on', () => {
    const shape = [6, 10, 12];
    const values = field(shape, ([z, y, x]) => Math.sin(x / 2 - z / 3) + Math.cos(y / 3));
    const model = fitElm({ values, shape, channels: 1 }, kernelElmSpec(shape, 1, 'interp'));
    const grids = [{ start: 0, step: 0.5, count: 11 }, sampleGrid(10), sampleGrid(12)];
    const onGrid = evaluateElm(model, grids);
    const rng = new Rng(9);
    const picks = Array.from({ length: 40 }, () => [Math.floor(rng.uniform() * 11), Math.floor(rng.uniform() * 10), Math.floor(rng.uniform() * 12)]);
    const pts = new Float64Array(picks.flatMap(([i, y, x]) => [i * 0.5, y, x]));
    const at = evaluatePoints(model, pts);
    picks.forEach(([i, y, x], p) => expect(at[p]).toBeCloseTo(onGrid[(i * 10 + y) * 12 + x], 4));
  });
});
