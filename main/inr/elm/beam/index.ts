/**
 * BEAM — Barron-norm-balanced adaptive mesh for ELM-INR (Cho & Park, arXiv:2602.07603; our
 * reading in METHODS.md §2). Public entry points:
 *
 *   fitBeam(input, opts, hooks)      → BeamModel, with `stats` (balance before/after, timings)
 *   fitBeamBoth(input, opts, hooks)  → the 'split' and 'capacity' fits side by side, and the winner
 *   evaluateBeam(model, grids)       → values on any tensor grid (sampleGrid / finerGrid)
 *   beamMeshJson(model)              → the cell list for the viewer overlay
 *   encodeBeamModel / decodeBeamModel / readModelMethod (io.ts) → the .inr file
 *
 * Strategies, all under a budget of stored params counted like the uniform engine's
 * (Σ_cells (featureCount + 1)·C):
 *   'split'    — refine a 2^k-tree where the local Barron norm is high and merge where it is low
 *                (refine.ts); every cell has the same hidden size;
 *   'capacity' — keep a dyadic uniform mesh and give cell i m_i ∝ |Ω_i|^½·B̂_i hidden nodes
 *                (capacity.ts);
 *   'hybrid'   — the split mesh, then per-cell capacity;
 *   'auto'     — the default: capacity, or split at budgets so low that capacity's cells would be
 *                very large (plans.ts);
 *   'best'     — fit split and capacity, keep the lower in-sample error.
 * The mesh loop fits no ELM; one solve follows (solve.ts) in which cells of equal hidden size,
 * cell size and sampling pattern share H and the Gram factor. `fitBeam`/`evaluateBeam` run on
 * one thread; `fitBeamParallel`/`evaluateBeamParallel` (parallel.ts) run the frequency probe, the
 * solve and the reconstruction on the ELM worker pool, with the same result bit for bit. The mesh costs a small fraction of the solve on it (stats.seconds and
 * stats.cpuSeconds, phases in `finish`): the norms of a level are estimated in one batched pass
 * (norms.ts), uniform levels are counted without building them (tree.ts), and the uniform ELM
 * mesh's norms are only estimated on request (`uniformStats`).
 */
import type { FitInput } from '../fit';
import { beamParamCount, type BeamModel } from './model';
import { prepare, type BeamOptions } from './options';
import { finish, pickBest, planFit, planStrategy, type BeamBoth } from './phases';
import type { BeamHooks } from './solve';
import { trainingMse, uniformBalance } from './stats';
import { coreExtent } from './tree';

export { evaluateBeam } from './evaluate';
export { fitBeamParallel, evaluateBeamParallel } from './parallel';
export { encodeBeamModel, decodeBeamModel, readModelMethod } from './io';
export { beamParamCount, beamReport } from './model';
export { parseMeshFile, type BeamMeshFile } from './reuse';
export type { BeamModel, BeamSpec, BeamCell, BeamStats, BeamLayer } from './model';
export type { BeamOptions, BeamStrategy, BeamStrategyOption } from './options';
export type { BeamHooks } from './solve';
export type { BeamBoth } from './phases';

/**
 * Fit ELM-INR on a BEAM mesh within `opts.budget` stored params. Same input and hooks as
 * `fitElm`. Throws InrError('E_ARG') when the budget is below one cell; on constant or entirely
 * masked data the mesh stays at its coarsest (the loop stops at once). One thread; the same fit
 * on the ELM worker pool, bit for bit: `fitBeamParallel` (parallel.ts).
 */
export function fitBeam(input: FitInput, opts: BeamOptions, hooks: BeamHooks = {}): BeamModel {
  const planned = planFit(input, opts, hooks);
  if (planned === 'best') return fitBeamBoth(input, opts, hooks).best;
  return finish(planned, hooks);
}

/**
 * max/mean of B̂ over the cells of the mesh the uniform engine would build for this budget
 * (config.ts `resolveElmSpec`): the "before" of the balance statistic, computed apart from a fit
 * (the benchmark), since those cells' widths are not dyadic and their norms cost a pass of their own.
 */
export function uniformMeshBalance(input: FitInput, opts: BeamOptions): number {
  return uniformBalance(prepare(input, opts));
}

/** Fit both strategies at the same budget and report both (for the benchmark). */
export function fitBeamBoth(input: FitInput, opts: BeamOptions, hooks: BeamHooks = {}): BeamBoth {
  const p = prepare(input, opts);
  const split = finish(planStrategy(p, 'split', hooks), hooks);
  const capacity = finish(planStrategy(p, 'capacity', hooks), hooks);
  return pickBest(split, trainingMse(input, split), capacity, trainingMse(input, capacity));
}

/** The mesh for the viewer overlay: each cell's core inside the grid, level, norm and hidden size. */
export function beamMeshJson(model: BeamModel): {
  shape: number[];
  overlap: number;
  cells: { lo: number[]; size: number[]; span: number[]; level: number; norm: number; hidden: number }[];
  balance?: { uniform: number; start: number; after: number };
  params: number;
} {
  const { spec } = model;
  return {
    shape: [...spec.shape],
    overlap: spec.overlap,
    cells: model.cells.map((c) => {
      const core = coreExtent(c, spec.shape);
      return { lo: core.lo, size: core.count, span: c.size.slice(), level: c.level, norm: c.norm, hidden: spec.layers[c.layer].hidden };
    }),
    balance: model.stats ? { uniform: model.stats.balanceUniform, start: model.stats.balanceStart, after: model.stats.balanceAfter } : undefined,
    params: beamParamCount(model),
  };
}
