/**
 * How the 3D views hold their WebGL scene (renderer/src/lib/scene3d.ts), against the scripted
 * engine: the height-field view and the isosurface view take the size of their host and follow
 * its resizes, and where the GPU context is lost they say so, then draw again once the browser
 * restores it.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineService } from '../../main/service/engine';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { openBrowser, type Session } from './browser';
import { FakeEngine } from './fake-engine';

let engine: FakeEngine;
let bridge: Bridge;
let session: Session;

beforeAll(async () => {
  mkdirSync(resolve('test-results'), { recursive: true });
  engine = new FakeEngine();
  bridge = await startBridge({ port: 0, staticDir: resolve('out/web'), engine: engine as unknown as EngineService });
  session = await openBrowser(bridge.url);
});

afterAll(async () => {
  await session?.close();
  await bridge?.close();
  await engine?.close();
});

/** Minimal DOM shapes for code run in the page (the Node test build has no DOM types). */
interface El {
  clientWidth: number;
  clientHeight: number;
  parentElement: El;
}
interface LoseContext {
  loseContext(): void;
  restoreContext(): void;
}
interface GlCanvas extends El {
  width: number;
  height: number;
  getContext(kind: 'webgl2'): { getExtension(name: 'WEBGL_lose_context'): LoseContext | null } | null;
}

/** The GL canvas's drawing-buffer size and its host's size (device pixel ratio 1 in these tests). */
async function sizes(page: Page, view: string): Promise<{ canvas: [number, number]; host: [number, number] }> {
  return page.locator(`[data-testid="${view}"] canvas[data-role="gl"]`).evaluate((el) => {
    const c = el as unknown as GlCanvas;
    return { canvas: [c.width, c.height] as [number, number], host: [c.parentElement.clientWidth, c.parentElement.clientHeight] as [number, number] };
  });
}

/** Lose the view's WebGL context, or restore it, as the browser would. */
async function context(page: Page, view: string, what: 'lose' | 'restore'): Promise<void> {
  await page.locator(`[data-testid="${view}"] canvas[data-role="gl"]`).evaluate((el, w) => {
    // The extension is kept from the loss: a lost context gives out none.
    const c = el as unknown as GlCanvas & { loseExt?: LoseContext };
    if (w === 'lose') (c.loseExt = c.getContext('webgl2')!.getExtension('WEBGL_lose_context')!).loseContext();
    else c.loseExt!.restoreContext();
  }, what);
}

/** True once the GL canvas's drawing buffer is its host's size. */
async function fitsHost(page: Page, view: string): Promise<boolean> {
  const s = await sizes(page, view);
  return s.canvas[0] === s.host[0] && s.canvas[1] === s.host[1];
}

async function checkScene(page: Page, view: string): Promise<void> {
  const root = page.getByTestId(view);
  await page.locator(`[data-testid="${view}"][data-state="rendered"]`).waitFor({ timeout: 60_000 });
  expect(await root.getAttribute('data-gl')).not.toBe('');

  // The drawing buffer is the host's size, and follows it.
  expect(await fitsHost(page, view)).toBe(true);
  const before = (await sizes(page, view)).host;
  await page.setViewportSize({ width: 1280, height: 720 });
  try {
    await expect.poll(async () => (await sizes(page, view)).host).not.toEqual(before);
    await expect.poll(() => fitsHost(page, view)).toBe(true);
  } finally {
    await page.setViewportSize({ width: 1440, height: 860 });
  }

  // A lost context is said, and drawn again once restored.
  await context(page, view, 'lose');
  await page.locator(`[data-testid="${view}"][data-state="lost"]`).waitFor({ timeout: 10_000 });
  expect(await root.textContent()).toContain('The GPU context was lost');
  const renders = Number(await root.getAttribute('data-renders'));
  await context(page, view, 'restore');
  await page.locator(`[data-testid="${view}"][data-state="rendered"]`).waitFor({ timeout: 10_000 });
  await expect.poll(async () => Number(await root.getAttribute('data-renders'))).toBeGreaterThan(renders);
}

describe('the 3D views and their WebGL scene (scripted engine)', () => {
  it('sizes the height field to its host, and survives a lost context', async () => {
    const { page } = session;
    await page.locator('[data-testid="view-main"][data-state="drawn"]').waitFor({ timeout: 30_000 });
    await page.getByTestId('layout-split').click();
    await checkScene(page, 'view-3d');
  });

  it('sizes the isosurface to its host, and survives a lost context', async () => {
    const { page } = session;
    await page.getByTestId('layout-planes').click();
    await checkScene(page, 'view-iso');
    expect(session.problems).toEqual([]);
  });
});
