/**
 * Marching cubes (renderer/src/lib/marchingCubes.ts): the generated case table, the geometry of
 * known surfaces against their analytic area and volume, closedness and orientation, empty and
 * NaN volumes. Also Otsu's threshold (renderer/src/lib/isoLevel.ts).
 */
import { describe, expect, it } from 'vitest';
import { CASE_TRIANGLES, CUBE_EDGES, marchingCubes, meshArea, meshVolume, type IsoMesh } from '../../renderer/src/lib/marchingCubes';
import { finiteSpan, otsuLevel } from '../../renderer/src/lib/isoLevel';
import { prng } from '../helpers/prng';

/** A volume of `shape` = [nz, ny, nx] with value f(x, y, z) at sample (x, y, z) in physical units. */
function grid(shape: [number, number, number], spacing: [number, number, number], f: (x: number, y: number, z: number) => number): Float32Array {
  const [nz, ny, nx] = shape;
  const [sz, sy, sx] = spacing;
  const out = new Float32Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) out[(z * ny + y) * nx + x] = f(x * sx, y * sy, z * sz);
  return out;
}

/**
 * Every undirected mesh edge with how often it is used in each direction. A closed, consistently
 * oriented surface uses each edge exactly once each way.
 */
function edgeUse(mesh: IsoMesh): { edges: number; boundary: number; nonManifold: number; misoriented: number } {
  const use = new Map<string, [number, number]>();
  const { indices } = mesh;
  for (let t = 0; t < indices.length; t += 3) {
    for (let k = 0; k < 3; k++) {
      const a = indices[t + k];
      const b = indices[t + ((k + 1) % 3)];
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      const u = use.get(key) ?? [0, 0];
      u[a < b ? 0 : 1]++;
      use.set(key, u);
    }
  }
  let boundary = 0;
  let nonManifold = 0;
  let misoriented = 0;
  for (const [f, r] of use.values()) {
    if (f + r === 1) boundary++;
    else if (f + r > 2) nonManifold++;
    else if (f !== 1 || r !== 1) misoriented++;
  }
  return { edges: use.size, boundary, nonManifold, misoriented };
}

/** Euler characteristic V − E + F over the vertices the triangles use. */
function euler(mesh: IsoMesh): number {
  const used = new Set(mesh.indices);
  return used.size - edgeUse(mesh).edges + mesh.triangleCount;
}

describe('marching cubes case table', () => {
  it('has the trivial cases empty and the rest closed loops over the crossing edges', () => {
    expect(CASE_TRIANGLES).toHaveLength(256);
    expect(CASE_TRIANGLES[0]).toHaveLength(0);
    expect(CASE_TRIANGLES[255]).toHaveLength(0);
    for (let cube = 1; cube < 255; cube++) {
      const tris = CASE_TRIANGLES[cube];
      expect(tris.length % 3).toBe(0);
      expect(tris.length).toBeGreaterThan(0);
      // The triangles use exactly the edges whose corners differ.
      const crossing = CUBE_EDGES.map(([a, b]) => ((cube >> a) & 1) !== ((cube >> b) & 1));
      const used = new Set(tris);
      for (let e = 0; e < 12; e++) expect(used.has(e)).toBe(crossing[e]);
    }
  });

  it('cuts a single inside corner with one triangle facing away from it', () => {
    // Corner 0 inside: the three edges from corner 0 (x, y and z edges at the origin).
    const tri = [...CASE_TRIANGLES[1]];
    expect(tri).toHaveLength(3);
    const mesh = marchingCubes(new Float32Array([1, 0, 0, 0, 0, 0, 0, 0]), [2, 2, 2], 0.5);
    expect(mesh.triangleCount).toBe(1);
    // Normal (from the winding) points away from the bright corner at the origin.
    const n = [mesh.normals[0], mesh.normals[1], mesh.normals[2]];
    expect(n[0]).toBeGreaterThan(0.5);
    expect(n[1]).toBeGreaterThan(0.5);
    expect(n[2]).toBeGreaterThan(0.5);
    // Vertices at the interpolated crossings: 0.5 along each edge.
    const p = [...mesh.positions].map((v) => Math.round(v * 100) / 100).sort();
    expect(p).toEqual([0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5]);
  });
});

describe('marching cubes geometry', () => {
  it('meshes a sphere within a few percent of its analytic area and volume, closed and facing out', () => {
    const r = 11.3;
    const c = 16;
    const vol = grid([33, 33, 33], [1, 1, 1], (x, y, z) => r - Math.hypot(x - c, y - c, z - c)); // > 0 inside
    const mesh = marchingCubes(vol, [33, 33, 33], 0);
    const area = meshArea(mesh.positions, mesh.indices);
    const volume = meshVolume(mesh.positions, mesh.indices);
    expect(Math.abs(area / (4 * Math.PI * r * r) - 1)).toBeLessThan(0.02);
    expect(Math.abs(volume / ((4 / 3) * Math.PI * r ** 3) - 1)).toBeLessThan(0.02);
    // Watertight and consistently oriented: every edge used once each way, a sphere's topology.
    const e = edgeUse(mesh);
    expect(e.boundary).toBe(0);
    expect(e.nonManifold).toBe(0);
    expect(e.misoriented).toBe(0);
    expect(euler(mesh)).toBe(2);
    // Every vertex on the sphere, every normal pointing outwards along the radius.
    let worst = 1;
    for (let i = 0; i < mesh.vertexCount; i++) {
      const d = [mesh.positions[i * 3] - c, mesh.positions[i * 3 + 1] - c, mesh.positions[i * 3 + 2] - c];
      const len = Math.hypot(d[0], d[1], d[2]);
      expect(Math.abs(len - r)).toBeLessThan(0.05);
      const dot = (d[0] * mesh.normals[i * 3] + d[1] * mesh.normals[i * 3 + 1] + d[2] * mesh.normals[i * 3 + 2]) / len;
      worst = Math.min(worst, dot);
    }
    expect(worst).toBeGreaterThan(0.9);
    expect(mesh.truncated).toBe(false);
  });

  it('keeps the physical aspect: an ellipsoid on an anisotropic grid is a sphere in millimetres', () => {
    const r = 9;
    const c = 12;
    const spacing: [number, number, number] = [2.5, 1, 0.75]; // z, y, x
    const shape: [number, number, number] = [Math.ceil(24 / 2.5) + 1, 25, 33];
    const vol = grid(shape, spacing, (x, y, z) => r - Math.hypot(x - c, y - c, z - c));
    const mesh = marchingCubes(vol, shape, 0, { spacing });
    const volume = meshVolume(mesh.positions, mesh.indices);
    expect(Math.abs(volume / ((4 / 3) * Math.PI * r ** 3) - 1)).toBeLessThan(0.03);
    // Extent along each axis ≈ the diameter, in physical units.
    for (let a = 0; a < 3; a++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = a; i < mesh.positions.length; i += 3) {
        lo = Math.min(lo, mesh.positions[i]);
        hi = Math.max(hi, mesh.positions[i]);
      }
      expect(Math.abs(hi - lo - 2 * r)).toBeLessThan(0.6);
    }
    expect(edgeUse(mesh).boundary).toBe(0);
  });

  it('meshes a torus as a closed surface of genus one', () => {
    const R = 9;
    const a = 3.5;
    const vol = grid([20, 32, 32], [1, 1, 1], (x, y, z) => a - Math.hypot(Math.hypot(x - 15.5, y - 15.5) - R, z - 9.5));
    const mesh = marchingCubes(vol, [20, 32, 32], 0);
    const e = edgeUse(mesh);
    expect([e.boundary, e.nonManifold, e.misoriented]).toEqual([0, 0, 0]);
    expect(euler(mesh)).toBe(0);
    const volume = meshVolume(mesh.positions, mesh.indices);
    expect(Math.abs(volume / (2 * Math.PI ** 2 * R * a * a) - 1)).toBeLessThan(0.03);
  });

  it('stays watertight and oriented on random noise (every ambiguous case, shared faces cut alike)', () => {
    for (const seed of [7, 8, 9]) {
      const rand = prng(seed);
      const n = 18;
      // Noise inside, a margin of low values around it so that every component is closed.
      const vol = grid([n, n, n], [1, 1, 1], (x, y, z) => (Math.min(x, y, z) < 1 || Math.max(x, y, z) > n - 2 ? -1 : rand() - 0.5));
      const mesh = marchingCubes(vol, [n, n, n], 0);
      expect(mesh.triangleCount).toBeGreaterThan(5000);
      const e = edgeUse(mesh);
      expect([e.boundary, e.nonManifold, e.misoriented]).toEqual([0, 0, 0]);
      // Closed and facing out: the enclosed volume is positive.
      expect(meshVolume(mesh.positions, mesh.indices)).toBeGreaterThan(0);
    }
  });

  it('gives no triangles for an empty, a constant or a flat volume, and for a NaN level', () => {
    expect(marchingCubes(new Float32Array(0), [0, 0, 0], 0.5).triangleCount).toBe(0);
    expect(marchingCubes(new Float32Array(27).fill(3), [3, 3, 3], 0.5).triangleCount).toBe(0);
    expect(marchingCubes(new Float32Array(27).fill(3), [3, 3, 3], 5).triangleCount).toBe(0);
    expect(marchingCubes(new Float32Array(9).fill(1), [1, 3, 3], 0.5).triangleCount).toBe(0);
    const sphere = grid([9, 9, 9], [1, 1, 1], (x, y, z) => 3 - Math.hypot(x - 4, y - 4, z - 4));
    expect(marchingCubes(sphere, [9, 9, 9], NaN).triangleCount).toBe(0);
    expect(() => marchingCubes(new Float32Array(10), [2, 2, 2], 0)).toThrow(RangeError);
  });

  it('skips the cubes around NaN samples and never outputs NaN coordinates', () => {
    const shape: [number, number, number] = [21, 21, 21];
    const full = grid(shape, [1, 1, 1], (x, y, z) => 7 - Math.hypot(x - 10, y - 10, z - 10));
    const whole = marchingCubes(full, shape, 0);
    const masked = full.slice();
    // Mask the top cap of the sphere (z ≥ 15): its part of the surface goes, the rest stays.
    for (let z = 15; z < 21; z++) masked.fill(NaN, z * 441, (z + 1) * 441);
    const cut = marchingCubes(masked, shape, 0);
    expect(cut.triangleCount).toBeGreaterThan(0.5 * whole.triangleCount);
    expect(cut.triangleCount).toBeLessThan(whole.triangleCount);
    for (const v of cut.positions) expect(Number.isFinite(v)).toBe(true);
    for (const v of cut.normals) expect(Number.isFinite(v)).toBe(true);
    let top = -Infinity;
    for (let i = 2; i < cut.positions.length; i += 3) top = Math.max(top, cut.positions[i]);
    expect(top).toBeLessThanOrEqual(14);
    // The open rim sits at the mask: boundary edges exist now, none elsewhere.
    const e = edgeUse(cut);
    expect(e.boundary).toBeGreaterThan(0);
    expect([e.nonManifold, e.misoriented]).toEqual([0, 0]);
    // All-NaN: nothing.
    expect(marchingCubes(new Float32Array(27).fill(NaN), [3, 3, 3], 0).triangleCount).toBe(0);
  });

  it('stops at maxTriangles and says so', () => {
    const vol = grid([24, 24, 24], [1, 1, 1], (x, y, z) => 9 - Math.hypot(x - 12, y - 12, z - 12));
    const all = marchingCubes(vol, [24, 24, 24], 0);
    const some = marchingCubes(vol, [24, 24, 24], 0, { maxTriangles: 100 });
    expect(all.truncated).toBe(false);
    expect(some.truncated).toBe(true);
    expect(some.triangleCount).toBeLessThanOrEqual(100);
    expect(some.triangleCount).toBeGreaterThan(90);
  });

  it('reports progress up to the end', () => {
    const seen: number[] = [];
    marchingCubes(new Float32Array(40 * 4 * 4), [40, 4, 4], 0.5, { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((f, i) => f > 0 && f <= 1 && (i === 0 || f > seen[i - 1]))).toBe(true);
  });
});

describe('Otsu threshold', () => {
  it('splits two classes between their values', () => {
    const rand = prng(3);
    const v = new Float32Array(20000);
    for (let i = 0; i < v.length; i++) v[i] = i % 3 === 0 ? 100 + 10 * rand() : 5 * rand(); // a third bright
    const t = otsuLevel(v);
    expect(t).toBeGreaterThan(5);
    expect(t).toBeLessThan(100);
  });

  it('ignores NaN and infinities, and handles constant and empty input', () => {
    const v = new Float32Array([0, 0, 0, 10, 10, 10, NaN, Infinity, -Infinity]);
    expect(finiteSpan(v)).toEqual({ min: 0, max: 10 });
    const t = otsuLevel(v);
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThan(10);
    expect(otsuLevel(new Float32Array([4, 4, 4]))).toBe(4);
    expect(otsuLevel(new Float32Array([NaN]))).toBeNaN();
    expect(finiteSpan([])).toBeUndefined();
  });
});
