/**
 * Where an isosurface starts: a threshold that separates an object from its background. Otsu's
 * method (N. Otsu, "A threshold selection method from gray-level histograms", IEEE Trans. SMC,
 * 1979) picks the histogram split with the largest between-class variance; on an MR head it
 * lands between the air and the scalp, so the head's surface shows. Pure: NaN samples ignored.
 * Shared by the renderer's isosurface worker and the engine's occupancy threshold
 * (main/mesh/occupancy.ts).
 */

export interface ValueSpan {
  min: number;
  max: number;
}

/** The finite minimum and maximum of the samples (NaN, ±∞ skipped); undefined when none. */
export function finiteSpan(values: ArrayLike<number>): ValueSpan | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : undefined;
}

/**
 * Otsu's threshold over a `bins`-bin histogram of the finite samples. The answer is the upper
 * edge of the last bin of the lower class, inside (min, max). A constant volume gives its value;
 * an empty one gives NaN.
 */
export function otsuLevel(values: ArrayLike<number>, bins = 256, span = finiteSpan(values)): number {
  if (!span) return NaN;
  const { min, max } = span;
  if (!(max > min)) return min;
  const hist = new Float64Array(bins);
  const scale = bins / (max - min);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= min && v <= max)) continue;
    let b = Math.floor((v - min) * scale);
    if (b >= bins) b = bins - 1;
    hist[b]++;
    total++;
  }
  let sumAll = 0;
  for (let b = 0; b < bins; b++) sumAll += b * hist[b];
  let w0 = 0;
  let sum0 = 0;
  let best = -1;
  let split = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b];
    sum0 += b * hist[b];
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const m0 = sum0 / w0;
    const m1 = (sumAll - sum0) / w1;
    const between = w0 * w1 * (m0 - m1) ** 2;
    if (between > best) {
      best = between;
      split = b;
    }
  }
  return min + (split + 1) / scale;
}
