/**
 * Internal overviews (reduced-resolution images, TIFF 6.0 §8 NewSubfileType bit 0), each level
 * half the size of the one before, built from physical values so that masked pixels are left
 * out of the averages.
 */

/** One overview level: each pixel the mean of the valid pixels of a 2 × 2 block. */
export function halve(
  values: Float32Array,
  mask: Uint8Array | undefined,
  width: number,
  height: number,
  C: number,
): { values: Float32Array; mask?: Uint8Array; width: number; height: number } {
  const w = Math.ceil(width / 2);
  const h = Math.ceil(height / 2);
  const out = new Float32Array(w * h * C);
  const outMask = mask ? new Uint8Array(w * h) : undefined;
  const sum = new Float64Array(C);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      sum.fill(0);
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const sy = 2 * y + dy;
          const sx = 2 * x + dx;
          if (sy >= height || sx >= width) continue;
          const i = sy * width + sx;
          if (mask && !mask[i]) continue;
          for (let c = 0; c < C; c++) sum[c] += values[i * C + c];
          n++;
        }
      }
      const o = y * w + x;
      if (outMask) outMask[o] = n > 0 ? 1 : 0;
      for (let c = 0; c < C; c++) out[o * C + c] = n > 0 ? sum[c] / n : 0;
    }
  }
  return { values: out, mask: outMask, width: w, height: h };
}

/** Levels to build: `true` halves until the image fits in one `block`, a number is a count. */
export function overviewCount(opt: boolean | number | undefined, width: number, height: number, block: number): number {
  if (!opt) return 0;
  let levels = 0;
  let w = width;
  let h = height;
  const max = opt === true ? 30 : Math.max(0, Math.floor(opt));
  while (levels < max && (opt !== true || Math.max(w, h) > block) && Math.max(w, h) > 1) {
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    levels++;
  }
  return levels;
}
