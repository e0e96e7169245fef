/**
 * Scattered-data inpainting: keep the observed samples, fill the others.
 *
 * Axes of length 1 are ignored (a 1×W image is a line). Then, by the number of remaining axes:
 * - 'linear', 'cubic' (and 'natural'):
 *     1 axis  → along the line (line1d.ts): piecewise linear / natural cubic spline
 *               ('natural' = piecewise linear, Sibson's interpolant is linear in 1-D);
 *     2 axes  → on the Delaunay triangulation of the observed pixel centres (planar.ts);
 *     3+ axes → the same, plane by plane over the last two axes (a volume slice by slice, a time
 *               series date by date): samples are never borrowed across planes, so each plane
 *               is what a 2-D viewer would do with it.
 *   Samples outside the convex hull of their plane's observed samples (and whole planes with
 *   fewer than 3 non-collinear observed samples) take the value of the nearest observed sample
 *   in N-D (Euclidean, sample-index units; nearest.ts). No extrapolation.
 * - 'nconv': normalised convolution in N-D, any number of axes (nconv.ts).
 * - 'nearest': the nearest observed sample in N-D.
 */
import { InrError } from '../core/errors';
import { fillLine } from './line1d';
import { fillPlane } from './planar';
import { fillNearest } from './nearest';
import { nconvFill } from './nconv';
import { fillPlaneNatural } from './natural';
import { type ClassicalHooks, checkCancelled } from './hooks';

export type InpaintMethod = 'linear' | 'cubic' | 'natural' | 'nconv' | 'nearest';

export interface InpaintParams {
  /** 'cubic': vertex gradients from a local least-squares plane (default) or Nielson's global minimum-curvature network (as scipy). */
  gradients?: 'local' | 'nielson';
  /** 'nconv': first scale in samples (default: half the mean spacing of the observed samples). */
  sigma?: number;
  /** 'nconv': local density, as a fraction of the global one, needed to fill at a scale (default 0.25). */
  density?: number;
}

export function inpaintField(
  method: InpaintMethod,
  values: Float32Array,
  shape: readonly number[],
  C: number,
  observed: Uint8Array,
  hooks: ClassicalHooks = {},
  params: InpaintParams = {},
): Float32Array {
  checkCancelled(hooks);
  const N = observed.length;
  const out = values.slice();
  const filled = observed.slice();
  let M = 0;
  for (let i = 0; i < N; i++) M += observed[i] ? 1 : 0;
  if (M === 0) throw new InrError('E_DATA', 'the mask hides every sample: nothing to interpolate from');
  // Never let a NaN in a hidden sample leak into a filter: hidden samples start at 0.
  for (let i = 0; i < N; i++) if (!observed[i]) for (let c = 0; c < C; c++) out[i * C + c] = 0;
  if (M === N) return out;
  const dims = shape.filter((s) => s > 1);
  const progress = hooks.onProgress ?? (() => {});
  if (method === 'nearest' || dims.length === 0) {
    fillNearest(out, C, shape, observed, filled, hooks);
  } else if (method === 'nconv') {
    nconvFill(out, C, shape, observed, filled, { sigma: params.sigma, minDensity: params.density }, hooks);
  } else if (dims.length === 1) {
    fillLine(method === 'cubic' ? 'cubic' : 'linear', out, C, dims[0], observed);
  } else {
    const H = dims[dims.length - 2];
    const W = dims[dims.length - 1];
    const planes = N / (H * W);
    for (let p = 0; p < planes; p++) {
      checkCancelled(hooks);
      const range: [number, number] = [(0.95 * p) / planes, (0.95 * (p + 1)) / planes];
      const plane = { values: out, channels: C, offset: p * H * W, H, W, observed, filled };
      if (method === 'natural') fillPlaneNatural(plane, hooks, range);
      else fillPlane(method, plane, hooks, { maxSweeps: params.gradients === 'nielson' ? 400 : 0 }, range);
    }
    progress('filling outside the hull', 0.95);
    fillNearest(out, C, shape, observed, filled, hooks);
  }
  progress('done', 1);
  return out;
}
