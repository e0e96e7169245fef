/**
 * The BEAM mesh: a 2^k-tree over the sample grid (a quadtree in 2-D, an octree in 3-D, any
 * number of axes in general; time is just one more axis).
 *
 * The root is one box of nominal size 2^⌈log2 L_a⌉ per axis, anchored at sample 0 and clipped
 * to the grid. A split halves the node along a chosen subset of its axes (axis-selective: an
 * axis is never cut below its minimal width, and only axes at least half as long as the longest
 * splittable one are cut, so cells stay within an aspect ratio of 2 while they can; a split whose
 * children's supports would hold too few samples is refused), giving up to 2^k children;
 * children whose core lies wholly outside the grid are dropped.
 *
 * Because every nominal size is a power of two and every origin a multiple of it, a node is
 * "cell k_a = lo_a/size_a of a uniform layout of width size_a" along each axis. Its support,
 * local coordinates and window are therefore exactly those of the uniform mesh (mesh.ts) with
 * that width, and nodes of equal size share their local sampling pattern.
 */

/** A node of the tree. Leaves are the subdomains of the mesh. */
export interface BeamNode {
  /** Creation order: breaks ties, so the mesh is reproducible. */
  id: number;
  /** Nominal box origin per axis, in samples (a multiple of `size`). */
  lo: number[];
  /** Nominal box size per axis, in samples (a power of two). */
  size: number[];
  level: number;
  parent: BeamNode | null;
  /** Children when split; null for a leaf. */
  children: BeamNode[] | null;
  /** Children of an earlier split, kept after a merge so a new split reuses their norms. */
  cached: BeamNode[] | null;
  /** Estimated local Barron norm B̂ (NaN until estimated). */
  norm: number;
  /** Core samples inside the grid. */
  samples: number;
}

export interface SplitRule {
  /** Minimal nominal cell width per axis, in samples (≥ 1). */
  minWidth: number[];
  /** Axes that may be split at all. */
  allowed: boolean[];
  /**
   * A child's support must hold at least this many samples (Π_a min(L_a, w_a·(1 + 2·overlap))),
   * so that its local least squares stays overdetermined (N_i ≥ 1.5–2·m, METHODS.md §1.4).
   */
  minSupport: number;
  overlap: number;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The part of a node's core inside the grid: [lo, lo+count) per axis. */
export function coreExtent(node: Pick<BeamNode, 'lo' | 'size'>, shape: readonly number[]): { lo: number[]; count: number[] } {
  const count = shape.map((L, a) => Math.max(0, Math.min(L, node.lo[a] + node.size[a]) - node.lo[a]));
  return { lo: node.lo.slice(), count };
}

export class BeamTree {
  readonly root: BeamNode;
  private nextId = 0;

  constructor(
    readonly shape: readonly number[],
    readonly rule: SplitRule,
  ) {
    this.root = this.node(
      shape.map(() => 0),
      shape.map((L) => nextPow2(L)),
      0,
      null,
    );
  }

  private node(lo: number[], size: number[], level: number, parent: BeamNode | null): BeamNode {
    let samples = 1;
    for (let a = 0; a < lo.length; a++) samples *= Math.max(0, Math.min(this.shape[a], lo[a] + size[a]) - lo[a]);
    return { id: this.nextId++, lo, size, level, parent, children: null, cached: null, norm: NaN, samples };
  }

  /** The axes a split of `node` would halve (empty: the node cannot be split). */
  splitAxes(node: Pick<BeamNode, 'size'>): number[] {
    return this.splitAxesOf(node.size);
  }

  /** The same for a node of nominal `size` (the rule depends on the size only). */
  splitAxesOf(size: readonly number[]): number[] {
    const { allowed, minWidth, overlap, minSupport } = this.rule;
    const d = size.length;
    let longest = 0;
    for (let a = 0; a < d; a++) if (allowed[a] && size[a] >= 2 && size[a] / 2 >= minWidth[a]) longest = Math.max(longest, size[a]);
    const axes: number[] = [];
    let support = 1;
    for (let a = 0; a < d; a++) {
      const cut = allowed[a] && size[a] >= 2 && size[a] / 2 >= minWidth[a] && 2 * size[a] >= longest;
      if (cut) axes.push(a);
      support *= Math.min(this.shape[a], (cut ? size[a] / 2 : size[a]) * (1 + 2 * overlap));
    }
    return support >= minSupport ? axes : [];
  }

  /**
   * The dyadic uniform levels, coarsest first, while a level holds at most `maxLeaves` leaves:
   * the nominal cell size of each and its number of cells, computed without creating nodes.
   * Every node of a level has the same size, so the split rule cuts them all alike; a level of
   * size s has Π_a ⌈L_a/s_a⌉ cells (the children outside the grid are dropped).
   */
  uniformLevelSizes(maxLeaves: number): { size: number[]; count: number }[] {
    const countOf = (size: readonly number[]) => size.reduce((n, s, a) => n * Math.ceil(this.shape[a] / s), 1);
    const levels = [{ size: this.root.size.slice(), count: 1 }];
    for (;;) {
      const last = levels[levels.length - 1];
      const axes = this.splitAxesOf(last.size);
      if (axes.length === 0) return levels;
      const size = last.size.slice();
      for (const a of axes) size[a] /= 2;
      const count = countOf(size);
      if (count === last.count || count > maxLeaves) return levels;
      levels.push({ size, count });
    }
  }

  /**
   * The nodes of the uniform level of nominal `size` at depth `level` (row-major over the grid),
   * as detached leaves: for meshes that are not refined further (per-cell capacity).
   */
  levelNodes(size: readonly number[], level: number): BeamNode[] {
    const d = size.length;
    const cells = size.map((s, a) => Math.ceil(this.shape[a] / s));
    const total = cells.reduce((a, b) => a * b, 1);
    const out = new Array<BeamNode>(total);
    const k = new Array<number>(d).fill(0);
    for (let i = 0; i < total; i++) {
      const lo = new Array<number>(d);
      for (let a = 0; a < d; a++) lo[a] = k[a] * size[a];
      out[i] = this.node(lo, size.slice(), level, null);
      for (let a = d - 1; a >= 0; a--) {
        if (++k[a] < cells[a]) break;
        k[a] = 0;
      }
    }
    return out;
  }

  /** How many children a split would create, without creating them. */
  childCount(node: BeamNode): number {
    if (node.cached) return node.cached.length;
    const axes = this.splitAxes(node);
    if (axes.length === 0) return 0;
    let n = 1;
    for (const a of axes) n *= node.lo[a] + node.size[a] / 2 < this.shape[a] ? 2 : 1;
    return n;
  }

  /** The children a split would create (not attached): one per half-combination inside the grid. */
  childrenOf(node: BeamNode): BeamNode[] {
    if (node.cached) return node.cached;
    const axes = this.splitAxes(node);
    if (axes.length === 0) return [];
    const out: BeamNode[] = [];
    for (let bits = 0; bits < 1 << axes.length; bits++) {
      const lo = node.lo.slice();
      const size = node.size.slice();
      axes.forEach((a, i) => {
        size[a] = node.size[a] / 2;
        if (bits & (1 << i)) lo[a] += size[a];
      });
      if (lo.some((l, a) => l >= this.shape[a])) continue;
      out.push(this.node(lo, size, node.level + 1, node));
    }
    node.cached = out;
    return out;
  }

  split(node: BeamNode): BeamNode[] {
    if (node.children) throw new Error('node is already split');
    const kids = this.childrenOf(node);
    node.children = kids;
    return kids;
  }

  /** Merge: make `node` a leaf again (its children must be leaves). */
  merge(node: BeamNode): void {
    if (!node.children) throw new Error('node is a leaf');
    if (node.children.some((c) => c.children)) throw new Error('only parents of leaves can be merged');
    node.cached = node.children;
    node.children = null;
  }

  /** Leaves in depth-first order (deterministic). */
  leaves(): BeamNode[] {
    const out: BeamNode[] = [];
    const walk = (n: BeamNode) => {
      if (n.children) n.children.forEach(walk);
      else out.push(n);
    };
    walk(this.root);
    return out;
  }
}

/** True when every child of `node` is a leaf (the node can be merged). */
export function mergeable(node: BeamNode): boolean {
  return node.children !== null && node.children.every((c) => c.children === null);
}
