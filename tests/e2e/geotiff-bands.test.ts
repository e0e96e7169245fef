/**
 * End to end through the real engine: open the six-band Landsat 7 ETM+ GeoTIFF, see its bands
 * with thumbnails, show one band in gray, then band composites (the 4-3-2 preset and 7-4-2 from
 * the R/G/B selects). The view's red, green and blue pixels must be those bands' stored 8-bit
 * values, read independently with the project's reader, in that channel order.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../main/api/contract';
import type { Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { defaultDisplay, withGrayChannel } from '../../renderer/src/lib/display';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, RESULTS, useEngineSession, type Pixels } from './browser';

const MAIN = '[data-testid="view-main"]';
const IMAGE = `${MAIN} canvas[data-role="image"]`;
const TIFF = sample('geotiff', 'L7_ETMs.tif');

let field: Field;
let info: DatasetInfo;

const env = useEngineSession(async ({ bridge }) => {
  field = await openField(TIFF);
  info = await bridge.engine.open({ path: TIFF });
});

/** Pixels whose R, G, B equal the stored values of bands r, g, b (channel-last field values). */
function matchesBands(shown: Pixels, [r, g, b]: [number, number, number]): number {
  const C = field.channels.length;
  const n = field.shape[0] * field.shape[1];
  let same = 0;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    const v = i * C;
    if (shown.data[o] === field.values[v + r] && shown.data[o + 1] === field.values[v + g] && shown.data[o + 2] === field.values[v + b] && shown.data[o + 3] === 255) same++;
  }
  return same;
}

async function shownBands(bands: [number, number, number]): Promise<number> {
  return matchesBands(await canvasPixels(env.session.page, IMAGE), bands);
}

describe('GeoTIFF bands and composites (real engine)', () => {
  it('lists the six bands with thumbnails', async () => {
    const { page } = env.session;
    expect(field.channels).toHaveLength(6);
    expect(field.dtype).toBe('uint8');
    await page.getByTestId('open-path').fill(TIFF);
    await page.getByTestId('open-path-button').click();
    await page.locator(`${MAIN}[data-state="drawn"][data-path="${TIFF}"]`).waitFor({ timeout: 30_000 });
    const rows = page.getByTestId('band-row');
    await expect(rows.count()).resolves.toBe(6);
    await expect(rows.nth(3).textContent()).resolves.toContain(field.channels[3]);
    // Band thumbnails are drawn, and bands 1 and 4 look different (visible vs near infrared).
    await page.locator('[data-testid="band-row"][data-band="0"] [data-testid="thumbnail"][data-state="drawn"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="band-row"][data-band="3"] [data-testid="thumbnail"][data-state="drawn"]').waitFor({ timeout: 30_000 });
    const t1 = await canvasPixels(page, '[data-testid="band-row"][data-band="0"] canvas');
    const t4 = await canvasPixels(page, '[data-testid="band-row"][data-band="3"] canvas');
    expect(t1.width * t1.height).toBeGreaterThan(100);
    expect(equalPixels(t1.data, t4.data)).toBeLessThan((t1.width * t1.height) / 2);
    // Landsat presets are offered for a six-band stack.
    await expect(page.getByTestId('composite-preset-432').isVisible()).resolves.toBe(true);
  });

  it('shows one band in gray', async () => {
    const { page } = env.session;
    await page.locator('[data-testid="band-row"][data-band="3"]').click();
    const want = renderSlice(await env.bridge.engine.getSlice({ datasetId: info.id }), withGrayChannel(defaultDisplay(info), info, 3));
    const n = info.shape[0] * info.shape[1];
    await expect.poll(async () => equalPixels((await canvasPixels(page, IMAGE)).data, want), { timeout: 10_000 }).toBe(n);
    expect(await page.locator('[data-testid="band-row"][data-band="3"]').getAttribute('class')).toContain('active');
  });

  it('shows the 4-3-2 false-colour composite: red is band 4, green band 3, blue band 2', async () => {
    const { page } = env.session;
    const n = field.shape[0] * field.shape[1];
    await page.getByTestId('composite-preset-432').click();
    await expect.poll(() => shownBands([3, 2, 1]), { timeout: 10_000 }).toBe(n);
    // Channel order matters: the same pixels do not pass as 3-2-1 or with red and blue swapped.
    expect(await shownBands([2, 1, 0])).toBeLessThan(n / 2);
    expect(await shownBands([1, 2, 3])).toBeLessThan(n / 2);
    await expect(page.getByTestId('mode-rgb').getAttribute('aria-checked')).resolves.toBe('true');
    // The band list marks which band is which colour.
    await expect(page.locator('[data-testid="band-row"][data-band="3"] .role').textContent()).resolves.toBe('R');
    await expect(page.locator('[data-testid="band-row"][data-band="1"] .role').textContent()).resolves.toBe('B');
    await page.screenshot({ path: join(RESULTS, 'e2e-geotiff-bands-432.png') });
  });

  it('shows any three bands from the R/G/B selects (7-4-2: the sixth channel is ETM+ band 7)', async () => {
    const { page } = env.session;
    const n = field.shape[0] * field.shape[1];
    await page.getByTestId('composite-r').selectOption('5');
    await page.getByTestId('composite-g').selectOption('3');
    await page.getByTestId('composite-b').selectOption('1');
    await page.getByTestId('composite-apply').click();
    await expect.poll(() => shownBands([5, 3, 1]), { timeout: 10_000 }).toBe(n);
    // It is the 7-4-2 preset, and the button says so.
    expect(await page.getByTestId('composite-preset-742').getAttribute('class')).toContain('active');
    await page.screenshot({ path: join(RESULTS, 'e2e-geotiff-bands-742.png') });
    expect(env.session.problems).toEqual([]);
  });
});
