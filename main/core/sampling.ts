/**
 * Sampling kernels over a `Field`: a plane through any two axes, the plane of the last two axes,
 * a block-averaged volume and an 8-bit thumbnail. Pure (typed arrays in, typed arrays out), so the
 * engine, the test double of the engine and the renderer's tests share them.
 */
import type { SliceData, Thumbnail, VolumeData } from '../api/contract';
import { InrError, cancelled } from './errors';
import { sampleCount, type Field } from './field';

/** Row-major strides of `shape`, in samples. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

/** The plane spanned by axes `plane` = [row axis, column axis] through the sample `at`. */
export function planeOf(field: Field, plane: [number, number], at: number[]): SliceData {
  const d = field.shape.length;
  const [ra, ca] = plane;
  if (!(Number.isInteger(ra) && Number.isInteger(ca) && ra >= 0 && ca < d && ra < ca)) {
    throw new InrError('E_ARG', `plane axes [${ra}, ${ca}] are not two increasing axes of a ${d}-axis dataset`);
  }
  const strides = stridesOf(field.shape);
  let base = 0;
  for (let k = 0; k < d; k++) {
    if (k === ra || k === ca) continue;
    const i = at[k] ?? 0;
    if (!(Number.isInteger(i) && i >= 0 && i < field.shape[k])) throw new InrError('E_ARG', `index ${i} out of range on axis ${field.axes[k]} (size ${field.shape[k]})`);
    base += i * strides[k];
  }
  const height = field.shape[ra];
  const width = field.shape[ca];
  const C = field.channels.length;
  const values = new Float32Array(width * height * C);
  const mask = field.mask ? new Uint8Array(width * height) : undefined;
  const sr = strides[ra];
  const sc = strides[ca];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const src = base + r * sr + c * sc;
      const dst = r * width + c;
      for (let k = 0; k < C; k++) values[dst * C + k] = field.values[src * C + k];
      if (mask) mask[dst] = field.mask![src];
    }
  }
  return { width, height, channels: C, values, mask };
}

/**
 * One channel of the last three axes, block-averaged by a whole step per axis until it fits in
 * `maxVoxels`. Masked and non-finite samples are left out of the averages; a block with none
 * left is NaN.
 */
export function volumeOf(field: Field, channel: number, index: number[], maxVoxels: number): VolumeData {
  const steps = volumeSteps(field, channel, index, maxVoxels);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `volumeOf` for a server: it yields to the event loop between slabs of slices, so that a
 * cancel (`signal`) that arrives meanwhile stops it.
 */
export async function volumeOfAsync(field: Field, channel: number, index: number[], maxVoxels: number, signal?: AbortSignal): Promise<VolumeData> {
  const steps = volumeSteps(field, channel, index, maxVoxels);
  for (;;) {
    if (signal?.aborted) throw cancelled();
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** The work of `volumeOf`, pausing (yield) after every few slices. */
function* volumeSteps(field: Field, channel: number, index: number[], maxVoxels: number): Generator<void, VolumeData> {
  const d = field.shape.length;
  if (d < 3) throw new InrError('E_ARG', `${field.provenance.path || 'the dataset'} has ${d} axes; a volume needs 3`);
  const C = field.channels.length;
  if (!(Number.isInteger(channel) && channel >= 0 && channel < C)) throw new InrError('E_ARG', `channel ${channel} out of range (${C} channels)`);
  if (!(maxVoxels >= 1)) throw new InrError('E_ARG', 'maxVoxels must be at least 1');
  const [Z, Y, X] = field.shape.slice(-3);
  const strides = stridesOf(field.shape);
  let base = 0;
  for (let k = 0; k < d - 3; k++) {
    const i = index[k] ?? 0;
    if (!(Number.isInteger(i) && i >= 0 && i < field.shape[k])) throw new InrError('E_ARG', `index ${i} out of range on axis ${field.axes[k]} (size ${field.shape[k]})`);
    base += i * strides[k];
  }
  let step = Math.max(1, Math.ceil(Math.cbrt((Z * Y * X) / maxVoxels)));
  while (Math.ceil(Z / step) * Math.ceil(Y / step) * Math.ceil(X / step) > maxVoxels) step++;
  const sz = Math.min(step, Z);
  const sy = Math.min(step, Y);
  const sx = Math.min(step, X);
  const nz = Math.ceil(Z / sz);
  const ny = Math.ceil(Y / sy);
  const nx = Math.ceil(X / sx);
  const sum = new Float64Array(nz * ny * nx);
  const cnt = new Uint32Array(nz * ny * nx);
  const { values, mask } = field;
  for (let z = 0; z < Z; z++) {
    if (z % 8 === 0) yield;
    const oz = Math.floor(z / sz) * ny * nx;
    for (let y = 0; y < Y; y++) {
      const oy = oz + Math.floor(y / sy) * nx;
      const row = base + (z * Y + y) * X;
      for (let x = 0; x < X; x++) {
        const i = row + x;
        if (mask && !mask[i]) continue;
        const v = values[i * C + channel];
        if (!Number.isFinite(v)) continue;
        const o = oy + Math.floor(x / sx);
        sum[o] += v;
        cnt[o]++;
      }
    }
  }
  const out = new Float32Array(sum.length);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    if (cnt[i] === 0) {
      out[i] = NaN;
      continue;
    }
    const v = sum[i] / cnt[i];
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const sp = field.geometry.spacing.slice(-3);
  return {
    shape: [nz, ny, nx],
    step: [sz, sy, sx],
    spacing: [sp[0] * sz, sp[1] * sy, sp[2] * sx],
    values: out,
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 0,
  };
}

/** A gray 8-bit preview of one channel of a plane: area-averaged down to `size`, windowed. */
export function thumbnailOf(plane: SliceData, channel: number, size: number, window?: { center: number; width: number }): Thumbnail {
  const { width: W, height: H, channels: C } = plane;
  const scale = Math.min(1, size / Math.max(W, H));
  const width = Math.max(1, Math.round(W * scale));
  const height = Math.max(1, Math.round(H * scale));
  const acc = new Float64Array(width * height);
  const cnt = new Uint32Array(width * height);
  for (let y = 0; y < H; y++) {
    const ty = Math.min(height - 1, Math.floor((y * height) / H));
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (plane.mask && !plane.mask[i]) continue;
      const v = plane.values[i * C + channel];
      if (!Number.isFinite(v)) continue;
      const o = ty * width + Math.min(width - 1, Math.floor((x * width) / W));
      acc[o] += v;
      cnt[o]++;
    }
  }
  const avg: number[] = [];
  for (let i = 0; i < acc.length; i++) if (cnt[i]) avg.push((acc[i] /= cnt[i]));
  let lo: number;
  let hi: number;
  if (window && window.width > 0) {
    lo = window.center - window.width / 2;
    hi = window.center + window.width / 2;
  } else {
    avg.sort((a, b) => a - b);
    lo = avg.length ? avg[Math.floor(0.02 * (avg.length - 1))] : 0;
    hi = avg.length ? avg[Math.ceil(0.98 * (avg.length - 1))] : 1;
  }
  if (!(hi > lo)) hi = lo + 1;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    if (!cnt[i]) continue;
    pixels[i] = Math.max(0, Math.min(255, Math.round(((acc[i] - lo) / (hi - lo)) * 255)));
  }
  return { width, height, pixels };
}

/** The plane spanned by the last two axes at the given indices on the leading axes. */
export function sliceOf(field: Field, index: number[]): SliceData {
  const d = field.shape.length;
  const C = field.channels.length;
  if (d === 1) {
    return { width: field.shape[0], height: 1, channels: C, values: field.values.slice(), mask: field.mask?.slice() };
  }
  const height = field.shape[d - 2];
  const width = field.shape[d - 1];
  let offset = 0;
  for (let k = 0; k < d - 2; k++) {
    const i = index[k] ?? 0;
    if (i >= field.shape[k]) throw new InrError('E_ARG', `index ${i} out of range on axis ${field.axes[k]} (size ${field.shape[k]})`);
    offset = offset * field.shape[k] + i;
  }
  const n = width * height;
  offset *= n;
  if (offset + n > sampleCount(field.shape)) throw new InrError('E_ARG', 'slice out of range');
  return {
    width,
    height,
    channels: C,
    values: field.values.slice(offset * C, (offset + n) * C),
    mask: field.mask ? field.mask.slice(offset, offset + n) : undefined,
  };
}
