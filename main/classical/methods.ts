/**
 * The classical baselines as a table: which task each one does, how, in which dimensions, and its
 * parameters (type, default, range, help), so a method registry can build its entries from it.
 * `refusal` gives the one-line reason a baseline cannot do a task on some data.
 *
 * Tasks (the names of the app's task kinds):
 *   inpaint  – fill the unobserved samples of the grid from the observed ones;
 *   superres – resample on a grid finer along every axis;
 *   interp   – through-plane: resample along the first axis only (volumes, series).
 */

export type ClassicalTask = 'inpaint' | 'superres' | 'interp';
export const CLASSICAL_IDS = ['linear', 'cubic', 'natural', 'nconv', 'lanczos', 'spline', 'pchip', 'nearest'] as const;
export type ClassicalMethodId = (typeof CLASSICAL_IDS)[number];

/** Parameter descriptors shaped like the method registry's (main/methods/types.ts). */
export type ClassicalParam =
  | { type: 'number'; label: string; help: string; min: number; max: number; step: number; default?: number; auto?: string; advanced?: boolean }
  | { type: 'enum'; label: string; help: string; values: readonly string[]; default: string; advanced?: boolean };

export interface ClassicalMethodInfo {
  id: ClassicalMethodId;
  label: string;
  /** A few words for a table column. */
  short: string;
  tasks: readonly ClassicalTask[];
  /** Per task: what the method does there and in which dimensions. */
  how: Partial<Record<ClassicalTask, string>>;
  /** Per task: the axes the data need (axes of length 1 count; they are ignored in the work). */
  dims: Partial<Record<ClassicalTask, { min: number }>>;
  /** Parameters (all optional); which tasks use each is said in its help. */
  params: Record<string, ClassicalParam>;
}

const RESAMPLE_ALL = 'any number of axes; edges replicate the edge sample';

export const CLASSICAL_METHODS: readonly ClassicalMethodInfo[] = [
  {
    id: 'linear',
    label: 'Linear (Delaunay / multilinear)',
    short: 'linear',
    tasks: ['inpaint', 'superres', 'interp'],
    dims: { inpaint: { min: 1 }, superres: { min: 1 }, interp: { min: 3 } },
    how: {
      inpaint:
        'Barycentric interpolation on the Delaunay triangulation of the observed samples (2-D; 3-D and more: plane by plane over the last two axes; 1-D: piecewise linear). Outside the convex hull: the nearest observed sample.',
      superres: `Multilinear interpolation (separable, ${RESAMPLE_ALL}).`,
      interp: 'Linear interpolation between slices along the first axis.',
    },
    params: {},
  },
  {
    id: 'cubic',
    label: 'Cubic (Clough–Tocher / bicubic)',
    short: 'cubic',
    tasks: ['inpaint', 'superres', 'interp'],
    dims: { inpaint: { min: 1 }, superres: { min: 1 }, interp: { min: 3 } },
    how: {
      inpaint:
        'Clough–Tocher C¹ cubic on the Delaunay triangulation of the observed samples (2-D; 3-D and more: plane by plane over the last two axes; 1-D: natural cubic spline). Outside the convex hull: the nearest observed sample.',
      superres: `Cubic convolution (Keys, a = −0.5; bicubic in 2-D, tricubic in 3-D; separable, ${RESAMPLE_ALL}).`,
      interp: 'Cubic convolution (Keys, a = −0.5, Catmull–Rom) along the first axis.',
    },
    params: {
      gradients: {
        type: 'enum',
        label: 'Vertex gradients',
        values: ['local', 'nielson'],
        default: 'local',
        advanced: true,
        help: 'Inpainting only. local: a least-squares plane through each observed sample and its Delaunay neighbours (weights 1/distance²). nielson: the global minimum-curvature estimate scipy griddata uses.',
      },
    },
  },
  {
    id: 'natural',
    label: 'Natural neighbour (Sibson)',
    short: 'natural nbr',
    tasks: ['inpaint'],
    dims: { inpaint: { min: 1 } },
    how: {
      inpaint:
        "Sibson's natural-neighbour interpolation on the Delaunay triangulation of the observed samples (2-D; 3-D and more: plane by plane over the last two axes; 1-D: piecewise linear). Outside the convex hull: the nearest observed sample.",
    },
    params: {},
  },
  {
    id: 'nconv',
    label: 'Normalised convolution',
    short: 'norm. conv.',
    tasks: ['inpaint'],
    dims: { inpaint: { min: 1 } },
    how: {
      inpaint: 'Gaussian normalised convolution of the observed samples in N-D (any number of axes), the scale doubling until every hole is filled.',
    },
    params: {
      sigma: {
        type: 'number',
        label: 'First scale σ',
        min: 0.1,
        max: 64,
        step: 0.1,
        auto: 'half the mean spacing of the observed samples',
        advanced: true,
        help: 'Width (in samples) of the Gaussian at the first scale; it doubles until every hole is filled.',
      },
      density: {
        type: 'number',
        label: 'Density to fill',
        min: 0.01,
        max: 1,
        step: 0.05,
        default: 0.25,
        advanced: true,
        help: 'A hole sample is filled at the first scale where the local density of observed samples reaches this fraction of the overall density.',
      },
    },
  },
  {
    id: 'lanczos',
    label: 'Lanczos-3',
    short: 'lanczos3',
    tasks: ['superres', 'interp'],
    dims: { superres: { min: 1 }, interp: { min: 3 } },
    how: {
      superres: `Lanczos-3 windowed sinc, weights normalised to sum 1 (separable, ${RESAMPLE_ALL}).`,
      interp: 'Lanczos-3 along the first axis.',
    },
    params: {},
  },
  {
    id: 'spline',
    label: 'Cubic B-spline',
    short: 'B-spline',
    tasks: ['superres', 'interp'],
    dims: { superres: { min: 1 }, interp: { min: 3 } },
    how: {
      superres: 'Interpolating cubic B-spline (prefiltered; as scipy.ndimage order 3), separable, any number of axes, mirror-symmetric edges.',
      interp: 'Interpolating cubic B-spline along the first axis.',
    },
    params: {},
  },
  {
    id: 'pchip',
    label: 'Monotone cubic (PCHIP)',
    short: 'pchip',
    tasks: ['superres', 'interp'],
    dims: { superres: { min: 1 }, interp: { min: 3 } },
    how: {
      superres: `Monotone piecewise cubic Hermite (Fritsch–Carlson) axis by axis: no overshoot (${RESAMPLE_ALL}).`,
      interp: 'Monotone piecewise cubic Hermite along the first axis: no overshoot at sharp edges.',
    },
    params: {},
  },
  {
    id: 'nearest',
    label: 'Nearest sample',
    short: 'nearest',
    tasks: ['inpaint', 'superres', 'interp'],
    dims: { inpaint: { min: 1 }, superres: { min: 1 }, interp: { min: 3 } },
    how: {
      inpaint: 'The nearest observed sample (Euclidean, N-D).',
      superres: 'The nearest source sample (pixel replication).',
      interp: 'The nearest slice.',
    },
    params: {},
  },
];

export function classicalMethod(id: string): ClassicalMethodInfo | undefined {
  return CLASSICAL_METHODS.find((m) => m.id === id);
}

export function isClassicalMethod(id: string): id is ClassicalMethodId {
  return (CLASSICAL_IDS as readonly string[]).includes(id);
}

/**
 * Why `method` cannot do `task` on data of this shape, in one line; undefined when it can.
 * Task 'fit' (represent the data as it is) is refused by every baseline.
 */
export function refusal(method: string, task: ClassicalTask | 'fit', shape?: readonly number[]): string | undefined {
  const m = classicalMethod(method);
  if (!m) return `'${method}' is not a classical baseline (available: ${CLASSICAL_IDS.join(', ')})`;
  if (task === 'fit') return `${method} is an interpolation baseline: it needs samples to fill (inpainting) or a grid to resample (super-resolution, through-plane)`;
  if (!m.tasks.includes(task)) {
    const doers = CLASSICAL_METHODS.filter((x) => x.tasks.includes(task)).map((x) => x.id);
    const what = task === 'inpaint' ? 'fill scattered holes' : task === 'superres' ? 'resample onto a finer grid' : 'resample through the slices';
    return `${method} cannot ${what} (methods that can: ${doers.join(', ')})`;
  }
  const min = m.dims[task]?.min ?? 1;
  if (shape && shape.length < min) {
    return task === 'interp'
      ? `through-plane resampling needs a volume or a series (${min} or more axes); these data have ${shape.length}`
      : `${method} needs ${min} or more axes; these data have ${shape.length}`;
  }
  return undefined;
}
