/**
 * Occupancy of meshes (main/mesh/voxelize.ts) and the winding-number inside test
 * (main/mesh/winding.ts): the grid's geometry, exact answers on convex shapes checked against
 * their half-spaces, volume against the mesh's enclosed volume, robustness to holes and to
 * inconsistent orientation, and the bunny against brute-force winding numbers. Grids ≤ 64³.
 */
import { describe, expect, it } from 'vitest';
import { InrError } from '../../main/core/errors';
import { readMesh } from '../../main/data/mesh/index';
import { enclosedVolume, meshBounds, type TriMesh } from '../../main/mesh/trimesh';
import { meshGrid, voxelizeMesh } from '../../main/mesh/voxelize';
import { buildWindingTree, windingNumber, windingNumbers } from '../../main/mesh/winding';
import { occupancyIoU } from '../../main/mesh/metrics';
import { sample } from '../helpers/samples';
import { prng } from '../helpers/prng';
import { cubeMesh, icosphere, tetraMesh, withoutTriangles } from './mesh-helpers';

/** World position (x, y, z) of voxel (i, j, k). */
function centre(g: { origin: number[]; spacing: number[] }, i: number, j: number, k: number): [number, number, number] {
  return [g.origin[2] + i * g.spacing[2], g.origin[1] + j * g.spacing[1], g.origin[0] + k * g.spacing[0]];
}

/** Outward unit normal and offset of each face plane of a convex mesh: inside ⇔ n·p − c < 0 for all. */
function facePlanes(m: TriMesh): Float64Array {
  const nt = m.triangles.length / 3;
  const out = new Float64Array(4 * nt);
  for (let t = 0; t < nt; t++) {
    const [a, b, c] = [0, 1, 2].map((k) => Array.from(m.positions.subarray(3 * m.triangles[3 * t + k], 3 * m.triangles[3 * t + k] + 3)));
    const u = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const w = [c[0] - a[0], c[1] - a[1], c[2] - a[2]];
    const n = [u[1] * w[2] - u[2] * w[1], u[2] * w[0] - u[0] * w[2], u[0] * w[1] - u[1] * w[0]];
    const len = Math.hypot(n[0], n[1], n[2]);
    out.set([n[0] / len, n[1] / len, n[2] / len, (n[0] * a[0] + n[1] * a[1] + n[2] * a[2]) / len], 4 * t);
  }
  return out;
}

/** Signed distance to the nearest face plane (the max over planes; < 0 inside). */
function convexDistance(planes: Float64Array, p: [number, number, number]): number {
  let worst = -Infinity;
  for (let t = 0; t < planes.length; t += 4) worst = Math.max(worst, planes[t] * p[0] + planes[t + 1] * p[1] + planes[t + 2] * p[2] - planes[t + 3]);
  return worst;
}

/** Voxels that disagree with the convex half-space test, ignoring centres within 1e-9 of a face. */
function convexMismatches(m: TriMesh, res: number): { wrong: number; inside: number } {
  const { grid } = voxelizeMesh(m, { resolution: res });
  const planes = facePlanes(m);
  const [nz, ny, nx] = grid.shape;
  let wrong = 0;
  let inside = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const d = convexDistance(planes, centre(grid, i, j, k));
        const v = grid.data[(k * ny + j) * nx + i];
        inside += v;
        if (Math.abs(d) > 1e-9 && v !== (d < 0 ? 1 : 0)) wrong++;
      }
  return { wrong, inside };
}

describe('the occupancy grid', () => {
  it('has cubic voxels, the resolution along the longest axis, and covers the box with its margin', () => {
    const b = { min: [-1, 2, 0] as [number, number, number], max: [3, 3, 0.5] as [number, number, number] };
    const g = meshGrid(b, 64, 2);
    expect(g.shape[2]).toBe(64); // x is longest
    expect(g.spacing[0]).toBe(g.spacing[1]);
    expect(g.spacing[1]).toBe(g.spacing[2]);
    for (let a = 0; a < 3; a++) {
      const axis = 2 - a; // shape/origin are listed z, y, x
      const lo = g.origin[axis];
      const hi = lo + (g.shape[axis] - 1) * g.spacing[axis];
      expect(lo).toBeLessThanOrEqual(b.min[a] - 2 * g.spacing[axis] + 1e-12);
      expect(hi).toBeGreaterThanOrEqual(b.max[a] + 2 * g.spacing[axis] - 1e-12);
      expect(g.shape[axis]).toBeLessThanOrEqual(64);
    }
    // Along x the box spans exactly samples 2 … 61.
    expect(g.origin[2] + 2 * g.spacing[2]).toBeCloseTo(-1, 12);
    expect(g.origin[2] + 61 * g.spacing[2]).toBeCloseTo(3, 12);
  });

  it('refuses a grid over the voxel limit and a bad resolution, in one line', () => {
    const err = (() => {
      try {
        voxelizeMesh(cubeMesh(), { resolution: 512, maxVoxels: 1e6 });
      } catch (e) {
        return e as InrError;
      }
    })();
    expect(err).toBeInstanceOf(InrError);
    expect(err!.code).toBe('E_TOO_LARGE');
    expect(err!.message).toMatch(/512×512×512/);
    expect(() => voxelizeMesh(cubeMesh(), { resolution: 3 })).toThrow(/resolution/);
    expect(() => voxelizeMesh(cubeMesh(), { resolution: 64.5 })).toThrow(/resolution/);
  });
});

describe('ray-parity voting', () => {
  it('is exact on convex shapes, checked against their half-spaces', () => {
    // A cube whose faces fall on voxel centres (ties), an offset cube, a tetrahedron, a coarse sphere.
    for (const m of [cubeMesh(), cubeMesh(0.7, [0.013, -0.2, 0.31]), tetraMesh(), icosphere(1, 0.8, [0.1, 0.2, 0.3])]) {
      const { wrong, inside } = convexMismatches(m, 40);
      expect(wrong).toBe(0);
      expect(inside).toBeGreaterThan(0);
    }
  });

  it('fills the enclosed volume of a sphere and of the bunny', async () => {
    const s = icosphere(3);
    const { grid, stats } = voxelizeMesh(s, { resolution: 64 });
    const h = grid.spacing[0];
    expect(stats.brokenRays).toEqual([0, 0, 0]);
    expect(stats.undecided).toBe(0);
    expect(Math.abs(stats.inside * h ** 3 - enclosedVolume(s)) / enclosedVolume(s)).toBeLessThan(0.02);
    const bunny = (await readMesh(sample('meshes', 'bunny00.off'))).mesh;
    const b = voxelizeMesh(bunny, { resolution: 64 });
    const hb = b.grid.spacing[0];
    expect(Math.abs(b.stats.inside * hb ** 3 - enclosedVolume(bunny)) / enclosedVolume(bunny)).toBeLessThan(0.03);
  });

  it('agrees with brute-force winding numbers on the bunny', async () => {
    const bunny = (await readMesh(sample('meshes', 'bunny00.off'))).mesh;
    const { grid } = voxelizeMesh(bunny, { resolution: 48 });
    const [nz, ny, nx] = grid.shape;
    const rand = prng(7);
    const n = 120;
    const pts = new Float64Array(3 * n);
    const want = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      const i = Math.floor(rand() * nx),
        j = Math.floor(rand() * ny),
        k = Math.floor(rand() * nz);
      pts.set(centre(grid, i, j, k), 3 * s);
      want[s] = grid.data[(k * ny + j) * nx + i];
    }
    // The exact sum of every triangle's solid angle (Van Oosterom–Strackee), no tree: the reference.
    const exact = new Float64Array(n);
    const { positions: p, triangles: t } = bunny;
    for (let s = 0; s < n; s++) {
      const qx = pts[3 * s],
        qy = pts[3 * s + 1],
        qz = pts[3 * s + 2];
      let sum = 0;
      for (let f = 0; f < t.length; f += 3) {
        const a = 3 * t[f],
          b = 3 * t[f + 1],
          c = 3 * t[f + 2];
        const ax = p[a] - qx,
          ay = p[a + 1] - qy,
          az = p[a + 2] - qz;
        const bx = p[b] - qx,
          by = p[b + 1] - qy,
          bz = p[b + 2] - qz;
        const cx = p[c] - qx,
          cy = p[c + 1] - qy,
          cz = p[c + 2] - qz;
        const la = Math.sqrt(ax * ax + ay * ay + az * az),
          lb = Math.sqrt(bx * bx + by * by + bz * bz),
          lc = Math.sqrt(cx * cx + cy * cy + cz * cz);
        const det = ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
        sum += 2 * Math.atan2(det, la * lb * lc + (ax * bx + ay * by + az * bz) * lc + (bx * cx + by * cy + bz * cz) * la + (cx * ax + cy * ay + cz * az) * lb);
      }
      exact[s] = sum / (4 * Math.PI);
    }
    const fast = windingNumbers(bunny, pts);
    let agree = 0;
    for (let s = 0; s < n; s++) {
      expect(Math.abs(fast[s] - exact[s])).toBeLessThan(0.015);
      if ((exact[s] >= 0.5 ? 1 : 0) === want[s]) agree++;
    }
    expect(agree).toBe(n);
  });

  it('ignores the triangles’ orientation (parity needs none)', () => {
    const s = icosphere(2);
    const flipped = s.triangles.slice();
    for (let t = 0; t < flipped.length; t += 6) [flipped[t + 1], flipped[t + 2]] = [flipped[t + 2], flipped[t + 1]];
    const a = voxelizeMesh(s, { resolution: 40 }).grid.data;
    const b = voxelizeMesh({ ...s, triangles: flipped }, { resolution: 40 }).grid.data;
    expect(occupancyIoU(a, b).iou).toBe(1);
  });
});

describe('holes', () => {
  it('a sphere with missing triangles still voxelises like the closed one (votes, then winding numbers)', () => {
    const closed = icosphere(3);
    const holes = withoutTriangles(closed, [5, 6, 7, 300, 301, 900, 1100, 1101, 1102]);
    const a = voxelizeMesh(closed, { resolution: 64 });
    const b = voxelizeMesh(holes, { resolution: 64 });
    expect(b.stats.brokenRays.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(b.stats.windingQueries).toBeGreaterThan(0);
    expect(b.stats.windingQueries).toBe(b.stats.undecided);
    expect(occupancyIoU(b.grid.data, a.grid.data).iou).toBeGreaterThan(0.999);
  });

  it('winding numbers: 1 inside, 0 outside a closed surface; ½ on a big hole’s mouth', () => {
    const s = icosphere(3);
    const tree = buildWindingTree(s);
    expect(Math.abs(windingNumber(tree, 0, 0, 0) - 1)).toBeLessThan(0.015);
    expect(Math.abs(windingNumber(tree, 0.3, -0.2, 0.5) - 1)).toBeLessThan(0.015);
    expect(Math.abs(windingNumber(tree, 1.5, 0, 0))).toBeLessThan(0.015);
    expect(Math.abs(windingNumber(tree, 0, 9, 0))).toBeLessThan(0.015);
    // Remove the cap above z = 0.9 (angular radius θ, cos θ ≈ 0.9).
    const cap: number[] = [];
    let rim = 0,
      rimCount = 0;
    for (let t = 0; t < s.triangles.length / 3; t++) {
      const z = [0, 1, 2].map((k) => s.positions[3 * s.triangles[3 * t + k] + 2]);
      if (Math.min(...z) > 0.9) cap.push(t);
    }
    const open = withoutTriangles(s, cap);
    const topo = buildWindingTree(open);
    // The rim's height: the highest vertices the open mesh still uses.
    for (let i = 0; i < open.triangles.length; i++) {
      const z = open.positions[3 * open.triangles[i] + 2];
      if (z > 0.85) {
        rim += z;
        rimCount++;
      }
    }
    // From the centre the hole hides a cap of solid angle 2π(1 − cos θ): w ≈ 1 − (1 − 0.9)/2.
    expect(windingNumber(topo, 0, 0, 0)).toBeGreaterThan(0.92);
    expect(windingNumber(topo, 0, 0, 0)).toBeLessThan(0.98);
    // On the disc that would close the hole the rest of the sphere fills half the view: w ≈ ½.
    const mouth = windingNumber(topo, 0, 0, rim / rimCount);
    expect(mouth).toBeGreaterThan(0.4);
    expect(mouth).toBeLessThan(0.6);
  });

  it('falls back to the majority vote past the winding-query budget, and says so', () => {
    const holes = withoutTriangles(icosphere(3), [5, 6, 7, 300, 900]);
    const { stats } = voxelizeMesh(holes, { resolution: 40, maxWindingQueries: 1 });
    expect(stats.majorityFallback).toBe(stats.undecided);
    expect(stats.windingQueries).toBe(0);
  });

  it('the box of a mesh with no extent is refused', () => {
    const flat: TriMesh = { positions: new Float64Array(9), triangles: Uint32Array.from([0, 1, 2]), name: 'dot' };
    expect(() => voxelizeMesh(flat)).toThrow(/no extent/);
    expect(meshBounds(tetraMesh()).max).toEqual([1, 1, 1]);
  });
});
