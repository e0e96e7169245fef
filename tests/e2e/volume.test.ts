/**
 * End to end through the real engine: the Colin27 T1 head (NIfTI, 181×217×181) in the planes
 * layout. The axial, coronal and sagittal views must show the engine's own planes through the
 * crosshair, pixel for pixel, with the head brighter than the air around it and the crosshair's
 * lines drawn; a click in the axial view must move the other two planes; the keyboard and the
 * wheel scroll a view's own slice; and the 3D isosurface must actually be drawn, read back from
 * the WebGL canvas.
 */
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../main/api/contract';
import { defaultDisplay } from '../../renderer/src/lib/display';
import { planeEdgeLabels } from '../../renderer/src/lib/orientation';
import { planeSpec } from '../../renderer/src/lib/orthoPlanes';
import { renderSlice } from '../../renderer/src/lib/render';
import { sample } from '../helpers/samples';
import { canvasPixels, equalPixels, openBrowser, RESULTS, useEngineSession, type Pixels } from './browser';

const COLIN = sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz');
const IMAGE = 'canvas[data-role="image"]';
const view = (name: string) => `[data-testid="view-${name}"]`;

let info: DatasetInfo;

const env = useEngineSession(async ({ bridge }) => {
  info = await bridge.engine.open({ path: COLIN });
});

/** What a plane view must show at a crosshair position: the engine's plane through the default display. */
async function expectedPlane(plane: [number, number], at: number[]): Promise<Uint8ClampedArray> {
  const s = await env.bridge.engine.getSlice({ datasetId: info.id, plane, at });
  return renderSlice(s, defaultDisplay(info));
}

const PLANES = { axial: [1, 2], coronal: [0, 2], sagittal: [0, 1] } as const satisfies Record<string, [number, number]>;

/** Wait until every plane view shows the engine's plane through `at` (z, y, x), exactly. */
async function expectPlanesAt(at: number[]): Promise<Record<keyof typeof PLANES, Pixels>> {
  const { page } = env.session;
  const out = {} as Record<keyof typeof PLANES, Pixels>;
  for (const name of Object.keys(PLANES) as (keyof typeof PLANES)[]) {
    const plane = PLANES[name];
    const expected = await expectedPlane([...plane], at);
    const w = info.shape[plane[1]];
    const h = info.shape[plane[0]];
    await expect.poll(async () => equalPixels((await canvasPixels(page, `${view(name)} ${IMAGE}`)).data, expected), { timeout: 20_000 }).toBe(w * h);
    out[name] = await canvasPixels(page, `${view(name)} ${IMAGE}`);
    expect([out[name].width, out[name].height]).toEqual([w, h]);
  }
  return out;
}

/** Mean gray level over a rectangle of a canvas (fractions of its size). */
function meanGray(p: Pixels, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  let n = 0;
  for (let y = Math.floor(y0 * p.height); y < Math.floor(y1 * p.height); y++) {
    for (let x = Math.floor(x0 * p.width); x < Math.floor(x1 * p.width); x++) {
      sum += p.data[(y * p.width + x) * 4];
      n++;
    }
  }
  return sum / n;
}

/** Pixels of a screenshot close to a colour (the crosshair's lines over a gray image). */
function countColour(png: PNG, test: (r: number, g: number, b: number) => boolean): number {
  let n = 0;
  // From row 4 down: the view's own colour runs along its top edge.
  for (let i = 4 * png.width; i < png.width * png.height; i++) if (test(png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2])) n++;
  return n;
}
const yellowish = (r: number, g: number, b: number) => r > 140 && g > 120 && r - b > 70 && g - b > 60;
const greenish = (r: number, g: number, b: number) => g > 110 && g - r > 40 && g - b > 40;
const reddish = (r: number, g: number, b: number) => r > 140 && r - g > 60 && r - b > 60;

/** The WebGL canvas's pixels, read in the page (the scene keeps its drawing buffer). */
async function glPixels(selector: string): Promise<PNG> {
  const url = await env.session.page.locator(selector).evaluate((el) => (el as unknown as { toDataURL(type: string): string }).toDataURL('image/png'));
  return PNG.sync.read(Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64'));
}

describe('volume planes and isosurface (real engine, Colin27)', () => {
  it('opens the volume and offers the planes layout', async () => {
    const { page } = env.session;
    await page.locator('[data-testid="view-main"][data-state="drawn"]').waitFor({ timeout: 30_000 });
    // The demo is a 2D image: no planes tab.
    await expect(page.getByTestId('layout-planes').count()).resolves.toBe(0);
    await page.getByTestId('open-path').fill(COLIN);
    await page.getByTestId('open-path-button').click();
    await page.locator(`[data-testid="view-main"][data-state="drawn"][data-path="${COLIN}"]`).waitFor({ timeout: 60_000 });
    expect(info.axes).toEqual(['z', 'y', 'x']);
    expect(info.shape).toEqual([181, 217, 181]);
    await page.getByTestId('layout-planes').click();
    await page.getByTestId('ortho-views').waitFor();
    await expect(page.locator('[data-testid="view-main"]').count()).resolves.toBe(0);

    // Orientation letters at the edges, as the engine's patient frame says (NIfTI: RAS).
    expect(info.orientation?.frame).toBe('RAS');
    const edges = async (name: string) => {
      const out: Record<string, string> = {};
      for (const edge of ['top', 'right', 'bottom', 'left']) {
        const el = page.locator(`${view(name)} [data-role="edge-${edge}"]`);
        await el.waitFor({ timeout: 20_000 });
        out[edge] = ((await el.textContent()) ?? '').trim();
      }
      return out;
    };
    const expected = planeEdgeLabels(info.orientation, planeSpec(info, 'axial'), info.shape.length);
    expect(expected).not.toBeNull();
    expect(await edges('axial')).toEqual(expected);
    expect((await edges('coronal')).top).toBe('S');
  });

  it('shows the three planes through the centre, head brighter than air, with the crosshair', async () => {
    const { page } = env.session;
    const centre = info.shape.map((n) => Math.floor((n - 1) / 2)); // 90, 108, 90
    const shown = await expectPlanesAt(centre);
    for (const name of ['axial', 'coronal', 'sagittal'] as const) {
      const p = shown[name];
      // Air in at least one corner of each plane (the neck fills the lower ones of the vertical planes).
      const middle = meanGray(p, 0.35, 0.35, 0.65, 0.65);
      const air = Math.min(meanGray(p, 0, 0, 0.08, 0.08), meanGray(p, 0.92, 0, 1, 0.08), meanGray(p, 0, 0.92, 0.08, 1), meanGray(p, 0.92, 0.92, 1, 1));
      expect(air, `${name}: air`).toBeLessThan(10);
      expect(middle, `${name}: head vs air`).toBeGreaterThan(air + 60);
    }
    await expect(page.getByTestId('ortho-index').textContent()).resolves.toBe('z 90 [0–180] · y 108 [0–216] · x 90 [0–180]');
    expect(await page.getByTestId('ortho-physical').textContent()).toMatch(/^RAS \(-?[\d.]+, -?[\d.]+, -?[\d.]+\) mm$/);
    expect(await page.getByTestId('ortho-value').textContent()).toMatch(/^\d/);

    // Coronal and sagittal show z up (rows flipped on screen), the axial plane does not.
    const scaleY = async (name: string) =>
      page.locator(`${view(name)} ${IMAGE}`).evaluate((el) => {
        // In the page: the vertical scale of the canvas's CSS transform.
        const w = globalThis as unknown as { getComputedStyle(e: unknown): { transform: string }; DOMMatrixReadOnly: new (m: string) => { d: number } };
        return new w.DOMMatrixReadOnly(w.getComputedStyle(el).transform).d;
      });
    expect(await scaleY('axial')).toBeGreaterThan(0);
    expect(await scaleY('coronal')).toBeLessThan(0);
    expect(await scaleY('sagittal')).toBeLessThan(0);

    // The crosshair: in the axial view the sagittal (yellow) and coronal (green) lines, in the
    // coronal view the sagittal and axial (red) ones.
    const axial = PNG.sync.read(await page.locator(view('axial')).screenshot());
    expect(countColour(axial, yellowish)).toBeGreaterThan(100);
    expect(countColour(axial, greenish)).toBeGreaterThan(100);
    expect(countColour(axial, reddish)).toBeLessThan(50);
    const coronal = PNG.sync.read(await page.locator(view('coronal')).screenshot());
    expect(countColour(coronal, yellowish)).toBeGreaterThan(100);
    expect(countColour(coronal, reddish)).toBeGreaterThan(100);
    await page.screenshot({ path: join(RESULTS, 'e2e-volume-planes.png') });
  });

  it('moves the coronal and sagittal planes to a click in the axial view', async () => {
    const { page } = env.session;
    const before = await expectPlanesAt([90, 108, 90]);
    const canvas = page.locator(`${view('axial')} ${IMAGE}`);
    const box = (await canvas.boundingBox())!;
    // Pixel (x 60, y 80) of the axial plane, at its centre on screen.
    await page.mouse.click(box.x + (60.5 * box.width) / 181, box.y + (80.5 * box.height) / 217);
    await expect.poll(() => page.getByTestId('ortho-index').textContent()).toBe('z 90 [0–180] · y 80 [0–216] · x 60 [0–180]');
    const after = await expectPlanesAt([90, 80, 60]);
    expect(equalPixels(after.coronal.data, before.coronal.data)).toBeLessThan(0.9 * 181 * 181);
    expect(equalPixels(after.sagittal.data, before.sagittal.data)).toBeLessThan(0.9 * 217 * 181);
    expect(equalPixels(after.axial.data, before.axial.data)).toBe(181 * 217); // its own plane stays
    await expect(page.locator('[data-plane="coronal"]').getAttribute('data-crosshair')).resolves.toBe('60,90');
    await expect(page.locator('[data-plane="sagittal"]').getAttribute('data-crosshair')).resolves.toBe('80,90');
  });

  it("scrolls a view's own slice with the keyboard and the wheel", async () => {
    const { page } = env.session;
    // Keys in the focused sagittal view move x only.
    await page.locator('[data-plane="sagittal"]').focus();
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.getByTestId('ortho-index').textContent()).toBe('z 90 [0–180] · y 80 [0–216] · x 62 [0–180]');
    // The wheel over the coronal view moves y; one notch, one slice.
    const box = (await page.locator(view('coronal')).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100);
    await expect.poll(() => page.getByTestId('ortho-index').textContent()).toBe('z 90 [0–180] · y 81 [0–216] · x 62 [0–180]');
    await expectPlanesAt([90, 81, 62]);
  });

  it('draws the isosurface of the head, and a higher threshold changes it', async () => {
    const { page } = env.session;
    const iso = page.getByTestId('view-iso');
    await page.locator('[data-testid="view-iso"][data-state="rendered"]').waitFor({ timeout: 90_000 });
    const triangles = Number(await iso.getAttribute('data-triangles'));
    expect(triangles).toBeGreaterThan(20_000);
    expect(await page.getByTestId('iso-triangles').textContent()).toContain(`${triangles.toLocaleString('en-US')} triangles`);
    // The threshold starts between the air and the head (Otsu).
    const level = Number(await iso.getAttribute('data-level'));
    expect(level).toBeGreaterThan(info.stats.channels[0].p2);
    expect(level).toBeLessThan(info.stats.channels[0].p98);

    // Read the WebGL canvas back: a large part of it is surface, lit (not background, not black).
    await page.waitForTimeout(300);
    const png = await glPixels('[data-testid="view-iso"] canvas[data-role="gl"]');
    const bg = [png.data[0], png.data[1], png.data[2]];
    let surface = 0;
    let lit = 0;
    for (let i = 0; i < png.width * png.height; i++) {
      const r = png.data[i * 4];
      const g = png.data[i * 4 + 1];
      const b = png.data[i * 4 + 2];
      if (Math.abs(r - bg[0]) + Math.abs(g - bg[1]) + Math.abs(b - bg[2]) > 40) {
        surface++;
        if (r + g + b > 240) lit++;
      }
    }
    expect(surface / (png.width * png.height)).toBeGreaterThan(0.12);
    expect(lit / surface).toBeGreaterThan(0.5);
    await page.screenshot({ path: join(RESULTS, 'e2e-volume-isosurface.png') });

    // Raise the threshold: a new surface is built (fewer triangles: inside the head, less skin).
    const renders = Number(await iso.getAttribute('data-renders'));
    await page.getByTestId('iso-threshold').evaluate(
      (el, v) => {
        const input = el as unknown as { value: string; dispatchEvent(e: Event): boolean };
        input.value = String(v);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      },
      level + 0.6 * (info.stats.channels[0].p98 - level),
    );
    await expect.poll(async () => Number(await iso.getAttribute('data-level')), { timeout: 10_000 }).toBeGreaterThan(level);
    await expect
      .poll(async () => (await iso.getAttribute('data-state')) === 'rendered' && Number(await iso.getAttribute('data-renders')) > renders, { timeout: 60_000 })
      .toBe(true);
    const higher = Number(await iso.getAttribute('data-triangles'));
    expect(higher).toBeGreaterThan(1000);
    expect(higher).not.toBe(triangles);
    expect(await iso.getAttribute('data-mesher')).toBe('worker');
  });

  it('ran without page errors', () => {
    expect(env.session.problems).toEqual([]);
  });
});

describe('isosurface without a worker (real engine)', () => {
  it('meshes in the page when the worker cannot load, and still draws the surface', async () => {
    const other = await openBrowser(env.bridge.url);
    try {
      const { page, context } = other;
      // As where a policy or an old shell refuses module workers: the worker script never loads.
      await context.route('**/*isosurface.worker*', (route) => route.abort());
      await page.locator('[data-testid="view-main"][data-state="drawn"]').waitFor({ timeout: 30_000 });
      await page.getByTestId('open-path').fill(COLIN);
      await page.getByTestId('open-path-button').click();
      await page.locator(`[data-testid="view-main"][data-state="drawn"][data-path="${COLIN}"]`).waitFor({ timeout: 60_000 });
      await page.getByTestId('layout-planes').click();
      // The lowest detail keeps the in-page meshing short.
      await page.getByTestId('iso-detail').selectOption('low');
      const iso = page.getByTestId('view-iso');
      await page.locator('[data-testid="view-iso"][data-state="rendered"]').waitFor({ timeout: 90_000 });
      await expect.poll(() => iso.getAttribute('data-mesher'), { timeout: 30_000 }).toBe('page');
      expect(Number(await iso.getAttribute('data-triangles'))).toBeGreaterThan(5000);
      await expect(page.getByTestId('error-banner').count()).resolves.toBe(0);
    } finally {
      await other.close();
    }
  });
});
