/**
 * Display as the file says (renderer/src/lib/display.ts, render.ts, colormaps.ts, wlPresets.ts):
 * NetCDF display_scale/min/max, a log scale for positive fields, the new colormaps (cividis
 * brightening steadily, a diverging map whose middle is 0, terrain for elevation models), and
 * NIfTI volumes in Hounsfield units getting the CT windows and HU.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo, SliceData } from '../../main/api/contract';
import { DatasetStore } from '../../main/service/datasets';
import { colormapLut, COLORMAPS } from '../../renderer/src/lib/colormaps';
import { canLog, centredWindow, defaultDisplay, isElevation, withScale } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { windowToRange } from '../../renderer/src/lib/windowLevel';
import { isCtDataset, presetsFor, valueUnits } from '../../renderer/src/lib/wlPresets';
import { sample } from '../helpers/samples';
import { ctNifti, fixtureDir, logPrecipNc } from '../e2e/fixtures-view';

const store = new DatasetStore();
const infos: Record<string, DatasetInfo> = {};

beforeAll(async () => {
  const dir = fixtureDir();
  const files: Record<string, string> = {
    logPr: (await logPrecipNc(dir)).path,
    ct: (await ctNifti(dir)).path,
    stent: sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'),
    colin: sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'),
    elev: sample('geotiff', 'elev.tif'),
    olinda: sample('geotiff', 'olinda_dem_float32_deflate_pred3_nodata.tif'),
    l7: sample('geotiff', 'L7_ETMs.tif'),
    u: sample('netcdf', 'sub.nc'),
  };
  for (const [k, path] of Object.entries(files)) infos[k] = await store.open({ path });
});
afterAll(() => store.closeAll());

/** Relative luminance (Rec. 709 on sRGB-decoded values) of a LUT entry. */
function luminance(lut: Uint8Array, i: number): number {
  const lin = (c: number) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(lut[i * 3]) + 0.7152 * lin(lut[i * 3 + 1]) + 0.0722 * lin(lut[i * 3 + 2]);
}

describe('the file’s display hints', () => {
  it('opens a display_scale=log variable on a log scale between display_min and display_max', () => {
    const i = infos.logPr;
    expect(i.display).toEqual({ scale: 'log', min: 10, max: 800 });
    const d = defaultDisplay(i);
    expect(d.scale).toBe('log');
    const r = windowToRange(d.window);
    expect(r.lo).toBeCloseTo(10, 9);
    expect(r.hi).toBeCloseTo(800, 9);
  });

  it('maps equal ratios to equal colour steps on a log scale, linear otherwise', () => {
    const values = Float32Array.from([10, 100, 1000, 0, -5, 31.6227766, NaN]);
    const slice: SliceData = { width: 7, height: 1, channels: 1, values };
    const log = renderSlice(slice, { ...defaultDisplay(infos.logPr), colormap: 'gray', window: { center: 505, width: 990 } });
    // 10 → 0, 1000 → 255, 100 → the middle, √10·10 → a quarter; 0 and negatives at the low end; NaN transparent.
    expect([log[0], log[4], log[8], log[12], log[16], log[20]]).toEqual([0, 128, 255, 0, 0, 64]);
    expect(log[27]).toBe(0);
    const lin = renderSlice(slice, { ...defaultDisplay(infos.logPr), colormap: 'gray', scale: 'linear', window: { center: 505, width: 990 } });
    expect(lin[4]).toBe(Math.round((90 * 255) / 990));
  });

  it('offers log for positive fields and lifts a window that reaches 0', () => {
    expect(canLog(infos.logPr, 0)).toBe(true);
    expect(canLog({ stats: { ...infos.u.stats, channels: [{ ...infos.u.stats.channels[0], min: -9, max: -1 }] } }, 0)).toBe(false);
    const lin = { ...defaultDisplay(infos.elev), window: { center: 0, width: 1000 } };
    const log = withScale(lin, infos.elev, 'log');
    expect(windowToRange(log.window).lo).toBeGreaterThan(0);
    expect(withScale(log, infos.elev, 'linear').scale).toBe('linear');
  });
});

describe('colormaps', () => {
  it('lists cividis, a diverging map and terrain', () => {
    const names = COLORMAPS.map((c) => c.name);
    for (const n of ['cividis', 'diverging', 'terrain', 'viridis', 'gray'] as const) expect(names).toContain(n);
  });

  it('cividis brightens steadily from dark blue to yellow', () => {
    const lut = colormapLut('cividis');
    for (let i = 8; i < 256; i += 8) expect(luminance(lut, i)).toBeGreaterThan(luminance(lut, i - 8));
    expect(lut[2]).toBeGreaterThan(lut[0]); // blue end
    expect(lut[255 * 3]).toBeGreaterThan(lut[255 * 3 + 2] + 100); // yellow end
  });

  it('the diverging map is lightest in its middle, blue below and red above, and the window centres on 0', () => {
    const lut = colormapLut('diverging');
    const mid = luminance(lut, 128);
    for (const i of [0, 40, 90, 166, 215, 255]) expect(luminance(lut, i)).toBeLessThan(mid);
    expect(lut[20 * 3 + 2]).toBeGreaterThan(lut[20 * 3]);
    expect(lut[235 * 3]).toBeGreaterThan(lut[235 * 3 + 2]);
    const w = centredWindow(infos.u, 0);
    const s = infos.u.stats.channels[0];
    expect(w.center).toBe(0);
    expect(w.width / 2).toBeCloseTo(Math.max(Math.abs(s.p2), Math.abs(s.p98)), 9);
  });

  it('gives elevation models the terrain map, other rasters gray', () => {
    expect(isElevation(infos.elev)).toBe(true);
    expect(isElevation(infos.olinda)).toBe(true);
    expect(defaultDisplay(infos.elev).colormap).toBe('terrain');
    expect(isElevation(infos.l7)).toBe(false);
    expect(defaultDisplay(infos.u).colormap).toBe('gray');
    const lut = colormapLut('terrain');
    expect(lut[1]).toBeGreaterThan(lut[0]); // green lowland
    expect(Math.min(lut[765], lut[766], lut[767])).toBeGreaterThan(240); // white summits
  });
});

describe('CT in NIfTI', () => {
  it('reads a NIfTI volume in the Hounsfield range as CT, with HU units and the CT windows', () => {
    const ct = infos.ct;
    expect(ct.format).toBe('nifti');
    expect(ct.units).toBeUndefined();
    expect(ct.stats.channels[0].min).toBeLessThan(-800);
    expect(isCtDataset(ct)).toBe(true);
    expect(valueUnits(ct)).toBe('HU');
    expect(presetsFor(ct).map((p) => p.id)).toEqual(expect.arrayContaining(['brain', 'bone', 'lung', 'abdomen']));
  });

  it('leaves MR and the 0–2000 stent volume alone', () => {
    for (const k of ['colin', 'stent']) {
      expect(isCtDataset(infos[k])).toBe(false);
      expect(valueUnits(infos[k])).toBeUndefined();
      expect(presetsFor(infos[k]).some((p) => p.id === 'lung')).toBe(false);
    }
  });

  it('gives an occupancy grid’s values no unit: its units are its length unit', () => {
    const occ = { ...infos.stent, format: 'occupancy', units: 'mm' };
    expect(valueUnits(occ)).toBeUndefined();
    expect(valueUnits({ ...occ, format: 'nifti' })).toBe('mm');
  });
});
