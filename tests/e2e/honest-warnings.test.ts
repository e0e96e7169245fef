/**
 * Issue 18, point 6, end to end through the real engine: honest warnings.
 *
 * - The OISST field with all but 9 ocean samples set to its fill value: the Fit panel warns
 *   before the run that so few samples will be refused, and the run reports "too few samples",
 *   never a perfect score.
 * - A net on this machine's CPU backend: before it starts, the panel states the backend, its
 *   thread count and the expected time from steps × samples and the backend's measured rate.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openField } from '../../main/data/index';
import { chosenBackend, netWeights, TRAINING_EFFICIENCY } from '../../renderer/src/lib/fitWarnings';
import { sample } from '../helpers/samples';
import { openByPath, RESULTS, useEngineSession } from './browser';
import { countColor, elementPixels, hexRgb } from './run-helpers';
import { boxOf, cssVar, inside } from './view-helpers';
import { fixtureDir, sstOnYX } from './fixtures-view';

const env = useEngineSession();

describe('honest warnings', () => {
  it('warns before fitting 9 valid samples, then reports too few samples, not a score', async () => {
    const { page } = env.session;
    const sst = await openField(sample('netcdf', 'reduced.nc'));
    const ocean: number[] = [];
    for (let i = 4000; ocean.length < 9; i += 97) if (!sst.mask || sst.mask[i]) ocean.push(i);
    const { path } = await sstOnYX(fixtureDir(), { name: 'sst-9-samples.nc', keep: ocean });
    await openByPath(page, path);
    const warning = page.getByTestId('fit-samples-warning');
    await warning.waitFor();
    await expect(warning.getAttribute('data-level')).resolves.toBe('refuse');
    await expect(warning.textContent()).resolves.toContain('Too few samples: 9 valid samples of 16,200');
    await expect(page.getByTestId('fit-run').textContent()).resolves.toContain('Run anyway');
    // On screen before any run: inside the panel and the window, drawn with the danger colour.
    expect(inside(await boxOf(warning), await boxOf(page.getByTestId('fit-panel')))).toBe(true);
    const danger = await cssVar(page, '--danger');
    expect(countColor(await elementPixels(warning), hexRgb(danger), 30)).toBeGreaterThan(20);
    await page.screenshot({ path: join(RESULTS, 'e2e-warn-few-samples.png') });

    await page.getByTestId('fit-run').click();
    const row = page.locator('[data-testid="fit-runs"] tbody tr').first();
    await expect.poll(() => row.getAttribute('data-phase'), { timeout: 60_000 }).toBe('error');
    await expect(row.locator('[data-col="psnr"]').textContent()).resolves.toBe('too few samples');
    await expect(page.getByTestId('error-banner').first().textContent()).resolves.toMatch(/too few samples to fit: 9 valid of 16,200/);
    // No score anywhere: no metrics table, no PSNR in the status bar.
    await expect(page.getByTestId('fit-metrics').count()).resolves.toBe(0);
    await expect(page.getByTestId('job-outcome').textContent()).resolves.not.toMatch(/PSNR/);
    await page.screenshot({ path: join(RESULTS, 'e2e-warn-few-samples-run.png') });
  });

  it('states a net’s backend, threads and expected time before it starts', async () => {
    const { page } = env.session;
    const elev = sample('geotiff', 'elev.tif');
    await openByPath(page, elev);
    await page.getByTestId('fit-method').selectOption('siren');
    const notice = page.getByTestId('fit-backend');
    await expect.poll(() => notice.getAttribute('data-backend'), { timeout: 30_000 }).not.toBe('');
    const list = await env.bridge.engine.backends();
    const b = chosenBackend(list, 'auto')!;
    expect(b.device).toBe('cpu');
    expect(await notice.getAttribute('data-backend')).toBe(b.id);
    const text = (await notice.textContent()) ?? '';
    expect(text).toMatch(new RegExp(`Runs on ${b.id} \\(CPU, 1 thread\\) · about \\d+(\\.\\d)? (s|min|h) for 2,000 steps × 4,608 samples`));
    // The estimate: steps · 6 · samples · weights / (measured rate · training efficiency).
    const info = await env.bridge.engine.open({ path: elev });
    const weights = netWeights({ inputs: 2, outputs: 1, width: 256, layers: 3 });
    const want = (2000 * 6 * info.stats.valid * weights) / (b.gflops! * 1e9 * TRAINING_EFFICIENCY);
    const shown = Number(await notice.getAttribute('data-seconds'));
    expect(shown / want).toBeCloseTo(1, 6);
    // Stated before anything ran: no run in the table.
    await expect(page.locator('[data-testid="fit-runs"] tbody tr').count()).resolves.toBe(0);
    const warningColour = await cssVar(page, '--warning');
    expect(countColor(await elementPixels(notice), hexRgb(warningColour), 30)).toBeGreaterThan(20);
    // Fewer steps: a proportionally shorter estimate.
    await page.getByTestId('fit-param-steps').fill('200');
    await expect.poll(async () => Number(await notice.getAttribute('data-seconds'))).toBeCloseTo(shown / 10, 3);
    await page.getByTestId('fit-panel').screenshot({ path: join(RESULTS, 'e2e-warn-backend.png') });
    expect(env.session.problems).toEqual([]);
  });
});
