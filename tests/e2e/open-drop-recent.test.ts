/**
 * End to end through the real engine: opening by drag-and-drop in a browser (several DICOM files
 * go up as one folder upload and open as one series; a single file as an upload), and the
 * recent-files menu (newest first, re-open with the same variable, survives a reload, a failing
 * entry gets a readable banner and can be removed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { RECENT_KEY } from '../../renderer/src/lib/recent';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, openByPath, RESULTS, useEngineSession } from './browser';

const MAIN = '[data-testid="view-main"]';
const IMAGE = `${MAIN} canvas[data-role="image"]`;

const env = useEngineSession(async ({ session }) => {
  await session.page.locator(`${MAIN}[data-state="drawn"]`).waitFor({ timeout: 60_000 }); // the demo
});

interface PageGlobals {
  DataTransfer: new () => { items: { add(f: unknown): void } };
  File: new (parts: Uint8Array[], name: string) => unknown;
  DragEvent: new (type: string, init: { dataTransfer: unknown; bubbles: boolean; cancelable: boolean }) => unknown;
  document: { querySelector(sel: string): { dispatchEvent(e: unknown): boolean } | null };
  localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
}

/** Drop files on the window the way a browser does: a DataTransfer of File objects. */
async function dropFiles(files: { name: string; b64: string }[]): Promise<void> {
  await env.session.page.evaluate((list) => {
    // The page's DOM, typed just enough (the Node test build has no DOM types).
    const w = globalThis as unknown as PageGlobals;
    const dt = new w.DataTransfer();
    for (const f of list) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new w.File([bytes], f.name));
    }
    const target = w.document.querySelector('.app')!;
    target.dispatchEvent(new w.DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new w.DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

const fileOf = (path: string, name: string) => ({ name, b64: readFileSync(path).toString('base64') });

describe('drag-and-drop in a browser', () => {
  it('opens several dropped DICOM files as one series (a folder upload)', async () => {
    const { page } = env.session;
    const dir = sample('dicom', 'mr-series');
    const names = readdirSync(dir).sort();
    await dropFiles(names.map((n) => fileOf(join(dir, n), n)));
    await expect.poll(async () => page.getByTestId('dataset-name').textContent(), { timeout: 60_000 }).toBe(`${names.length} dropped items`);
    // The same volume as the folder opened by path: slice 0 drawn the same, pixel for pixel.
    const info = await env.bridge.engine.open({ path: dir });
    const want = renderSlice(await env.bridge.engine.getSlice({ datasetId: info.id, index: [0] }), defaultDisplay(info));
    await expect.poll(async () => equalPixels((await canvasPixels(page, IMAGE)).data, want), { timeout: 15_000 }).toBe(info.shape[1] * info.shape[2]);
    await expect(page.getByTestId('slice-index-0').textContent()).resolves.toContain(`0 [0–${info.shape[0] - 1}]`);
    await expect(page.getByTestId('series-row').count()).resolves.toBe(1);
    await page.locator('[data-testid="series-row"] [data-testid="thumbnail"][data-state="drawn"]').waitFor({ timeout: 30_000 });
    // Uploads cannot be opened again by path: they stay out of the recent list.
    await page.getByTestId('recent-button').click();
    await expect(page.getByTestId('recent-item').count()).resolves.toBe(0);
    await page.getByTestId('recent-button').click();
  });

  it('uploads a single dropped file', async () => {
    const { page } = env.session;
    await dropFiles([fileOf(sample('images', 'camera.png'), 'camera.png')]);
    await expect.poll(async () => page.getByTestId('dataset-name').textContent(), { timeout: 30_000 }).toBe('camera.png');
    const info = await env.bridge.engine.open({ path: sample('images', 'camera.png') });
    const want = renderSlice(await env.bridge.engine.getSlice({ datasetId: info.id }), defaultDisplay(info));
    await expect.poll(async () => equalPixels((await canvasPixels(page, IMAGE)).data, want), { timeout: 15_000 }).toBe(info.shape[0] * info.shape[1]);
    await page.screenshot({ path: join(RESULTS, 'e2e-open-drop.png') });
  });
});

describe('recent files', () => {
  const NC = sample('netcdf', 'sub.nc');
  const TIF = sample('geotiff', 'L7_ETMs.tif');

  const openPath = (path: string) => openByPath(env.session.page, path);

  it('lists what was opened by path, newest first, and re-opens it with the same variable', async () => {
    const { page } = env.session;
    await openPath(NC);
    const rowV = page.locator('[data-testid="variable-row"][data-name="v"]');
    await rowV.click();
    await expect.poll(() => rowV.getAttribute('aria-current'), { timeout: 30_000 }).toBe('true');
    await openPath(TIF);

    await page.getByTestId('recent-button').click();
    const items = page.getByTestId('recent-item');
    await expect(items.count()).resolves.toBe(2);
    expect(await items.nth(0).getAttribute('data-path')).toBe(TIF);
    expect(await items.nth(1).getAttribute('data-path')).toBe(NC);
    await expect(items.nth(1).textContent()).resolves.toContain('sub.nc · v');

    await items.nth(1).locator('[role="menuitem"]').click();
    await expect.poll(async () => page.getByTestId('dataset-name').textContent(), { timeout: 30_000 }).toBe('sub.nc');
    await expect.poll(() => page.locator('[data-testid="variable-row"][data-name="v"]').getAttribute('aria-current'), { timeout: 30_000 }).toBe('true');
    // v at time 0, level 0, as the engine gives it.
    const info = await env.bridge.engine.open({ path: NC, variable: 'v' });
    const want = renderSlice(await env.bridge.engine.getSlice({ datasetId: info.id, index: [0, 0] }), defaultDisplay(info));
    await expect.poll(async () => equalPixels((await canvasPixels(page, IMAGE)).data, want), { timeout: 15_000 }).toBe(81);
  });

  it('keeps the list over a reload; a failing entry gets a banner, a mark, and can be removed', async () => {
    const { page } = env.session;
    const missing = join(sample('netcdf'), 'gone-away.nc');
    // An entry for a file that has since been deleted, as an earlier session would have left it.
    await page.evaluate(
      ([key, path]) => {
        const store = (globalThis as unknown as PageGlobals).localStorage;
        const list = JSON.parse(store.getItem(key) ?? '[]');
        list.unshift({ path, label: 'gone-away.nc', time: Date.now() - 3_600_000 });
        store.setItem(key, JSON.stringify(list));
      },
      [RECENT_KEY, missing] as const,
    );
    await page.reload();
    await page.locator(`${MAIN}[data-state="drawn"]`).waitFor({ timeout: 30_000 });
    await page.getByTestId('recent-button').click();
    const items = page.getByTestId('recent-item');
    await expect(items.count()).resolves.toBe(3);
    const gone = page.locator(`[data-testid="recent-item"][data-path="${missing}"]`);
    await expect(gone.textContent()).resolves.toContain('1 h ago');
    await gone.locator('[role="menuitem"]').click();

    const banner = page.getByTestId('error-banner');
    await banner.waitFor({ timeout: 15_000 });
    const text = (await banner.textContent()) ?? '';
    expect(text).toMatch(/could not open gone-away\.nc/i);
    expect(text).toMatch(/file not found/i);
    expect(await banner.getAttribute('data-code')).toBe('E_NOT_FOUND');

    await page.getByTestId('recent-button').click();
    await expect(gone.getAttribute('data-failed')).resolves.toBe('true');
    await expect(gone.getByTestId('recent-failure').textContent()).resolves.toContain('Could not open');
    await page.screenshot({ path: join(RESULTS, 'e2e-recent-failed.png') });
    await gone.getByTestId('recent-remove').click();
    await expect(items.count()).resolves.toBe(2);
    const stored = await page.evaluate(
      (key) => JSON.parse((globalThis as unknown as PageGlobals).localStorage.getItem(key) ?? '[]').map((e: { path: string }) => e.path),
      RECENT_KEY,
    );
    expect(stored).toEqual([sample('netcdf', 'sub.nc'), sample('geotiff', 'L7_ETMs.tif')]);
    expect(env.session.problems.filter((p) => !/gone-away/.test(p))).toEqual([]);
  });
});
