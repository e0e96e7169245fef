/**
 * BEAM's mesh construction (METHODS.md §2.5, our reading): balance the local Barron norms of the
 * leaves under a budget of K_max leaves.
 *
 * 1. Start: split the tree uniformly, level by level, while the whole level fits in K_max (the
 *    dyadic uniform mesh at the budget).
 * 2. Refine: repeatedly take the leaf of largest value v (a max-heap, ties by node id) and split
 *    it while the leaf count stays within K_max.
 * 3. Swap: when the next split does not fit, merge the parents of leaves with the smallest v
 *    (a min-heap) to make room — only while v(parent) < γ·v(leaf to split): a merge is the exact
 *    inverse of a split, so a node is never merged and re-split in a cycle (that would need
 *    v(P) < γ·v(L) and v(L) < γ·v(P)).
 * 4. Stop when no leaf can be split, when the largest v is (numerically) zero — constant data —,
 *    when the norms are balanced (max/min of B̂ over the leaves ≤ 1 + τ), when no profitable swap
 *    is left, or after a move limit. The loop fits no ELM.
 *
 * The value v of a node is either
 *   'norm':  v = B̂, the scale-invariant local Barron norm (minimise max_i B̂_i, §2.5), or
 *   'error': v = |Ω_i|·B̂_i², the node's term in the bound ‖f − u‖² ≤ Σ_i |Ω_i|(2 r_i C_i)²/m
 *            (§2.3 step 3, |Ω_i| in samples): refine where the bound loses most.
 */
import type { FitInput } from '../fit';
import type { BarronOptions } from './barron';
import { Heap } from './heap';
import { boxNorms, type NormBox } from './norms';
import { BeamTree, coreExtent, mergeable, type BeamNode } from './tree';

export type BalanceKey = 'norm' | 'error';

export interface RefineOptions {
  maxLeaves: number;
  overlap: number;
  key: BalanceKey;
  /** Merge a parent only if its v is below γ times the v of the leaf to split (0 < γ ≤ 1). */
  gamma: number;
  /** Balanced when max/min of B̂ over the leaves ≤ 1 + tolerance. */
  tolerance: number;
  barron?: BarronOptions;
  maxMoves?: number;
  checkCancel?: () => void;
}

export interface RefineResult {
  leaves: BeamNode[];
  /** Leaves of the dyadic uniform starting mesh (with norms). */
  start: BeamNode[];
  splits: number;
  merges: number;
  stop: string;
}

/** The box whose B̂ is a node's norm: its core samples, in the local units of its support. */
function nodeBox(node: Pick<BeamNode, 'lo' | 'size'>, shape: readonly number[], overlap: number): NormBox {
  const { lo, count } = coreExtent(node, shape);
  return { lo, count, support: node.size.map((s) => s * (1 + 2 * overlap)) };
}

/** Estimate (once) the norms of the nodes that have none yet, batched (norms.ts). */
export function estimateNodes(input: FitInput, nodes: readonly BeamNode[], overlap: number, opts?: BarronOptions): void {
  const todo = nodes.filter((n) => Number.isNaN(n.norm));
  if (todo.length === 0) return;
  const norms = boxNorms(
    input,
    todo.map((n) => nodeBox(n, input.shape, overlap)),
    opts,
  );
  todo.forEach((n, i) => (n.norm = norms[i]));
}

/** Estimate (once) the norm of a node from its core samples. */
export function estimateNode(input: FitInput, node: BeamNode, overlap: number, opts?: BarronOptions): number {
  if (Number.isNaN(node.norm)) estimateNodes(input, [node], overlap, opts);
  return node.norm;
}

/** max/mean of B̂ over cells (1 for a single cell or all-zero norms). */
export function balanceOf(norms: readonly number[]): number {
  if (norms.length === 0) return 1;
  let max = 0;
  let sum = 0;
  for (const b of norms) {
    max = Math.max(max, b);
    sum += b;
  }
  return sum > 0 ? max / (sum / norms.length) : 1;
}

/** Split uniformly while a whole level fits in `maxLeaves`. Returns the leaves. */
function uniformStart(tree: BeamTree, maxLeaves: number): BeamNode[] {
  let leaves = [tree.root];
  for (;;) {
    let next = 0;
    let any = false;
    for (const n of leaves) {
      const k = tree.childCount(n);
      if (k > 0) any = true;
      next += Math.max(1, k);
    }
    if (!any || next > maxLeaves) return leaves;
    const out: BeamNode[] = [];
    for (const n of leaves) {
      if (tree.childrenOf(n).length > 0) out.push(...tree.split(n));
      else out.push(n);
    }
    leaves = out;
  }
}

export function refineMesh(tree: BeamTree, input: FitInput, opts: RefineOptions): RefineResult {
  const { maxLeaves, key, gamma, tolerance } = opts;
  const norm = (n: BeamNode) => estimateNode(input, n, opts.overlap, opts.barron);
  const value = (n: BeamNode) => (key === 'norm' ? norm(n) : norm(n) * norm(n) * n.samples);
  const start = uniformStart(tree, maxLeaves);
  const floor = zeroNorm(input);
  const leafSet = new Set<BeamNode>(start);
  // Leaves by decreasing v, mergeable parents by increasing v; ties by node id.
  const toSplit = new Heap<BeamNode>((a, b) => value(a) > value(b) || (value(a) === value(b) && a.id < b.id));
  const toMerge = new Heap<BeamNode>((a, b) => value(a) < value(b) || (value(a) === value(b) && a.id > b.id));
  estimateNodes(input, start, opts.overlap, opts.barron);
  for (const n of start) toSplit.push(n);
  // The merge heap is built on first need (the parents' norms cost one more pass over the data).
  let mergeReady = false;
  const buildMergeHeap = () => {
    mergeReady = true;
    const parents: BeamNode[] = [];
    const walk = (n: BeamNode) => {
      if (!n.children) return;
      if (validMerge(n)) parents.push(n);
      else n.children.forEach(walk);
    };
    walk(tree.root);
    estimateNodes(input, parents, opts.overlap, opts.barron);
    for (const n of parents) toMerge.push(n);
  };
  const validMerge = (p: BeamNode) => mergeable(p) && p.children!.every((c) => leafSet.has(c));
  if (start.every((n) => !(norm(n) > floor))) {
    // Nothing to represent beyond an affine function anywhere (constant data): one cell.
    collapse(tree.root);
    norm(tree.root);
    return { leaves: [tree.root], start, splits: 0, merges: 0, stop: 'largest norm is zero' };
  }
  const maxMoves = opts.maxMoves ?? 8 * maxLeaves + 1000;
  let splits = 0;
  let merges = 0;
  let stop = 'no leaf can be split';
  for (let move = 0; ; move++) {
    opts.checkCancel?.();
    if (move >= maxMoves) {
      stop = 'move limit';
      break;
    }
    let top = toSplit.pop();
    while (top && (!leafSet.has(top) || tree.childCount(top) === 0)) top = toSplit.pop();
    if (!top) break;
    if (!(norm(top) > floor)) {
      stop = 'largest norm is zero';
      break;
    }
    // The balance test is O(leaves): run it every 16 moves (it can only end the loop early).
    if (move % 16 === 0 && leafSet.size > 1 && isBalanced(leafSet, norm, tolerance)) {
      stop = 'norms balanced';
      break;
    }
    const kids = tree.childrenOf(top);
    const cost = kids.length - 1;
    let need = leafSet.size + cost - maxLeaves;
    if (need > 0) {
      // Make room by merging the cheapest parents, if that pays.
      if (!mergeReady) buildMergeHeap();
      const picked: BeamNode[] = [];
      const skipped: BeamNode[] = [];
      let freed = 0;
      while (freed < need) {
        const p = toMerge.pop();
        if (!p) break;
        if (!validMerge(p)) continue;
        if (p === top.parent) {
          skipped.push(p);
          continue;
        }
        if (!(value(p) < gamma * value(top))) {
          skipped.push(p);
          break;
        }
        picked.push(p);
        freed += p.children!.length - 1;
      }
      skipped.forEach((p) => toMerge.push(p));
      if (freed < need) {
        picked.forEach((p) => toMerge.push(p));
        toSplit.push(top);
        stop = 'budget reached';
        break;
      }
      for (const p of picked) {
        for (const c of p.children!) leafSet.delete(c);
        tree.merge(p);
        leafSet.add(p);
        toSplit.push(p);
        if (p.parent && validMerge(p.parent)) toMerge.push(p.parent);
        merges++;
      }
      need = leafSet.size + cost - maxLeaves;
    }
    if (need > 0) {
      toSplit.push(top);
      stop = 'budget reached';
      break;
    }
    leafSet.delete(top);
    const children = tree.split(top);
    estimateNodes(input, children, opts.overlap, opts.barron);
    for (const c of children) {
      leafSet.add(c);
      toSplit.push(c);
    }
    if (mergeReady) toMerge.push(top);
    splits++;
  }
  return { leaves: tree.leaves(), start, splits, merges, stop };
}

function isBalanced(leaves: Set<BeamNode>, norm: (n: BeamNode) => number, tolerance: number): boolean {
  let min = Infinity;
  let max = 0;
  for (const n of leaves) {
    const b = norm(n);
    min = Math.min(min, b);
    max = Math.max(max, b);
  }
  return max <= (1 + tolerance) * min;
}

/** Norms at or below this are rounding noise (constant data gives ~1e-16·|f|): 1e-9·max|f|. */
export function zeroNorm(input: FitInput): number {
  return 1e-9 * maxAbs(input);
}

/** Largest |value| over the observed finite samples. */
function maxAbs(input: FitInput): number {
  const { values, mask, channels: C } = input;
  let m = 0;
  if (!mask) {
    for (let i = 0; i < values.length; i++) {
      const v = Math.abs(values[i]);
      if (v > m && v !== Infinity) m = v; // NaN fails v > m
    }
    return m;
  }
  for (let s = 0, i = 0; s < mask.length; s++, i += C) {
    if (mask[s] !== 1) continue;
    for (let c = 0; c < C; c++) {
      const v = Math.abs(values[i + c]);
      if (v > m && v !== Infinity) m = v;
    }
  }
  return m;
}

/** Undo every split below `node`. */
function collapse(node: BeamNode): void {
  if (!node.children) return;
  node.children.forEach(collapse);
  node.cached = node.children;
  node.children = null;
}
