/**
 * What every method's task shares: the tasks and their parameters, which samples a fit may use
 * (masks, a seeded drop), the output grids of a resampling, the resampled Field's geometry and
 * the report every method fills in. Methods (main/methods) import these; nothing here imports a
 * method.
 */
import type { TaskInfo, TaskKind, TaskRequest } from '../api/contract';
import { InrError } from '../core/errors';
import { Rng } from '../core/rng';
import { sampleCount, type Field } from '../core/field';
import { finerGrid, sampleGrid, type AxisGrid } from '../inr/elm/mesh';
import type { DetailStep } from '../inr/elm/detail';
import { fieldMetrics, dataRangeOf, psnr, type FieldMetrics } from '../metrics/index';
import { paramInfos } from '../methods/params';
import type { ParamSpecs, ResolvedTask } from '../methods/types';

/** The task parameters, declared once like a method's. */
export interface TaskParams {
  drop?: number;
  scale?: number;
  zscale?: number;
  views?: number;
  photons?: number;
  limitedAngle?: number;
}

export const TASK_PARAMS: ParamSpecs<TaskParams> = {
  drop: {
    type: 'number',
    label: 'Drop fraction',
    min: 0,
    max: 0.99,
    step: 0.05,
    default: 0.5,
    help: 'Fraction of the samples hidden from the fit (seeded); the held-out PSNR measures how well the gaps are filled.',
  },
  scale: {
    type: 'number',
    label: 'Upsampling ×',
    min: 1,
    max: 16,
    step: 1,
    default: 2,
    help: 'Evaluate on a grid this many times finer along every axis. Sample j of the finer grid sits at (j + ½)/K − ½ in source samples: each source pixel is split into K×K, as area averaging would merge them.',
  },
  zscale: {
    type: 'number',
    label: 'Through-plane ×',
    min: 1,
    max: 16,
    step: 1,
    default: 2,
    help: 'New slices between the acquired ones along the first axis: N slices become (N − 1)·K + 1 at z₀ + iΔ/K, the acquired positions kept, nothing extrapolated.',
  },
  views: {
    type: 'int',
    label: 'Views',
    min: 1,
    max: 3600,
    step: 10,
    default: 60,
    help: 'Projection angles of the simulated parallel-beam scan, equally spaced over 180° (or over the limited angle).',
  },
  photons: {
    type: 'number',
    label: 'Photons I₀',
    min: 10,
    max: 1e12,
    step: 1e4,
    auto: 'no noise',
    help: 'Incident photons per detector bin: Poisson noise on the transmitted counts (1e5 is a clinical dose, 1e3 very low). Blank: noise-free.',
  },
  limitedAngle: {
    type: 'number',
    label: 'Angular range (°)',
    min: 1,
    max: 180,
    step: 5,
    default: 180,
    advanced: true,
    help: 'Degrees covered by the views: below 180 is limited-angle tomography.',
  },
};

const TASKS: ReadonlyArray<{ id: TaskKind; label: string; minDims: number; maxDims?: number; params: (keyof TaskParams)[] }> = [
  { id: 'fit', label: 'Represent (fit)', minDims: 1, params: [] },
  { id: 'inpaint', label: 'Inpaint (fill hidden samples)', minDims: 1, params: ['drop'] },
  { id: 'superres', label: 'Super-resolve ×K', minDims: 1, params: ['scale'] },
  { id: 'interp', label: 'Interpolate through-plane', minDims: 3, params: ['zscale'] },
  { id: 'ct', label: 'CT from sparse views', minDims: 2, maxDims: 2, params: ['views', 'photons', 'limitedAngle'] },
];

export const TASK_LABELS: Record<TaskKind, string> = Object.fromEntries(TASKS.map((t) => [t.id, t.label])) as Record<TaskKind, string>;

export function taskInfos(): TaskInfo[] {
  return TASKS.map((t) => ({ id: t.id, label: t.label, minDims: t.minDims, maxDims: t.maxDims, params: paramInfos(Object.fromEntries(t.params.map((k) => [k, TASK_PARAMS[k]]))) }));
}

/** The task whose parameter `name` is (drop → inpaint, views → ct…). */
export function taskOfParam(name: string): TaskKind | undefined {
  return TASKS.find((t) => (t.params as string[]).includes(name))?.id;
}

function checkFactor(name: keyof TaskParams, v: number): number {
  const spec = TASK_PARAMS[name];
  if (spec.type === 'int' && !Number.isInteger(v)) throw new InrError('E_ARG', `${name} must be a whole number, got ${v}`);
  if (!(Number.isFinite(v) && v >= spec.min && v <= spec.max)) throw new InrError('E_ARG', `${name} must be a number in [${spec.min}, ${spec.max}], got ${v}`);
  if ((name === 'scale' || name === 'zscale') && !(v > 0)) throw new InrError('E_ARG', `${name} must be a positive factor, got ${v}`);
  return v;
}

function checked(check: boolean | undefined, factor: number, name: string): { check?: true } {
  if (!check) return {};
  if (!(Number.isInteger(factor) && factor >= 2)) throw new InrError('E_ARG', `a checked resampling needs a whole ${name} of 2 or more, got ${factor}`);
  return { check: true };
}

/** Check a task request against the data: factors in range, through-plane only on volumes. */
export function resolveTask(req: TaskRequest | undefined, field: Field): ResolvedTask {
  const t = req ?? { kind: 'fit' as const };
  switch (t.kind) {
    case 'fit':
      return { kind: 'fit' };
    case 'inpaint':
      return { kind: 'inpaint', drop: t.drop === undefined ? undefined : checkFactor('drop', t.drop) };
    case 'superres':
      return { kind: 'superres', scale: checkFactor('scale', t.scale), ...checked(t.check, t.scale, 'scale') };
    case 'interp':
      if (field.shape.length < 3)
        throw new InrError('E_ARG', `through-plane resampling (zscale) needs a volume; this dataset has ${field.shape.length} axes (${field.axes.join(', ')})`);
      return { kind: 'interp', zscale: checkFactor('zscale', t.zscale), ...checked(t.check, t.zscale, 'zscale') };
    case 'ct':
      if (field.shape.length !== 2 || field.channels.length !== 1)
        throw new InrError(
          'E_ARG',
          `CT reconstructs a 2-D slice of one channel; these data are ${field.shape.join('×')} with ${field.channels.length} channel(s) (pick one slice of a volume)`,
          field.provenance.path,
        );
      return {
        kind: 'ct',
        views: checkFactor('views', t.views),
        photons: t.photons === undefined ? undefined : checkFactor('photons', t.photons),
        limitedAngle: t.limitedAngle === undefined ? undefined : checkFactor('limitedAngle', t.limitedAngle),
      };
    default:
      throw new InrError('E_ARG', `unknown task '${(t as { kind: string }).kind}'`);
  }
}

/** Which samples the fit may use: the field's own mask, finite values, the user mask, minus the dropped ones. */
export function fitMask(field: Field, opts: { drop?: number; mask?: Uint8Array; seed?: number }): { mask: Uint8Array; nanMasked: number; hidden: Uint8Array | undefined } {
  const n = sampleCount(field.shape);
  const C = field.channels.length;
  const mask = new Uint8Array(n);
  let nanMasked = 0;
  for (let i = 0; i < n; i++) {
    let ok = !field.mask || field.mask[i] === 1;
    if (ok) {
      for (let c = 0; c < C; c++)
        if (!Number.isFinite(field.values[i * C + c])) {
          ok = false;
          nanMasked++;
          break;
        }
    }
    mask[i] = ok ? 1 : 0;
  }
  // Samples that exist but are kept from the fit (the user mask's holes, the dropped ones):
  // the inpainting is scored on them.
  let hidden: Uint8Array | undefined;
  if (opts.mask) {
    if (opts.mask.length !== n) throw new InrError('E_ARG', `the mask has ${opts.mask.length} samples, the data ${n}`);
    hidden = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++)
      if (!opts.mask[i] && mask[i]) {
        mask[i] = 0;
        hidden[i] = 1;
        any = true;
      }
    if (!any) hidden = undefined;
  }
  if (opts.drop !== undefined && opts.drop > 0) {
    if (!(opts.drop < 1)) throw new InrError('E_ARG', `drop must be in [0, 1), got ${opts.drop}`);
    hidden ??= new Uint8Array(n);
    const rng = new Rng((opts.seed ?? 1) * 7919 + 17);
    for (let i = 0; i < n; i++) {
      if (mask[i] && rng.uniform() < opts.drop) {
        mask[i] = 0;
        hidden[i] = 1;
      }
    }
  }
  let valid = 0;
  for (let i = 0; i < n; i++) valid += mask[i];
  if (valid === 0) throw new InrError('E_DATA', 'the mask hides every sample: nothing is left to fit');
  return { mask, nanMasked, hidden };
}

/**
 * Positions of a through-plane resampling by `factor` on an axis of `length` slices: the
 * acquired slices and factor − 1 new ones between each pair, p_i = i/factor for
 * i = 0 … (length − 1)·factor. Nothing beyond the first and last slice.
 */
function anchoredGrid(length: number, factor: number): AxisGrid {
  if (!(factor > 0) || !Number.isFinite(factor)) throw new InrError('E_ARG', `zscale must be a positive factor, got ${factor}`);
  const count = Math.floor((length - 1) * factor + 1e-9) + 1;
  return { start: 0, step: 1 / factor, count };
}

/**
 * The output grids of a resampling task, undefined for the others. `superres` splits every
 * sample into K per axis (finerGrid: p_j = (j + ½)/K − ½); `interp` anchors the first axis at
 * the slices (anchoredGrid) and keeps the others.
 */
export function taskGrids(field: Field, task: ResolvedTask): AxisGrid[] | undefined {
  if (task.kind === 'superres') return field.shape.map((L) => finerGrid(L, task.scale!));
  if (task.kind === 'interp') return field.shape.map((L, a) => (a === 0 ? anchoredGrid(L, task.zscale!) : sampleGrid(L)));
  return undefined;
}

/**
 * A Field of `values` evaluated on `grids`, with the source's geometry refined to match: the
 * spacing times each grid's step, and the origin moved to the grid's first position. A volume
 * with direction cosines (DICOM, NIfTI: origin = the first voxel's patient position, listed in
 * axis order [z, y, x]) moves along its own, possibly oblique, axes.
 */
export function resampledField(field: Field, grids: AxisGrid[], values: Float32Array): Field {
  const g = field.geometry;
  const shift = grids.map((grid, a) => grid.start * g.spacing[a]);
  let origin = g.origin.map((o, a) => o + shift[a]);
  const d = g.direction;
  if (field.shape.length === 3 && d && d.length === 9 && d.every(Number.isFinite)) {
    // Columns of `direction`: the x, y and z index axes (axes 2, 1, 0) in the patient frame.
    const p = [0, 1, 2].map((r) => shift[2] * d[3 * r] + shift[1] * d[3 * r + 1] + shift[0] * d[3 * r + 2]);
    origin = [g.origin[0] + p[2], g.origin[1] + p[1], g.origin[2] + p[0]];
  }
  return {
    ...field,
    shape: grids.map((grid) => grid.count),
    values,
    mask: undefined,
    geometry: { ...g, spacing: g.spacing.map((s, a) => s * grids[a].step), origin },
  };
}

/** What every method reports: the task, the backend, the size and the metrics. */
export interface ReportCore {
  method: string;
  task: TaskKind;
  backend: string;
  shape: number[];
  params: number;
  params_per_value: number;
  seconds: number;
  seconds_fit: number;
  seconds_reconstruct: number;
  psnr: number;
  ssim?: number;
  rmse: number;
  mae: number;
  data_range: number;
  psnr_unobserved?: number;
  observed_fraction: number;
  nan_masked: number;
  output_shape?: number[];
  /** Occupancy fields: intersection over union of the reconstruction ≥ ½ and the source. */
  iou?: number;
}

/** Report sections of one kind of method. */
export interface FitExtras {
  /** ELM methods: the mesh and hidden layer. */
  mesh?: {
    cells: number[];
    hidden: number;
    overlap: number;
    activation: string;
    omega: number[];
    seed: number;
    ridge: number;
    freq?: number;
    freq_scores?: Record<string, number>;
    hole_fill?: boolean;
    /** Super-resolution with the kernel limit: each ×2 step's self-similar detail (main/inr/elm/detail.ts). */
    detail?: DetailStep[];
    /** ELM+BEAM with the kernel limit: why the adaptive mesh was not built. */
    adaptive?: string;
    /** Random features on 0/1 data: the band fit's half-width (main/inr/elm/fit.ts `bandRefine`). */
    band?: number;
    /** An occupancy fitted to a budget: the cells storing their mean only (main/inr/elm/config.ts `spendOnMixedCells`). */
    flat_cells?: number;
    /** Per-cell capacity (config.ts `spendPerCell`): the hidden sizes of the mixed cells; `hidden` is then the largest. */
    cell_hidden?: { min: number; median: number; max: number };
  };
  /** Backpropagation nets: architecture, training record. */
  net?: Record<string, number | string | boolean>;
  training?: Record<string, unknown>;
  warnings?: string[];
  /** A checked resampling: the factor and the shape of the reduced data the method saw. */
  check?: { factor: number; reduced_shape: number[] };
  /** CT: the simulated scan. */
  ct?: { views: number; photons?: number; limited_angle: number; detectors: number };
  /** Method-specific solver figures (CT: the prior, chosen strengths, iterations). */
  solver?: Record<string, unknown>;
  /** BEAM only: the adaptive mesh's strategy and balance statistic (max/mean Barron norm over cells). */
  beam?: {
    strategy: string;
    cells: number;
    balance_before: number;
    balance_after: number;
    /** max/mean of the norm per unit of capacity (what the 'capacity' strategy balances). */
    balance_load: number;
    splits: number;
    merges: number;
    /** Mesh construction: checks, strategy, tree, Barron norms, refinement or capacity. */
    seconds_mesh: number;
    /** The frequency-scale probe (the uniform engine runs it too). */
    seconds_freq: number;
    /** The least-squares solve. */
    seconds_solve: number;
  };
}

export type FitReport = ReportCore & FitExtras;

/** The data range of a report's PSNR and SSIM: 255 for 8-bit data, else the field's own (1 when constant). */
export function metricsRange(field: Field): number {
  // An occupancy grid is 0/1 stored as bytes: its range is 1, not the byte range.
  if (field.provenance.format === 'occupancy') return 1;
  return field.dtype === 'uint8' ? 255 : dataRangeOf(field) || 1;
}

/**
 * The metrics and bookkeeping every method reports: PSNR, SSIM, RMSE and MAE over the samples
 * that exist, PSNR over the hidden ones, the observed fraction and the task.
 */
export function reportCore(
  field: Field,
  rec: Float32Array,
  o: {
    method: string;
    task: TaskKind;
    backend: string;
    params: number;
    /** Samples the fit saw (before any hole fill). */
    observed: Uint8Array;
    hidden?: Uint8Array;
    nanMasked: number;
    upsampled?: Field;
    /** performance.now() at the start, after the fit, after the reconstruction. */
    t0: number;
    t1: number;
    t2: number;
    /** `fieldMetrics(field, rec, { dataRange: metricsRange(field) })` when the caller computed it (on a thread pool). */
    metrics?: FieldMetrics;
  },
): ReportCore {
  const C = field.channels.length;
  const n = sampleCount(field.shape);
  const dataRange = metricsRange(field);
  const m = o.metrics ?? fieldMetrics(field, { ...field, values: rec }, { dataRange });
  let observed = 0;
  for (let i = 0; i < n; i++) observed += o.observed[i];
  return {
    method: o.method,
    task: o.task,
    backend: o.backend,
    shape: field.shape,
    params: o.params,
    params_per_value: o.params / (n * C),
    seconds: (performance.now() - o.t0) / 1000,
    seconds_fit: (o.t1 - o.t0) / 1000,
    seconds_reconstruct: (o.t2 - o.t1) / 1000,
    psnr: m.psnr,
    ssim: m.ssim,
    rmse: m.rmse,
    mae: m.mae,
    data_range: dataRange,
    psnr_unobserved: o.hidden ? psnr(field.values, rec, { dataRange, mask: o.hidden, channels: C }) : undefined,
    observed_fraction: observed / n,
    nan_masked: o.nanMasked,
    output_shape: o.upsampled?.shape,
    iou: field.provenance.format === 'occupancy' ? occupancyIoU(field, rec) : undefined,
  };
}

/** IoU of {reconstruction ≥ ½} and {source ≥ ½} over the samples that exist (channel 0). */
function occupancyIoU(field: Field, rec: Float32Array): number {
  const C = field.channels.length;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < rec.length / C; i++) {
    if (field.mask && !field.mask[i]) continue;
    const a = field.values[i * C] >= 0.5;
    const b = rec[i * C] >= 0.5;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union ? inter / union : 1;
}

/**
 * A resampling scored against the data ("check"): the data reduced by the factor, the grids
 * that carry the method's output on the reduced data back onto every source sample, which
 * samples are scored, and which of them the reduced data left out.
 *
 * - superres ×K: K×K… blocks are averaged (as a coarser sensor would integrate them; masked
 *   samples left out, a block with none is masked). Block b covers source samples K·b … K·b+K−1,
 *   whose centre K·b + (K−1)/2 is the reduced sample's position, so source sample j sits at
 *   reduced position (j − (K−1)/2)/K: start −(K−1)/(2K), step 1/K. Every sample is scored.
 * - interp ×K: slices 0, K, 2K, … are kept; source slice j is at reduced position j/K. Slices past
 *   the last kept one would be extrapolated and are not scored; the left-out slices between kept
 *   ones are the held-out set.
 */
export function checkSetup(field: Field, task: ResolvedTask): { reduced: Field; grids: AxisGrid[]; scored: Uint8Array; hidden?: Uint8Array } {
  const K = task.kind === 'superres' ? task.scale! : task.zscale!;
  const C = field.channels.length;
  const n = sampleCount(field.shape);
  const { mask: exists } = fitMask(field, {});
  if (task.kind === 'superres') {
    const small = field.shape.map((L) => Math.floor(L / K));
    if (small.some((L) => L < 1)) throw new InrError('E_ARG', `a ${K}× check needs at least ${K} samples along every axis; these data are ${field.shape.join('×')}`);
    const m = sampleCount(small);
    const sum = new Float64Array(m * C);
    const cnt = new Uint32Array(m);
    const d = field.shape.length;
    const idx = new Array<number>(d).fill(0);
    for (let i = 0; i < n; i++) {
      let o = 0;
      let inside = true;
      for (let a = 0; a < d; a++) {
        const b = Math.floor(idx[a] / K);
        if (b >= small[a]) inside = false;
        o = o * small[a] + b;
      }
      if (inside && exists[i]) {
        cnt[o]++;
        for (let c = 0; c < C; c++) sum[o * C + c] += field.values[i * C + c];
      }
      for (let a = d - 1; a >= 0; a--) {
        if (++idx[a] < field.shape[a]) break;
        idx[a] = 0;
      }
    }
    const values = new Float32Array(m * C);
    const mask = new Uint8Array(m);
    for (let o = 0; o < m; o++) {
      mask[o] = cnt[o] ? 1 : 0;
      for (let c = 0; c < C; c++) values[o * C + c] = cnt[o] ? sum[o * C + c] / cnt[o] : NaN;
    }
    const reduced: Field = {
      ...field,
      shape: small,
      values,
      mask: mask.every((v) => v === 1) ? undefined : mask,
      dtype: 'float32',
      geometry: {
        ...field.geometry,
        spacing: field.geometry.spacing.map((s) => s * K),
        origin: field.geometry.origin.map((o, a) => o + ((K - 1) / 2) * field.geometry.spacing[a]),
      },
    };
    const grids = field.shape.map((L) => ({ start: -(K - 1) / (2 * K), step: 1 / K, count: L }));
    return { reduced, grids, scored: exists };
  }
  const N = field.shape[0];
  const kept = Math.floor((N - 1) / K) + 1;
  if (kept < 2) throw new InrError('E_ARG', `a ${K}× through-plane check needs at least ${K + 1} slices; these data have ${N}`);
  const per = n / N;
  const values = new Float32Array(kept * per * C);
  const mask = field.mask ? new Uint8Array(kept * per) : undefined;
  for (let k = 0; k < kept; k++) {
    values.set(field.values.subarray(k * K * per * C, (k * K + 1) * per * C), k * per * C);
    if (mask) mask.set(field.mask!.subarray(k * K * per, (k * K + 1) * per), k * per);
  }
  const reduced: Field = {
    ...field,
    shape: [kept, ...field.shape.slice(1)],
    values,
    mask,
    geometry: { ...field.geometry, spacing: field.geometry.spacing.map((s, a) => (a === 0 ? s * K : s)) },
  };
  const grids = field.shape.map((L, a) => (a === 0 ? { start: 0, step: 1 / K, count: L } : sampleGrid(L)));
  const last = (kept - 1) * K;
  const scored = new Uint8Array(n);
  const hidden = new Uint8Array(n);
  for (let j = 0; j <= last; j++)
    for (let i = j * per; i < (j + 1) * per; i++) {
      scored[i] = exists[i];
      hidden[i] = exists[i] && j % K !== 0 ? 1 : 0;
    }
  return { reduced, grids, scored, hidden };
}
