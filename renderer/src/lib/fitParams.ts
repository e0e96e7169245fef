/**
 * The Fit panel's methods, tasks and parameters, built from the engine's registry (the catalogue
 * `api.methods()` answers): nothing here lists a method or a parameter of its own. Validation is
 * here so the panel can refuse a bad value before it crosses to the engine (which checks again).
 * An optional parameter left blank is not sent: the engine then chooses.
 */
import type { MethodCatalog, MethodInfo, MethodParams, ParamInfo, TaskKind, TaskRequest } from '../../../main/api/contract';

/** The tasks of the panel are the engine's. */
export type TaskId = TaskKind;
/** Inpainting hides a seeded random fraction (`drop`) or the region painted with the brush. */
export type InpaintMode = 'drop' | 'brush';

/** A field of the form: a number, a per-axis count or a choice. */
export interface ParamSpec {
  key: string;
  label: string;
  help: string;
  kind: 'number' | 'int-list' | 'enum';
  min: number;
  max: number;
  step: number;
  integer: boolean;
  /** The value the field starts with; undefined = blank ("auto"). */
  default?: number | string;
  /** Blank allowed: the engine decides. */
  optional: boolean;
  /** What blank means, for the placeholder's tooltip. */
  auto?: string;
  /** Choices of an enum. */
  values?: string[];
  /** Only for these tasks (all when absent). */
  tasks?: TaskId[];
  /** A parameter of the task (drop, scale, views…), sent in the task request rather than with the method's. */
  taskParam?: boolean;
  /** Only for this way of inpainting. */
  inpaint?: InpaintMode;
  /** Shown under "Advanced" (still sent with its value). */
  advanced?: boolean;
}

/** An on/off parameter (sent as `true` when on, left out when off). */
export interface SwitchSpec {
  key: string;
  label: string;
  default: boolean;
  help: string;
  advanced?: boolean;
  /** Only for these tasks (all when absent). */
  tasks?: TaskId[];
}

export interface MethodSpec {
  id: string;
  label: string;
  short: string;
  family: MethodInfo['family'];
  tasks: TaskId[];
  params: ParamSpec[];
  switches: SwitchSpec[];
  /** The model file's extension (`.inr`, `.json`); absent: no model to export. */
  modelExt?: string;
  info: MethodInfo;
}

export interface TaskSpec {
  id: TaskId;
  label: string;
  minDims: number;
  /** Most data axes (CT: a 2-D slice); absent = no limit. */
  maxDims?: number;
}

function fieldOf(p: ParamInfo): ParamSpec | undefined {
  const base = { key: p.name, label: p.label, help: p.help, advanced: p.advanced, ...(p.tasks ? { tasks: [...p.tasks] } : {}) };
  switch (p.type) {
    case 'int':
    case 'number':
      return { ...base, kind: 'number', min: p.min, max: p.max, step: p.step, integer: p.type === 'int', default: p.default, optional: p.default === undefined, auto: p.auto };
    case 'int-list':
      return { ...base, kind: 'int-list', min: p.min, max: p.max, step: 1, integer: true, default: p.default?.[0], optional: p.default === undefined, auto: p.auto };
    case 'enum':
      return { ...base, kind: 'enum', min: 0, max: 0, step: 0, integer: false, default: p.default, optional: false, values: p.values };
    case 'bool':
      return undefined;
  }
}

const TASK_OF_PARAM: Record<string, { task: TaskId; inpaint?: InpaintMode }> = {
  drop: { task: 'inpaint', inpaint: 'drop' },
  scale: { task: 'superres' },
  zscale: { task: 'interp' },
};

/** The catalogue as the panel uses it: each method's fields and switches, task fields included. */
export function panelSpecs(cat: MethodCatalog): { methods: MethodSpec[]; tasks: TaskSpec[] } {
  const taskFields: ParamSpec[] = [];
  for (const t of cat.tasks)
    for (const p of t.params) {
      const f = fieldOf(p);
      const where = TASK_OF_PARAM[p.name];
      if (f) taskFields.push({ ...f, tasks: [where?.task ?? t.id], taskParam: true, inpaint: where?.inpaint });
    }
  const methods = cat.methods.map((m) => {
    const params = m.params.map(fieldOf).filter((f): f is ParamSpec => f !== undefined);
    const switches = m.params.flatMap((p) =>
      p.type === 'bool' ? [{ key: p.name, label: p.label, default: p.default, help: p.help, advanced: p.advanced, ...(p.tasks ? { tasks: [...p.tasks] } : {}) }] : [],
    );
    return {
      id: m.id,
      label: m.label,
      short: m.short,
      family: m.family,
      tasks: m.tasks,
      params: [...params, ...taskFields.filter((f) => f.tasks!.some((t) => m.tasks.includes(t)))],
      switches,
      modelExt: m.model?.ext,
      info: m,
    };
  });
  return { methods, tasks: cat.tasks.map((t) => ({ id: t.id, label: t.label, minDims: t.minDims, ...(t.maxDims !== undefined ? { maxDims: t.maxDims } : {}) })) };
}

/**
 * The tasks offered for a dataset of this shape and a method, as the catalogue bounds them:
 * through-plane interpolation needs a volume (minDims 3), CT a 2-D slice (maxDims 2).
 */
export function tasksFor(tasks: readonly TaskSpec[], shape: readonly number[] | undefined, method?: MethodSpec): TaskSpec[] {
  const d = shape?.length ?? 0;
  return tasks.filter((t) => d >= t.minDims && (t.maxDims === undefined || d <= t.maxDims) && (!method || method.tasks.includes(t.id)));
}

/** Why a method offers no task for this dataset (`FBP: CT from sparse views needs 2 axes; these data have 3`), or null when it offers one. */
export function noTaskReason(tasks: readonly TaskSpec[], shape: readonly number[] | undefined, method: MethodSpec): string | null {
  if (tasksFor(tasks, shape, method).length) return null;
  const d = shape?.length ?? 0;
  const own = tasks.filter((t) => method.tasks.includes(t.id));
  if (!own.length) return `${method.label} offers no task`;
  const axes = (n: number) => `${n} ${n === 1 ? 'axis' : 'axes'}`;
  const needs = own.map((t) => {
    const range = t.maxDims === undefined ? `${t.minDims} or more axes` : t.maxDims === t.minDims ? axes(t.minDims) : `${t.minDims}–${t.maxDims} axes`;
    return `${t.label} needs ${range}`;
  });
  return `${method.short || method.label}: ${needs.join('; ')}; these data have ${axes(d)}`;
}

export type ParamValue = number | string | '' | undefined;

function isBlank(v: unknown): boolean {
  return v === '' || v === undefined || v === null;
}

/** A readable reason why `value` is not allowed for `spec`, or null when it is. */
export function paramError(spec: ParamSpec, value: unknown): string | null {
  if (spec.kind === 'enum') return typeof value === 'string' && spec.values?.includes(value) ? null : `${spec.label}: choose one`;
  if (isBlank(value)) return spec.optional ? null : `${spec.label}: enter a number`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${spec.label}: enter a number`;
  if (spec.integer && !Number.isInteger(value)) return `${spec.label}: must be a whole number`;
  if (value < spec.min || value > spec.max) return `${spec.label}: between ${spec.min} and ${spec.max}`;
  return null;
}

export function paramsForTask(specs: readonly ParamSpec[], task: TaskId, inpaint: InpaintMode = 'drop'): ParamSpec[] {
  return specs.filter((s) => (!s.tasks || s.tasks.includes(task)) && (!s.inpaint || task !== 'inpaint' || s.inpaint === inpaint));
}

/** The switches that apply to a task (a CT-only switch is not shown, nor sent, for a plain fit). */
export function switchesForTask(specs: readonly SwitchSpec[], task: TaskId): SwitchSpec[] {
  return specs.filter((s) => !s.tasks || s.tasks.includes(task));
}

export function defaultParams(specs: readonly ParamSpec[]): Record<string, ParamValue> {
  return Object.fromEntries(specs.map((s) => [s.key, s.default ?? '']));
}

export function defaultSwitches(specs: readonly SwitchSpec[] | undefined): Record<string, boolean> {
  return Object.fromEntries((specs ?? []).map((s) => [s.key, s.default]));
}

/**
 * The request for the panel's state: the method's parameters that apply to the task and are
 * filled in (switches that differ from their default), and the task with its own parameters.
 */
export function fitRequestOf(
  method: MethodSpec,
  task: TaskId,
  values: Record<string, ParamValue>,
  opts: { inpaint?: InpaintMode; on?: Record<string, boolean>; check?: boolean } = {},
): { params: MethodParams; task: TaskRequest } {
  const params: Record<string, number | string | boolean | number[]> = {};
  let factor: number | undefined;
  /** The task's own parameters that are filled in (CT: views, photons, limitedAngle). */
  const own: Record<string, number> = {};
  for (const s of paramsForTask(method.params, task, opts.inpaint)) {
    const v = values[s.key];
    if (s.taskParam) {
      if (typeof v === 'number' && Number.isFinite(v)) {
        factor = v;
        own[s.key] = v;
      }
      continue;
    }
    if (s.kind === 'enum' && typeof v === 'string') params[s.key] = v;
    else if (typeof v === 'number' && Number.isFinite(v)) params[s.key] = s.kind === 'int-list' ? [v] : v;
  }
  for (const sw of switchesForTask(method.switches, task)) if (opts.on?.[sw.key] !== undefined && opts.on[sw.key] !== sw.default) params[sw.key] = opts.on[sw.key];
  const req: TaskRequest =
    task === 'inpaint'
      ? opts.inpaint === 'brush' || factor === undefined
        ? { kind: 'inpaint' }
        : { kind: 'inpaint', drop: factor }
      : task === 'superres'
        ? { kind: 'superres', scale: factor ?? 2, ...(opts.check ? { check: true } : {}) }
        : task === 'interp'
          ? { kind: 'interp', zscale: factor ?? 2, ...(opts.check ? { check: true } : {}) }
          : task === 'ct'
            ? {
                kind: 'ct',
                views: own.views ?? 60,
                ...(own.photons !== undefined ? { photons: own.photons } : {}),
                ...(own.limitedAngle !== undefined ? { limitedAngle: own.limitedAngle } : {}),
              }
            : { kind: 'fit' };
  return { params: params as MethodParams, task: req };
}
