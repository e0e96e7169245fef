/**
 * The NetCDF writers: read → write (classic CDF-1/2/5 or NetCDF-4) → read must preserve values,
 * mask, coordinates and dates; the files carry CF-1.8 attributes. (Cross-checked by hand with
 * netCDF-C's ncdump and scipy.io.netcdf_file while developing; these tests use our reader.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InrError } from '../../main/core/errors';
import { createField, type Field } from '../../main/core/field';
import { closeHdf5Worker, encodeNetcdfClassic, netcdfReader, withNetcdfDataset, writeNetcdf4, writeNetcdfClassic } from '../../main/data/netcdf/index';
import { sample } from '../helpers/samples';

const nc = (name: string) => sample('netcdf', name);
const dir = mkdtempSync(join(tmpdir(), 'netcdf-write-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeHdf5Worker();
});

type Writer = { name: string; write: (path: string, f: Field) => Promise<void> };
const WRITERS: Writer[] = [
  { name: 'classic', write: async (p, f) => writeNetcdfClassic(p, f) },
  { name: 'NetCDF-4', write: (p, f) => writeNetcdf4(p, f) },
];

/** Number of positions where two arrays differ (NaN equals NaN); -1 if lengths differ. */
function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return -1;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** Values (NaN where masked), mask and coordinates of b equal those of a. */
function expectSameField(a: Field, b: Field): void {
  expect(b.axes).toEqual(a.axes);
  expect(b.shape).toEqual(a.shape);
  expect(b.units).toBe(a.units);
  expect(mismatches(b.values, a.values)).toBe(0);
  expect(b.mask === undefined).toBe(a.mask === undefined);
  if (a.mask && b.mask) expect(mismatches(b.mask, a.mask)).toBe(0);
  for (const axis of a.axes) {
    const ca = a.geometry.coordinates?.[axis];
    const cb = b.geometry.coordinates?.[axis];
    expect(cb?.values).toEqual(ca?.values);
    expect(cb?.units).toBe(ca?.units);
    expect(cb?.iso).toEqual(ca?.iso);
  }
  expect(b.geometry.spacing).toEqual(a.geometry.spacing);
  expect(b.geometry.origin).toEqual(a.geometry.origin);
}

describe.each(WRITERS)('$name writer round trips', ({ name, write }) => {
  it('reduced.nc SST: values, land mask, lat/lon and the date survive', async () => {
    const a = await netcdfReader.read(nc('reduced.nc'), {});
    const out = join(dir, `reduced-${name}.nc`);
    await write(out, a);
    const b = await netcdfReader.read(out, {});
    expectSameField(a, b);
    expect(b.channels).toEqual(['sst']);
    expect(b.dtype).toBe('float32');
    expect((b.provenance.meta as { longName: string }).longName).toBe('Daily sea surface temperature');
  });

  it('sub.nc u at one level: hourly dates and the dropped level survive', async () => {
    const a = await netcdfReader.read(nc('sub.nc'), { variable: 'u', index: { level: 1 } });
    const out = join(dir, `sub-${name}.nc`);
    await write(out, a);
    const b = await netcdfReader.read(out, {});
    expectSameField(a, b);
    expect(b.geometry.coordinates!.time.iso![9]).toBe('2017-08-20T10:00:00Z');
    const attrs = (b.provenance.meta as { variableAttributes: Record<string, { value: unknown }> }).variableAttributes;
    expect(attrs.coordinates.value).toBe('level');
    expect(attrs.standard_name.value).toBe('eastward_wind');
    const level = await netcdfReader.read(out, { variable: 'level' }); // a scalar coordinate
    expect(level.shape).toEqual([]);
    expect(Array.from(level.values)).toEqual([850]);
    expect(level.units).toBe('millibars');
    await withNetcdfDataset(out, async (ds) => {
      expect(ds.attributes.Conventions.value).toBe('CF-1.8');
      expect(ds.attributes.history.value).toMatch(/^\d{4}-\d\d-\d\dT[\d:]+Z INR Studio: written from sub\.nc \(netcdf\)\n.*ncks/s);
      expect(ds.attributes.inr_studio_source_file.value).toBe('sub.nc');
      expect(ds.variables.find((x) => x.name === 'time')!.attributes.calendar.value).toBe('gregorian');
    });
  });

  it('the NetCDF-4 sample (int64 seconds since 1970) keeps its dates', async () => {
    const a = await netcdfReader.read(nc('era5_style_uv_pressure_levels_nc4.nc'), { variable: 'v', index: { pressure_level: 0, valid_time: [3, 7] } });
    const out = join(dir, `nc4-${name}.nc`);
    await write(out, a);
    const b = await netcdfReader.read(out, {});
    expectSameField(a, b);
    expect(b.geometry.coordinates!.valid_time.iso).toEqual(['2017-08-20T04:00:00Z', '2017-08-20T05:00:00Z', '2017-08-20T06:00:00Z', '2017-08-20T07:00:00Z']);
  });

  it('bcsd pr: the 1e20 fill becomes a masked sample again', async () => {
    const a = await netcdfReader.read(nc('bcsd_obs_1999.nc'), { variable: 'pr' });
    const out = join(dir, `bcsd-${name}.nc`);
    await write(out, a);
    expectSameField(a, await netcdfReader.read(out, {}));
  });

  it('a Field without NetCDF coordinates: origin/spacing, ISO-only times, several channels', async () => {
    const iso = ['2020-01-01T00:00:00Z', '2020-01-01T06:00:00Z'];
    const values = new Float32Array(2 * 3 * 4 * 2).map((_, i) => i / 4);
    const mask = new Uint8Array(24).fill(1);
    mask[5] = 0;
    const f = createField({
      axes: ['time', 'y', 'x'],
      shape: [2, 3, 4],
      channels: ['red band', 'x'],
      values,
      mask,
      dtype: 'float32',
      units: 'K',
      geometry: { spacing: [1, -0.5, 0.5], origin: [0, 10, 20], coordinates: { time: { values: [], iso } } },
      provenance: { format: 'geotiff', path: '/data/scene.tif' },
    });
    const out = join(dir, `synthetic-${name}.nc`);
    await write(out, f);
    const red = await netcdfReader.read(out, { variable: 'red band' });
    expect(red.geometry.coordinates!.time.iso).toEqual(iso);
    expect(red.geometry.coordinates!.y.values).toEqual([10, 9.5, 9]);
    expect(red.geometry.spacing.slice(1)).toEqual([-0.5, 0.5]);
    expect(red.geometry.origin.slice(1)).toEqual([10, 20]);
    expect(red.values[0]).toBe(0);
    expect(red.values[1]).toBe(0.5);
    expect(red.mask![5]).toBe(0);
    const second = await netcdfReader.read(out, { variable: 'x_2' }); // 'x' is taken by the axis
    expect(second.values[1]).toBe(0.75);
    expect(second.units).toBe('K');
  });
});

describe('classic writer details', () => {
  it('writes CDF-1 by default, CDF-2 and CDF-5 on request, all readable', async () => {
    const a = await netcdfReader.read(nc('sub.nc'), { variable: 'v', index: { level: 0 } });
    for (const version of [1, 2, 5] as const) {
      const bytes = encodeNetcdfClassic(a, version === 1 ? {} : { version });
      expect(Array.from(bytes.subarray(0, 4))).toEqual([0x43, 0x44, 0x46, version]);
      const out = join(dir, `v${version}.nc`);
      writeNetcdfClassic(out, a, { version });
      expectSameField(a, await netcdfReader.read(out, {}));
    }
  });

  it('writes doubles on request and is atomic (no temporary file left, folders created)', async () => {
    const a = await netcdfReader.read(nc('reduced.nc'), { index: { time: 0, zlev: 0 } });
    const sub = join(dir, 'new', 'folder');
    writeNetcdfClassic(join(sub, 'sst.nc'), a, { type: 'double' });
    await writeNetcdf4(join(sub, 'sst4.nc'), a, { type: 'double', attributes: { title: 'SST' } });
    expect(readdirSync(sub).sort()).toEqual(['sst.nc', 'sst4.nc']);
    const b = await netcdfReader.read(join(sub, 'sst4.nc'), {});
    expect(b.dtype).toBe('float64');
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(b.axes).toEqual(['lat', 'lon']);
    expect(readFileSync(join(sub, 'sst.nc')).subarray(0, 4).toString('latin1')).toBe('CDF\x01');
  });

  it('refuses an empty field', () => {
    const f = createField({ axes: ['x'], shape: [0], channels: ['a'], values: new Float32Array(0), dtype: 'float32', provenance: { format: 'x', path: '' } });
    expect(() => writeNetcdfClassic(join(dir, 'empty.nc'), f)).toThrow(InrError);
  });
});
