/**
 * The fit methods the panel offers and their parameters, with bounds and the engine's own
 * defaults. Validation is here so the panel can refuse a bad value before it crosses to the
 * engine (which checks again). An optional parameter left blank is not sent: the engine then
 * chooses (the mesh from the hidden size, the frequency scale from the data).
 */
/** The tasks the panel offers. 'interp' is through-plane interpolation: the engine's 'superres' with `zscale`. */
export type TaskId = 'fit' | 'inpaint' | 'superres' | 'interp';
/** Inpainting hides a seeded random fraction (`drop`) or the region painted with the brush. */
export type InpaintMode = 'drop' | 'brush';

export interface ParamSpec {
  key: string;
  label: string;
  min: number;
  max: number;
  step: number;
  integer: boolean;
  /** The value the field starts with; undefined = blank ("auto"). */
  default?: number;
  /** Blank allowed: the engine decides. */
  optional: boolean;
  /** Only for these tasks (all when absent). */
  tasks?: TaskId[];
  /** Only for this way of inpainting. */
  inpaint?: InpaintMode;
  /** Shown under "Advanced" (still sent with its value). */
  advanced?: boolean;
  help: string;
}

/** An on/off option (sent as `true` when on, left out when off). */
export interface SwitchSpec {
  key: string;
  label: string;
  default: boolean;
  help: string;
}

export interface MethodSpec {
  id: string;
  label: string;
  params: ParamSpec[];
  switches?: SwitchSpec[];
}

export const ELM_PARAMS: ParamSpec[] = [
  {
    key: 'hidden',
    label: 'Hidden nodes m',
    min: 1,
    max: 8192,
    step: 16,
    integer: true,
    default: 64,
    optional: false,
    help: 'Random, frozen features per subdomain. More nodes: finer detail, a slower solve.',
  },
  {
    key: 'subdomains',
    label: 'Subdomains / axis',
    min: 1,
    max: 1024,
    step: 1,
    integer: true,
    optional: true,
    advanced: true,
    help: 'Cells along each axis, each fitted on its own. Blank: cells of about 2m samples.',
  },
  {
    key: 'overlap',
    label: 'Overlap δ',
    min: 0,
    max: 1,
    step: 0.05,
    integer: false,
    default: 0.15,
    optional: false,
    advanced: true,
    help: 'How far each cell’s support reaches into its neighbours, as a fraction of the cell per side. Too small leaves seams.',
  },
  {
    key: 'freq',
    label: 'Frequency ×',
    min: 0.05,
    max: 16,
    step: 0.25,
    integer: false,
    optional: true,
    advanced: true,
    help: 'Multiplier of the features’ frequency scale. Blank: chosen from the data. Large values interpolate the samples but oscillate between them.',
  },
  {
    key: 'drop',
    label: 'Drop fraction',
    min: 0.01,
    max: 0.95,
    step: 0.05,
    integer: false,
    default: 0.5,
    optional: false,
    tasks: ['inpaint'],
    inpaint: 'drop',
    help: 'Fraction of the samples hidden from the fit; the held-out PSNR measures how well the gaps are filled.',
  },
  {
    key: 'scale',
    label: 'Upsampling ×',
    min: 1,
    max: 16,
    step: 1,
    integer: false,
    default: 2,
    optional: false,
    tasks: ['superres'],
    help: 'Evaluate the fitted representation on a grid this many times finer along every axis.',
  },
  {
    key: 'zscale',
    label: 'Through-plane ×',
    min: 1,
    max: 16,
    step: 1,
    integer: false,
    default: 2,
    optional: false,
    tasks: ['interp'],
    help: 'Evaluate this many times finer along the first (slice) axis only: new slices between the acquired ones.',
  },
];

/** The task-specific fields every method shares. */
const TASK_PARAMS = (specs: ParamSpec[]) => specs.filter((p) => p.key === 'drop' || p.key === 'scale' || p.key === 'zscale');

const BUDGET: ParamSpec = {
  key: 'budget',
  label: 'Param budget',
  min: 16,
  max: 1e9,
  step: 10000,
  integer: true,
  optional: true,
  help: 'Most stored parameters the adaptive mesh may use. Blank: as many as the uniform mesh would use.',
};

/** BEAM chooses its own mesh and per-cell sizes under a budget: no subdomain or hidden-size fields. */
const BEAM_PARAMS: ParamSpec[] = [BUDGET, ...ELM_PARAMS.filter((p) => p.key !== 'subdomains' && p.key !== 'hidden')];

/** Training options shared by the backpropagation nets (main/inr/nets); blank = the method's default. */
const NET_PARAMS: ParamSpec[] = [
  { key: 'steps', label: 'Steps', min: 1, max: 100000, step: 100, integer: true, default: 300, optional: false, help: 'Adam steps. On a CPU each full-batch step on a 512² image takes seconds: ELM-INR is the fast path there.' },
  { key: 'lr', label: 'Learning rate', min: 1e-6, max: 1, step: 1e-4, integer: false, optional: true, advanced: true, help: 'Adam learning rate. Blank: the method’s published default.' },
  { key: 'width', label: 'Width', min: 4, max: 2048, step: 32, integer: true, optional: true, advanced: true, help: 'Units per hidden layer. Blank: the method’s default (256 for most).' },
  { key: 'layers', label: 'Hidden layers', min: 1, max: 16, step: 1, integer: true, optional: true, advanced: true, help: 'Hidden W→W layers. Blank: the method’s default.' },
  ...TASK_PARAMS(ELM_PARAMS),
];

/** IGA: the training-time gradient adjustment, for any of the nets. */
const NET_SWITCHES: SwitchSpec[] = [
  {
    key: 'iga',
    label: 'IGA',
    default: false,
    help: 'Inductive gradient adjustment: equalise the top eigenvalues of the empirical NTK on a few sampled points, so high frequencies train sooner. Costs extra time per step.',
  },
];

const NETS: Array<[string, string]> = [
  ['siren', 'SIREN (sine, ω0 = 30)'],
  ['ffn', 'FFN (Fourier features + ReLU)'],
  ['gauss', 'GaussNet'],
  ['wire', 'WIRE (Gabor wavelet)'],
  ['sl2a', 'SL2A-INR'],
  ['bwrelu', 'BW-ReLU'],
  ['relu', 'ReLU MLP (baseline)'],
];

export const METHODS: MethodSpec[] = [
  { id: 'elm', label: 'ELM-INR (closed form)', params: ELM_PARAMS },
  { id: 'elm-beam', label: 'ELM-INR + BEAM (adaptive mesh)', params: BEAM_PARAMS },
  ...NETS.map(([id, label]) => ({ id, label, params: NET_PARAMS, switches: NET_SWITCHES })),
];

export const TASKS: ReadonlyArray<{ id: TaskId; label: string; volumesOnly?: boolean }> = [
  { id: 'fit', label: 'Represent (fit)' },
  { id: 'inpaint', label: 'Inpaint (fill hidden samples)' },
  { id: 'superres', label: 'Super-resolve ×K' },
  { id: 'interp', label: 'Interpolate through-plane', volumesOnly: true },
];

/** The tasks offered for a dataset of this shape: through-plane interpolation needs ≥ 3 axes. */
export function tasksFor(shape: readonly number[] | undefined): ReadonlyArray<{ id: TaskId; label: string }> {
  const volume = !!shape && shape.length >= 3;
  return TASKS.filter((t) => !t.volumesOnly || volume);
}

/** The engine's task for a panel task. */
export function engineTask(task: TaskId): 'fit' | 'inpaint' | 'superres' {
  return task === 'interp' ? 'superres' : task;
}

export type ParamValue = number | '' | undefined;

function isBlank(v: unknown): boolean {
  return v === '' || v === undefined || v === null;
}

/** A readable reason why `value` is not allowed for `spec`, or null when it is. */
export function paramError(spec: ParamSpec, value: unknown): string | null {
  if (isBlank(value)) return spec.optional ? null : `${spec.label}: enter a number`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${spec.label}: enter a number`;
  if (spec.integer && !Number.isInteger(value)) return `${spec.label}: must be a whole number`;
  if (value < spec.min || value > spec.max) return `${spec.label}: between ${spec.min} and ${spec.max}`;
  return null;
}

export function paramsForTask(specs: readonly ParamSpec[], task: TaskId, inpaint: InpaintMode = 'drop'): ParamSpec[] {
  return specs.filter((s) => (!s.tasks || s.tasks.includes(task)) && (!s.inpaint || task !== 'inpaint' || s.inpaint === inpaint));
}

export function defaultParams(specs: readonly ParamSpec[]): Record<string, ParamValue> {
  return Object.fromEntries(specs.map((s) => [s.key, s.default ?? '']));
}

/** The request's params: the task's fields that are filled in, as numbers, and the switches that are on. */
export function requestParams(
  specs: readonly ParamSpec[],
  task: TaskId,
  values: Record<string, ParamValue>,
  opts: { inpaint?: InpaintMode; switches?: readonly SwitchSpec[]; on?: Record<string, boolean> } = {},
): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const s of paramsForTask(specs, task, opts.inpaint)) {
    const v = values[s.key];
    if (typeof v === 'number' && Number.isFinite(v)) out[s.key] = v;
  }
  for (const sw of opts.switches ?? []) if (opts.on?.[sw.key]) out[sw.key] = true;
  return out;
}

export function defaultSwitches(specs: readonly SwitchSpec[] | undefined): Record<string, boolean> {
  return Object.fromEntries((specs ?? []).map((s) => [s.key, s.default]));
}
