/**
 * The band fit of one cell (main/inr/elm/fit.ts `solveLocal` with `band`): started from the least
 * squares, it must lower the band loss λ‖β‖² + Σ dist(f, [y − δ, y + δ])² that it minimises, and
 * misclassify no more rows at ½ than the least squares it starts from.
 */
import { describe, expect, it } from 'vitest';
import { solveLocal } from '../../main/inr/elm/fit';
import { prng } from '../helpers/prng';

interface Cell {
  H: Float64Array;
  y: Float64Array;
  N: number;
  m: number;
}

/** Sine features of 2-D points; the target is a 0/1 disc with a thin bar through it. */
function cell(seed: number, N: number, m: number): Cell {
  const rnd = prng(seed);
  const W = Array.from({ length: m * 2 }, () => (rnd() * 2 - 1) * 4);
  const b = Array.from({ length: m }, () => rnd() * 2 * Math.PI);
  const H = new Float64Array(N * m);
  const y = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    const px = rnd() * 2 - 1;
    const py = rnd() * 2 - 1;
    for (let j = 0; j < m; j++) H[r * m + j] = Math.sin(W[2 * j] * px + W[2 * j + 1] * py + b[j]);
    y[r] = px * px + py * py < 0.4 || Math.abs(py - 0.3) < 0.05 ? 1 : 0;
  }
  return { H, y, N, m };
}

/** β and the mean after solveLocal with this band, on every row. */
function solve(c: Cell, band: number, ridge: number): { beta: Float64Array; mean: number } {
  const { H, y, N, m } = c;
  const Y = Float64Array.from(y);
  const observed = Int32Array.from({ length: N }, (_, i) => i);
  const mean = new Float64Array([y.reduce((s, v) => s + v, 0)]);
  const out = new Float32Array(m + 1);
  solveLocal(H, N, m, Y, 1, observed, N, mean, ridge, undefined, new Float64Array(m), out, 0, band);
  return { beta: Float64Array.from(out.subarray(0, m)), mean: out[m] };
}

function predictions(c: Cell, s: { beta: Float64Array; mean: number }): Float64Array {
  const f = new Float64Array(c.N);
  for (let r = 0; r < c.N; r++) {
    let v = s.mean;
    for (let j = 0; j < c.m; j++) v += c.H[r * c.m + j] * s.beta[j];
    f[r] = v;
  }
  return f;
}

function bandLoss(c: Cell, s: { beta: Float64Array; mean: number }, delta: number, lambda: number): number {
  const f = predictions(c, s);
  let loss = 0;
  for (const b of s.beta) loss += lambda * b * b;
  for (let r = 0; r < c.N; r++) {
    const e = Math.min(Math.max(f[r], c.y[r] - delta), c.y[r] + delta) - f[r];
    loss += e * e;
  }
  return loss;
}

function wrong(c: Cell, s: { beta: Float64Array; mean: number }): number {
  const f = predictions(c, s);
  let n = 0;
  for (let r = 0; r < c.N; r++) if (f[r] >= 0.5 !== (c.y[r] === 1)) n++;
  return n;
}

describe('the band fit of one cell', () => {
  for (const seed of [1, 2, 3]) {
    it(`lowers the band loss and misclassifies no more rows than least squares (seed ${seed})`, () => {
      const c = cell(seed, 1500, 24);
      const ridge = 1e-6;
      let tr = 0;
      for (const h of c.H) tr += h * h;
      const lambda = (ridge * tr) / c.m;
      const ls = solve(c, 0, ridge);
      const band = solve(c, 0.25, ridge);
      expect(band.mean).toBe(ls.mean);
      expect(bandLoss(c, band, 0.25, lambda)).toBeLessThan(0.9 * bandLoss(c, ls, 0.25, lambda));
      expect(wrong(c, band)).toBeLessThanOrEqual(wrong(c, ls));
      // With no band the least squares is returned untouched.
      expect(Array.from(solve(c, 0, ridge).beta)).toEqual(Array.from(ls.beta));
    });
  }
});
