import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng';
import { atb, choleskySolve, factorRidge, gramUpper, ridgeDirect, symmetrize } from '../../main/inr/elm/linalg';
import { evaluateElm, evaluatePoints, fitElm, windowSum } from '../../main/inr/elm/fit';
import { featureMatrix, hiddenLayer } from '../../main/inr/elm/features';
import { finerGrid, localCoord, sampleGrid, uniformMesh } from '../../main/inr/elm/mesh';
import { createModel, paramCount, weightsPerCell, type ElmSpec } from '../../main/inr/elm/model';
import { resolveElmSpec } from '../../main/inr/elm/config';
import { decodeModel, encodeModel } from '../../main/inr/elm/io';
import { ElmPool } from '../../main/inr/elm/parallel';
import { runFitTask } from '../../main/tasks/fit';
import { createField } from '../../main/core/field';
import { psnr } from '../../main/metrics/index';

function randomMatrix(rng: Rng, n: number, m: number): Float64Array {
  const a = new Float64Array(n * m);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

function ridgeByCholesky(H: Float64Array, n: number, m: number, Y: Float64Array, c: number, lambda: number) {
  const G = new Float64Array(m * m);
  gramUpper(H, m, 0, n, G);
  symmetrize(G, m);
  const f = factorRidge(G, m, lambda);
  const B = new Float64Array(m * c);
  atb(H, n, m, Y, c, B);
  choleskySolve(f, B, c);
  return { beta: B, factor: f };
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** A smooth 2-channel test signal on a grid of `shape`. */
function smoothField(shape: number[], f: (x: number[]) => number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const C = f(shape.map(() => 0)).length;
  const values = new Float32Array(n * C);
  const idx = shape.map(() => 0);
  for (let i = 0; i < n; i++) {
    let r = i;
    for (let a = shape.length - 1; a >= 0; a--) {
      idx[a] = r % shape[a];
      r = Math.floor(r / shape[a]);
    }
    const v = f(idx);
    for (let c = 0; c < C; c++) values[i * C + c] = v[c];
  }
  return values;
}

const spec2d = (shape: number[], cells: number[], hidden: number, channels: number, overlap = 0.15): ElmSpec =>
  resolveElmSpec(shape, channels, { subdomains: cells, hidden, overlap });

describe('least squares', () => {
  it('matches a direct dense ridge solve on small problems', () => {
    const rng = new Rng(7);
    for (const [n, m, c] of [
      [40, 10, 1],
      [80, 25, 3],
      [200, 64, 6],
    ]) {
      const H = randomMatrix(rng, n, m);
      const Y = randomMatrix(rng, n, c);
      const lambda = 1e-3;
      const direct = ridgeDirect(H, n, m, Y, c, lambda);
      const { beta, factor } = ridgeByCholesky(H, n, m, Y, c, lambda);
      expect(factor.retries).toBe(0);
      expect(maxRelDiff(beta, direct)).toBeLessThan(1e-10);
    }
  });

  it('never fails on rank-deficient problems (duplicated and zero columns, no ridge)', () => {
    const rng = new Rng(3);
    const n = 50;
    const m = 12;
    const H = randomMatrix(rng, n, m);
    for (let r = 0; r < n; r++) {
      H[r * m + 5] = H[r * m + 2]; // duplicate column
      H[r * m + 9] = 0; // zero column
    }
    const Y = randomMatrix(rng, n, 2);
    const { beta, factor } = ridgeByCholesky(H, n, m, Y, 2, 0);
    expect(factor.retries).toBeGreaterThan(0);
    expect(beta.every(Number.isFinite)).toBe(true);
    // Still a least-squares solution: the residual is orthogonal to the column space (to jitter precision).
    const R = new Float64Array(n * 2);
    for (let r = 0; r < n; r++)
      for (let q = 0; q < 2; q++) {
        let s = Y[r * 2 + q];
        for (let j = 0; j < m; j++) s -= H[r * m + j] * beta[j * 2 + q];
        R[r * 2 + q] = s;
      }
    const g = new Float64Array(m * 2);
    atb(H, n, m, R, 2, g);
    expect(Math.max(...g.map(Math.abs))).toBeLessThan(1e-5);
  });

  it('a single subdomain is a plain ELM', () => {
    const shape = [20, 24];
    const values = smoothField(shape, ([y, x]) => [Math.sin(x / 4) + Math.cos(y / 5)]);
    const spec = { ...spec2d(shape, [1, 1], 30, 1), affine: false };
    const model = fitElm({ values, shape, channels: 1 }, spec);
    // Direct: features on the local grid, centred targets, dense ridge solve.
    const mesh = uniformMesh(shape, [1, 1], spec.overlap);
    const coords = shape.map((L, a) => Float64Array.from({ length: L }, (_, i) => localCoord(mesh.axes[a], i)));
    const H = featureMatrix(hiddenLayer(spec.seed, spec.hidden, spec.omega, spec.activation), coords);
    const n = shape[0] * shape[1];
    let mean = 0;
    for (const v of values) mean += v;
    mean /= n;
    const Y = Float64Array.from(values, (v) => v - mean);
    const G = new Float64Array(spec.hidden ** 2);
    gramUpper(H, spec.hidden, 0, n, G);
    let tr = 0;
    for (let j = 0; j < spec.hidden; j++) tr += G[j * spec.hidden + j];
    const direct = ridgeDirect(H, n, spec.hidden, Y, 1, (spec.ridge * tr) / spec.hidden);
    const beta = Float64Array.from(model.weights.subarray(0, spec.hidden));
    expect(
      maxRelDiff(
        beta,
        Float64Array.from(direct, (v) => Math.fround(v)),
      ),
    ).toBeLessThan(1e-4);
    expect(model.weights[spec.hidden]).toBeCloseTo(mean, 5);
  });
});

describe('partition of unity', () => {
  for (const [shape, cells, overlap] of [
    [[97], [7], 0.25],
    [[40, 53], [5, 6], 0.15],
    [[17, 22, 19], [3, 4, 3], 0.5],
  ] as [number[], number[], number][]) {
    it(`sums to one to 1e-12 on a ${shape.join('×')} grid with ${cells.join('×')} cells, overlap ${overlap}`, () => {
      const mesh = uniformMesh(shape, cells, overlap);
      // Off-grid queries, 3× finer than the samples, including the borders.
      const grids = shape.map((L) => finerGrid(L, 3));
      const raw = windowSum(mesh, grids);
      let minRaw = Infinity;
      for (const v of raw) minRaw = Math.min(minRaw, v);
      // Every query lies in some cell's core, where each axis factor is ≥ ½: the sum never vanishes.
      expect(minRaw).toBeGreaterThanOrEqual(Math.pow(0.5, shape.length) - 1e-12);
      // A model whose cells all predict the constant 1: the blend must be exactly 1 everywhere.
      const spec: ElmSpec = { ...resolveElmSpec(shape, 1, { subdomains: cells, hidden: 4, overlap }) };
      const model = createModel(spec);
      const per = weightsPerCell(spec);
      const meanAt = per - 1; // one channel: the mean is the last weight of each cell
      for (let id = 0; id < mesh.count; id++) model.weights[id * per + meanAt] = 1;
      const u = evaluateElm(model, grids);
      let worst = 0;
      for (const v of u) worst = Math.max(worst, Math.abs(v - 1));
      expect(worst).toBeLessThan(1e-12);
    });
  }

  it('windows of neighbours sum to exactly one inside a uniform mesh', () => {
    const mesh = uniformMesh([64], [8], 0.25);
    const raw = windowSum(mesh, [sampleGrid(64)]);
    // Away from the domain borders (where only one cell exists), Σ w_i = 1 without normalisation.
    for (let i = 4; i < 60; i++) expect(Math.abs(raw[i] - 1)).toBeLessThan(1e-12);
  });

  it('leaves no seams: errors at cell boundaries are no larger than inside cells', () => {
    const shape = [96, 96];
    const f = (y: number, x: number) => Math.sin((2 * Math.PI * x) / 40) * Math.cos((2 * Math.PI * y) / 33) + 0.3 * Math.sin((x + y) / 9);
    const values = smoothField(shape, ([y, x]) => [f(y, x)]);
    const spec = spec2d(shape, [6, 6], 48, 1);
    const model = fitElm({ values, shape, channels: 1 }, spec);
    const K = 4;
    const grids = shape.map((L) => finerGrid(L, K));
    const u = evaluateElm(model, grids);
    const w = model.mesh.axes[1].width;
    let edge = 0;
    let edgeN = 0;
    let core = 0;
    let coreN = 0;
    let maxJump = 0;
    let maxStep = 0;
    const n = grids[1].count;
    for (let j = 0; j < grids[0].count; j++) {
      const y = grids[0].start + j * grids[0].step;
      for (let i = 0; i < n; i++) {
        const x = grids[1].start + i * grids[1].step;
        const e = (u[j * n + i] - f(y, x)) ** 2;
        const dEdge = Math.abs(((x + 0.5) % w) - 0) < 1 || Math.abs(((x + 0.5) % w) - w) < 1;
        if (dEdge) {
          edge += e;
          edgeN++;
        } else {
          core += e;
          coreN++;
        }
        if (i > 0) {
          // Change of the reconstruction error between neighbouring fine samples: a seam is a jump.
          const x0 = x - grids[1].step;
          const d = Math.abs(u[j * n + i] - f(y, x) - (u[j * n + i - 1] - f(y, x0)));
          const crosses = Math.floor((x0 + 0.5) / w) !== Math.floor((x + 0.5) / w);
          if (crosses) maxJump = Math.max(maxJump, d);
          else maxStep = Math.max(maxStep, d);
        }
      }
    }
    const rmsEdge = Math.sqrt(edge / edgeN);
    const rmsCore = Math.sqrt(core / coreN);
    expect(rmsCore).toBeLessThan(0.02);
    expect(rmsEdge).toBeLessThan(2 * rmsCore);
    expect(maxJump).toBeLessThanOrEqual(maxStep * 1.5);
  });
});

describe('ELM-INR fit', () => {
  it('reproduces constant and linear fields', () => {
    const shape = [30, 34];
    const constant = smoothField(shape, () => [3.25]);
    const linear = smoothField(shape, ([y, x]) => [0.02 * x - 0.01 * y + 1]);
    const spec = spec2d(shape, [3, 3], 32, 1);
    for (const values of [constant, linear]) {
      const model = fitElm({ values, shape, channels: 1 }, spec);
      const u = evaluateElm(model, shape.map(sampleGrid));
      let worst = 0;
      for (let i = 0; i < u.length; i++) worst = Math.max(worst, Math.abs(u[i] - values[i]));
      // The affine features represent these exactly; what remains is the float32 storage of
      // weights that the sine features share with the affine ones (values here are ~1).
      expect(worst).toBeLessThan(2e-4);
    }
  });

  it('fits all channels together through one hidden layer', () => {
    const shape = [48, 40];
    const values = smoothField(shape, ([y, x]) => [Math.sin(x / 5), Math.cos(y / 7), x * y * 1e-3, 1]);
    const spec = spec2d(shape, [4, 4], 48, 4);
    const model = fitElm({ values, shape, channels: 4 }, spec);
    expect(paramCount(model)).toBe(16 * (48 + 3 + 1) * 4);
    const u = evaluateElm(model, shape.map(sampleGrid));
    expect(psnr(values, u, { dataRange: 2 })).toBeGreaterThan(45);
  });

  it('fits 1D, 3D and 2D+time fields', async () => {
    const cases: [number[], (x: number[]) => number[]][] = [
      [[300], ([x]) => [Math.sin(x / 7) + 0.5 * Math.sin(x / 3)]],
      [[20, 22, 18], ([z, y, x]) => [Math.sin(x / 4) * Math.cos(y / 5) + z / 20]],
      [[8, 24, 24], ([t, y, x]) => [Math.sin((x + 2 * t) / 4) * Math.cos(y / 6)]],
    ];
    for (const [shape, f] of cases) {
      const values = smoothField(shape, f);
      const field = createField({ axes: shape.map((_, a) => `a${a}`), shape, channels: ['v'], values, dtype: 'float32', provenance: { format: 'test', path: 'synthetic' } });
      // Default configuration, with the data-driven frequency scale.
      const r = await runFitTask(field, { method: 'elm' });
      expect(r.report.psnr).toBeGreaterThan(45);
    }
  });

  it('fits only observed samples and inpaints the rest', async () => {
    const shape = [64, 64];
    const values = smoothField(shape, ([y, x]) => [Math.sin(x / 6) * Math.cos(y / 8)]);
    const field = createField({ axes: ['y', 'x'], shape, channels: ['v'], values, dtype: 'float32', provenance: { format: 'test', path: 'synthetic' } });
    const r = await runFitTask(field, { method: 'elm', params: { subdomains: [4], hidden: 48 }, task: { kind: 'inpaint', drop: 0.5 } });
    expect(r.report.task).toBe('inpaint');
    expect(r.report.observed_fraction).toBeGreaterThan(0.45);
    expect(r.report.observed_fraction).toBeLessThan(0.55);
    expect(r.report.psnr_unobserved!).toBeGreaterThan(35);
  });

  it('masks NaNs and reports them', async () => {
    const shape = [32, 32];
    const values = smoothField(shape, ([y, x]) => [Math.sin(x / 5) + y / 32]);
    for (let i = 0; i < 50; i++) values[i * 13] = NaN;
    const field = createField({ axes: ['y', 'x'], shape, channels: ['v'], values, dtype: 'float32', provenance: { format: 'test', path: 'synthetic' } });
    const r = await runFitTask(field, { method: 'elm' });
    expect(r.report.nan_masked).toBe(50);
    expect(r.reconstruction.values.every(Number.isFinite)).toBe(true);
  });

  it('rejects a mask that hides everything', async () => {
    const shape = [16, 16];
    const field = createField({ axes: ['y', 'x'], shape, channels: ['v'], values: new Float32Array(256), dtype: 'float32', provenance: { format: 'test', path: 'synthetic' } });
    await expect(runFitTask(field, { method: 'elm', mask: new Uint8Array(256) })).rejects.toMatchObject({ code: 'E_DATA' });
  });

  it('super-resolves: evaluation on a finer grid follows the underlying function', async () => {
    const shape = [40, 40];
    const f = (y: number, x: number) => Math.sin(x / 5) * Math.cos(y / 6);
    const values = smoothField(shape, ([y, x]) => [f(y, x)]);
    const field = createField({ axes: ['y', 'x'], shape, channels: ['v'], values, dtype: 'float32', provenance: { format: 'test', path: 'synthetic' } });
    const r = await runFitTask(field, { method: 'elm', params: { subdomains: [4], hidden: 48 }, task: { kind: 'superres', scale: 3 } });
    expect(r.upsampled!.shape).toEqual([120, 120]);
    const g = finerGrid(40, 3);
    const truth = new Float32Array(120 * 120);
    for (let j = 0; j < 120; j++) for (let i = 0; i < 120; i++) truth[j * 120 + i] = f(g.start + j * g.step, g.start + i * g.step);
    expect(psnr(truth, r.upsampled!.values, { dataRange: 2 })).toBeGreaterThan(35);
    expect(r.upsampled!.geometry.spacing[0]).toBeCloseTo(1 / 3, 12);
  });

  it('resamples volumes through-plane only with zscale', async () => {
    const shape = [10, 16, 16];
    const values = smoothField(shape, ([z, , x]) => [Math.sin(x / 4) + z / 10]);
    const field = createField({
      axes: ['z', 'y', 'x'],
      shape,
      channels: ['v'],
      values,
      dtype: 'float32',
      geometry: { spacing: [5, 1, 1], origin: [0, 0, 0] },
      provenance: { format: 'test', path: 'synthetic' },
    });
    const r = await runFitTask(field, { method: 'elm', task: { kind: 'interp', zscale: 5 } });
    // Anchored at the slices: 10 slices become 9·5 + 1, from the first slice to the last.
    expect(r.upsampled!.shape).toEqual([46, 16, 16]);
    expect(r.upsampled!.geometry.spacing).toEqual([1, 1, 1]);
    expect(r.upsampled!.geometry.origin).toEqual([0, 0, 0]);
    // Every fifth resampled slice is an acquired one.
    for (const k of [0, 3, 9]) {
      const got = r.upsampled!.values.subarray(5 * k * 256, (5 * k + 1) * 256);
      const want = r.reconstruction.values.subarray(k * 256, (k + 1) * 256);
      expect(psnr(want, got, { dataRange: 3 })).toBeGreaterThan(40);
    }
  });
});

describe('model file and parallel solver', () => {
  const shape = [50, 60];
  const values = smoothField(shape, ([y, x]) => [Math.sin(x / 3) * Math.cos(y / 4), Math.sin((x + y) / 7)]);
  const spec = spec2d(shape, [5, 6], 40, 2);

  it('reloading a model reproduces the reconstruction bit for bit, at any resolution', () => {
    const model = fitElm({ values, shape, channels: 2 }, spec);
    const bytes = encodeModel(model, { axes: ['y', 'x'], channels: ['a', 'b'], dtype: 'float32', geometry: { spacing: [1, 1], origin: [0, 0] } });
    const loaded = decodeModel(bytes).model;
    expect(loaded.spec).toEqual(model.spec);
    expect(paramCount(loaded)).toBe(30 * (40 + 3 + 1) * 2);
    for (const grids of [shape.map(sampleGrid), shape.map((L) => finerGrid(L, 2.5))]) {
      const a = evaluateElm(model, grids);
      const b = evaluateElm(loaded, grids);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    }
  });

  it('evaluates at scattered coordinates, agreeing with grid evaluation', () => {
    const model = fitElm({ values, shape, channels: 2 }, spec);
    const grids = shape.map((L) => finerGrid(L, 1.7));
    const onGrid = evaluateElm(model, grids);
    const rng = new Rng(11);
    const n = 300;
    const pts = new Float64Array(n * 2);
    const expected = new Float32Array(n * 2);
    for (let p = 0; p < n; p++) {
      const j = Math.floor(rng.uniform() * grids[0].count);
      const i = Math.floor(rng.uniform() * grids[1].count);
      pts[2 * p] = grids[0].start + j * grids[0].step;
      pts[2 * p + 1] = grids[1].start + i * grids[1].step;
      expected[2 * p] = onGrid[(j * grids[1].count + i) * 2];
      expected[2 * p + 1] = onGrid[(j * grids[1].count + i) * 2 + 1];
    }
    const u = evaluatePoints(model, pts);
    for (let k = 0; k < u.length; k++) expect(Math.abs(u[k] - expected[k])).toBeLessThan(1e-4);
  });

  it('rejects corrupt model files with a clear error', () => {
    const model = fitElm({ values, shape, channels: 2 }, spec);
    const bytes = encodeModel(model, { axes: ['y', 'x'], channels: ['a', 'b'], dtype: 'float32', geometry: { spacing: [1, 1], origin: [0, 0] } });
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 4))).toThrow(/wrong length/);
    expect(() => decodeModel(new TextEncoder().encode('hello world, not a model'))).toThrow(/bad magic/);
  });

  it('two worker threads give the same model and reconstruction as one thread', async () => {
    const serial = fitElm({ values, shape, channels: 2 }, spec);
    const pool = new ElmPool(2);
    try {
      const par = await pool.fit({ values, shape, channels: 2 }, spec);
      expect(Buffer.from(par.weights.buffer).equals(Buffer.from(serial.weights.buffer))).toBe(true);
      const a = evaluateElm(serial, shape.map(sampleGrid));
      const b = await pool.evaluate(par, shape.map(sampleGrid));
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('configuration', () => {
  it('picks a mesh within the parameter budget', () => {
    for (const budget of [5_000, 50_000, 200_000, 800_000]) {
      const spec = resolveElmSpec([512, 512], 3, { budget });
      const params = createModel(spec).weights.length;
      expect(params).toBeLessThanOrEqual(budget);
      expect(params).toBeGreaterThan(budget * 0.4);
    }
  });

  it('rejects bad sizes and budgets with clear errors', () => {
    expect(() => resolveElmSpec([64, 64], 3, { budget: 5 })).toThrow(/too small for one subdomain/);
    expect(() => resolveElmSpec([64, 64], 1, { hidden: 0 })).toThrow(/hidden must be a positive integer/);
    expect(() => resolveElmSpec([64, 64], 1, { subdomains: -2 })).toThrow(/positive integer/);
    expect(() => resolveElmSpec([64, 64], 1, { subdomains: [2, 2, 2] })).toThrow(/one per axis/);
    expect(() => resolveElmSpec([64, 64], 1, { overlap: 1.5 })).toThrow(/overlap/);
    expect(() => resolveElmSpec([64, 64], 1, { budget: -1 })).toThrow(/budget/);
  });

  it('rejects an unknown method', async () => {
    const field = createField({ axes: ['x'], shape: [8], channels: ['v'], values: new Float32Array(8), dtype: 'float32', provenance: { format: 'test', path: 'x' } });
    await expect(runFitTask(field, { method: 'magic' })).rejects.toMatchObject({ code: 'E_ARG', message: expect.stringMatching(/unknown method 'magic'/) });
  });
});
