/**
 * Issue 16, point 6, end to end through the real engine: a mesh (the shared bunny, OFF) opens as
 * an occupancy grid, is voxelised again at a small resolution from the dataset panel, and an ELM
 * fit of it is shown as two surfaces side by side (the source's and the reconstruction's, at
 * level ½), one camera for both, with its IoU in the runs table, the metrics list and the CSV.
 *
 * - Both panes draw a lit surface: many pixels off the background, shaded (a spread of
 *   brightness), each in its own colour (warm source, cool reconstruction).
 * - Dragging one pane turns the other too; a pane saves as PNG as drawn.
 * - The IoU shown equals the IoU of the two volumes the engine serves for the views (≥ ½ is
 *   inside), computed here.
 * - At 1280 × 720 the header's tabs and the table's IoU stay whole and apart (the IoU column
 *   takes the place of SSIM, which stays in the metrics list).
 */
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers/samples';
import { openByPath, RESULTS, useEngineSession } from './browser';
import { changedPixels, download, elementPixels, runAndWait, type ShotPixels } from './run-helpers';
import { boxOf, chooseFit, cssVar, inside, isClipped, overlaps, visibleBoxes } from './view-helpers';

const BUNNY = sample('meshes', 'bunny00.off');
const RES = 32;
const SOURCE = '[data-testid="surface-source"]';
const RECON = '[data-testid="surface-recon"]';

const env = useEngineSession();

function hexRgb(css: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css.trim());
  if (m) return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
  const r = /rgb\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (r) return [Number(r[1]), Number(r[2]), Number(r[3])];
  throw new Error(`not a colour: ${css}`);
}

/** The pixels of a pane that are not its background, with their mean colour and the spread of their brightness. */
function surfacePixels(px: ShotPixels, bg: readonly number[]): { share: number; mean: [number, number, number]; spread: number } {
  const lum: number[] = [];
  const sum = [0, 0, 0];
  const n = px.width * px.height;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const d = Math.abs(px.data[o] - bg[0]) + Math.abs(px.data[o + 1] - bg[1]) + Math.abs(px.data[o + 2] - bg[2]);
    // Off the background by more than the box frame's faint lines.
    if (d <= 60) continue;
    for (let c = 0; c < 3; c++) sum[c] += px.data[o + c];
    lum.push(0.2126 * px.data[o] + 0.7152 * px.data[o + 1] + 0.0722 * px.data[o + 2]);
  }
  lum.sort((a, b) => a - b);
  const q = (f: number) => lum[Math.min(lum.length - 1, Math.floor(f * lum.length))] ?? 0;
  const k = Math.max(1, lum.length);
  return { share: lum.length / n, mean: [sum[0] / k, sum[1] / k, sum[2] / k], spread: q(0.9) - q(0.1) };
}

async function pane(selector: string): Promise<ShotPixels> {
  return elementPixels(env.session.page.locator(`${selector} canvas[data-role="gl"]`));
}

describe('a mesh as occupancy, fitted, and its surfaces side by side (bunny00.off, real engine)', () => {
  let jobId = '';
  let datasetId = '';

  it('opens the mesh and voxelises it again at a small grid from the dataset panel', async () => {
    const { page } = env.session;
    await openByPath(page, BUNNY);
    await expect(page.getByTestId('occupancy-res').inputValue()).resolves.toBe('256');
    const before = await page.locator('[data-testid="view-main"]').getAttribute('data-dataset-id');
    await page.getByTestId('occupancy-res').fill(String(RES));
    await page.getByTestId('occupancy-apply').click();
    await expect.poll(async () => page.locator('[data-testid="view-main"][data-state="drawn"]').getAttribute('data-dataset-id'), { timeout: 30_000 }).not.toBe(before);
    datasetId = (await page.locator('[data-testid="view-main"]').getAttribute('data-dataset-id'))!;
    await expect(page.getByTestId('occupancy-res').inputValue()).resolves.toBe(String(RES));
  });

  it('fits it with ELM and shows both surfaces, lit, side by side', async () => {
    const { page } = env.session;
    await chooseFit(page, 'elm', 'fit', { budget: '2000' });
    jobId = await runAndWait(page, 180_000);
    await page.getByTestId('view-surfaces').waitFor({ timeout: 20_000 });
    await expect(page.getByTestId('layout-surfaces').getAttribute('aria-selected')).resolves.toBe('true');
    await page.locator(`${SOURCE}[data-state="rendered"]`).waitFor({ timeout: 60_000 });
    await page.locator(`${RECON}[data-state="rendered"]`).waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('view-surfaces').getAttribute('data-level')).resolves.toBe('0.5');
    for (const p of [SOURCE, RECON]) expect(Number(await page.locator(p).getAttribute('data-triangles'))).toBeGreaterThan(200);
    await page.mouse.move(700, 5);
    await page.waitForTimeout(200);
    const bg = hexRgb(await cssVar(page, '--view-bg'));
    const src = surfacePixels(await pane(SOURCE), bg);
    const rec = surfacePixels(await pane(RECON), bg);
    for (const [name, s] of [
      ['source', src],
      ['reconstruction', rec],
    ] as const) {
      expect(s.share, `${name}: surface on screen`).toBeGreaterThan(0.03);
      expect(s.spread, `${name}: shaded by the light`).toBeGreaterThan(25);
    }
    // Each its own colour: the source warm (red above blue), the reconstruction cool.
    expect(src.mean[0]).toBeGreaterThan(src.mean[2]);
    expect(rec.mean[2]).toBeGreaterThan(rec.mean[0]);
    await page.screenshot({ path: join(RESULTS, 'e2e-occupancy-surfaces.png') });
  });

  it('turns both surfaces together', async () => {
    const { page } = env.session;
    const src0 = await pane(SOURCE);
    const rec0 = await pane(RECON);
    const recRenders = Number(await page.locator(RECON).getAttribute('data-renders'));
    const box = await boxOf(page.locator(`${SOURCE} canvas[data-role="gl"]`));
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let k = 1; k <= 8; k++) await page.mouse.move(box.x + box.width / 2 + k * 12, box.y + box.height / 2 + k * 3);
    await page.mouse.up();
    await expect.poll(async () => Number(await page.locator(RECON).getAttribute('data-renders'))).toBeGreaterThan(recRenders);
    await page.mouse.move(700, 5);
    await page.waitForTimeout(200);
    const src1 = await pane(SOURCE);
    const rec1 = await pane(RECON);
    const n = src0.width * src0.height;
    expect(changedPixels(src0, src1) / n).toBeGreaterThan(0.01);
    expect(changedPixels(rec0, rec1) / n).toBeGreaterThan(0.01);
  });

  it('saves the reconstructed surface as PNG, as drawn', async () => {
    const { page } = env.session;
    await page.locator(RECON).hover();
    const png = await download(page, () => page.getByTestId('surface-recon-png').click());
    expect(png.name).toBe('reconstructed-surface.png');
    const img = PNG.sync.read(png.bytes);
    const shown = await pane(RECON);
    const bg = hexRgb(await cssVar(page, '--view-bg'));
    const saved = surfacePixels({ width: img.width, height: img.height, data: new Uint8Array(img.data) }, bg);
    expect(saved.share).toBeGreaterThan(0.03);
    expect(saved.mean[2]).toBeGreaterThan(saved.mean[0]);
    // The canvas at its own resolution (device scale 1: the pane's size on screen).
    expect(Math.abs(img.width - shown.width)).toBeLessThanOrEqual(1);
  });

  it('shows the IoU in the runs table, the metrics and the CSV: the IoU of the volumes on screen', async () => {
    const { page } = env.session;
    const cell = page.locator(`[data-testid="run-row-${jobId}"] td[data-col="iou"]`);
    const shown = Number(await cell.textContent());
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(1);
    // The same figure from the two volumes the engine serves for the views (≥ ½ is inside).
    const a = await env.bridge.engine.getVolume({ datasetId });
    const b = await env.bridge.engine.getVolume({ datasetId, resultOf: jobId });
    expect(a.step).toEqual([1, 1, 1]);
    let inter = 0;
    let union = 0;
    for (let i = 0; i < a.values.length; i++) {
      const x = a.values[i] >= 0.5;
      const y = b.values[i] >= 0.5;
      if (x && y) inter++;
      if (x || y) union++;
    }
    expect(shown).toBeCloseTo(inter / union, 2);
    await expect(page.getByTestId('fit-metrics').textContent()).resolves.toContain('IoU');
    await expect(page.locator(`${RECON} [data-testid="surface-recon-subtitle"]`).textContent()).resolves.toContain(`IoU ${shown.toFixed(3).slice(0, 4)}`);
    await page.getByTestId('export-menu').click();
    const csv = await download(page, () => page.getByTestId('export-csv').click());
    const [head, row] = csv.bytes.toString('utf8').split('\r\n');
    const iou = Number(row.split(',')[head.split(',').indexOf('iou')]);
    expect(iou).toBeCloseTo(shown, 3);
  });

  it('keeps the header, the surfaces’ titles and the IoU whole at 1280 × 720', async () => {
    const { page } = env.session;
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForTimeout(400);
    const header = page.locator('.ws-header');
    const hb = await boxOf(header);
    const items = await visibleBoxes(header, '.tabs .btn, .seg.output .btn, .ws-title, .ws-slice');
    expect(overlaps(items)).toEqual([]);
    for (const it of items) expect(inside(it.box, hb), `"${it.text}" inside the header`).toBe(true);
    for (const p of [SOURCE, RECON]) {
      const pb = await boxOf(page.locator(p));
      const titles = await visibleBoxes(page.locator(p), '[data-role="title"]');
      expect(titles).toHaveLength(1);
      expect(inside(titles[0].box, pb)).toBe(true);
    }
    const cell = page.locator(`[data-testid="run-row-${jobId}"] td[data-col="iou"]`);
    await cell.scrollIntoViewIfNeeded();
    expect(await isClipped(cell)).toBe(false);
    for (const col of ['td.method', 'td[data-col="psnr"]']) expect(await isClipped(page.locator(`[data-testid="run-row-${jobId}"] ${col}`)), col).toBe(false);
    // The IoU takes the SSIM column's place (SSIM stays in the metrics list).
    await expect(page.locator('[data-testid="fit-runs"] thead th').allTextContents()).resolves.toEqual(['run', 'method', 'params', 'PSNR', 'IoU', 'time']);
    await page.screenshot({ path: join(RESULTS, 'e2e-occupancy-1280.png') });
    await page.setViewportSize({ width: 1440, height: 860 });
    expect(env.session.problems).toEqual([]);
  });
});
