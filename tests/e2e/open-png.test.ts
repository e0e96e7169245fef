/**
 * End to end through the real engine: the built renderer served by the local bridge, in
 * headless Chromium. Opening an 8-bit RGB PNG by path must show its exact pixel values; the
 * three.js view must render; a missing file must give a readable error banner.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CSP } from '../../main/core/csp';
import { sample } from '../helpers/samples';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { canvasPixels, equalPixels, RESULTS, useEngineSession } from './browser';

const MAIN = '[data-testid="view-main"]';

const env = useEngineSession();

describe('renderer over the bridge (real engine)', () => {
  it('opens the bundled demo on start', async () => {
    const { page } = env.session;
    await page.locator(`${MAIN}[data-state="drawn"]`).waitFor({ timeout: 30_000 });
    await expect(page.getByTestId('dataset-name').textContent()).resolves.toBe('astronaut.png');
    expect(await page.locator(MAIN).getAttribute('data-path')).toMatch(/resources[\\/]demo[\\/]astronaut\.png$/);
  });

  it('opens a PNG by path and shows its exact pixel values', async () => {
    const { page } = env.session;
    const path = sample('images', 'astronaut.png');
    await page.getByTestId('open-path').fill(path);
    await page.getByTestId('open-path-button').click();
    // The view names the file it drew: the demo is the same picture, so wait for this path.
    const view = page.locator(`${MAIN}[data-state="drawn"][data-path="${path}"]`);
    await view.waitFor({ timeout: 30_000 });

    const png = PNG.sync.read(readFileSync(path));
    const shown = await canvasPixels(page, `${MAIN} canvas[data-role="image"]`);
    expect([shown.width, shown.height]).toEqual([png.width, png.height]);
    let same = 0;
    const n = png.width * png.height;
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      if (shown.data[o] === png.data[o] && shown.data[o + 1] === png.data[o + 1] && shown.data[o + 2] === png.data[o + 2] && shown.data[o + 3] === 255) {
        same++;
      }
    }
    expect(same / n).toBeGreaterThanOrEqual(0.999);
    expect(same).toBe(n); // identity mapping of 8-bit RGB: every pixel exact

    // The view shows it as RGB 0–255 and the status bar names the dataset.
    await expect(page.locator(`${MAIN} [data-role="window"]`).textContent()).resolves.toContain('RGB 0–255');
    await expect(page.getByTestId('status-dataset').textContent()).resolves.toContain('512×512×3 uint8');
  });

  it('reads the value under the cursor', async () => {
    const { page } = env.session;
    const canvas = page.locator(`${MAIN} canvas[data-role="image"]`);
    const box = (await canvas.boundingBox())!;
    const zoom = Number(await page.locator(MAIN).getAttribute('data-zoom'));
    // Pixel (100, 200), at its centre on screen.
    await page.mouse.move(box.x + 100.5 * zoom, box.y + 200.5 * zoom);
    const png = PNG.sync.read(readFileSync(sample('images', 'astronaut.png')));
    const o = (200 * png.width + 100) * 4;
    const text = await page.getByTestId('status-cursor').textContent();
    // 0-based indices in storage order: row 200, column 100.
    expect(text).toContain('[y 200, x 100]');
    expect(text).toContain(`R ${png.data[o]}  G ${png.data[o + 1]}  B ${png.data[o + 2]}`);
  });

  it('renders the three.js view with WebGL', async () => {
    const { page } = env.session;
    const view = page.getByTestId('view-3d');
    await page.locator('[data-testid="view-3d"][data-state="rendered"]').waitFor({ timeout: 30_000 });
    expect(await view.getAttribute('data-gl')).not.toBe('');
    // Let the on-demand render reach the screen, then look at the middle of the canvas (the
    // overlays sit in the corners): it must be mostly surface, not background.
    await page.waitForTimeout(300);
    const shot = PNG.sync.read(await view.locator('canvas').screenshot());
    const bg = [shot.data[0], shot.data[1], shot.data[2]]; // top-left corner is background
    let surface = 0;
    let total = 0;
    for (let y = Math.floor(shot.height * 0.3); y < shot.height * 0.7; y++) {
      for (let x = Math.floor(shot.width * 0.3); x < shot.width * 0.7; x++) {
        const o = (y * shot.width + x) * 4;
        total++;
        if (Math.abs(shot.data[o] - bg[0]) + Math.abs(shot.data[o + 1] - bg[1]) + Math.abs(shot.data[o + 2] - bg[2]) > 30) surface++;
      }
    }
    expect(surface / total).toBeGreaterThan(0.5);
    await page.screenshot({ path: join(RESULTS, 'e2e-open-png.png') });
  });

  it('shows a readable error banner for a missing file, and keeps the open dataset', async () => {
    const { page } = env.session;
    const missing = join(sample('images'), 'no-such-image.png');
    await page.getByTestId('open-path').fill(missing);
    await page.getByTestId('open-path-button').click();
    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ timeout: 15_000 });
    const text = (await banner.textContent()) ?? '';
    expect(text).toMatch(/file not found/i);
    expect(text).toContain('no-such-image.png');
    expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|Error:/); // no stack frames or raw error names
    expect(await banner.getAttribute('data-code')).toBe('E_NOT_FOUND');
    await page.screenshot({ path: join(RESULTS, 'e2e-open-png-error.png') });
    // The image that was open is still shown.
    expect(await page.locator(MAIN).getAttribute('data-path')).toBe(sample('images', 'astronaut.png'));
    await page.getByTestId('error-dismiss').click();
    await expect(page.getByTestId('error-banner').count()).resolves.toBe(0);
  });

  it('opens an uploaded gray PNG with the 2–98 % stretch', async () => {
    const { page } = env.session;
    const path = sample('images', 'camera.png');
    await page.getByTestId('upload-input').setInputFiles(path);
    await expect.poll(async () => page.getByTestId('dataset-name').textContent()).toBe('camera.png');
    await page.locator(`${MAIN}[data-state="drawn"]`).waitFor();
    // What the view must show: the engine's own slice through the default display of its info.
    const info = await env.bridge.engine.open({ path });
    const expected = renderSlice(await env.bridge.engine.getSlice({ datasetId: info.id }), defaultDisplay(info));
    expect(defaultDisplay(info).mode).toBe('gray');
    await expect
      .poll(async () => equalPixels((await canvasPixels(page, `${MAIN} canvas[data-role="image"]`)).data, expected), { timeout: 10_000 })
      .toBe(info.shape[0] * info.shape[1]);
    // Back to the RGB image for the fit below.
    await page.getByTestId('open-path').fill(sample('images', 'astronaut.png'));
    await page.getByTestId('open-path-button').click();
    await page.locator(`${MAIN}[data-state="drawn"][data-path="${sample('images', 'astronaut.png')}"]`).waitFor();
  });

  it('fits the image with ELM-INR and compares the reconstruction with it', async () => {
    const { page } = env.session;
    await page.getByTestId('fit-param-hidden').fill('48');
    await page.getByTestId('fit-run').click();
    const finished = page.locator('[data-testid="fit-phase"][data-phase="done"], [data-testid="fit-phase"][data-phase="error"]');
    await finished.waitFor({ timeout: 90_000 });
    if ((await finished.getAttribute('data-phase')) === 'error') {
      throw new Error(`the fit failed in the engine: ${(await page.getByTestId('error-banner').allTextContents()).join(' | ')}`);
    }
    const psnr = Number(/PSNR \(dB\)\s*([\d.]+)/.exec((await page.getByTestId('fit-metrics').textContent()) ?? '')?.[1]);
    expect(psnr).toBeGreaterThan(20);
    await page.locator('[data-testid="view-recon"][data-state="drawn"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="view-error"][data-state="drawn"]').waitFor({ timeout: 15_000 });
    // The reconstruction is drawn through the same identity mapping: close to the source, not equal.
    const png = PNG.sync.read(readFileSync(sample('images', 'astronaut.png')));
    const recon = await canvasPixels(page, '[data-testid="view-recon"] canvas[data-role="image"]');
    let se = 0;
    for (let i = 0; i < png.width * png.height; i++) for (let c = 0; c < 3; c++) se += (recon.data[i * 4 + c] - png.data[i * 4 + c]) ** 2;
    const shownPsnr = 10 * Math.log10(255 ** 2 / (se / (png.width * png.height * 3)));
    expect(Math.abs(shownPsnr - psnr)).toBeLessThan(1); // 8-bit rounding of the display only
    await page.screenshot({ path: join(RESULTS, 'e2e-open-png-fit.png') });
  });

  it('serves the app under the strict CSP, and the page breaks none of it', async () => {
    const res = await fetch(env.bridge.url);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    // The <meta> policy (used by Electron's file:// pages) is the header's minus frame-ancestors,
    // which browsers ignore in a <meta>.
    const html = await res.text();
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    const expected = CSP.split(';')
      .map((d) => d.trim())
      .filter((d) => d && !d.startsWith('frame-ancestors'))
      .join('; ');
    expect(meta).toBe(expected);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
    expect(env.session.problems.filter((p) => !/no-such-image/.test(p))).toEqual([]);
  });
});
