/**
 * Shared by the end-to-end tests of the Fit panel against the real engine: run a fit and wait
 * for its outcome, read an element's on-screen pixels, count pixels of a colour.
 */
import { readFileSync } from 'node:fs';
import type { Download, Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';

export interface ShotPixels {
  width: number;
  height: number;
  data: Uint8Array;
}

/** What an element looks like on screen (an SVG chart, a view with its overlays), decoded. */
export async function elementPixels(locator: Locator): Promise<ShotPixels> {
  const png = PNG.sync.read(await locator.screenshot());
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
}

export function hexRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a colour: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** Pixels within `tol` (sum of absolute RGB differences) of a colour. */
export function countColor(px: ShotPixels, rgb: readonly number[], tol = 40): number {
  let n = 0;
  for (let i = 0; i < px.width * px.height; i++) {
    const o = i * 4;
    if (Math.abs(px.data[o] - rgb[0]) + Math.abs(px.data[o + 1] - rgb[1]) + Math.abs(px.data[o + 2] - rgb[2]) <= tol) n++;
  }
  return n;
}

/** Pixels whose RGB differs between two equal-sized images by more than `tol`. */
export function changedPixels(a: ShotPixels, b: ShotPixels, tol = 6): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}×${a.height} vs ${b.width}×${b.height}`);
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    const o = i * 4;
    if (Math.abs(a.data[o] - b.data[o]) + Math.abs(a.data[o + 1] - b.data[o + 1]) + Math.abs(a.data[o + 2] - b.data[o + 2]) > tol) n++;
  }
  return n;
}

/** The id of the newest run in the runs table (`job-N`). */
export async function newestRunId(page: Page): Promise<string> {
  const id = await page.locator('[data-testid="fit-runs"] tbody tr').first().getAttribute('data-testid');
  if (!id) throw new Error('no run in the runs table');
  return id.replace(/^run-row-/, '');
}

/**
 * Click Run and wait for the new run to finish; a failure in the engine is thrown with the
 * banner's text. Returns the run's job id.
 */
export async function runAndWait(page: Page, timeout = 90_000): Promise<string> {
  const before = await page.locator('[data-testid="fit-runs"] tbody tr').count();
  await page.getByTestId('fit-run').click();
  await expectCount(page.locator('[data-testid="fit-runs"] tbody tr'), before + 1);
  const jobId = await newestRunId(page);
  const row = page.locator(`[data-testid="run-row-${jobId}"]`);
  const finished = page.locator(`[data-testid="run-row-${jobId}"]:is([data-phase="done"], [data-phase="error"], [data-phase="cancelled"])`);
  await finished.waitFor({ timeout });
  const phase = await row.getAttribute('data-phase');
  if (phase !== 'done') throw new Error(`the fit ended ${phase}: ${(await page.getByTestId('error-banner').allTextContents()).join(' | ')}`);
  return jobId;
}

async function expectCount(loc: Locator, n: number, timeout = 15_000): Promise<void> {
  const t0 = Date.now();
  while ((await loc.count()) < n) {
    if (Date.now() - t0 > timeout) throw new Error(`expected ${n} rows, found ${await loc.count()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The PSNR cell of a run's row, as a number. */
export async function rowPsnr(page: Page, jobId: string): Promise<number> {
  return Number(await page.locator(`[data-testid="run-row-${jobId}"] td[data-col="psnr"]`).textContent());
}

/** Wait for a download started by `action`, and read its bytes. */
export async function download(page: Page, action: () => Promise<void>): Promise<{ name: string; bytes: Buffer; download: Download }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), action()]);
  const path = await dl.path();
  if (!path) throw new Error(`download ${dl.suggestedFilename()} failed: ${await dl.failure()}`);
  return { name: dl.suggestedFilename(), bytes: readFileSync(path), download: dl };
}
