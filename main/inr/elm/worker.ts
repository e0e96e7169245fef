/**
 * Worker thread of the parallel ELM solver (parallel.ts). Inputs and outputs live in
 * SharedArrayBuffers, so nothing large is copied:
 * - 'fit' solves a range of uniform-mesh cells and writes their weights in place;
 * - 'accumulate' adds a set of uniform-mesh cells' windowed predictions into the shared
 *   accumulator (the caller guarantees the cells' supports do not overlap those of any other
 *   worker running at the same time);
 * - 'elm-probe' (the uniform mesh's frequency probe), 'beam-probe', 'beam-solve',
 *   'beam-accumulate' (beam/parallel.ts): every worker gets the same task and pulls pieces
 *   (frequency candidates, groups of cells, output slabs) from its shared counter `next` until
 *   none is left;
 * - 'ssim-parts': ranges of the parts of a mean SSIM (metrics/ssim.ts), pulled the same way;
 * - 'detail-apply': ranges of output rows of super-resolution's self-similar detail (detail.ts),
 *   pulled the same way. Each piece is computed exactly as the one-thread code
 *   computes it, so who takes which piece changes no bit of the result.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { serializeError, cancelled } from '../../core/errors';
import { accumulateElm, fitElm } from './fit';
import { createModel, weightsPerCell, type ElmSpec } from './model';
import type { AxisGrid } from './mesh';
import { createBeamModel, type BeamCell, type BeamLayer, type BeamSpec } from './beam/model';
import { solveBeam } from './beam/solve';
import { accumulateBeam, featureCache } from './beam/evaluate';
import { scoreCandidate } from './beam/freq';
import { groupCells } from './beam/geometry';
import { scoreFrequency, type FreqProbe } from './autofreq';
import { ssimPartSums, type SsimVolumeOptions } from '../../metrics/ssim';
import { applyDetailRows, type DetailApply } from './detail';

interface Shared {
  cancel: Int32Array;
  progress: Int32Array;
}

/** The data a BEAM task reads. */
interface BeamData {
  values: Float32Array;
  shape: number[];
  channels: number;
}

export type TaskBody =
  | (BeamData & {
      type: 'elm-probe';
      spec: ElmSpec;
      mask?: Uint8Array;
      probe: FreqProbe;
      /** Frequency multipliers to score, one piece each. */
      candidates: number[];
      errors: Float64Array;
      next: Int32Array;
    })
  | { type: 'fit'; spec: ElmSpec; values: Float32Array; mask?: Uint8Array; weights: Float32Array; cells: number[] }
  | { type: 'accumulate'; spec: ElmSpec; weights: Float32Array; grids: AxisGrid[]; cells: number[]; sum: Float64Array; weight: Float64Array }
  | (BeamData & {
      type: 'beam-probe';
      spec: BeamSpec;
      cells: BeamCell[];
      /** Hidden layers per frequency candidate. */
      candidates: BeamLayer[][];
      train: Uint8Array;
      score: Uint8Array;
      probe: number[];
      /** Per candidate: its mean squared error. */
      errors: Float64Array;
      next: Int32Array;
    })
  | (BeamData & {
      type: 'beam-solve';
      spec: BeamSpec;
      cells: BeamCell[];
      mask?: Uint8Array;
      weights: Float32Array;
      /** 1 = the cell saw no observed sample (the coordinator fills it). */
      empty: Uint8Array;
      pieces: number[][];
      next: Int32Array;
    })
  | {
      type: 'ssim-parts';
      a: Float32Array;
      b: Float32Array;
      opts: SsimVolumeOptions;
      /** Ranges of parts [p0, p1), one piece each. */
      pieces: [number, number][];
      /** 2 per part: Σ map, count (metrics/ssim.ts `ssimPartSums`). */
      sums: Float64Array;
      next: Int32Array;
    }
  | {
      type: 'detail-apply';
      job: DetailApply;
      /** Ranges of output rows [r0, r1), one piece each. */
      rows: [number, number][];
      next: Int32Array;
    }
  | {
      type: 'beam-accumulate';
      spec: BeamSpec;
      cells: BeamCell[];
      weights: Float32Array;
      grids: AxisGrid[];
      slabs: [number, number][];
      sum: Float64Array;
      weight: Float64Array;
      next: Int32Array;
    };

export type ElmTask = TaskBody & Shared;

/** Indices 0, 1, … of pieces not yet taken by any thread. */
function* pull(next: Int32Array, count: number): Generator<number> {
  for (;;) {
    const i = Atomics.add(next, 0, 1);
    if (i >= count) return;
    yield i;
  }
}

function runTask(task: ElmTask, checkCancel: () => void): void {
  switch (task.type) {
    case 'fit': {
      const model = fitElm({ values: task.values, shape: task.spec.shape, channels: task.spec.channels, mask: task.mask }, task.spec, {
        cells: task.cells,
        checkCancel,
      });
      const per = weightsPerCell(task.spec);
      for (const id of task.cells) task.weights.set(model.weights.subarray(id * per, (id + 1) * per), id * per);
      return;
    }
    case 'accumulate': {
      const model = createModel(task.spec, task.weights);
      accumulateElm(model, task.grids, { cells: task.cells, checkCancel }, { sum: task.sum, weight: task.weight });
      return;
    }
    case 'elm-probe': {
      const input = { values: task.values, shape: task.shape, channels: task.channels, mask: task.mask };
      for (const i of pull(task.next, task.candidates.length)) {
        checkCancel();
        task.errors[i] = scoreFrequency(input, task.spec, task.probe, task.candidates[i]);
      }
      return;
    }
    case 'beam-probe': {
      const input = { values: task.values, shape: task.shape, channels: task.channels };
      const probe = { train: task.train, score: task.score, cells: task.probe };
      for (const i of pull(task.next, task.candidates.length)) {
        checkCancel();
        task.errors[i] = scoreCandidate(input, task.spec, task.cells, task.candidates[i], probe, checkCancel);
      }
      return;
    }
    case 'beam-solve': {
      const input = { values: task.values, shape: task.shape, channels: task.channels, mask: task.mask };
      // The model writes its weights straight into the shared array.
      const model = createBeamModel(task.spec, task.cells, task.weights);
      for (const i of pull(task.next, task.pieces.length)) {
        const r = solveBeam(input, model, { checkCancel }, { cells: task.pieces[i], fill: false });
        for (const id of r.empty) task.empty[id] = 1;
      }
      return;
    }
    case 'ssim-parts': {
      for (const i of pull(task.next, task.pieces.length)) {
        checkCancel();
        ssimPartSums(task.a, task.b, task.opts, task.pieces[i][0], task.pieces[i][1], task.sums);
      }
      return;
    }
    case 'detail-apply': {
      for (const i of pull(task.next, task.rows.length)) {
        checkCancel();
        applyDetailRows(task.job, task.rows[i][0], task.rows[i][1]);
      }
      return;
    }
    case 'beam-accumulate': {
      const model = createBeamModel(task.spec, task.cells, task.weights);
      const groups = groupCells(task.spec, task.cells, task.grids);
      const into = { sum: task.sum, weight: task.weight };
      const cache = featureCache();
      for (const i of pull(task.next, task.slabs.length)) accumulateBeam(model, task.grids, { checkCancel }, { slab: task.slabs[i], into, groups, cache });
      return;
    }
  }
}

/** Run the tasks that arrive on `port`, answering on it. */
function serve(port: MessagePort, task: ElmTask): void {
  try {
    let sinceReport = 0;
    const checkCancel = () => {
      if (Atomics.load(task.cancel, 0) !== 0) throw cancelled();
      // One tick per cell, published in batches so the coordinator can report progress.
      if (++sinceReport >= 8) {
        Atomics.add(task.progress, 0, sinceReport);
        sinceReport = 0;
      }
    };
    runTask(task, checkCancel);
    Atomics.add(task.progress, 0, sinceReport);
    port.postMessage({ ok: true });
  } catch (err) {
    port.postMessage({ ok: false, error: serializeError(err) });
  }
}

// The pool's owner sends tasks on the parent port; another thread of the process (a job runner's)
// gets its own port to this thread (`{ attach }`, parallel.ts `ElmPool.ports`), answered the same
// way. Tasks carry all their state (shared buffers), so clients never see each other's work: they
// only queue behind it.
const parent = parentPort!;
parent.on('message', (msg: ElmTask | { attach: MessagePort }) => {
  if ('attach' in msg) {
    const port = msg.attach;
    port.on('message', (task: ElmTask) => serve(port, task));
    return;
  }
  serve(parent as unknown as MessagePort, msg);
});
