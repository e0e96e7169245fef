/**
 * Exact coordinates under the cursor (renderer/src/lib/coords.ts, datasetText.ts): fixed-point
 * values at the grid's resolution with their units, latitude/longitude where the file gives them,
 * the CRS's short name, a NIfTI volume's position through its affine with the signs of its sform,
 * and 0-based voxel indices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../main/api/contract';
import { DatasetStore } from '../../main/service/datasets';
import { coordinateText, decimalsFor, formatFixed, indexText, indexWithRange, positionText, unitSymbol, worldPosition } from '../../renderer/src/lib/coords';
import { spacingText } from '../../renderer/src/lib/datasetText';
import { sample } from '../helpers/samples';
import { colinWithSform, fixtureDir, FLIPPED_SFORM, sstOnYX } from '../e2e/fixtures-view';

const store = new DatasetStore();
const infos: Record<string, DatasetInfo> = {};

beforeAll(async () => {
  const dir = fixtureDir();
  const files: Record<string, string> = {
    sst: sample('netcdf', 'reduced.nc'),
    era5: sample('netcdf', 'sub.nc'),
    elev: sample('geotiff', 'elev.tif'),
    l7: sample('geotiff', 'L7_ETMs.tif'),
    colin: sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'),
    flipped: colinWithSform(dir, FLIPPED_SFORM),
    mr: sample('dicom', 'mr-series'),
    camera: sample('images', 'camera.png'),
    curvi: (await sstOnYX(dir, { name: 'curvi.nc', curvilinear: true })).path,
  };
  for (const [k, path] of Object.entries(files)) infos[k] = await store.open({ path });
});
afterAll(() => store.closeAll());

const main = (i: DatasetInfo) => ({ rowDim: i.shape.length - 2, colDim: i.shape.length - 1 });

describe('numbers at the grid resolution', () => {
  it('resolves a hundredth of the step, never in exponent form', () => {
    expect(decimalsFor(2)).toBe(2);
    expect(decimalsFor(28.5)).toBe(1);
    expect(decimalsFor(0.25)).toBe(3);
    expect(decimalsFor(1 / 120)).toBe(5);
    expect(decimalsFor(1000)).toBe(0);
    expect(formatFixed(9120746.500028737, 1)).toBe('9120746.5');
    expect(formatFixed(-0.0001, 2)).toBe('0.00');
    expect(formatFixed(-45.25, 2)).toBe('-45.25');
    expect(unitSymbol('degrees_north')).toBe('°');
    expect(unitSymbol('metre')).toBe('m');
  });

  it('states indices 0-based, in storage order, with the axis range', () => {
    expect(indexText(infos.colin, [0, 216, 180])).toBe('[z 0, y 216, x 180]');
    expect(indexWithRange(90, 181)).toBe('90 [0–180]');
  });
});

describe('maps', () => {
  it('gives OISST rows their true latitude: the top row shown is the northernmost', () => {
    const d = infos.sst.shape.length;
    const at = [0, 0, 89, 10];
    const lat = infos.sst.coordinates!.lat.values[89];
    expect(lat).toBeGreaterThan(0);
    expect(coordinateText(infos.sst, at, main(infos.sst))).toBe(`lat ${lat.toFixed(2)}°  lon ${infos.sst.coordinates!.lon.values[10].toFixed(2)}°`);
    expect(positionText(infos.sst, at, { rowDim: d - 2, colDim: d - 1 })).toMatch(/^\[time 0, zlev 0, lat 89, lon 10\] {2}lat 89\.00°/);
  });

  it('reads a geographic GeoTIFF as lat/lon in degrees with the CRS name', () => {
    const e = infos.elev;
    const y = e.origin[0] + 3 * e.spacing[0];
    const x = e.origin[1] + 7 * e.spacing[1];
    expect(e.crs?.name).toBe('WGS 84');
    expect(coordinateText(e, [3, 7], main(e))).toBe(`lat ${y.toFixed(5)}°  lon ${x.toFixed(5)}°  · WGS 84`);
  });

  it('reads a projected GeoTIFF as easting and northing in metres, with its UTM zone', () => {
    const l = infos.l7;
    expect(l.crs).toMatchObject({ epsg: 31985, name: 'UTM 25S', kind: 'projected', units: 'm' });
    const n = l.origin[0] + 100 * l.spacing[0];
    const e = l.origin[1] + 200 * l.spacing[1];
    expect(coordinateText(l, [100, 200], main(l))).toBe(`E ${e.toFixed(1)} m  N ${n.toFixed(1)} m  · UTM 25S`);
    expect(spacingText(l)).toBe('y 28.5 m · x 28.5 m');
  });

  it('reads a curvilinear grid through its 2-D latitude and longitude and its grid mapping', () => {
    const c = infos.curvi;
    expect(c.crs).toMatchObject({ epsg: 4326, name: 'WGS 84', kind: 'geographic' });
    const W = c.shape[1];
    const i = 80 * W + 33;
    expect(coordinateText(c, [80, 33], main(c))).toBe(`lat ${formatFixed(c.latLon!.lat[i], 2)}°  lon ${formatFixed(c.latLon!.lon[i], 2)}°  · WGS 84`);
  });

  it('states spacing as a magnitude with units (ERA5 latitude runs south: −0.25°)', () => {
    expect(infos.era5.spacing[2]).toBeLessThan(0);
    expect(spacingText(infos.era5)).toBe('time 1 h · level 25 hPa · latitude 0.25° · longitude 0.25°');
    expect(spacingText(infos.camera)).toBe('');
  });
});

describe('medical volumes', () => {
  /** world = srow · [i, j, k, 1], i the x index (fastest), k the z index (slowest). */
  function fromSform(srow: number[][], z: number, y: number, x: number): number[] {
    return srow.map((r) => r[0] * x + r[1] * y + r[2] * z + r[3]);
  }

  it('follows the NIfTI affine, signs included', () => {
    const colinSform = [
      [1, 0, 0, -90],
      [0, 1, 0, -125],
      [0, 0, 1, -71],
    ];
    for (const [name, srow] of [
      ['colin', colinSform],
      ['flipped', FLIPPED_SFORM],
    ] as const) {
      const info = infos[name];
      for (const [z, y, x] of [
        [0, 0, 0],
        [90, 108, 90],
        [180, 216, 180],
        [12, 200, 3],
      ]) {
        const w = worldPosition(info, [z, y, x])!;
        expect(w.frame).toBe('RAS');
        const want = fromSform(srow as number[][], z, y, x);
        for (let k = 0; k < 3; k++) expect(w.xyz[k]).toBeCloseTo(want[k], 4);
      }
    }
    // The flipped head: x grows to the left of the index, so voxel x 10 sits at R 80.
    expect(coordinateText(infos.flipped, [30, 20, 10], main(infos.flipped))).toBe('RAS (80.00, 71.00, -41.00) mm');
  });

  it('states a DICOM series in LPS millimetres through its oblique direction cosines', () => {
    const mr = infos.mr;
    expect(mr.orientation?.frame).toBe('LPS');
    const w = worldPosition(mr, [0, 0, 0])!;
    // Voxel 0 is the first slice's ImagePositionPatient.
    const d = mr.shape.length;
    expect(w.xyz).toEqual([mr.origin[d - 1], mr.origin[d - 2], mr.origin[d - 3]]);
    const step = worldPosition(mr, [0, 1, 0])!;
    const col = [1, 4, 7].map((k) => mr.orientation!.direction[k] * mr.spacing[d - 2]);
    for (let k = 0; k < 3; k++) expect(step.xyz[k] - w.xyz[k]).toBeCloseTo(col[k], 9);
    expect(coordinateText(mr, [0, 0, 0], main(mr))).toMatch(/^LPS \(-?\d+\.\d{3}, -?\d+\.\d{3}, -?\d+\.\d{3}\) mm$/);
  });
});
