/**
 * Issue 18, point 7, end to end through the real engine: the layout at 1280×720 and 1440×900.
 * At both sizes, with the pointer over the views (readouts and zoom controls showing):
 *
 * - no text overlaps in a view: title, subtitle parts, zoom controls, orientation letters, the
 *   cursor readout and the window read-out each keep their own box, inside the view;
 * - the compare views' titles keep the PSNR whole (not cut by an ellipsis);
 * - the workspace header's tabs, output switch, title and slice label do not overlap, also
 *   with a super-resolution output beside its source;
 * - the Export and Recent menus open inside the window;
 * - the BEAM mesh overlay is off until asked for.
 *
 * Each size leaves screenshots in test-results/.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers/samples';
import { openByPath, RESULTS, useEngineSession } from './browser';
import { changedPixels, elementPixels, runAndWait } from './run-helpers';
import { boxOf, chooseFit, inside, isClipped, overlaps, visibleBoxes, type Box } from './view-helpers';

const MR = sample('dicom', 'mr-series');
const ELEV = sample('geotiff', 'elev.tif');
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
] as const;

const env = useEngineSession();

/** Every text element of a view's overlays. */
const TEXT = [
  '[data-role="title"] .title',
  '[data-role="subtitle"] .part',
  '[data-role="controls"]',
  '[data-role^="edge-"]',
  '[data-role="readout"] .part',
  '[data-role="window"]',
].join(', ');

/** Hover the middle of a view's image, then check its overlays: no overlap, all inside the view. */
async function checkView(page: Page, view: Locator, label: string): Promise<void> {
  const img = view.locator('canvas[data-role="image"]');
  const b = await boxOf(img);
  const vb = await boxOf(view);
  // The middle of the visible part of the image.
  const x = Math.max(vb.x + 20, Math.min(vb.x + vb.width - 20, b.x + b.width / 2));
  const y = Math.max(vb.y + 40, Math.min(vb.y + vb.height - 40, b.y + b.height / 2));
  await page.mouse.move(x, y);
  await view.locator('[data-role="readout-position"]').waitFor();
  await page.waitForTimeout(200); // the controls fade in
  const items = await visibleBoxes(view, TEXT);
  expect(items.length, `${label}: overlay texts`).toBeGreaterThanOrEqual(4);
  expect(overlaps(items), `${label}: overlapping texts`).toEqual([]);
  for (const it of items) expect(inside(it.box, vb), `${label}: "${it.text}" inside the view`).toBe(true);
}

async function checkHeader(page: Page, label: string): Promise<void> {
  const header = page.locator('.ws-header');
  const hb = await boxOf(header);
  const items = await visibleBoxes(header, '.tabs .btn, .seg.output .btn, .ws-title, .ws-slice');
  expect(overlaps(items), `${label}: header`).toEqual([]);
  for (const it of items) expect(inside(it.box, hb), `${label}: "${it.text}" inside the header`).toBe(true);
}

async function menuInside(page: Page, button: string, menu: string, label: string): Promise<Box> {
  await page.getByTestId(button).click();
  const m = page.getByTestId(menu);
  await m.waitFor();
  await page.waitForTimeout(50);
  const box = await boxOf(m);
  const vp = page.viewportSize()!;
  expect(inside(box, { x: 0, y: 0, width: vp.width, height: vp.height }), `${label}: ${menu} inside the window (${JSON.stringify(box)})`).toBe(true);
  await page.keyboard.press('Escape');
  if (await m.isVisible()) await page.getByTestId(button).click();
  return box;
}

describe('layout at 1280×720 and 1440×900', () => {
  for (const size of SIZES) {
    const tag = `${size.width}x${size.height}`;

    it(`keeps the slice and plane views’ texts apart at ${tag}`, async () => {
      const { page } = env.session;
      await page.setViewportSize(size);
      await openByPath(page, MR);
      await page.getByTestId('layout-single').click();
      await checkView(page, page.getByTestId('view-main'), `${tag} single`);
      await checkHeader(page, `${tag} single`);
      await page.screenshot({ path: join(RESULTS, `e2e-layout-${tag}-single.png`) });
      await page.getByTestId('layout-planes').click();
      for (const name of ['axial', 'coronal', 'sagittal']) {
        const v = page.getByTestId(`view-${name}`);
        await page.locator(`[data-testid="view-${name}"][data-state="drawn"]`).waitFor({ timeout: 30_000 });
        await checkView(page, v, `${tag} ${name}`);
      }
      // The crosshair line under the planes: its texts and buttons inside the workspace.
      const info = await boxOf(page.getByTestId('ortho-position'));
      for (const it of await visibleBoxes(page.getByTestId('ortho-position'), 'span, .btn')) expect(inside(it.box, info), `${tag}: "${it.text}" in the crosshair line`).toBe(true);
      await page.screenshot({ path: join(RESULTS, `e2e-layout-${tag}-planes.png`) });
    });

    it(`keeps the compare views’ PSNR whole, menus inside and the mesh overlay off at ${tag}`, async () => {
      const { page } = env.session;
      await page.setViewportSize(size);
      await openByPath(page, ELEV);
      await chooseFit(page, 'elm-beam', 'fit', { budget: '400' });
      const job = await runAndWait(page);
      await page.locator(`[data-testid="view-recon"][data-state="drawn"][data-path="${job}"]`).waitFor({ timeout: 20_000 });
      // The BEAM mesh overlay: off by default, on when asked for.
      await expect(page.getByTestId('mesh-toggle').isChecked()).resolves.toBe(false);
      await expect(page.locator('[data-testid="mesh-layer"]').count()).resolves.toBe(0);
      await page.mouse.move(2, 300);
      const plain = await elementPixels(page.getByTestId('view-recon'));
      for (const name of ['main', 'recon', 'error']) await checkView(page, page.getByTestId(`view-${name}`), `${tag} compare ${name}`);
      await checkHeader(page, `${tag} compare`);
      // The reconstruction's PSNR: a whole part of its subtitle, visible, inside the view.
      const psnr = page.locator('[data-testid="view-recon"] [data-role="subtitle"] .part', { hasText: 'PSNR' });
      await expect(psnr.textContent()).resolves.toMatch(/^PSNR \d+(\.\d+)? dB$/);
      expect(await isClipped(psnr)).toBe(false);
      expect(inside(await boxOf(psnr), await boxOf(page.getByTestId('view-recon')))).toBe(true);
      await page.mouse.move(2, 300);
      await page.screenshot({ path: join(RESULTS, `e2e-layout-${tag}-compare.png`) });
      // Menus open inside the window.
      await menuInside(page, 'export-menu', 'export-items', tag);
      await menuInside(page, 'recent-button', 'recent-menu', tag);
      // The overlay when asked for: the picture changes.
      await page.getByTestId('mesh-toggle').check();
      await page.locator('[data-testid="view-recon"] [data-testid="mesh-layer"]').waitFor();
      await page.mouse.move(2, 300);
      const withMesh = await elementPixels(page.getByTestId('view-recon'));
      expect(changedPixels(plain, withMesh) / (plain.width * plain.height)).toBeGreaterThan(0.005);
      await page.getByTestId('mesh-toggle').uncheck();
      // A resampled output beside the source: the header's output switch and both views' texts.
      await chooseFit(page, 'elm', 'superres', { scale: '2', hidden: '16' });
      const sr = await runAndWait(page);
      await page.locator(`[data-testid="view-recon"][data-state="drawn"][data-path="${sr}:resampled"]`).waitFor({ timeout: 20_000 });
      await checkHeader(page, `${tag} resampled`);
      for (const name of ['main', 'recon']) await checkView(page, page.getByTestId(`view-${name}`), `${tag} resampled ${name}`);
      await page.mouse.move(2, 300);
      await page.screenshot({ path: join(RESULTS, `e2e-layout-${tag}-resampled.png`) });
    });
  }

  it('has no page errors', () => {
    expect(env.session.problems).toEqual([]);
  });
});
