/**
 * Occupancy and surface metrics.
 *
 * IoU (METHODS.md §14.4): |{p ≥ ½} ∩ {g ≥ ½}| / |{p ≥ ½} ∪ {g ≥ ½}| over one grid.
 *
 * Surface distances between meshes A and B, both sampled by `count` area-weighted random points
 * (seeded, so a run is reproducible), in the meshes' units:
 *   d(a, B)   = min over the samples b of B of |a − b| (Euclidean, not squared);
 *   C(A→B)    = mean over the samples a of A of d(a, B);
 *   Chamfer   = ½ (C(A→B) + C(B→A)), the mean of the two directed means (METHODS.md names the
 *               Chamfer distance without fixing a convention; this one is in length units, so it
 *               reads as "the surfaces are on average this far apart");
 *   Hausdorff = max(max_a d(a, B), max_b d(b, A)) over the samples.
 * Sampling B too (rather than measuring to its exact triangles) biases d upward by about the
 * sample spacing, √(area/count)/2 or so; the report gives that spacing so it can be judged.
 * Nearest neighbours come from a k-d tree (median splits on the widest axis, leaf buckets).
 */
import { Rng } from '../core/rng';
import { surfaceArea, triangleArea, type TriMesh } from './trimesh';

/** Intersection over union of two occupancy grids (values ≥ ½ are occupied). Both empty: 1. */
export function occupancyIoU(pred: ArrayLike<number>, truth: ArrayLike<number>): { iou: number; intersection: number; union: number } {
  if (pred.length !== truth.length) throw new RangeError(`IoU: grids of ${pred.length} and ${truth.length} samples`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] >= 0.5;
    const g = truth[i] >= 0.5;
    if (p && g) inter++;
    if (p || g) union++;
  }
  return { iou: union ? inter / union : 1, intersection: inter, union };
}

/**
 * `count` points uniformly distributed over the surface (area-weighted triangle choice by a
 * binary search in the cumulative areas; uniform barycentrics by the square-root map of Osada et
 * al., "Shape distributions", ACM TOG 2002: (1 − √r₁, √r₁(1 − r₂), √r₁r₂)).
 */
export function sampleSurface(mesh: TriMesh, count: number, seed = 1): Float64Array {
  const m = mesh.triangles.length / 3;
  const cum = new Float64Array(m);
  let total = 0;
  for (let t = 0; t < m; t++) {
    total += triangleArea(mesh, t);
    cum[t] = total;
  }
  if (!(total > 0)) throw new RangeError('sampleSurface: the mesh has no area');
  const rng = new Rng(seed);
  const out = new Float64Array(3 * count);
  const { positions: p, triangles: tri } = mesh;
  for (let s = 0; s < count; s++) {
    const u = rng.uniform() * total;
    let lo = 0,
      hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    const a = 3 * tri[3 * lo],
      b = 3 * tri[3 * lo + 1],
      c = 3 * tri[3 * lo + 2];
    const r1 = Math.sqrt(rng.uniform());
    const r2 = rng.uniform();
    const wa = 1 - r1,
      wb = r1 * (1 - r2),
      wc = r1 * r2;
    for (let k = 0; k < 3; k++) out[3 * s + k] = wa * p[a + k] + wb * p[b + k] + wc * p[c + k];
  }
  return out;
}

const BUCKET = 8;

/** A static 3-D k-d tree over points (x, y, z each) for nearest-neighbour distances. */
export class KdTree {
  /** Points in tree order. */
  private readonly pts: Float64Array;
  /** Split axis per node, at the node's median position; 3 for a leaf bucket. */
  private readonly axis: Uint8Array;
  private readonly n: number;
  private readonly stackLo = new Int32Array(256);
  private readonly stackHi = new Int32Array(256);
  private readonly stackD = new Float64Array(256);

  constructor(points: Float64Array) {
    this.n = points.length / 3;
    const order = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    this.axis = new Uint8Array(this.n);
    const todo: number[] = [0, this.n];
    while (todo.length) {
      const hi = todo.pop()!;
      const lo = todo.pop()!;
      if (hi - lo <= BUCKET) {
        if (hi > lo) this.axis[lo] = 3;
        continue;
      }
      const a = widest(points, order, lo, hi);
      const mid = (lo + hi) >> 1;
      select(points, order, lo, hi, mid, a);
      this.axis[mid] = a;
      todo.push(lo, mid, mid + 1, hi);
    }
    this.pts = new Float64Array(3 * this.n);
    for (let i = 0; i < this.n; i++) for (let k = 0; k < 3; k++) this.pts[3 * i + k] = points[3 * order[i] + k];
  }

  /** Squared distance from (x, y, z) to the nearest point. */
  nearest2(x: number, y: number, z: number): number {
    const { pts, axis } = this;
    const sLo = this.stackLo,
      sHi = this.stackHi,
      sD = this.stackD;
    let best = Infinity;
    let sp: number;
    sLo[0] = 0;
    sHi[0] = this.n;
    sD[0] = 0;
    sp = 1;
    while (sp > 0) {
      sp--;
      if (sD[sp] >= best) continue;
      const lo = sLo[sp],
        hi = sHi[sp];
      if (hi - lo <= BUCKET) {
        for (let i = lo; i < hi; i++) {
          const dx = pts[3 * i] - x,
            dy = pts[3 * i + 1] - y,
            dz = pts[3 * i + 2] - z;
          const d = dx * dx + dy * dy + dz * dz;
          if (d < best) best = d;
        }
        continue;
      }
      const mid = (lo + hi) >> 1;
      const dx = pts[3 * mid] - x,
        dy = pts[3 * mid + 1] - y,
        dz = pts[3 * mid + 2] - z;
      const d = dx * dx + dy * dy + dz * dz;
      if (d < best) best = d;
      const a = axis[mid];
      const diff = (a === 0 ? x : a === 1 ? y : z) - pts[3 * mid + a];
      const far2 = diff * diff;
      // Far side first on the stack, near side on top.
      const nearLo = diff < 0 ? lo : mid + 1,
        nearHi = diff < 0 ? mid : hi;
      const farLo = diff < 0 ? mid + 1 : lo,
        farHi = diff < 0 ? hi : mid;
      if (far2 < best && farHi > farLo) {
        sLo[sp] = farLo;
        sHi[sp] = farHi;
        sD[sp++] = far2;
      }
      if (nearHi > nearLo) {
        sLo[sp] = nearLo;
        sHi[sp] = nearHi;
        sD[sp++] = 0;
      }
    }
    return best;
  }
}

function widest(points: Float64Array, order: Uint32Array, lo: number, hi: number): number {
  let best = 0,
    span = -1;
  for (let a = 0; a < 3; a++) {
    let mn = Infinity,
      mx = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = points[3 * order[i] + a];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (mx - mn > span) {
      span = mx - mn;
      best = a;
    }
  }
  return best;
}

/** Quickselect (Hoare) of order[lo..hi) so order[k] holds the k-th smallest coordinate `a`. */
function select(points: Float64Array, order: Uint32Array, lo: number, hi: number, k: number, a: number): void {
  let l = lo,
    r = hi - 1;
  while (r > l) {
    const pivot = points[3 * order[(l + r) >> 1] + a];
    let i = l,
      j = r;
    while (i <= j) {
      while (points[3 * order[i] + a] < pivot) i++;
      while (points[3 * order[j] + a] > pivot) j--;
      if (i <= j) {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return;
  }
}

/** Directed distances from each point of `from` to the nearest point of `tree`: mean and max. */
function directedDistance(from: Float64Array, tree: KdTree): { mean: number; max: number } {
  const n = from.length / 3;
  let sum = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.sqrt(tree.nearest2(from[3 * i], from[3 * i + 1], from[3 * i + 2]));
    sum += d;
    if (d > max) max = d;
  }
  return { mean: n ? sum / n : 0, max };
}

export interface SurfaceDistances {
  /** ½ (mean d(a, B) + mean d(b, A)), in the meshes' units. */
  chamfer: number;
  /** mean over A's samples of d(a, B). */
  chamferAB: number;
  chamferBA: number;
  /** max(max d(a, B), max d(b, A)). */
  hausdorff: number;
  hausdorffAB: number;
  hausdorffBA: number;
  samples: number;
  seed: number;
  /** √(area/samples) of each surface: the sampling resolution the distances cannot beat. */
  sampleSpacing: [number, number];
}

/** Chamfer and Hausdorff distances between two surfaces (see the file comment). */
export function surfaceDistances(a: TriMesh, b: TriMesh, opts: { samples?: number; seed?: number } = {}): SurfaceDistances {
  const samples = opts.samples ?? 100_000;
  const seed = opts.seed ?? 1;
  const pa = sampleSurface(a, samples, seed);
  const pb = sampleSurface(b, samples, seed + 1);
  const ab = directedDistance(pa, new KdTree(pb));
  const ba = directedDistance(pb, new KdTree(pa));
  return {
    chamfer: (ab.mean + ba.mean) / 2,
    chamferAB: ab.mean,
    chamferBA: ba.mean,
    hausdorff: Math.max(ab.max, ba.max),
    hausdorffAB: ab.max,
    hausdorffBA: ba.max,
    samples,
    seed,
    sampleSpacing: [Math.sqrt(surfaceArea(a) / samples), Math.sqrt(surfaceArea(b) / samples)],
  };
}
