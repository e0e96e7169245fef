/**
 * Occupancy and surface metrics (main/mesh/metrics.ts): IoU, area-weighted surface sampling,
 * k-d tree nearest neighbours against brute force, and Chamfer/Hausdorff distances between
 * surfaces whose separation is known.
 */
import { describe, expect, it } from 'vitest';
import { KdTree, occupancyIoU, sampleSurface, surfaceDistances } from '../../main/mesh/metrics';
import type { TriMesh } from '../../main/mesh/trimesh';
import { prng } from '../helpers/prng';
import { cubeMesh, icosphere } from './mesh-helpers';

describe('IoU', () => {
  it('is |A ∩ B| / |A ∪ B| with values ≥ ½ occupied', () => {
    const a = [1, 1, 0, 0, 0.7, 0.2];
    const b = [1, 0, 1, 0, 1, 0.49];
    // A = {0, 1, 4}, B = {0, 2, 4}: ∩ = {0, 4}, ∪ = {0, 1, 2, 4}.
    expect(occupancyIoU(a, b)).toEqual({ iou: 0.5, intersection: 2, union: 4 });
    expect(occupancyIoU(new Uint8Array(4), new Uint8Array(4)).iou).toBe(1);
    expect(() => occupancyIoU([1], [1, 0])).toThrow(RangeError);
  });
});

describe('surface sampling', () => {
  it('picks triangles in proportion to their area and stays on them', () => {
    // Two triangles in the plane z = 0: areas 1 and 3.
    const m: TriMesh = {
      positions: Float64Array.from([0, 0, 0, 2, 0, 0, 0, 1, 0, 10, 0, 0, 13, 0, 0, 10, 2, 0]),
      triangles: Uint32Array.from([0, 1, 2, 3, 4, 5]),
      name: 'two',
    };
    const n = 20000;
    const p = sampleSurface(m, n, 5);
    let second = 0;
    for (let s = 0; s < n; s++) {
      const [x, y, z] = [p[3 * s], p[3 * s + 1], p[3 * s + 2]];
      expect(z).toBe(0);
      if (x >= 10) {
        second++;
        expect(y).toBeGreaterThanOrEqual(0);
        expect(3 * y + 2 * (x - 10)).toBeLessThanOrEqual(6 + 1e-9); // inside (10,0)-(13,0)-(10,2)
      } else {
        expect(x + 2 * y).toBeLessThanOrEqual(2 + 1e-9);
      }
    }
    // Binomial: 0.75 ± 3σ (σ ≈ 0.003).
    expect(Math.abs(second / n - 0.75)).toBeLessThan(0.01);
    expect(Array.from(sampleSurface(m, 10, 5))).toEqual(Array.from(p.subarray(0, 30)));
    expect(Array.from(sampleSurface(m, 10, 6))).not.toEqual(Array.from(p.subarray(0, 30)));
  });
});

describe('k-d tree', () => {
  it('finds the same nearest distances as brute force', () => {
    const rand = prng(9);
    const pts = new Float64Array(3 * 3000);
    // Clustered and duplicated points are the hard cases for the splits.
    for (let i = 0; i < pts.length; i++) pts[i] = i % 7 === 0 ? 0.5 : rand() < 0.5 ? rand() : rand() * 0.01;
    const tree = new KdTree(pts);
    for (let q = 0; q < 300; q++) {
      const x = rand() * 1.4 - 0.2,
        y = rand() * 1.4 - 0.2,
        z = rand() * 1.4 - 0.2;
      let best = Infinity;
      for (let i = 0; i < pts.length; i += 3) best = Math.min(best, (pts[i] - x) ** 2 + (pts[i + 1] - y) ** 2 + (pts[i + 2] - z) ** 2);
      expect(tree.nearest2(x, y, z)).toBe(best);
    }
  });
});

describe('Chamfer and Hausdorff', () => {
  it('concentric spheres of radii 1 and 1.1 are 0.1 apart', () => {
    const a = icosphere(4, 1);
    const b = icosphere(4, 1.1);
    const d = surfaceDistances(a, b, { samples: 20000, seed: 3 });
    // Every point of one sphere is exactly 0.1 from the other; sampling B adds a little.
    expect(d.chamferAB).toBeGreaterThan(0.099);
    expect(d.chamferAB).toBeLessThan(0.1 + d.sampleSpacing[1]);
    expect(d.chamferBA).toBeGreaterThan(0.099);
    expect(d.chamfer).toBeCloseTo((d.chamferAB + d.chamferBA) / 2, 15);
    expect(d.hausdorff).toBeGreaterThanOrEqual(Math.max(d.chamferAB, d.chamferBA));
    expect(d.hausdorff).toBeLessThan(0.1 + 2 * Math.max(...d.sampleSpacing));
    expect(d.samples).toBe(20000);
  });

  it('a surface is near zero from itself, and a cube shifted by 0.3 along x is 0.3 away at worst', () => {
    const cube = cubeMesh();
    const self = surfaceDistances(cube, cube, { samples: 20000 });
    expect(self.chamfer).toBeLessThan(self.sampleSpacing[0]);
    const moved: TriMesh = { ...cube, positions: cube.positions.map((v, i) => (i % 3 === 0 ? v + 0.3 : v)) };
    const d = surfaceDistances(cube, moved, { samples: 20000 });
    // The x = 0 face of one is 0.3 from the other's nearest point; the Hausdorff distance is 0.3.
    expect(d.hausdorff).toBeGreaterThan(0.29);
    expect(d.hausdorff).toBeLessThan(0.3 + 2 * d.sampleSpacing[0]);
    expect(d.chamfer).toBeGreaterThan(0.02);
    expect(d.chamfer).toBeLessThan(0.3);
  });
});
