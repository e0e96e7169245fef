/**
 * Shared by the end-to-end tests: Debian's Chromium driven by playwright-core, headless, with a
 * fresh profile and no network chatter; WebGL runs on SwiftShader (software), so the 3D view is
 * exercised on machines without a GPU. Also the usual session of a test file: the built renderer
 * served by the bridge over the real engine, in that browser.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startBridge, type Bridge } from '../../main/bridge/server';

const CHROMIUM = process.env.INR_CHROMIUM ?? '/usr/bin/chromium';

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far (CSP violations land here). */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A fresh headless Chromium at `url`. For a page served by the bridge, `url` is `bridge.url`,
 * with its access token.
 */
export async function openBrowser(url: string, extraArgs: string[] = []): Promise<Session> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'inr-e2e-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 860 },
    deviceScaleFactor: 1,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // Software compositing and WebGL on SwiftShader: the same on every machine, and several
      // seconds faster to first paint on a busy 2-core runner than GPU-process compositing.
      '--disable-gpu',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      ...extraArgs,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Where the end-to-end tests leave their screenshots and downloads. */
export const RESULTS = resolve('test-results');
const STATIC_DIR = resolve('out/web');

export interface EngineSession {
  /** The bridge, with the real engine behind it (`bridge.engine`). */
  readonly bridge: Bridge;
  readonly session: Session;
}

/**
 * Registers the file's beforeAll/afterAll: make test-results, serve out/web through a bridge over
 * the real engine, open it in a fresh browser, then run `setup` (same hook); close both after the
 * tests. The returned getters are for use inside hooks and tests.
 *
 * The page is opened at `bridge.url`, which carries the bridge's per-launch token
 * (`/?token=…`): the page reads it there and sends it when it opens the engine's socket. A test
 * that opens a second page must use `bridge.url` too (a bare `bridge.origin` gets no engine).
 */
export function useEngineSession(setup?: (env: EngineSession) => Promise<void>): EngineSession {
  let bridge: Bridge | undefined;
  let session: Session | undefined;
  const env: EngineSession = {
    get bridge() {
      if (!bridge) throw new Error('the bridge is not started (used outside beforeAll/tests?)');
      return bridge;
    },
    get session() {
      if (!session) throw new Error('the browser is not open (used outside beforeAll/tests?)');
      return session;
    },
  };
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    bridge = await startBridge({ port: 0, staticDir: STATIC_DIR });
    session = await openBrowser(bridge.url);
    await setup?.(env);
  });
  afterAll(async () => {
    await session?.close();
    await bridge?.close();
  });
  return env;
}

/** Open a file by path from the toolbar, and wait until the main view has drawn that file. */
export async function openByPath(page: Page, path: string): Promise<void> {
  await page.getByTestId('open-path').fill(path);
  await page.getByTestId('open-path-button').click();
  await page.locator(`[data-testid="view-main"][data-state="drawn"][data-path="${path}"]`).waitFor({ timeout: 30_000 });
}

/** Minimal DOM shapes for code run in the page (the Node test build has no DOM types). */
interface Canvas2D {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

export interface Pixels {
  width: number;
  height: number;
  /** width × height × RGBA. */
  data: Uint8Array;
}

/** The backing pixels of a 2D canvas (its native resolution, whatever its CSS zoom). */
export async function canvasPixels(page: Page, selector: string): Promise<Pixels> {
  const r = await page.locator(selector).evaluate((el) => {
    const c = el as unknown as Canvas2D;
    const img = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let s = '';
    const CHUNK = 0x8000;
    for (let i = 0; i < img.length; i += CHUNK) s += String.fromCharCode.apply(null, Array.prototype.slice.call(img, i, i + CHUNK) as number[]);
    return { width: c.width, height: c.height, b64: btoa(s) };
  });
  return { width: r.width, height: r.height, data: new Uint8Array(Buffer.from(r.b64, 'base64')) };
}

/** Count of RGBA pixels equal in all four bytes. */
export function equalPixels(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  const n = Math.min(a.length, b.length) / 4;
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    if (a[o] === b[o] && a[o + 1] === b[o + 1] && a[o + 2] === b[o + 2] && a[o + 3] === b[o + 3]) same++;
  }
  return same;
}
