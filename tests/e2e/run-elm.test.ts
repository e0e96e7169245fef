/**
 * Run ELM-INR on astronaut.png through the real engine and see it on screen: the PSNR chart
 * with the run drawn in its colour, the |error| map (mostly dark, with structure), the runs
 * table. Then an ELM+BEAM run overlaid on the same chart, and its mesh drawn over the views.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runColor } from '../../renderer/src/lib/runs';
import { sample } from '../helpers/samples';
import { openField } from '../../main/data/index';
import { runFitTask } from '../../main/tasks/fit';
import { canvasPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { changedPixels, countColor, elementPixels, hexRgb, rowPsnr, runAndWait } from './run-helpers';

const MAIN = '[data-testid="view-main"]';
const ASTRONAUT = sample('images', 'astronaut.png');

const env = useEngineSession(({ session }) => openByPath(session.page, ASTRONAUT));

describe('ELM-INR on astronaut.png (real engine)', () => {
  let elmRun = '';
  let elmPsnr = NaN;

  it('runs, and draws the PSNR chart, the |error| map and the runs table', async () => {
    const { page } = env.session;
    await page.getByTestId('fit-method').selectOption('elm');
    await page.getByTestId('fit-param-hidden').fill('48');
    elmRun = await runAndWait(page);

    // The runs table shows what the engine computes for the same request (ELM is deterministic).
    const psnr = await rowPsnr(page, elmRun);
    const field = await openField(ASTRONAUT);
    const same = await runFitTask(field, { method: 'elm', params: { hidden: 48, overlap: 0.15, ridge: 1e-6, seed: 1, activation: 'sine' } });
    expect(psnr).toBeCloseTo(same.report.psnr, 2);
    elmPsnr = psnr;

    // The chart: one finished run, drawn in the run's colour (a point, or a short line).
    const chart = page.getByTestId('metric-chart');
    expect(Number(await chart.getAttribute('data-marks'))).toBe(1);
    const chartPx = await elementPixels(chart.locator('svg'));
    expect(countColor(chartPx, hexRgb(runColor(elmRun)))).toBeGreaterThanOrEqual(12);
    await expect(page.getByTestId('chart-readout').textContent()).resolves.toContain(psnr.toFixed(2).slice(0, 4));

    // The |error| map: drawn at the image's size, mostly dark (magma's low end), with structure.
    await page.locator('[data-testid="view-error"][data-state="drawn"]').waitFor({ timeout: 15_000 });
    const err = await canvasPixels(page, '[data-testid="view-error"] canvas[data-role="image"]');
    expect([err.width, err.height]).toEqual([512, 512]);
    const n = err.width * err.height;
    let dark = 0;
    let bright = 0;
    const levels = new Set<number>();
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      const lum = 0.299 * err.data[o] + 0.587 * err.data[o + 1] + 0.114 * err.data[o + 2];
      if (lum < 60) dark++;
      if (lum > 120) bright++;
      levels.add((err.data[o] << 16) | (err.data[o + 1] << 8) | err.data[o + 2]);
    }
    expect(dark / n).toBeGreaterThan(0.5); // mostly small errors
    expect(bright / n).toBeGreaterThan(0.002); // but edges show up
    expect(bright / n).toBeLessThan(0.3);
    expect(levels.size).toBeGreaterThan(50); // a map, not a flat fill
    await page.screenshot({ path: join(RESULTS, 'e2e-run-elm.png') });
  });

  it('overlays an ELM+BEAM run on the chart and draws its mesh over the views', async () => {
    const { page } = env.session;
    await page.getByTestId('fit-method').selectOption('elm-beam');
    const beamRun = await runAndWait(page);
    // At the parameter count of the uniform mesh, the adaptive mesh fits better (docs/BENCHMARKS.md: +3.7 dB on astronaut).
    expect(await rowPsnr(page, beamRun)).toBeGreaterThan(elmPsnr);

    // Two runs on the chart, each in its own colour.
    const chart = page.getByTestId('metric-chart');
    await expect.poll(async () => Number(await chart.getAttribute('data-series'))).toBe(2);
    const both = await elementPixels(chart.locator('svg'));
    expect(runColor(beamRun)).not.toBe(runColor(elmRun));
    expect(countColor(both, hexRgb(runColor(elmRun)))).toBeGreaterThanOrEqual(12);
    expect(countColor(both, hexRgb(runColor(beamRun)))).toBeGreaterThanOrEqual(12);
    // The legend switches a run off: its colour leaves the chart.
    await page.getByTestId(`chart-legend-${elmRun}`).click();
    await expect.poll(async () => Number(await chart.getAttribute('data-series'))).toBe(1);
    expect(countColor(await elementPixels(chart.locator('svg')), hexRgb(runColor(elmRun)))).toBeLessThan(4);
    await page.getByTestId(`chart-legend-${elmRun}`).click();

    // The mesh: off by default (it covers the image it explains), then on: cells meeting the
    // slice, drawn over source and reconstruction, with a legend.
    await page.locator('[data-testid="view-recon"][data-state="drawn"]').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('mesh-toggle').isChecked()).resolves.toBe(false);
    await expect(page.locator('[data-testid="mesh-layer"]').count()).resolves.toBe(0);
    await page.getByTestId('mesh-toggle').check();
    const layer = page.locator('[data-testid="view-recon"] [data-testid="mesh-layer"]');
    await layer.waitFor({ timeout: 10_000 });
    expect(Number(await layer.getAttribute('data-cells'))).toBeGreaterThan(4);
    await expect(page.locator(`${MAIN} [data-testid="mesh-layer"]`).count()).resolves.toBe(1);
    await expect(page.locator('[data-testid="view-recon"] [data-testid="mesh-legend"]').textContent()).resolves.toMatch(/Barron norm/);
    await page.mouse.move(5, 300); // no hover controls in the shots
    const withMesh = await elementPixels(page.getByTestId('view-recon'));
    await page.screenshot({ path: join(RESULTS, 'e2e-run-elm-beam-mesh.png') });
    await page.getByTestId('mesh-toggle').uncheck();
    await expect(page.locator('[data-testid="mesh-layer"]').count()).resolves.toBe(0);
    const without = await elementPixels(page.getByTestId('view-recon'));
    // The cell outlines cover a visible share of the view.
    expect(changedPixels(withMesh, without) / (without.width * without.height)).toBeGreaterThan(0.01);
    await page.getByTestId('mesh-toggle').check();
    expect(env.session.problems).toEqual([]);
  });

  it('keeps the runs readable in the light theme', async () => {
    const { page } = env.session;
    const chart = page.getByTestId('metric-chart');
    const dark = await elementPixels(chart.locator('svg'));
    await page.getByTestId('theme-toggle').click();
    await expect
      .poll(async () => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme))
      .toBe('light');
    const light = await elementPixels(chart.locator('svg'));
    // The plot area turns light (the input background), the runs keep their colours.
    // Inside the plot frame's top-left corner (viewBox 260 × 108, frame from (34, 8)): no run reaches there.
    const at = (px: { width: number; height: number }) => (Math.round((12 / 108) * px.height) * px.width + Math.round((38 / 260) * px.width)) * 4;
    const mid = at(light);
    expect(light.data[mid] + light.data[mid + 1] + light.data[mid + 2]).toBeGreaterThan(3 * 200);
    expect(dark.data[mid] + dark.data[mid + 1] + dark.data[mid + 2]).toBeLessThan(3 * 60);
    const ids = await chart.locator('g.series').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { run: string } }).dataset.run));
    expect(ids.length).toBe(2);
    for (const id of ids) expect(countColor(light, hexRgb(runColor(id)))).toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: join(RESULTS, 'e2e-run-elm-light.png') });
    await page.getByTestId('theme-toggle').click();
  });
});
