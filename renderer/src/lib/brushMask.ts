/**
 * The inpainting brush: a hide mask painted slice by slice over a dataset's 2D views, then
 * assembled into one `prod(shape)` array (1 = hidden from the fit) for the job request.
 * Samples are stored with the last axis fastest; a slice is the plane of the last two axes at
 * one index on each leading axis. Pure: typed arrays in and out.
 */

/** Product of the shape's entries (the number of samples, channels not counted). */
export function sampleCount(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Height and width of the plane of the last two axes (a 1D field is one row). */
export function planeSize(shape: readonly number[]): { height: number; width: number } {
  const d = shape.length;
  if (d === 0) return { height: 0, width: 0 };
  if (d === 1) return { height: 1, width: shape[0] };
  return { height: shape[d - 2], width: shape[d - 1] };
}

/**
 * The linear number of the slice at `index` (one entry per leading axis, row-major): the key
 * under which a painted layer is kept. Out-of-range entries throw.
 */
export function sliceNumber(shape: readonly number[], index: readonly number[]): number {
  const lead = Math.max(0, shape.length - 2);
  let k = 0;
  for (let a = 0; a < lead; a++) {
    const i = index[a] ?? 0;
    if (!Number.isInteger(i) || i < 0 || i >= shape[a]) throw new RangeError(`index ${i} out of range on axis ${a} (size ${shape[a]})`);
    k = k * shape[a] + i;
  }
  return k;
}

/** The first sample of a slice in the flattened field: sliceNumber × height × width. */
export function sliceOffset(shape: readonly number[], index: readonly number[]): number {
  const { height, width } = planeSize(shape);
  return sliceNumber(shape, index) * height * width;
}

/**
 * Set (value 1) or clear (value 0) the pixels of a width × height layer whose centres lie within
 * `radius` of (cx, cy), in continuous image coordinates (pixel i spans [i, i + 1)). The pixel
 * under the point is always included. Returns how many pixels changed.
 */
export function paintDisc(layer: Uint8Array, width: number, height: number, cx: number, cy: number, radius: number, value: 0 | 1): number {
  const r = Math.max(0.5, radius);
  const r2 = r * r;
  const x0 = Math.max(0, Math.floor(cx - r));
  const x1 = Math.min(width - 1, Math.ceil(cx + r));
  const y0 = Math.max(0, Math.floor(cy - r));
  const y1 = Math.min(height - 1, Math.ceil(cy + r));
  let changed = 0;
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy > r2) continue;
      const i = y * width + x;
      if (layer[i] !== value) {
        layer[i] = value;
        changed++;
      }
    }
  }
  // A small brush between pixel centres still paints the pixel it is over.
  const px = Math.floor(cx);
  const py = Math.floor(cy);
  if (px >= 0 && px < width && py >= 0 && py < height && layer[py * width + px] !== value) {
    layer[py * width + px] = value;
    changed++;
  }
  return changed;
}

/** A stroke from (x0, y0) to (x1, y1): discs every half radius along the segment. */
export function paintStroke(layer: Uint8Array, width: number, height: number, x0: number, y0: number, x1: number, y1: number, radius: number, value: 0 | 1): number {
  const len = Math.hypot(x1 - x0, y1 - y0);
  const step = Math.max(0.5, radius / 2);
  const n = Math.max(1, Math.ceil(len / step));
  let changed = 0;
  for (let k = 0; k <= n; k++) {
    const t = k / n;
    changed += paintDisc(layer, width, height, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, radius, value);
  }
  return changed;
}

export function countSet(layer: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < layer.length; i++) n += layer[i] ? 1 : 0;
  return n;
}

/**
 * The whole hide mask: prod(shape) entries, each painted layer copied to its slice's place.
 * Undefined where nothing is painted (the request then carries no mask).
 */
export function assembleHide(shape: readonly number[], layers: ReadonlyMap<number, Uint8Array>): Uint8Array | undefined {
  const { height, width } = planeSize(shape);
  const plane = height * width;
  const total = sampleCount(shape);
  let out: Uint8Array | undefined;
  for (const [k, layer] of layers) {
    if (layer.length !== plane) throw new RangeError(`a painted layer has ${layer.length} pixels, the slice ${plane}`);
    if ((k + 1) * plane > total || k < 0) throw new RangeError(`painted slice ${k} is outside the data`);
    if (!countSet(layer)) continue;
    out ??= new Uint8Array(total);
    out.set(layer, k * plane);
  }
  return out;
}

/** RGBA pixels of a layer for an overlay canvas: painted pixels in `rgb`, the rest transparent. */
export function layerPixels(layer: Uint8Array, rgb: readonly [number, number, number], out?: Uint8ClampedArray): Uint8ClampedArray<ArrayBuffer> {
  const px = out && out.length === layer.length * 4 ? (out as Uint8ClampedArray<ArrayBuffer>) : new Uint8ClampedArray(layer.length * 4);
  for (let i = 0; i < layer.length; i++) {
    const o = i * 4;
    if (layer[i]) {
      px[o] = rgb[0];
      px[o + 1] = rgb[1];
      px[o + 2] = rgb[2];
      px[o + 3] = 255;
    } else {
      px[o] = px[o + 1] = px[o + 2] = px[o + 3] = 0;
    }
  }
  return px;
}
