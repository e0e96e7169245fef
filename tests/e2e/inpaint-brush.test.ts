/**
 * Inpainting with a painted mask through the real engine: paint a stroke on the main view with
 * the brush (drawn semi-transparent over the image), erase part of it, run ELM-INR with the mask
 * as `hide`, and read the held-out PSNR of the painted region.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sample } from '../helpers/samples';
import { canvasPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { rowPsnr, runAndWait } from './run-helpers';

const MAIN = '[data-testid="view-main"]';
const CAMERA = sample('images', 'camera.png');

const env = useEngineSession(({ session }) => openByPath(session.page, CAMERA));

/** Screen position of image pixel (x, y) in the main view. */
async function screenOf(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await env.session.page.locator(`${MAIN} canvas[data-role="image"]`).boundingBox())!;
  const zoom = Number(await env.session.page.locator(MAIN).getAttribute('data-zoom'));
  return { x: box.x + x * zoom, y: box.y + y * zoom };
}

async function painted(): Promise<number> {
  const px = await canvasPixels(env.session.page, `${MAIN} canvas[data-testid="mask-layer"]`);
  let n = 0;
  for (let i = 3; i < px.data.length; i += 4) if (px.data[i] === 255) n++;
  return n;
}

describe('inpainting with a brushed mask (real engine)', () => {
  it('paints, erases, runs with the mask hidden and reports the held-out PSNR', async () => {
    const { page } = env.session;
    await page.getByTestId('fit-task').selectOption('inpaint');
    await page.getByTestId('inpaint-brush').click();
    await expect(page.getByTestId('brush-toggle').getAttribute('aria-pressed')).resolves.toBe('true');
    // Nothing painted: the run is refused with a reason.
    await expect(page.getByTestId('fit-run').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('fit-errors').textContent()).resolves.toMatch(/Paint the region/);

    // A horizontal stroke of radius 12 from x 150 to 350 at y 200 (image pixels).
    await page.getByTestId('brush-size').evaluate((el) => {
      const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
      input.value = '12';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect(page.getByTestId('brush-controls').textContent()).resolves.toContain('12 px');
    const a = await screenOf(150, 200);
    const b = await screenOf(350, 200);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 20 });
    await page.mouse.up();
    const samples = Number(await page.getByTestId('brush-count').getAttribute('data-samples'));
    // About 200 × 24 plus the round caps.
    expect(samples).toBeGreaterThan(4500);
    expect(samples).toBeLessThan(6000);
    // The overlay shows exactly the painted pixels, and the view did not pan.
    await expect.poll(painted, { timeout: 5_000 }).toBe(samples);
    const shot = await canvasPixels(page, `${MAIN} canvas[data-testid="mask-layer"]`);
    expect(shot.data[(200 * 512 + 250) * 4 + 3]).toBe(255);
    expect(shot.data[(260 * 512 + 250) * 4 + 3]).toBe(0);

    // Erase the middle of the stroke.
    await page.getByTestId('brush-erase').click();
    const m = await screenOf(250, 200);
    await page.mouse.move(m.x, m.y);
    await page.mouse.down();
    await page.mouse.up();
    const after = Number(await page.getByTestId('brush-count').getAttribute('data-samples'));
    expect(after).toBeLessThan(samples);
    expect(after).toBeGreaterThan(samples - 24 * 24);
    await expect.poll(painted, { timeout: 5_000 }).toBe(after);
    await page.getByTestId('brush-erase').click();
    await page.mouse.move(5, 400);
    await page.screenshot({ path: join(RESULTS, 'e2e-inpaint-brush-mask.png') });

    await page.getByTestId('fit-param-hidden').fill('48');
    const jobId = await runAndWait(page);
    const table = (await page.getByTestId('fit-metrics').textContent()) ?? '';
    const heldOut = Number(/PSNR held-out \(dB\)\s*([\d.]+)/.exec(table)?.[1]);
    const psnr = await rowPsnr(page, jobId);
    expect(heldOut).toBeGreaterThan(12); // the stroke is filled with something like the image
    expect(heldOut).toBeLessThan(psnr); // and worse than where the samples were seen
    await expect(page.locator(`[data-testid="run-row-${jobId}"]`).getAttribute('title')).resolves.toContain(`${after} samples painted out`);
    await page.locator('[data-testid="view-recon"][data-state="drawn"]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(RESULTS, 'e2e-inpaint-brush.png') });
    expect(env.session.problems).toEqual([]);
  });
});
