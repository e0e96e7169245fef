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
import { cellIndex, cellSpan, sampleGrid, uniformMesh } from './mesh';

export const FREQ_CANDIDATES = [0.25, 0.5, 1, 1.5];

export interface FreqChoice {
  freq: number;
  omega: number[];
  /** Held-out mean squared error per candidate. */
  scores: Record<string, number>;
}

/** What every candidate of the probe shares: the probe cells, the samples fitted and scored, and where. */
export interface FreqProbe {
  cells: number[];
  /** Samples fitted (1 = yes); undefined: every observed sample (the input's mask). */
  train?: Uint8Array;
  /** Samples scored; undefined: every observed sample. */
  held?: Uint8Array;
  /** Every sample in a probe cell's support, ascending (the scored ones are those a window reaches). */
  support: Int32Array;
  /** Per axis: the support width in samples (the default ω's rule). */
  width: number[];
}

/** The probe of `chooseFrequency`: evenly spread cells (with per-cell capacity, among those with nodes) and, with `holdout`, every 4th observed sample held out (seeded). */
export function freqProbe(input: FitInput, spec: ElmSpec, opts: { holdout: boolean; maxCells?: number }): FreqProbe {
  const maxCells = opts.maxCells ?? 8;
  const { shape } = input;
  const mesh = uniformMesh(shape, spec.cells, spec.overlap);
  const width = mesh.axes.map((ax) => Math.min(ax.length, Math.floor(ax.width + 2 * ax.margin + 1)));
  // With per-cell capacity, among the cells that have nodes: a flat cell fits its mean at any ω.
  const all = Array.from({ length: mesh.count }, (_, id) => id);
  const withNodes = spec.cellHidden ? all.filter((id) => spec.cellHidden![id] > 0) : all;
  const pool = withNodes.length ? withNodes : all;
  const count = Math.min(maxCells, pool.length);
  const cells = Array.from({ length: count }, (_, i) => pool[Math.floor(((i + 0.5) * pool.length) / count)]);
  let train: Uint8Array | undefined;
  let held: Uint8Array | undefined;
  if (opts.holdout) {
    const n = shape.reduce((a, b) => a * b, 1);
    train = new Uint8Array(n);
    held = new Uint8Array(n);
    const rng = new Rng(spec.seed * 31 + 5);
    for (let i = 0; i < n; i++) {
      if (input.mask && input.mask[i] !== 1) continue;
      if (rng.uniform() < 0.25) held[i] = 1;
      else train[i] = 1;
    }
  }
  // The probe cells' supports: the only samples a probe model reaches.
  const grids = shape.map(sampleGrid);
  const seen = new Set<number>();
  const k: number[] = [];
  for (const id of cells) {
    cellIndex(mesh, id, k);
    const spans = k.map((ki, a) => cellSpan(mesh.axes[a], grids[a], ki));
    if (spans.some((sp) => sp.j1 <= sp.j0)) continue;
    const idx = spans.map((sp) => sp.j0);
    for (;;) {
      let flat = 0;
      for (let a = 0; a < shape.length; a++) flat = flat * shape[a] + idx[a];
      seen.add(flat);
      let a = shape.length - 1;
      for (; a >= 0; a--) {
        if (++idx[a] < spans[a].j1) break;
        idx[a] = spans[a].j0;
      }
      if (a < 0) break;
    }
  }
  const support = Int32Array.from(seen).sort();
  return { cells, train, held, support, width };
}

/**
 * Mean squared error of one candidate multiplier: the probe cells fitted on the training
 * samples, blended, and compared with the data on the scored samples their windows reach.
 */
export function scoreFrequency(input: FitInput, spec: ElmSpec, probe: FreqProbe, freq: number): number {
  const { shape, channels: C, values } = input;
  const n = shape.reduce((a, b) => a * b, 1);
  const s: ElmSpec = { ...spec, omega: defaultOmega(probe.width, spec.hidden, freq) };
  const model = fitElm({ values, shape, channels: C, mask: probe.train ?? input.mask }, s, { cells: probe.cells });
  // Full-size accumulators, written only inside the probe cells' supports (pages elsewhere are never touched).
  const acc = { sum: new Float64Array(n * C), weight: new Float64Array(n) };
  accumulateElm(model, shape.map(sampleGrid), { cells: probe.cells }, acc);
  let err = 0;
  let cnt = 0;
  for (const i of probe.support) {
    const w = acc.weight[i];
    if (!(w > 0)) continue;
    if (probe.held ? !probe.held[i] : input.mask && input.mask[i] !== 1) continue;
    for (let c = 0; c < C; c++) {
      const v = values[i * C + c];
      if (!Number.isFinite(v)) continue;
      const d = acc.sum[i * C + c] / w - v;
      err += d * d;
      cnt++;
    }
  }
  return cnt ? err / cnt : Infinity;
}

/** The lowest error wins (the first of equals); ω at that multiplier. */
export function pickFrequency(spec: ElmSpec, probe: FreqProbe, errors: readonly number[]): FreqChoice {
  const scores: Record<string, number> = {};
  let best = { freq: 1, err: Infinity };
  FREQ_CANDIDATES.forEach((freq, i) => {
    scores[String(freq)] = errors[i];
    if (errors[i] < best.err) best = { freq, err: errors[i] };
  });
  return { freq: best.freq, omega: defaultOmega(probe.width, spec.hidden, best.freq), scores };
}

/** The multiplier of lowest probe error, on this thread (on the pool: parallel.ts `chooseFrequencyParallel`). */
export function chooseFrequency(input: FitInput, spec: ElmSpec, opts: { holdout: boolean; maxCells?: number }): FreqChoice {
  const probe = freqProbe(input, spec, opts);
  return pickFrequency(
    spec,
    probe,
    FREQ_CANDIDATES.map((f) => scoreFrequency(input, spec, probe, f)),
  );
}
