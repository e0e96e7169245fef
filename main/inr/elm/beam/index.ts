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
 * parallel.ts is used. The mesh costs a small fraction of the solve on it (stats.seconds and
 * stats.cpuSeconds, phases in `finish`): the norms of a level are estimated in one batched pass
 * (norms.ts), uniform levels are counted without building them (tree.ts), and the uniform ELM
 * mesh's norms are only estimated on request (`uniformStats`).
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
import { planFromMesh } from './reuse';

export { evaluateBeam, accumulateBeam } from './evaluate';
export { encodeBeamModel, decodeBeamModel, saveBeamModel, loadBeamModel, readModelMethod } from './io';
export { beamParamCount, meshNumbers } from './model';
export { trainingMse } from './stats';
export { parseMeshFile, planFromMesh, type BeamMeshFile } from './reuse';
export { BEAM_DEFAULTS } from './options';
export type { BeamModel, BeamSpec, BeamCell, BeamStats, BeamLayer } from './model';
export type { BeamOptions, BeamStrategy, BeamStrategyOption } from './options';
export type { BeamHooks } from './solve';

/** Wall and process CPU seconds since `from` (CPU: every thread of the process, so JIT and GC count). */
interface Clock {
  wall: number;
  cpu: number;
}

function clock(): Clock {
  const u = typeof process !== 'undefined' && process.cpuUsage ? process.cpuUsage() : { user: 0, system: 0 };
  return { wall: performance.now() / 1000, cpu: (u.user + u.system) / 1e6 };
}

function since(a: Clock, b: Clock): Clock {
  return { wall: b.wall - a.wall, cpu: b.cpu - a.cpu };
}

/**
 * Solve on the plan's mesh and collect the statistics. The phases timed (wall and process CPU):
 *   mesh  — everything before the mesh is known: argument checks, the strategy choice, the tree,
 *           the Barron norms, refinement or capacity assignment (`tMesh`, from fitBeam's start);
 *   freq  — the frequency-scale probe (a few cells solved per candidate, freq.ts);
 *   solve — the least-squares solve of every cell (solve.ts);
 *   stats — the balance statistics (norms of the uniform engine's mesh only with `uniformStats`).
 * "Solving" the mesh, as the uniform engine does after its chooser, is freq + solve.
 */
function finish(p: Prepared, plan: MeshPlan, strategy: BeamStrategy, tMesh: Clock, hooks: BeamHooks): BeamModel {
  const c0 = clock();
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
  const c1 = clock();
  const model = createBeamModel({ ...p.base, layers }, plan.cells);
  solveBeam(p.input, model, hooks);
  const c2 = clock();
  const balanceStart = balanceOf(plan.start.map((n) => n.norm));
  const balanceUniform = p.opts.uniformStats ? uniformBalance(p) : balanceStart;
  const stats: BeamStats = {
    strategy,
    balanceUniform,
    uniformMesh: p.opts.uniformStats ? 'elm' : 'dyadic',
    balanceStart,
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
    seconds: { mesh: 0, freq: 0, solve: 0, stats: 0 },
    cpuSeconds: { mesh: 0, freq: 0, solve: 0, stats: 0 },
  };
  const c3 = clock();
  const phases: [keyof BeamStats['seconds'], Clock][] = [
    ['mesh', tMesh],
    ['freq', since(c0, c1)],
    ['solve', since(c1, c2)],
    ['stats', since(c2, c3)],
  ];
  for (const [k, t] of phases) {
    stats.seconds[k] = t.wall;
    stats.cpuSeconds![k] = t.cpu;
  }
  model.stats = stats;
  return model;
}

/** Build the strategy's mesh (timed from `start`, fitBeam's entry) and solve on it. */
function fitStrategy(p: Prepared, strategy: BeamStrategy, hooks: BeamHooks, start = clock()): BeamModel {
  hooks.onProgress?.('building mesh', 0);
  if (strategy !== 'capacity') p = { ...p, hidden: splitHidden(p) };
  const plan = strategy === 'split' ? splitPlan(p, hooks) : strategy === 'capacity' ? capacityPlan(p) : hybridPlan(p, hooks);
  return finish(p, plan, strategy, since(start, clock()), hooks);
}

/**
 * Fit ELM-INR on a BEAM mesh within `opts.budget` stored params. Same input and hooks as
 * `fitElm`. Throws InrError('E_ARG') when the budget is below one cell; on constant or entirely
 * masked data the mesh stays at its coarsest (the loop stops at once).
 */
export function fitBeam(input: FitInput, opts: BeamOptions, hooks: BeamHooks = {}): BeamModel {
  const start = clock();
  const strategy = opts.strategy ?? 'auto';
  if (!['auto', 'best', 'split', 'capacity', 'hybrid'].includes(strategy)) {
    throw new InrError('E_ARG', `unknown BEAM strategy '${String(strategy)}' (choose auto, split, capacity, hybrid, best)`);
  }
  if (opts.mesh) {
    const plan = planFromMesh(opts.mesh, input.shape, opts.meshPath ?? 'mesh.json');
    const extra = 1 + ((opts.affine ?? true) ? input.shape.length + 1 : 0);
    const params = plan.cells.reduce((a, c) => a + (plan.hiddens[c.layer] + extra) * input.channels, 0);
    const p = prepare(input, { ...opts, budget: params, hidden: plan.hiddens[0], overlap: opts.overlap ?? opts.mesh.overlap });
    return finish(p, plan, plan.hiddens.length > 1 ? 'capacity' : 'split', since(start, clock()), hooks);
  }
  if (strategy === 'best') return fitBeamBoth(input, opts, hooks).best;
  const p = prepare(input, opts);
  return fitStrategy(p, strategy === 'auto' ? autoStrategy(p) : strategy, hooks, start);
}

/**
 * max/mean of B̂ over the cells of the mesh the uniform engine would build for this budget
 * (config.ts `resolveElmSpec`): the "before" of the balance statistic, computed apart from a fit
 * (the benchmark), since those cells' widths are not dyadic and their norms cost a pass of their own.
 */
export function uniformMeshBalance(input: FitInput, opts: BeamOptions): number {
  return uniformBalance(prepare(input, opts));
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


