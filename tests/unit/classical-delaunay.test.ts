/**
 * The Delaunay triangulation behind the scattered baselines: exact predicates, and triangulations
 * that are valid (counter-clockwise, mutually consistent neighbours, empty circumcircles, every
 * point used, Euler's count, the convex hull covered exactly once) on random integer points,
 * duplicates, lattices full of cocircular quadruples, and a 512² drop-out mask.
 */
import { describe, expect, it } from 'vitest';
import { delaunay, type Triangulation } from '../../main/classical/delaunay';
import { incircle, orient } from '../../main/classical/predicates';
import { Rng } from '../../main/core/rng';

/** Exact incircle sign with BigInt (the definition, no splitting). */
function incircleExact(p: number[][]): number {
  const [a, b, c, d] = p.map(([x, y]) => [BigInt(x), BigInt(y)]);
  const r = [a, b, c].map(([x, y]) => [x - d[0], y - d[1]]);
  const lift = r.map(([x, y]) => x * x + y * y);
  const det = lift[0] * (r[1][0] * r[2][1] - r[2][0] * r[1][1]) + lift[1] * (r[2][0] * r[0][1] - r[0][0] * r[2][1]) + lift[2] * (r[0][0] * r[1][1] - r[1][0] * r[0][1]);
  return det > 0n ? 1 : det < 0n ? -1 : 0;
}

/** Convex hull area (Andrew's monotone chain), independent of the triangulation. */
function hullArea(xs: number[], ys: number[]): number {
  const pts = [...new Set(xs.map((x, i) => `${x},${ys[i]}`))].map((s) => s.split(',').map(Number)).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const cross = (o: number[], a: number[], b: number[]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: number[][]) => {
    const h: number[][] = [];
    for (const p of list) {
      while (h.length >= 2 && cross(h[h.length - 2], h[h.length - 1], p) <= 0) h.pop();
      h.push(p);
    }
    return h.slice(0, -1);
  };
  const hull = [...half(pts), ...half([...pts].reverse())];
  let a = 0;
  for (let i = 0; i < hull.length; i++) {
    const p = hull[i];
    const q = hull[(i + 1) % hull.length];
    a += p[0] * q[1] - p[1] * q[0];
  }
  return a / 2;
}

/**
 * Structural checks that need no brute force: orientation, neighbours, local Delaunay, Euler,
 * area. Violations are collected in plain loops (an expect() per triangle would dominate).
 */
function checkStructure(t: Triangulation, xs: number[], ys: number[]): void {
  const T = t.triangles.length / 3;
  const unique = new Set(xs.map((x, i) => `${x},${ys[i]}`)).size;
  const bad: string[] = [];
  let hullEdges = 0;
  let area2 = 0;
  for (let s = 0; s < T && bad.length < 5; s++) {
    const v = [t.triangles[3 * s], t.triangles[3 * s + 1], t.triangles[3 * s + 2]];
    const o = orient(xs[v[0]], ys[v[0]], xs[v[1]], ys[v[1]], xs[v[2]], ys[v[2]]);
    if (!(o > 0)) bad.push(`triangle ${s} is not counter-clockwise`);
    area2 += o;
    for (let i = 0; i < 3; i++) {
      const nb = t.neighbours[3 * s + i];
      const u = v[(i + 1) % 3];
      const w = v[(i + 2) % 3];
      if (nb < 0) {
        hullEdges++;
        continue;
      }
      // The neighbour holds the same edge reversed and points back.
      const nv = [t.triangles[3 * nb], t.triangles[3 * nb + 1], t.triangles[3 * nb + 2]];
      const j = nv.findIndex((x) => x !== u && x !== w);
      if (nv[(j + 1) % 3] !== w || nv[(j + 2) % 3] !== u || t.neighbours[3 * nb + j] !== s) bad.push(`triangles ${s} and ${nb} disagree on their edge`);
      // Locally Delaunay (which implies globally): the far vertex is not strictly inside.
      const far = nv[j];
      if (incircle(xs[v[0]], ys[v[0]], xs[v[1]], ys[v[1]], xs[v[2]], ys[v[2]], xs[far], ys[far]) > 0) bad.push(`edge ${u}-${w} is not locally Delaunay`);
    }
  }
  expect(bad).toEqual([]);
  // Euler for a triangulated convex polygon with h boundary vertices: T = 2n − 2 − h.
  expect(T).toBe(2 * unique - 2 - hullEdges);
  expect(new Set(t.triangles).size).toBe(unique);
  expect(t.skipped).toBe(xs.length - unique);
  // No gap, no overlap: the triangles add up to the convex hull.
  expect(area2 / 2).toBe(hullArea(xs, ys));
}

function randomPoints(n: number, range: number, seed: number): [number[], number[]] {
  const rng = new Rng(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    xs.push(Math.floor(rng.uniform() * range));
    ys.push(Math.floor(rng.uniform() * range));
  }
  return [xs, ys];
}

describe('exact predicates', () => {
  it('agree in sign with BigInt arithmetic, near-degenerate cases included', () => {
    const rng = new Rng(3);
    const r = (m: number) => Math.floor(rng.uniform() * 2 * m) - m;
    const wrong: string[] = [];
    for (let k = 0; k < 3000; k++) {
      const m = k % 3 === 0 ? 32767 : k % 3 === 1 ? 100 : 4;
      const p = [0, 1, 2, 3].map(() => [r(m), r(m)]);
      if (k % 5 === 0) {
        // Force cocircularity: the fourth point mirrors the first through the centre of a rectangle.
        const [x0, y0] = p[0];
        const [x1, y1] = [x0 + r(50) + 51, y0 + r(50) + 51];
        p.splice(0, 4, [x0, y0], [x1, y0], [x1, y1], [x0, y1]);
      }
      const flat = p.flat() as [number, number, number, number, number, number, number, number];
      if (Math.sign(incircle(...flat)) !== incircleExact(p)) wrong.push(JSON.stringify(p));
    }
    expect(wrong).toEqual([]);
  });

  it('see collinear and cocircular lattice points as exactly degenerate', () => {
    expect(orient(0, 0, 1000, 1, 2000, 2)).toBe(0);
    expect(incircle(0, 0, 5, 0, 5, 5, 0, 5)).toBe(0);
    // Far from the origin, where rounding would show: (x, y) shifted by 30000.
    expect(incircle(30000, 30000, 30017, 30000, 30017, 30011, 30000, 30011)).toBe(0);
  });
});

describe('Delaunay triangulation', () => {
  it('has empty circumcircles on random integer points (brute force)', () => {
    for (const [n, range, seed] of [
      [60, 1000, 1],
      [400, 40, 2],
      [300, 15, 4],
    ]) {
      const [xs, ys] = randomPoints(n, range, seed);
      const t = delaunay(xs, ys)!;
      checkStructure(t, xs, ys);
      let inside = 0;
      for (let s = 0; s < t.triangles.length / 3; s++) {
        const [a, b, c] = [t.triangles[3 * s], t.triangles[3 * s + 1], t.triangles[3 * s + 2]];
        for (let p = 0; p < n; p++) if (incircle(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c], xs[p], ys[p]) > 0) inside++;
      }
      expect(inside).toBe(0);
    }
  });

  it('handles a full lattice (every unit square cocircular) and collinear hull points', () => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = 0; y < 30; y++)
      for (let x = 0; x < 25; x++) {
        xs.push(x);
        ys.push(y);
      }
    const t = delaunay(xs, ys)!;
    checkStructure(t, xs, ys);
    // 24×29 unit squares, two triangles each; 2·(24+29) boundary edges.
    expect(t.triangles.length / 3).toBe(2 * 24 * 29);
  });

  it('triangulates a 512² mask with 30 % observed (every point used, valid)', () => {
    const rng = new Rng(11);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = 0; y < 512; y++)
      for (let x = 0; x < 512; x++)
        if (rng.uniform() < 0.3) {
          xs.push(x);
          ys.push(y);
        }
    const t = delaunay(xs, ys)!;
    checkStructure(t, xs, ys);
  });

  it('has no triangulation for fewer than three points or collinear points, and skips duplicates', () => {
    expect(delaunay([0, 1], [0, 1])).toBeUndefined();
    expect(delaunay([0, 2, 4, 6, 8], [1, 2, 3, 4, 5])).toBeUndefined();
    expect(delaunay([3, 3, 3], [1, 1, 1])).toBeUndefined();
    const t = delaunay([0, 5, 0, 5, 0], [0, 0, 5, 0, 0])!;
    expect(t.triangles.length).toBe(3);
    expect(t.skipped).toBe(2);
  });

  it('refuses coordinates beyond the exact range', () => {
    expect(() => delaunay([0, 40000, 0], [0, 0, 1])).toThrow(/below 32768/);
    expect(() => delaunay([0, 1.5, 0], [0, 0, 1])).toThrow(/integer/);
  });
});
