/**
 * Geography right side up (renderer/src/lib/mapGrid.ts, viewTransform.ts): which grids are maps,
 * which way their axes run in the real sample files, and how the views mirror them so north is
 * up and east is right while readouts keep the file's coordinates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../main/api/contract';
import { DatasetStore } from '../../main/service/datasets';
import { axisCoordinate, axisDirection, isMapGrid, mainPixelShape, mapFlip, mirroredSlice } from '../../renderer/src/lib/mapGrid';
import { cssTransformShaped, displayToImage, displayToScreen, fitTransform, imageToDisplay, screenToImage, type PixelShape } from '../../renderer/src/lib/viewTransform';
import { sample } from '../helpers/samples';

const store = new DatasetStore();
const infos: Record<string, DatasetInfo> = {};

beforeAll(async () => {
  const files = {
    sst: sample('netcdf', 'reduced.nc'),
    era5: sample('netcdf', 'sub.nc'),
    bcsd: sample('netcdf', 'bcsd_obs_1999.nc'),
    elev: sample('geotiff', 'elev.tif'),
    l7: sample('geotiff', 'L7_ETMs.tif'),
    camera: sample('images', 'camera.png'),
    colin: sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'),
  };
  for (const [k, path] of Object.entries(files)) infos[k] = await store.open({ path });
});
afterAll(() => store.closeAll());

describe('which grids are maps', () => {
  it('finds the NetCDF lat/lon grids and the GeoTIFFs, not images or volumes', () => {
    expect(isMapGrid(infos.sst)).toBe(true);
    expect(isMapGrid(infos.era5)).toBe(true);
    expect(isMapGrid(infos.bcsd)).toBe(true);
    expect(isMapGrid(infos.elev)).toBe(true);
    expect(isMapGrid(infos.l7)).toBe(true);
    expect(isMapGrid(infos.camera)).toBe(false);
    expect(isMapGrid(infos.colin)).toBe(false);
    // A TIFF without georeferencing is a picture: no flips.
    expect(isMapGrid({ ...infos.elev, crs: undefined, spacing: [1, 1], origin: [0, 0] })).toBe(false);
    // A NetCDF (y, x) grid without coordinate values is index space.
    expect(isMapGrid({ ...infos.sst, coordinates: undefined })).toBe(false);
  });
});

describe('north up, east right', () => {
  it('flips the OISST grid, whose latitude grows with the row, and no other sample', () => {
    const d = infos.sst.shape.length;
    // The file's own latitude: row 0 is the southernmost.
    const lat = infos.sst.coordinates!.lat.values;
    expect(lat[0]).toBeLessThan(0);
    expect(lat[lat.length - 1]).toBeGreaterThan(0);
    expect(axisDirection(infos.sst, d - 2)).toBe(1);
    expect(mapFlip(infos.sst)).toEqual({ flipX: false, flipY: true });
    // ERA5 runs 52° → 50° N, bcsd 33 → 37° N; GeoTIFFs have a negative y step.
    expect(infos.era5.coordinates!.latitude.values[0]).toBeGreaterThan(infos.era5.coordinates!.latitude.values[8]);
    expect(mapFlip(infos.era5)).toEqual({ flipX: false, flipY: false });
    expect(mapFlip(infos.bcsd)).toEqual({ flipX: false, flipY: true });
    expect(infos.elev.spacing[0]).toBeLessThan(0);
    expect(mapFlip(infos.elev)).toEqual({ flipX: false, flipY: false });
    expect(mapFlip(infos.l7)).toEqual({ flipX: false, flipY: false });
    expect(mapFlip(infos.camera)).toEqual({ flipX: false, flipY: false });
  });

  it('flips a GeoTIFF with a positive y step and a grid whose longitude falls', () => {
    const upward = { ...infos.elev, spacing: [Math.abs(infos.elev.spacing[0]), infos.elev.spacing[1]] };
    expect(mapFlip(upward)).toEqual({ flipX: false, flipY: true });
    const lon = infos.era5.coordinates!.longitude;
    const westward = {
      ...infos.era5,
      spacing: [...infos.era5.spacing.slice(0, 3), -0.25],
      coordinates: { ...infos.era5.coordinates, longitude: { ...lon, values: [...lon.values].reverse() } },
    };
    expect(mapFlip(westward)).toEqual({ flipX: true, flipY: false });
    expect(mainPixelShape(westward)).toEqual({ aspect: 1, flipY: false, flipX: true });
  });

  it('reads a curvilinear grid by its 2-D latitude and longitude', () => {
    const H = 3;
    const W = 4;
    const lat = new Float64Array(H * W).map((_, i) => 10 + Math.floor(i / W)); // grows with the row
    const lon = new Float64Array(H * W).map((_, i) => 100 - (i % W)); // falls with the column
    const curvi = { ...infos.sst, shape: [H, W], axes: ['y', 'x'], spacing: [1, 1], origin: [0, 0], coordinates: undefined, latLon: { lat, lon } };
    expect(isMapGrid(curvi)).toBe(true);
    expect(mapFlip(curvi)).toEqual({ flipX: true, flipY: true });
  });

  it('keeps the true coordinate of every row: the flip is the view only', () => {
    const d = infos.sst.shape.length;
    const lat = infos.sst.coordinates!.lat.values;
    for (const i of [0, 44, 89]) expect(axisCoordinate(infos.sst, d - 2, i)).toBe(lat[i]);
    // Regular GeoTIFF rows: origin + i · spacing (pixel centres).
    expect(axisCoordinate(infos.elev, 0, 10)).toBeCloseTo(infos.elev.origin[0] + 10 * infos.elev.spacing[0], 12);
  });

  it('gives map cells their aspect and square pixels to everything else', () => {
    expect(mainPixelShape(infos.sst)).toEqual({ aspect: 1, flipY: true });
    const r = Math.abs(infos.elev.spacing[0] / infos.elev.spacing[1]);
    expect(mainPixelShape(infos.elev).aspect).toBeCloseTo(r, 12);
    expect(mainPixelShape(infos.camera)).toEqual({ aspect: 1, flipY: false });
  });
});

describe('a mirrored view maps screen and image both ways', () => {
  const image = { width: 180, height: 90 };
  const vp = { width: 700, height: 500 };
  const shapes: PixelShape[] = [
    { aspect: 1, flipY: true },
    { aspect: 1, flipY: false, flipX: true },
    { aspect: 1.5, flipY: true, flipX: true },
  ];
  for (const shape of shapes) {
    it(`round-trips and matches its CSS transform (${JSON.stringify(shape)})`, () => {
      const t = { ...fitTransform({ width: image.width, height: image.height * shape.aspect }, vp), fit: false, zoom: 3.1, cx: 70, cy: 40 };
      const css = cssTransformShaped(t, vp, image, shape);
      const m = /translate\(([-\d.e]+)px, ([-\d.e]+)px\) scale\(([-\d.e]+), ([-\d.e]+)\)/.exec(css)!;
      const [tx, ty, sx, sy] = m.slice(1).map(Number);
      for (const p of [
        { x: 0, y: 0 },
        { x: 179.5, y: 0.5 },
        { x: 33.25, y: 71.75 },
      ]) {
        const s = displayToScreen(t, imageToDisplay(p, image, shape), vp);
        // What the browser draws: translate + scale · image point.
        expect(tx + sx * p.x).toBeCloseTo(s.x, 9);
        expect(ty + sy * p.y).toBeCloseTo(s.y, 9);
        const back = displayToImage(screenToImage(t, s.x, s.y, vp), image, shape);
        expect(back.x).toBeCloseTo(p.x, 9);
        expect(back.y).toBeCloseTo(p.y, 9);
      }
      // Row 0 (the south of OISST) lands at the bottom when flipped.
      const top = displayToScreen(t, imageToDisplay({ x: 10, y: 0 }, image, shape), vp).y;
      const bottom = displayToScreen(t, imageToDisplay({ x: 10, y: 90 }, image, shape), vp).y;
      expect(top > bottom).toBe(shape.flipY);
    });
  }

  it('mirrors a slice for the 3D height field, values and mask alike', () => {
    const s = { width: 3, height: 2, channels: 1, values: Float32Array.from([1, 2, 3, 4, 5, 6]), mask: Uint8Array.from([1, 0, 1, 1, 1, 0]) };
    const y = mirroredSlice(s, false, true);
    expect(Array.from(y.values)).toEqual([4, 5, 6, 1, 2, 3]);
    expect(Array.from(y.mask!)).toEqual([1, 1, 0, 1, 0, 1]);
    expect(Array.from(mirroredSlice(s, true, false).values)).toEqual([3, 2, 1, 6, 5, 4]);
    expect(mirroredSlice(s, false, false)).toBe(s);
    expect(Array.from(s.values)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
