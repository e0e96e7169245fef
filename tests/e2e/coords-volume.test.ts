/**
 * Issue 18, point 2 for volumes, end to end through the real engine: a NIfTI head whose sform
 * mirrors x and y (the Colin27 voxels, the affine's signs changed). Under the cursor, at the
 * crosshair and in an exported view's name, a voxel has the same 0-based indices, and its
 * position follows the affine, signs included: world = srow · [i, j, k, 1].
 */
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../main/api/contract';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { canvasPixels, equalPixels, openByPath, RESULTS, useEngineSession } from './browser';
import { colinWithSform, fixtureDir, FLIPPED_SFORM } from './fixtures-view';
import { download } from './run-helpers';
import { boxOf, pageShot, rgbAt } from './view-helpers';

let path: string;
let info: DatasetInfo;

const env = useEngineSession(async ({ bridge }) => {
  path = colinWithSform(fixtureDir(), FLIPPED_SFORM);
  info = await bridge.engine.open({ path });
});

const AXIAL = '[data-testid="view-axial"]';

/** world = srow · [x, y, z, 1] for voxel (z, y, x). */
function world(z: number, y: number, x: number): number[] {
  return FLIPPED_SFORM.map((r) => r[0] * x + r[1] * y + r[2] * z + r[3]);
}

describe('voxel coordinates follow the affine, one index convention everywhere', () => {
  it('shows the hovered voxel’s 0-based indices and its RAS position from the sform', async () => {
    const { page } = env.session;
    await openByPath(page, path);
    await page.getByTestId('layout-planes').click();
    const z = Math.floor((info.shape[0] - 1) / 2);
    const plane = await env.bridge.engine.getSlice({ datasetId: info.id, plane: [1, 2], at: [z, 0, 0] });
    await expect
      .poll(async () => equalPixels((await canvasPixels(page, `${AXIAL} canvas[data-role="image"]`)).data, renderSlice(plane, defaultDisplay(info))), { timeout: 20_000 })
      .toBe(plane.width * plane.height);
    const box = await boxOf(page.locator(`${AXIAL} canvas[data-role="image"]`));
    const zoom = box.width / plane.width;
    const [x, y] = [60, 80];
    await page.mouse.move(box.x + (x + 0.5) * zoom, box.y + (y + 0.5) * zoom);
    const w = world(z, y, x);
    expect(w).toEqual([30, 11, 19]);
    const text = (await page.getByTestId('status-cursor').textContent()) ?? '';
    expect(text).toContain(`[z ${z}, y ${y}, x ${x}]  RAS (${w.map((v) => v.toFixed(2)).join(', ')}) mm`);
    // The view's own readout says the same.
    await expect(page.locator(`${AXIAL} [data-role="readout-position"]`).textContent()).resolves.toContain(`[z ${z}, y ${y}, x ${x}]`);
  });

  it('puts the crosshair on the same voxel with the same indices and position', async () => {
    const { page } = env.session;
    const z = Math.floor((info.shape[0] - 1) / 2);
    const box = await boxOf(page.locator(`${AXIAL} canvas[data-role="image"]`));
    const zoom = box.width / info.shape[2];
    await page.mouse.click(box.x + 60.5 * zoom, box.y + 80.5 * zoom);
    await expect.poll(() => page.getByTestId('ortho-index').textContent()).toBe(`z ${z} [0–180] · y 80 [0–216] · x 60 [0–180]`);
    await expect(page.getByTestId('ortho-physical').textContent()).resolves.toBe('RAS (30.00, 11.00, 19.00) mm');
    // The slice control and the plane's title count the same way.
    await expect(page.getByTestId('slice-index-0').textContent()).resolves.toBe(`${z} [0–180]`);
    await expect(page.locator(`[data-testid="view-coronal"] [data-role="subtitle"]`).textContent()).resolves.toBe('y 80 [0–216]');
    // On screen: the crosshair's vertical line runs through column 60 of the axial view.
    await page.mouse.move(5, 5);
    const shot = await pageShot(page, join(RESULTS, 'e2e-coords-volume.png'));
    const lineX = box.x + 60.5 * zoom;
    const yellowish = (p: number[]) => p[0] > 140 && p[1] > 120 && p[0] - p[2] > 60;
    let hits = 0;
    for (let yy = box.y + 10; yy < box.y + box.height - 10; yy += 7)
      if (yellowish(rgbAt(shot, lineX, yy)) || yellowish(rgbAt(shot, lineX - 1, yy)) || yellowish(rgbAt(shot, lineX + 1, yy))) hits++;
    expect(hits).toBeGreaterThan(10);
  });

  it('labels the mirrored axes: +x runs to the patient’s left, +y to the back', async () => {
    const { page } = env.session;
    await expect(page.locator(`${AXIAL} [data-role="edge-right"]`).textContent()).resolves.toBe('L');
    await expect(page.locator(`${AXIAL} [data-role="edge-left"]`).textContent()).resolves.toBe('R');
    await expect(page.locator(`${AXIAL} [data-role="edge-bottom"]`).textContent()).resolves.toBe('P');
    await expect(page.locator(`${AXIAL} [data-role="edge-top"]`).textContent()).resolves.toBe('A');
  });

  it('names an exported view by the same 0-based slice index', async () => {
    const { page } = env.session;
    const z = Math.floor((info.shape[0] - 1) / 2);
    await page.locator(AXIAL).hover();
    const { name, bytes } = await download(page, () => page.getByTestId('view-axial-png').click());
    expect(name).toBe(`axial-z${z}.png`);
    const png = PNG.sync.read(bytes);
    const plane = await env.bridge.engine.getSlice({ datasetId: info.id, plane: [1, 2], at: [z, 0, 0] });
    expect(equalPixels(new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length), renderSlice(plane, defaultDisplay(info)))).toBe(plane.width * plane.height);
    expect(env.session.problems).toEqual([]);
  });
});
