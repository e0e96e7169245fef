/**
 * The kernel-limit ELM's defaults per task (fit.ts): mesh, context, candidate kernels, nuggets
 * and how candidates are scored. Lengths are given in units of the finest sample spacing and
 * converted per axis, so anisotropic data (thick slices, rectangular pixels) get kernels that
 * are isotropic in physical units before any anisotropic candidate is considered.
 *
 * - inpaint (scattered samples): ν = 3⁄2; per cell, isotropic lengths 1.2…8, axis-aligned
 *   anisotropic pairs (ratio 2.5) and, in 2-D, the same pairs rotated by 45° (steering kernels);
 *   nuggets 1e-5, 1e-3, 1e-1; scored by leave-one-out. The context holds about 120 observed
 *   samples, whatever the drop rate.
 * - superres (a grid of pixel averages): the area pixel model (samples average their pixel,
 *   outputs average theirs); ν = ½, whose spectrum falls as 1/ω² per axis like natural images'
 *   (Field, JOSA A 4(12), 1987); nuggets scored by GCV.
 * - interp (slices along the first axis): point samples; ν = 5⁄2 (spline-like between slices);
 *   lengths 2 slices × 1 sample in-plane; shears of −1, 0, +1 samples per slice on the last two
 *   axes (motion-compensated interpolation), scored by leave-one-slice-out.
 * Every cell weighs its candidates by exp(−(e − e_min)/(0.1·e_min)).
 */
import { InrError } from '../../../core/errors';
import { uniformMesh } from '../mesh';
import type { ElmSpec } from '../model';
import type { KernelCandidate, KernelSpec } from './spec';

export type KernelTask = 'inpaint' | 'superres' | 'interp';

export interface KernelOptions {
  /** Physical spacing per axis (absolute values are used); default 1. */
  spacing?: number[];
  /** Fraction of the samples observed (inpainting), for the context size. */
  observedFraction?: number;
  /** 'area': samples average their pixel; 'point': point samples. Default: area for superres. */
  pixel?: 'area' | 'point';
  overlap?: number;
  seed?: number;
}

const TEMPERATURE = 0.1;

/** Lengths (in finest-spacing units) converted to samples per axis. */
function perAxis(l: number[], unit: number[]): number[] {
  return l.map((v, a) => v * unit[a]);
}

function inpaintCandidates(d: number, unit: number[]): KernelCandidate[] {
  const iso = [1.2, 2, 3, 5, 8].map((l) => ({ lengths: perAxis(new Array(d).fill(l), unit) }));
  if (d === 1) return iso;
  const out: KernelCandidate[] = [...iso];
  const pairs: Array<[number, number]> = [
    [1.2, 3],
    [2, 5],
  ];
  if (d === 2) {
    for (const [s, l] of pairs) {
      out.push({ lengths: perAxis([s, l], unit) }, { lengths: perAxis([l, s], unit) });
    }
    const c = Math.SQRT1_2;
    for (const [s, l] of pairs) {
      // Rows of the frame: the (1, 1) and (−1, 1) diagonals; unit spacing assumed along both.
      const frame = [c, c, -c, c];
      out.push({ lengths: [s * unit[0], l * unit[0]], frame }, { lengths: [l * unit[0], s * unit[0]], frame });
    }
    return out;
  }
  // 3-D and up: one axis long at a time.
  for (const [s, l] of pairs)
    for (let a = 0; a < d; a++) {
      const v = new Array(d).fill(s);
      v[a] = l;
      out.push({ lengths: perAxis(v, unit) });
    }
  return out;
}

/** Core width and context per axis so a context holds about `target` observed samples. */
function scatterLayout(d: number, fraction: number, target = 120): { width: number; context: number } {
  const side = Math.max(4, Math.pow(target / Math.max(fraction, 1e-3), 1 / d));
  const width = Math.max(2, Math.round(side / 2.25));
  const context = Math.max(1, Math.ceil((side - width) / 2));
  return { width, context };
}

/** The spec of a kernel-limit ELM for `task` on data of `shape` × `channels`. */
export function kernelElmSpec(shape: number[], channels: number, task: KernelTask, opts: KernelOptions = {}): ElmSpec {
  const d = shape.length;
  const spacing = (opts.spacing ?? shape.map(() => 1)).map((s) => (Number.isFinite(s) && s !== 0 ? Math.abs(s) : 1));
  const finest = Math.min(...spacing);
  // One finest-spacing unit in samples of each axis.
  const unit = spacing.map((s) => finest / s);
  const overlap = opts.overlap ?? 0.15;
  let widths: number[];
  let ks: KernelSpec;
  if (task === 'inpaint') {
    const { width, context } = scatterLayout(d, opts.observedFraction ?? 1);
    widths = shape.map(() => width);
    ks = {
      nu: 1.5,
      candidates: inpaintCandidates(d, unit),
      nuggets: [1e-5, 1e-3, 1e-1],
      context: shape.map(() => context),
      pixel: shape.map(() => (opts.pixel === 'area' ? 0.5 : 0)),
      criterion: 'loo',
      temperature: TEMPERATURE,
    };
  } else if (task === 'superres') {
    widths = shape.map(() => 16);
    ks = {
      nu: 0.5,
      candidates: [{ lengths: perAxis(new Array(d).fill(1), unit) }],
      nuggets: [1e-6, 1e-4, 1e-2],
      context: shape.map(() => 6),
      pixel: shape.map(() => (opts.pixel === 'point' ? 0 : 0.5)),
      criterion: 'gcv',
      temperature: TEMPERATURE,
    };
  } else {
    if (d < 2) throw new InrError('E_ARG', 'through-plane interpolation needs at least two axes');
    widths = shape.map((_, a) => (a === 0 ? 4 : 8));
    const lengths = shape.map((_, a) => (a === 0 ? 2 : 1));
    const planeAxes = [d - 2, d - 1].filter((a) => a >= 1);
    const shears: number[][] = [];
    const rec = (i: number, cur: number[]) => {
      if (i === planeAxes.length) {
        shears.push(cur.slice());
        return;
      }
      for (const s of [-1, 0, 1]) {
        cur[planeAxes[i]] = s;
        rec(i + 1, cur);
      }
      cur[planeAxes[i]] = 0;
    };
    rec(0, new Array(d).fill(0));
    ks = {
      nu: 2.5,
      candidates: shears.map((shear) => ({ lengths: lengths.slice(), shear })),
      nuggets: [1e-6, 1e-4, 1e-2],
      context: shape.map((_, a) => (a === 0 ? 2 : 3)),
      pixel: shape.map(() => (opts.pixel === 'area' ? 0.5 : 0)),
      criterion: 'slice',
      temperature: TEMPERATURE,
    };
  }
  const cells = shape.map((L, a) => Math.max(1, Math.ceil(L / Math.min(L, widths[a]))));
  const mesh = uniformMesh(shape, cells, overlap);
  return {
    method: 'elm',
    shape: [...shape],
    cells: mesh.axes.map((ax) => ax.cells),
    overlap,
    hidden: 1,
    activation: 'sine',
    omega: shape.map(() => 0),
    seed: opts.seed ?? 1,
    ridge: 0,
    channels,
    affine: false,
    kernel: ks,
  };
}
