/**
 * The other NetCDF containers: CDF-5 (64-bit data, as PnetCDF and netCDF-C write it), ZIP
 * archives of NetCDF files (as the Copernicus CDS delivers mixed ERA5 requests), and the files
 * that must be refused clearly: unknown classic versions, non-NetCDF bytes, truncation.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { InrError } from '../../main/core/errors';
import { closeHdf5Worker, netcdfReader } from '../../main/data/netcdf/index';
import { parseClassicHeader } from '../../main/data/netcdf/classic-header';
import { sample } from '../helpers/samples';

const nc = (name: string) => sample('netcdf', name);
const dir = mkdtempSync(join(tmpdir(), 'netcdf-containers-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeHdf5Worker();
});

/**
 * A CDF-5 file written by netCDF-C 4.9.0 (`ncgen -k cdf5`) from this CDL: an unlimited
 * dimension with two record variables, a packed ushort with a fill value, a uint64 beyond 2³²,
 * a ubyte attribute.
 *
 *     dimensions: time = UNLIMITED ; lat = 3 ; lon = 4 ;
 *     variables:
 *       double time(time) ; time:units = "days since 2000-01-01" ; time:calendar = "standard" ;
 *       float lat(lat) ; lat:units = "degrees_north" ;   float lon(lon) ; lon:units = "degrees_east" ;
 *       ushort t(time, lat, lon) ; t:units = "K" ; t:long_name = "temperature" ;
 *         t:scale_factor = 0.01 ; t:add_offset = 200. ; t:_FillValue = 65535US ;
 *       uint64 n(lat) ; n:long_name = "count" ;
 *       :Conventions = "CF-1.8" ; :flags = 1UB, 2UB ;
 *     data: time = 0, 31 ; lat = 10, 20, 30 ; lon = 0, 90, 180, 270 ;
 *       t = 1, 2, …, 11, _, 60000, 60001, …, 60011 ; n = 1, 2, 5000000000 ;
 */
const NCGEN_CDF5 = Buffer.from(
  'Q0RGBQAAAAAAAAACAAAACgAAAAAAAAADAAAAAAAAAAR0aW1lAAAAAAAAAAAAAAAAAAAAA2xhdAAAAAAAAAAAAwAAAAAAAAADbG9uAAAAAAAAAAAEAAAADAAAAAAAAAACAAAAAAAAAAtDb252ZW50aW9ucwAAAAACAAAAAAAAAAZDRi0xLjgAAAAAAAAAAAAFZmxhZ3MAAAAAAAAHAAAAAAAAAAIBAgAAAAAACwAAAAAAAAAFAAAAAAAAAAR0aW1lAAAAAAAAAAEAAAAAAAAAAAAAAAwAAAAAAAAAAgAAAAAAAAAFdW5pdHMAAAAAAAACAAAAAAAAABVkYXlzIHNpbmNlIDIwMDAtMDEtMDEAAAAAAAAAAAAACGNhbGVuZGFyAAAAAgAAAAAAAAAIc3RhbmRhcmQAAAAGAAAAAAAAAAgAAAAAAAADuAAAAAAAAAADbGF0AAAAAAAAAAABAAAAAAAAAAEAAAAMAAAAAAAAAAEAAAAAAAAABXVuaXRzAAAAAAAAAgAAAAAAAAANZGVncmVlc19ub3J0aAAAAAAAAAUAAAAAAAAADAAAAAAAAAOEAAAAAAAAAANsb24AAAAAAAAAAAEAAAAAAAAAAgAAAAwAAAAAAAAAAQAAAAAAAAAFdW5pdHMAAAAAAAACAAAAAAAAAAxkZWdyZWVzX2Vhc3QAAAAFAAAAAAAAABAAAAAAAAADkAAAAAAAAAABdAAAAAAAAAAAAAADAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAACAAAADAAAAAAAAAAFAAAAAAAAAAV1bml0cwAAAAAAAAIAAAAAAAAAAUsAAAAAAAAAAAAACWxvbmdfbmFtZQAAAAAAAAIAAAAAAAAAC3RlbXBlcmF0dXJlAAAAAAAAAAAMc2NhbGVfZmFjdG9yAAAABgAAAAAAAAABP4R64UeuFHsAAAAAAAAACmFkZF9vZmZzZXQAAAAAAAYAAAAAAAAAAUBpAAAAAAAAAAAAAAAAAApfRmlsbFZhbHVlAAAAAAAIAAAAAAAAAAH//wAAAAAACAAAAAAAAAAYAAAAAAAAA8AAAAAAAAAAAW4AAAAAAAAAAAAAAQAAAAAAAAABAAAADAAAAAAAAAABAAAAAAAAAAlsb25nX25hbWUAAAAAAAACAAAAAAAAAAVjb3VudAAAAAAAAAsAAAAAAAAAGAAAAAAAAAOgQSAAAEGgAABB8AAAAAAAAEK0AABDNAAAQ4cAAAAAAAAAAAABAAAAAAAAAAIAAAABKgXyAAAAAAAAAAAAAAEAAgADAAQABQAGAAcACAAJAAoAC///QD8AAAAAAADqYOph6mLqY+pk6mXqZupn6mjqaepq6ms=',
  'base64',
);

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof InrError ? e.code : `not an InrError: ${String(e)}`),
  );
}

describe('CDF-5', () => {
  it('parses the 64-bit header of a netCDF-C file', () => {
    const h = parseClassicHeader(NCGEN_CDF5);
    expect(h.version).toBe(5);
    expect(h.numrecs).toBe(2);
    expect(h.dimensions).toEqual([
      { name: 'time', size: 2, unlimited: true },
      { name: 'lat', size: 3 },
      { name: 'lon', size: 4 },
    ]);
    expect(h.attributes.flags).toEqual({ type: 'ubyte', value: [1, 2] });
    expect(h.variables.map((v) => `${v.name}:${v.type}`)).toEqual(['time:double', 'lat:float', 'lon:float', 't:ushort', 'n:uint64']);
    expect(h.recordSize).toBe(8 + 24);
  });

  it('reads a packed ushort record variable with its fill value and dates', async () => {
    const file = join(dir, 'ncgen5.nc');
    writeFileSync(file, NCGEN_CDF5);
    const f = await netcdfReader.read(file, {});
    expect(f.channels).toEqual(['t']);
    expect(f.shape).toEqual([2, 3, 4]);
    expect(f.dtype).toBe('uint16');
    expect(f.values[0]).toBeCloseTo(200.01, 4);
    expect(f.values[12]).toBeCloseTo(800, 3);
    expect(f.values[23]).toBeCloseTo(800.11, 3);
    expect(f.mask![11]).toBe(0);
    expect(f.mask!.reduce((a, b) => a + b, 0)).toBe(23);
    expect(f.geometry.coordinates!.time.iso).toEqual(['2000-01-01T00:00:00Z', '2000-02-01T00:00:00Z']);
    const n = await netcdfReader.read(file, { variable: 'n' });
    expect(Array.from(n.values)).toEqual([1, 2, 5e9]);
    expect(n.dtype).toBe('uint64');
  });

  it('reads back what our writer writes as CDF-5 (sub.nc)', async () => {
    const { writeNetcdfClassic } = await import('../../main/data/netcdf/index');
    const a = await netcdfReader.read(nc('sub.nc'), { variable: 'u', index: { level: 0 } });
    const file = join(dir, 'ours5.nc');
    writeNetcdfClassic(file, a, { version: 5 });
    const b = await netcdfReader.read(file, {});
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(b.geometry.coordinates!.time.iso).toEqual(a.geometry.coordinates!.time.iso);
  });
});

/**
 * A CDF-1 file written by netCDF-C (`ncgen -k classic`): a single record variable of bytes, whose
 * records follow each other unpadded (NUG "Note on padding"), with _Unsigned and a fill value.
 *
 *     dimensions: t = UNLIMITED ; x = 3 ; len = 5 ;
 *     variables: byte q(t, x) ; q:_Unsigned = "true" ; q:_FillValue = -1b ; q:scale_factor = 0.5f ;
 *                char label(len) ;  byte s(x) ;
 *     data: q = 1, 200, _, 10, 20, 30, 255, 0, 128 ; label = "hello" ; s = -5, 0, 127 ;
 */
const NCGEN_BYTES = Buffer.from(
  'Q0RGAQAAAAMAAAAKAAAAAwAAAAF0AAAAAAAAAAAAAAF4AAAAAAAAAwAAAANsZW4AAAAABQAAAAAAAAAAAAAACwAAAAMAAAABcQAAAAAAAAIAAAAAAAAAAQAAAAwAAAADAAAACV9VbnNpZ25lZAAAAAAAAAIAAAAEdHJ1ZQAAAApfRmlsbFZhbHVlAAAAAAABAAAAAf8AAAAAAAAMc2NhbGVfZmFjdG9yAAAABQAAAAE/AAAAAAAAAQAAAAQAAAEYAAAABWxhYmVsAAAAAAAAAQAAAAIAAAAAAAAAAAAAAAIAAAAIAAABDAAAAAFzAAAAAAAAAQAAAAEAAAAAAAAAAAAAAAEAAAAEAAABFGhlbGxvAAAA+wB/gQHI/woUHv8AgA==',
  'base64',
);

describe('classic corner cases', () => {
  it('reads unpadded records of a single byte record variable, unsigned, with its fill', async () => {
    const file = join(dir, 'bytes.nc');
    writeFileSync(file, NCGEN_BYTES);
    expect(parseClassicHeader(NCGEN_BYTES).recordSize).toBe(3);
    const f = await netcdfReader.read(file, {});
    expect(f.channels).toEqual(['q']);
    expect(f.dtype).toBe('uint8');
    expect(Array.from(f.mask!)).toEqual([1, 1, 0, 1, 1, 1, 0, 1, 1]);
    expect(Array.from(f.values).filter((_, i) => f.mask![i])).toEqual([0.5, 100, 5, 10, 15, 0, 64]);
    const s = await netcdfReader.read(file, { variable: 's' });
    expect(Array.from(s.values)).toEqual([-5, 0, 127]);
    expect(await codeOf(netcdfReader.read(file, { variable: 'label' }))).toBe('E_UNSUPPORTED');
  });
});

describe('ZIP archives of NetCDF files', () => {
  const zipOf = (entries: Record<string, Uint8Array>, name: string): string => {
    const file = join(dir, name);
    writeFileSync(file, zipSync(entries));
    return file;
  };

  it('lists the variables across members and reads each from its member', async () => {
    const file = zipOf(
      {
        'data_stream-oper_stepType-instant.nc': new Uint8Array(readFileSync(nc('sub.nc'))),
        'data_stream-oper_stepType-accum.nc': new Uint8Array(readFileSync(nc('era5_style_uv_pressure_levels_nc4.nc'))),
        'README.txt': new TextEncoder().encode('not NetCDF'),
      },
      'era5.zip',
    );
    expect(netcdfReader.sniff(new Uint8Array(readFileSync(file).subarray(0, 1024)), file)).toBe(true);
    const names = (await netcdfReader.list!(file, {})).variables!.map((v) => v.name);
    expect(names).toEqual(['latitude', 'level', 'longitude', 'time', 'u', 'v', 'valid_time', 'pressure_level']);
    const fromZip = await netcdfReader.read(file, { variable: 'u', index: { level: 0 } });
    const direct = await netcdfReader.read(nc('sub.nc'), { variable: 'u', index: { level: 0 } });
    expect(Array.from(fromZip.values)).toEqual(Array.from(direct.values));
    expect(fromZip.geometry.coordinates!.time.iso).toEqual(direct.geometry.coordinates!.time.iso);
    const meta = fromZip.provenance.meta as { fileFormat: string; notes: string[] };
    expect(meta.fileFormat).toBe('ZIP of 2 NetCDF files (NetCDF 64-bit offset (CDF-2), NetCDF-4/HDF5)');
    expect(meta.notes.join('\n')).toMatch(/README\.txt \(not NetCDF\)/);
  });

  it('reads a NetCDF-4 member through a temporary file', async () => {
    const file = zipOf({ 'a.nc': new Uint8Array(readFileSync(nc('era5_style_uv_pressure_levels_nc4.nc'))) }, 'nc4.zip');
    const f = await netcdfReader.read(file, { variable: 'v', index: { pressure_level: 1 } });
    expect(f.shape).toEqual([10, 9, 9]);
    expect(f.geometry.coordinates!.valid_time.iso![0]).toBe('2017-08-20T01:00:00Z');
  });

  it('refuses archives without NetCDF members and skips unsafe names', async () => {
    const none = zipOf({ 'notes.txt': new TextEncoder().encode('hello') }, 'none.zip');
    expect(netcdfReader.sniff(new Uint8Array(readFileSync(none).subarray(0, 1024)), none)).toBe(false);
    expect(await codeOf(netcdfReader.read(none, {}))).toBe('E_FORMAT');
    const unsafe = zipOf({ '../evil.nc': new Uint8Array(readFileSync(nc('sub.nc'))) }, 'unsafe.zip');
    expect(await codeOf(netcdfReader.read(unsafe, {}))).toBe('E_FORMAT');
    const broken = join(dir, 'broken.zip');
    writeFileSync(broken, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)]));
    expect(await codeOf(netcdfReader.read(broken, {}))).toBe('E_CORRUPT');
  });
});

describe('refusals', () => {
  it('an unknown classic version is E_UNSUPPORTED, other bytes E_FORMAT', async () => {
    const v3 = join(dir, 'v3.nc');
    writeFileSync(v3, Buffer.concat([Buffer.from('CDF\x03'), Buffer.alloc(60)]));
    expect(netcdfReader.sniff(new Uint8Array(readFileSync(v3)), v3)).toBe(true);
    expect(await codeOf(netcdfReader.read(v3, {}))).toBe('E_UNSUPPORTED');
    const png = sample('images', 'camera.png');
    expect(await codeOf(netcdfReader.read(png, {}))).toBe('E_FORMAT');
  });

  it('truncated files are E_CORRUPT with a reason', async () => {
    const bytes = readFileSync(nc('sub.nc'));
    for (const len of [3, 20, 1000, bytes.length - 100]) {
      const file = join(dir, `trunc-${len}.nc`);
      writeFileSync(file, bytes.subarray(0, len));
      const err = await netcdfReader.read(file, { variable: 'v' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InrError);
      expect((err as InrError).code).toBe('E_CORRUPT');
      expect((err as InrError).message).toMatch(/truncated|ends|header/);
    }
    const nc4 = readFileSync(nc('era5_style_uv_pressure_levels_nc4.nc'));
    const cut = join(dir, 'trunc4.nc');
    writeFileSync(cut, nc4.subarray(0, 20_000));
    const err = await netcdfReader.read(cut, {}).catch((e: unknown) => e);
    expect((err as InrError).code).toBe('E_CORRUPT');
    expect((err as InrError).message).toMatch(/truncated file/);
  });

  it('absurd dimensions end in E_CORRUPT before any allocation', async () => {
    const bytes = new Uint8Array(readFileSync(nc('sub.nc')));
    // The first dimension length (latitude = 9) follows magic, numrecs, tag, count and the name.
    const view = new DataView(bytes.buffer);
    expect(view.getUint32(28)).toBe(9);
    view.setUint32(28, 0x7fffffff);
    const file = join(dir, 'absurd.nc');
    writeFileSync(file, bytes);
    const err = (await netcdfReader.read(file, {}).catch((e: unknown) => e)) as InrError;
    expect(['E_CORRUPT', 'E_TOO_LARGE']).toContain(err.code);
  });
});
