/**
 * End to end through the real engine: open sub.nc, pick the variable u in the browser, then one
 * pressure level and one time in the slice pickers, which show the levels in hPa and the times
 * as dates. The view's pixels must be u at that level and time, read independently with the
 * project's reader and drawn through the same window.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo, SliceData } from '../../main/api/contract';
import type { Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, RESULTS, useEngineSession } from './browser';

const MAIN = '[data-testid="view-main"]';
const IMAGE = `${MAIN} canvas[data-role="image"]`;
const NC = sample('netcdf', 'sub.nc');
const TIME = 4; // 2017-08-20 05:00 UTC
const LEVEL = 1; // 850 hPa

const env = useEngineSession();

/** The (time, level) plane of a time × level × lat × lon field, read straight from its values. */
function planeOf(f: Field, t: number, l: number): SliceData {
  const [, L, Y, X] = f.shape;
  const n = Y * X;
  const off = (t * L + l) * n;
  return { width: X, height: Y, channels: 1, values: f.values.slice(off, off + n), mask: f.mask?.slice(off, off + n) };
}

async function viewMatches(want: Uint8ClampedArray): Promise<number> {
  return equalPixels((await canvasPixels(env.session.page, IMAGE)).data, want);
}

describe('NetCDF variable, level and time (real engine)', () => {
  let u: Field;
  let v: Field;
  let info: DatasetInfo;

  beforeAll(async () => {
    u = await openField(NC, { variable: 'u' });
    v = await openField(NC, { variable: 'v' });
    info = await env.bridge.engine.open({ path: NC, variable: 'u' });
  });

  it('lists the variables with dimensions, units and long names', async () => {
    const { page } = env.session;
    expect(u.axes).toEqual(['time', 'level', 'latitude', 'longitude']);
    await page.getByTestId('open-path').fill(NC);
    await page.getByTestId('open-path-button').click();
    await expect.poll(async () => page.getByTestId('dataset-name').textContent(), { timeout: 30_000 }).toBe('sub.nc');
    const rowU = page.locator('[data-testid="variable-row"][data-name="u"]');
    const rowV = page.locator('[data-testid="variable-row"][data-name="v"]');
    await rowU.waitFor();
    const text = (await rowU.textContent()) ?? '';
    expect(text).toContain('U component of wind');
    expect(text).toContain('m s**-1');
    expect(text).toContain('(time 10, level 2, latitude 9, longitude 9)');
    await expect(rowV.textContent()).resolves.toContain('V component of wind');
    // Coordinate variables are listed apart, not as fields to open.
    await expect(page.locator('[data-testid="variable-row"][data-name="latitude"]').count()).resolves.toBe(0);
  });

  it('picks v, then u, in the browser', async () => {
    const { page } = env.session;
    const n = 81;
    const rowU = page.locator('[data-testid="variable-row"][data-name="u"]');
    const rowV = page.locator('[data-testid="variable-row"][data-name="v"]');
    await rowV.click();
    await expect.poll(() => rowV.getAttribute('aria-current'), { timeout: 30_000 }).toBe('true');
    const infoV = await env.bridge.engine.open({ path: NC, variable: 'v' });
    await expect.poll(() => viewMatches(renderSlice(planeOf(v, 0, 0), defaultDisplay(infoV))), { timeout: 10_000 }).toBe(n);
    await rowU.click();
    await expect.poll(() => rowU.getAttribute('aria-current'), { timeout: 30_000 }).toBe('true');
    expect(await rowV.getAttribute('aria-current')).toBeNull();
    await expect.poll(() => viewMatches(renderSlice(planeOf(u, 0, 0), defaultDisplay(info))), { timeout: 10_000 }).toBe(n);
  });

  it('picks one level and one time from pickers that show hPa and dates, and shows u there', async () => {
    const { page } = env.session;
    const timePick = page.getByTestId('slice-pick-0');
    const levelPick = page.getByTestId('slice-pick-1');
    // The pickers list every time as a date and every level in hPa.
    const dates = await timePick.locator('option').allTextContents();
    expect(dates).toHaveLength(10);
    expect(dates[0]).toBe('2017-08-20 01:00');
    expect(dates[TIME]).toBe('2017-08-20 05:00');
    await expect(levelPick.locator('option').allTextContents()).resolves.toEqual(['825 hPa', '850 hPa']);

    await levelPick.selectOption({ label: '850 hPa' });
    await page.getByTestId('slice-index-1').filter({ hasText: '1 [0–1]' }).waitFor();
    await timePick.selectOption({ label: '2017-08-20 05:00' });
    await page
      .getByTestId('slice-index-0')
      .filter({ hasText: `${TIME} [0–9]` })
      .waitFor();
    await expect(page.getByTestId('slice-slider-0').getAttribute('aria-valuetext')).resolves.toContain('2017-08-20 05:00');
    await expect(page.getByTestId('slice-slider-1').getAttribute('aria-valuetext')).resolves.toContain('850 hPa');

    // u at 850 hPa, 05:00, from the file, through the default window of u: every pixel.
    const plane = planeOf(u, TIME, LEVEL);
    const want = renderSlice(plane, defaultDisplay(info));
    await expect.poll(() => viewMatches(want), { timeout: 10_000 }).toBe(81);
    // The engine agrees with the reader, and this plane differs from the first one.
    // A fresh copy: the engine keeps only its few most recently used datasets.
    const fresh = await env.bridge.engine.open({ path: NC, variable: 'u' });
    const fromEngine = await env.bridge.engine.getSlice({ datasetId: fresh.id, index: [TIME, LEVEL] });
    expect(Array.from(fromEngine.values)).toEqual(Array.from(plane.values));
    expect(equalPixels(want, renderSlice(planeOf(u, 0, 0), defaultDisplay(info)))).toBeLessThan(81);
    await page.screenshot({ path: join(RESULTS, 'e2e-netcdf-pick.png') });
    expect(env.session.problems).toEqual([]);
  });
});
