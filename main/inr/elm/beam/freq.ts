/**
 * The frequency scale of the hidden layers on a BEAM mesh. As in the uniform engine
 * (autofreq.ts), a few multipliers of the default ω (config.ts `defaultOmega`) are tried on a
 * handful of probe cells and the lowest error wins: the in-sample error for representation,
 * the error on every 4th observed sample, held out, when asked to (inpainting, super-resolution).
 *
 * The probe cells are spread over the range of Barron norms (quantiles of B̂), so both smooth and
 * detailed cells vote; each probe scores its own local model on its support (no blending).
 * Because BEAM balances the local complexity in local coordinates, one multiplier serves all
 * cell sizes.
 */
import { Rng } from '../../../core/rng';
import { FREQ_CANDIDATES } from '../autofreq';
import type { FitInput } from '../fit';
import { createBeamModel, type BeamCell, type BeamLayer, type BeamSpec } from './model';
import { solveBeam } from './solve';

export interface BeamFreqChoice {
  freq: number;
  layers: BeamLayer[];
  /** Mean squared error per candidate multiplier. */
  scores: Record<string, number>;
}

/** Up to `count` cells at evenly spaced quantiles of the norm (deterministic). */
function probeCells(cells: readonly BeamCell[], count: number): number[] {
  const order = cells.map((_, i) => i).sort((a, b) => cells[a].norm - cells[b].norm || a - b);
  const k = Math.min(count, order.length);
  const out = new Set<number>();
  for (let i = 0; i < k; i++) out.add(order[Math.floor(((i + 0.5) * order.length) / k)]);
  return [...out].sort((a, b) => a - b);
}

/** The probe: which cells are solved per candidate, on which samples, scored on which. */
export interface FreqProbe {
  /** 1 = fit this sample. */
  train: Uint8Array;
  /** 1 = score this sample. */
  score: Uint8Array;
  /** The probe cells, ascending. */
  cells: number[];
}

/** Training and scoring samples (every 4th observed one held out with `holdout`, seeded) and the probe cells. */
export function freqProbe(input: FitInput, spec: BeamSpec, cells: readonly BeamCell[], opts: { holdout: boolean; probes?: number }): FreqProbe {
  const n = input.shape.reduce((a, b) => a * b, 1);
  const train = new Uint8Array(n);
  const score = new Uint8Array(n);
  const rng = new Rng(spec.seed * 31 + 5);
  for (let i = 0; i < n; i++) {
    if (input.mask && input.mask[i] !== 1) continue;
    if (!opts.holdout) train[i] = score[i] = 1;
    else if (rng.uniform() < 0.25) score[i] = 1;
    else train[i] = 1;
  }
  return { train, score, cells: probeCells(cells, opts.probes ?? 8) };
}

/** Mean squared error of the probe cells' local models with these hidden layers (one candidate). */
export function scoreCandidate(input: FitInput, spec: BeamSpec, cells: BeamCell[], layers: BeamLayer[], probe: FreqProbe, checkCancel?: () => void): number {
  const model = createBeamModel({ ...spec, layers }, cells);
  const r = solveBeam({ ...input, mask: probe.train }, model, { checkCancel }, { cells: probe.cells, score: probe.score });
  return r.count ? r.sse / r.count : Infinity;
}

/** The candidate of lowest error (the first of equals), with the scores by multiplier. */
export function pickFrequency(errors: readonly number[]): { freq: number; scores: Record<string, number> } {
  const scores: Record<string, number> = {};
  let best = { freq: 1, err: Infinity };
  FREQ_CANDIDATES.forEach((freq, i) => {
    scores[String(freq)] = errors[i];
    if (errors[i] < best.err) best = { freq, err: errors[i] };
  });
  return { freq: best.freq, scores };
}

export function chooseBeamFrequency(
  input: FitInput,
  spec: BeamSpec,
  cells: BeamCell[],
  layersFor: (freq: number) => BeamLayer[],
  opts: { holdout: boolean; probes?: number; checkCancel?: () => void },
): BeamFreqChoice {
  const probe = freqProbe(input, spec, cells, opts);
  const errors = FREQ_CANDIDATES.map((freq) => {
    opts.checkCancel?.();
    return scoreCandidate(input, spec, cells, layersFor(freq), probe, opts.checkCancel);
  });
  const { freq, scores } = pickFrequency(errors);
  return { freq, layers: layersFor(freq), scores };
}
