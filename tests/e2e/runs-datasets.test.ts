/**
 * Issue 18, point 5, end to end through the real engine: runs belong to their dataset.
 *
 * - elev.tif gets runs #1 and #2 (and a failed #3); sub.nc in between starts again at #1; back on
 *   elev.tif its runs, its PSNR curves and its results are as they were (the engine still held it).
 * - A failure's banner on one dataset is gone on the next.
 * - After the engine released elev.tif (it keeps the 4 most recently used datasets), the UI opens
 *   it again: the runs stay as history (metrics, curves) with their outputs marked unavailable,
 *   and the next run is #4.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_COLORS } from '../../renderer/src/lib/runs';
import { sample } from '../helpers/samples';
import { openByPath, RESULTS, useEngineSession } from './browser';
import { countColor, elementPixels, hexRgb, rowPsnr, runAndWait } from './run-helpers';
import { chooseFit } from './view-helpers';

const ELEV = sample('geotiff', 'elev.tif');
const SUB = sample('netcdf', 'sub.nc');
const OTHERS = [
  sample('images', 'camera.png'),
  sample('geotiff', 'olinda_dem_float32_deflate_pred3_nodata.tif'),
  sample('netcdf', 'reduced.nc'),
  sample('netcdf', 'bcsd_obs_1999.nc'),
];

const env = useEngineSession();

const ROWS = '[data-testid="fit-runs"] tbody tr';

/** The runs table as the user sees it: run label, PSNR cell, availability, phase. */
async function table(): Promise<{ run: string; psnr: string; available: string; phase: string; id: string }[]> {
  const { page } = env.session;
  return page.locator(ROWS).evaluateAll((rows) =>
    rows.map((r) => {
      const el = r as unknown as { dataset: Record<string, string>; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };
      const cells = el.querySelectorAll('td');
      return {
        run: (cells[0].textContent ?? '').trim(),
        psnr: (cells[3].textContent ?? '').trim(),
        available: el.dataset.available,
        phase: el.dataset.phase,
        id: el.dataset.testid.replace(/^run-row-/, ''),
      };
    }),
  );
}

async function chartSeries(): Promise<number> {
  return Number(await env.session.page.getByTestId('metric-chart').getAttribute('data-series'));
}

describe('runs belong to their dataset', () => {
  it('numbers elev.tif’s runs #1, #2 and shows a failure’s banner', async () => {
    const { page } = env.session;
    await openByPath(page, ELEV);
    await chooseFit(page, 'elm', 'fit', { hidden: '16' });
    await runAndWait(page);
    await page.getByTestId('fit-param-hidden').fill('24');
    await runAndWait(page);
    expect((await table()).map((r) => r.run)).toEqual(['#2', '#1']);
    // A net on a backend this machine lacks: the engine refuses, the banner says why.
    await page.getByTestId('fit-method').selectOption('siren');
    await page.getByTestId('fit-advanced').click();
    await page.getByTestId('fit-param-backend').selectOption('webgpu');
    await page.getByTestId('fit-run').click();
    await page.getByTestId('error-banner').first().waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await table())[0]?.phase, { timeout: 60_000 }).toBe('error');
    expect((await table()).map((r) => r.run)).toEqual(['#3', '#2', '#1']);
    await page.screenshot({ path: join(RESULTS, 'e2e-runs-elev.png') });
  });

  it('starts sub.nc at #1, with none of elev.tif’s runs, curves or messages', async () => {
    const { page } = env.session;
    await openByPath(page, SUB);
    await expect(page.getByTestId('error-banner').count()).resolves.toBe(0);
    await expect(page.locator(ROWS).count()).resolves.toBe(0);
    expect(await chartSeries()).toBe(0);
    await chooseFit(page, 'elm', 'fit', { hidden: '16' });
    await runAndWait(page);
    expect((await table()).map((r) => r.run)).toEqual(['#1']);
    expect(await chartSeries()).toBe(1);
  });

  it('brings elev.tif’s runs and curves back, results still viewable', async () => {
    const { page } = env.session;
    await openByPath(page, ELEV);
    const rows = await table();
    expect(rows.map((r) => r.run)).toEqual(['#3', '#2', '#1']);
    expect(rows.map((r) => r.available)).toEqual(['false', 'true', 'true']);
    expect(await chartSeries()).toBe(2);
    // Both curves on screen, in their runs' colours.
    const chart = await elementPixels(page.getByTestId('metric-chart').locator('svg'));
    expect(countColor(chart, hexRgb(RUN_COLORS[0]))).toBeGreaterThanOrEqual(12);
    expect(countColor(chart, hexRgb(RUN_COLORS[1]))).toBeGreaterThanOrEqual(12);
    await page.locator(`[data-testid="run-row-${rows[2].id}"]`).click();
    await page.locator(`[data-testid="view-recon"][data-state="drawn"][data-path="${rows[2].id}"]`).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(RESULTS, 'e2e-runs-back.png') });
  });

  it('keeps the runs as history once the engine has released the dataset, and goes on at #4', async () => {
    const { page } = env.session;
    const before = await table();
    const psnr1 = await rowPsnr(page, before[2].id);
    for (const p of OTHERS) await openByPath(page, p);
    await openByPath(page, ELEV);
    const rows = await table();
    expect(rows.map((r) => r.run)).toEqual(['#3', '#2', '#1']);
    // Released with the old copy: metrics kept, outputs unavailable.
    expect(rows.map((r) => r.available)).toEqual(['false', 'false', 'false']);
    expect(await rowPsnr(page, rows[2].id)).toBe(psnr1);
    expect(await chartSeries()).toBe(2);
    await expect(page.locator(`[data-testid="run-row-${rows[1].id}"]`).getAttribute('title')).resolves.toMatch(/released/);
    await page.locator(`[data-testid="run-row-${rows[1].id}"]`).click();
    await expect(page.getByTestId('layout-compare').isDisabled()).resolves.toBe(true);
    await page.getByTestId('fit-method').selectOption('elm');
    await page.getByTestId('fit-param-hidden').fill('16');
    await runAndWait(page);
    expect((await table()).map((r) => r.run)).toEqual(['#4', '#3', '#2', '#1']);
    expect((await table())[0].available).toBe('true');
    await page.screenshot({ path: join(RESULTS, 'e2e-runs-history.png') });
    expect(env.session.problems.filter((p) => !/Failed to load resource/.test(p))).toEqual([]);
  });
});
