/**
 * Issue 18, points 1 and 2 for maps, end to end through the real engine: geography right side
 * up, with exact coordinates under the cursor.
 *
 * - NOAA OISST (reduced.nc) stores latitude from 89° S at row 0 to 89° N: on screen, data pixel
 *   by data pixel, the northernmost row is at the top (the Arctic up), and the readout over the
 *   top rows says a positive latitude, at full precision with units.
 * - The same field on a curvilinear grid (2-D lat/lon variables and a CF grid_mapping) faces the
 *   same way and reads lat/lon from those variables, with the CRS's name.
 * - elev.tif and the same DEM stored bottom-up (positive y step) look the same on screen.
 * - The view's PNG faces north up; the exported reconstruction keeps the file's own coordinates.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo, SliceData } from '../../main/api/contract';
import type { Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { openByPath, RESULTS, useEngineSession } from './browser';
import { fixtureDir, southUpElev, sstOnYX } from './fixtures-view';
import { download, runAndWait } from './run-helpers';
import { boxOf, matchShare, pageShot } from './view-helpers';

const SST = sample('netcdf', 'reduced.nc');
const ELEV = sample('geotiff', 'elev.tif');
const MAIN = '[data-testid="view-main"]';
const IMAGE = `${MAIN} canvas[data-role="image"]`;

let dir: string;
let sst: Field;
let curvi: string;
let southUp: string;

const env = useEngineSession(async ({ session }) => {
  dir = fixtureDir();
  sst = await openField(SST);
  curvi = (await sstOnYX(dir, { name: 'sst-curvilinear.nc', curvilinear: true })).path;
  southUp = (await southUpElev(dir)).path;
  // One large view: every data pixel is several screen pixels.
  await session.page.getByTestId('layout-single').click();
});

/** The last two axes of a field at index 0 on the others, straight from the reader. */
function firstPlane(f: Field): SliceData {
  const d = f.shape.length;
  const n = f.shape[d - 2] * f.shape[d - 1];
  return { width: f.shape[d - 1], height: f.shape[d - 2], channels: 1, values: f.values.subarray(0, n), mask: f.mask?.subarray(0, n) };
}

/** The readout in the status bar with the pointer over the middle of the image's top or bottom screen row. */
async function readoutAtEdge(edge: 'top' | 'bottom'): Promise<string> {
  const { page } = env.session;
  const box = await boxOf(page.locator(IMAGE));
  const zoom = Number(await page.locator(MAIN).getAttribute('data-zoom'));
  const y = edge === 'top' ? box.y + zoom / 2 : box.y + box.height - zoom / 2;
  await page.mouse.move(box.x + box.width / 2, y);
  await page.waitForTimeout(100);
  return (await page.getByTestId('status-cursor').textContent()) ?? '';
}

async function infoOf(path: string): Promise<DatasetInfo> {
  return env.bridge.engine.open({ path });
}

describe('geography right side up (real files)', () => {
  beforeAll(() => mkdirSync(RESULTS, { recursive: true }));

  it('draws the OISST grid north up: the Arctic at the top, pixel for pixel', async () => {
    const { page } = env.session;
    await openByPath(page, SST);
    const info = await infoOf(SST);
    // The file itself: row 0 is the far south, the last row the far north.
    const lat = sst.geometry.coordinates!.lat.values;
    expect(lat[0]).toBe(-89);
    expect(lat[lat.length - 1]).toBe(89);
    const plane = firstPlane(sst);
    const expected = renderSlice(plane, defaultDisplay(info));
    await page.mouse.move(2, 2);
    const shot = await pageShot(page, join(RESULTS, 'e2e-geo-sst-north-up.png'));
    const box = await boxOf(page.locator(IMAGE));
    const northUp = matchShare(shot, box, expected, plane.width, plane.height, { flipY: true });
    const southUp = matchShare(shot, box, expected, plane.width, plane.height, { flipY: false });
    expect(northUp).toBeGreaterThan(0.98);
    expect(southUp).toBeLessThan(0.5);
    // The note beside the size says how the view faces.
    await expect(page.locator(`${MAIN} [data-role="readout"]`).textContent()).resolves.toContain('north up');
  });

  it('reads a positive latitude over the top rows, at full precision with units', async () => {
    const top = await readoutAtEdge('top');
    expect(top).toMatch(/\[time 0, zlev 0, lat 89, lon \d+\]/);
    expect(top).toMatch(/lat 89\.00°/);
    const m = /lat (-?\d+\.\d+)°/.exec(top)!;
    expect(Number(m[1])).toBeGreaterThan(0);
    expect(top).toContain('degree_C');
    const bottom = await readoutAtEdge('bottom');
    expect(bottom).toMatch(/lat -89\.00°/);
    // The view's own readout line agrees with the status bar.
    await readoutAtEdge('top');
    await expect(env.session.page.locator(`${MAIN} [data-role="readout-position"]`).textContent()).resolves.toContain('lat 89.00°');
  });

  it('saves the view as PNG north up, and exports the reconstruction with the file’s own latitudes', async () => {
    const { page } = env.session;
    await page.locator(MAIN).hover();
    const png = await download(page, () => page.getByTestId('view-main-png').click());
    const img = PNG.sync.read(png.bytes);
    const info = await infoOf(SST);
    const plane = firstPlane(sst);
    const expected = renderSlice(plane, defaultDisplay(info));
    const W = plane.width;
    const H = plane.height;
    // PNG row 0 is the northernmost data row (89° N).
    let same = 0;
    let n = 0;
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        const e = ((H - 1 - r) * W + c) * 4;
        if (expected[e + 3] !== 255) continue;
        n++;
        const o = (r * W + c) * 4;
        if (img.data[o] === expected[e] && img.data[o + 1] === expected[e + 1] && img.data[o + 2] === expected[e + 2]) same++;
      }
    expect(same / n).toBeGreaterThan(0.999);

    await page.getByTestId('fit-method').selectOption('elm');
    await page.getByTestId('fit-param-hidden').fill('16');
    await runAndWait(page);
    await page.getByTestId('export-menu').click();
    const rec = await download(page, () => page.getByTestId('export-reconstruction').click());
    expect(rec.name).toMatch(/\.nc$/);
    const path = join(dir, rec.name);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, rec.bytes);
    const out = await openField(path);
    const d = out.shape.length;
    expect(out.geometry.coordinates![out.axes[d - 2]].values).toEqual(Array.from(sst.geometry.coordinates!.lat.values));
  });

  it('faces a curvilinear grid north up and reads its 2-D latitude and longitude', async () => {
    const { page } = env.session;
    await openByPath(page, curvi);
    await page.getByTestId('layout-single').click();
    const info = await infoOf(curvi);
    expect(info.latLon).toBeDefined();
    const plane = firstPlane(sst);
    const expected = renderSlice(plane, defaultDisplay(info));
    await page.mouse.move(2, 2);
    const shot = await pageShot(page, join(RESULTS, 'e2e-geo-curvilinear.png'));
    const box = await boxOf(page.locator(IMAGE));
    expect(matchShare(shot, box, expected, plane.width, plane.height, { flipY: true })).toBeGreaterThan(0.98);
    const top = await readoutAtEdge('top');
    expect(top).toMatch(/\[y 89, x \d+\] {2}lat 89\.00° {2}lon \d+\.00° {2}· WGS 84/);
    await expect(page.getByTestId('dataset-crs').textContent()).resolves.toBe('WGS 84');
  });

  it('shows a GeoTIFF with a positive y step exactly like its north-up original', async () => {
    const { page } = env.session;
    await openByPath(page, ELEV);
    await page.getByTestId('layout-single').click();
    const elev = await openField(ELEV);
    const plane = firstPlane(elev);
    const expected = renderSlice(plane, defaultDisplay(await infoOf(ELEV)));
    await page.mouse.move(2, 2);
    const original = await pageShot(page);
    const boxOriginal = await boxOf(page.locator(IMAGE));
    // elev.tif is stored north-up (negative y step): drawn as stored.
    expect(matchShare(original, boxOriginal, expected, plane.width, plane.height)).toBeGreaterThan(0.98);
    const topOriginal = await readoutAtEdge('top');
    await openByPath(page, southUp);
    await page.getByTestId('layout-single').click();
    const info = await infoOf(southUp);
    expect(info.spacing[0]).toBeGreaterThan(0);
    await page.mouse.move(2, 2);
    const flipped = await pageShot(page, join(RESULTS, 'e2e-geo-south-up-tiff.png'));
    const boxFlipped = await boxOf(page.locator(IMAGE));
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(boxFlipped[k] - boxOriginal[k])).toBeLessThan(0.5);
    // The same picture at every valid data pixel: the bottom-up file drawn mirrored is the original.
    expect(matchShare(flipped, boxFlipped, expected, plane.width, plane.height)).toBeGreaterThan(0.98);
    // The same coordinates under the cursor: the northern edge at the top in both.
    const topFlipped = await readoutAtEdge('top');
    const latOf = (s: string) => Number(/lat (-?\d+\.\d+)°/.exec(s)![1]);
    expect(latOf(topFlipped)).toBeCloseTo(latOf(topOriginal), 5);
    expect(latOf(topFlipped)).toBeCloseTo(50.1875, 4);
    expect(topFlipped).toContain('· WGS 84');
    expect(env.session.problems).toEqual([]);
  });
});
