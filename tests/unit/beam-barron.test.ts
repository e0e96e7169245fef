import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng';
import { barronNorm, extractBox } from '../../main/inr/elm/beam/barron';
import { boxNorms, type NormBox } from '../../main/inr/elm/beam/norms';

/** Samples of f on an n1×n2 grid (1 channel), f taking sample indices. */
function grid2(n1: number, n2: number, f: (y: number, x: number) => number): Float64Array {
  const out = new Float64Array(n1 * n2);
  for (let y = 0; y < n1; y++) for (let x = 0; x < n2; x++) out[y * n2 + x] = f(y, x);
  return out;
}

describe('local Barron norm estimator', () => {
  it('gives (about) zero for a constant and for an affine ramp', () => {
    expect(
      barronNorm(
        grid2(32, 32, () => 0.7),
        [32, 32],
        1,
        [32, 32],
      ),
    ).toBeLessThan(1e-12);
    expect(
      barronNorm(
        grid2(32, 32, (y, x) => 0.3 + 0.01 * y - 0.02 * x),
        [32, 32],
        1,
        [32, 32],
      ),
    ).toBeLessThan(1e-12);
    // Without detrending the ramp is seen as content.
    expect(
      barronNorm(
        grid2(32, 32, (y) => 0.01 * y),
        [32, 32],
        1,
        [32, 32],
        { detrend: false },
      ),
    ).toBeGreaterThan(1e-3);
  });

  it('gives a·π·k for a cosine of k cycles over the support in 1-D, and ∝ k in 2-D', () => {
    const n = 64;
    for (const k of [1, 3, 8, 20]) {
      const x = new Float64Array(n);
      for (let i = 0; i < n; i++) x[i] = 0.5 * Math.cos((2 * Math.PI * k * i) / n);
      // Exact without detrending; the affine fit removes a little of the lowest tones' energy.
      expect(barronNorm(x, [n], 1, [n], { detrend: false })).toBeCloseTo(0.5 * Math.PI * k, 9);
      expect(barronNorm(x, [n], 1, [n]) / (0.5 * Math.PI * k)).toBeGreaterThan(k === 1 ? 0.9 : 0.98);
      expect(barronNorm(x, [n], 1, [n]) / (0.5 * Math.PI * k)).toBeLessThan(1.02);
    }
    // In 2-D the window also spreads the line over k_y = ±1, which adds O(1/k²) to |ω|.
    const b = [4, 8, 16, 24].map(
      (k) =>
        barronNorm(
          grid2(n, n, (_, x) => Math.sin((2 * Math.PI * k * x) / n)),
          [n, n],
          1,
          [n, n],
        ) / k,
    );
    for (const r of b) expect(r / b[3]).toBeGreaterThan(0.99);
    for (const r of b) expect(r / b[3]).toBeLessThan(1.05);
  });

  it('halves when a cell of a band-limited signal is halved (local coordinates)', () => {
    // Band-limited, non-periodic over the box: a few incommensurate tones, two channels.
    const f = (y: number, x: number) => [Math.sin(0.21 * x + 0.13 * y) + 0.5 * Math.cos(0.37 * x - 0.29 * y + 1), 0.7 * Math.sin(0.41 * y + 0.05 * x + 2)];
    const n = 128;
    const block = (y0: number, x0: number, m: number) => {
      const out = new Float64Array(m * m * 2);
      for (let y = 0; y < m; y++)
        for (let x = 0; x < m; x++) {
          const v = f(y0 + y, x0 + x);
          out[(y * m + x) * 2] = v[0];
          out[(y * m + x) * 2 + 1] = v[1];
        }
      return out;
    };
    const whole = barronNorm(block(0, 0, n), [n, n], 2, [1.3 * n, 1.3 * n]);
    const halves = [
      [0, 0],
      [0, 64],
      [64, 0],
      [64, 64],
    ].map(([y, x]) => barronNorm(block(y, x, 64), [64, 64], 2, [1.3 * 64, 1.3 * 64]));
    for (const h of halves) {
      expect(h / whole).toBeGreaterThan(0.4);
      expect(h / whole).toBeLessThan(0.6);
    }
  });

  it('combines channels by max (default) or sum, and uses only observed samples', () => {
    const n = 32;
    const two = new Float64Array(n * n * 2);
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        two[(y * n + x) * 2] = Math.cos((2 * Math.PI * 4 * x) / n);
        two[(y * n + x) * 2 + 1] = Math.cos((2 * Math.PI * 2 * x) / n);
      }
    const b0 = barronNorm(
      two.filter((_, i) => i % 2 === 0),
      [n, n],
      1,
      [n, n],
    );
    const b1 = barronNorm(
      two.filter((_, i) => i % 2 === 1),
      [n, n],
      1,
      [n, n],
    );
    expect(barronNorm(two, [n, n], 2, [n, n])).toBeCloseTo(Math.max(b0, b1), 12);
    expect(barronNorm(two, [n, n], 2, [n, n], { combine: 'sum' })).toBeCloseTo(b0 + b1, 12);
    // Garbage in unobserved samples is ignored.
    const masked = grid2(n, n, () => 1);
    const obs = new Uint8Array(n * n).fill(1);
    for (let i = 0; i < n * n; i += 3) {
      masked[i] = i % 2 ? 1e6 : NaN;
      obs[i] = 0;
    }
    expect(barronNorm(masked, [n, n], 1, [n, n], {}, obs)).toBeLessThan(1e-9);
  });
});

describe('batched norms of many boxes (the mesh construction)', () => {
  it('equal barronNorm box by box: full, masked, non-finite, clipped and 1-thick boxes, any channel count', () => {
    const rng = new Rng(11);
    const cases: [number[], number][] = [
      [[40, 37], 1],
      [[33, 20], 3],
      [[12, 9, 10], 2],
      [[1, 1, 30, 31], 1],
      [[50], 1],
    ];
    for (const [shape, C] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      for (const kind of ['full', 'masked', 'nan'] as const) {
        const values = new Float32Array(n * C);
        for (let i = 0; i < values.length; i++) values[i] = rng.uniform() + 0.3 * Math.sin(i / 7);
        if (kind === 'nan') for (let t = 0; t < 5; t++) values[Math.floor(rng.uniform() * n * C)] = NaN;
        const mask = kind === 'masked' ? Uint8Array.from({ length: n }, () => (rng.uniform() < 0.97 ? 1 : 0)) : undefined;
        const boxes: NormBox[] = [];
        for (let t = 0; t < 24; t++) {
          // Every third box of one common size (they share tables and pair their FFTs).
          const count = shape.map((L) => (t % 3 === 0 ? Math.min(L, 8) : 1 + Math.floor(rng.uniform() * Math.min(L, 9))));
          const lo = shape.map((L, a) => Math.floor(rng.uniform() * (L - count[a] + 1)));
          boxes.push({ lo, count, support: count.map((c) => 1.3 * c) });
        }
        for (const opts of [{}, { detrend: false }, { combine: 'sum' as const }, { order: 0, floor: 0.1 }]) {
          const got = boxNorms({ values, shape, channels: C, mask }, boxes, opts);
          boxes.forEach((b, i) => {
            const { block, observed: fromMask } = extractBox(values, shape, C, b.lo, b.count, mask);
            const N = b.count.reduce((x, y) => x * y, 1);
            // A sample counts when observed and finite in every channel.
            let observed = fromMask;
            if (block.some((v) => !Number.isFinite(v))) {
              observed = new Uint8Array(N).fill(1);
              for (let j = 0; j < N * C; j++) if (!Number.isFinite(block[j])) observed[Math.floor(j / C)] = 0;
            }
            const ref = barronNorm(block, b.count, C, b.support, opts, observed);
            expect(Math.abs(got[i] - ref)).toBeLessThanOrEqual(1e-12 * Math.max(1, ref));
          });
        }
      }
    }
  });
});
