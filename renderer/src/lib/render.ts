/**
 * Slice → RGBA pixels for a canvas ImageData. Gray mode: one channel through a window and a
 * colormap, linearly, q = round((v − lo)·255/(hi − lo)), or on a log scale,
 * q = round((log v − log lo)·255/(log hi − log lo)) with values at or below lo (0 and negatives
 * included) at the lowest colour. RGB mode: three channels, each through its own range. Masked
 * (nodata) and non-finite samples become transparent. Pure: typed arrays in, typed arrays out.
 */
import type { SliceData } from '../../../main/api/contract';
import { colormapLut } from './colormaps';
import type { DisplaySettings } from './display';
import { byteScale, windowToRange } from './windowLevel';

export function renderSlice(slice: SliceData, d: DisplaySettings, out?: Uint8ClampedArray): Uint8ClampedArray<ArrayBuffer> {
  const n = slice.width * slice.height;
  const rgba = out && out.length === n * 4 ? (out as Uint8ClampedArray<ArrayBuffer>) : new Uint8ClampedArray(n * 4);
  const C = slice.channels;
  const { values, mask } = slice;
  if (d.mode === 'rgb' && C >= 3) {
    const ch = d.rgbChannels.map((c) => Math.min(Math.max(0, c), C - 1));
    const lo = d.rgbRanges.map((r) => r.lo);
    const sc = d.rgbRanges.map((r) => byteScale(r));
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      const b = i * C;
      const r = values[b + ch[0]];
      const g = values[b + ch[1]];
      const bl = values[b + ch[2]];
      if ((mask && !mask[i]) || !(Number.isFinite(r) && Number.isFinite(g) && Number.isFinite(bl))) {
        rgba[o] = rgba[o + 1] = rgba[o + 2] = rgba[o + 3] = 0;
        continue;
      }
      // Math.round of (v − lo)·scale; with lo = 0 and scale = 1 this is v itself.
      rgba[o] = Math.round((r - lo[0]) * sc[0]);
      rgba[o + 1] = Math.round((g - lo[1]) * sc[1]);
      rgba[o + 2] = Math.round((bl - lo[2]) * sc[2]);
      rgba[o + 3] = 255;
    }
    return rgba;
  }
  const c = Math.min(Math.max(0, d.channel), C - 1);
  const { lo, hi } = windowToRange(d.window);
  const scale = byteScale({ lo, hi });
  const lut = colormapLut(d.colormap);
  const log = logMap(d);
  if (log) {
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      const v = values[i * C + c];
      if ((mask && !mask[i]) || !Number.isFinite(v)) {
        rgba[o] = rgba[o + 1] = rgba[o + 2] = rgba[o + 3] = 0;
        continue;
      }
      let q = v > log.lo ? Math.round((Math.log(v) - log.logLo) * log.scale) : 0;
      q = q < 0 ? 0 : q > 255 ? 255 : q;
      rgba[o] = lut[q * 3];
      rgba[o + 1] = lut[q * 3 + 1];
      rgba[o + 2] = lut[q * 3 + 2];
      rgba[o + 3] = 255;
    }
    return rgba;
  }
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const v = values[i * C + c];
    if ((mask && !mask[i]) || !Number.isFinite(v)) {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = rgba[o + 3] = 0;
      continue;
    }
    let q = Math.round((v - lo) * scale);
    q = q < 0 ? 0 : q > 255 ? 255 : q;
    rgba[o] = lut[q * 3];
    rgba[o + 1] = lut[q * 3 + 1];
    rgba[o + 2] = lut[q * 3 + 2];
    rgba[o + 3] = 255;
  }
  return rgba;
}

/**
 * A gray display's log mapping, or undefined on a linear scale: the window's ends (the low one
 * raised above 0, to hi/10⁶ at least) and 255/(log hi − log lo).
 */
function logMap(d: Pick<DisplaySettings, 'scale' | 'window'>): { lo: number; logLo: number; scale: number } | undefined {
  if (d.scale !== 'log') return undefined;
  const { lo: l, hi } = windowToRange(d.window);
  if (!(hi > 0)) return undefined;
  const lo = l > 0 && l < hi ? l : hi / 1e6;
  const logLo = Math.log(lo);
  return { lo, logLo, scale: 255 / (Math.log(hi) - logLo) };
}

/**
 * Normalised display intensity (0–1) per sample, NaN where masked: what the 3D height field
 * is built from. Gray: the windowed value; RGB: the Rec. 601 luma of the mapped colour.
 */
export function displayIntensity(slice: SliceData, d: DisplaySettings): Float32Array {
  const n = slice.width * slice.height;
  const out = new Float32Array(n);
  const C = slice.channels;
  const { values, mask } = slice;
  const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
  if (d.mode === 'rgb' && C >= 3) {
    const w = [0.299, 0.587, 0.114];
    const ch = d.rgbChannels.map((c) => Math.min(Math.max(0, c), C - 1));
    const lo = d.rgbRanges.map((r) => r.lo);
    const inv = d.rgbRanges.map((r) => 1 / (r.hi - r.lo || 1));
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) {
        out[i] = NaN;
        continue;
      }
      const b = i * C;
      const y = w[0] * clamp01((values[b + ch[0]] - lo[0]) * inv[0]) + w[1] * clamp01((values[b + ch[1]] - lo[1]) * inv[1]) + w[2] * clamp01((values[b + ch[2]] - lo[2]) * inv[2]);
      out[i] = Number.isFinite(y) ? y : NaN;
    }
    return out;
  }
  const c = Math.min(Math.max(0, d.channel), C - 1);
  const { lo, hi } = windowToRange(d.window);
  const span = hi - lo || 1;
  const log = logMap(d);
  for (let i = 0; i < n; i++) {
    const v = values[i * C + c];
    if ((mask && !mask[i]) || !Number.isFinite(v)) out[i] = NaN;
    else out[i] = log ? (v > log.lo ? clamp01(((Math.log(v) - log.logLo) * log.scale) / 255) : 0) : clamp01((v - lo) / span);
  }
  return out;
}
