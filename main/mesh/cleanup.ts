/**
 * Clean-up of an occupancy grid made from a volume, as a segmentation editor offers it before a
 * surface is exported (3D Slicer's "Smoothing", "Islands" and "Fill holes"), in this order:
 *
 * - **Smooth**: the 0/1 grid blurred by a Gaussian of σ in the grid's length units (mm), then
 *   inside where the blur is ≥ ½. Specks and wires thinner than about σ go, a ragged boundary
 *   (CT noise at the threshold) becomes smooth, large shapes keep their place. The kernel is cut
 *   at 3σ and the grid's edge value is repeated beyond it, so a shape cut by the edge stays cut
 *   there rather than shrinking away from it.
 * - **Islands**: keep the N largest pieces (26-connected: voxels that share a face, an edge or a
 *   corner are one piece), dropping noise specks and unconnected structures.
 * - **Fill**: every hole is made inside. A hole is background that cannot reach the border of its
 *   slice (axis 0, the slice axis) through background sharing an edge of the slice. Background
 *   enclosed in 3-D is enclosed in every slice through it, so every cavity of the volume is filled
 *   too; a slice-wise fill also closes a shell that is open only across slices (the skull between
 *   the scalp and the brain of a head scan is open at the neck, so a 3-D fill leaves it empty).
 *
 * The grid is the occupancy Field of occupancy.ts (axes z, y, x; one channel; values 0 or 1).
 * Each step is linear in the voxels (the smoothing also in σ), with two Float32 per voxel of
 * scratch for the smoothing and two Int32 for the islands.
 */
import { InrError } from '../core/errors';
import type { Field } from '../core/field';
import { dimsText, ensureFits } from '../core/limits';

export interface CleanupOptions {
  /** Gaussian σ of the smoothing, in the grid's length units (its spacing's). */
  smooth?: number;
  /** Keep this many of the largest 26-connected pieces (absent: all). */
  islands?: number;
  /** Fill every hole, slice by slice along axis 0. */
  fill?: boolean;
}

export interface CleanupResult {
  field: Field;
  inside: number;
  /** Pieces before the islands step (absent without it). */
  pieces?: number;
  /** Voxels the smoothing turned inside and outside. */
  smoothAdded: number;
  smoothRemoved: number;
  /** Voxels the islands step removed and the fill added. */
  removed: number;
  filled: number;
}

/**
 * Normalised Gaussian taps for σ in samples, cut at 3σ, on an axis of `len` samples whose edge
 * value repeats beyond it: every tap past ±(len − 1) reads the edge sample from anywhere on the
 * axis, so those taps are folded into the ±(len − 1) ones and the work stays within len per sample.
 */
function gaussianTaps(sigma: number, len: number): Float32Array {
  const cut = Math.ceil(3 * sigma);
  const r = Math.min(cut, len - 1);
  const taps = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let k = -cut; k <= cut; k++) {
    const w = Math.exp((-0.5 * k * k) / (sigma * sigma));
    taps[Math.max(-r, Math.min(r, k)) + r] += w;
    sum += w;
  }
  for (let k = 0; k < taps.length; k++) taps[k] /= sum;
  return taps;
}

/**
 * Smooth, in place, a 0/1 grid of `shape` (z, y, x) by a separable Gaussian of σ samples along
 * each axis (0: that axis untouched), then threshold at ½. Returns the voxels turned inside and
 * outside. Scratch: two Float32 per voxel.
 */
export function smoothOccupancy(occ: Uint8Array, shape: readonly number[], sigma: readonly number[]): { added: number; removed: number } {
  const n = occ.length;
  let a = Float32Array.from(occ);
  let b = new Float32Array(n);
  const strides = [shape[1] * shape[2], shape[2], 1];
  for (let axis = 0; axis < 3; axis++) {
    if (!(sigma[axis] > 0)) continue;
    const len = shape[axis];
    const taps = gaussianTaps(sigma[axis], len);
    const r = (taps.length - 1) / 2;
    const step = strides[axis];
    // The grid as outer × len × inner with `axis` in the middle; the inner index runs contiguous.
    const outer = n / (len * step);
    for (let o = 0; o < outer; o++) {
      const base = o * len * step;
      for (let t = 0; t < len; t++) {
        const out = base + t * step;
        for (let i = 0; i < step; i++) b[out + i] = 0;
        for (let k = -r; k <= r; k++) {
          const w = taps[k + r];
          const src = base + (t + k < 0 ? 0 : t + k >= len ? len - 1 : t + k) * step;
          for (let i = 0; i < step; i++) b[out + i] += w * a[src + i];
        }
      }
    }
    [a, b] = [b, a];
  }
  let added = 0;
  let removed = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i] >= 0.5 ? 1 : 0;
    if (v > occ[i]) added++;
    else if (v < occ[i]) removed++;
    occ[i] = v;
  }
  return { added, removed };
}

/** Sizes of the 26-connected pieces of `occ` (1 = inside), and each voxel's piece (−1 outside). */
export function labelPieces(occ: Uint8Array, shape: readonly number[]): { labels: Int32Array; sizes: number[] } {
  const [nz, ny, nx] = shape;
  const n = nz * ny * nx;
  const labels = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const sizes: number[] = [];
  const plane = ny * nx;
  for (let seed = 0; seed < n; seed++) {
    if (occ[seed] !== 1 || labels[seed] >= 0) continue;
    const id = sizes.length;
    let top = 0;
    let size = 0;
    labels[seed] = id;
    stack[top++] = seed;
    while (top > 0) {
      const i = stack[--top];
      size++;
      const z = (i / plane) | 0;
      const r = i - z * plane;
      const y = (r / nx) | 0;
      const x = r - y * nx;
      for (let dz = z > 0 ? -1 : 0; dz <= (z < nz - 1 ? 1 : 0); dz++)
        for (let dy = y > 0 ? -1 : 0; dy <= (y < ny - 1 ? 1 : 0); dy++)
          for (let dx = x > 0 ? -1 : 0; dx <= (x < nx - 1 ? 1 : 0); dx++) {
            const j = i + dz * plane + dy * nx + dx;
            if (occ[j] === 1 && labels[j] < 0) {
              labels[j] = id;
              stack[top++] = j;
            }
          }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

/** Fill, in place, the background of each slice along axis 0 that cannot reach the slice's border. Returns the voxels filled. */
export function fillSliceHoles(occ: Uint8Array, shape: readonly number[]): number {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const reached = new Uint8Array(plane);
  const stack = new Int32Array(plane);
  let filled = 0;
  for (let z = 0; z < nz; z++) {
    const base = z * plane;
    reached.fill(0);
    let top = 0;
    const push = (p: number) => {
      if (occ[base + p] === 0 && reached[p] === 0) {
        reached[p] = 1;
        stack[top++] = p;
      }
    };
    for (let x = 0; x < nx; x++) {
      push(x);
      push((ny - 1) * nx + x);
    }
    for (let y = 0; y < ny; y++) {
      push(y * nx);
      push(y * nx + nx - 1);
    }
    while (top > 0) {
      const p = stack[--top];
      const y = (p / nx) | 0;
      const x = p - y * nx;
      if (x > 0) push(p - 1);
      if (x < nx - 1) push(p + 1);
      if (y > 0) push(p - nx);
      if (y < ny - 1) push(p + nx);
    }
    for (let p = 0; p < plane; p++)
      if (occ[base + p] === 0 && reached[p] === 0) {
        occ[base + p] = 1;
        filled++;
      }
  }
  return filled;
}

/** The 3-D occupancy Field cleaned by `opts` (a new Field; the input is not changed). */
export function cleanOccupancy(field: Field, opts: CleanupOptions): CleanupResult {
  if (field.shape.length !== 3 || field.channels.length !== 1)
    throw new InrError(
      'E_DATA',
      `clean-up needs a single-channel 3-D occupancy grid, this one is ${dimsText(field.shape)} with ${field.channels.length} channels`,
      field.provenance.path,
    );
  if (opts.islands !== undefined && !(Number.isInteger(opts.islands) && opts.islands >= 1))
    throw new InrError('E_ARG', `the number of islands to keep must be a positive integer, got ${opts.islands}`);
  if (opts.smooth !== undefined && !(Number.isFinite(opts.smooth) && opts.smooth > 0)) throw new InrError('E_ARG', `the smoothing σ must be a positive length, got ${opts.smooth}`);
  const extent = Math.max(...field.shape.map((L, a) => L * Math.abs(field.geometry.spacing[a] || 1)));
  if (opts.smooth !== undefined && opts.smooth > extent)
    throw new InrError(
      'E_ARG',
      `the smoothing σ ${opts.smooth} is larger than the volume (${Number(extent.toPrecision(6))}${field.units ? ` ${field.units}` : ''} along its longest side)`,
    );
  const n = field.values.length;
  const occ = new Uint8Array(n);
  for (let i = 0; i < n; i++) occ[i] = field.values[i] >= 0.5 ? 1 : 0;
  let smoothAdded = 0;
  let smoothRemoved = 0;
  if (opts.smooth !== undefined) {
    ensureFits(n * 8, `the smoothing of a ${dimsText(field.shape)} grid`, field.provenance.path, 'to smooth it');
    const sigma = field.geometry.spacing.map((h) => opts.smooth! / Math.abs(h || 1));
    ({ added: smoothAdded, removed: smoothRemoved } = smoothOccupancy(occ, field.shape, sigma));
  }
  let removed = 0;
  let pieces: number | undefined;
  if (opts.islands !== undefined) {
    // labels and the stack: two Int32 per voxel.
    ensureFits(n * 8, `the pieces of a ${dimsText(field.shape)} grid`, field.provenance.path, 'to find the islands');
    const { labels, sizes } = labelPieces(occ, field.shape);
    pieces = sizes.length;
    const order = sizes.map((s, id) => [s, id]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const keep = new Uint8Array(sizes.length);
    for (const [, id] of order.slice(0, opts.islands)) keep[id] = 1;
    for (let i = 0; i < n; i++)
      if (occ[i] === 1 && keep[labels[i]] === 0) {
        occ[i] = 0;
        removed++;
      }
  }
  const filled = opts.fill ? fillSliceHoles(occ, field.shape) : 0;
  let inside = 0;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = occ[i];
    inside += occ[i];
  }
  if (inside === 0)
    throw new InrError(
      'E_DATA',
      `the occupancy grid has no voxel inside${opts.smooth !== undefined ? ' after smoothing (a smaller σ keeps thinner shapes)' : ''}`,
      field.provenance.path,
    );
  if (inside === n) throw new InrError('E_DATA', 'after filling its holes every voxel is inside; nothing is outside to fit a surface to', field.provenance.path);
  // The words for the steps are volumeOccupancy's (occupancy.ts), which says the whole rule.
  return {
    field: { ...field, values, provenance: { ...field.provenance, meta: { ...field.provenance.meta, cleanup: { ...opts, smoothAdded, smoothRemoved, pieces, removed, filled } } } },
    inside,
    pieces,
    smoothAdded,
    smoothRemoved,
    removed,
    filled,
  };
}
