/**
 * CF decoding (masking, unpacking) and CF time conversion, on hand-made inputs whose expected
 * outputs follow from CF Conventions §2.5.1, §4.4 and §8.1.
 */
import { describe, expect, it } from 'vitest';
import { cfDecode, cfDecoding } from '../../main/data/netcdf/cf';
import { dateFromJdn, decodeTimes, isTimeUnits, isoToUnixMs, jdnFromGregorian, parseTimeUnits } from '../../main/data/netcdf/cf-time';
import type { NcAttributes } from '../../main/data/netcdf/model';

const num = (type: NcAttributes[string]['type'], ...value: number[]) => ({ type, value });
const txt = (value: string) => ({ type: 'char' as const, value });

describe('CF masking and unpacking', () => {
  it('unpacks with scale_factor/add_offset and masks _FillValue and missing_value on stored values', () => {
    const d = cfDecoding('short', { scale_factor: num('double', 0.5), add_offset: num('double', 10), _FillValue: num('short', -32767), missing_value: num('short', -1, -2) });
    const r = cfDecode(Int16Array.of(0, 4, -32767, -1, -2, -3), d);
    expect(Array.from(r.mask!)).toEqual([1, 1, 0, 0, 0, 1]);
    expect(r.values[0]).toBe(10);
    expect(r.values[1]).toBe(12);
    expect(r.values[5]).toBe(8.5);
    expect(r.values[2]).toBeNaN();
    expect(r.validCount).toBe(3);
  });

  it('compares a float fill given as double after rounding it to float', () => {
    const d = cfDecoding('float', { _FillValue: num('double', 1e20) });
    const r = cfDecode(Float32Array.of(1e20, 3), d);
    expect(Array.from(r.mask!)).toEqual([0, 1]);
  });

  it('masks NaN, and the NetCDF default fill when there is no _FillValue', () => {
    const r = cfDecode(Float32Array.of(NaN, 9.969209968386869e36, 1), cfDecoding('float', {}));
    expect(Array.from(r.mask!)).toEqual([0, 0, 1]);
    const s = cfDecode(Int16Array.of(-32767, 5), cfDecoding('short', {}));
    expect(Array.from(s.mask!)).toEqual([0, 1]);
    const b = cfDecode(Int8Array.of(-127, 5), cfDecoding('byte', {}));
    expect(b.mask).toBeUndefined();
  });

  it('reads _Unsigned bytes as unsigned, fill value included', () => {
    const d = cfDecoding('byte', { _Unsigned: txt('true'), _FillValue: num('byte', -1) });
    expect(d.storage).toBe('ubyte');
    const r = cfDecode(Int8Array.of(-56, -1, 3), d);
    expect(r.values[0]).toBe(200);
    expect(Array.from(r.mask!)).toEqual([1, 0, 1]);
  });

  it('applies valid_range on stored values when it has the packed type, else on physical values', () => {
    const packed = cfDecoding('short', { scale_factor: num('float', 0.1), valid_range: num('short', 0, 100) });
    expect(Array.from(cfDecode(Int16Array.of(-1, 0, 100, 101), packed).mask!)).toEqual([0, 1, 1, 0]);
    const physical = cfDecoding('short', { scale_factor: num('float', 0.1), valid_min: num('double', 0), valid_max: num('double', 10) });
    expect(Array.from(cfDecode(Int16Array.of(-1, 0, 100, 101), physical).mask!)).toEqual([0, 1, 1, 0]);
  });
});

describe('CF time', () => {
  it('recognises and parses "<unit> since <date>"', () => {
    expect(isTimeUnits('hours since 1900-01-01 00:00:00.0')).toBe(true);
    expect(isTimeUnits('degrees_north')).toBe(false);
    expect(parseTimeUnits('hours since 1900-01-01 00:00:00.0')).toEqual({ unitMs: 3_600_000, reference: { year: 1900, month: 1, day: 1, msOfDay: 0 } });
    expect(parseTimeUnits('seconds since 1970-01-01T00:00:00Z')).toMatchObject({ unitMs: 1000 });
    expect(parseTimeUnits('days since 1-1-1')).toMatchObject({ reference: { year: 1, month: 1, day: 1 } });
    expect(typeof parseTimeUnits('furlongs since 1900-01-01')).toBe('string');
  });

  it('converts the ERA5 layouts (hours since 1900, seconds since 1970) to the same ISO dates', () => {
    expect(decodeTimes([1031161, 1031170], 'hours since 1900-01-01 00:00:00.0', 'gregorian').iso).toEqual(['2017-08-20T01:00:00Z', '2017-08-20T10:00:00Z']);
    expect(decodeTimes([1503190800], 'seconds since 1970-01-01', 'proleptic_gregorian').iso).toEqual(['2017-08-20T01:00:00Z']);
    expect(decodeTimes([1460], 'days since 1978-01-01 00:00:00').iso).toEqual(['1981-12-31T00:00:00Z']);
    expect(decodeTimes([0.5], 'days since 2000-01-01').iso).toEqual(['2000-01-01T12:00:00Z']);
    expect(decodeTimes([1.5], 'seconds since 2000-01-01').iso).toEqual(['2000-01-01T00:00:01.500Z']);
  });

  it('agrees with JavaScript Date on proleptic Gregorian dates', () => {
    let seed = 7;
    for (let k = 0; k < 200; k++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const days = (seed % 200_000) - 100_000; // 1696 … 2243
      const expected = new Date(Date.UTC(1970, 0, 1) + days * 86_400_000).toISOString().replace('.000Z', 'Z');
      expect(decodeTimes([days], 'days since 1970-01-01', 'proleptic_gregorian').iso![0]).toBe(expected);
      expect(decodeTimes([days], 'days since 1970-01-01', 'standard').iso![0]).toBe(expected);
    }
  });

  it('honours the time zone of the reference date', () => {
    expect(decodeTimes([1], 'hours since 1970-01-01 00:00:00 +01:00').iso).toEqual(['1970-01-01T00:00:00Z']);
    expect(decodeTimes([0], 'hours since 1970-01-01 00:00 -0230').iso).toEqual(['1970-01-01T02:30:00Z']);
  });

  it('switches from Julian to Gregorian in the standard calendar only', () => {
    // 1582-10-04 (Julian) is followed by 1582-10-15 (Gregorian).
    expect(decodeTimes([1], 'days since 1582-10-04', 'standard').iso).toEqual(['1582-10-15T00:00:00Z']);
    expect(decodeTimes([1], 'days since 1582-10-04', 'proleptic_gregorian').iso).toEqual(['1582-10-05T00:00:00Z']);
    // Year 1500 is a leap year in the Julian calendar only.
    expect(decodeTimes([59], 'days since 1500-01-01', 'standard').iso).toEqual(['1500-02-29T00:00:00Z']);
    expect(decodeTimes([59], 'days since 1500-01-01', 'proleptic_gregorian').iso).toEqual(['1500-03-01T00:00:00Z']);
    expect(decodeTimes([0], 'days since 1582-10-10', 'standard').note).toMatch(/does not exist/);
  });

  it('leaves other calendars and calendar units numeric, with a note', () => {
    for (const cal of ['noleap', '365_day', '360_day', 'all_leap', 'julian', 'none']) {
      const r = decodeTimes([0], 'days since 2000-01-01', cal);
      expect(r.iso).toBeUndefined();
      expect(r.note).toMatch(cal);
    }
    expect(decodeTimes([1], 'months since 2000-01-01').note).toMatch(/calendar-dependent/);
  });

  it('formats years outside 0–9999 in the expanded ISO form and round-trips ISO text', () => {
    expect(decodeTimes([-1], 'days since 0000-01-01', 'proleptic_gregorian').iso).toEqual(['-000001-12-31T00:00:00Z']);
    expect(isoToUnixMs('2017-08-20T01:00:00Z')).toBe(Date.UTC(2017, 7, 20, 1));
    expect(isoToUnixMs('-000001-12-31T00:00:00Z')).toBe(Date.parse('0000-01-01T00:00:00Z') - 86_400_000);
    for (const jdn of [0, 1_721_426, 2_299_161, 2_440_588, 2_460_000]) {
      const [y, m, d] = dateFromJdn(jdn, true);
      expect(jdnFromGregorian(y, m, d)).toBe(jdn);
    }
  });
});
