/**
 * Backpropagation INRs: backends, kernels (dense layer, polynomial sine, B-spline wavelet,
 * Jacobi), parameter counts against METHODS.md, the one-pass empirical NTK against explicit
 * per-sample Jacobians, the IGA transform against a direct eigendecomposition, and a short
 * training run of every net. All nets here are tiny: the whole file runs in a few seconds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../main/core/rng';
import { InrError } from '../../main/core/errors';
import { listBackends, parseBackendId, useBackend } from '../../main/inr/nets/backend';
import { buildNet, METHOD_DEFAULTS, NET_METHODS, parseNetMethod, type NetMethod } from '../../main/inr/nets/options';
import { paramCount, type Net } from '../../main/inr/nets/net';
import { linear } from '../../main/inr/nets/layers';
import { cos as polyCos, sin as polySin, polynomialTrig } from '../../main/inr/nets/fastmath';
import { BW_COEFFS, bwPsi, bwWavelet } from '../../main/inr/nets/bwrelu';
import { jacobiEigen } from '../../main/inr/nets/eigen';
import { adjustResidual, empiricalNtk, igaGroups, igaTransform, selectGroupMaxima } from '../../main/inr/nets/iga';
import { ADAM, igaLoss, lambdaLr, measureBytesPerSample, trainNet } from '../../main/inr/nets/train';
import { chebyshevFeatures } from '../../main/inr/nets/sl2a';

beforeAll(async () => {
  await useBackend('wasm');
});

/** Small nets of every method for the kernel-level tests. */
const TINY: Record<NetMethod, Record<string, number | boolean>> = {
  siren: { width: 8, hidden: 1 },
  ffn: { width: 8, hidden: 1, features: 6, sigma: 2 },
  gauss: { width: 8, hidden: 1, s0: 2 },
  wire: { width: 10, hidden: 1, omega0: 4, s0: 3 },
  sl2a: { width: 8, hidden: 2, degree: 5, rank: 3 },
  bwrelu: { width: 8, hidden: 1, c: 2, learnC: true },
  relu: { width: 8, hidden: 1 },
};

function pointsFor(net: Net, n: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const v = new Float32Array(n * net.inDim);
  for (let i = 0; i < v.length; i++) v[i] = net.coords === 'unit' ? rng.uniform() : 2 * rng.uniform() - 1;
  return tf.tensor2d(v, [n, net.inDim]);
}

/** Explicit per-sample Jacobian of Σ_c f_c/√C, one gradient call per sample (the slow reference). */
function explicitJacobian(net: Net, h: tf.Tensor2D): { J: Float64Array; p: number } {
  const vars = net.params.filter((q) => q.v.trainable).map((q) => q.v);
  const n = h.shape[0];
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const out = net.apply(h);
        return tf.div(tf.sum(tf.slice(out, [i, 0], [1, net.outDim])), Math.sqrt(net.outDim)) as tf.Scalar;
      }, vars);
      return vars.map((v) => (grads[v.name] ? Array.from(grads[v.name].dataSync()) : new Array(v.size).fill(0))).flat();
    });
    rows.push(Float64Array.from(row));
  }
  const p = rows[0].length;
  const J = new Float64Array(n * p);
  rows.forEach((r, i) => J.set(r, i * p));
  return { J, p };
}

function gramRows(J: Float64Array, n: number, p: number): Float64Array {
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += J[i * p + k] * J[j * p + k];
      K[i * n + j] = s;
    }
  return K;
}

/** Unshifted QR iteration (Gram–Schmidt QR): an eigendecomposition independent of Jacobi. */
function qrEigen(K: Float64Array, n: number, iters = 4000): { values: number[]; vectors: Float64Array } {
  let A = Float64Array.from(K);
  let V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let it = 0; it < iters; it++) {
    const Q = new Float64Array(n * n);
    const R = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = A[i * n + j];
      for (let k = 0; k < j; k++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[i * n + k] * v[i];
        R[k * n + j] = d;
        for (let i = 0; i < n; i++) v[i] -= d * Q[i * n + k];
      }
      const nr = Math.hypot(...v);
      R[j * n + j] = nr;
      for (let i = 0; i < n; i++) Q[i * n + j] = nr > 0 ? v[i] / nr : 0;
    }
    const A2 = new Float64Array(n * n);
    const V2 = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        let t = 0;
        for (let k = 0; k < n; k++) {
          s += R[i * n + k] * Q[k * n + j];
          t += V[i * n + k] * Q[k * n + j];
        }
        A2[i * n + j] = s;
        V2[i * n + j] = t;
      }
    A = A2;
    V = V2;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => A[b * n + b] - A[a * n + a]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, k) => {
    for (let i = 0; i < n; i++) vectors[i * n + k] = V[i * n + src];
  });
  return { values: order.map((i) => A[i * n + i]), vectors };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('compute backends', () => {
  it('lists every backend with a reason, and what it lists is what can be selected', async () => {
    const list = await listBackends();
    const by = Object.fromEntries(list.map((b) => [b.id, b]));
    expect(list.map((b) => b.id)).toEqual(['tfjs-node-gpu', 'webgpu', 'wasm', 'cpu']);
    expect(by.wasm.available).toBe(true);
    expect(by.wasm.reason).toMatch(/SIMD|thread/);
    expect(by.cpu.available).toBe(true);
    // tfjs-node-gpu is listed as available exactly when its package loads here.
    const nodeGpu = await import('@tensorflow/tfjs-node-gpu' as string).then(
      () => true,
      () => false,
    );
    if (!nodeGpu) expect(by['tfjs-node-gpu'].reason).toMatch(/not installed|failed to load/);
    expect(by['tfjs-node-gpu'].available).toBe(nodeGpu && by['tfjs-node-gpu'].available);
    for (const b of list) expect(b.reason.length).toBeGreaterThan(3);
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
    // Listing leaves the selected backend alone.
    expect(tf.getBackend()).toBe('wasm');
    // A backend listed as unavailable is refused with E_BACKEND and its reason; an available one is selected.
    for (const id of ['webgpu', 'tfjs-node-gpu'] as const) {
      if (by[id].available) {
        await expect(useBackend(id)).resolves.toMatchObject({ id });
      } else {
        const err = await useBackend(id).catch((e) => e);
        expect(err).toBeInstanceOf(InrError);
        expect(err.code).toBe('E_BACKEND');
        expect(err.message).toContain(`${id} is unavailable`);
      }
    }
    await useBackend('wasm');
  });

  it('selects a named backend, refuses an unavailable one with E_BACKEND and an unknown one with E_ARG', async () => {
    const cpu = await useBackend('cpu');
    expect(cpu.id).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(() => parseBackendId('quantum')).toThrow(/unknown backend/);
    const auto = await useBackend('auto');
    expect(auto.id).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('kernels', () => {
  it('the dense layer with explicit transposes has the gradients of x·W + b', () => {
    const rng = new Rng(3);
    const x = tf.tensor2d(
      Array.from({ length: 15 }, () => rng.normal()),
      [5, 3],
    );
    const W = tf.tensor2d(
      Array.from({ length: 12 }, () => rng.normal()),
      [3, 4],
    );
    const b = tf.tensor1d(Array.from({ length: 4 }, () => rng.normal()));
    const dy = tf.tensor2d(
      Array.from({ length: 20 }, () => rng.normal()),
      [5, 4],
    );
    const ref = tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D), c), dy)))([x, W, b]);
    const got = tf.grads((a: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(linear(a as tf.Tensor2D, w as tf.Tensor2D, c as tf.Tensor1D), dy)))([x, W, b]);
    for (let i = 0; i < 3; i++) expect(maxAbsDiff(got[i].dataSync(), ref[i].dataSync())).toBeLessThan(1e-5);
    // Without the input gradient (first layers): the same W and b gradients.
    const got2 = tf.grads((w: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(linear(x, w as tf.Tensor2D, c as tf.Tensor1D, false), dy)))([W, b]);
    expect(maxAbsDiff(got2[0].dataSync(), ref[1].dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(got2[1].dataSync(), ref[2].dataSync())).toBeLessThan(1e-5);
  });

  it('the polynomial sine and cosine match Math.sin/cos to 1e-6 with the right derivatives', () => {
    expect(polynomialTrig()).toBe(true);
    const xs = Float32Array.from({ length: 4001 }, (_, i) => -200 + i * 0.1);
    const x = tf.tensor1d(xs);
    const s = polySin(x).dataSync();
    const c = polyCos(x).dataSync();
    let es = 0;
    let ec = 0;
    for (let i = 0; i < xs.length; i++) {
      es = Math.max(es, Math.abs(s[i] - Math.sin(xs[i])));
      ec = Math.max(ec, Math.abs(c[i] - Math.cos(xs[i])));
    }
    expect(es).toBeLessThan(1e-6);
    expect(ec).toBeLessThan(1e-6);
    const gs = tf
      .grad((t: tf.Tensor) => tf.sum(polySin(t)))(x)
      .dataSync();
    const gc = tf
      .grad((t: tf.Tensor) => tf.sum(polyCos(t)))(x)
      .dataSync();
    for (let i = 0; i < xs.length; i += 37) {
      expect(gs[i]).toBeCloseTo(Math.cos(xs[i]), 5);
      expect(gc[i]).toBeCloseTo(-Math.sin(xs[i]), 5);
    }
  });

  it('the B-spline wavelet is the sum of 7 ReLUs with coefficients (1,−8,23,−32,23,−8,1)/6', () => {
    expect(BW_COEFFS.map((a) => a * 6)).toEqual([1, -8, 23, -32, 23, -8, 1]);
    expect(bwPsi(1.5)).toBeCloseTo(5 / 6, 12);
    expect(bwPsi(1)).toBeCloseTo(-0.5, 12);
    expect(bwPsi(2)).toBeCloseTo(-0.5, 12);
    expect(bwPsi(-0.3)).toBe(0);
    expect(bwPsi(3.7)).toBeCloseTo(0, 12);
    const us = Float32Array.from({ length: 161 }, (_, i) => -0.9 + i * 0.03 + 0.001);
    const u = tf.tensor1d(us);
    const v = bwWavelet(u).dataSync();
    const g = tf
      .grad((t: tf.Tensor) => tf.sum(bwWavelet(t)))(u)
      .dataSync();
    for (let i = 0; i < us.length; i++) {
      expect(v[i]).toBeCloseTo(bwPsi(us[i]), 5);
      const fd = (bwPsi(us[i] + 1e-4) - bwPsi(us[i] - 1e-4)) / 2e-4;
      expect(g[i]).toBeCloseTo(fd, 3);
    }
  });

  it('Jacobi eigendecomposition: the tridiagonal Toeplitz spectrum, orthonormal vectors, A·V = V·Λ', () => {
    const n = 12;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      A[i * n + i] = 2;
      if (i + 1 < n) A[i * n + i + 1] = A[(i + 1) * n + i] = -1;
    }
    const e = jacobiEigen(A, n);
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((a, b) => b - a);
    expect(maxAbsDiff(e.values, expected)).toBeLessThan(1e-12);
    const rng = new Rng(5);
    const m = 20;
    const B = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) B[i * m + j] = B[j * m + i] = rng.normal() * (i === j ? 10 : 1);
    const f = jacobiEigen(B, m);
    for (let k = 1; k < m; k++) expect(f.values[k]).toBeLessThanOrEqual(f.values[k - 1]);
    let err = 0;
    let orth = 0;
    for (let i = 0; i < m; i++)
      for (let k = 0; k < m; k++) {
        let av = 0;
        let vv = 0;
        for (let j = 0; j < m; j++) {
          av += B[i * m + j] * f.vectors[j * m + k];
          vv += f.vectors[j * m + i] * f.vectors[j * m + k];
        }
        err = Math.max(err, Math.abs(av - f.values[k] * f.vectors[i * m + k]));
        orth = Math.max(orth, Math.abs(vv - (i === k ? 1 : 0)));
      }
    expect(err).toBeLessThan(1e-10);
    expect(orth).toBeLessThan(1e-12);
  });

  it('Chebyshev features are T_k(tanh x) = cos(k·arccos(tanh x))', () => {
    const x = tf.tensor2d([0.3, -1.2, 2.5, 0], [2, 2]);
    const F = chebyshevFeatures(x, 6).arraySync();
    const xs = [
      [0.3, -1.2],
      [2.5, 0],
    ];
    for (let r = 0; r < 2; r++) for (let i = 0; i < 2; i++) for (let k = 0; k <= 6; k++) expect(F[r][i * 7 + k]).toBeCloseTo(Math.cos(k * Math.acos(Math.tanh(xs[r][i]))), 5);
  });
});

describe('nets', () => {
  it('parameter counts match METHODS.md (2 → 3)', () => {
    const before = tf.memory().numTensors;
    const count = (m: string, o: Record<string, number> = {}) => {
      const net = buildNet(m, new Rng(1), 2, 3, o);
      const c = paramCount(net);
      net.dispose();
      return c;
    };
    expect(count('siren', { width: 256, hidden: 3 })).toBe(198915);
    expect(count('siren', { width: 256, hidden: 2 })).toBe(133123);
    expect(count('gauss', { width: 256, hidden: 3 })).toBe(198915);
    expect(count('relu', { width: 256, hidden: 3 })).toBe(198915);
    expect(count('wire', { width: 256, hidden: 3 })).toBe(199287);
    expect(count('ffn', { width: 256, hidden: 3 })).toBe(329475);
    expect(count('ffn', { width: 256, hidden: 2 })).toBe(263683);
    expect(count('sl2a', { width: 256, hidden: 3, degree: 256, rank: 128 })).toBe(330243);
    expect(count('sl2a', { width: 256, hidden: 3, degree: 512, rank: 32 })).toBe(313859);
    expect(count('bwrelu', { width: 300, hidden: 2 })).toBe(182403);
    expect(count('bwrelu', { width: 256, hidden: 3 })).toBe(198915);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('initialisers follow the papers and are reproducible from the seed', () => {
    const siren = buildNet('siren', new Rng(7), 2, 1, { width: 64, hidden: 1 });
    const [W0, b0, W1] = siren.params.map((p) => p.v.dataSync());
    const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
    expect(maxAbs(W0)).toBeLessThanOrEqual(1 / 2); // U(±1/n_in), n_in = 2
    expect(maxAbs(W0)).toBeGreaterThan(0.45);
    expect(maxAbs(b0)).toBeLessThanOrEqual(1 / Math.SQRT2); // PyTorch default bias
    expect(maxAbs(W1)).toBeLessThanOrEqual(Math.sqrt(6 / 64) / 30); // U(±√(6/n)/ω0)
    expect(maxAbs(W1)).toBeGreaterThan((0.9 * Math.sqrt(6 / 64)) / 30);
    const again = buildNet('siren', new Rng(7), 2, 1, { width: 64, hidden: 1 });
    expect(Array.from(again.params[2].v.dataSync())).toEqual(Array.from(W1));
    siren.dispose();
    again.dispose();
    const ffn = buildNet('ffn', new Rng(2), 2, 1, { width: 32, hidden: 1, sigma: 10, features: 4000 });
    // γ(v) = [cos 2πvB, sin 2πvB] with B ~ N(0, σ²): at v = (1, 0) the projections are 2π·B₀ⱼ.
    const feats = ffn.prepare(tf.tensor2d([[1e-3, 0]])).dataSync();
    expect(feats.length).toBe(8000);
    let s2 = 0;
    for (let j = 0; j < 4000; j++) s2 += (Math.atan2(feats[4000 + j], feats[j]) / (2 * Math.PI * 1e-3)) ** 2;
    expect(Math.sqrt(s2 / 4000)).toBeGreaterThan(9);
    expect(Math.sqrt(s2 / 4000)).toBeLessThan(11);
    ffn.dispose();
    expect(() => buildNet('nerf', new Rng(1), 2, 1)).toThrow(/unknown method/);
    expect(parseNetMethod('BW-ReLU')).toBe('bwrelu');
    expect(() => buildNet('siren', new Rng(1), 2, 1, { width: 0 })).toThrow(InrError);
  });

  it('WIRE stays finite where ω0/s0 is far above the stable range, and warns', () => {
    const net = buildNet('wire', new Rng(1), 2, 1, { width: 32, hidden: 3, omega0: 60, s0: 1 });
    expect(net.warnings.join(' ')).toMatch(/ω0\/s0/);
    const out = net.apply(pointsFor(net, 64, 1)).dataSync();
    expect(Array.from(out).every(Number.isFinite)).toBe(true);
    net.dispose();
  });

  it.each(NET_METHODS.map((m) => [m]))('%s: the one-pass eNTK equals J·Jᵀ from per-sample gradients', async (method) => {
    const net = buildNet(method, new Rng(11), 2, 2, TINY[method as NetMethod]);
    const x = pointsFor(net, 7, 3);
    const h = net.prepare(x);
    const K = await empiricalNtk(net, h);
    const { J, p } = explicitJacobian(net, h);
    expect(p).toBe(net.params.filter((q) => q.v.trainable).reduce((a, q) => a + q.v.size, 0));
    const Kd = gramRows(J, 7, p);
    const scale = Math.max(...Array.from(Kd, Math.abs));
    expect(maxAbsDiff(K, Kd) / scale).toBeLessThan(2e-5);
    net.dispose();
  });
});

describe('IGA', () => {
  it('the transform from the one-pass eNTK and Jacobi equals the one from explicit Jacobians and a QR eigendecomposition', async () => {
    const net = buildNet('siren', new Rng(4), 2, 3, { width: 10, hidden: 1, omega0: 3 });
    const n = 10;
    const h = pointsFor(net, n, 9);
    const K = await empiricalNtk(net, h);
    const { J, p } = explicitJacobian(net, h);
    const Kd = gramRows(J, n, p);
    const start = 0;
    const end = 4;
    const ours = igaTransform(K, n, start, end);
    const direct = qrEigen(Kd, n);
    // Same spectrum (float32 eNTK vs float64 reference).
    for (let i = 0; i < n; i++) expect(Math.abs(ours.eig.values[i] - direct.values[i])).toBeLessThan(1e-4 * direct.values[0]);
    // S built directly from the reference eigenpairs.
    const Sd = new Float64Array(n * n);
    for (let i = 0; i < n; i++) Sd[i * n + i] = 1;
    for (let i = start; i < end; i++) {
      const w = 1 - direct.values[end] / direct.values[i];
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) Sd[a * n + b] -= w * direct.vectors[a * n + i] * direct.vectors[b * n + i];
    }
    expect(ours.replaced).toBe(end - start);
    expect(ours.target).toBeCloseTo(direct.values[end], 3);
    expect(maxAbsDiff(ours.S, Sd)).toBeLessThan(1e-3);
    // K·S has eigenvalues λ_end for i < end and λ_i beyond: equalised top of the spectrum.
    const KS = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) KS[i * n + j] += Kd[i * n + k] * Sd[k * n + j];
    const sym = Float64Array.from(KS, (v, idx) => 0.5 * (v + KS[(idx % n) * n + Math.floor(idx / n)]));
    const ev = jacobiEigen(sym, n).values;
    for (let i = 0; i < end; i++) expect(ev[i]).toBeCloseTo(direct.values[end], 6);
    for (let i = end + 1; i < n; i++) expect(ev[i]).toBeCloseTo(direct.values[i], 6);
    // Jacobi and QR agree to float64 precision on the same matrix.
    const jd = jacobiEigen(Kd, n);
    expect(maxAbsDiff(jd.values, direct.values) / direct.values[0]).toBeLessThan(1e-10);
    net.dispose();
  });

  it('groups, maxima and the residual transform follow the group-contiguous layout', () => {
    // 6×5 grid, patch 2: 3×3 = 9 groups of up to 4 samples; sample 7 unobserved.
    const shape = [6, 5];
    const index = Int32Array.from(Array.from({ length: 30 }, (_, i) => i).filter((i) => i !== 7));
    const g = igaGroups(shape, index, 3, 2);
    expect(g.patch).toBe(2);
    expect(g.groups).toBe(9);
    expect(g.slots).toBe(4);
    const rows = index.length;
    const C = 2;
    const rng = new Rng(8);
    const r = Float32Array.from({ length: rows * C }, () => rng.normal());
    const pred = Float32Array.from(r);
    const sel = selectGroupMaxima(g, pred, new Float32Array(rows * C), C);
    for (let grp = 0; grp < g.groups; grp++) {
      let best = -1;
      let arg = -1;
      for (let t = 0; t < rows; t++) {
        if (g.groupOf[t] !== grp) continue;
        const s = Math.abs(r[t * C]) + Math.abs(r[t * C + 1]);
        if (s > best) [best, arg] = [s, t];
      }
      expect(sel[grp]).toBe(arg);
    }
    const S = Float32Array.from({ length: 81 }, () => rng.normal());
    const got = adjustResidual(tf.tensor2d(r, [rows, C]), tf.tensor2d(S, [9, 9]), tf.tensor1d(g.order, 'int32'), tf.tensor1d(g.slotOf, 'int32'), g).dataSync();
    // Reference: r′(t, c) = Σ_h S[g(t), h]·r(row of group h at t's position, c).
    for (let t = 0; t < rows; t++) {
      const pos = g.slotOf[t] % g.slots;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let hh = 0; hh < 9; hh++) {
          const src = g.order[hh * g.slots + pos];
          if (src < rows) s += S[g.groupOf[t] * 9 + hh] * r[src * C + c];
        }
        expect(got[t * C + c]).toBeCloseTo(s, 4);
      }
    }
    // Adaptive patch: halves from 32 until there are ≥ 2(end+1) groups.
    const all = Int32Array.from({ length: 64 * 64 }, (_, i) => i);
    expect(igaGroups([64, 64], all, 20).patch).toBe(8);
  });

  it('an IGA step moves along (2/(N·C))·Jᵀ·S·r and training with IGA lowers the loss', async () => {
    const shape = [8, 8];
    const n = 64;
    const xs = new Float32Array(n * 2);
    const ys = new Float32Array(n);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 8; j++) {
        xs[(i * 8 + j) * 2] = -1 + (2 * i) / 7;
        xs[(i * 8 + j) * 2 + 1] = -1 + (2 * j) / 7;
        ys[i * 8 + j] = 0.5 + 0.4 * Math.sin(3 * xs[(i * 8 + j) * 2]) * Math.cos(2 * xs[(i * 8 + j) * 2 + 1]);
      }
    const index = Int32Array.from({ length: n }, (_, i) => i);
    const make = () => buildNet('relu', new Rng(21), 2, 1, { width: 16, hidden: 1 });
    const x = tf.tensor2d(xs, [n, 2]);
    const y = tf.tensor2d(ys, [n, 1]);
    const res = await trainNet(make(), { x, y, grid: { shape, index } }, { steps: 60, lr: 5e-3, iga: { end: 5, patch: 2 }, keepBest: false });
    expect(res.iga).toMatchObject({ patch: 2, groups: 16, end: 5 });
    expect(res.iga!.replacedLast).toBeGreaterThan(0);
    expect(res.lossFinal).toBeLessThan(0.5 * res.history[0].loss);
    // Bad IGA settings are refused before anything is allocated.
    const held = buildNet('ffn', new Rng(21), 2, 1, { width: 16, hidden: 1, features: 16 }); // its Fourier features are a tensor of their own
    const before = tf.memory().numTensors;
    await expect(trainNet(held, { x, y, grid: { shape, index } }, { steps: 2, lr: 5e-3, iga: { end: 0 } })).rejects.toThrow(/IGA end/);
    await expect(trainNet(held, { x, y }, { steps: 2, lr: 5e-3, iga: { end: 3 } })).rejects.toThrow(/gridded/);
    expect(tf.memory().numTensors).toBe(before);
    held.dispose();
    // The surrogate's gradient (the path trainNet uses) against the explicit Jacobian.
    const net = make();
    const g = igaGroups(shape, index, 5, 2);
    const pred = net.apply(x).dataSync();
    const sel = selectGroupMaxima(g, pred, ys, 1);
    const K = await empiricalNtk(net, tf.gather(x, tf.tensor1d(sel, 'int32')) as tf.Tensor2D);
    const tr = igaTransform(K, g.groups, 0, 5);
    const { J, p } = explicitJacobian(net, x);
    const rP = tf.sub(net.apply(x), y) as tf.Tensor2D;
    const rAdj = adjustResidual(rP, tf.tensor2d(Float32Array.from(tr.S), [g.groups, g.groups]), tf.tensor1d(g.order, 'int32'), tf.tensor1d(g.slotOf, 'int32'), g).dataSync();
    const expected = new Float64Array(p);
    for (let t = 0; t < n; t++) for (let k = 0; k < p; k++) expected[k] += (2 / n) * J[t * p + k] * rAdj[t];
    // Our surrogate's gradient, through the same customGrad path as trainNet.
    const vars = net.params.map((q) => q.v);
    const adj = { S: tf.tensor2d(Float32Array.from(tr.S), [g.groups, g.groups]), order: tf.tensor1d(g.order, 'int32'), slotOf: tf.tensor1d(g.slotOf, 'int32'), groups: g };
    const { value, grads } = tf.variableGrads(() => igaLoss(net.apply(x), y, adj), vars);
    // The logged value is the plain MSE.
    expect(value.dataSync()[0]).toBeCloseTo(tf.mean(tf.square(rP)).dataSync()[0], 6);
    const flat = vars.flatMap((v) => Array.from(grads[v.name].dataSync()));
    expect(maxAbsDiff(flat, expected) / Math.max(...Array.from(expected, Math.abs))).toBeLessThan(1e-4);
    net.dispose();
  });
});

describe('training', () => {
  it('LambdaLR and Adam settings', () => {
    expect(lambdaLr(1e-3, 0.1, 0, 100)).toBeCloseTo(1e-3, 12);
    expect(lambdaLr(1e-3, 0.1, 50, 100)).toBeCloseTo(1e-3 * Math.sqrt(0.1), 12);
    expect(lambdaLr(1e-3, 0.1, 100, 100)).toBeCloseTo(1e-4, 12);
    expect(lambdaLr(1e-3, 0.1, 150, 100)).toBeCloseTo(1e-4, 12);
    expect(ADAM).toEqual({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    for (const m of NET_METHODS) expect(METHOD_DEFAULTS[m].lr).toBeGreaterThan(0);
    expect(METHOD_DEFAULTS.siren).toMatchObject({ width: 256, hidden: 3, lr: 1e-4 });
    expect(METHOD_DEFAULTS.wire).toMatchObject({ width: 256, hidden: 2, lr: 5e-3, gamma: 0.1 });
  });

  it.each(NET_METHODS.map((m) => [m]))('%s lowers its loss on a tiny 2D signal with finite gradients', async (method) => {
    const S = 12;
    const net = buildNet(method, new Rng(5), 2, 1, { ...TINY[method as NetMethod], width: 24 });
    const xs = new Float32Array(S * S * 2);
    const ys = new Float32Array(S * S);
    for (let i = 0; i < S; i++)
      for (let j = 0; j < S; j++) {
        const u = i / (S - 1);
        const v = j / (S - 1);
        xs.set(net.coords === 'unit' ? [i / S, j / S] : [2 * u - 1, 2 * v - 1], (i * S + j) * 2);
        const t = 0.5 + 0.3 * Math.sin(5 * u) * Math.cos(4 * v) + (u + v > 1 ? 0.15 : 0);
        ys[i * S + j] = net.targetRange[0] + t * (net.targetRange[1] - net.targetRange[0]);
      }
    const x = tf.tensor2d(xs, [S * S, 2]);
    const y = tf.tensor2d(ys, [S * S, 1]);
    const vars = net.params.filter((p) => p.v.trainable).map((p) => p.v);
    const { grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.apply(net.prepare(x)), y)) as tf.Scalar, vars);
    for (const v of vars) expect(Array.from(grads[v.name].dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose(grads);
    const lr = method === 'siren' ? 1e-3 : METHOD_DEFAULTS[method as NetMethod].lr;
    const res = await trainNet(net, { x, y }, { steps: 40, lr, psnrPeak: net.targetRange[1] - net.targetRange[0] });
    expect(res.history[0].loss).toBeGreaterThan(0);
    expect(res.lossBest).toBeLessThan(0.7 * res.history[0].loss);
    expect(res.selected).toBe('best-training-loss');
    const after = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.apply(net.prepare(x)), y)) as tf.Scalar, vars);
    for (const v of vars) expect(Array.from(after.grads[v.name].dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose(after.grads);
    net.dispose();
    x.dispose();
    y.dispose();
  });

  it('is deterministic for a seed, also with minibatches', async () => {
    const run = async (seed: number) => {
      const net = buildNet('gauss', new Rng(seed), 1, 1, { width: 16, hidden: 1, s0: 3 });
      const x = tf.tensor2d(
        Float32Array.from({ length: 50 }, (_, i) => -1 + i / 25),
        [50, 1],
      );
      const y = tf.tensor2d(
        Float32Array.from({ length: 50 }, (_, i) => 0.5 + 0.4 * Math.sin(i / 5)),
        [50, 1],
      );
      const r = await trainNet(net, { x, y }, { steps: 20, lr: 1e-2, batchSize: 16, seed });
      net.dispose();
      return r.history.map((h) => h.loss);
    };
    expect(await run(3)).toEqual(await run(3));
    expect(await run(3)).not.toEqual(await run(4));
  });

  it('measures step memory and falls back to minibatches (or E_TOO_LARGE) over the budget', async () => {
    const n = 1024;
    const x = tf.tensor2d(
      Float32Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1)),
      [n, 1],
    );
    const y = tf.tensor2d(
      Float32Array.from({ length: n }, (_, i) => 0.5 + 0.3 * Math.sin(i / 30)),
      [n, 1],
    );
    const net = buildNet('siren', new Rng(1), 1, 1, { width: 64, hidden: 2 });
    const per = await measureBytesPerSample(net, x, y);
    // At least the saved activations: several 64-wide float32 rows per layer.
    expect(per).toBeGreaterThan(3 * 64 * 4 * 3);
    expect(per).toBeLessThan(200 * 64 * 4 * 3);
    const budget = 300 * per + 64 * 1024;
    const r = await trainNet(net, { x, y }, { steps: 3, lr: 1e-4, memoryBudget: budget });
    expect(r.batch).toBe(256);
    expect(r.selected).toBe('final');
    expect(r.warnings.join(' ')).toMatch(/minibatches of 256/);
    const grid = { shape: [n], index: Int32Array.from({ length: n }, (_, i) => i) };
    await expect(trainNet(net, { x, y, grid }, { steps: 3, lr: 1e-4, memoryBudget: budget, iga: { end: 4 } })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
    const roomy = await trainNet(net, { x, y }, { steps: 2, lr: 1e-4, memoryBudget: 2 ** 40 });
    expect(roomy.batch).toBe(n);
    net.dispose();
  });

  it('stops early, at a target PSNR, on NaN (E_NUMERIC) and on cancellation (E_CANCELLED)', async () => {
    const x = tf.tensor2d(
      Float32Array.from({ length: 40 }, (_, i) => -1 + i / 20),
      [40, 1],
    );
    const y = tf.tensor2d(
      Float32Array.from({ length: 40 }, (_, i) => 0.5 + 0.3 * Math.cos(i / 4)),
      [40, 1],
    );
    const net = () => buildNet('relu', new Rng(1), 1, 1, { width: 16, hidden: 1 });
    const early = await trainNet(net(), { x, y }, { steps: 500, lr: 1e-3, earlyStop: { patience: 3, minDelta: 0.5 } });
    expect(early.stopped).toBe('early');
    expect(early.stepsRun).toBeLessThan(10);
    const target = await trainNet(net(), { x, y }, { steps: 2000, lr: 1e-2, targetPsnr: 20 });
    expect(target.stopped).toBe('target');
    expect(target.psnrFinal).toBeGreaterThanOrEqual(20);
    const nan = await trainNet(net(), { x, y }, { steps: 50, lr: 1e12 }).catch((e) => e);
    expect(nan).toBeInstanceOf(InrError);
    expect(nan.code).toBe('E_NUMERIC');
    expect(nan.message).toMatch(/^loss became (NaN|infinite) at step \d+: try a smaller learning rate or ω0$/);
    const ac = new AbortController();
    const cancelledRun = await trainNet(net(), { x, y }, { steps: 1000, lr: 1e-3, signal: ac.signal, onStep: (s) => s.step === 5 && ac.abort() }).catch((e) => e);
    expect(cancelledRun.code).toBe('E_CANCELLED');
    let calls = 0;
    const cancelled2 = await trainNet(net(), { x, y }, { steps: 1000, lr: 1e-3, checkCancel: () => ++calls > 3 }).catch((e) => e);
    expect(cancelled2.code).toBe('E_CANCELLED');
    expect(calls).toBe(4);
    const last = net();
    const before = tf.memory().numTensors;
    await trainNet(last, { x, y }, { steps: 5, lr: 1e-3 });
    expect(tf.memory().numTensors).toBe(before);
    last.dispose();
  });
});
