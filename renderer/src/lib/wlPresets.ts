/**
 * Window/level presets and their keyboard shortcuts. CT data (Hounsfield units, or a CT series)
 * gets the usual anatomical windows; every dataset gets the 2–98 % stretch, the full range and,
 * where the file carries one, its own window. Pure: no DOM, no Vue.
 *
 * The CT windows are the widely published reference values (centre/width in HU), as listed for
 * example by Radiopaedia's "Windowing (CT)" article and the vendor consoles that follow it.
 */
import type { DatasetInfo } from '../../../main/api/contract';
import type { DisplaySettings } from './display';
import { autoRange, fullRange, rangeToWindow, type ValueRange, type WindowLevel } from './windowLevel';

export type PresetKind = 'window' | 'auto' | 'full' | 'file';

export interface WlPreset {
  id: string;
  label: string;
  kind: PresetKind;
  /** For 'window': centre and width in the data's units. */
  window?: WindowLevel;
  /** The key that applies it ('1'…'9', or a letter). */
  key: string;
  help: string;
}

/** The anatomical CT windows, in the order the number keys take them. */
export const CT_WINDOWS: ReadonlyArray<{ id: string; label: string; center: number; width: number }> = [
  { id: 'brain', label: 'Brain', center: 40, width: 80 },
  { id: 'subdural', label: 'Subdural', center: 75, width: 215 },
  { id: 'stroke', label: 'Stroke', center: 40, width: 40 },
  { id: 'bone', label: 'Bone', center: 400, width: 1800 },
  { id: 'lung', label: 'Lung', center: -600, width: 1500 },
  { id: 'abdomen', label: 'Abdomen', center: 40, width: 400 },
  { id: 'mediastinum', label: 'Mediastinum', center: 50, width: 350 },
  { id: 'liver', label: 'Liver', center: 30, width: 150 },
  { id: 'temporal', label: 'Temporal bone', center: 600, width: 2800 },
];

/** Letter shortcuts that exist for every dataset. */
const LETTER_KEYS = { auto: 'a', full: 'm', file: 'w', reset: 'r' } as const;

type InfoLike = Pick<DatasetInfo, 'units' | 'window' | 'listing' | 'selection'> & Partial<Pick<DatasetInfo, 'format' | 'stats'>>;

/**
 * True where a NIfTI volume's values look like Hounsfield units: NIfTI carries no modality, so
 * the range decides. Air is about −1000 HU and scanners pad with −1024, −2048 or −3024, while
 * dense bone and contrast exceed a few hundred: the minimum in [−3100, −800] and the maximum at
 * least 300. MR intensities are rarely negative at all.
 */
function looksLikeHounsfield(info: Partial<Pick<DatasetInfo, 'format' | 'stats'>>): boolean {
  if (info.format !== 'nifti') return false;
  const s = info.stats?.channels[0];
  return !!s && s.min >= -3100 && s.min <= -800 && s.max >= 300;
}

/** True for CT data: values in Hounsfield units, the chosen DICOM series is CT, or a NIfTI volume in the HU range. */
export function isCtDataset(info: InfoLike): boolean {
  if (info.units && /^\s*(HU|hounsfield( units?)?)\s*$/i.test(info.units)) return true;
  if (looksLikeHounsfield(info)) return true;
  const series = info.listing?.series;
  if (!series?.length) return false;
  const chosen = info.selection?.series ? series.find((s) => s.uid === info.selection!.series) : series.length === 1 ? series[0] : undefined;
  return /^CT$/i.test(chosen?.modality ?? '');
}

/** The units of a dataset's values as the views state them: the file's, else HU for a NIfTI volume in the HU range. */
export function valueUnits(info: Pick<DatasetInfo, 'units'> & Partial<Pick<DatasetInfo, 'format' | 'stats'>>): string | undefined {
  // An occupancy grid's `units` are its length unit (the spacing's); its values, 0 and 1, have none.
  if (info.format === 'occupancy') return undefined;
  if (info.units) return info.units;
  return looksLikeHounsfield(info) ? 'HU' : undefined;
}

function hasFileWindow(info: InfoLike): boolean {
  return !!info.window && Number.isFinite(info.window.center) && Number.isFinite(info.window.width) && info.window.width > 0;
}

/**
 * The presets offered for a dataset, in order: the CT windows (CT only), the file's own window
 * (when it has one), the 2–98 % stretch and the full range. The number keys 1–9 go to the first
 * nine of them; auto, full and file also have letters.
 */
export function presetsFor(info: InfoLike): WlPreset[] {
  const list: Omit<WlPreset, 'key'>[] = [];
  if (isCtDataset(info)) {
    for (const w of CT_WINDOWS) {
      list.push({ id: w.id, label: w.label, kind: 'window', window: { center: w.center, width: w.width }, help: `${w.label}: level ${w.center} HU, width ${w.width} HU` });
    }
  }
  if (hasFileWindow(info))
    list.push({
      id: 'file',
      label: 'File window',
      kind: 'file',
      window: { ...info.window! },
      help: `The file's own window: level ${info.window!.center}, width ${info.window!.width}`,
    });
  list.push({ id: 'auto', label: 'Auto 2–98%', kind: 'auto', help: '2–98 % cumulative cut of the channel' });
  list.push({ id: 'full', label: 'Min–max', kind: 'full', help: 'The full data range of the channel' });
  return list.map((p, i) => ({ ...p, key: i < 9 ? String(i + 1) : ((LETTER_KEYS as Record<string, string>)[p.kind] ?? '') }));
}

/** The letter shortcut of a preset, if it has one besides its number. */
export function letterFor(p: WlPreset): string | undefined {
  if (p.kind === 'auto' || p.kind === 'full' || p.kind === 'file') return LETTER_KEYS[p.kind];
  return undefined;
}

export type KeyAction = { type: 'preset'; preset: WlPreset } | { type: 'reset' };

/** What a key press means, or undefined when it is no window/level shortcut. */
export function presetForKey(key: string, presets: readonly WlPreset[]): KeyAction | undefined {
  if (key === LETTER_KEYS.reset || key === LETTER_KEYS.reset.toUpperCase()) return { type: 'reset' };
  if (/^[1-9]$/.test(key)) {
    const p = presets[Number(key) - 1];
    return p ? { type: 'preset', preset: p } : undefined;
  }
  const k = key.toLowerCase();
  const p = presets.find((x) => letterFor(x) === k);
  return p ? { type: 'preset', preset: p } : undefined;
}

type StatsLike = Pick<DatasetInfo, 'stats'>;

function channelRange(info: StatsLike, channel: number, kind: 'auto' | 'full'): ValueRange {
  const st = info.stats.channels[channel];
  if (!st) return { lo: 0, hi: 1 };
  return kind === 'auto' ? autoRange(st) : fullRange(st);
}

/**
 * The display after applying a preset: a new object, the input untouched. Gray mode gets the
 * window; RGB mode gets auto/full per channel (a CT or file window switches it to gray).
 */
export function applyPreset(d: DisplaySettings, info: StatsLike, p: WlPreset): DisplaySettings {
  const next: DisplaySettings = { ...d, window: { ...d.window }, rgbChannels: [...d.rgbChannels], rgbRanges: [...d.rgbRanges] };
  if (p.kind === 'window' || p.kind === 'file') {
    if (!p.window) return next;
    next.mode = 'gray';
    next.window = { ...p.window };
    // Anatomical windows are linear by definition.
    if (p.kind === 'window') next.scale = 'linear';
    return next;
  }
  if (d.mode === 'rgb') {
    next.rgbRanges = [channelRange(info, d.rgbChannels[0], p.kind), channelRange(info, d.rgbChannels[1], p.kind), channelRange(info, d.rgbChannels[2], p.kind)];
  } else {
    next.window = rangeToWindow(channelRange(info, d.channel, p.kind));
  }
  return next;
}

/** The preset the display shows now (gray mode, window equal within a relative 1e-6), if any. */
export function activePreset(d: DisplaySettings, info: StatsLike, presets: readonly WlPreset[]): WlPreset | undefined {
  if (d.mode !== 'gray') return undefined;
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
  return presets.find((p) => {
    const w = p.kind === 'window' || p.kind === 'file' ? p.window : applyPreset(d, info, p).window;
    return !!w && close(w.center, d.window.center) && close(w.width, d.window.width);
  });
}
