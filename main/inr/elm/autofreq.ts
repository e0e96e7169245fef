/**
 * The data-driven frequency scale. The hidden weights' spread ω decides what the local models
 * can resolve: too low blurs, too high oscillates between samples (large, cancelling output
 * weights). Rather than a fixed rule, a few candidate multipliers of the sample-driven default
 * (config.ts `defaultOmega`) are tried on a handful of cells spread over the domain, and the
 * multiplier with the lowest error wins. Which error depends on the task:
 * - representation (every sample is fitted): the in-sample error, which is what the result is
 *   judged by — smooth data then gets low frequencies, detailed data high ones;
 * - inpainting and super-resolution: every 4th observed sample is held out and the held-out
 *   error decides, measuring how well the representation predicts samples it did not see.
 */
import { Rng } from '../../core/rng';
import { defaultOmega } from './config';
import { accumulateElm, fitElm, type FitInput } from './fit';
import type { ElmSpec } from './model';
import { sampleGrid, uniformMesh } from './mesh';

export const FREQ_CANDIDATES = [0.25, 0.5, 1, 1.5];

export interface FreqChoice {
  freq: number;
  omega: number[];
  /** Held-out mean squared error per candidate. */
  scores: Record<string, number>;
}

export function chooseFrequency(input: FitInput, spec: ElmSpec, opts: { holdout: boolean; maxCells?: number }): FreqChoice {
  const maxCells = opts.maxCells ?? 8;
  const { shape, channels: C, values } = input;
  const mesh = uniformMesh(shape, spec.cells, spec.overlap);
  const support = mesh.axes.map((ax) => Math.min(ax.length, Math.floor(ax.width + 2 * ax.margin + 1)));
  // Evenly spread probe cells (deterministic).
  const count = Math.min(maxCells, mesh.count);
  const cells = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * mesh.count) / count));
  // Hold out every 4th observed sample (seeded).
  const n = shape.reduce((a, b) => a * b, 1);
  const train = new Uint8Array(n);
  const held = new Uint8Array(n);
  const rng = new Rng(spec.seed * 31 + 5);
  for (let i = 0; i < n; i++) {
    const ok = !input.mask || input.mask[i] === 1;
    if (!ok) continue;
    if (!opts.holdout) {
      train[i] = 1;
      held[i] = 1;
    } else if (rng.uniform() < 0.25) held[i] = 1;
    else train[i] = 1;
  }
  const grids = shape.map(sampleGrid);
  const scores: Record<string, number> = {};
  let best = { freq: 1, err: Infinity };
  // One accumulator for all candidates; after the first, only the probe cells' rows are touched,
  // so only those are cleared and scored (the volume is never swept again).
  const acc = { sum: new Float64Array(n * C), weight: new Float64Array(n) };
  let touched: Int32Array | undefined;
  for (const freq of FREQ_CANDIDATES) {
    const s: ElmSpec = { ...spec, omega: defaultOmega(support, spec.hidden, freq) };
    const model = fitElm({ values, shape, channels: C, mask: train }, s, { cells });
    if (touched) {
      for (const i of touched) {
        acc.weight[i] = 0;
        for (let c = 0; c < C; c++) acc.sum[i * C + c] = 0;
      }
    }
    accumulateElm(model, grids, { cells }, acc);
    if (!touched) {
      let k = 0;
      for (let i = 0; i < n; i++) if (acc.weight[i] > 0) k++;
      touched = new Int32Array(k);
      k = 0;
      for (let i = 0; i < n; i++) if (acc.weight[i] > 0) touched[k++] = i;
    }
    let err = 0;
    let cnt = 0;
    for (const i of touched) {
      if (!held[i]) continue;
      const w = acc.weight[i];
      for (let c = 0; c < C; c++) {
        const v = values[i * C + c];
        if (!Number.isFinite(v)) continue;
        const d = acc.sum[i * C + c] / w - v;
        err += d * d;
        cnt++;
      }
    }
    const mse = cnt ? err / cnt : Infinity;
    scores[String(freq)] = mse;
    if (mse < best.err) best = { freq, err: mse };
  }
  return { freq: best.freq, omega: defaultOmega(support, spec.hidden, best.freq), scores };
}
