/**
 * Issue 18, point 3, end to end through the real engine: every result is viewable at its own
 * resolution.
 *
 * - Through-plane ×2 on the bcsd precipitation volume (12 monthly fields of 33 × 81): the compare
 *   view shows the 23-slice output beside the source, and scrolling moves both, the source to its
 *   nearest slice; the three planes and the isosurface show the output on its own grid.
 * - Super-resolution ×2 of elev.tif: the 190 × 180 output beside the 95 × 90 source, with linked
 *   zoom and its own coordinates under the cursor.
 *
 * Every check reads the views' pixels and compares them with the engine's own output drawn
 * through the same display.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo, SliceData } from '../../main/api/contract';
import type { Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { runAndWait } from './run-helpers';
import { boxOf, chooseFit, matchShare, pageShot } from './view-helpers';

const BCSD = sample('netcdf', 'bcsd_obs_1999.nc');
const ELEV = sample('geotiff', 'elev.tif');
const MAIN = '[data-testid="view-main"]';
const RECON = '[data-testid="view-recon"]';
const image = (view: string) => `${view} canvas[data-role="image"]`;

const env = useEngineSession();

let bcsd: Field;
let info: DatasetInfo;
let jobId: string;

/** Time slice t of the bcsd field, straight from the reader. */
function timeSlice(t: number): SliceData {
  const [, Y, X] = bcsd.shape;
  const n = Y * X;
  return { width: X, height: Y, channels: 1, values: bcsd.values.subarray(t * n, (t + 1) * n), mask: bcsd.mask?.subarray(t * n, (t + 1) * n) };
}

/** A slice of the output with the source's nodata on it: output pixel (r, c) takes the validity of source pixel `at(r, c)`. */
function maskedLike(fine: SliceData, source: SliceData, at: (r: number, c: number) => [number, number]): SliceData {
  const mask = new Uint8Array(fine.width * fine.height);
  for (let r = 0; r < fine.height; r++)
    for (let c = 0; c < fine.width; c++) {
      const [sr, sc] = at(r, c);
      mask[r * fine.width + c] = !source.mask || source.mask[sr * source.width + sc] ? 1 : 0;
    }
  return { ...fine, mask };
}

async function shows(selector: string, want: Uint8ClampedArray, n: number): Promise<void> {
  await expect.poll(async () => equalPixels((await canvasPixels(env.session.page, selector)).data, want), { timeout: 20_000 }).toBe(n);
}

describe('the output of through-plane resampling, at its own resolution', () => {
  beforeAll(async () => {
    bcsd = await openField(BCSD);
    info = await env.bridge.engine.open({ path: BCSD });
  });

  it('opens beside the source in the compare view, 23 slices for 12', async () => {
    const { page } = env.session;
    await openByPath(page, BCSD);
    await chooseFit(page, 'elm', 'interp', { zscale: '2', hidden: '16' });
    jobId = await runAndWait(page);
    await page.locator(`${RECON}[data-state="drawn"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator(RECON).getAttribute('data-path')).toBe(`${jobId}:resampled`);
    await expect(page.getByTestId('result-output-resampled').getAttribute('aria-checked')).resolves.toBe('true');
    // Two views: the source and the output (no sample-by-sample error across grids).
    await expect(page.locator('[data-testid="view-error"]').count()).resolves.toBe(0);
    await expect(page.getByTestId('slice-controls').getAttribute('data-grid')).resolves.toBe('resampled');
    await expect(page.getByTestId('slice-slider-0').getAttribute('max')).resolves.toBe('22');
    const fine = await env.bridge.engine.getSlice({ datasetId: await currentId(), resultOf: jobId, output: 'resampled', index: [0] });
    // Where the source has no data (22 % of the grid) the output is extrapolation: shown as nodata.
    await shows(
      image(RECON),
      renderSlice(
        maskedLike(fine, timeSlice(0), (r, c) => [r, c]),
        defaultDisplay(info),
      ),
      33 * 81,
    );
    await shows(image(MAIN), renderSlice(timeSlice(0), defaultDisplay(info)), 33 * 81);
  });

  it('scrolls the output slice by slice, the source following to its nearest slice', async () => {
    const { page } = env.session;
    const id = await currentId();
    await page.locator('body').click({ position: { x: 700, y: 5 } });
    for (const [fine, source] of [
      [1, 1],
      [2, 1],
      [3, 2],
    ]) {
      await page.keyboard.press('ArrowUp');
      await page
        .getByTestId('slice-index-0')
        .filter({ hasText: `${fine} [0–22]` })
        .waitFor();
      await expect(page.getByTestId('slice-coord-0').textContent()).resolves.toContain(`source time ${source}`);
      const out = await env.bridge.engine.getSlice({ datasetId: id, resultOf: jobId, output: 'resampled', index: [fine] });
      await shows(
        image(RECON),
        renderSlice(
          maskedLike(out, timeSlice(source), (r, c) => [r, c]),
          defaultDisplay(info),
        ),
        33 * 81,
      );
      await shows(image(MAIN), renderSlice(timeSlice(source), defaultDisplay(info)), 33 * 81);
    }
    // Slice 2 of the output is month 1 itself (anchored at the acquired slices); slice 3 lies between.
    const two = await env.bridge.engine.getSlice({ datasetId: id, resultOf: jobId, output: 'resampled', index: [2] });
    const three = await env.bridge.engine.getSlice({ datasetId: id, resultOf: jobId, output: 'resampled', index: [3] });
    expect(equalPixels(renderSlice(two, defaultDisplay(info)), renderSlice(three, defaultDisplay(info)))).toBeLessThan(33 * 81);
    await page.mouse.move(5, 300);
    const shot = await pageShot(page, join(RESULTS, 'e2e-resampled-compare.png'));
    // On screen too, not only in the canvases.
    expect(
      matchShare(
        shot,
        await boxOf(page.locator(image(RECON))),
        renderSlice(
          maskedLike(three, timeSlice(2), (r, c) => [r, c]),
          defaultDisplay(info),
        ),
        81,
        33,
        { flipY: true },
      ),
    ).toBeGreaterThan(0.95);
  });

  it('shows the output in the three planes and the isosurface on its own grid', async () => {
    const { page } = env.session;
    const id = await currentId();
    await page.getByTestId('layout-planes').click();
    await page.getByTestId('ortho-resampled').click();
    await page.locator('[data-testid="view-coronal"][data-state="drawn"]').waitFor({ timeout: 20_000 });
    const coronal = await canvasPixels(page, image('[data-testid="view-coronal"]'));
    const sagittal = await canvasPixels(page, image('[data-testid="view-sagittal"]'));
    expect([coronal.width, coronal.height]).toEqual([81, 23]);
    expect([sagittal.width, sagittal.height]).toEqual([33, 23]);
    const text = (await page.getByTestId('ortho-index').textContent()) ?? '';
    const m = /time (\d+) \[0–22\] · latitude (\d+) \[0–32\] · longitude (\d+) \[0–80\]/.exec(text)!;
    expect(m).not.toBeNull();
    const at = [Number(m[1]), Number(m[2]), Number(m[3])];
    const plane = await env.bridge.engine.getSlice({ datasetId: id, resultOf: jobId, output: 'resampled', plane: [0, 2], at });
    await shows(image('[data-testid="view-coronal"]'), renderSlice(plane, defaultDisplay(info)), 81 * 23);
    await page.getByTestId('iso-source-recon').click();
    const iso = page.locator('[data-testid="view-iso"][data-resampled="true"][data-state="rendered"]');
    await iso.waitFor({ timeout: 60_000 });
    await expect(iso.getAttribute('data-shape')).resolves.toBe('23x33x81');
    await page.screenshot({ path: join(RESULTS, 'e2e-resampled-planes.png') });
  });
});

describe('the output of super-resolution, at its own resolution', () => {
  let elev: DatasetInfo;

  it('shows the 190 × 180 output beside the 95 × 90 source, zoom linked', async () => {
    const { page } = env.session;
    elev = await env.bridge.engine.open({ path: ELEV });
    await openByPath(page, ELEV);
    await chooseFit(page, 'elm', 'superres', { scale: '2', hidden: '16' });
    const job = await runAndWait(page);
    await page.locator(`${RECON}[data-state="drawn"][data-path="${job}:resampled"]`).waitFor({ timeout: 20_000 });
    const out = await env.bridge.engine.getSlice({ datasetId: await currentId(), resultOf: job, output: 'resampled' });
    expect([out.width, out.height]).toEqual([190, 180]);
    // ×2 cell-centred: output pixel j lies in source pixel ⌊j/2⌋; the source's nodata stays nodata.
    const src = await env.bridge.engine.getSlice({ datasetId: await currentId() });
    await shows(
      image(RECON),
      renderSlice(
        maskedLike(out, src, (r, c) => [Math.floor(r / 2), Math.floor(c / 2)]),
        defaultDisplay(elev),
      ),
      190 * 180,
    );
    // The same extent on screen: the output's pixels are half the source's.
    const zs = Number(await page.locator(MAIN).getAttribute('data-zoom'));
    const zr = Number(await page.locator(RECON).getAttribute('data-zoom'));
    expect(zr).toBeCloseTo(zs / 2, 2);
    // Zoom the source in: the output follows.
    const box = await boxOf(page.locator(image(MAIN)));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => Number(await page.locator(MAIN).getAttribute('data-zoom'))).toBeGreaterThan(zs * 1.2);
    const zs2 = Number(await page.locator(MAIN).getAttribute('data-zoom'));
    await expect.poll(async () => Number(await page.locator(RECON).getAttribute('data-zoom'))).toBeCloseTo(zs2 / 2, 2);
  });

  it('reads the output’s own coordinates under the cursor', async () => {
    const { page } = env.session;
    await page.locator(RECON).dblclick();
    const box = await boxOf(page.locator(image(RECON)));
    const zoom = Number(await page.locator(RECON).getAttribute('data-zoom'));
    await page.mouse.move(box.x + 0.5 * zoom, box.y + 0.5 * zoom);
    const text = (await page.getByTestId('status-cursor').textContent()) ?? '';
    // Output pixel (0, 0): a quarter of a source pixel inside the source's first pixel centre.
    const lat = elev.origin[0] - 0.25 * elev.spacing[0];
    const lon = elev.origin[1] - 0.25 * elev.spacing[1];
    expect(text).toContain(`[y 0, x 0]  lat ${lat.toFixed(5)}°  lon ${lon.toFixed(5)}°`);
    expect(text).toContain('resampled');
    await page.screenshot({ path: join(RESULTS, 'e2e-resampled-superres.png') });
    expect(env.session.problems).toEqual([]);
  });
});

/** The engine id of the dataset on screen (the page's, through the engine's newest open of the same path). */
async function currentId(): Promise<string> {
  const id = await env.session.page.locator('[data-testid="view-main"]').getAttribute('data-dataset-id');
  if (!id) throw new Error('the main view names no dataset id');
  return id;
}
