/**
 * Comparing a reconstruction with its source slice: the |error| map and the figures shown
 * beside it. Pure functions on SliceData.
 */
import type { SliceData } from '../../../main/api/contract';

/**
 * |reconstruction − source| per sample, averaged over channels (one channel out). Samples
 * masked in either input are masked in the result.
 */
export function absErrorSlice(source: SliceData, recon: SliceData): SliceData {
  if (source.width !== recon.width || source.height !== recon.height || source.channels !== recon.channels) {
    throw new RangeError(`reconstruction is ${recon.width}×${recon.height}×${recon.channels}, source ${source.width}×${source.height}×${source.channels}`);
  }
  const n = source.width * source.height;
  const C = source.channels;
  const values = new Float32Array(n);
  const mask = source.mask || recon.mask ? new Uint8Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.abs(recon.values[i * C + c] - source.values[i * C + c]);
    values[i] = s / C;
    if (mask) mask[i] = (!source.mask || source.mask[i]) && (!recon.mask || recon.mask[i]) ? 1 : 0;
  }
  return { width: source.width, height: source.height, channels: 1, values, mask };
}

/** The q-quantile (0–1) of the valid, finite values of channel 0, by sorting a copy. */
export function quantile(slice: SliceData, q: number): number {
  const C = slice.channels;
  const n = slice.width * slice.height;
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    if (slice.mask && !slice.mask[i]) continue;
    const v = slice.values[i * C];
    if (Number.isFinite(v)) vals.push(v);
  }
  if (vals.length === 0) return NaN;
  const sorted = Float64Array.from(vals).sort();
  const pos = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
