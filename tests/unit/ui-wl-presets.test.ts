/** Window/level presets and their keys (renderer/src/lib/wlPresets.ts). */
import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../main/api/contract';
import { grayDisplay, type DisplaySettings } from '../../renderer/src/lib/display';
import { activePreset, applyPreset, CT_WINDOWS, isCtDataset, presetForKey, presetsFor } from '../../renderer/src/lib/wlPresets';

const stats = (min: number, max: number, p2: number, p98: number): DatasetInfo['stats'] => ({
  samples: 100,
  valid: 100,
  maskedFraction: 0,
  nonFinite: 0,
  channels: [
    { name: 'c0', min, max, mean: 0, std: 1, p2, p98 },
    { name: 'c1', min: 0, max: 10, mean: 5, std: 1, p2: 1, p98: 9 },
    { name: 'c2', min: -5, max: 5, mean: 0, std: 1, p2: -4, p98: 4 },
  ],
});

function ct(extra: Partial<DatasetInfo> = {}): Pick<DatasetInfo, 'units' | 'window' | 'listing' | 'selection' | 'stats'> {
  return { units: 'HU', window: { center: 40, width: 400 }, stats: stats(-1024, 3071, -1000, 1200), ...extra };
}

describe('which presets a dataset gets', () => {
  it('CT in Hounsfield units: the anatomical windows first, then the file window, auto and full', () => {
    const list = presetsFor(ct());
    expect(list.map((p) => p.id)).toEqual([...CT_WINDOWS.map((w) => w.id), 'file', 'auto', 'full']);
    // Published reference values (centre/width, HU).
    const byId = Object.fromEntries(list.map((p) => [p.id, p.window]));
    expect(byId.brain).toEqual({ center: 40, width: 80 });
    expect(byId.bone).toEqual({ center: 400, width: 1800 });
    expect(byId.lung).toEqual({ center: -600, width: 1500 });
    expect(byId.abdomen).toEqual({ center: 40, width: 400 });
    expect(byId.mediastinum).toEqual({ center: 50, width: 350 });
    // The number keys go to the first nine; the rest get their letters.
    expect(list.slice(0, 9).map((p) => p.key)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(list.find((p) => p.id === 'auto')!.key).toBe('a');
    expect(list.find((p) => p.id === 'full')!.key).toBe('m');
    expect(list.find((p) => p.id === 'file')!.key).toBe('w');
  });

  it('recognises CT by units or by the chosen series modality', () => {
    expect(isCtDataset({ units: 'HU' })).toBe(true);
    expect(isCtDataset({ units: 'hounsfield units' })).toBe(true);
    expect(isCtDataset({ units: 'mm/s' })).toBe(false);
    const series = (modality: string, uid: string) => ({ uid, patient: 'p', study: 's', description: '', modality, slices: 3, rows: 4, columns: 4 });
    expect(isCtDataset({ listing: { series: [series('CT', '1')] } })).toBe(true);
    expect(isCtDataset({ listing: { series: [series('MR', '1')] } })).toBe(false);
    // Several series: the chosen one decides.
    const listing = { series: [series('MR', 'a'), series('CT', 'b')] };
    expect(isCtDataset({ listing, selection: { series: 'b' } })).toBe(true);
    expect(isCtDataset({ listing, selection: { series: 'a' } })).toBe(false);
    expect(isCtDataset({ listing })).toBe(false);
  });

  it('MR and images: no CT windows; auto and full on 1 and 2, the file window when there is one', () => {
    const mr = presetsFor({ units: undefined, window: { center: 300, width: 600 } });
    expect(mr.map((p) => [p.id, p.key])).toEqual([
      ['file', '1'],
      ['auto', '2'],
      ['full', '3'],
    ]);
    const png = presetsFor({ units: undefined });
    expect(png.map((p) => [p.id, p.key])).toEqual([
      ['auto', '1'],
      ['full', '2'],
    ]);
    // A degenerate file window is not offered.
    expect(presetsFor({ window: { center: 0, width: 0 } }).some((p) => p.id === 'file')).toBe(false);
  });
});

describe('keys', () => {
  const list = presetsFor(ct());
  it('maps digits, letters and reset', () => {
    expect(presetForKey('1', list)).toEqual({ type: 'preset', preset: list[0] });
    expect(presetForKey('5', list)).toMatchObject({ preset: { id: 'lung' } });
    expect(presetForKey('a', list)).toMatchObject({ preset: { id: 'auto' } });
    expect(presetForKey('A', list)).toMatchObject({ preset: { id: 'auto' } });
    expect(presetForKey('m', list)).toMatchObject({ preset: { id: 'full' } });
    expect(presetForKey('w', list)).toMatchObject({ preset: { id: 'file' } });
    expect(presetForKey('r', list)).toEqual({ type: 'reset' });
  });
  it('ignores keys that are no shortcut, and digits past the list', () => {
    expect(presetForKey('x', list)).toBeUndefined();
    expect(presetForKey('0', list)).toBeUndefined();
    expect(presetForKey('ArrowUp', list)).toBeUndefined();
    expect(presetForKey('3', presetsFor({}))).toBeUndefined(); // only auto and full there
    expect(presetForKey('w', presetsFor({}))).toBeUndefined();
  });
});

describe('applying a preset', () => {
  const info = { stats: stats(-1024, 3071, -1000, 1200) };
  it('sets the gray window and leaves the input untouched', () => {
    const d = grayDisplay({ center: 0, width: 100 });
    const lung = presetsFor(ct()).find((p) => p.id === 'lung')!;
    const next = applyPreset(d, info, lung);
    expect(next.window).toEqual({ center: -600, width: 1500 });
    expect(d.window).toEqual({ center: 0, width: 100 });
    expect(activePreset(next, info, presetsFor(ct()))?.id).toBe('lung');
    expect(activePreset(d, info, presetsFor(ct()))).toBeUndefined();
  });

  it('auto and full use the channel statistics', () => {
    const d: DisplaySettings = { ...grayDisplay({ center: 0, width: 1 }), channel: 0 };
    const auto = applyPreset(
      d,
      info,
      presetsFor({}).find((p) => p.kind === 'auto')!,
    );
    expect(auto.window).toEqual({ center: 100, width: 2200 }); // p2 −1000 … p98 1200
    const full = applyPreset(
      d,
      info,
      presetsFor({}).find((p) => p.kind === 'full')!,
    );
    expect(full.window).toEqual({ center: (3071 - 1024) / 2, width: 4095 });
    expect(activePreset(full, info, presetsFor({}))?.id).toBe('full');
  });

  it('in RGB mode, auto and full stretch each of the three channels; a window switches to gray', () => {
    const d: DisplaySettings = { ...grayDisplay({ center: 0, width: 1 }), mode: 'rgb', rgbChannels: [2, 1, 0] };
    const auto = applyPreset(
      d,
      info,
      presetsFor({}).find((p) => p.kind === 'auto')!,
    );
    expect(auto.mode).toBe('rgb');
    expect(auto.rgbRanges).toEqual([
      { lo: -4, hi: 4 },
      { lo: 1, hi: 9 },
      { lo: -1000, hi: 1200 },
    ]);
    const brain = applyPreset(
      d,
      info,
      presetsFor(ct()).find((p) => p.id === 'brain')!,
    );
    expect(brain.mode).toBe('gray');
    expect(brain.window).toEqual({ center: 40, width: 80 });
  });
});
