/**
 * BEAM on the ELM worker pool (main/inr/elm/parallel.ts), with the one-thread result bit for bit:
 *
 * - The mesh (tree, Barron norms, refinement or capacity) is built here, as `fitBeam` builds it.
 * - Frequency probe: each candidate multiplier's probe solve (freq.ts `scoreCandidate`) is one
 *   piece; the errors come back per candidate and the lowest wins as in `chooseBeamFrequency`.
 * - Solve: groups of cells sharing H, cut into pieces by operation count (schedule.ts), largest
 *   first from a shared counter. A cell's weights depend only on its own samples and on its
 *   group's H and Gram factor, which every piece computes identically, so they come out the same
 *   whichever thread solves them. Cells that saw no sample are filled afterwards here, summing
 *   the solved cells' means in the one-thread solve order (solve.ts `completeEmpty`).
 * - Reconstruction: slabs of the output along its first axis (schedule.ts); every query is
 *   owned by one slab, and within it the cells add in the one-thread order (group order, then
 *   cell order), so the sum at each query is the same sequence of float64 additions whatever the
 *   number of threads (evaluate.ts `slab`). No per-thread buffers, no final reduction.
 *
 * Cancellation: `signal` stops the workers between cells (the pool's shared flag) and the mesh
 * phase between its steps.
 */
import { cancelled } from '../../../core/errors';
import { FREQ_CANDIDATES } from '../autofreq';
import { normalizeAccumulator, type FitInput, type Progress } from '../fit';
import { sampleGrid, type AxisGrid } from '../mesh';
import { shared, sharedCopy, type ElmPool } from '../parallel';
import { accumulateCheck } from './evaluate';
import { freqProbe, pickFrequency } from './freq';
import { groupCells } from './geometry';
import { clock, pickBest, planBoth, planFit, probeStart, withStats, type PlannedFit } from './phases';
import { createBeamModel, type BeamModel } from './model';
import type { BeamOptions } from './options';
import { evaluateSlabs, solvePieces } from './schedule';
import { completeEmpty } from './solve';
import { reconstructionMse } from './stats';

export interface BeamParallelHooks {
  onProgress?: Progress;
  signal?: AbortSignal;
}

/** The same fit as `fitBeam(input, opts)`, bit for bit, with the probe and solve on `pool`. */
export async function fitBeamParallel(pool: ElmPool, input: FitInput, opts: BeamOptions, hooks: BeamParallelHooks = {}): Promise<BeamModel> {
  const checkCancel = () => {
    if (hooks.signal?.aborted) throw cancelled();
  };
  const mesh = { onProgress: hooks.onProgress, checkCancel };
  // The workers read the data from shared memory (a dataset the engine holds is there already).
  const data: FitInput = { ...input, values: sharedCopy(input.values), mask: input.mask && sharedCopy(input.mask) };
  const planned = planFit(data, opts, mesh);
  if (planned !== 'best') return finishParallel(pool, planned, hooks);
  const both = planBoth(data, opts, mesh);
  const split = await finishParallel(pool, both.split, hooks);
  const capacity = await finishParallel(pool, both.capacity, hooks);
  const grids = data.shape.map((L) => sampleGrid(L));
  const ms = reconstructionMse(data, await evaluateBeamParallel(pool, split, grids, hooks));
  const mc = reconstructionMse(data, await evaluateBeamParallel(pool, capacity, grids, hooks));
  return pickBest(split, ms, capacity, mc).best;
}

async function finishParallel(pool: ElmPool, f: PlannedFit, hooks: BeamParallelHooks): Promise<BeamModel> {
  const { p, plan } = f;
  const input = p.input;
  const base = { values: input.values, shape: input.shape, channels: input.channels };
  const c0 = clock();
  const start = probeStart(f);
  let { freq, layers } = start;
  let scores: Record<string, number> | undefined;
  if (start.probe) {
    hooks.onProgress?.('choosing frequency scale', 0);
    const probe = freqProbe(input, { ...p.base, layers }, plan.cells, { holdout: Boolean(p.opts.holdout) });
    const errors = shared(Float64Array, FREQ_CANDIDATES.length);
    await pool.dispatch(
      {
        type: 'beam-probe',
        ...base,
        spec: { ...p.base, layers },
        cells: plan.cells,
        candidates: FREQ_CANDIDATES.map(start.layersFor),
        train: sharedCopy(probe.train),
        score: sharedCopy(probe.score),
        probe: probe.cells,
        errors,
        next: shared(Int32Array, 1),
      },
      FREQ_CANDIDATES.length,
      'choosing frequency scale',
      FREQ_CANDIDATES.length * probe.cells.length,
      hooks,
    );
    ({ freq, scores } = pickFrequency(Array.from(errors)));
    layers = start.layersFor(freq);
  }
  const c1 = clock();
  const model = createBeamModel({ ...p.base, layers, ...(p.opts.band ? { band: p.opts.band } : {}) }, plan.cells);
  const groups = groupCells(
    model.spec,
    model.cells,
    input.shape.map((L) => sampleGrid(L)),
  );
  const pieces = solvePieces(model.spec, groups, pool.size);
  const weights = shared(Float32Array, model.weights.length);
  const empty = shared(Uint8Array, model.cells.length);
  await pool.dispatch(
    { type: 'beam-solve', ...base, mask: input.mask, spec: model.spec, cells: model.cells, weights, empty, pieces, next: shared(Int32Array, 1) },
    pieces.length,
    'solving subdomains',
    model.cells.length,
    hooks,
  );
  model.weights.set(weights);
  completeEmpty(input, model, empty, groups);
  return withStats(f, model, freq, scores, c0, c1, clock());
}

/** The same values as `evaluateBeam(model, grids)`, bit for bit, accumulated on `pool`. */
export async function evaluateBeamParallel(pool: ElmPool, model: BeamModel, grids: readonly AxisGrid[], hooks: BeamParallelHooks = {}): Promise<Float32Array> {
  accumulateCheck(model, grids);
  const { spec, cells } = model;
  const C = spec.channels;
  const total = grids.reduce((n, g) => n * g.count, 1);
  const groups = groupCells(spec, cells, grids);
  const slabs = evaluateSlabs(spec, groups, grids, pool.size);
  const sum = shared(Float64Array, total * C);
  const weight = shared(Float64Array, total);
  await pool.dispatch(
    {
      type: 'beam-accumulate',
      spec,
      cells,
      weights: sharedCopy(model.weights),
      grids: grids.map((g) => ({ ...g })),
      slabs: slabs.map((s) => [s.j0, s.j1]),
      sum,
      weight,
      next: shared(Int32Array, 1),
    },
    slabs.length,
    'reconstructing',
    slabs.reduce((n, s) => n + s.visits, 0),
    hooks,
  );
  return normalizeAccumulator(sum, weight, C);
}
