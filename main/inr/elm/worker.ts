/**
 * Worker thread of the parallel ELM solver (parallel.ts). Inputs and outputs live in
 * SharedArrayBuffers, so nothing large is copied: a 'fit' task solves a range of cells and
 * writes their weights in place; an 'accumulate' task adds a set of cells' windowed predictions
 * into the shared accumulator (the caller guarantees the cells' supports do not overlap those of
 * any other worker running at the same time).
 */
import { parentPort } from 'node:worker_threads';
import { serializeError, cancelled } from '../../core/errors';
import { accumulateElm, fitElm } from './fit';
import { createModel, weightsPerCell, type ElmSpec } from './model';
import type { AxisGrid } from './mesh';

export type ElmTask =
  | {
      type: 'fit';
      spec: ElmSpec;
      values: Float32Array;
      mask?: Uint8Array;
      weights: Float32Array;
      cells: number[];
      cancel: Int32Array;
      progress: Int32Array;
    }
  | {
      type: 'accumulate';
      spec: ElmSpec;
      weights: Float32Array;
      grids: AxisGrid[];
      cells: number[];
      sum: Float64Array;
      weight: Float64Array;
      cancel: Int32Array;
      progress: Int32Array;
    };

const port = parentPort!;
port.on('message', (task: ElmTask) => {
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
    if (task.type === 'fit') {
      const model = fitElm({ values: task.values, shape: task.spec.shape, channels: task.spec.channels, mask: task.mask }, task.spec, {
        cells: task.cells,
        checkCancel,
      });
      const per = weightsPerCell(task.spec);
      for (const id of task.cells) task.weights.set(model.weights.subarray(id * per, (id + 1) * per), id * per);
    } else {
      const model = createModel(task.spec, task.weights);
      accumulateElm(model, task.grids, { cells: task.cells, checkCancel }, { sum: task.sum, weight: task.weight });
    }
    Atomics.add(task.progress, 0, sinceReport);
    port.postMessage({ ok: true });
  } catch (err) {
    port.postMessage({ ok: false, error: serializeError(err) });
  }
});
