/**
 * The workspace against a scripted engine (tests/e2e/fake-engine.ts): a 3D volume with a file
 * window and nodata, slice scrolling, mouse window/level, and the Fit panel's whole cycle
 * (progress, PSNR chart, compare views, failure, cancel). Also: the 3D view without WebGL.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineService } from '../../main/service/engine';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { absErrorSlice } from '../../renderer/src/lib/compare';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { pageStep } from '../../renderer/src/lib/slicing';
import { canvasPixels, equalPixels, openBrowser, type Session } from './browser';
import { FakeEngine, fakeSlice, VOLUME, VOLUME_INFO } from './fake-engine';

const STATIC_DIR = resolve('out/web');
const RESULTS = resolve('test-results');
const MAIN = '[data-testid="view-main"]';
const IMAGE = 'canvas[data-role="image"]';

let engine: FakeEngine;
let bridge: Bridge;
let session: Session;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  engine = new FakeEngine();
  bridge = await startBridge({ port: 0, staticDir: STATIC_DIR, engine: engine as unknown as EngineService });
  session = await openBrowser(bridge.url);
});

afterAll(async () => {
  await session?.close();
  await bridge?.close();
  await engine?.close();
});

async function expectSliceShown(z: number): Promise<void> {
  const { page } = session;
  await page
    .getByTestId('slice-index-0')
    .filter({ hasText: `${z} [0–${VOLUME.Z - 1}]` })
    .waitFor();
  // Drawn once the answer for this z is in: poll the pixels until they match.
  const expected = renderSlice(fakeSlice(z), { ...defaultDisplay({ ...VOLUME_INFO }) });
  await expect.poll(async () => equalPixels((await canvasPixels(page, `${MAIN} ${IMAGE}`)).data, expected), { timeout: 10_000 }).toBe(VOLUME.X * VOLUME.Y);
}

describe('workspace with a 3D volume (scripted engine)', () => {
  it('draws a gray slice through the file window, nodata transparent', async () => {
    const { page } = session;
    await page.locator(`${MAIN}[data-state="drawn"]`).waitFor({ timeout: 30_000 });
    const shown = await canvasPixels(page, `${MAIN} ${IMAGE}`);
    expect([shown.width, shown.height]).toEqual([VOLUME.X, VOLUME.Y]);
    // The default display is the file's window (centre 40, width 400), not the 2–98 % stretch.
    const d = defaultDisplay({ ...VOLUME_INFO });
    expect(d.window).toEqual({ center: 40, width: 400 });
    expect(equalPixels(shown.data, renderSlice(fakeSlice(0), d))).toBe(VOLUME.X * VOLUME.Y);
    // Nodata corner: alpha 0.
    expect(shown.data[3]).toBe(0);
    expect(shown.data[(10 * VOLUME.X + 10) * 4 + 3]).toBe(255);
    await expect(page.locator(`${MAIN} [data-role="window"]`).textContent()).resolves.toMatch(/W 400\s*L 40/);
  });

  it('scrolls slices with the keyboard and the slider', async () => {
    const { page } = session;
    await page.locator('body').click({ position: { x: 5, y: 300 } }); // focus the page, not an input
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expectSliceShown(2);
    await page.keyboard.press('PageUp');
    await expectSliceShown(2 + pageStep(VOLUME.Z));
    await page.keyboard.press('End');
    await expectSliceShown(VOLUME.Z - 1);
    const slider = page.getByTestId('slice-slider-0');
    await slider.focus();
    await page.keyboard.press('Home');
    await expectSliceShown(0);
    await slider.evaluate((el) => {
      const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
      input.value = '7';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expectSliceShown(7);
    // Requests carried the index on the leading axis.
    expect(engine.sliceRequests.some((r) => r.index?.[0] === 7 && !r.resultOf)).toBe(true);
  });

  it('changes window/level with a right-button drag', async () => {
    const { page } = session;
    const before = Number(await page.getByTestId('wl-width').inputValue());
    const box = (await page.locator(`${MAIN} .viewport`).boundingBox())!;
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(cx + 120, cy + 40, { steps: 6 });
    await page.mouse.up({ button: 'right' });
    const after = Number(await page.getByTestId('wl-width').inputValue());
    const level = Number(await page.getByTestId('wl-level').inputValue());
    expect(after).toBeGreaterThan(before); // dragging right widens the window
    expect(level).toBeGreaterThan(40); // dragging down raises the level
    await page.getByTestId('display-panel').getByText('Reset').click();
    await expect(page.getByTestId('wl-width').inputValue()).resolves.toBe('400');
  });

  it('runs a fit: live PSNR, then source, reconstruction and |error| side by side', async () => {
    const { page } = session;
    engine.script = () => ({ seconds: 1.5 });
    await page.getByTestId('fit-param-hidden').fill('128');
    await page.getByTestId('fit-run').click();
    await page.getByTestId('job-status').waitFor();
    await expect(page.getByTestId('job-stage').textContent()).resolves.toMatch(/starting|features|solving/);
    await page.locator('[data-testid="fit-phase"][data-phase="done"]').waitFor({ timeout: 20_000 });
    // Blank optional fields (subdomains, frequency) are left to the engine; task-only ones are not sent.
    const sent = engine.fitRequests.at(-1)!;
    expect(sent).toMatchObject({ kind: 'fit', datasetId: expect.any(String), method: 'elm', task: { kind: 'fit' }, params: { hidden: 128, overlap: 0.15 } });
    expect(sent.params).not.toHaveProperty('subdomains');
    expect(sent.params).not.toHaveProperty('freq');
    // One point per finished run on the PSNR/time chart.
    expect(Number(await page.getByTestId('metric-chart').getAttribute('data-marks'))).toBe(1);
    await expect(page.getByTestId('job-outcome').textContent()).resolves.toMatch(/Fit done in .* PSNR 41\.5 dB/);

    // The compare layout: the source, the reconstruction (same display) and the |error| map.
    await page.locator('[data-testid="view-recon"][data-state="drawn"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid="view-error"][data-state="drawn"]').waitFor({ timeout: 10_000 });
    const z = 7;
    const d = defaultDisplay({ ...VOLUME_INFO });
    const recon = await canvasPixels(page, `[data-testid="view-recon"] ${IMAGE}`);
    expect(equalPixels(recon.data, renderSlice(fakeSlice(z, true), d))).toBe(VOLUME.X * VOLUME.Y);
    const err = absErrorSlice(fakeSlice(z), fakeSlice(z, true));
    expect(Math.max(...err.values)).toBe(2);
    const errPixels = await canvasPixels(page, `[data-testid="view-error"] ${IMAGE}`);
    expect(errPixels.data[3]).toBe(0); // nodata stays nodata in the error map
    await expect(page.locator('[data-testid="view-recon"]').textContent()).resolves.toContain('PSNR 41.5 dB');

    // Scrolling moves all three views.
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('ArrowDown');
    await expectSliceShown(6);
    await expect
      .poll(async () => equalPixels((await canvasPixels(page, `[data-testid="view-recon"] ${IMAGE}`)).data, renderSlice(fakeSlice(6, true), d)))
      .toBe(VOLUME.X * VOLUME.Y);
    await page.screenshot({ path: join(RESULTS, 'e2e-workspace-compare.png') });
  });

  it('reports a failed fit in a readable banner', async () => {
    const { page } = session;
    engine.script = () => ({ seconds: 0.6, fail: { code: 'E_DATA', message: 'every sample of the slice is nodata' } });
    await page.getByTestId('fit-task').selectOption('inpaint');
    await expect(page.getByTestId('fit-param-drop').inputValue()).resolves.toBe('0.5');
    await page.getByTestId('fit-run').click();
    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ timeout: 10_000 });
    const text = (await banner.textContent()) ?? '';
    expect(text).toMatch(/The fit failed/);
    expect(text).toContain('every sample of the slice is nodata');
    expect(await banner.getAttribute('data-code')).toBe('E_DATA');
    expect(engine.fitRequests.at(-1)).toMatchObject({ task: { kind: 'inpaint', drop: 0.5 }, params: { hidden: 128, overlap: 0.15 } });
    await page.getByTestId('error-dismiss').click();
    await page.getByTestId('fit-task').selectOption('fit');
    await expect(page.getByTestId('fit-param-drop').count()).resolves.toBe(0);
  });

  it('cancels a running fit from the status bar', async () => {
    const { page } = session;
    engine.script = () => ({ seconds: 60 });
    await page.getByTestId('fit-run').click();
    await page.locator('[data-testid="job-status"][data-phase="running"]').waitFor({ timeout: 10_000 });
    await expect.poll(async () => page.getByTestId('job-fraction').textContent()).not.toBe('0%');
    // Metrics reported while a job runs are drawn live.
    await expect.poll(async () => Number(await page.getByTestId('metric-chart').getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(RESULTS, 'e2e-workspace-running.png') });
    await page.getByTestId('job-cancel').click();
    await page.locator('[data-testid="fit-phase"][data-phase="cancelled"]').waitFor({ timeout: 10_000 });
    expect(engine.cancelled).toHaveLength(1);
    await expect(page.getByTestId('job-outcome').textContent()).resolves.toBe('Fit cancelled');
    await expect(page.getByTestId('error-banner').count()).resolves.toBe(0); // a cancel is not an error
  });

  it('switches to the light theme', async () => {
    const { page } = session;
    await page.getByTestId('layout-split').click();
    await page.getByTestId('theme-toggle').click();
    await expect(
      page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme),
    ).resolves.toBe('light');
    await page.locator('[data-testid="view-3d"][data-state="rendered"]').waitFor();
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(RESULTS, 'e2e-workspace-light.png') });
    await page.getByTestId('theme-toggle').click();
    expect(session.problems).toEqual([]);
  });
});

describe('without WebGL', () => {
  let noGl: Session;
  afterAll(async () => {
    await noGl?.close();
  });

  it('says the 3D view is unavailable and keeps the 2D view working', async () => {
    noGl = await openBrowser(bridge.url, ['--disable-3d-apis']);
    const { page } = noGl;
    await page.locator(`${MAIN}[data-state="drawn"]`).waitFor({ timeout: 30_000 });
    const view = page.locator('[data-testid="view-3d"][data-state="unavailable"]');
    await view.waitFor({ timeout: 10_000 });
    const text = (await view.textContent()) ?? '';
    expect(text).toContain('3D view unavailable');
    expect(text).toMatch(/WebGL/);
    await page.screenshot({ path: join(RESULTS, 'e2e-no-webgl.png') });
    expect(noGl.problems).toEqual([]);
  });
});
