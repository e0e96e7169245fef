/**
 * Surfaces out of occupancy: marching cubes (marching-cubes.ts, the one implementation the
 * renderer shares) at level ½ on a sampled volume, mapped from voxel indices to the source's
 * physical space, so the mesh comes out in the source's units and placement.
 *
 * Index → world: sample (i, j, k) (x, y, z indices) sits at
 *   X = T + D · (i·s_x, j·s_y, k·s_z),
 * with T the world position of sample 0 (the Field's `origin`, listed z, y, x), s the spacing and
 * D the direction cosines (row-major, columns the x, y, z index directions; identity when the
 * Field has none). When D·diag(s) flips handedness the triangles are rewound, so the normals
 * still point out of the occupied region.
 *
 * A fitted model is meshed at any resolution through a callback that evaluates it on a tensor
 * grid of query positions given in the source's sample-index units (the ELM engine's AxisGrid).
 */
import { InrError } from '../core/errors';
import type { Field } from '../core/field';
import { marchingCubes } from './marching-cubes';
import type { TriMesh } from './trimesh';

export interface VolumeGeometry {
  /** Samples per axis, z, y, x (x fastest). */
  shape: [number, number, number];
  /** Sample spacing per axis, z, y, x. */
  spacing: readonly number[];
  /** World position of sample (0, 0, 0), listed z, y, x. */
  origin: readonly number[];
  /** Row-major 3×3 direction cosines (columns: x, y, z index directions); absent = identity. */
  direction?: readonly number[];
}

/** The geometry of a 3-D Field's grid (its shape, spacing, origin and direction), for extraction. */
export function fieldGeometry(f: Field): VolumeGeometry {
  return { shape: f.shape as [number, number, number], spacing: f.geometry.spacing, origin: f.geometry.origin, direction: f.geometry.direction };
}

/** The 3×4 affine index (i, j, k) → world (X, Y, Z), row-major. */
export function indexToWorldAffine(geo: VolumeGeometry): number[] {
  const D = geo.direction && geo.direction.length === 9 ? geo.direction : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const s = [geo.spacing[2], geo.spacing[1], geo.spacing[0]];
  const T = [geo.origin[2], geo.origin[1], geo.origin[0]];
  const A: number[] = [];
  for (let r = 0; r < 3; r++) A.push(D[3 * r] * s[0], D[3 * r + 1] * s[1], D[3 * r + 2] * s[2], T[r]);
  return A;
}

export interface ExtractOptions {
  /** Iso-level; samples above it are inside (default 0.5). */
  level?: number;
  /** Name and length unit of the mesh. */
  name?: string;
  units?: string;
  /** Add a layer of outside samples around the grid when the object touches its border, so the surface closes (default true). */
  closeBorders?: boolean;
  /** Give up past this many triangles (default 20 million): E_TOO_LARGE. */
  maxTriangles?: number;
  onProgress?: (fraction: number) => void;
}

/** The level-set surface of a volume of `geo.shape` samples, in world coordinates. */
export function extractSurface(values: ArrayLike<number>, geo: VolumeGeometry, opts: ExtractOptions = {}): TriMesh {
  const [nz, ny, nx] = geo.shape;
  if (values.length !== nz * ny * nx) throw new InrError('E_ARG', `extractSurface: ${values.length} values do not fill a ${nx}×${ny}×${nz} grid`);
  const level = opts.level ?? 0.5;
  const maxTriangles = opts.maxTriangles ?? 20_000_000;
  let vol: ArrayLike<number> = values;
  let shape: [number, number, number] = [nz, ny, nx];
  let shift = 0;
  if ((opts.closeBorders ?? true) && touchesBorder(values, geo.shape, level)) {
    vol = padded(values, geo.shape, level);
    shape = [nz + 2, ny + 2, nx + 2];
    shift = 1;
  }
  const mc = marchingCubes(vol, shape, level, { maxTriangles, onProgress: opts.onProgress });
  if (mc.truncated) throw new InrError('E_TOO_LARGE', `the surface has more than ${maxTriangles} triangles: extract it at a lower resolution`);
  const A = indexToWorldAffine(geo);
  const positions = new Float64Array(mc.positions.length);
  const p = mc.positions;
  for (let v = 0; v < p.length; v += 3) {
    const i = p[v] - shift,
      j = p[v + 1] - shift,
      k = p[v + 2] - shift;
    positions[v] = A[0] * i + A[1] * j + A[2] * k + A[3];
    positions[v + 1] = A[4] * i + A[5] * j + A[6] * k + A[7];
    positions[v + 2] = A[8] * i + A[9] * j + A[10] * k + A[11];
  }
  const triangles = mc.indices;
  const det = A[0] * (A[5] * A[10] - A[6] * A[9]) - A[1] * (A[4] * A[10] - A[6] * A[8]) + A[2] * (A[4] * A[9] - A[5] * A[8]);
  if (det < 0) {
    for (let t = 0; t < triangles.length; t += 3) {
      const b = triangles[t + 1];
      triangles[t + 1] = triangles[t + 2];
      triangles[t + 2] = b;
    }
  }
  return { positions, triangles, name: opts.name ?? 'surface', units: opts.units };
}

function touchesBorder(v: ArrayLike<number>, [nz, ny, nx]: readonly number[], level: number): boolean {
  const at = (z: number, y: number, x: number) => v[(z * ny + y) * nx + x] > level;
  for (let z = 0; z < nz; z++) {
    const zEdge = z === 0 || z === nz - 1;
    for (let y = 0; y < ny; y++) {
      if (zEdge || y === 0 || y === ny - 1) {
        for (let x = 0; x < nx; x++) if (at(z, y, x)) return true;
      } else if (at(z, y, 0) || at(z, y, nx - 1)) return true;
    }
  }
  return false;
}

/** A copy with one layer of below-level samples on every side. */
function padded(v: ArrayLike<number>, [nz, ny, nx]: readonly number[], level: number): Float32Array {
  const out = new Float32Array((nz + 2) * (ny + 2) * (nx + 2)).fill(Math.min(0, level) - 1);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const src = (z * ny + y) * nx;
      const dst = ((z + 1) * (ny + 2) + (y + 1)) * (nx + 2) + 1;
      for (let x = 0; x < nx; x++) out[dst + x] = v[src + x];
    }
  }
  return out;
}

/** Query positions along one axis in the source's sample-index units: p_j = start + j·step. */
export interface QueryGrid {
  start: number;
  step: number;
  count: number;
}

/**
 * Query grids `scale` times finer than the source's samples along each axis, spanning the same
 * extent: count = round((L − 1)·scale) + 1 positions from sample 0 to sample L − 1 (so scale 1
 * gives the samples themselves and the surface keeps its place at any scale).
 */
export function scaledGrids(shape: readonly number[], scale: number): QueryGrid[] {
  if (!(scale > 0) || !Number.isFinite(scale) || scale > 16) throw new InrError('E_ARG', `the meshing scale must be in (0, 16], got ${scale}`);
  return shape.map((L) => {
    if (L <= 1) return { start: 0, step: 1, count: 1 };
    const count = Math.max(2, Math.round((L - 1) * scale) + 1);
    return { start: 0, step: (L - 1) / (count - 1), count };
  });
}

/** The geometry of a query grid over a source geometry. */
export function queryGeometry(geo: VolumeGeometry, grids: readonly QueryGrid[]): VolumeGeometry {
  const A = indexToWorldAffine(geo);
  const [gz, gy, gx] = grids;
  const i = gx.start,
    j = gy.start,
    k = gz.start;
  const T = [0, 1, 2].map((r) => A[4 * r] * i + A[4 * r + 1] * j + A[4 * r + 2] * k + A[4 * r + 3]);
  return {
    shape: [gz.count, gy.count, gx.count],
    spacing: geo.spacing.map((s, a) => s * grids[a].step),
    origin: [T[2], T[1], T[0]],
    direction: geo.direction,
  };
}

/** Evaluates a fitted model on a tensor grid (z, y, x query grids); one value per query, x fastest. */
export type GridEvaluator = (grids: QueryGrid[]) => Float32Array | Promise<Float32Array>;

/**
 * Mesh a fitted occupancy model: evaluate it `scale` times finer than the source grid (default
 * 1), then marching cubes at `level`. Returns the mesh and the geometry it was sampled on.
 */
export async function extractFromModel(
  evaluate: GridEvaluator,
  source: VolumeGeometry,
  opts: ExtractOptions & { scale?: number } = {},
): Promise<{ mesh: TriMesh; geometry: VolumeGeometry }> {
  const grids = scaledGrids(source.shape, opts.scale ?? 1);
  const geometry = queryGeometry(source, grids);
  const n = grids.reduce((a, g) => a * g.count, 1);
  const values = await evaluate(grids);
  if (values.length !== n) throw new InrError('E_INTERNAL', `the model evaluated ${values.length} values on a grid of ${n}`);
  return { mesh: extractSurface(values, geometry, opts), geometry };
}
