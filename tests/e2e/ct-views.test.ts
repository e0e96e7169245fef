/**
 * Issue 15, point 5, end to end through the real engine: the CT task in the Fit panel on a real
 * single-slice CT (pydicom's CT_small.dcm, 128 × 128), FBP at 30 views, then SART, then ELM-INR
 * solved through the projector, each shown as source | reconstruction | |error| | sinogram, every
 * run on the PSNR chart and in the runs table.
 *
 * - The task is offered as the catalogue says: by the methods that list it, on 2-D data.
 * - The sinogram view draws views × detector bins (30 × ⌈√(128² + 128²)⌉ = 30 × 182) in viridis,
 *   brightest near the central bin (the patient sits in the middle of the field), empty beyond
 *   the image's footprint at 0°, with its angle axis labelled in degrees, and a cursor readout
 *   in degrees.
 * - The four views keep their texts apart at 1280 × 720.
 * - A gray image stored as RGB (phantom.png) is refused: a notice before the run, the engine's
 *   message after.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers/samples';
import { canvasPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { rowPsnr, runAndWait } from './run-helpers';
import { boxOf, chooseFit, inside, overlaps, visibleBoxes } from './view-helpers';

const CT = sample('dicom', 'pydicom', 'CT_small.dcm');
const PHANTOM = sample('images', 'phantom.png');
const SINO = '[data-testid="view-sinogram"]';
const VIEWS = ['view-main', 'view-recon', 'view-error', 'view-sinogram'];
/** Every text of a view's overlays (as tests/e2e/layout.test.ts lists them), and the sinogram's angle ticks. */
const TEXT = [
  '[data-role="title"] .title',
  '[data-role="subtitle"] .part',
  '[data-role="controls"]',
  '[data-role^="edge-"]',
  '[data-role="readout"] .part',
  '[data-role="window"]',
  '[data-role="row-tick"]',
].join(', ');

const env = useEngineSession();

async function taskOptions(page: Page): Promise<string[]> {
  return page.locator('[data-testid="fit-task"] option').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
}

/** Hover the middle of a view's image, then check its overlay texts: none overlap, all inside the view. */
async function checkView(page: Page, view: Locator, label: string): Promise<void> {
  const img = view.locator('canvas[data-role="image"]');
  const b = await boxOf(img);
  const vb = await boxOf(view);
  const x = Math.max(vb.x + 20, Math.min(vb.x + vb.width - 20, b.x + b.width / 2));
  const y = Math.max(vb.y + 40, Math.min(vb.y + vb.height - 40, b.y + b.height / 2));
  await page.mouse.move(x, y);
  await view.locator('[data-role="readout-position"]').waitFor();
  await page.waitForTimeout(200);
  const items = await visibleBoxes(view, TEXT);
  expect(items.length, `${label}: overlay texts`).toBeGreaterThanOrEqual(4);
  expect(overlaps(items), `${label}: overlapping texts`).toEqual([]);
  for (const it of items) expect(inside(it.box, vb), `${label}: "${it.text}" inside the view`).toBe(true);
}

describe('sparse-view CT in the Fit panel (CT_small.dcm, real engine)', () => {
  let fbpRun = '';
  let sartRun = '';

  it('offers the CT task only with the methods that list it, on the 2-D slice', async () => {
    const { page } = env.session;
    await openByPath(page, CT);
    const catalog = await env.bridge.engine.methods();
    for (const m of catalog.methods.filter((x) => ['elm', 'fbp', 'sart'].includes(x.id))) {
      await page.getByTestId('fit-method').selectOption(m.id);
      const offered = await taskOptions(page);
      expect(offered.includes('ct'), `${m.id} offers CT`).toBe(m.tasks.includes('ct'));
    }
    // FBP reconstructs CT only: choosing it selects the CT task.
    await page.getByTestId('fit-method').selectOption('fbp');
    expect(await taskOptions(page)).toEqual(['ct']);
    await expect(page.getByTestId('fit-task').inputValue()).resolves.toBe('ct');
    await expect(page.getByTestId('fit-param-views').count()).resolves.toBe(1);
    await expect(page.getByTestId('fit-param-photons').count()).resolves.toBe(1);
  });

  it('runs FBP at 30 views and shows source, reconstruction, |error| and the sinogram', async () => {
    const { page } = env.session;
    await chooseFit(page, 'fbp', 'ct', { views: '30' });
    fbpRun = await runAndWait(page);
    for (const v of VIEWS) await page.locator(`[data-testid="${v}"][data-state="drawn"]`).waitFor({ timeout: 20_000 });
    await expect(page.locator(SINO).getAttribute('data-path')).resolves.toBe(`${fbpRun}:sinogram`);

    // views × detector bins: the default detector covers the image's diagonal.
    const detectors = Math.ceil(Math.hypot(128, 128));
    const sino = await canvasPixels(page, `${SINO} canvas[data-role="image"]`);
    expect([sino.width, sino.height]).toEqual([detectors, 30]);

    // Brightest (viridis: lightest) column near the central bin, for a patient centred in the field.
    const lum = new Float64Array(sino.width);
    for (let r = 0; r < sino.height; r++)
      for (let c = 0; c < sino.width; c++) {
        const o = (r * sino.width + c) * 4;
        lum[c] += 0.2126 * sino.data[o] + 0.7152 * sino.data[o + 1] + 0.0722 * sino.data[o + 2];
      }
    let best = 0;
    for (let c = 1; c < sino.width; c++) if (lum[c] > lum[best]) best = c;
    expect(Math.abs(best - Math.floor(detectors / 2))).toBeLessThanOrEqual(0.1 * detectors);
    // At 0° each bin sums one column of the image: the bins beyond its 128 columns (offsets
    // below −64 or above 63 from the central bin) see nothing, so they share one colour, the
    // colour of 0, while the bins across the image differ.
    const at = (r: number, c: number) => {
      const o = (r * sino.width + c) * 4;
      return `${sino.data[o]},${sino.data[o + 1]},${sino.data[o + 2]}`;
    };
    const centre = Math.floor(detectors / 2);
    const empty = new Set<string>();
    for (let c = 0; c < centre - 66; c++) empty.add(at(0, c));
    for (let c = centre + 65; c < detectors; c++) empty.add(at(0, c));
    expect(empty.size).toBe(1);
    const across = new Set<string>();
    for (let c = centre - 60; c < centre + 60; c++) across.add(at(0, c));
    expect(across.size).toBeGreaterThan(20);
    // A colormap, not gray: the middle of the sinogram is coloured (viridis is never gray).
    const mid = (15 * sino.width + best) * 4;
    expect(Math.max(sino.data[mid], sino.data[mid + 1], sino.data[mid + 2]) - Math.min(sino.data[mid], sino.data[mid + 1], sino.data[mid + 2])).toBeGreaterThan(40);

    // The angle axis in degrees: ticks along the left edge, and the readout under the cursor.
    const ticks = (await page.locator(`${SINO} [data-role="row-tick"]`).allTextContents()).map((t) => t.trim());
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (const t of ticks) expect(t).toMatch(/^\d+°$/);
    await expect(page.locator(`${SINO} [data-role="subtitle"]`).textContent()).resolves.toContain('30 views');
    const img = await boxOf(page.locator(`${SINO} canvas[data-role="image"]`));
    // Row 5 of 30 is the view at 5 × 6° = 30°.
    await page.mouse.move(img.x + img.width / 2, img.y + (5.5 / 30) * img.height);
    const readout = (await page.getByTestId('status-cursor').textContent()) ?? '';
    expect(readout).toContain('[angle 5,');
    expect(readout).toContain('angle 30.00°');
    expect(readout).toContain('sinogram');

    // The run in the table: CT with its PSNR.
    const psnr = await rowPsnr(page, fbpRun);
    expect(psnr).toBeGreaterThan(10);
    await expect(page.locator(`[data-testid="run-row-${fbpRun}"] td.method [data-role="task"]`).textContent()).resolves.toContain('CT');
  });

  it('runs SART on the same scan: both runs on the chart and in the table', async () => {
    const { page } = env.session;
    await chooseFit(page, 'sart', 'ct', { views: '30' });
    sartRun = await runAndWait(page);
    await page.locator(`${SINO}[data-state="drawn"][data-path="${sartRun}:sinogram"]`).waitFor({ timeout: 20_000 });
    const chart = page.getByTestId('metric-chart');
    await expect(chart.getAttribute('data-series')).resolves.toBe('2');
    await expect(chart.getAttribute('data-marks')).resolves.toBe('2');
    await page.getByTestId(`chart-legend-${fbpRun}`).waitFor();
    await page.getByTestId(`chart-legend-${sartRun}`).waitFor();
    const fbp = await rowPsnr(page, fbpRun);
    const sart = await rowPsnr(page, sartRun);
    for (const v of [fbp, sart]) expect(Number.isFinite(v) && v > 10).toBe(true);
    // Same simulated scan (seeded): the runs differ in their reconstruction only.
    expect(sart).not.toBe(fbp);
  });

  it('runs ELM-INR through the projector on the same scan: a third run on the chart', async () => {
    const { page } = env.session;
    await chooseFit(page, 'elm', 'ct', { views: '30' });
    const elmRun = await runAndWait(page, 120_000);
    await page.locator(`${SINO}[data-state="drawn"][data-path="${elmRun}:sinogram"]`).waitFor({ timeout: 20_000 });
    await expect(page.getByTestId('metric-chart').getAttribute('data-marks')).resolves.toBe('3');
    for (const id of [fbpRun, sartRun, elmRun]) await page.getByTestId(`chart-legend-${id}`).waitFor();
    expect(await rowPsnr(page, elmRun)).toBeGreaterThan(10);
    await expect(page.locator(`[data-testid="run-row-${elmRun}"] td.method`).textContent()).resolves.toMatch(/^\s*ELM/);
    await expect(page.locator(`[data-testid="run-row-${elmRun}"] td.method [data-role="task"]`).textContent()).resolves.toContain('CT');
  });

  it('keeps the four views’ texts apart at 1280 × 720', async () => {
    const { page } = env.session;
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(300);
    for (const v of VIEWS) await checkView(page, page.getByTestId(v), `1280×720 ${v}`);
    await page.mouse.move(700, 5);
    await page.screenshot({ path: join(RESULTS, 'e2e-ct-compare-1280.png') });
    await page.setViewportSize({ width: 1440, height: 860 });
  });

  it('refuses a gray image stored as RGB: a notice first, the engine’s message after', async () => {
    const { page } = env.session;
    await openByPath(page, PHANTOM);
    await page.getByTestId('fit-method').selectOption('fbp');
    await expect(page.getByTestId('fit-ct-channels').textContent()).resolves.toContain('3 channels');
    await page.getByTestId('fit-run').click();
    await page.locator('[data-testid="fit-runs"] tbody tr[data-phase="error"]').waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('error-banner').first().textContent()).resolves.toMatch(/one channel/);
    expect(env.session.problems).toEqual([]);
  });
});
