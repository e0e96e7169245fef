/**
 * Cancel a running job through the real engine: a SIREN fit far too long to finish, cancelled
 * from the status bar. The run ends "cancelled" with no reconstruction shown, no error banner,
 * and the view keeps answering window/level changes (keyboard presets while the job runs, a
 * mouse drag after).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, openByPath, RESULTS, useEngineSession, type Pixels } from './browser';
import { newestRunId } from './run-helpers';

const MAIN = '[data-testid="view-main"]';
const IMAGE = `${MAIN} canvas[data-role="image"]`;
const ASTRONAUT = sample('images', 'astronaut.png');

const env = useEngineSession(({ session }) => openByPath(session.page, ASTRONAUT));

function differing(a: Pixels, b: Pixels): number {
  return a.width * a.height - equalPixels(a.data, b.data);
}

describe('cancel a running job (real engine)', () => {
  it('cancels a long SIREN fit from the status bar; the view stays responsive throughout', async () => {
    const { page } = env.session;
    await page.getByTestId('fit-method').selectOption('siren');
    await page.getByTestId('fit-param-steps').fill('100000');
    await page.getByTestId('fit-run').click();
    const status = page.locator('[data-testid="job-status"][data-phase="running"]');
    await status.waitFor({ timeout: 30_000 });
    const jobId = await newestRunId(page);
    expect(await page.locator(`[data-testid="run-row-${jobId}"]`).getAttribute('data-phase')).toBe('running');

    // While it runs: the preset keys redraw the view (1 = auto 2–98 % here), R resets it.
    const before = await canvasPixels(page, IMAGE);
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('1');
    await expect.poll(async () => differing(await canvasPixels(page, IMAGE), before), { timeout: 5_000 }).toBeGreaterThan(10_000);
    await page.keyboard.press('r');
    await expect.poll(async () => differing(await canvasPixels(page, IMAGE), before), { timeout: 5_000 }).toBe(0);
    await expect(page.locator('[data-testid="job-status"]').getAttribute('data-phase')).resolves.toBe('running');
    await page.screenshot({ path: join(RESULTS, 'e2e-cancel-running.png') });

    await page.getByTestId('job-cancel').click();
    await page.locator(`[data-testid="run-row-${jobId}"][data-phase="cancelled"]`).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="fit-phase"][data-phase="cancelled"]').waitFor();
    await expect(page.getByTestId('job-outcome').textContent()).resolves.toBe('Fit cancelled');
    await expect(page.getByTestId('error-banner').count()).resolves.toBe(0); // a cancel is not an error

    // No reconstruction: no compare views, the Compare tab stays off, no PSNR in the row.
    await expect(page.locator('[data-testid="view-recon"]').count()).resolves.toBe(0);
    await expect(page.locator('[data-testid="view-error"]').count()).resolves.toBe(0);
    await expect(page.getByTestId('layout-compare').isDisabled()).resolves.toBe(true);
    await expect(page.locator(`[data-testid="run-row-${jobId}"] td[data-col="psnr"]`).textContent()).resolves.toBe('cancelled');
    await expect(page.getByTestId('fit-run').isEnabled()).resolves.toBe(true);

    // After: a right-button window drag still redraws the view.
    const box = (await page.locator(`${MAIN} .viewport`).boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(cx - 150, cy + 60, { steps: 6 });
    await page.mouse.up({ button: 'right' });
    await expect.poll(async () => differing(await canvasPixels(page, IMAGE), before), { timeout: 5_000 }).toBeGreaterThan(10_000);
    await page.screenshot({ path: join(RESULTS, 'e2e-cancel.png') });
    expect(env.session.problems).toEqual([]);
  });
});
