/**
 * Scattered interpolation on one plane (the last two axes, H rows × W columns) from its observed
 * pixel centres, on their Delaunay triangulation (x = column, y = row, in sample-index units):
 *
 * - 'linear': barycentric interpolation in the containing triangle,
 *   f(q) = λa f_a + λb f_b + λc f_c (exact for affine data; what scipy's griddata 'linear' does).
 * - 'cubic': the Clough–Tocher C¹ cubic element (clough-tocher.ts) with Nielson's
 *   minimum-curvature vertex gradients (gradients.ts) (what griddata 'cubic' does).
 *
 * Only pixels inside the convex hull of the observed ones are written (and flagged in `filled`);
 * the caller fills the rest (nearest observed sample). Returns false when the plane's observed
 * pixels do not span a triangle (fewer than 3, or all on one line).
 */
import { delaunay } from './delaunay';
import { estimateGradients, type GradientOptions } from './gradients';
import { CT_COEFFS, ctCoefficients, ctEvaluate } from './clough-tocher';
import { rasterTriangles } from './raster';
import { type ClassicalHooks, stage } from './hooks';

export type PlaneMethod = 'linear' | 'cubic';

export interface PlaneSpec {
  /** The whole array (all planes), channel-last; written in place. */
  values: Float32Array;
  channels: number;
  /** Flat sample index of the plane's first pixel. */
  offset: number;
  H: number;
  W: number;
  /** Whole-array masks: 1 = observed; 1 = has a value (set here for the pixels written). */
  observed: Uint8Array;
  filled: Uint8Array;
}

export function fillPlane(method: PlaneMethod, p: PlaneSpec, hooks: ClassicalHooks = {}, gradient: GradientOptions = {}, progress: [number, number] = [0, 1]): boolean {
  const { values, channels: C, offset, H, W, observed, filled } = p;
  const HW = H * W;
  let m = 0;
  for (let i = 0; i < HW; i++) m += observed[offset + i];
  if (m < 3) return false;
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  const ids = new Int32Array(m); // flat sample index of each point
  for (let i = 0, k = 0; i < HW; i++) {
    if (!observed[offset + i]) continue;
    xs[k] = i % W;
    ys[k] = Math.floor(i / W);
    ids[k++] = offset + i;
  }
  const [from, to] = progress;
  const span = to - from;
  const tri = delaunay(xs, ys, { ...hooks, onProgress: (s, f) => hooks.onProgress?.(s, from + span * 0.3 * f) });
  if (!tri) return false;
  const done = new Uint8Array(HW);
  for (let i = 0; i < HW; i++) done[i] = observed[offset + i] | filled[offset + i];
  const T = tri.triangles;
  if (method === 'linear') {
    const tick = stage(hooks, 'interpolating', from + span * 0.3, to);
    let a = 0;
    let b = 0;
    let c = 0;
    rasterTriangles(
      tri,
      W,
      done,
      (t) => {
        a = ids[T[3 * t]] * C;
        b = ids[T[3 * t + 1]] * C;
        c = ids[T[3 * t + 2]] * C;
      },
      (_t, pix, la, lb, lc) => {
        const o = (offset + pix) * C;
        for (let ch = 0; ch < C; ch++) values[o + ch] = la * values[a + ch] + lb * values[b + ch] + lc * values[c + ch];
        filled[offset + pix] = 1;
      },
      tick,
    );
    return true;
  }
  const gTick = stage(hooks, 'estimating gradients', from + span * 0.3, from + span * 0.7);
  const g = estimateGradients(tri, C, (i, ch) => values[ids[i] * C + ch], gradient, gTick);
  const coef = new Float64Array(CT_COEFFS * C);
  const px = new Float64Array(3);
  const py = new Float64Array(3);
  const f = new Float64Array(3);
  const gx = new Float64Array(3);
  const gy = new Float64Array(3);
  const tick = stage(hooks, 'interpolating', from + span * 0.7, to);
  rasterTriangles(
    tri,
    W,
    done,
    (t) => {
      for (let k = 0; k < 3; k++) {
        const v = T[3 * t + k];
        px[k] = tri.xs[v];
        py[k] = tri.ys[v];
      }
      for (let ch = 0; ch < C; ch++) {
        for (let k = 0; k < 3; k++) {
          const v = T[3 * t + k];
          f[k] = values[ids[v] * C + ch];
          gx[k] = g[(v * C + ch) * 2];
          gy[k] = g[(v * C + ch) * 2 + 1];
        }
        ctCoefficients(px, py, f, gx, gy, coef, ch * CT_COEFFS);
      }
    },
    (_t, pix, la, lb, lc) => {
      const o = (offset + pix) * C;
      for (let ch = 0; ch < C; ch++) values[o + ch] = ctEvaluate(coef, ch * CT_COEFFS, la, lb, lc);
      filled[offset + pix] = 1;
    },
    tick,
  );
  return true;
}
