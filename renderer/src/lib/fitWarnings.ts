/**
 * What the Fit panel says before a run starts, so that nobody waits for a meaningless or endless
 * one. Pure: plain data in, plain data out.
 *
 * - Too few samples: the engine refuses a fit on fewer than `MIN_SAMPLES` valid samples or less
 *   than `MIN_OBSERVED_FRACTION` of the grid (main/tasks/fit.ts; copied here because the renderer
 *   may not import the engine, and tests/unit/ui-fit-warnings.test.ts checks the copies agree).
 *   A fit on a handful of samples would score them perfectly and say nothing of the rest.
 * - The nets' compute: the backend that `auto` (or the chosen one) takes, CPU or GPU, its
 *   threads, and the expected training time,
 *     seconds ≈ steps · 6 · samples per step · weights / (rate · efficiency),
 *   where 6 · weights is the forward and backward cost of one sample through dense layers
 *   (2 flops per weight forward, 4 backward), `rate` the backend's measured float32 matMul rate,
 *   and `efficiency` the share of it training reaches: 0.2, measured on a 2-core machine
 *   (SIREN 256×3 on elev.tif, 4,608 samples: 0.96 steps/s on wasm at 25 GFLOP/s matMul, i.e.
 *   5.3 GFLOP/s of training).
 */
import type { BackendInfo, DatasetStats } from '../../../main/api/contract';

export const MIN_SAMPLES = 16;
export const MIN_OBSERVED_FRACTION = 1e-4;
/** Below this share of valid samples a fit is allowed but the panel says what it means. */
const FEW_FRACTION = 0.01;
/** Share of the measured matMul rate a training step reaches (see above). */
export const TRAINING_EFFICIENCY = 0.2;
/** Expected times above this on a CPU backend are flagged. */
const LONG_SECONDS = 600;

export interface FitWarning {
  /** 'refuse': the engine will refuse the fit; 'warn': it runs, with a caveat. */
  level: 'refuse' | 'warn';
  text: string;
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function percent(f: number): string {
  const p = 100 * f;
  return p >= 0.1 ? `${p.toFixed(p >= 10 ? 0 : 1)} %` : `${p.toPrecision(1)} %`;
}

/**
 * The samples a fit would use: the valid ones, less the hidden fraction when inpainting with a
 * random fraction, less the painted ones when inpainting with a brush.
 */
export function observedSamples(stats: Pick<DatasetStats, 'valid' | 'samples'>, opts: { drop?: number; hidden?: number } = {}): number {
  let k = stats.valid;
  if (opts.drop !== undefined && opts.drop > 0) k = Math.round(k * (1 - opts.drop));
  if (opts.hidden) k = Math.max(0, k - opts.hidden);
  return k;
}

/** The warning about the samples a fit would see, or null when there are enough. */
export function sampleWarning(stats: Pick<DatasetStats, 'valid' | 'samples'>, opts: { drop?: number; hidden?: number } = {}): FitWarning | null {
  const k = observedSamples(stats, opts);
  const n = stats.samples;
  if (n <= 0) return null;
  const fraction = k / n;
  const what = opts.drop || opts.hidden ? 'samples left to fit' : 'valid samples';
  if (k < MIN_SAMPLES || k < MIN_OBSERVED_FRACTION * n) {
    return {
      level: 'refuse',
      text: `Too few samples: ${count(k)} ${what} of ${count(n)} (${percent(fraction)}). A fit on so few would score them perfectly and say nothing of the rest; the engine refuses below ${MIN_SAMPLES} samples or ${percent(MIN_OBSERVED_FRACTION)} of the grid.`,
    };
  }
  if (fraction < FEW_FRACTION) {
    return { level: 'warn', text: `Only ${count(k)} ${what} of ${count(n)} (${percent(fraction)}): the scores describe those samples only.` };
  }
  return null;
}

/** The backend a net will run on: the requested one, or the first available in `auto`'s order. */
export function chosenBackend(list: readonly BackendInfo[], requested: string | undefined): BackendInfo | undefined {
  if (requested && requested !== 'auto') return list.find((b) => b.id === requested);
  return list.find((b) => b.available);
}

/** Trainable weights of a dense net: input → width, `layers` hidden width × width, width → output (biases included). */
export function netWeights(p: { inputs: number; outputs: number; width: number; layers: number; features?: number }): number {
  const inputs = p.features ? 2 * p.features : p.inputs;
  return (inputs + 1) * p.width + p.layers * (p.width + 1) * p.width + (p.width + 1) * p.outputs;
}

/** Expected training seconds (see the module comment), or undefined without a measured rate. */
export function expectedSeconds(p: { steps: number; samplesPerStep: number; weights: number; gflops?: number }): number | undefined {
  if (!p.gflops || !(p.gflops > 0) || !(p.steps > 0) || !(p.samplesPerStep > 0)) return undefined;
  return (p.steps * 6 * p.samplesPerStep * p.weights) / (p.gflops * 1e9 * TRAINING_EFFICIENCY);
}

/** `about 40 s`, `about 12 min`, `about 3.5 h`. */
export function aboutDuration(seconds: number): string {
  if (seconds < 90) return `about ${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} min`;
  const h = seconds / 3600;
  return h < 48 ? `about ${h < 10 ? h.toFixed(1) : Math.round(h)} h` : `about ${Math.round(h / 24)} days`;
}

/** The backend line the panel shows before a net runs: `wasm · CPU, 1 thread · about 11 h for 2,000 steps × 262,144 samples`. */
export function backendNotice(b: BackendInfo | undefined, est: { steps: number; samplesPerStep: number; weights: number }): FitWarning & { seconds?: number } {
  if (!b) return { level: 'warn', text: 'Checking which compute backend this machine offers…' };
  if (!b.available) return { level: 'refuse', text: `Backend ${b.id} is unavailable here: ${b.reason}.` };
  const where = b.device === 'cpu' ? `CPU, ${b.threads ?? '?'} thread${b.threads === 1 ? '' : 's'}` : 'GPU';
  const seconds = expectedSeconds({ ...est, gflops: b.gflops });
  const time = seconds !== undefined ? `${aboutDuration(seconds)} for ${count(est.steps)} steps × ${count(est.samplesPerStep)} samples` : 'time unknown';
  const slow = b.device === 'cpu' && seconds !== undefined && seconds > LONG_SECONDS;
  return { level: 'warn', seconds, text: `Runs on ${b.id} (${where}) · ${time}${slow ? ' · a GPU backend or fewer steps would be much faster' : ''}` };
}
