import { describe, expect, it } from 'vitest';
import { BeamTree, coreExtent, type SplitRule } from '../../main/inr/elm/beam/tree';
import { balanceOf, refineMesh } from '../../main/inr/elm/beam/refine';
import { beamPartitionSum, beamWindowSum, evaluateBeam } from '../../main/inr/elm/beam/evaluate';
import { createBeamModel, type BeamCell, type BeamSpec } from '../../main/inr/elm/beam/model';
import { solveBeam } from '../../main/inr/elm/beam/solve';
import { defaultOmega } from '../../main/inr/elm/config';
import { finerGrid, sampleGrid } from '../../main/inr/elm/mesh';
import { fieldOf } from './beam-helpers';

const rule = (d: number, over: Partial<SplitRule> = {}): SplitRule => ({
  minWidth: new Array(d).fill(1),
  allowed: new Array(d).fill(true),
  minSupport: 1,
  overlap: 0.15,
  ...over,
});

/** Every sample lies in exactly one leaf core. */
function coverCount(tree: BeamTree, shape: number[]): Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const hits = new Int32Array(n);
  for (const leaf of tree.leaves()) {
    const { lo, count } = coreExtent(leaf, shape);
    const idx = count.map(() => 0);
    const total = count.reduce((a, b) => a * b, 1);
    for (let i = 0; i < total; i++) {
      let flat = 0;
      for (let a = 0; a < shape.length; a++) flat = flat * shape[a] + lo[a] + idx[a];
      hits[flat]++;
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++idx[a] < count[a]) break;
        idx[a] = 0;
      }
    }
  }
  return hits;
}

describe('BEAM tree', () => {
  it('splits 2^d ways (quadtree, octree) and clips to non-power-of-two grids', () => {
    const q = new BeamTree([64, 64], rule(2));
    expect(q.split(q.root).map((c) => c.size)).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
    const o = new BeamTree([16, 16, 16], rule(3));
    expect(o.split(o.root)).toHaveLength(8);
    // 48×80: root 64×128; children wholly outside the grid are dropped, the rest clipped.
    const t = new BeamTree([48, 80], rule(2));
    expect(t.childCount(t.root)).toBe(4);
    t.split(t.root);
    for (const c of t.leaves()) expect(t.childCount(c)).toBe(t.childrenOf(c).length);
    for (const c of [...t.leaves()]) if (t.childrenOf(c).length) t.split(c);
    expect(coverCount(t, [48, 80]).every((h) => h === 1)).toBe(true);
  });

  it('splits only allowed axes, never below the minimal width, keeping aspect ≤ 2 while it can', () => {
    const t = new BeamTree([8, 64, 64], rule(3, { allowed: [false, true, true] }));
    let leaves = [t.root];
    for (let l = 0; l < 6; l++) leaves = leaves.flatMap((n) => (t.splitAxes(n).length ? t.split(n) : [n]));
    expect(new Set(leaves.map((n) => n.size[0]))).toEqual(new Set([8]));
    expect(coverCount(t, [8, 64, 64]).every((h) => h === 1)).toBe(true);
    const w = new BeamTree([16, 64], rule(2, { minWidth: [8, 1] }));
    let ls = [w.root];
    for (let l = 0; l < 8; l++) ls = ls.flatMap((n) => (w.splitAxes(n).length ? w.split(n) : [n]));
    expect(Math.min(...ls.map((n) => n.size[0]))).toBe(8);
    expect(Math.min(...ls.map((n) => n.size[1]))).toBe(1);
    // A long axis is cut alone until the cell is within a factor 2 of isotropic.
    const a = new BeamTree([8, 64], rule(2));
    expect(a.splitAxes(a.root)).toEqual([1]);
  });

  it('computes the uniform levels without building them, and lays a level out as the splits would', () => {
    for (const [shape, r] of [
      [[48, 80], rule(2, { minSupport: 20 })],
      [[8, 64, 64], rule(3, { allowed: [false, true, true] })],
      [[1, 1, 90, 180], rule(4, { minSupport: 60 })],
      [[10, 9, 9], rule(3)],
    ] as [number[], SplitRule][]) {
      const t = new BeamTree(shape, r);
      const levels = t.uniformLevelSizes(5000);
      // The same levels by splitting every leaf, level by level.
      const s = new BeamTree(shape, r);
      let leaves = [s.root];
      for (const level of levels.slice(1)) {
        leaves = leaves.flatMap((n) => (s.childCount(n) ? s.split(n) : [n]));
        expect(leaves).toHaveLength(level.count);
        expect(new Set(leaves.map((n) => n.size.join('x')))).toEqual(new Set([level.size.join('x')]));
      }
      const last = levels[levels.length - 1];
      const nodes = t.levelNodes(last.size, levels.length - 1);
      expect(nodes.map((n) => n.lo.join(',')).sort()).toEqual(leaves.map((n) => n.lo.join(',')).sort());
      expect(nodes.reduce((a, n) => a + n.samples, 0)).toBe(shape.reduce((a, b) => a * b, 1));
    }
  });

  it('refuses splits whose children would have too few support samples', () => {
    const t = new BeamTree([64, 64], rule(2, { minSupport: 1.5 * 67 }));
    let leaves = [t.root];
    for (let l = 0; l < 8; l++) leaves = leaves.flatMap((n) => (t.splitAxes(n).length ? t.split(n) : [n]));
    expect(Math.min(...leaves.map((n) => n.size[0]))).toBe(8); // 8·1.3 = 10.4; 10.4² ≥ 100.5 > 5.2²
  });
});

describe('BEAM refinement', () => {
  // A flat image with a chirp in its top-left quadrant.
  const chirp = fieldOf([64, 64], (y, x) => (y < 32 && x < 32 ? [0.5 + 0.4 * Math.sin(0.004 * (x * x + y * y) * 6)] : [0.3 + 0.002 * x]));

  it('refines where the local Barron norm is high, within the leaf budget, and balances the norms', () => {
    const t = new BeamTree([64, 64], rule(2, { minSupport: 20 }));
    const r = refineMesh(t, chirp, { maxLeaves: 40, overlap: 0.15, key: 'norm', gamma: 0.5, tolerance: 0.1 });
    expect(r.leaves.length).toBeLessThanOrEqual(40);
    expect(r.leaves.length).toBeGreaterThan(16);
    const inChirp = r.leaves.filter((n) => n.lo[0] < 32 && n.lo[1] < 32);
    const outside = r.leaves.filter((n) => !(n.lo[0] < 32 && n.lo[1] < 32));
    expect(Math.max(...inChirp.map((n) => n.level))).toBeGreaterThan(Math.max(...outside.map((n) => n.level)));
    expect(inChirp.length).toBeGreaterThan(outside.length);
    expect(balanceOf(r.leaves.map((n) => n.norm))).toBeLessThan(balanceOf(r.start.map((n) => n.norm)));
    expect(coverCount(t, [64, 64]).every((h) => h === 1)).toBe(true);
  });

  it('merges low-norm siblings to make room when the start mesh fills the budget', () => {
    const t = new BeamTree([64, 64], rule(2, { minSupport: 20 }));
    const r = refineMesh(t, chirp, { maxLeaves: 16, overlap: 0.15, key: 'norm', gamma: 0.9, tolerance: 0.1 });
    expect(r.start).toHaveLength(16);
    expect(r.merges).toBeGreaterThan(0);
    expect(r.splits).toBeGreaterThan(0);
    expect(r.leaves.length).toBeLessThanOrEqual(16);
  });

  it('keeps one cell for constant data and stops at once (no loop)', () => {
    const flat = fieldOf([64, 64], () => [0.25, 0.75]);
    const t = new BeamTree([64, 64], rule(2));
    const r = refineMesh(t, flat, { maxLeaves: 1000, overlap: 0.15, key: 'norm', gamma: 0.5, tolerance: 0.1 });
    expect(r.leaves).toHaveLength(1);
    expect(r.stop).toBe('largest norm is zero');
  });
});

describe('BEAM partition of unity on an unbalanced mesh', () => {
  // 64×64: a 32-cell beside 16-, 8- and 4-cells (neighbours differ by up to 8× in size).
  const cells: BeamCell[] = [];
  const add = (lo: number[], s: number) => cells.push({ lo, size: [s, s], level: Math.log2(64 / s), layer: 0, norm: 0 });
  add([0, 0], 32);
  for (let y = 0; y < 32; y += 16) for (let x = 32; x < 64; x += 16) if (!(y === 0 && x === 32)) add([y, x], 16);
  for (let y = 0; y < 16; y += 4) for (let x = 32; x < 48; x += 4) add([y, x], 4);
  for (let y = 32; y < 64; y += 8) for (let x = 0; x < 64; x += 8) add([y, x], 8);
  const specWith = (hidden: number, freq: number): BeamSpec => ({
    method: 'elm-beam',
    shape: [64, 64],
    channels: 1,
    overlap: 0.25,
    activation: 'sine',
    seed: 3,
    ridge: 1e-8,
    affine: true,
    layers: [{ hidden, omega: defaultOmega([6, 6], hidden, freq) }],
  });
  const spec = specWith(12, 1);

  it('sums to one within 1e-12 with a positive window sum, on the samples and on a finer grid', () => {
    const model = createBeamModel(spec, cells);
    for (const grids of [
      [sampleGrid(64), sampleGrid(64)],
      [finerGrid(64, 3.3), finerGrid(64, 2.7)],
    ]) {
      const phi = beamPartitionSum(model, grids);
      const W = beamWindowSum(model, grids);
      let err = 0;
      for (let i = 0; i < phi.length; i++) {
        err = Math.max(err, Math.abs(phi[i] - 1));
        expect(W[i]).toBeGreaterThan(0.2);
      }
      expect(err).toBeLessThan(1e-12);
      // The raw windows alone do not sum to one across size changes: the normalisation matters.
      expect(Math.max(...W.map((w) => Math.abs(w - 1)))).toBeGreaterThan(1e-3);
    }
  });

  it('reproduces an affine field exactly and shows no seams on a smooth one', () => {
    const affine = fieldOf([64, 64], (y, x) => [0.2 + 0.01 * y - 0.005 * x]);
    const m1 = createBeamModel(spec, cells);
    solveBeam(affine, m1);
    const fine = [finerGrid(64, 4), finerGrid(64, 4)];
    const rec = evaluateBeam(m1, fine);
    let err = 0;
    for (let j = 0; j < fine[0].count; j++)
      for (let i = 0; i < fine[1].count; i++) {
        const y = fine[0].start + j * fine[0].step;
        const x = fine[1].start + i * fine[1].step;
        err = Math.max(err, Math.abs(rec[j * fine[1].count + i] - (0.2 + 0.01 * y - 0.005 * x)));
      }
    expect(err).toBeLessThan(1e-5);

    // Smooth field: the reconstruction's steps between neighbouring fine queries stay at the
    // size the field itself changes by (a seam would be a jump where two local models meet).
    const f = (y: number, x: number) => 0.5 + 0.3 * Math.sin(0.11 * x + 0.07 * y) * Math.cos(0.05 * y);
    const smooth = fieldOf([64, 64], (y, x) => [f(y, x)]);
    const m2 = createBeamModel(specWith(24, 0.5), cells);
    solveBeam(smooth, m2);
    const r2 = evaluateBeam(m2, fine);
    const nx = fine[1].count;
    let jump = 0;
    let maxErr = 0;
    for (let j = 0; j < fine[0].count; j++)
      for (let i = 0; i < nx; i++) {
        const y = fine[0].start + j * fine[0].step;
        const x = fine[1].start + i * fine[1].step;
        maxErr = Math.max(maxErr, Math.abs(r2[j * nx + i] - f(y, x)));
        if (i + 1 < nx) jump = Math.max(jump, Math.abs(r2[j * nx + i + 1] - r2[j * nx + i] - (f(y, x + fine[1].step) - f(y, x))));
        if (j + 1 < fine[0].count) jump = Math.max(jump, Math.abs(r2[(j + 1) * nx + i] - r2[j * nx + i] - (f(y + fine[0].step, x) - f(y, x))));
      }
    expect(maxErr).toBeLessThan(2e-2);
    expect(jump).toBeLessThan(2e-3);
  });
});
