/**
 * Natural-neighbour (Sibson) interpolation on one plane (Sibson, "A brief description of natural
 * neighbour interpolation", in Interpreting Multivariate Data, 1981):
 *   f(q) = Σ_i λ_i f_i,   λ_i = |V(q) ∩ V_old(v_i)| / |V(q)|,
 * the share of q's would-be Voronoi cell taken from each natural neighbour's cell. It is C¹ away
 * from the data sites, reproduces linear functions exactly, and needs no gradients.
 *
 * Computation on the Delaunay triangulation of the observed pixels (not modified): the cavity of
 * q (triangles whose open circumdisk holds q, from the triangle containing q) has a boundary
 * polygon v_0 … v_{k−1} (counter-clockwise), the natural neighbours. The new triangles (v_i,
 * v_{i+1}, q) have circumcentres c_i, the vertices of V(q). The part of V(q) taken from v_i is
 * the convex polygon
 *   c_i, o(T_out), …, o(T_in), c_{i−1}
 * where o(T) are the circumcentres of the cavity triangles around v_i, from the one on edge
 * v_i→v_{i+1} round to the one on edge v_{i−1}→v_i. Its area is the shoelace sum (relative to q).
 *
 * Where q's cavity reaches the convex hull edge q lies on (its Voronoi cell is unbounded), or a
 * degenerate circumcentre appears, the barycentric linear value is used instead.
 */
import { delaunay } from './delaunay';
import { incircle } from './predicates';
import { rasterTriangles } from './raster';
import { type ClassicalHooks, stage } from './hooks';
import type { PlaneSpec } from './planar';

export function fillPlaneNatural(p: PlaneSpec, hooks: ClassicalHooks = {}, progress: [number, number] = [0, 1]): boolean {
  const { values, channels: C, offset, H, W, observed, filled } = p;
  const HW = H * W;
  let m = 0;
  for (let i = 0; i < HW; i++) m += observed[offset + i];
  if (m < 3) return false;
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  const ids = new Int32Array(m);
  for (let i = 0, k = 0; i < HW; i++) {
    if (!observed[offset + i]) continue;
    xs[k] = i % W;
    ys[k] = Math.floor(i / W);
    ids[k++] = offset + i;
  }
  const [from, to] = progress;
  const span = to - from;
  const tri = delaunay(xs, ys, { ...hooks, onProgress: (s, f) => hooks.onProgress?.(s, from + span * 0.3 * f) });
  if (!tri) return false;
  const sib = new Sibson(tri.xs, tri.ys, tri.triangles, tri.neighbours);
  const done = new Uint8Array(HW);
  for (let i = 0; i < HW; i++) done[i] = observed[offset + i] | filled[offset + i];
  const T = tri.triangles;
  const acc = new Float64Array(C);
  const tick = stage(hooks, 'natural neighbours', from + span * 0.3, to);
  rasterTriangles(
    tri,
    W,
    done,
    () => {},
    (t, pix, la, lb, lc) => {
      const o = (offset + pix) * C;
      const qx = pix % W;
      const qy = (pix - qx) / W;
      const k = sib.weights(t, qx, qy);
      if (k > 0) {
        acc.fill(0);
        for (let j = 0; j < k; j++) {
          const s = ids[sib.nbr[j]] * C;
          const w = sib.wt[j];
          for (let ch = 0; ch < C; ch++) acc[ch] += w * values[s + ch];
        }
        for (let ch = 0; ch < C; ch++) values[o + ch] = acc[ch];
      } else {
        const a = ids[T[3 * t]] * C;
        const b = ids[T[3 * t + 1]] * C;
        const c = ids[T[3 * t + 2]] * C;
        for (let ch = 0; ch < C; ch++) values[o + ch] = la * values[a + ch] + lb * values[b + ch] + lc * values[c + ch];
      }
      filled[offset + pix] = 1;
    },
    tick,
  );
  return true;
}

/** Sibson coordinates of query points on a fixed triangulation. */
export class Sibson {
  /** Circumcentres of the triangles. */
  private readonly ccx: Float64Array;
  private readonly ccy: Float64Array;
  private readonly mark: Uint32Array;
  private stamp = 0;
  private readonly cavity: number[] = [];
  private readonly stack: number[] = [];
  /** Boundary edge leaving each vertex: its cavity triangle and end vertex (by vertex id, reset per query). */
  private readonly outTri: Int32Array;
  private readonly outEnd: Int32Array;
  private readonly seen: Uint32Array;
  /** Output of `weights`: natural neighbours and their coordinates. */
  nbr: number[] = [];
  wt: number[] = [];

  constructor(
    private readonly xs: Float64Array,
    private readonly ys: Float64Array,
    private readonly tris: Int32Array,
    private readonly nbrs: Int32Array,
  ) {
    const T = tris.length / 3;
    this.ccx = new Float64Array(T);
    this.ccy = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const [cx, cy] = circumcentre(xs[tris[3 * t]], ys[tris[3 * t]], xs[tris[3 * t + 1]], ys[tris[3 * t + 1]], xs[tris[3 * t + 2]], ys[tris[3 * t + 2]]);
      this.ccx[t] = cx;
      this.ccy[t] = cy;
    }
    this.mark = new Uint32Array(T);
    this.outTri = new Int32Array(xs.length);
    this.outEnd = new Int32Array(xs.length);
    this.seen = new Uint32Array(xs.length);
  }

  /**
   * Sibson coordinates of (qx, qy), which lies in the closed triangle t: fills `nbr`/`wt` and
   * returns their number, or 0 where they are not defined (q on the hull, degenerate geometry).
   */
  weights(t: number, qx: number, qy: number): number {
    const { xs, ys, tris, nbrs, mark, cavity, stack } = this;
    const stamp = ++this.stamp;
    cavity.length = 0;
    stack.length = 0;
    mark[t] = stamp;
    stack.push(t);
    let start = -1;
    while (stack.length) {
      const s = stack.pop()!;
      cavity.push(s);
      for (let i = 0; i < 3; i++) {
        const nb = nbrs[3 * s + i];
        const u = tris[3 * s + ((i + 1) % 3)];
        const v = tris[3 * s + ((i + 2) % 3)];
        if (nb < 0) {
          // Hull edge: q on it means an unbounded Voronoi cell.
          const o = (xs[v] - xs[u]) * (qy - ys[u]) - (ys[v] - ys[u]) * (qx - xs[u]);
          if (o === 0) return 0;
        } else if (mark[nb] === stamp) {
          continue;
        } else if (incircle(xs[tris[3 * nb]], ys[tris[3 * nb]], xs[tris[3 * nb + 1]], ys[tris[3 * nb + 1]], xs[tris[3 * nb + 2]], ys[tris[3 * nb + 2]], qx, qy) > 0) {
          mark[nb] = stamp;
          stack.push(nb);
          continue;
        }
        // Boundary edge u→v of cavity triangle s.
        this.outTri[u] = s;
        this.outEnd[u] = v;
        this.seen[u] = stamp;
        start = u;
      }
    }
    const nbr = this.nbr;
    const wt = this.wt;
    nbr.length = 0;
    wt.length = 0;
    // Walk the boundary polygon v0 → v1 → … (counter-clockwise).
    let total = 0;
    let v = start;
    let guard = 0;
    do {
      nbr.push(v);
      v = this.outEnd[v];
      if (this.seen[v] !== stamp || ++guard > cavity.length + 3) return 0;
    } while (v !== start);
    const k = nbr.length;
    // Circumcentres of the new triangles (v_i, v_{i+1}, q), relative to q.
    const cx = new Float64Array(k);
    const cy = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const a = nbr[i];
      const b = nbr[(i + 1) % k];
      const c = circumcentre(xs[a] - qx, ys[a] - qy, xs[b] - qx, ys[b] - qy, 0, 0);
      if (!Number.isFinite(c[0]) || !Number.isFinite(c[1])) return 0;
      cx[i] = c[0];
      cy[i] = c[1];
    }
    for (let i = 0; i < k; i++) {
      const vi = nbr[i];
      const prev = nbr[(i + k - 1) % k];
      // Polygon c_i, o(T_out) … o(T_in), c_{i−1}; shoelace relative to q.
      let px = cx[i];
      let py = cy[i];
      let area = 0;
      let s = this.outTri[vi];
      for (let steps = 0; ; steps++) {
        const ox = this.ccx[s] - qx;
        const oy = this.ccy[s] - qy;
        area += px * oy - py * ox;
        px = ox;
        py = oy;
        // Local index of vi in s; the edge b→vi (b the vertex before vi) is opposite the vertex after vi.
        let kv = 0;
        while (tris[3 * s + kv] !== vi) kv++;
        const b = tris[3 * s + ((kv + 2) % 3)];
        if (b === prev || steps > cavity.length) break;
        s = nbrs[3 * s + ((kv + 1) % 3)];
        if (s < 0 || mark[s] !== stamp) return 0;
      }
      const lx = cx[(i + k - 1) % k];
      const ly = cy[(i + k - 1) % k];
      area += px * ly - py * lx;
      area += lx * cy[i] - ly * cx[i];
      const a = Math.abs(area) / 2;
      wt.push(a);
      total += a;
    }
    if (!(total > 0)) return 0;
    for (let i = 0; i < k; i++) wt[i] /= total;
    return k;
  }
}

/** Circumcentre of the triangle a, b, c (Infinity for collinear points). */
function circumcentre(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): [number, number] {
  const bx1 = bx - ax;
  const by1 = by - ay;
  const cx1 = cx - ax;
  const cy1 = cy - ay;
  const D = 2 * (bx1 * cy1 - by1 * cx1);
  const b2 = bx1 * bx1 + by1 * by1;
  const c2 = cx1 * cx1 + cy1 * cy1;
  return [ax + (cy1 * b2 - by1 * c2) / D, ay + (bx1 * c2 - cx1 * b2) / D];
}
