/**
 * Export through the real engine, in a browser (downloads): after an ELM-INR run on
 * astronaut.png, the reconstruction in the source format (a PNG that decodes to the image's
 * size and matches the run's PSNR), the model, the metrics CSV of the runs table, and a PNG of
 * a view.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers/samples';
import { canvasPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { download, rowPsnr, runAndWait } from './run-helpers';

const ASTRONAUT = sample('images', 'astronaut.png');

let jobId = '';
let psnr = NaN;

const env = useEngineSession(async ({ session: { page } }) => {
  await openByPath(page, ASTRONAUT);
  await page.getByTestId('fit-param-hidden').fill('48');
  jobId = await runAndWait(page);
  psnr = await rowPsnr(page, jobId);
});

async function exportItem(testid: string): Promise<{ name: string; bytes: Buffer }> {
  const { page } = env.session;
  return download(page, async () => {
    await page.getByTestId('export-menu').click();
    await page.getByTestId(testid).click();
  });
}

describe('export (real engine, browser downloads)', () => {
  it('downloads the reconstruction as a PNG of the source size, as good as the run says', async () => {
    expect(psnr).toBeGreaterThan(20);
    const { name, bytes } = await exportItem('export-reconstruction');
    expect(name).toMatch(/\.png$/);
    writeFileSync(join(RESULTS, 'e2e-export-reconstruction.png'), bytes);
    const recon = PNG.sync.read(bytes);
    const src = PNG.sync.read(readFileSync(ASTRONAUT));
    expect([recon.width, recon.height]).toEqual([src.width, src.height]);
    // 8-bit RGB: the same PSNR as the run (up to the rounding to bytes).
    let se = 0;
    let count = 0;
    for (let i = 0; i < src.width * src.height; i++)
      for (let c = 0; c < 3; c++) {
        se += (recon.data[i * 4 + c] - src.data[i * 4 + c]) ** 2;
        count++;
      }
    const filePsnr = 10 * Math.log10(255 ** 2 / (se / count));
    expect(Math.abs(filePsnr - psnr)).toBeLessThan(0.5);
    await expect(env.session.page.getByTestId('export-status').textContent()).resolves.toContain('downloaded');
  });

  it('downloads the model', async () => {
    const { name, bytes } = await exportItem('export-model');
    expect(name).toMatch(/\.inr$/);
    expect(bytes.length).toBeGreaterThan(1000);
    // An ELM run has no adaptive mesh to export.
    await env.session.page.getByTestId('export-menu').click();
    await expect(env.session.page.getByTestId('export-mesh').isDisabled()).resolves.toBe(true);
    await env.session.page.keyboard.press('Escape');
  });

  it('downloads the metrics CSV of the runs table', async () => {
    const { name, bytes } = await exportItem('export-csv');
    expect(name).toBe('astronaut-runs.csv');
    const lines = bytes.toString('utf8').trim().split(/\r\n/);
    const header = lines[0].split(',');
    expect(header).toEqual(expect.arrayContaining(['run', 'method', 'params', 'seconds', 'psnr', 'ssim', 'psnr_unobserved']));
    expect(lines).toHaveLength(2);
    const row = Object.fromEntries(lines[1].split(',').map((v, i) => [header[i], v]));
    expect(row.run).toBe(jobId.replace(/^job-/, '#'));
    expect(row.method).toBe('elm');
    // The request's parameters, sorted: the one typed in (hidden) and the panel's defaults.
    expect(row.params).toBe('activation=sine;features=auto;hidden=48;overlap=0.15;pixel=auto;ridge=0.000001;seed=1');
    expect(Number(row.psnr)).toBeCloseTo(psnr, 1);
    expect(Number(row.ssim)).toBeGreaterThan(0.5);
  });

  it('saves a view as PNG, pixel for pixel what the view shows', async () => {
    const { page } = env.session;
    await page.locator('[data-testid="view-recon"][data-state="drawn"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="view-recon"]').hover();
    const { name, bytes } = await download(page, () => page.getByTestId('view-recon-png').click());
    expect(name).toMatch(/^astronaut-reconstruction.*\.png$/);
    const png = PNG.sync.read(bytes);
    expect([png.width, png.height]).toEqual([512, 512]);
    const shown = await canvasPixels(page, '[data-testid="view-recon"] canvas[data-role="image"]');
    let same = 0;
    for (let i = 0; i < png.data.length; i++) if (png.data[i] === shown.data[i]) same++;
    expect(same / png.data.length).toBeGreaterThan(0.999);
    // The same from the Export menu, for the |error| view.
    const err = await exportItem('export-png-view-error');
    expect(PNG.sync.read(err.bytes).width).toBe(512);
    await page.screenshot({ path: join(RESULTS, 'e2e-export.png') });
  });

  it('saves the 3D view as PNG with the surface in it', async () => {
    const { page } = env.session;
    await page.getByTestId('layout-split').click();
    await page.locator('[data-testid="view-3d"][data-state="rendered"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="view-3d"]').hover();
    const { name, bytes } = await download(page, () => page.getByTestId('view-3d-png').click());
    expect(name).toMatch(/\.png$/);
    const png = PNG.sync.read(bytes);
    const box = (await page.locator('[data-testid="view-3d"] canvas').boundingBox())!;
    expect(png.width).toBe(Math.round(box.width));
    expect(png.height).toBe(Math.round(box.height));
    // Not a blank capture: the middle of the picture is mostly surface, not background.
    const bg = [png.data[0], png.data[1], png.data[2]];
    let surface = 0;
    let total = 0;
    for (let y = Math.floor(png.height * 0.35); y < png.height * 0.65; y++)
      for (let x = Math.floor(png.width * 0.35); x < png.width * 0.65; x++) {
        const o = (y * png.width + x) * 4;
        total++;
        if (Math.abs(png.data[o] - bg[0]) + Math.abs(png.data[o + 1] - bg[1]) + Math.abs(png.data[o + 2] - bg[2]) > 30) surface++;
      }
    expect(surface / total).toBeGreaterThan(0.5);
    writeFileSync(join(RESULTS, 'e2e-export-3d.png'), bytes);
    expect(env.session.problems).toEqual([]);
  });
});
