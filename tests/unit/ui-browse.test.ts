/**
 * The dataset browser's pure model (renderer/src/lib/browse.ts): DICOM series grouped by patient
 * and study, NetCDF variables apart from coordinates, Landsat composites, and which entry of a
 * listing is on view.
 */
import { describe, expect, it } from 'vitest';
import type { DatasetInfo, SeriesEntry, VariableEntry } from '../../main/api/contract';
import {
  groupSeries,
  isCoordinateVariable,
  landsatPresets,
  matchingPreset,
  openSeriesUid,
  openVariableName,
  seriesSize,
  sourceLabel,
  splitVariables,
  variableDimensions,
} from '../../renderer/src/lib/browse';
import { withComposite, withGrayChannel, withRgbChannel, defaultDisplay } from '../../renderer/src/lib/display';

function series(uid: string, patient: string, study: string, extra: Partial<SeriesEntry> = {}): SeriesEntry {
  return { uid, patient, study, description: `desc ${uid}`, modality: 'MR', slices: 20, rows: 256, columns: 256, ...extra };
}

describe('groupSeries', () => {
  it('groups by patient, then study, keeping the listing order', () => {
    const g = groupSeries([series('1', 'P2', 'S-a'), series('2', 'P1', 'S-b'), series('3', 'P2', 'S-c'), series('4', 'P2', 'S-a'), series('5', 'P1', 'S-b')]);
    expect(g.map((p) => p.patient)).toEqual(['P2', 'P1']);
    expect(g[0].studies.map((s) => [s.study, s.series.map((x) => x.uid)])).toEqual([
      ['S-a', ['1', '4']],
      ['S-c', ['3']],
    ]);
    expect(g[1].studies.map((s) => [s.study, s.series.map((x) => x.uid)])).toEqual([['S-b', ['2', '5']]]);
    expect(g.map((p) => p.count)).toEqual([3, 2]);
  });

  it('puts blank patients and studies into one named group each', () => {
    const g = groupSeries([series('1', '', ''), series('2', '  ', ' '), series('3', 'P', '')]);
    expect(g.map((p) => p.patient)).toEqual(['(no patient)', 'P']);
    expect(g[0].studies).toHaveLength(1);
    expect(g[0].studies[0].study).toBe('(no study)');
    expect(g[0].studies[0].series.map((s) => s.uid)).toEqual(['1', '2']);
  });

  it('gives nothing for no series', () => {
    expect(groupSeries([])).toEqual([]);
  });

  it('describes a series size', () => {
    expect(seriesSize({ rows: 256, columns: 192, slices: 20 })).toBe('256×192 · 20 slices');
    expect(seriesSize({ rows: 512, columns: 512, slices: 1 })).toBe('512×512 · 1 image');
  });
});

describe('NetCDF variables', () => {
  const vars: VariableEntry[] = [
    { name: 'latitude', dimensions: ['latitude'], shape: [9], units: 'degrees_north' },
    { name: 'time', dimensions: ['time'], shape: [10] },
    { name: 'u', dimensions: ['time', 'level', 'latitude', 'longitude'], shape: [10, 2, 9, 9], units: 'm s**-1', longName: 'U component of wind' },
    { name: 'station_id', dimensions: ['station'], shape: [4] },
  ];

  it('tells coordinate variables from data variables', () => {
    expect(isCoordinateVariable(vars[0])).toBe(true);
    expect(isCoordinateVariable(vars[2])).toBe(false);
    expect(isCoordinateVariable(vars[3])).toBe(false); // one dimension, but not its own
    const { data, coordinates } = splitVariables(vars);
    expect(data.map((v) => v.name)).toEqual(['u', 'station_id']);
    expect(coordinates.map((v) => v.name)).toEqual(['latitude', 'time']);
  });

  it('writes dimensions with their lengths', () => {
    expect(variableDimensions(vars[2])).toBe('(time 10, level 2, latitude 9, longitude 9)');
    expect(variableDimensions({ dimensions: ['x'], shape: [] })).toBe('(x)');
  });
});

describe('Landsat composites', () => {
  it('maps ETM+ band numbers onto a six-band stack (bands 1–5 and 7)', () => {
    const p = landsatPresets(6);
    expect(p.map((x) => [x.label, x.channels])).toEqual([
      ['3-2-1', [2, 1, 0]],
      ['4-3-2', [3, 2, 1]],
      ['7-4-2', [5, 3, 1]],
    ]);
  });

  it('takes band 7 as the seventh channel when there are seven or more', () => {
    expect(landsatPresets(8).find((x) => x.id === '742')?.channels).toEqual([6, 3, 1]);
  });

  it('offers none below six bands', () => {
    expect(landsatPresets(5)).toEqual([]);
    expect(landsatPresets(3)).toEqual([]);
  });

  it('finds the preset a display shows', () => {
    const p = landsatPresets(6);
    expect(matchingPreset(p, [3, 2, 1])?.id).toBe('432');
    expect(matchingPreset(p, [1, 2, 3])).toBeUndefined();
  });
});

describe('which listing entry is on view', () => {
  const base = { shape: [20, 256, 256], channels: ['value'] };
  const list = [series('a', 'P', 'S', { slices: 20 }), series('b', 'P', 'S', { slices: 12 })];

  it('takes the selection when there is one', () => {
    expect(openSeriesUid({ ...base, listing: { series: list }, selection: { series: 'b' } })).toBe('b');
  });

  it('else the only series, else the only one of the open size', () => {
    expect(openSeriesUid({ ...base, listing: { series: [list[1]] } })).toBe('b');
    expect(openSeriesUid({ ...base, listing: { series: list } })).toBe('a');
    expect(openSeriesUid({ ...base, listing: { series: [list[0], { ...list[0], uid: 'c' }] } })).toBeUndefined(); // ambiguous
    expect(openSeriesUid({ ...base })).toBeUndefined();
  });

  it('finds the variable a NetCDF dataset became', () => {
    const variables: VariableEntry[] = [
      { name: 'u', dimensions: ['y', 'x'], shape: [2, 2] },
      { name: 'v', dimensions: ['y', 'x'], shape: [2, 2] },
    ];
    expect(openVariableName({ shape: [2, 2], channels: ['v'], listing: { variables } })).toBe('v');
    expect(openVariableName({ shape: [2, 2], channels: ['u'], listing: { variables }, selection: { variable: 'v' } })).toBe('v');
    expect(openVariableName({ shape: [2, 2], channels: ['w'], listing: { variables } })).toBeUndefined();
  });

  it('labels a source by name and series or variable, never by patient', () => {
    const info = { ...base, listing: { series: [series('a', 'DOE^JANE', 'S', { description: 'T1 AX' })] } };
    const label = sourceLabel('/data/mr-series/', info);
    expect(label).toBe('mr-series · T1 AX');
    expect(label).not.toContain('DOE');
    const variables: VariableEntry[] = [
      { name: 'u', dimensions: ['y', 'x'], shape: [2, 2] },
      { name: 'v', dimensions: ['y', 'x'], shape: [2, 2] },
    ];
    expect(sourceLabel('C:\\data\\sub.nc', { shape: [2, 2], channels: ['u'], listing: { variables } })).toBe('sub.nc · u');
    expect(sourceLabel('/x/camera.png', { shape: [2, 2], channels: ['value'] })).toBe('camera.png');
  });
});

describe('display changes from the browser', () => {
  const info: Pick<DatasetInfo, 'channels' | 'dtype' | 'stats' | 'window'> = {
    channels: ['b1', 'b2', 'b3', 'b4'],
    dtype: 'uint16',
    stats: {
      samples: 4,
      valid: 4,
      maskedFraction: 0,
      nonFinite: 0,
      channels: [1, 2, 3, 4].map((k) => ({ name: `b${k}`, min: 0, max: 1000 * k, mean: 1, std: 1, p2: 10 * k, p98: 900 * k })),
    },
  };

  it('sets a composite: RGB mode, the three channels, each at its own stretch', () => {
    const d = withComposite(defaultDisplay(info), info, [3, 2, 1]);
    expect(d.mode).toBe('rgb');
    expect(d.rgbChannels).toEqual([3, 2, 1]);
    expect(d.rgbRanges).toEqual([
      { lo: 40, hi: 3600 },
      { lo: 30, hi: 2700 },
      { lo: 20, hi: 1800 },
    ]);
  });

  it('changes one RGB channel without touching the others', () => {
    const d0 = withComposite(defaultDisplay(info), info, [0, 1, 2]);
    const d = withRgbChannel(d0, info, 1, 3);
    expect(d.rgbChannels).toEqual([0, 3, 2]);
    expect(d.rgbRanges[0]).toEqual(d0.rgbRanges[0]);
    expect(d.rgbRanges[1]).toEqual({ lo: 40, hi: 3600 });
    expect(d0.rgbChannels).toEqual([0, 1, 2]); // the input is not changed
  });

  it('shows one band in gray through its own window', () => {
    const d = withGrayChannel(withComposite(defaultDisplay(info), info, [3, 2, 1]), info, 2);
    expect(d.mode).toBe('gray');
    expect(d.channel).toBe(2);
    expect(d.window).toEqual({ center: (30 + 2700) / 2, width: 2670 });
  });
});
