/**
 * The parallel-beam Radon transform A of a 2-D slice and its exact adjoint Aᵀ (back-projection),
 * as one matched pair of matrix-free kernels on typed arrays with float64 accumulation.
 *
 * Geometry (scikit-image's `radon(image, theta, circle=False)` convention, so the two can be
 * compared; our sinogram is the transpose of scikit-image's: rows = angles, columns = bins):
 * - The image has H rows and W columns of square pixels of side `pixelSize` (physical units).
 *   Pixel (i, j) (row i, column j) sits at x = j − cx, y = cy − i in pixel units, with the
 *   rotation centre at the pixel index (cy, cx) = (⌊H/2⌋, ⌊W/2⌋): x points right along the
 *   columns, y points up (against the row index).
 * - Angles θ are in radians at this API (sinogram.ts converts from degrees). The view at θ
 *   integrates along the lines x·cosθ + y·sinθ = s: θ = 0 sums each column (s = x), θ = π/2 sums
 *   each row (s = y, so bin order runs from the bottom row to the top row). θ grows
 *   counter-clockwise in this (x right, y up) frame.
 * - The detector has `detectors` bins of width `pixelSize`, bin k at s = k − ⌊detectors/2⌋
 *   (pixel units); the default ⌈√(H² + W²)⌉ covers the whole image at every angle (for square
 *   images this is scikit-image's padded size ⌈√2·max(H, W)⌉).
 *
 * Discretisation (the rotation projector scikit-image uses: rotate with bilinear interpolation,
 * then sum the columns): along the ray (θ, s) the points
 *   p(t) = s·(cosθ, sinθ) + t·(−sinθ, cosθ),   t ∈ ℤ/n (n = `oversample` samples per pixel length),
 * are read by bilinear interpolation of the pixel values (zero outside the image), and
 *   (A x)[θ, s] = (pixelSize/n) · Σ_t bilinear(x, p(t)).
 * n = 1 (the default) is scikit-image's discretisation. The rectangle rule's error at sharp edges
 * falls as 1/n² (a uniform disk's interior chords: max relative error about 5e-3 at n = 1, below
 * 1e-3 at n = 4; tests/unit/ct-radon.test.ts), so sinograms are simulated with n = 4 and
 * reconstructed with n = 1, which also keeps the simulation from being the reconstructor's own model.
 * A is a sparse matrix with at most 4 entries per sample; Aᵀ scatters y[θ, s]·pixelSize with the
 * same bilinear weights (computed by the same arithmetic, so ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ to rounding).
 * For a constant image the sum is the chord length to within one sample at each end; on smooth
 * images it is the line integral of the bilinear interpolant by the rectangle rule.
 *
 * Both kernels also run on a rectangular sub-box of the image (rows i0…i1−1, columns j0…j1−1)
 * with the same ray lattice: the result equals the full operator applied to the box's pixels
 * embedded in zeros. That makes per-subdomain Gram blocks cheap (elm-ct.ts).
 */
import { InrError } from '../core/errors';

export interface ParallelGeometry {
  /** Image rows (H) and columns (W). */
  height: number;
  width: number;
  /** View angles in radians. */
  angles: Float64Array;
  /** Detector bins per view. */
  detectors: number;
  /** Side of a pixel and width of a detector bin, in physical units (default 1). */
  pixelSize: number;
  /** Samples per pixel length along each ray (1 = scikit-image's discretisation). */
  oversample: number;
}

export interface GeometryOptions {
  detectors?: number;
  pixelSize?: number;
  oversample?: number;
}

/** The default detector count: the image diagonal in pixels, rounded up. */
export function defaultDetectors(height: number, width: number): number {
  return Math.ceil(Math.sqrt(height * height + width * width));
}

/** Check and complete a parallel-beam geometry. Angles in radians. */
export function parallelGeometry(height: number, width: number, angles: ArrayLike<number>, opts: GeometryOptions = {}): ParallelGeometry {
  if (!Number.isInteger(height) || height < 1 || !Number.isInteger(width) || width < 1) {
    throw new InrError('E_ARG', `the CT image size must be positive integers, got ${height}×${width}`);
  }
  if (angles.length === 0) throw new InrError('E_ARG', 'the CT geometry needs at least one view (angle)');
  for (let i = 0; i < angles.length; i++) {
    if (!Number.isFinite(angles[i])) throw new InrError('E_ARG', `angle ${i} is not a finite number (${angles[i]})`);
  }
  const detectors = opts.detectors ?? defaultDetectors(height, width);
  if (!Number.isInteger(detectors) || detectors < 1) throw new InrError('E_ARG', `detector bins must be a positive integer, got ${detectors}`);
  const pixelSize = opts.pixelSize ?? 1;
  if (!(pixelSize > 0) || !Number.isFinite(pixelSize)) throw new InrError('E_ARG', `pixel size must be positive, got ${pixelSize}`);
  const oversample = opts.oversample ?? 1;
  if (!Number.isInteger(oversample) || oversample < 1 || oversample > 64) throw new InrError('E_ARG', `oversample must be an integer in [1, 64], got ${oversample}`);
  return { height, width, angles: Float64Array.from(angles), detectors, pixelSize, oversample };
}

/** Rows i0…i1−1, columns j0…j1−1 of the image. */
export interface PixelBox {
  i0: number;
  i1: number;
  j0: number;
  j1: number;
}

function fullBox(g: ParallelGeometry): PixelBox {
  return { i0: 0, i1: g.height, j0: 0, j1: g.width };
}

/**
 * The ray (θ, s) in pixel-index coordinates: column(t) = c0 + t·dc, row(t) = r0 + t·dr, and the
 * integer range [t0, t1] of samples whose bilinear stencil can touch the box (column in
 * (j0 − 1, j1), row in (i0 − 1, i1)); t1 < t0 when the ray misses the box.
 */
interface Ray {
  c0: number;
  r0: number;
  dc: number;
  dr: number;
  t0: number;
  t1: number;
}

/** Open interval of t where lo < p0 + t·dp < hi, intersected with (lo_t, hi_t). */
function clip(p0: number, dp: number, lo: number, hi: number, ray: Ray): boolean {
  if (Math.abs(dp) < 1e-12) return p0 > lo && p0 < hi;
  let a = (lo - p0) / dp;
  let b = (hi - p0) / dp;
  if (a > b) {
    const t = a;
    a = b;
    b = t;
  }
  // Integer t strictly inside (a, b); positions on the boundary have zero weight in the box.
  const t0 = Math.floor(a) + 1;
  const t1 = Math.ceil(b) - 1;
  if (t0 > ray.t0) ray.t0 = t0;
  if (t1 < ray.t1) ray.t1 = t1;
  return true;
}

function setRay(cos: number, sin: number, s: number, cx: number, cy: number, box: PixelBox, ray: Ray, n: number): void {
  ray.c0 = cx + s * cos;
  ray.r0 = cy - s * sin;
  ray.dc = -sin / n;
  ray.dr = -cos / n;
  ray.t0 = -Infinity;
  ray.t1 = Infinity;
  if (!clip(ray.c0, ray.dc, box.j0 - 1, box.j1, ray) || !clip(ray.r0, ray.dr, box.i0 - 1, box.i1, ray)) {
    ray.t0 = 1;
    ray.t1 = 0;
  }
}

/**
 * The samples of `ray` whose whole 2×2 stencil lies inside the box (column in (j0, j1 − 1), row in
 * (i0, i1 − 1)), shrunk by one sample at each end so that rounding of c0 + t·dc can never put a
 * sample of the fast loop outside; the others go through the checked `edge*` path.
 */
const inner: Ray = { c0: 0, r0: 0, dc: 0, dr: 0, t0: 0, t1: 0 };

function interior(ray: Ray, box: PixelBox, out: [number, number]): void {
  inner.t0 = -Infinity;
  inner.t1 = Infinity;
  if (!clip(ray.c0, ray.dc, box.j0, box.j1 - 1, inner) || !clip(ray.r0, ray.dr, box.i0, box.i1 - 1, inner)) {
    out[0] = 1;
    out[1] = 0;
    return;
  }
  out[0] = inner.t0 + 1;
  out[1] = inner.t1 - 1;
}

/** One sample's bilinear read with every corner checked against the box. */
function edgeGather(x: ArrayLike<number>, c: number, r: number, box: PixelBox, bw: number): number {
  const j = Math.floor(c);
  const i = Math.floor(r);
  const fx = c - j;
  const fy = r - i;
  const li = i - box.i0;
  const lj = j - box.j0;
  let acc = 0;
  if (i >= box.i0 && i < box.i1) {
    if (j >= box.j0 && j < box.j1) acc += (1 - fy) * (1 - fx) * x[li * bw + lj];
    if (j + 1 >= box.j0 && j + 1 < box.j1) acc += (1 - fy) * fx * x[li * bw + lj + 1];
  }
  if (i + 1 >= box.i0 && i + 1 < box.i1) {
    if (j >= box.j0 && j < box.j1) acc += fy * (1 - fx) * x[(li + 1) * bw + lj];
    if (j + 1 >= box.j0 && j + 1 < box.j1) acc += fy * fx * x[(li + 1) * bw + lj + 1];
  }
  return acc;
}

/** The transpose of `edgeGather`: scatter `val` with the same weights. */
function edgeScatter(x: Float64Array, c: number, r: number, box: PixelBox, bw: number, val: number): void {
  const j = Math.floor(c);
  const i = Math.floor(r);
  const fx = c - j;
  const fy = r - i;
  const li = i - box.i0;
  const lj = j - box.j0;
  if (i >= box.i0 && i < box.i1) {
    if (j >= box.j0 && j < box.j1) x[li * bw + lj] += (1 - fy) * (1 - fx) * val;
    if (j + 1 >= box.j0 && j + 1 < box.j1) x[li * bw + lj + 1] += (1 - fy) * fx * val;
  }
  if (i + 1 >= box.i0 && i + 1 < box.i1) {
    if (j >= box.j0 && j < box.j1) x[(li + 1) * bw + lj] += fy * (1 - fx) * val;
    if (j + 1 >= box.j0 && j + 1 < box.j1) x[(li + 1) * bw + lj + 1] += fy * fx * val;
  }
}

/**
 * Range of detector bins k whose ray can touch the box at angle θ: the box's pixel centres
 * project to s = x·cosθ + y·sinθ, and a bilinear stencil reaches one pixel further on each axis.
 */
function binRange(g: ParallelGeometry, cos: number, sin: number, box: PixelBox): [number, number] {
  const cx = Math.floor(g.width / 2);
  const cy = Math.floor(g.height / 2);
  const dcBin = Math.floor(g.detectors / 2);
  const xs = [box.j0 - 1 - cx, box.j1 - cx];
  const ys = [cy - (box.i0 - 1), cy - box.i1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs)
    for (const y of ys) {
      const s = x * cos + y * sin;
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
  const k0 = Math.max(0, Math.floor(lo) + dcBin);
  const k1 = Math.min(g.detectors - 1, Math.ceil(hi) + dcBin);
  return [k0, k1];
}

function viewList(g: ParallelGeometry, views?: ArrayLike<number>): ArrayLike<number> {
  if (!views) return { length: g.angles.length } as ArrayLike<number>;
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    if (!Number.isInteger(v) || v < 0 || v >= g.angles.length) throw new InrError('E_ARG', `view index ${v} is out of range (0…${g.angles.length - 1})`);
  }
  return views;
}

export interface ApplyOptions {
  /** Only these views (indices into the angles); the other rows of the output are left untouched. */
  views?: ArrayLike<number>;
  /** The image argument covers only this box (row-major, (i1−i0)×(j1−j0)). Default: the whole image. */
  box?: PixelBox;
}

/**
 * y = A x: the sinogram (views × bins, row-major, rows = angles) of the image x (H×W, row-major,
 * or the box's pixels). `out` is overwritten on the requested views (allocated when absent).
 */
export function radonForward(g: ParallelGeometry, x: ArrayLike<number>, out?: Float64Array, opts: ApplyOptions = {}): Float64Array {
  const box = opts.box ?? fullBox(g);
  const bw = box.j1 - box.j0;
  const bh = box.i1 - box.i0;
  if (x.length !== bw * bh) throw new InrError('E_ARG', `the image has ${x.length} values, the CT geometry needs ${bh}×${bw}`);
  const nd = g.detectors;
  const y = out ?? new Float64Array(g.angles.length * nd);
  if (y.length !== g.angles.length * nd) throw new InrError('E_ARG', `the sinogram buffer has ${y.length} values, expected ${g.angles.length}×${nd}`);
  const cx = Math.floor(g.width / 2);
  const cy = Math.floor(g.height / 2);
  const dcBin = Math.floor(nd / 2);
  const views = viewList(g, opts.views);
  const ray: Ray = { c0: 0, r0: 0, dc: 0, dr: 0, t0: 0, t1: 0 };
  const span: [number, number] = [0, 0];
  const { i0, j0 } = box;
  const scale = g.pixelSize / g.oversample;
  for (let vi = 0; vi < views.length; vi++) {
    const v = opts.views ? views[vi] : vi;
    const th = g.angles[v];
    const cos = Math.cos(th);
    const sin = Math.sin(th);
    const row = v * nd;
    y.fill(0, row, row + nd);
    const [k0, k1] = binRange(g, cos, sin, box);
    for (let k = k0; k <= k1; k++) {
      setRay(cos, sin, k - dcBin, cx, cy, box, ray, g.oversample);
      const { c0, r0, dc, dr, t0, t1 } = ray;
      interior(ray, box, span);
      const ta = Math.max(t0, span[0]);
      const tb = Math.min(t1, span[1]);
      let acc = 0;
      if (ta > tb) {
        for (let t = t0; t <= t1; t++) acc += edgeGather(x, c0 + t * dc, r0 + t * dr, box, bw);
      } else {
        for (let t = t0; t < ta; t++) acc += edgeGather(x, c0 + t * dc, r0 + t * dr, box, bw);
        for (let t = ta; t <= tb; t++) {
          const c = c0 + t * dc;
          const r = r0 + t * dr;
          const j = Math.floor(c);
          const i = Math.floor(r);
          const fx = c - j;
          const fy = r - i;
          const p = (i - i0) * bw + j - j0;
          acc += (1 - fy) * ((1 - fx) * x[p] + fx * x[p + 1]) + fy * ((1 - fx) * x[p + bw] + fx * x[p + bw + 1]);
        }
        for (let t = tb + 1; t <= t1; t++) acc += edgeGather(x, c0 + t * dc, r0 + t * dr, box, bw);
      }
      y[row + k] = acc * scale;
    }
  }
  return y;
}

/**
 * x = Aᵀ y: the exact adjoint (back-projection with the forward model's bilinear weights) of the
 * sinogram y (views × bins). `out` (H×W or the box) is overwritten.
 */
export function radonAdjoint(g: ParallelGeometry, y: ArrayLike<number>, out?: Float64Array, opts: ApplyOptions = {}): Float64Array {
  const box = opts.box ?? fullBox(g);
  const bw = box.j1 - box.j0;
  const bh = box.i1 - box.i0;
  const nd = g.detectors;
  if (y.length !== g.angles.length * nd) throw new InrError('E_ARG', `the sinogram has ${y.length} values, the CT geometry needs ${g.angles.length}×${nd}`);
  const x = out ?? new Float64Array(bw * bh);
  if (x.length !== bw * bh) throw new InrError('E_ARG', `the image buffer has ${x.length} values, expected ${bh}×${bw}`);
  x.fill(0);
  const cx = Math.floor(g.width / 2);
  const cy = Math.floor(g.height / 2);
  const dcBin = Math.floor(nd / 2);
  const views = viewList(g, opts.views);
  const ray: Ray = { c0: 0, r0: 0, dc: 0, dr: 0, t0: 0, t1: 0 };
  const span: [number, number] = [0, 0];
  const { i0, j0 } = box;
  const scale = g.pixelSize / g.oversample;
  for (let vi = 0; vi < views.length; vi++) {
    const v = opts.views ? views[vi] : vi;
    const th = g.angles[v];
    const cos = Math.cos(th);
    const sin = Math.sin(th);
    const row = v * nd;
    const [k0, k1] = binRange(g, cos, sin, box);
    for (let k = k0; k <= k1; k++) {
      const val = y[row + k] * scale;
      if (val === 0) continue;
      setRay(cos, sin, k - dcBin, cx, cy, box, ray, g.oversample);
      const { c0, r0, dc, dr, t0, t1 } = ray;
      interior(ray, box, span);
      const ta = Math.max(t0, span[0]);
      const tb = Math.min(t1, span[1]);
      if (ta > tb) {
        for (let t = t0; t <= t1; t++) edgeScatter(x, c0 + t * dc, r0 + t * dr, box, bw, val);
      } else {
        for (let t = t0; t < ta; t++) edgeScatter(x, c0 + t * dc, r0 + t * dr, box, bw, val);
        for (let t = ta; t <= tb; t++) {
          const c = c0 + t * dc;
          const r = r0 + t * dr;
          const j = Math.floor(c);
          const i = Math.floor(r);
          const fx = c - j;
          const fy = r - i;
          const p = (i - i0) * bw + j - j0;
          const a = (1 - fy) * val;
          const b = fy * val;
          x[p] += (1 - fx) * a;
          x[p + 1] += fx * a;
          x[p + bw] += (1 - fx) * b;
          x[p + bw + 1] += fx * b;
        }
        for (let t = tb + 1; t <= t1; t++) edgeScatter(x, c0 + t * dc, r0 + t * dr, box, bw, val);
      }
    }
  }
  return x;
}

/** A in compressed sparse row form (rows = views × bins, columns = H·W pixels), duplicates merged. */
export interface CsrMatrix {
  rows: number;
  cols: number;
  /** rows + 1 offsets into `indices` / `values`. */
  indptr: Int32Array;
  indices: Int32Array;
  values: Float32Array;
}

/**
 * The projector as an explicit sparse matrix (for tfjs, tests and small problems): the same
 * samples and bilinear weights as `radonForward`, with the entries of one pixel along one ray
 * summed. Values are float32 (the weights lie in [0, pixelSize·few]).
 */
export function radonMatrix(g: ParallelGeometry): CsrMatrix {
  const H = g.height;
  const W = g.width;
  const nd = g.detectors;
  const rows = g.angles.length * nd;
  const cx = Math.floor(W / 2);
  const cy = Math.floor(H / 2);
  const dcBin = Math.floor(nd / 2);
  const box = fullBox(g);
  const ray: Ray = { c0: 0, r0: 0, dc: 0, dr: 0, t0: 0, t1: 0 };
  const dense = new Float64Array(H * W);
  const touched = new Int32Array(H * W);
  const mark = new Uint8Array(H * W);
  const indptr = new Int32Array(rows + 1);
  let cap = 1 << 16;
  let indices = new Int32Array(cap);
  let values = new Float32Array(cap);
  let nnz = 0;
  const add = (p: number, w: number, count: { n: number }) => {
    if (!mark[p]) {
      mark[p] = 1;
      touched[count.n++] = p;
    }
    dense[p] += w;
  };
  for (let v = 0; v < g.angles.length; v++) {
    const cos = Math.cos(g.angles[v]);
    const sin = Math.sin(g.angles[v]);
    const [k0, k1] = binRange(g, cos, sin, box);
    for (let k = 0; k < nd; k++) {
      const rowId = v * nd + k;
      indptr[rowId] = nnz;
      if (k < k0 || k > k1) continue;
      setRay(cos, sin, k - dcBin, cx, cy, box, ray, g.oversample);
      const count = { n: 0 };
      for (let t = ray.t0; t <= ray.t1; t++) {
        const c = ray.c0 + t * ray.dc;
        const r = ray.r0 + t * ray.dr;
        const j = Math.floor(c);
        const i = Math.floor(r);
        const fx = c - j;
        const fy = r - i;
        if (i >= 0 && i < H) {
          if (j >= 0 && j < W) add(i * W + j, (1 - fy) * (1 - fx), count);
          if (j + 1 >= 0 && j + 1 < W) add(i * W + j + 1, (1 - fy) * fx, count);
        }
        if (i + 1 >= 0 && i + 1 < H) {
          if (j >= 0 && j < W) add((i + 1) * W + j, fy * (1 - fx), count);
          if (j + 1 >= 0 && j + 1 < W) add((i + 1) * W + j + 1, fy * fx, count);
        }
      }
      const list = touched.subarray(0, count.n).sort();
      if (nnz + list.length > cap) {
        while (nnz + list.length > cap) cap *= 2;
        const ni = new Int32Array(cap);
        ni.set(indices.subarray(0, nnz));
        indices = ni;
        const nv = new Float32Array(cap);
        nv.set(values.subarray(0, nnz));
        values = nv;
      }
      for (const p of list) {
        if (dense[p] !== 0) {
          indices[nnz] = p;
          values[nnz] = (dense[p] * g.pixelSize) / g.oversample;
          nnz++;
        }
        dense[p] = 0;
        mark[p] = 0;
      }
    }
  }
  indptr[rows] = nnz;
  return { rows, cols: H * W, indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
}

/** y = M x for a CSR matrix (float64 accumulation). */
export function csrMultiply(M: CsrMatrix, x: ArrayLike<number>, out?: Float64Array): Float64Array {
  const y = out ?? new Float64Array(M.rows);
  for (let r = 0; r < M.rows; r++) {
    let acc = 0;
    for (let p = M.indptr[r]; p < M.indptr[r + 1]; p++) acc += M.values[p] * x[M.indices[p]];
    y[r] = acc;
  }
  return y;
}

/** The transpose of a CSR matrix, in CSR form (i.e. the matrix in compressed sparse column form). */
export function csrTranspose(M: CsrMatrix): CsrMatrix {
  const counts = new Int32Array(M.cols + 1);
  for (let p = 0; p < M.indices.length; p++) counts[M.indices[p] + 1]++;
  for (let c = 0; c < M.cols; c++) counts[c + 1] += counts[c];
  const indptr = counts.slice();
  const next = counts.slice(0, M.cols);
  const indices = new Int32Array(M.indices.length);
  const values = new Float32Array(M.indices.length);
  for (let r = 0; r < M.rows; r++) {
    for (let p = M.indptr[r]; p < M.indptr[r + 1]; p++) {
      const c = M.indices[p];
      const q = next[c]++;
      indices[q] = r;
      values[q] = M.values[p];
    }
  }
  return { rows: M.cols, cols: M.rows, indptr, indices, values };
}

/**
 * A pixel-driven back-projector, NOT the adjoint of A: every pixel reads each view's profile by
 * linear interpolation at its own s = x·cosθ + y·sinθ, times `weights[v]` (zero outside the
 * detector). This is the smooth back-projection of filtered back-projection (scikit-image's
 * `iradon` with linear interpolation does the same).
 */
export function backprojectInterp(g: ParallelGeometry, q: ArrayLike<number>, weights: ArrayLike<number>, out?: Float64Array): Float64Array {
  const H = g.height;
  const W = g.width;
  const nd = g.detectors;
  if (q.length !== g.angles.length * nd) throw new InrError('E_ARG', `the filtered sinogram has ${q.length} values, expected ${g.angles.length}×${nd}`);
  const x = out ?? new Float64Array(H * W);
  x.fill(0);
  const cx = Math.floor(W / 2);
  const cy = Math.floor(H / 2);
  const dcBin = Math.floor(nd / 2);
  for (let v = 0; v < g.angles.length; v++) {
    const wv = weights[v];
    if (wv === 0) continue;
    const cos = Math.cos(g.angles[v]);
    const sin = Math.sin(g.angles[v]);
    const row = v * nd;
    for (let i = 0; i < H; i++) {
      const y = cy - i;
      // Bin coordinate u = s + dcBin = (j − cx)·cos + y·sin + dcBin, linear in j.
      const u0 = -cx * cos + y * sin + dcBin;
      const o = i * W;
      for (let j = 0; j < W; j++) {
        const u = u0 + j * cos;
        const k = Math.floor(u);
        if (k < 0 || k >= nd - 1) {
          if (k === nd - 1 && u === k) x[o + j] += wv * q[row + k];
          continue;
        }
        const f = u - k;
        x[o + j] += wv * ((1 - f) * q[row + k] + f * q[row + k + 1]);
      }
    }
  }
  return x;
}
