/**
 * The NetCDF reader on the real sample files. Expected values come from the files themselves
 * read independently (netcdfjs on the raw packed shorts, then the CF formula by hand) and from
 * ncdump -t (the ISO dates).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetCDFReader } from 'netcdfjs';
import { InrError } from '../../main/core/errors';
import { closeHdf5Worker, netcdfReader, sniffNetcdf } from '../../main/data/netcdf/index';
import { openClassic } from '../../main/data/netcdf/classic-dataset';
import { fileSource } from '../../main/data/netcdf/source';
import { sample } from '../helpers/samples';

const nc = (name: string) => sample('netcdf', name);
const REDUCED = nc('reduced.nc');
const SUB = nc('sub.nc');
const NC4 = nc('era5_style_uv_pressure_levels_nc4.nc');
const BCSD = nc('bcsd_obs_1999.nc');
const HOURS = Array.from({ length: 10 }, (_, i) => `2017-08-20T${String(i + 1).padStart(2, '0')}:00:00Z`);

const dir = mkdtempSync(join(tmpdir(), 'netcdf-test-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeHdf5Worker();
});

function head(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path).subarray(0, 1024));
}

function maskedFraction(mask: Uint8Array | undefined, n: number): number {
  return mask ? 1 - mask.reduce((a, b) => a + b, 0) / n : 0;
}

/** u as stored in sub.nc (netcdfjs, raw shorts) and its packing attributes. */
function rawSubU(): { raw: number[]; scale: number; offset: number } {
  const r = new NetCDFReader(readFileSync(SUB));
  const u = r.variables.find((v) => v.name === 'u')!;
  const attr = (n: string) => (u.attributes as Array<{ name: string; value: number }>).find((a) => a.name === n)!.value;
  return { raw: r.getDataVariable('u') as number[], scale: attr('scale_factor'), offset: attr('add_offset') };
}

describe('recognising NetCDF by magic bytes', () => {
  it('tells the flavours apart and ignores the extension', () => {
    expect(sniffNetcdf(head(REDUCED))).toBe('cdf1');
    expect(sniffNetcdf(head(SUB))).toBe('cdf2');
    expect(sniffNetcdf(head(NC4))).toBe('hdf5');
    expect(sniffNetcdf(new TextEncoder().encode('CDF\x05'))).toBe('cdf5');
    expect(sniffNetcdf(new Uint8Array([0x50, 0x4b, 3, 4]))).toBe('zip');
    expect(sniffNetcdf(head(sample('images', 'camera.png')))).toBeUndefined();
    const renamed = join(dir, 'no-extension');
    writeFileSync(renamed, readFileSync(SUB));
    expect(netcdfReader.sniff(head(renamed), renamed)).toBe(true);
  });

  it('finds an HDF5 signature after a user block (512 and 2048 bytes)', async () => {
    const ref = await netcdfReader.read(NC4, { index: { pressure_level: 1 } });
    for (const ub of [512, 2048]) {
      const file = join(dir, `userblock-${ub}.nc`);
      writeFileSync(file, Buffer.concat([Buffer.alloc(ub), readFileSync(NC4)]));
      expect(netcdfReader.sniff(head(file), file)).toBe(true);
      const f = await netcdfReader.read(file, { index: { pressure_level: 1 } });
      expect(Array.from(f.values)).toEqual(Array.from(ref.values));
    }
  });
});

describe('listing variables', () => {
  it('lists name, dimensions, shape, units and long_name', async () => {
    const l = await netcdfReader.list!(SUB, {});
    const u = l.variables!.find((v) => v.name === 'u')!;
    expect(u).toEqual({ name: 'u', dimensions: ['time', 'level', 'latitude', 'longitude'], shape: [10, 2, 9, 9], units: 'm s**-1', longName: 'U component of wind' });
    expect(l.variables!.map((v) => v.name)).toEqual(['latitude', 'level', 'longitude', 'time', 'u', 'v']);
  });

  it('hides NetCDF-4 bookkeeping and lists the CDS layout', async () => {
    const l = await netcdfReader.list!(NC4, {});
    const u = l.variables!.find((v) => v.name === 'u')!;
    expect(u.dimensions).toEqual(['valid_time', 'pressure_level', 'latitude', 'longitude']);
    expect(u.shape).toEqual([10, 2, 9, 9]);
    expect(l.variables!.find((v) => v.name === 'valid_time')!.units).toBe('seconds since 1970-01-01');
  });
});

describe('reduced.nc: NOAA OISST, CDF-1, packed shorts', () => {
  it('decodes SST in °C with land masked, lat/lon and the date kept', async () => {
    const f = await netcdfReader.read(REDUCED, {});
    expect(f.channels).toEqual(['sst']); // the default skips lon, lat, zlev, time
    expect(f.axes).toEqual(['time', 'zlev', 'lat', 'lon']);
    expect(f.shape).toEqual([1, 1, 90, 180]);
    expect(f.units).toBe('degree_C');
    expect(f.dtype).toBe('int16');
    const land = maskedFraction(f.mask, 90 * 180);
    expect(land).toBeGreaterThan(0.2);
    expect(land).toBeLessThan(0.4);
    let lo = Infinity;
    let hi = -Infinity;
    f.values.forEach((v, i) => {
      if (f.mask![i]) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      } else expect(v).toBeNaN();
    });
    expect(lo).toBeGreaterThanOrEqual(-2);
    expect(hi).toBeLessThanOrEqual(35);
    expect(hi - lo).toBeGreaterThan(25);
    // scale_factor applied to the stored short (netcdfjs as the independent raw reader).
    const raw = (new NetCDFReader(readFileSync(REDUCED)).getDataVariable('sst') as number[][])[0];
    const i = raw.findIndex((x) => x > 2000);
    expect(f.values[i]).toBeCloseTo(raw[i] * 0.01, 5);
    expect(f.mask![raw.indexOf(-999)]).toBe(0);
    const { coordinates } = f.geometry;
    expect(coordinates!.lat.values[0]).toBe(-89);
    expect(coordinates!.lat.units).toBe('degrees_north');
    expect(coordinates!.lon.values[179]).toBe(358);
    expect(coordinates!.time.iso).toEqual(['1981-12-31T00:00:00Z']);
    expect(f.geometry.spacing.slice(2)).toEqual([2, 2]);
    expect(f.geometry.origin.slice(2)).toEqual([-89, 0]);
    expect((f.provenance.meta as { fileFormat: string }).fileFormat).toBe('NetCDF classic (CDF-1)');
  });

  it('reads another variable by name, and drops an axis fixed by an index', async () => {
    const f = await netcdfReader.read(REDUCED, { variable: 'ice', index: { time: 0, zlev: 0 } });
    expect(f.channels).toEqual(['ice']);
    expect(f.axes).toEqual(['lat', 'lon']);
    expect(f.units).toBe('percent');
    const meta = f.provenance.meta as { selection: Record<string, { index: number; iso?: string }> };
    expect(meta.selection.time).toMatchObject({ index: 0, iso: '1981-12-31T00:00:00Z' });
  });
});

describe('sub.nc: legacy ERA5, CDF-2, packed u/v', () => {
  it('u at one level over 10 times → [10, 9, 9] with ISO times', async () => {
    const f = await netcdfReader.read(SUB, { variable: 'u', index: { level: 0 } });
    expect(f.axes).toEqual(['time', 'latitude', 'longitude']);
    expect(f.shape).toEqual([10, 9, 9]);
    expect(f.mask).toBeUndefined();
    expect(f.geometry.coordinates!.time.iso).toEqual(HOURS);
    expect(f.geometry.coordinates!.time.units).toBe('hours since 1900-01-01 00:00:00.0');
    expect(f.geometry.coordinates!.latitude.values).toEqual([52, 51.75, 51.5, 51.25, 51, 50.75, 50.5, 50.25, 50]);
    expect(f.geometry.spacing).toEqual([1, -0.25, 0.25]);
    expect(f.geometry.origin).toEqual([1031161, 52, 5]);
    const { raw, scale, offset } = rawSubU();
    for (let t = 0; t < 10; t++) {
      for (let k = 0; k < 81; k++) {
        const expected = raw[t * 162 + k] * scale + offset; // level 0 of [10, 2, 9, 9]
        expect(f.values[t * 81 + k]).toBeCloseTo(expected, 4);
      }
    }
    const meta = f.provenance.meta as { selection: Record<string, unknown>; packing: unknown };
    expect(meta.selection.level).toEqual({ index: 0, value: 825, units: 'millibars' });
    expect(meta.packing).toEqual({ scaleFactor: scale, addOffset: offset, storage: 'short' });
  });

  it('a [start, end) range keeps and shortens an axis', async () => {
    const all = await netcdfReader.read(SUB, { variable: 'v', index: { level: 1 } });
    const part = await netcdfReader.read(SUB, { variable: 'v', index: { level: 1, time: [2, 5] } });
    expect(part.shape).toEqual([3, 9, 9]);
    expect(part.geometry.coordinates!.time.iso).toEqual(HOURS.slice(2, 5));
    expect(Array.from(part.values)).toEqual(Array.from(all.values.subarray(2 * 81, 5 * 81)));
  });

  it('the default variable is the first largest data variable', async () => {
    const f = await netcdfReader.read(SUB, {});
    expect(f.channels).toEqual(['u']);
    expect(f.shape).toEqual([10, 2, 9, 9]);
  });

  it('rejects bad variables and selections with E_ARG', async () => {
    const code = async (opts: Parameters<typeof netcdfReader.read>[1]) =>
      netcdfReader.read(SUB, opts).then(
        () => 'ok',
        (e: InrError) => e.code,
      );
    expect(await code({ variable: 'w' })).toBe('E_ARG');
    expect(await code({ index: { level: 2 } })).toBe('E_ARG');
    expect(await code({ index: { level: -1 } })).toBe('E_ARG');
    expect(await code({ index: { time: [5, 5] } })).toBe('E_ARG');
    expect(await code({ index: { depth: 0 } })).toBe('E_ARG');
  });
});

describe('era5_style_uv_pressure_levels_nc4.nc: NetCDF-4, CDS 2024+ layout', () => {
  it('gives the values of sub.nc (within packing precision) and the same ISO dates', async () => {
    const { scale } = rawSubU();
    for (const variable of ['u', 'v']) {
      for (const level of [0, 1]) {
        const a = await netcdfReader.read(SUB, { variable, index: { level } });
        const b = await netcdfReader.read(NC4, { variable, index: { pressure_level: level } });
        expect(b.axes).toEqual(['valid_time', 'latitude', 'longitude']);
        expect(b.shape).toEqual(a.shape);
        expect(b.geometry.coordinates!.valid_time.iso).toEqual(a.geometry.coordinates!.time.iso);
        let worst = 0;
        a.values.forEach((x, i) => (worst = Math.max(worst, Math.abs(x - b.values[i]))));
        expect(worst).toBeLessThanOrEqual(scale);
      }
    }
  });

  it('keeps int64 seconds since 1970 as numbers and regular spacing', async () => {
    const f = await netcdfReader.read(NC4, { variable: 'u', index: { pressure_level: 0 } });
    expect(f.geometry.coordinates!.valid_time.values[0]).toBe(Date.UTC(2017, 7, 20, 1) / 1000);
    expect(f.geometry.spacing).toEqual([3600, -0.25, 0.25]);
    expect(f.dtype).toBe('float32');
    expect((f.provenance.meta as { fileFormat: string }).fileFormat).toBe('NetCDF-4/HDF5');
  });
});

describe('bcsd_obs_1999.nc: _FillValue 1e20', () => {
  it('masks the 1e20 fill of pr and tas', async () => {
    for (const variable of ['pr', 'tas']) {
      const f = await netcdfReader.read(BCSD, { variable });
      expect(f.shape).toEqual([12, 33, 81]);
      const frac = maskedFraction(f.mask, 12 * 33 * 81);
      expect(frac).toBeGreaterThan(0.1);
      expect(frac).toBeLessThan(0.5);
      let largest = 0;
      f.values.forEach((v, i) => {
        if (f.mask![i]) largest = Math.max(largest, Math.abs(v));
      });
      expect(largest).toBeLessThan(1e4);
    }
  });

  it('dates monthly times and keeps the irregular axis in index space', async () => {
    const f = await netcdfReader.read(BCSD, { variable: 'tas' });
    const time = f.geometry.coordinates!.time;
    expect(time.iso![0]).toBe('1999-01-31T00:00:00Z');
    expect(time.iso![11]).toBe('1999-12-31T00:00:00Z');
    expect(f.geometry.spacing[0]).toBe(1);
    expect(f.geometry.origin[0]).toBe(0);
    expect((f.provenance.meta as { irregularAxes: string[] }).irregularAxes).toEqual(['time']);
    expect(f.geometry.spacing.slice(1)).toEqual([0.125, 0.125]);
  });
});

describe('classic data engines', () => {
  it('netcdfjs and our lazy reader agree on every variable and on hyperslabs', async () => {
    for (const path of [REDUCED, SUB, BCSD]) {
      const a = await openClassic(await fileSource(path), path, 'netcdfjs');
      const b = await openClassic(await fileSource(path), path, 'own');
      try {
        for (const v of a.variables) {
          const start = v.shape.map((s) => (s > 2 ? 1 : 0));
          const count = v.shape.map((s, i) => Math.max(1, s - start[i] - 1));
          for (const [st, ct] of [
            [v.shape.map(() => 0), v.shape],
            [start, count],
          ]) {
            const x = await a.read(v, st, ct);
            const y = await b.read(v, st, ct);
            expect(y.constructor).toBe(x.constructor);
            expect(Array.from(y)).toEqual(Array.from(x));
          }
        }
      } finally {
        await a.close();
        await b.close();
      }
    }
  });
});
