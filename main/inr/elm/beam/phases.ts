/**
 * The phases of a BEAM fit, shared by the one-thread fit (index.ts `fitBeam`) and the fit on the
 * worker pool (parallel.ts): the mesh (`planFit`), the frequency probe's starting point
 * (`probeStart`), and the statistics put on the solved model (`withStats`), with their clocks.
 */
import { InrError } from '../../../core/errors';
import type { FitInput } from '../fit';
import { chooseBeamFrequency } from './freq';
import { createBeamModel, beamParamCount, type BeamLayer, type BeamModel, type BeamStats } from './model';
import { prepare, type BeamOptions, type BeamStrategy, type Prepared } from './options';
import { autoStrategy, capacityPlan, hybridPlan, layersFor as layersFor_, splitHidden, splitPlan, type MeshPlan } from './plans';
import { balanceOf } from './refine';
import { solveBeam, type BeamHooks } from './solve';
import { loadBalance, uniformBalance } from './stats';
import { planFromMesh } from './reuse';

/** Wall and process CPU seconds since `from` (CPU: every thread of the process, so JIT and GC count). */
export interface Clock {
  wall: number;
  cpu: number;
}

export function clock(): Clock {
  const u = typeof process !== 'undefined' && process.cpuUsage ? process.cpuUsage() : { user: 0, system: 0 };
  return { wall: performance.now() / 1000, cpu: (u.user + u.system) / 1e6 };
}

function since(a: Clock, b: Clock): Clock {
  return { wall: b.wall - a.wall, cpu: b.cpu - a.cpu };
}

/** A fit's mesh, known before any solve: the options, the plan and the time it took. */
export interface PlannedFit {
  p: Prepared;
  plan: MeshPlan;
  strategy: BeamStrategy;
  /** The mesh phase, from fitBeam's start. */
  tMesh: Clock;
}

/** Where the frequency probe starts from: the layers at freq 1 (or the given one), and whether to probe. */
export function probeStart(f: PlannedFit): { freq: number; layers: BeamLayer[]; probe: boolean; layersFor: (freq: number) => BeamLayer[] } {
  const { p, plan } = f;
  const freq = p.opts.freq ?? 1;
  const layersFor = (x: number) => layersFor_(p, plan.cells, plan.hiddens, x);
  return { freq, layers: layersFor(freq), probe: p.opts.freq === undefined && p.anyObserved, layersFor };
}

/**
 * Put the statistics on a solved model. The phases timed (wall and process CPU; c0 … c2 the
 * clocks before the probe, before the solve and after it):
 *   mesh  — everything before the mesh is known: argument checks, the strategy choice, the tree,
 *           the Barron norms, refinement or capacity assignment (`tMesh`, from fitBeam's start);
 *   freq  — the frequency-scale probe (a few cells solved per candidate, freq.ts);
 *   solve — the least-squares solve of every cell (solve.ts);
 *   stats — the balance statistics (norms of the uniform engine's mesh only with `uniformStats`).
 * "Solving" the mesh, as the uniform engine does after its chooser, is freq + solve.
 */
export function withStats(f: PlannedFit, model: BeamModel, freq: number, scores: Record<string, number> | undefined, c0: Clock, c1: Clock, c2: Clock): BeamModel {
  const { p, plan, strategy, tMesh } = f;
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

/** Solve on the plan's mesh (one thread) and collect the statistics. */
export function finish(f: PlannedFit, hooks: BeamHooks): BeamModel {
  const c0 = clock();
  const start = probeStart(f);
  let { freq, layers } = start;
  let scores: Record<string, number> | undefined;
  if (start.probe) {
    hooks.onProgress?.('choosing frequency scale', 0);
    const choice = chooseBeamFrequency(f.p.input, { ...f.p.base, layers }, f.plan.cells, start.layersFor, {
      holdout: Boolean(f.p.opts.holdout),
      checkCancel: hooks.checkCancel,
    });
    freq = choice.freq;
    layers = choice.layers;
    scores = choice.scores;
  }
  const c1 = clock();
  const model = createBeamModel({ ...f.p.base, layers, ...(f.p.opts.band ? { band: f.p.opts.band } : {}) }, f.plan.cells);
  solveBeam(f.p.input, model, hooks);
  return withStats(f, model, freq, scores, c0, c1, clock());
}

/** Build the strategy's mesh (timed from `start`, fitBeam's entry). */
export function planStrategy(p: Prepared, strategy: BeamStrategy, hooks: BeamHooks, start = clock()): PlannedFit {
  hooks.onProgress?.('building mesh', 0);
  if (strategy !== 'capacity') p = { ...p, hidden: splitHidden(p) };
  const plan = strategy === 'split' ? splitPlan(p, hooks) : strategy === 'capacity' ? capacityPlan(p) : hybridPlan(p, hooks);
  return { p, plan, strategy, tMesh: since(start, clock()) };
}

/**
 * The mesh phase of `fitBeam`: the checks, then the saved mesh, or the strategy's. 'best' is
 * not planned here (it fits two meshes: `fitBeamBoth`).
 */
export function planFit(input: FitInput, opts: BeamOptions, hooks: BeamHooks, start = clock()): PlannedFit | 'best' {
  const strategy = opts.strategy ?? 'auto';
  if (!['auto', 'best', 'split', 'capacity', 'hybrid'].includes(strategy)) {
    throw new InrError('E_ARG', `unknown BEAM strategy '${String(strategy)}' (choose auto, split, capacity, hybrid, best)`);
  }
  if (opts.mesh) {
    const plan = planFromMesh(opts.mesh, input.shape, opts.meshPath ?? 'mesh.json');
    const extra = 1 + ((opts.affine ?? true) ? input.shape.length + 1 : 0);
    const params = plan.cells.reduce((a, c) => a + (plan.hiddens[c.layer] + extra) * input.channels, 0);
    const p = prepare(input, { ...opts, budget: params, hidden: plan.hiddens[0], overlap: opts.overlap ?? opts.mesh.overlap });
    return { p, plan, strategy: plan.hiddens.length > 1 ? 'capacity' : 'split', tMesh: since(start, clock()) };
  }
  if (strategy === 'best') return 'best';
  const p = prepare(input, opts);
  return planStrategy(p, strategy === 'auto' ? autoStrategy(p) : strategy, hooks, start);
}

/** Both strategies' meshes at the same budget (for 'best' and the benchmark). */
export function planBoth(input: FitInput, opts: BeamOptions, hooks: BeamHooks): { split: PlannedFit; capacity: PlannedFit } {
  const p = prepare(input, opts);
  const split = planStrategy(p, 'split', hooks);
  const capacity = planStrategy(p, 'capacity', hooks);
  return { split, capacity };
}

export interface BeamBoth {
  split: { model: BeamModel; mse: number };
  capacity: { model: BeamModel; mse: number };
  /** The model of lower training error (ties: split). */
  best: BeamModel;
  winner: BeamStrategy;
}

/** The model of lower training error (ties: split). */
export function pickBest(split: BeamModel, ms: number, capacity: BeamModel, mc: number): BeamBoth {
  const winner: BeamStrategy = mc < ms ? 'capacity' : 'split';
  return { split: { model: split, mse: ms }, capacity: { model: capacity, mse: mc }, best: winner === 'split' ? split : capacity, winner };
}
