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

export function nextPow2(n: number): number {
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
    const { count } = coreExtent({ lo, size }, this.shape);
    const samples = count.reduce((a, b) => a * b, 1);
    return { id: this.nextId++, lo, size, level, parent, children: null, cached: null, norm: NaN, samples };
  }

  /** The axes a split of `node` would halve (empty: the node cannot be split). */
  splitAxes(node: BeamNode): number[] {
    const ok = node.size.map((s, a) => this.rule.allowed[a] && s >= 2 && s / 2 >= this.rule.minWidth[a]);
    let longest = 0;
    node.size.forEach((s, a) => {
      if (ok[a]) longest = Math.max(longest, s);
    });
    const axes: number[] = [];
    node.size.forEach((s, a) => {
      if (ok[a] && 2 * s >= longest) axes.push(a);
    });
    let support = 1;
    node.size.forEach((s, a) => {
      const w = axes.includes(a) ? s / 2 : s;
      support *= Math.min(this.shape[a], w * (1 + 2 * this.rule.overlap));
    });
    return support >= this.rule.minSupport ? axes : [];
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
