/**
 * Display settings of a dataset: how its channels become screen colours. Gray mode shows one
 * channel through a window and a colormap; RGB mode maps three channels through one range each.
 * The settings belong to the view, never to the data.
 */
import type { DatasetInfo } from '../../../main/api/contract';
import type { ColormapName } from './colormaps';
import { autoRange, dtypeRange, rangeToWindow, type ValueRange, type WindowLevel } from './windowLevel';

export type DisplayMode = 'gray' | 'rgb';
/** How gray mode maps a value into its window: linearly, or by its logarithm (positive values). */
export type DisplayScale = 'linear' | 'log';

export interface DisplaySettings {
  mode: DisplayMode;
  /** Channel shown in gray mode. */
  channel: number;
  colormap: ColormapName;
  window: WindowLevel;
  /** Gray mode: linear or logarithmic within the window (absent = linear). */
  scale?: DisplayScale;
  /** Channels shown as red, green and blue in RGB mode, and the range of each. */
  rgbChannels: [number, number, number];
  rgbRanges: [ValueRange, ValueRange, ValueRange];
}

const RGB_NAMES = [/^(r|red)$/i, /^(g|green)$/i, /^(b|blue)$/i];

/** True where the first three channels are named R, G, B (PNG, JPEG, RGB DICOM). */
export function isRgbDataset(info: Pick<DatasetInfo, 'channels'>): boolean {
  return info.channels.length >= 3 && RGB_NAMES.every((re, i) => re.test(info.channels[i]));
}

/**
 * The range an RGB channel starts with: identity 0–255 for 8-bit data (the image shows its
 * exact stored values), the 2–98 % stretch otherwise (16-bit, float, multispectral bands).
 */
function defaultChannelRange(info: Pick<DatasetInfo, 'dtype' | 'stats'>, channel: number): ValueRange {
  if (info.dtype === 'uint8') return dtypeRange('uint8')!;
  const s = info.stats.channels[channel];
  return s ? autoRange(s) : { lo: 0, hi: 1 };
}

/**
 * The gray window a channel starts with: the file's own display range (NetCDF
 * display_min/display_max, NIfTI cal_min/cal_max) or window (DICOM window centre/width) where
 * there is one, else the 2–98 % stretch of the channel (of its positive values on a log scale).
 */
function defaultWindow(info: Pick<DatasetInfo, 'window' | 'stats'> & Partial<Pick<DatasetInfo, 'display'>>, channel: number): WindowLevel {
  const h = info.display;
  if (h && h.min !== undefined && h.max !== undefined && h.max > h.min && channel === 0) return rangeToWindow({ lo: h.min, hi: h.max });
  if (info.window && Number.isFinite(info.window.center) && info.window.width > 0) return { ...info.window };
  const s = info.stats.channels[channel];
  return rangeToWindow(s ? autoRange(s) : { lo: 0, hi: 1 });
}

/** True for a single-band elevation model (a GeoTIFF band or NetCDF variable named so, or a DEM file). */
export function isElevation(info: Pick<DatasetInfo, 'channels' | 'format' | 'name'> & Partial<Pick<DatasetInfo, 'units'>>): boolean {
  if (info.channels.length !== 1 || (info.format !== 'geotiff' && info.format !== 'netcdf')) return false;
  const word = /(^|[^a-z])(elev|elevation|dem|dtm|dsm|height|altitude|topo|topography|orography|bathymetry|z_?surf)([^a-z]|$)/i;
  return word.test(info.channels[0]) || word.test(info.name.replace(/\.[a-z0-9]+$/i, ''));
}

export function defaultDisplay(
  info: Pick<DatasetInfo, 'channels' | 'dtype' | 'stats' | 'window'> & Partial<Pick<DatasetInfo, 'display' | 'format' | 'name' | 'units'>>,
): DisplaySettings {
  const C = info.channels.length;
  const rgb = isRgbDataset(info);
  // Multispectral data with ≥ 3 bands gets the first three as a composite on request; gray first.
  const rgbChannels: [number, number, number] = C >= 3 ? [0, 1, 2] : [0, 0, 0];
  const log = info.display?.scale === 'log';
  const window = log ? logWindow(info, 0) : defaultWindow(info, 0);
  const elevation = info.format !== undefined && info.name !== undefined && isElevation(info as Pick<DatasetInfo, 'channels' | 'format' | 'name'>);
  return {
    mode: rgb ? 'rgb' : 'gray',
    channel: 0,
    colormap: elevation ? 'terrain' : 'gray',
    window,
    ...(log ? { scale: 'log' as const } : {}),
    rgbChannels,
    rgbRanges: [defaultChannelRange(info, rgbChannels[0]), defaultChannelRange(info, rgbChannels[1]), defaultChannelRange(info, rgbChannels[2])],
  };
}

/**
 * A window for a logarithmic scale: the file's display range where it is positive, else the
 * channel's 2–98 % stretch with its low end raised to a positive value (p2, or max/10⁴).
 */
function logWindow(info: Pick<DatasetInfo, 'window' | 'stats'> & Partial<Pick<DatasetInfo, 'display'>>, channel: number): WindowLevel {
  const w = defaultWindow(info, channel);
  const hi = w.center + w.width / 2;
  let lo = w.center - w.width / 2;
  if (!(hi > 0)) return w;
  if (!(lo > 0)) {
    const s = info.stats.channels[channel];
    lo = s && s.p2 > 0 && s.p2 < hi ? s.p2 : s && s.min > 0 && s.min < hi ? s.min : hi / 1e4;
  }
  return rangeToWindow({ lo, hi });
}

/** True where a channel can be shown on a log scale: it has positive values. */
export function canLog(info: Pick<DatasetInfo, 'stats'>, channel: number): boolean {
  const s = info.stats.channels[channel];
  return !!s && s.max > 0;
}

/** The display on a linear or log scale; switching to log raises a window's low end above 0. */
export function withScale(d: DisplaySettings, info: Pick<DatasetInfo, 'window' | 'stats'> & Partial<Pick<DatasetInfo, 'display'>>, scale: DisplayScale): DisplaySettings {
  if (scale === 'linear') return { ...d, scale: 'linear' };
  const lo = d.window.center - d.window.width / 2;
  const hi = d.window.center + d.window.width / 2;
  const window = lo > 0 && hi > lo ? d.window : logWindow(info, d.channel);
  return { ...d, scale: 'log', window };
}

/**
 * The window a colormap centred on 0 asks for: centre 0, half-width the larger magnitude of the
 * channel's 2–98 % ends (min–max where they coincide), so 0 is the map's middle colour.
 */
export function centredWindow(info: Pick<DatasetInfo, 'stats'>, channel: number): WindowLevel {
  const s = info.stats.channels[channel];
  if (!s) return { center: 0, width: 2 };
  const r = autoRange(s);
  const m = Math.max(Math.abs(r.lo), Math.abs(r.hi));
  return { center: 0, width: m > 0 && Number.isFinite(m) ? 2 * m : 2 };
}

/** A one-channel display through a window and a colormap (error maps, derived images). */
export function grayDisplay(window: WindowLevel, colormap: ColormapName = 'gray'): DisplaySettings {
  const unit: ValueRange = { lo: 0, hi: 1 };
  return { mode: 'gray', channel: 0, colormap, window, rgbChannels: [0, 0, 0], rgbRanges: [unit, unit, unit] };
}

/** The display with RGB channel `k` (0 red, 1 green, 2 blue) set to `channel`, at that channel's default range. */
export function withRgbChannel(d: DisplaySettings, info: Pick<DatasetInfo, 'dtype' | 'stats'>, k: number, channel: number): DisplaySettings {
  const rgbChannels = [...d.rgbChannels] as DisplaySettings['rgbChannels'];
  const rgbRanges = [...d.rgbRanges] as DisplaySettings['rgbRanges'];
  rgbChannels[k] = channel;
  rgbRanges[k] = defaultChannelRange(info, channel);
  return { ...d, rgbChannels, rgbRanges };
}

/** An RGB composite of three channels (a band combination such as 4-3-2), each at its default range. */
export function withComposite(d: DisplaySettings, info: Pick<DatasetInfo, 'dtype' | 'stats'>, channels: readonly [number, number, number]): DisplaySettings {
  let next: DisplaySettings = { ...d, mode: 'rgb' };
  channels.forEach((c, k) => (next = withRgbChannel(next, info, k, c)));
  return next;
}

/** One channel in gray, through its default window; the colormap is kept. */
export function withGrayChannel(d: DisplaySettings, info: Pick<DatasetInfo, 'window' | 'stats'> & Partial<Pick<DatasetInfo, 'display'>>, channel: number): DisplaySettings {
  return { ...d, mode: 'gray', channel, window: d.scale === 'log' ? logWindow(info, channel) : defaultWindow(info, channel) };
}
