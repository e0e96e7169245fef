/**
 * Grid resampling baselines (super-resolution and through-plane): samples returned at integer
 * positions, constants everywhere, linear ramps and (for the Keys cubic) quadratics in the
 * interior, positions taken from the grids given (finerGrid, the anchored through-plane grid),
 * edge replication, separable N-D, channels, and PCHIP's lack of overshoot.
 */
import { describe, expect, it } from 'vitest';
import { resample } from '../../main/classical/index';
import { finerGrid, sampleGrid, type AxisGrid } from '../../main/inr/elm/mesh';
import { Rng } from '../../main/core/rng';

const METHODS = ['nearest', 'linear', 'cubic', 'lanczos', 'spline', 'pchip'];

function positions(g: AxisGrid): number[] {
  return Array.from({ length: g.count }, (_, j) => g.start + j * g.step);
}

describe('1-D kernels along one axis', () => {
  const L = 40;
  const rng = new Rng(9);
  const noise = new Float32Array(L).map(() => rng.uniform() * 200 - 100);

  it('return the samples at integer positions', () => {
    const g = { start: 3, step: 1, count: 30 }; // positions 3 … 32: not the identity grid
    for (const m of METHODS) {
      const out = resample(m, noise, [L], 1, [g]);
      const want = noise.subarray(3, 33);
      if (m === 'spline') {
        // The B-spline prefilter is a recursive filter: exact up to rounding.
        for (let j = 0; j < 30; j++) expect(Math.abs(out[j] - want[j])).toBeLessThan(1e-4);
      } else expect(Array.from(out)).toEqual(Array.from(want));
    }
  });

  it('reproduce constants everywhere, edges included', () => {
    const c = new Float32Array(L).fill(-17.25);
    const g = { start: -2.3, step: 0.37, count: 120 };
    for (const m of METHODS) for (const v of resample(m, c, [L], 1, [g])) expect(Math.abs(v + 17.25)).toBeLessThan(1e-5);
  });

  it('reproduce linear ramps away from the edges (Lanczos where its weights are symmetric)', () => {
    const ramp = new Float32Array(L).map((_, i) => 5 + 2.5 * i);
    const g = { start: 6.1, step: 0.29, count: 90 }; // 6.1 … 31.9: ≥ 6 samples from either edge
    for (const m of ['linear', 'cubic', 'spline', 'pchip']) {
      const out = resample(m, ramp, [L], 1, [g]);
      // The B-spline's mirror edge bends the ramp there; the effect decays by |z₁| = 2 − √3 per
      // sample of the recursive prefilter, so 6 samples in it is below slope·|z₁|⁶ ≈ 1e-3.
      const tol = m === 'spline' ? 2.5 * (2 - Math.sqrt(3)) ** 6 : 1e-4;
      positions(g).forEach((p, j) => expect(Math.abs(out[j] - (5 + 2.5 * p))).toBeLessThan(tol));
    }
    const half = { start: 6.5, step: 1, count: 25 };
    const out = resample('lanczos', ramp, [L], 1, [half]);
    positions(half).forEach((p, j) => expect(Math.abs(out[j] - (5 + 2.5 * p))).toBeLessThan(1e-4));
  });

  it('Keys cubic reproduces quadratics in the interior, linear does not', () => {
    const quad = new Float32Array(L).map((_, i) => 0.3 * i * i - 4 * i + 1);
    const g = { start: 1, step: 0.125, count: 8 * (L - 3) + 1 }; // 1 … L−2: all four taps inside
    const exact = positions(g).map((p) => 0.3 * p * p - 4 * p + 1);
    const cubic = resample('cubic', quad, [L], 1, [g]);
    exact.forEach((e, j) => expect(Math.abs(cubic[j] - e)).toBeLessThan(1e-3));
    const linear = resample('linear', quad, [L], 1, [g]);
    // Linear interpolation's error at the midpoints is 0.3·(½)² = 0.075 (f''/8 for unit spacing).
    expect(Math.max(...exact.map((e, j) => Math.abs(linear[j] - e)))).toBeCloseTo(0.075, 4);
  });

  it('replicate the edge sample outside [0, L−1]', () => {
    const g = { start: -3, step: 0.5, count: 6 }; // −3 … −0.5
    for (const m of ['nearest', 'linear', 'pchip']) for (const v of resample(m, noise, [L], 1, [g])) expect(v).toBe(noise[0]);
  });

  it('PCHIP never overshoots a step where the Keys cubic rings', () => {
    const step = new Float32Array(L).map((_, i) => (i < 20 ? 0 : 100));
    const g = { start: 0, step: 0.1, count: 10 * (L - 1) + 1 };
    const p = resample('pchip', step, [L], 1, [g]);
    expect(Math.min(...p)).toBe(0);
    expect(Math.max(...p)).toBe(100);
    const k = resample('cubic', step, [L], 1, [g]);
    expect(Math.max(...k)).toBeGreaterThan(100);
    expect(Math.min(...k)).toBeLessThan(0);
  });
});

describe('N-D grids', () => {
  it('super-resolution on finerGrid evaluates the interpolant at (j + ½)/K − ½ on every axis', () => {
    const [H, W, C] = [12, 9, 2];
    const v = new Float32Array(H * W * C);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) v[(y * W + x) * C + c] = c === 0 ? 3 * y - 2 * x : 1 + x + y;
    const K = 4;
    const grids = [finerGrid(H, K), finerGrid(W, K)];
    const out = resample('linear', v, [H, W], C, grids);
    expect(out.length).toBe(H * K * W * K * C);
    let wrong = 0;
    for (let j = 0; j < H * K; j++)
      for (let i = 0; i < W * K; i++) {
        const py = (j + 0.5) / K - 0.5;
        const px = (i + 0.5) / K - 0.5;
        if (py < 0 || px < 0 || py > H - 1 || px > W - 1) continue; // replicated edge band
        const o = (j * W * K + i) * C;
        if (Math.abs(out[o] - (3 * py - 2 * px)) > 1e-4 || Math.abs(out[o + 1] - (1 + px + py)) > 1e-4) wrong++;
      }
    expect(wrong).toBe(0);
  });

  it('trilinear and tricubic reproduce a 3-D ramp in the interior', () => {
    const [D, H, W] = [8, 9, 10];
    const f = (z: number, y: number, x: number) => 1 + 2 * z - 3 * y + 0.5 * x;
    const v = new Float32Array(D * H * W);
    for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) v[(z * H + y) * W + x] = f(z, y, x);
    const grids = [
      { start: 1.25, step: 0.5, count: 10 },
      { start: 1.1, step: 0.7, count: 9 },
      { start: 2, step: 0.25, count: 20 },
    ];
    for (const m of ['linear', 'cubic']) {
      const out = resample(m, v, [D, H, W], 1, grids);
      const [pz, py, px] = grids.map(positions);
      let wrong = 0;
      pz.forEach((z, a) => py.forEach((y, b) => px.forEach((x, c) => (Math.abs(out[(a * 9 + b) * 20 + c] - f(z, y, x)) > 1e-4 ? wrong++ : 0))));
      expect(wrong).toBe(0);
    }
  });

  it('through-plane: the anchored grid z₀ + iΔ/K keeps the slices and leaves the planes alone', () => {
    const [D, H, W, K] = [6, 5, 7, 3];
    const rng = new Rng(5);
    const v = new Float32Array(D * H * W).map(() => rng.uniform() * 1000);
    const grids = [{ start: 0, step: 1 / K, count: (D - 1) * K + 1 }, sampleGrid(H), sampleGrid(W)];
    for (const m of ['linear', 'cubic', 'lanczos', 'pchip', 'nearest']) {
      const out = resample(m, v, [D, H, W], 1, grids);
      expect(out.length).toBe(((D - 1) * K + 1) * H * W);
      for (let z = 0; z < D; z++) expect(Array.from(out.subarray(z * K * H * W, (z * K + 1) * H * W))).toEqual(Array.from(v.subarray(z * H * W, (z + 1) * H * W)));
      // Each (y, x) column is the 1-D resampling of that column alone.
      const col = new Float32Array(D).map((_, z) => v[z * H * W + 2 * W + 3]);
      const one = resample(m, col, [D], 1, [grids[0]]);
      for (let i = 0; i < grids[0].count; i++) expect(out[i * H * W + 2 * W + 3]).toBeCloseTo(one[i], 3);
    }
  });

  it('fills holes (NaN, nodata) with the nearest sample first when given the mask', () => {
    const v = new Float32Array([1, NaN, 3, 4, NaN, 6]);
    const m = new Uint8Array([1, 0, 1, 1, 0, 1]);
    const out = resample('cubic', v, [6], 1, [{ start: 0, step: 0.5, count: 11 }], {}, { observed: m });
    expect(out.every(Number.isFinite)).toBe(true);
    expect(() => resample('cubic', v, [6], 1, [{ start: 0, step: 0, count: 11 }])).toThrow(/positive step/);
    expect(() => resample('cubic', v, [6], 1, [])).toThrow(/one grid per axis/);
  });
});
