/**
 * Shared by the viewer's end-to-end tests (issue 18): what a view shows on screen, data pixel by
 * data pixel; whether boxes of text overlap; choosing a method and task in the Fit panel.
 */
import type { Locator, Page } from 'playwright-core';
import { PNG } from 'pngjs';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Shot {
  width: number;
  height: number;
  data: Uint8Array;
}

/** The whole page as pixels (CSS pixels: the tests run at device scale 1). */
export async function pageShot(page: Page, path?: string): Promise<Shot> {
  const png = PNG.sync.read(await page.screenshot(path ? { path } : {}));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
}

export function rgbAt(s: Shot, x: number, y: number): [number, number, number] {
  const xi = Math.min(s.width - 1, Math.max(0, Math.floor(x)));
  const yi = Math.min(s.height - 1, Math.max(0, Math.floor(y)));
  const o = (yi * s.width + xi) * 4;
  return [s.data[o], s.data[o + 1], s.data[o + 2]];
}

export function close(a: readonly number[], b: readonly number[], tol = 6): boolean {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) <= tol;
}

/**
 * How well the screen shows an expected image (rows × cols RGBA, row 0 = storage row 0) inside
 * the on-screen rectangle `box`, read at the centre of every data pixel's screen cell: the share
 * of valid pixels (alpha 255) whose colour matches, with rows mapped bottom-up (`flipY`) or
 * top-down. Nodata pixels are skipped (the checkerboard shows through them).
 */
export function matchShare(
  shot: Shot,
  box: Box,
  expected: ArrayLike<number>,
  width: number,
  height: number,
  opts: { flipY?: boolean; flipX?: boolean; tol?: number } = {},
): number {
  let n = 0;
  let same = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const o = (r * width + c) * 4;
      if (expected[o + 3] !== 255) continue;
      const row = opts.flipY ? height - 1 - r : r;
      const col = opts.flipX ? width - 1 - c : c;
      const sx = box.x + ((col + 0.5) * box.width) / width;
      const sy = box.y + ((row + 0.5) * box.height) / height;
      n++;
      if (close(rgbAt(shot, sx, sy), [expected[o], expected[o + 1], expected[o + 2]], opts.tol ?? 6)) same++;
    }
  }
  return n ? same / n : 0;
}

export async function boxOf(loc: Locator): Promise<Box> {
  const b = await loc.boundingBox();
  if (!b) throw new Error('element not visible');
  return b;
}

function intersects(a: Box, b: Box, margin = 0): boolean {
  return a.x < b.x + b.width - margin && b.x < a.x + a.width - margin && a.y < b.y + b.height - margin && b.y < a.y + a.height - margin;
}

export function inside(inner: Box, outer: Box, slack = 0.5): boolean {
  return (
    inner.x >= outer.x - slack && inner.y >= outer.y - slack && inner.x + inner.width <= outer.x + outer.width + slack && inner.y + inner.height <= outer.y + outer.height + slack
  );
}

/** Boxes of every visible element matching `selector` under `root` (zero-sized ones left out). */
export async function visibleBoxes(root: Locator, selector: string): Promise<{ text: string; box: Box }[]> {
  const out: { text: string; box: Box }[] = [];
  const all = root.locator(selector);
  const n = await all.count();
  for (let i = 0; i < n; i++) {
    const el = all.nth(i);
    if (!(await el.isVisible())) continue;
    const b = await el.boundingBox();
    if (b && b.width > 0 && b.height > 0) out.push({ text: ((await el.textContent()) ?? '').trim(), box: b });
  }
  return out;
}

/** Pairs of boxes that overlap (by more than `margin` px each way). */
export function overlaps(items: { text: string; box: Box }[], margin = 0.5): string[] {
  const bad: string[] = [];
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++) if (intersects(items[i].box, items[j].box, margin)) bad.push(`"${items[i].text}" × "${items[j].text}"`);
  return bad;
}

/** True where the element's text is cut (ellipsis or clipping): its content is wider than its box. */
export async function isClipped(loc: Locator): Promise<boolean> {
  return loc.evaluate((el) => {
    const e = el as unknown as { scrollWidth: number; clientWidth: number };
    return e.scrollWidth > e.clientWidth + 1;
  });
}

/** Choose a method and a task in the Fit panel, and fill parameters (by their field's test id). */
export async function chooseFit(page: Page, method: string, task = 'fit', params: Record<string, string> = {}): Promise<void> {
  await page.getByTestId('fit-method').selectOption(method);
  await page.getByTestId('fit-task').selectOption(task);
  for (const [k, v] of Object.entries(params)) {
    const el = page.getByTestId(`fit-param-${k}`);
    if ((await el.evaluate((e) => (e as unknown as { tagName: string }).tagName)) === 'SELECT') await el.selectOption(v);
    else await el.fill(v);
  }
}

/** A CSS custom property of the page's root (a theme colour), trimmed. */
export async function cssVar(page: Page, name: string): Promise<string> {
  return page.evaluate((n) => {
    const g = globalThis as unknown as { getComputedStyle(e: unknown): { getPropertyValue(p: string): string }; document: { documentElement: unknown } };
    return g.getComputedStyle(g.document.documentElement).getPropertyValue(n).trim();
  }, name);
}
