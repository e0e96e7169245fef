/**
 * Delaunay triangulation of 2-D points with integer coordinates (pixel centres), by incremental
 * Bowyer–Watson insertion with ghost triangles and exact predicates.
 *
 * - Points are inserted along a Hilbert curve (hilbert.ts); each one is located by a visibility
 *   walk from the last triangle created, which is next to the previous point.
 * - Cavity: the triangles whose open circumdisk holds the new point p (incircle > 0, exact; see
 *   predicates.ts), grown from the triangle that contains p. The hull is closed by ghost
 *   triangles (u, v, ∞), one per hull edge u→v with the outside on its left; p is in a ghost's
 *   "circumdisk" when it lies strictly left of u→v, or on the open segment uv. The cavity is
 *   replaced by the fan of triangles joining p to the cavity's boundary edges.
 * - Cocircular points (common on a pixel lattice) are handled by the strict test: any of the
 *   valid Delaunay triangulations may come out. Duplicate points are skipped. If every point is
 *   collinear, or there are fewer than three, there is no triangulation (`undefined`).
 *
 * Cost: O(n log n) expected for spread-out points (the sort is linear: radix on Hilbert keys);
 * ~80 k pixel centres triangulate in well under a second.
 */
import { InrError } from '../core/errors';
import { EXACT_COORD_LIMIT, incircle, orient } from './predicates';
import { hilbertOrder } from './hilbert';
import { type ClassicalHooks, stage } from './hooks';

export interface Triangulation {
  /** Point coordinates, x then y for each point (as given). */
  xs: Float64Array;
  ys: Float64Array;
  /** Finite triangles, counter-clockwise, three point indices each. */
  triangles: Int32Array;
  /** neighbours[3t+i]: the triangle across the edge opposite vertex i, or −1 on the convex hull. */
  neighbours: Int32Array;
  /** Points that are not vertices (duplicates of an earlier point). */
  skipped: number;
}

/**
 * Triangulate the points (xs[i], ys[i]) (integers, |value| < 32768). Returns undefined when the
 * points do not span a plane (fewer than 3 distinct, or all collinear).
 */
export function delaunay(xsIn: ArrayLike<number>, ysIn: ArrayLike<number>, hooks: ClassicalHooks = {}): Triangulation | undefined {
  const n = xsIn.length;
  const xs = Float64Array.from(xsIn);
  const ys = Float64Array.from(ysIn);
  let minX = Infinity;
  let minY = Infinity;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!Number.isInteger(x) || !Number.isInteger(y) || Math.abs(x) >= EXACT_COORD_LIMIT || Math.abs(y) >= EXACT_COORD_LIMIT) {
      throw new InrError('E_TOO_LARGE', `the triangulation takes integer coordinates below ${EXACT_COORD_LIMIT} in magnitude, got (${x}, ${y})`);
    }
    if (x < minX) minX = x;
    if (y < minY) minY = y;
  }
  if (n < 3) return undefined;
  // Hilbert order of the points shifted to non-negative coordinates.
  const ox = new Float64Array(n);
  const oy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ox[i] = xs[i] - minX;
    oy[i] = ys[i] - minY;
  }
  const order = hilbertOrder(ox, oy);
  // A first triangle: the first point, the next distinct one, the next one off their line.
  const a = order[0];
  let k1 = 1;
  while (k1 < n && xs[order[k1]] === xs[a] && ys[order[k1]] === ys[a]) k1++;
  if (k1 >= n) return undefined;
  const b = order[k1];
  let k2 = k1 + 1;
  while (k2 < n && orient(xs[a], ys[a], xs[b], ys[b], xs[order[k2]], ys[order[k2]]) === 0) k2++;
  if (k2 >= n) return undefined;
  const c = order[k2];
  const mesh = new Mesh(xs, ys, n);
  if (orient(xs[a], ys[a], xs[b], ys[b], xs[c], ys[c]) > 0) mesh.init(a, b, c);
  else mesh.init(a, c, b);
  const tick = stage(hooks, 'triangulating', 0, 1);
  for (let k = 1; k < n; k++) {
    if (k === k1 || k === k2) continue;
    mesh.insert(order[k]);
    if ((k & 4095) === 0) tick(k / n);
  }
  tick(1);
  return mesh.finish();
}

/** Working storage: triangles with ghosts (vertex id n = the point at infinity), a free list. */
class Mesh {
  private readonly G: number;
  private V: Int32Array;
  private N: Int32Array;
  private alive: Uint8Array;
  private mark: Uint32Array;
  private count = 0;
  private free: number[] = [];
  private stamp = 0;
  private last = 0;
  private walkTurn = 0;
  private skipped = 0;
  // Scratch for one insertion.
  private cavity: number[] = [];
  private stack: number[] = [];
  private bu: number[] = [];
  private bv: number[] = [];
  private bout: number[] = [];
  private bold: number[] = [];
  private created: number[] = [];
  private readonly startOf: Int32Array;
  private readonly endOf: Int32Array;

  constructor(
    private readonly xs: Float64Array,
    private readonly ys: Float64Array,
    n: number,
  ) {
    this.G = n;
    const cap = 2 * n + 16;
    this.V = new Int32Array(3 * cap);
    this.N = new Int32Array(3 * cap);
    this.alive = new Uint8Array(cap);
    this.mark = new Uint32Array(cap);
    this.startOf = new Int32Array(n + 1);
    this.endOf = new Int32Array(n + 1);
  }

  private alloc(): number {
    const t = this.free.length ? this.free.pop()! : this.count++;
    if (t >= this.alive.length) this.grow();
    this.alive[t] = 1;
    return t;
  }

  private grow(): void {
    const cap = this.alive.length * 2;
    const V = new Int32Array(3 * cap);
    V.set(this.V);
    const N = new Int32Array(3 * cap);
    N.set(this.N);
    const alive = new Uint8Array(cap);
    alive.set(this.alive);
    const mark = new Uint32Array(cap);
    mark.set(this.mark);
    this.V = V;
    this.N = N;
    this.alive = alive;
    this.mark = mark;
  }

  /** The first triangle a, b, c (counter-clockwise) and its three ghosts. */
  init(a: number, b: number, c: number): void {
    const G = this.G;
    const tris = [
      [a, b, c],
      [b, a, G],
      [c, b, G],
      [a, c, G],
    ];
    const ids = tris.map((v) => {
      const t = this.alloc();
      this.V.set(v, 3 * t);
      return t;
    });
    // Link by shared edges: edge x→y of one triangle is y→x of its neighbour.
    for (const t of ids) {
      for (let i = 0; i < 3; i++) {
        const x = this.V[3 * t + ((i + 1) % 3)];
        const y = this.V[3 * t + ((i + 2) % 3)];
        for (const s of ids) {
          if (s === t) continue;
          for (let j = 0; j < 3; j++) {
            if (this.V[3 * s + ((j + 1) % 3)] === y && this.V[3 * s + ((j + 2) % 3)] === x) this.N[3 * t + i] = s;
          }
        }
      }
    }
    this.last = ids[0];
  }

  private isGhost(t: number): boolean {
    const G = this.G;
    const V = this.V;
    return V[3 * t] === G || V[3 * t + 1] === G || V[3 * t + 2] === G;
  }

  /** Is point p inside the open circumdisk of triangle t (ghosts: see the file comment)? */
  private inDisk(t: number, p: number): boolean {
    const { V, xs, ys, G } = this;
    const px = xs[p];
    const py = ys[p];
    let v0 = V[3 * t];
    let v1 = V[3 * t + 1];
    let v2 = V[3 * t + 2];
    if (v0 === G) {
      v0 = v1;
      v1 = v2;
      v2 = G;
    } else if (v1 === G) {
      const u = v2;
      v2 = G;
      v1 = v0;
      v0 = u;
    }
    if (v2 === G) {
      const o = orient(xs[v0], ys[v0], xs[v1], ys[v1], px, py);
      if (o > 0) return true;
      if (o < 0) return false;
      // Collinear: inside only on the open segment v0 v1.
      const dot = (px - xs[v0]) * (xs[v1] - xs[v0]) + (py - ys[v0]) * (ys[v1] - ys[v0]);
      const len2 = (xs[v1] - xs[v0]) ** 2 + (ys[v1] - ys[v0]) ** 2;
      return dot > 0 && dot < len2;
    }
    return incircle(xs[v0], ys[v0], xs[v1], ys[v1], xs[v2], ys[v2], px, py) > 0;
  }

  /**
   * Visibility walk to the triangle holding p: a finite triangle whose closed area holds it, or
   * the ghost across the hull edge that p lies strictly outside of. −1 for a duplicate point.
   */
  private locate(p: number): number {
    const { V, N, xs, ys, G } = this;
    const px = xs[p];
    const py = ys[p];
    let t = this.last;
    if (!this.alive[t]) t = this.anyAlive();
    if (this.isGhost(t)) {
      // Step through the ghost's finite edge unless p is already outside it.
      let i = 0;
      while (V[3 * t + i] !== G) i++;
      if (this.inDisk(t, p)) return t;
      t = N[3 * t + i];
    }
    for (let steps = 0; ; steps++) {
      let moved = false;
      const turn = this.walkTurn++ % 3;
      for (let r = 0; r < 3; r++) {
        const i = (r + turn) % 3;
        const u = V[3 * t + ((i + 1) % 3)];
        const v = V[3 * t + ((i + 2) % 3)];
        if (orient(xs[u], ys[u], xs[v], ys[v], px, py) < 0) {
          t = N[3 * t + i];
          moved = true;
          break;
        }
      }
      if (!moved) break;
      if (this.isGhost(t)) return t;
      if (steps > 4 * this.alive.length) throw new InrError('E_INTERNAL', 'Delaunay point location did not terminate');
    }
    for (let i = 0; i < 3; i++) {
      const v = V[3 * t + i];
      if (xs[v] === px && ys[v] === py) return -1;
    }
    return t;
  }

  private anyAlive(): number {
    for (let t = this.count - 1; t >= 0; t--) if (this.alive[t]) return t;
    throw new InrError('E_INTERNAL', 'empty triangulation');
  }

  insert(p: number): void {
    const t0 = this.locate(p);
    if (t0 < 0) {
      this.skipped++;
      return;
    }
    const { V, N } = this;
    const stamp = ++this.stamp;
    const cavity = this.cavity;
    const stack = this.stack;
    const bu = this.bu;
    const bv = this.bv;
    const bout = this.bout;
    const bold = this.bold;
    cavity.length = 0;
    stack.length = 0;
    bu.length = 0;
    bv.length = 0;
    bout.length = 0;
    bold.length = 0;
    this.mark[t0] = stamp;
    stack.push(t0);
    while (stack.length) {
      const t = stack.pop()!;
      cavity.push(t);
      for (let i = 0; i < 3; i++) {
        const nb = N[3 * t + i];
        if (this.mark[nb] === stamp) continue;
        if (this.inDisk(nb, p)) {
          this.mark[nb] = stamp;
          stack.push(nb);
        } else {
          bu.push(V[3 * t + ((i + 1) % 3)]);
          bv.push(V[3 * t + ((i + 2) % 3)]);
          bout.push(nb);
          bold.push(t);
        }
      }
    }
    for (const t of cavity) {
      this.alive[t] = 0;
      this.free.push(t);
    }
    let made = -1;
    const m = bu.length;
    const created = this.created;
    created.length = 0;
    for (let e = 0; e < m; e++) {
      const u = bu[e];
      const v = bv[e];
      const T = this.alloc();
      created.push(T);
      const V2 = this.V;
      const N2 = this.N;
      V2[3 * T] = u;
      V2[3 * T + 1] = v;
      V2[3 * T + 2] = p;
      const out = bout[e];
      N2[3 * T + 2] = out;
      const old = bold[e];
      for (let j = 0; j < 3; j++) if (N2[3 * out + j] === old && this.outsideEdgeMatches(out, j, u, v)) N2[3 * out + j] = T;
      this.startOf[u] = T;
      this.endOf[v] = T;
      made = T;
    }
    const V2 = this.V;
    const N2 = this.N;
    for (const T of created) {
      N2[3 * T] = this.startOf[V2[3 * T + 1]]; // edge v→p is shared with the triangle starting at v
      N2[3 * T + 1] = this.endOf[V2[3 * T]]; // edge p→u with the triangle ending at u
    }
    this.last = made;
  }

  /** Is edge j of triangle `out` the edge v→u (the reverse of a cavity boundary edge u→v)? */
  private outsideEdgeMatches(out: number, j: number, u: number, v: number): boolean {
    const V = this.V;
    return V[3 * out + ((j + 1) % 3)] === v && V[3 * out + ((j + 2) % 3)] === u;
  }

  /** Finite triangles, compacted, with −1 for neighbours across the hull. */
  finish(): Triangulation {
    const { V, N } = this;
    const remap = new Int32Array(this.count).fill(-1);
    let T = 0;
    for (let t = 0; t < this.count; t++) if (this.alive[t] && !this.isGhost(t)) remap[t] = T++;
    const triangles = new Int32Array(3 * T);
    const neighbours = new Int32Array(3 * T);
    for (let t = 0; t < this.count; t++) {
      const r = remap[t];
      if (r < 0) continue;
      for (let i = 0; i < 3; i++) {
        triangles[3 * r + i] = V[3 * t + i];
        neighbours[3 * r + i] = remap[N[3 * t + i]];
      }
    }
    return { xs: this.xs, ys: this.ys, triangles, neighbours, skipped: this.skipped };
  }
}
