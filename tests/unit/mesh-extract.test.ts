/**
 * Surfaces from sampled fields (main/mesh/extract.ts): marching cubes at a level, mapped through
 * the source's origin, spacing and direction cosines into its physical space, closed at the grid
 * border, and meshed from a model evaluated at another resolution.
 */
import { describe, expect, it } from 'vitest';
import { extractFromModel, extractSurface, indexToWorldAffine, queryGeometry, scaledGrids, type QueryGrid, type VolumeGeometry } from '../../main/mesh/extract';
import { enclosedVolume, meshTopology, type TriMesh } from '../../main/mesh/trimesh';

const R = 2;
const C = [1.3, -0.4, 2.2];

/** World position of sample (i, j, k) written out by hand: X = T + D·(i·sx, j·sy, k·sz). */
function world(geo: VolumeGeometry, i: number, j: number, k: number): number[] {
  const D = geo.direction ?? [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const v = [i * geo.spacing[2], j * geo.spacing[1], k * geo.spacing[0]];
  const T = [geo.origin[2], geo.origin[1], geo.origin[0]];
  return [0, 1, 2].map((r) => T[r] + D[3 * r] * v[0] + D[3 * r + 1] * v[1] + D[3 * r + 2] * v[2]);
}

/** R − |X − C| on the grid: positive inside the ball. */
function ballField(geo: VolumeGeometry): Float32Array {
  const [nz, ny, nx] = geo.shape;
  const out = new Float32Array(nz * ny * nx);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const p = world(geo, i, j, k);
        out[(k * ny + j) * nx + i] = R - Math.hypot(p[0] - C[0], p[1] - C[1], p[2] - C[2]);
      }
  return out;
}

function radiusError(m: TriMesh): number {
  let worst = 0;
  for (let v = 0; v < m.positions.length; v += 3) worst = Math.max(worst, Math.abs(Math.hypot(m.positions[v] - C[0], m.positions[v + 1] - C[1], m.positions[v + 2] - C[2]) - R));
  return worst;
}

function expectClosedBall(m: TriMesh, h: number): void {
  const t = meshTopology(m);
  expect(t.closed).toBe(true);
  expect(t.consistentlyOriented).toBe(true);
  // Linear interpolation of R − |X − C| along an edge errs by about h²/(2R) at most.
  expect(radiusError(m)).toBeLessThan((h * h) / (2 * R));
  // …so the volume is off by at most about 3·that/R (relative).
  const v = (4 / 3) * Math.PI * R ** 3;
  expect(Math.abs(enclosedVolume(m) - v) / v).toBeLessThan((3 * h * h) / (2 * R * R));
}

describe('extractSurface', () => {
  it('puts the surface where the field crosses the level, in world units, outward', () => {
    const geo: VolumeGeometry = { shape: [24, 36, 30], spacing: [0.25, 0.15, 0.2], origin: [C[2] - 2.9, C[1] - 2.7, C[0] - 2.9] };
    const m = extractSurface(ballField(geo), geo, { level: 0, name: 'ball', units: 'mm' });
    expect(m.units).toBe('mm');
    expect(m.name).toBe('ball');
    expectClosedBall(m, 0.25);
  });

  it('follows direction cosines, and rewinds the triangles when they flip handedness', () => {
    // x and y index directions swapped (det −1), then a rotation about z (det +1).
    const c = Math.cos(0.4),
      s = Math.sin(0.4);
    for (const direction of [
      [0, 1, 0, 1, 0, 0, 0, 0, 1],
      [c, -s, 0, s, c, 0, 0, 0, 1],
    ]) {
      const geo: VolumeGeometry = { shape: [28, 28, 28], spacing: [0.2, 0.2, 0.2], origin: [0, 0, 0], direction };
      // Centre the grid on C: origin = C − D·(13.5·0.2, …).
      const mid = world(geo, 13.5, 13.5, 13.5);
      geo.origin = [C[2] - mid[2], C[1] - mid[1], C[0] - mid[0]];
      const m = extractSurface(ballField(geo), geo, { level: 0 });
      expectClosedBall(m, 0.2);
      expect(enclosedVolume(m)).toBeGreaterThan(0);
    }
    const A = indexToWorldAffine({ shape: [1, 1, 1], spacing: [3, 2, 1], origin: [30, 20, 10] });
    expect(A).toEqual([1, 0, 0, 10, 0, 2, 0, 20, 0, 0, 3, 30]);
  });

  it('closes a surface cut by the grid border (unless told not to)', () => {
    const geo: VolumeGeometry = { shape: [20, 20, 20], spacing: [0.2, 0.2, 0.2], origin: [C[2] - 1, C[1] - 1, C[0] - 1] };
    const v = ballField(geo); // the ball is wider than the grid: it fills the border
    expect(meshTopology(extractSurface(v, geo, { level: 0 })).closed).toBe(true);
    expect(meshTopology(extractSurface(v, geo, { level: 0, closeBorders: false })).boundaryEdges).toBeGreaterThan(0);
  });

  it('refuses a surface over the triangle limit and values that do not fill the grid', () => {
    const geo: VolumeGeometry = { shape: [20, 20, 20], spacing: [0.3, 0.3, 0.3], origin: [C[2] - 3, C[1] - 3, C[0] - 3] };
    expect(() => extractSurface(ballField(geo), geo, { level: 0, maxTriangles: 100 })).toThrow(/more than 100 triangles/);
    expect(() => extractSurface(new Float32Array(10), geo)).toThrow(/do not fill/);
  });
});

describe('meshing a model at any resolution', () => {
  const source: VolumeGeometry = { shape: [16, 16, 16], spacing: [0.4, 0.4, 0.4], origin: [C[2] - 3, C[1] - 3, C[0] - 3], direction: [0, 1, 0, 1, 0, 0, 0, 0, 1] };
  /** The "model": the ball evaluated at query positions given in source sample-index units. */
  const evaluate = (grids: QueryGrid[]): Float32Array => {
    const [gz, gy, gx] = grids;
    const out = new Float32Array(gz.count * gy.count * gx.count);
    let o = 0;
    for (let k = 0; k < gz.count; k++)
      for (let j = 0; j < gy.count; j++)
        for (let i = 0; i < gx.count; i++) {
          const p = world(source, gx.start + i * gx.step, gy.start + j * gy.step, gz.start + k * gz.step);
          out[o++] = R - Math.hypot(p[0] - C[0], p[1] - C[1], p[2] - C[2]);
        }
    return out;
  };

  it('scale 1 samples the source grid itself', () => {
    const grids = scaledGrids(source.shape, 1);
    expect(grids).toEqual([0, 1, 2].map(() => ({ start: 0, step: 1, count: 16 })));
    expect(queryGeometry(source, grids)).toEqual({ ...source, spacing: [0.4, 0.4, 0.4], origin: [...source.origin] });
  });

  it('scale 2 gives a finer mesh of the same surface in the same place', async () => {
    const coarse = await extractFromModel(evaluate, source, { level: 0, scale: 1 });
    const fine = await extractFromModel(evaluate, source, { level: 0, scale: 2 });
    expect(fine.geometry.shape).toEqual([31, 31, 31]);
    expect(fine.geometry.spacing[0]).toBeCloseTo(0.2, 12);
    expectClosedBall(coarse.mesh, 0.4);
    expectClosedBall(fine.mesh, 0.2);
    const ratio = fine.mesh.triangles.length / coarse.mesh.triangles.length;
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5);
    expect(() => scaledGrids(source.shape, 0)).toThrow(/scale/);
  });
});
