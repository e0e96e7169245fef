/**
 * Display settings of a dataset: how its channels become screen colours. Gray mode shows one
 * channel through a window and a colormap; RGB mode maps three channels through one range each.
 * The settings belong to the view, never to the data.
 */
import type { DatasetInfo } from '../../../main/api/contract';
import type { ColormapName } from './colormaps';
import { autoRange, dtypeRange, rangeToWindow, type ValueRange, type WindowLevel } from './windowLevel';

export type DisplayMode = 'gray' | 'rgb';

export interface DisplaySettings {
  mode: DisplayMode;
  /** Channel shown in gray mode. */
  channel: number;
  colormap: ColormapName;
  window: WindowLevel;
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
export function defaultChannelRange(info: Pick<DatasetInfo, 'dtype' | 'stats'>, channel: number): ValueRange {
  if (info.dtype === 'uint8') return dtypeRange('uint8')!;
  const s = info.stats.channels[channel];
  return s ? autoRange(s) : { lo: 0, hi: 1 };
}

/**
 * The gray window a channel starts with: the file's own window (DICOM window centre/width)
 * where there is one, else the 2–98 % stretch of the channel.
 */
export function defaultWindow(info: Pick<DatasetInfo, 'window' | 'stats'>, channel: number): WindowLevel {
  if (info.window && Number.isFinite(info.window.center) && info.window.width > 0) return { ...info.window };
  const s = info.stats.channels[channel];
  return rangeToWindow(s ? autoRange(s) : { lo: 0, hi: 1 });
}

export function defaultDisplay(info: Pick<DatasetInfo, 'channels' | 'dtype' | 'stats' | 'window'>): DisplaySettings {
  const C = info.channels.length;
  const rgb = isRgbDataset(info);
  // Multispectral data with ≥ 3 bands gets the first three as a composite on request; gray first.
  const rgbChannels: [number, number, number] = C >= 3 ? [0, 1, 2] : [0, 0, 0];
  return {
    mode: rgb ? 'rgb' : 'gray',
    channel: 0,
    colormap: 'gray',
    window: defaultWindow(info, 0),
    rgbChannels,
    rgbRanges: [defaultChannelRange(info, rgbChannels[0]), defaultChannelRange(info, rgbChannels[1]), defaultChannelRange(info, rgbChannels[2])],
  };
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
export function withGrayChannel(d: DisplaySettings, info: Pick<DatasetInfo, 'window' | 'stats'>, channel: number): DisplaySettings {
  return { ...d, mode: 'gray', channel, window: defaultWindow(info, channel) };
}
