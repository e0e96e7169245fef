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
 * cell size and sampling pattern share H and the Gram factor. Single-threaded: nothing from
 * parallel.ts is used.
 */
import { InrError } from '../../../core/errors';
import type { FitInput } from '../fit';
import { chooseBeamFrequency } from './freq';
import { createBeamModel, beamParamCount, type BeamModel, type BeamStats } from './model';
import { prepare, type BeamOptions, type BeamStrategy, type Prepared } from './options';
import { autoStrategy, capacityPlan, hybridPlan, layersFor, splitHidden, splitPlan, type MeshPlan } from './plans';
import { balanceOf } from './refine';
import { solveBeam, type BeamHooks } from './solve';
import { loadBalance, trainingMse, uniformBalance } from './stats';
import { coreExtent } from './tree';

export { evaluateBeam, accumulateBeam } from './evaluate';
export { encodeBeamModel, decodeBeamModel, saveBeamModel, loadBeamModel, readModelMethod } from './io';
export { beamParamCount, meshNumbers } from './model';
export { trainingMse } from './stats';
export { BEAM_DEFAULTS } from './options';
export type { BeamModel, BeamSpec, BeamCell, BeamStats, BeamLayer } from './model';
export type { BeamOptions, BeamStrategy, BeamStrategyOption } from './options';
export type { BeamHooks } from './solve';

function finish(p: Prepared, plan: MeshPlan, strategy: BeamStrategy, tMesh: number, hooks: BeamHooks): BeamModel {
  const t0 = performance.now();
  let freq = p.opts.freq ?? 1;
  let scores: Record<string, number> | undefined;
  let layers = layersFor(p, plan.cells, plan.hiddens, freq);
  if (p.opts.freq === undefined && p.anyObserved) {
    hooks.onProgress?.('choosing frequency scale', 0);
    const choice = chooseBeamFrequency(p.input, { ...p.base, layers }, plan.cells, (f) => layersFor(p, plan.cells, plan.hiddens, f), {
      holdout: Boolean(p.opts.holdout),
      checkCancel: hooks.checkCancel,
    });
    freq = choice.freq;
    layers = choice.layers;
    scores = choice.scores;
  }
  const t1 = performance.now();
  const model = createBeamModel({ ...p.base, layers }, plan.cells);
  solveBeam(p.input, model, hooks);
  const t2 = performance.now();
  const balanceUniform = (p.opts.uniformStats ?? true) ? uniformBalance(p) : NaN;
  const t3 = performance.now();
  const stats: BeamStats = {
    strategy,
    balanceUniform,
    balanceStart: balanceOf(plan.start.map((n) => n.norm)),
    balanceAfter: balanceOf(plan.cells.map((c) => c.norm)),
    balanceLoad: loadBalance(model),
    budget: p.opts.budget,
    params: beamParamCount(model),
    cells: plan.cells.length,
    splits: plan.splits,
    merges: plan.merges,
    stop: plan.stop,
    freq,
    freqScores: scores,
    seconds: { mesh: tMesh / 1000, freq: (t1 - t0) / 1000, solve: (t2 - t1) / 1000, stats: (t3 - t2) / 1000 },
  };
  model.stats = stats;
  return model;
}

function fitStrategy(p: Prepared, strategy: BeamStrategy, hooks: BeamHooks): BeamModel {
  hooks.onProgress?.('building mesh', 0);
  const t0 = performance.now();
  if (strategy !== 'capacity') p = { ...p, hidden: splitHidden(p) };
  const plan = strategy === 'split' ? splitPlan(p, hooks) : strategy === 'capacity' ? capacityPlan(p) : hybridPlan(p, hooks);
  return finish(p, plan, strategy, performance.now() - t0, hooks);
}

/**
 * Fit ELM-INR on a BEAM mesh within `opts.budget` stored params. Same input and hooks as
 * `fitElm`. Throws InrError('E_ARG') when the budget is below one cell; on constant or entirely
 * masked data the mesh stays at its coarsest (the loop stops at once).
 */
export function fitBeam(input: FitInput, opts: BeamOptions, hooks: BeamHooks = {}): BeamModel {
  const strategy = opts.strategy ?? 'auto';
  if (!['auto', 'best', 'split', 'capacity', 'hybrid'].includes(strategy)) {
    throw new InrError('E_ARG', `unknown BEAM strategy '${String(strategy)}' (choose auto, split, capacity, hybrid, best)`);
  }
  if (strategy === 'best') return fitBeamBoth(input, opts, hooks).best;
  const p = prepare(input, opts);
  return fitStrategy(p, strategy === 'auto' ? autoStrategy(p) : strategy, hooks);
}

export interface BeamBoth {
  split: { model: BeamModel; mse: number };
  capacity: { model: BeamModel; mse: number };
  /** The model of lower training error (ties: split). */
  best: BeamModel;
  winner: BeamStrategy;
}

/** Fit both strategies at the same budget and report both (for the benchmark). */
export function fitBeamBoth(input: FitInput, opts: BeamOptions, hooks: BeamHooks = {}): BeamBoth {
  const p = prepare(input, opts);
  const split = fitStrategy(p, 'split', hooks);
  const capacity = fitStrategy(p, 'capacity', hooks);
  const ms = trainingMse(input, split);
  const mc = trainingMse(input, capacity);
  const winner: BeamStrategy = mc < ms ? 'capacity' : 'split';
  return { split: { model: split, mse: ms }, capacity: { model: capacity, mse: mc }, best: winner === 'split' ? split : capacity, winner };
}

/** The mesh for the viewer overlay: each cell's core inside the grid, level, norm and hidden size. */
export function beamMeshJson(model: BeamModel): {
  shape: number[];
  overlap: number;
  cells: { lo: number[]; size: number[]; level: number; norm: number; hidden: number }[];
  balance?: { uniform: number; start: number; after: number };
  params: number;
} {
  const { spec } = model;
  return {
    shape: [...spec.shape],
    overlap: spec.overlap,
    cells: model.cells.map((c) => {
      const core = coreExtent(c, spec.shape);
      return { lo: core.lo, size: core.count, level: c.level, norm: c.norm, hidden: spec.layers[c.layer].hidden };
    }),
    balance: model.stats ? { uniform: model.stats.balanceUniform, start: model.stats.balanceStart, after: model.stats.balanceAfter } : undefined,
    params: beamParamCount(model),
  };
}


