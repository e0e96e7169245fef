/**
 * The meshes of BEAM's strategies ("plans": cells and the hidden size of each), built without
 * fitting any ELM:
 *   'split'    — the 2^k-tree refined where the Barron norm is high (refine.ts), one hidden size;
 *   'capacity' — a dyadic uniform level, hidden sizes per cell from the norms (capacity.ts);
 *   'hybrid'   — the split mesh, then hidden sizes per cell;
 *   'auto'     — capacity, unless the budget is so low that its cells would need more than twice
 *                the base number of nodes on average, where splitting is used (large per-cell
 *                sizes cost large unshared Gram matrices: m up to 8× the base, measured 4–8×
 *                slower than the uniform engine for a fraction of a dB).
 */
import { InrError } from '../../../core/errors';
import { defaultOmega } from '../config';
import { assignCapacity } from './capacity';
import type { BeamCell, BeamLayer } from './model';
import { BEAM_DEFAULTS, type BeamStrategy, type Prepared } from './options';
import { estimateNode, estimateNodes, refineMesh, zeroNorm } from './refine';
import type { BeamHooks } from './solve';
import { BeamTree, coreExtent, type BeamNode } from './tree';

/** A tree whose cells keep ≥ minSamplesFactor × (hidden + d + 1) support samples for `hidden` nodes. */
function makeTree(p: Prepared, hidden: number): BeamTree {
  const { d, overlap, opts } = p;
  const mw = opts.minWidth ?? 1;
  const minWidth = Array.isArray(mw) ? mw : p.input.shape.map(() => mw);
  if (minWidth.length !== d || !minWidth.every((w) => w >= 1)) throw new InrError('E_ARG', `minWidth needs ${d} widths ≥ 1`);
  const factor = opts.minSamplesFactor ?? BEAM_DEFAULTS.minSamplesFactor;
  return new BeamTree(p.input.shape, {
    minWidth,
    allowed: opts.splitAxes ?? p.input.shape.map(() => true),
    minSupport: factor * (hidden + p.extra - 1),
    overlap,
  });
}

function toCell(n: LeafInfo, layer: number): BeamCell {
  return { lo: n.lo.slice(), size: n.size.slice(), level: n.level, layer, norm: n.norm };
}

/** ω per layer: the default rule for its hidden size, capped by the Nyquist rate of its smallest support. */
export function layersFor(p: Prepared, cells: readonly BeamCell[], hiddens: readonly number[], freq: number): BeamLayer[] {
  return hiddens.map((hidden, li) => {
    const support = p.input.shape.map((L, a) => {
      let s = Infinity;
      for (const c of cells) if (c.layer === li) s = Math.min(s, Math.min(L, Math.floor(c.size[a] * (1 + 2 * p.overlap) + 1)));
      return Number.isFinite(s) ? s : L;
    });
    return { hidden, omega: defaultOmega(support, hidden, freq) };
  });
}

/** A strategy's mesh: the cells, the hidden size of each layer, and the starting mesh (for stats). */
export interface MeshPlan {
  cells: BeamCell[];
  hiddens: number[];
  start: BeamNode[];
  splits: number;
  merges: number;
  stop: string;
}

/** 'split': the refined tree (refine.ts), every cell with p.hidden nodes. */
export function splitPlan(p: Prepared, hooks: BeamHooks): MeshPlan {
  const tree = makeTree(p, p.hidden);
  const maxLeaves = Math.floor(p.opts.budget / ((p.hidden + p.extra) * p.C));
  if (!p.anyObserved) {
    tree.root.norm = 0;
    return { cells: [toCell(tree.root, 0)], hiddens: [p.hidden], start: [tree.root], splits: 0, merges: 0, stop: 'no observed sample' };
  }
  const r = refineMesh(tree, p.input, {
    maxLeaves,
    overlap: p.overlap,
    key: p.opts.key ?? BEAM_DEFAULTS.key,
    gamma: p.opts.gamma ?? BEAM_DEFAULTS.gamma,
    tolerance: p.opts.tolerance ?? BEAM_DEFAULTS.tolerance,
    barron: p.opts.barron,
    checkCancel: hooks.checkCancel,
  });
  const cells = r.leaves.map((n) => toCell(n, 0));
  // Constant data needs no nodes beyond the affine part: nothing to fill.
  const hidden = r.stop === 'largest norm is zero' ? p.hidden : fillHidden(p, cells, p.hidden);
  return { cells, hiddens: [hidden], start: r.start, splits: r.splits, merges: r.merges, stop: r.stop };
}

/**
 * The one hidden size of a split mesh that spends the budget: the loop stops at whole leaves (or
 * earlier, when the norms are balanced), so the nodes per cell grow to ⌊budget/(cells·C)⌋ − 1 −
 * affine, never beyond what the smallest support determines (minSamplesFactor samples per
 * feature) nor the capacity strategy's largest size (maxHidden, default 8 × hidden), and never
 * below `hidden`. The uniform engine fills its budget the same way (config.ts), so both are
 * compared at (nearly) the same params.
 */
function fillHidden(p: Prepared, cells: readonly BeamCell[], hidden: number): number {
  const fill = Math.min(Math.floor(p.opts.budget / (cells.length * p.C)) - p.extra, p.opts.maxHidden ?? 8 * hidden);
  const factor = p.opts.minSamplesFactor ?? BEAM_DEFAULTS.minSamplesFactor;
  let support = Infinity;
  for (const c of cells) {
    let s = 1;
    c.size.forEach((w, a) => (s *= Math.min(p.input.shape[a], Math.floor(w * (1 + 2 * p.overlap) + 1))));
    support = Math.min(support, s);
  }
  const determined = Math.floor(support / factor) - (p.extra - 1);
  return Math.max(hidden, Math.min(fill, determined));
}

/** The smallest hidden size the capacity strategies give a cell: base/8, at most 8. */
function minHiddenOf(p: Prepared): number {
  return Math.min(BEAM_DEFAULTS.minHidden, Math.max(1, Math.floor(p.hidden / 8)));
}

/** What the capacity assignment needs of a leaf (its norm already estimated). */
type LeafInfo = Pick<BeamNode, 'lo' | 'size' | 'level' | 'norm' | 'samples'>;

/**
 * Per-cell capacity on given leaves (capacity.ts): m_i ∝ (|Ω_i|^½·B̂_i)^p within the budget.
 * Leaves whose hidden sizes cannot all fit keep `fallback` nodes each (the callers' meshes
 * always fit minHidden per cell, so this does not happen).
 */
function assignLeaves(p: Prepared, leaves: readonly LeafInfo[], fallback: number): { cells: BeamCell[]; hiddens: number[] } {
  const factor = p.opts.minSamplesFactor ?? BEAM_DEFAULTS.minSamplesFactor;
  const maxHidden = leaves.map((n) => {
    let s = 1;
    n.size.forEach((w, a) => (s *= Math.min(p.input.shape[a], w * (1 + 2 * p.overlap))));
    return Math.min(p.opts.maxHidden ?? 8 * p.hidden, Math.max(1, Math.floor(s / factor) - (p.extra - 1)));
  });
  const ms = assignCapacity(
    leaves.map((n) => Math.sqrt(n.samples) * n.norm),
    {
      budget: p.opts.budget,
      extraPerCell: p.extra,
      channels: p.C,
      exponent: p.opts.exponent ?? BEAM_DEFAULTS.exponent,
      minHidden: minHiddenOf(p),
      maxHidden,
    },
  );
  const sizes = ms ?? leaves.map(() => fallback);
  const hiddens = [...new Set(sizes)].sort((a, b) => a - b);
  return { cells: leaves.map((n, i) => toCell(n, hiddens.indexOf(sizes[i]))), hiddens };
}

/** The capacity level of a prepared fit, kept for the strategy choice and the plan alike. */
const capacityLevels = new WeakMap<Prepared, { tree: BeamTree; leaves: BeamNode[]; mean: number }>();

/**
 * The dyadic uniform level of the capacity strategy: the finest whose mean hidden size
 * m̄ = budget/(cells·C) − 1 − affine is at least half the base size and at least 1/16 of a
 * cell's samples (the uniform engine's rule for cells not too large for their nodes, config.ts),
 * so that the redistribution has nodes to move.
 */
function capacityLevel(p: Prepared): { tree: BeamTree; leaves: BeamNode[]; mean: number } {
  const known = capacityLevels.get(p);
  if (known) return known;
  const half = Math.max(1, Math.floor(p.hidden / 2));
  const tree = makeTree(p, half);
  const total = p.input.shape.reduce((a, b) => a * b, 1);
  const meanOf = (cells: number) => p.opts.budget / (cells * p.C) - p.extra;
  const levels = tree.uniformLevelSizes(Math.floor(p.opts.budget / ((half + p.extra) * p.C)));
  let chosen = 0;
  levels.forEach((level, i) => {
    if (meanOf(level.count) >= total / level.count / 16) chosen = i;
  });
  const leaves = chosen === 0 ? [tree.root] : tree.levelNodes(levels[chosen].size, chosen);
  const level = { tree, leaves, mean: meanOf(leaves.length) };
  capacityLevels.set(p, level);
  return level;
}

/** 'auto': capacity, unless its cells would average more than twice the base hidden size. */
export function autoStrategy(p: Prepared): BeamStrategy {
  return capacityLevel(p).mean > 2 * p.hidden ? 'split' : 'capacity';
}

/** 'capacity': the level above, then per-cell capacity. */
export function capacityPlan(p: Prepared): MeshPlan {
  const { tree, leaves } = capacityLevel(p);
  if (!p.anyObserved) {
    tree.root.norm = 0;
    return { cells: [toCell(tree.root, 0)], hiddens: [p.hidden], start: [tree.root], splits: 0, merges: 0, stop: 'no observed sample' };
  }
  estimateNodes(p.input, leaves, p.overlap, p.opts.barron);
  const floor = zeroNorm(p.input);
  if (leaves.every((n) => !(n.norm > floor))) {
    // Constant (or affine) data: one cell.
    estimateNode(p.input, tree.root, p.overlap, p.opts.barron);
    return { cells: [toCell(tree.root, 0)], hiddens: [p.hidden], start: leaves, splits: 0, merges: 0, stop: 'largest norm is zero' };
  }
  const { cells, hiddens } = assignLeaves(p, leaves, p.hidden);
  return { cells, hiddens, start: leaves, splits: 0, merges: 0, stop: 'capacity assigned' };
}

/** 'hybrid': the 'split' mesh, then its budget redistributed per cell. */
export function hybridPlan(p: Prepared, hooks: BeamHooks): MeshPlan {
  const plan = splitPlan(p, hooks);
  if (!p.anyObserved) return plan;
  const leaves = plan.cells.map((c) => ({ ...c, samples: coreExtent(c, p.input.shape).count.reduce((a, b) => a * b, 1) }));
  const { cells, hiddens } = assignLeaves(p, leaves, p.hidden);
  return { ...plan, cells, hiddens, stop: plan.stop + ', capacity assigned' };
}

/**
 * The split strategy's default hidden size: 128 where the budget's cells fit in the finest mesh
 * 128 nodes allow (it measured better than 64 at equal budget), else 64 — at high budgets the
 * larger cells that 128 nodes need would leave budget unspent.
 */
export function splitHidden(p: Prepared): number {
  if (p.opts.hidden !== undefined || p.hidden < BEAM_DEFAULTS.hidden) return p.hidden;
  const m = 2 * BEAM_DEFAULTS.hidden;
  if ((m + p.extra) * p.C > p.opts.budget) return p.hidden;
  const finest = makeTree(p, m).uniformLevelSizes(Infinity).at(-1)!.count;
  return Math.floor(p.opts.budget / ((m + p.extra) * p.C)) <= finest ? m : p.hidden;
}
