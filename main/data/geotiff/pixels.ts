/** How stored TIFF samples become physical values (GDAL GTiff conventions, FORMATS.md §5). */
export interface PhysicalOptions {
  /** Per channel: physical = raw × scale + offset (GDAL_METADATA SCALE/OFFSET). */
  scales: number[];
  offsets: number[];
  /** GDAL_NODATA in stored units, or null. */
  nodata: number | null;
  /** The samples are float32 (nodata is compared after rounding to float32). */
  float32: boolean;
  /** The samples are floating point (NaN marks a sample invalid). */
  isFloat: boolean;
  /** Index of an alpha sample within each pixel: alpha 0 marks the pixel invalid. */
  alpha?: number;
  /** MinIsWhite images: raw values are inverted as `invertMax − raw`. */
  invertMax?: number;
}

/**
 * Raw samples → Float32 physical values and a validity mask. A pixel is invalid when any band
 * equals nodata (compared in the stored type: float32 data against fround(nodata)), when a
 * float sample is NaN, or when its alpha is 0. Invalid samples keep their stored value.
 */
export function toPhysical(
  /** Pixel-interleaved samples, `stride` per pixel. */
  raw: ArrayLike<number>,
  pixels: number,
  stride: number,
  /** Channels taken from each pixel (the first `channels` samples). */
  channels: number,
  opts: PhysicalOptions,
): { values: Float32Array; mask?: Uint8Array } {
  const values = new Float32Array(pixels * channels);
  const nd = opts.nodata === null ? null : opts.float32 ? Math.fround(opts.nodata) : opts.nodata;
  const ndIsNaN = nd !== null && Number.isNaN(nd);
  let mask: Uint8Array | undefined;
  const invalidate = (i: number): void => {
    if (!mask) mask = new Uint8Array(pixels).fill(1);
    mask[i] = 0;
  };
  for (let i = 0; i < pixels; i++) {
    const base = i * stride;
    for (let c = 0; c < channels; c++) {
      let r = raw[base + c];
      if ((nd !== null && (r === nd || (ndIsNaN && r !== r))) || (opts.isFloat && r !== r)) invalidate(i);
      if (opts.invertMax !== undefined) r = opts.invertMax - r;
      values[i * channels + c] = r * opts.scales[c] + opts.offsets[c];
    }
    if (opts.alpha !== undefined && raw[base + opts.alpha] === 0) invalidate(i);
  }
  return { values, mask };
}
