/**
 * Coordinate labels of the slice controls (renderer/src/lib/slicing.ts): dates for time axes,
 * value plus units for levels, the physical position otherwise.
 */
import { describe, expect, it } from 'vitest';
import { axisPositionText, coordinateLabels, dateLabels, displayUnits, isTimeAxis, leadingAxes, leadingAxisLabels } from '../../renderer/src/lib/slicing';

describe('dateLabels', () => {
  it('keeps hours and minutes, drops seconds when all are on the minute', () => {
    expect(dateLabels(['2017-08-20T01:00:00Z', '2017-08-20T02:30:00Z'])).toEqual(['2017-08-20 01:00', '2017-08-20 02:30']);
  });

  it('keeps seconds when some entry has them', () => {
    expect(dateLabels(['2017-08-20T01:00:00Z', '2017-08-20T01:00:30Z'])).toEqual(['2017-08-20 01:00:00', '2017-08-20 01:00:30']);
  });

  it('gives dates only when every entry is at midnight', () => {
    expect(dateLabels(['1999-01-01T00:00:00Z', '1999-02-01T00:00:00Z'])).toEqual(['1999-01-01', '1999-02-01']);
    expect(dateLabels(['1999-01-01', '1999-01-02'])).toEqual(['1999-01-01', '1999-01-02']);
  });

  it('keeps calendar dates JS does not know, as written', () => {
    expect(dateLabels(['2000-02-30T00:00:00Z', '2000-02-30T12:00:00Z'])).toEqual(['2000-02-30 00:00', '2000-02-30 12:00']);
  });

  it('passes text it cannot read through unchanged', () => {
    expect(dateLabels(['sometime', '2017-08-20T01:00:00Z'])).toEqual(['sometime', '2017-08-20 01:00']);
  });
});

describe('coordinateLabels', () => {
  it('uses the decoded dates of a time axis', () => {
    const c = { values: [1031161, 1031162], units: 'hours since 1900-01-01 00:00:00.0', iso: ['2017-08-20T01:00:00Z', '2017-08-20T02:00:00Z'] };
    expect(coordinateLabels(c, 2)).toEqual(['2017-08-20 01:00', '2017-08-20 02:00']);
  });

  it('writes levels with their units, millibars as hPa', () => {
    expect(coordinateLabels({ values: [825, 850], units: 'millibars' }, 2)).toEqual(['825 hPa', '850 hPa']);
    expect(coordinateLabels({ values: [0.5, 10.25], units: 'm' }, 2)).toEqual(['0.5 m', '10.25 m']);
    expect(coordinateLabels({ values: [1, 2] }, 2)).toEqual(['1', '2']);
  });

  it('shows undecoded times as plain numbers, without the "since" unit', () => {
    expect(coordinateLabels({ values: [5, 6], units: 'days since 0000-00-00' }, 2)).toEqual(['5', '6']);
  });

  it('gives nothing when the values do not fit the axis', () => {
    expect(coordinateLabels({ values: [1, 2, 3] }, 2)).toBeUndefined();
    expect(coordinateLabels(undefined, 2)).toBeUndefined();
    // ISO strings of the wrong length fall back to the values
    expect(coordinateLabels({ values: [1, 2], iso: ['2000-01-01'] }, 2)).toEqual(['1', '2']);
  });

  it('shortens common units', () => {
    expect(displayUnits('millibar')).toBe('hPa');
    expect(displayUnits('hPa')).toBe('hPa');
    expect(displayUnits('degrees_north')).toBe('°N');
    expect(displayUnits('degrees_east')).toBe('°E');
    expect(displayUnits('K')).toBe('K');
    expect(displayUnits('')).toBeUndefined();
  });
});

describe('leading axes of a NetCDF field', () => {
  const info = {
    shape: [10, 2, 9, 9],
    axes: ['time', 'level', 'latitude', 'longitude'],
    spacing: [1, 25, -0.25, 0.25],
    origin: [1031161, 825, 52, 5],
    coordinates: {
      time: {
        values: [...Array(10).keys()].map((i) => 1031161 + i),
        units: 'hours since 1900-01-01',
        iso: [...Array(10).keys()].map((i) => `2017-08-20T${String(i + 1).padStart(2, '0')}:00:00Z`),
      },
      level: { values: [825, 850], units: 'millibars' },
      latitude: { values: [52, 51.75], units: 'degrees_north' },
    },
  };

  it('labels time and level, and knows which is time', () => {
    const l = leadingAxisLabels(info);
    expect(l).toHaveLength(2);
    expect(l[0].time).toBe(true);
    expect(l[0].labels?.[4]).toBe('2017-08-20 05:00');
    expect(l[1].time).toBe(false);
    expect(l[1].labels).toEqual(['825 hPa', '850 hPa']);
  });

  it('says where an axis stands: its label, else its physical position, else nothing', () => {
    const [time, level] = leadingAxes(info);
    const labels = leadingAxisLabels(info);
    expect(axisPositionText(level, 1, labels[1].labels)).toBe('850 hPa');
    expect(axisPositionText(time, 9, labels[0].labels)).toBe('2017-08-20 10:00');
    const z = leadingAxes({ shape: [20, 4, 4], axes: ['z', 'y', 'x'], spacing: [7, 1, 1], origin: [-72.75, 0, 0] })[0];
    expect(axisPositionText(z, 2)).toBe('z = -58.75');
    const plain = leadingAxes({ shape: [3, 4, 4], axes: ['band', 'y', 'x'], spacing: [1, 1, 1], origin: [0, 0, 0] })[0];
    expect(axisPositionText(plain, 2)).toBe('');
  });

  it('treats CF time units as time even without decoded dates', () => {
    expect(isTimeAxis('t', { values: [1], units: 'days since 2000-01-01' })).toBe(true);
    expect(isTimeAxis('level', { values: [1], units: 'hPa' })).toBe(false);
    expect(isTimeAxis('time', undefined)).toBe(false);
  });
});
