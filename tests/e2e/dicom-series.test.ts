/**
 * End to end through the real engine: open the MR DICOM series folder by path, see it in the
 * dataset browser's patient › study › series tree with a drawn thumbnail, and scroll through its
 * slices with the keyboard and the slider — the image pixels follow the slice, and so do the
 * slice label and position.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../main/api/contract';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, RESULTS, useEngineSession } from './browser';

const MAIN = '[data-testid="view-main"]';
const IMAGE = `${MAIN} canvas[data-role="image"]`;
const SERIES = sample('dicom', 'mr-series');

/** The same folder opened by the test through the engine: what the view must show. */
let info: DatasetInfo;

const env = useEngineSession(async ({ bridge }) => {
  info = await bridge.engine.open({ path: SERIES });
});

async function expected(z: number): Promise<Uint8ClampedArray> {
  return renderSlice(await env.bridge.engine.getSlice({ datasetId: info.id, index: [z] }), defaultDisplay(info));
}

async function expectSlice(z: number): Promise<void> {
  const { page } = env.session;
  const [Z, Y, X] = info.shape;
  await page
    .getByTestId('slice-index-0')
    .filter({ hasText: `${z} [0–${Z - 1}]` })
    .waitFor({ timeout: 10_000 });
  const want = await expected(z);
  await expect.poll(async () => equalPixels((await canvasPixels(page, IMAGE)).data, want), { timeout: 15_000 }).toBe(X * Y);
}

describe('DICOM series (real engine)', () => {
  it('opens the series folder and lists it as patient › study › series with a thumbnail', async () => {
    const { page } = env.session;
    expect(info.shape.length).toBe(3);
    expect(info.listing?.series?.length).toBe(1);
    const entry = info.listing!.series![0];

    await page.getByTestId('open-path').fill(SERIES);
    await page.getByTestId('open-path-button').click();
    await expect.poll(async () => page.getByTestId('dataset-name').textContent(), { timeout: 30_000 }).toBe('mr-series');
    await expectSlice(0);

    const tree = page.getByTestId('series-tree');
    await expect(tree.getByText(entry.patient, { exact: true }).count()).resolves.toBe(1);
    await expect(tree.getByText(entry.study, { exact: true }).count()).resolves.toBe(1);
    const row = page.locator(`[data-testid="series-row"][data-uid="${entry.uid}"]`);
    await expect(row.textContent()).resolves.toContain(entry.description);
    expect(await row.textContent()).toContain(`${entry.rows}×${entry.columns} · ${entry.slices} slices`);
    expect(await row.getAttribute('aria-current')).toBe('true'); // the open series is highlighted

    // The thumbnail is drawn, is an image (not one flat gray) and is the engine's own preview.
    await row.locator('[data-testid="thumbnail"][data-state="drawn"]').waitFor({ timeout: 30_000 });
    const thumb = await canvasPixels(page, `[data-testid="series-row"][data-uid="${entry.uid}"] canvas`);
    const grays = new Set<number>();
    for (let i = 0; i < thumb.width * thumb.height; i++) grays.add(thumb.data[i * 4]);
    expect(grays.size).toBeGreaterThan(16);
    const t = await env.bridge.engine.thumbnail({ datasetId: info.id, series: entry.uid });
    expect([thumb.width, thumb.height]).toEqual([t.width, t.height]);
    let same = 0;
    for (let i = 0; i < t.width * t.height; i++) {
      const o = i * 4;
      if (thumb.data[o] === t.pixels[i] && thumb.data[o + 1] === t.pixels[i] && thumb.data[o + 2] === t.pixels[i] && thumb.data[o + 3] === 255) same++;
    }
    expect(same).toBe(t.width * t.height);
  });

  it('scrolls through the slices with the keyboard; pixels, label and position follow', async () => {
    const { page } = env.session;
    const before = await canvasPixels(page, IMAGE);
    const posBefore = await page.getByTestId('slice-coord-0').textContent();
    await page.locator('body').click({ position: { x: 700, y: 5 } }); // focus the page, not an input
    await page.keyboard.press('ArrowUp');
    await expectSlice(1);
    const after = await canvasPixels(page, IMAGE);
    // A different slice: many pixels change.
    const n = after.width * after.height;
    expect(n - equalPixels(before.data, after.data)).toBeGreaterThan(n / 10);
    const posAfter = await page.getByTestId('slice-coord-0').textContent();
    expect(posAfter).toMatch(/^z = -?\d/);
    expect(posAfter).not.toBe(posBefore);
    await expect(page.locator('.ws-slice').textContent()).resolves.toContain(`z 1 [0–${info.shape[0] - 1}]`);

    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expectSlice(3);
    await page.keyboard.press('ArrowDown');
    await expectSlice(2);
  });

  it('scrolls with the slider', async () => {
    const { page } = env.session;
    await page.getByTestId('slice-slider-0').evaluate((el) => {
      const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
      input.value = '12';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expectSlice(12);
    const z = info.origin[0] + 12 * info.spacing[0];
    await expect(page.getByTestId('slice-coord-0').textContent()).resolves.toBe(`z = ${Number(z.toPrecision(5))}`);
    await expect(page.getByTestId('slice-slider-0').getAttribute('aria-valuetext')).resolves.toContain(`index 12 of 0 to ${info.shape[0] - 1}`);
    await page.screenshot({ path: join(RESULTS, 'e2e-dicom-series.png') });
    expect(env.session.problems).toEqual([]);
  });
});
