/**
 * Checked resampling end to end through the real engine: super-resolution ×2 of camera.png with
 * "Check against the data" on, by a classical interpolation (cubic) and by ELM. Each run reduces
 * the image by 2, resamples it back onto the source grid and is scored there, so both rows of
 * the runs table carry a PSNR, are labelled as checked (`SR (check)`), and open in the compare
 * view beside the source with their |error| (no finer output to switch to).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers/samples';
import { canvasPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { rowPsnr, runAndWait } from './run-helpers';
import { chooseFit, isClipped } from './view-helpers';

const CAMERA = sample('images', 'camera.png');

const env = useEngineSession(({ session }) => openByPath(session.page, CAMERA));

describe('super-resolution checked against the data (camera.png, real engine)', () => {
  const runs: string[] = [];

  for (const method of ['cubic', 'elm']) {
    it(`runs ${method} ×2 with the check on: scored on the source grid`, async () => {
      const { page } = env.session;
      await chooseFit(page, method, 'superres', { scale: '2' });
      await page.getByTestId('fit-check').check();
      const jobId = await runAndWait(page, 120_000);
      runs.push(jobId);
      const row = page.locator(`[data-testid="run-row-${jobId}"]`);
      await expect(row.locator('td.method').getAttribute('data-task')).resolves.toBe('superres (check)');
      await expect(row.locator('td.method [data-role="task"]').textContent()).resolves.toContain('SR (check)');
      await expect(row.getAttribute('title')).resolves.toContain('checked against the data');
      const psnr = await rowPsnr(page, jobId);
      expect(Number.isFinite(psnr)).toBe(true);
      expect(psnr).toBeGreaterThan(20);
      // On the source grid: the compare view with its |error|, no resampled output to switch to.
      await page.locator(`[data-testid="view-recon"][data-state="drawn"][data-path="${jobId}"]`).waitFor({ timeout: 20_000 });
      await page.locator('[data-testid="view-error"][data-state="drawn"]').waitFor({ timeout: 20_000 });
      await expect(page.getByTestId('result-output').count()).resolves.toBe(0);
      const recon = await canvasPixels(page, '[data-testid="view-recon"] canvas[data-role="image"]');
      expect([recon.width, recon.height]).toEqual([512, 512]);
    });
  }

  it('lists both checked runs with their PSNRs, on the chart too, whole at 1280 × 720', async () => {
    const { page } = env.session;
    const rows = page.locator('[data-testid="fit-runs"] tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    const psnrs = await Promise.all(runs.map((id) => rowPsnr(page, id)));
    for (const p of psnrs) expect(p).toBeGreaterThan(20);
    // Two methods, two reconstructions: the scores differ.
    expect(psnrs[0]).not.toBe(psnrs[1]);
    await expect(page.getByTestId('metric-chart').getAttribute('data-series')).resolves.toBe('2');
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(300);
    for (const id of runs) {
      const task = page.locator(`[data-testid="run-row-${id}"] td.method [data-role="task"]`);
      await task.scrollIntoViewIfNeeded();
      expect(await isClipped(task)).toBe(false);
      expect(await isClipped(page.locator(`[data-testid="run-row-${id}"] td[data-col="psnr"]`))).toBe(false);
    }
    await page.screenshot({ path: join(RESULTS, 'e2e-checked-resampling-1280.png') });
    await page.setViewportSize({ width: 1440, height: 860 });
    expect(env.session.problems).toEqual([]);
  });
});
