/**
 * Issue 18, point 4, end to end through the real engine: display as the file says.
 *
 * - A NetCDF variable with display_scale=log, display_min, display_max (the bcsd precipitation
 *   with the attributes NASA ocean-colour files carry) opens on a log scale over that range.
 * - The colormaps: a diverging map centred on 0 (ERA5 v wind), cividis, terrain for a DEM.
 * - A NIfTI volume in Hounsfield units (the pydicom CT slice) gets the CT windows and HU.
 * - The dataset panel: the detected format, absolute spacing with units, the CRS's short name.
 *
 * Every display is checked on the view's pixels against the reader's values drawn through the
 * display the test expects.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetInfo, SliceData } from '../../main/api/contract';
import type { Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { centredWindow, defaultDisplay, type DisplaySettings } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { ctNifti, fixtureDir, logPrecipNc } from './fixtures-view';
import { boxOf, matchShare, pageShot } from './view-helpers';

const MAIN = '[data-testid="view-main"]';
const IMAGE = `${MAIN} canvas[data-role="image"]`;

const env = useEngineSession(async ({ session }) => {
  await session.page.getByTestId('layout-single').click();
});

function firstPlane(f: Field, lead = 0): SliceData {
  const d = f.shape.length;
  const n = f.shape[d - 2] * f.shape[d - 1];
  return { width: f.shape[d - 1], height: f.shape[d - 2], channels: 1, values: f.values.subarray(lead * n, (lead + 1) * n), mask: f.mask?.subarray(lead * n, (lead + 1) * n) };
}

async function viewShows(plane: SliceData, d: DisplaySettings): Promise<void> {
  const want = renderSlice(plane, d);
  await expect.poll(async () => equalPixels((await canvasPixels(env.session.page, IMAGE)).data, want), { timeout: 15_000 }).toBe(plane.width * plane.height);
}

async function open(path: string): Promise<DatasetInfo> {
  await openByPath(env.session.page, path);
  return env.bridge.engine.open({ path });
}

describe('display as the file says', () => {
  it('honours display_scale=log with display_min and display_max', async () => {
    const { page } = env.session;
    const { path, field } = await logPrecipNc(fixtureDir());
    const info = await open(path);
    await expect(page.getByTestId('scale-log').getAttribute('aria-checked')).resolves.toBe('true');
    await expect(page.getByTestId('dataset-display').textContent()).resolves.toBe('log 10–800');
    const plane = firstPlane(field);
    const logDisplay: DisplaySettings = { ...defaultDisplay(info), scale: 'log', window: { center: 405, width: 790 } };
    await viewShows(plane, logDisplay);
    // Not what a linear scale over the same range would draw.
    const linear = renderSlice(plane, { ...logDisplay, scale: 'linear' });
    expect(equalPixels((await canvasPixels(page, IMAGE)).data, linear)).toBeLessThan(plane.width * plane.height * 0.5);
    await expect(page.getByTestId('colorbar-units').textContent()).resolves.toContain('log');
    await expect(page.locator(`${MAIN} [data-role="window"]`).textContent()).resolves.toContain('log [10, 800]');
    // Back to linear and to log again from the panel.
    await page.getByTestId('scale-linear').click();
    await viewShows(plane, { ...logDisplay, scale: 'linear' });
    await page.getByTestId('scale-log').click();
    await viewShows(plane, logDisplay);
    await page.mouse.move(5, 5);
    const shot = await pageShot(page, join(RESULTS, 'e2e-display-log.png'));
    expect(matchShare(shot, await boxOf(page.locator(IMAGE)), renderSlice(plane, logDisplay), plane.width, plane.height, { flipY: true })).toBeGreaterThan(0.97);
  });

  it('centres the diverging map on 0: negative winds blue, positive red', async () => {
    const { page } = env.session;
    const nc = sample('netcdf', 'sub.nc');
    await openByPath(page, nc);
    await page.locator('[data-testid="variable-row"][data-name="v"]').click();
    await expect.poll(() => page.locator('[data-testid="variable-row"][data-name="v"]').getAttribute('aria-current'), { timeout: 30_000 }).toBe('true');
    const info = await env.bridge.engine.open({ path: nc, variable: 'v' });
    const v = await openField(nc, { variable: 'v' });
    await page.getByTestId('colormap').selectOption('diverging');
    const w = centredWindow(info, 0);
    expect(w.center).toBe(0);
    await expect(page.getByTestId('wl-level').inputValue()).resolves.toBe('0');
    const plane = firstPlane(v);
    await viewShows(plane, { ...defaultDisplay(info), colormap: 'diverging', window: w });
    const shown = await canvasPixels(page, IMAGE);
    let agree = 0;
    let signed = 0;
    for (let i = 0; i < plane.width * plane.height; i++) {
      const x = plane.values[i];
      if (Math.abs(x) < 0.2 * (w.width / 2)) continue;
      signed++;
      const [r, , b] = [shown.data[i * 4], shown.data[i * 4 + 1], shown.data[i * 4 + 2]];
      if ((x < 0 && b > r) || (x > 0 && r > b)) agree++;
    }
    expect(signed).toBeGreaterThan(10);
    expect(agree).toBe(signed);
    await page.getByTestId('colormap').selectOption('cividis');
    await viewShows(plane, { ...defaultDisplay(info), colormap: 'cividis', window: w });
    await page.screenshot({ path: join(RESULTS, 'e2e-display-cividis.png') });
  });

  it('gives a DEM the terrain map', async () => {
    const { page } = env.session;
    const tif = sample('geotiff', 'elev.tif');
    const info = await open(tif);
    await expect(page.getByTestId('colormap').inputValue()).resolves.toBe('terrain');
    await viewShows(firstPlane(await openField(tif)), { ...defaultDisplay(info), colormap: 'terrain' });
    await page.screenshot({ path: join(RESULTS, 'e2e-display-terrain.png') });
  });

  it('gives a NIfTI volume in Hounsfield units the CT windows and HU', async () => {
    const { page } = env.session;
    const { path } = await ctNifti(fixtureDir());
    const info = await open(path);
    await expect(page.getByTestId('dataset-units').textContent()).resolves.toBe('HU');
    await page.getByTestId('wl-preset-lung').waitFor();
    await page.getByTestId('wl-preset-lung').click();
    const ct = await openField(path);
    await viewShows(firstPlane(ct), { ...defaultDisplay(info), window: { center: -600, width: 1500 } });
    await page.getByTestId('wl-preset-bone').click();
    await viewShows(firstPlane(ct), { ...defaultDisplay(info), window: { center: 400, width: 1800 } });
    const box = await boxOf(page.locator(IMAGE));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect(page.getByTestId('status-cursor').textContent()).resolves.toMatch(/-?\d+ HU$/);
    await page.screenshot({ path: join(RESULTS, 'e2e-display-ct-nifti.png') });
  });

  it('states the detected format, absolute spacing with units and a short CRS name', async () => {
    const { page } = env.session;
    await open(sample('geotiff', 'L7_ETMs.tif'));
    await expect(page.getByTestId('dataset-format').textContent()).resolves.toBe('GeoTIFF (Deflate)');
    await expect(page.getByTestId('dataset-spacing').textContent()).resolves.toBe('y 28.5 m · x 28.5 m');
    await expect(page.getByTestId('dataset-crs').textContent()).resolves.toBe('UTM 25S');
    await expect(page.getByTestId('dataset-crs').getAttribute('title')).resolves.toContain('EPSG:31985');
    await open(sample('netcdf', 'reduced.nc'));
    await expect(page.getByTestId('dataset-format').textContent()).resolves.toBe('NetCDF classic (CDF-1)');
    await expect(page.getByTestId('dataset-spacing').textContent()).resolves.toBe('time 1 d · zlev 1 m · lat 2° · lon 2°');
    await open(sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'));
    await expect(page.getByTestId('dataset-format').textContent()).resolves.toBe('NIfTI-1 (gzip)');
    await expect(page.getByTestId('dataset-spacing').textContent()).resolves.toBe('z 1 mm · y 1 mm · x 1 mm');
    await expect(page.getByTestId('status-dataset').textContent()).resolves.toContain('NIfTI-1 (gzip)');
    const panel = page.getByTestId('dataset-panel');
    await panel.screenshot({ path: join(RESULTS, 'e2e-display-dataset-panel.png') });
    expect(env.session.problems).toEqual([]);
  });
});
