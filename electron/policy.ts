/**
 * Every security decision of the desktop shell, as pure functions with no `electron` import, so
 * that they are unit-tested in Node (tests/unit/electron-policy.test.ts). main.ts, ipc.ts and
 * preload.ts only wire them to Electron's hooks.
 *
 * - Which page is the app: the built renderer's index.html (a file:// URL), or, only in an
 *   unpackaged build, the dev server named by ELECTRON_RENDERER_URL on loopback.
 * - Navigation: only to the app's page. Requests: only the renderer's own files (plus data:,
 *   blob: and DevTools). Everything else, remote or another local file, is cancelled.
 * - IPC: answered only for the app page in the main frame of our window.
 * - Permissions (camera, geolocation, notifications…): all denied; the UI needs none.
 * - External links: only https URLs on an explicit allowlist (empty today: the UI links nowhere).
 * - Paths: `open` and `exportResult` accept only paths the user chose in this session, in a
 *   dialog or by dropping a file (PathGrants).
 * - The CSP: the app's (main/core/csp.ts) without the bridge's WebSocket, which Electron does
 *   not use.
 */
import { posix, win32 } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CSP } from '../main/core/csp';

// ---------------------------------------------------------------------------------------------
// The app's page

export interface AppPage {
  /** What the window loads: a file path, or (dev) a URL. */
  load: { file: string } | { url: string };
  /** file:// URL of the renderer folder, ending in '/'. */
  rendererDirUrl: string;
  /** file:// URL of the renderer's index.html. */
  indexUrl: string;
  /** The dev server's origin (`http://localhost:5173`), only in an unpackaged build. */
  devOrigin?: string;
}

/** True for an http(s) URL whose host is loopback (where a dev server runs). */
function isLoopbackHttp(u: URL): boolean {
  return (u.protocol === 'http:' || u.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * Where the app's page is. `devUrl` (ELECTRON_RENDERER_URL) is honoured only when the app is
 * not packaged, and only for a loopback http(s) address: a packaged build always loads its own
 * files, whatever the environment says.
 */
export function appPage(opts: { packaged: boolean; rendererDir: string; devUrl?: string }): AppPage {
  const dirUrl = pathToFileURL(opts.rendererDir).href.replace(/\/?$/, '/');
  const indexUrl = new URL('index.html', dirUrl).href;
  const dev = !opts.packaged && opts.devUrl ? parse(opts.devUrl) : undefined;
  if (dev && isLoopbackHttp(dev)) return { load: { url: dev.href }, rendererDirUrl: dirUrl, indexUrl, devOrigin: dev.origin };
  return { load: { file: fileURLToPath(indexUrl) }, rendererDirUrl: dirUrl, indexUrl };
}

/** The URL without its query and fragment. */
function bare(u: URL): string {
  return `${u.origin === 'null' ? `${u.protocol}//${u.host}` : u.origin}${u.pathname}`;
}

/** True when `url` is the app's own page (query and fragment aside). */
export function isAppPage(page: AppPage, url: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (page.devOrigin) return u.origin === page.devOrigin;
  return u.protocol === 'file:' && u.host === '' && bare(u) === page.indexUrl;
}

/** True when `url` is a file:// URL of a file inside the renderer folder (after `..` and escapes are resolved). */
function isRendererFile(page: AppPage, u: URL): boolean {
  if (u.protocol !== 'file:' || u.host !== '') return false;
  // The URL parser has already resolved '.', '..' and their percent-encoded forms; an encoded
  // '/' or '\' could still smuggle a separator past it.
  if (/%2f|%5c/i.test(u.pathname)) return false;
  return bare(u).startsWith(page.rendererDirUrl);
}

/**
 * Whether the session lets a request through: the renderer's own files (scripts, styles, wasm,
 * workers), data: and blob: URLs the page made, DevTools, and, in a dev build, the dev server
 * (http and its HMR WebSocket). Every other request, remote or a local file elsewhere, is
 * cancelled.
 */
export function isAllowedRequest(page: AppPage, url: string): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'data:' || u.protocol === 'devtools:') return true;
  if (u.protocol === 'blob:') {
    // Bytes the page itself made (a worker script, a download): blob:file:///<uuid> for the
    // file:// page, blob:<dev origin>/<uuid> in a dev build. Never a blob of another origin.
    const inner = parse(url.slice('blob:'.length));
    if (!inner) return false;
    return page.devOrigin ? inner.origin === page.devOrigin : inner.protocol === 'file:' && inner.host === '';
  }
  if (page.devOrigin) {
    if (u.origin === page.devOrigin) return true;
    const dev = new URL(page.devOrigin);
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.host === dev.host;
  }
  return isRendererFile(page, u);
}

/** Navigation of the window (links, location changes, redirects): only to the app's page. */
export function mayNavigate(page: AppPage, url: string): boolean {
  return isAppPage(page, url);
}

/**
 * Who may call the engine over IPC: the main frame of our own window, showing the app's page.
 * Anything else (a subframe, another window, a page that somehow navigated away) gets nothing.
 */
export function isTrustedSender(page: AppPage, s: { fromOurWindow: boolean; isMainFrame: boolean; frameUrl: string | undefined }): boolean {
  return s.fromOurWindow && s.isMainFrame && typeof s.frameUrl === 'string' && isAppPage(page, s.frameUrl);
}

// ---------------------------------------------------------------------------------------------
// Permissions, downloads, external links

/**
 * Web permissions the UI needs: none. It uses no camera, microphone, location, notifications,
 * clipboard API, fullscreen or device access. A permission is granted only if it is listed here
 * AND asked for by the app's own page.
 */
const APP_PERMISSIONS: readonly string[] = [];

/**
 * The decision for both the permission request handler and the permission check handler:
 * `requestingUrl` is the full URL of the frame that asks (details.requestingUrl).
 */
export function permissionAllowed(page: AppPage, permission: string, requestingUrl: string | undefined, allowed: readonly string[] = APP_PERMISSIONS): boolean {
  return allowed.includes(permission) && typeof requestingUrl === 'string' && isAppPage(page, requestingUrl);
}

/**
 * Downloads the page may start: only of bytes it holds itself (blob: and data: URLs, as the
 * exports and CSV use). Electron then shows its save dialog, where the user picks the place.
 */
export function downloadAllowed(url: string): boolean {
  return /^(blob|data):/i.test(url);
}

/**
 * https addresses that may open in the user's browser. Empty today: the UI has no external
 * links. Add the documentation's address here when there is one (an entry is an origin plus a
 * path prefix, e.g. 'https://docs.example.org/inr-studio/').
 */
const EXTERNAL_LINKS: readonly string[] = [];

/**
 * Whether `url` may go to shell.openExternal: https only, no user name or password, and the
 * same origin as an allowlist entry with a path under the entry's path.
 */
export function externalUrlAllowed(url: string, allowlist: readonly string[] = EXTERNAL_LINKS): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password) return false;
  return allowlist.some((entry) => {
    const e = parse(entry);
    if (!e || e.protocol !== 'https:') return false;
    const prefix = e.pathname.endsWith('/') ? e.pathname : `${e.pathname}/`;
    return u.origin === e.origin && (u.pathname === e.pathname || u.pathname.startsWith(prefix));
  });
}

// ---------------------------------------------------------------------------------------------
// Content-Security-Policy

/**
 * The Electron window's CSP: the app's policy with the bridge's `ws://127.0.0.1:*` dropped from
 * connect-src (the window talks to the engine over IPC, never a socket).
 */
export function electronCsp(base: string = CSP): string {
  return base
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) =>
      d.startsWith('connect-src')
        ? d
            .split(/\s+/)
            .filter((s) => !/^wss?:/i.test(s))
            .join(' ')
        : d,
    )
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// Path grants

type PathApi = typeof posix | typeof win32;

/**
 * The paths the user chose in this session. The renderer names paths in `open` and
 * `exportResult`, but in the desktop app it may only name one it got from the user:
 * - open: a path from the open dialog, a dropped file's path (webUtils.getPathForFile), a path
 *   the user confirmed in a native prompt, or a path the engine itself answered for an open
 *   dataset. A granted folder covers what lies below it (a DICOM series folder);
 * - export: exactly a path from the save dialog, once.
 * Paths must be absolute; they are compared after normalisation ('.', '..', repeated
 * separators), case and all: the renderer hands back the very string the dialog or the drop gave.
 */
export class PathGrants {
  private readonly reads = new Set<string>();
  private readonly writes = new Set<string>();

  constructor(private readonly platform: NodeJS.Platform = process.platform) {}

  private get api(): PathApi {
    return this.platform === 'win32' ? win32 : posix;
  }

  /** The comparison key of an absolute path, or undefined for a relative or malformed one. */
  private key(path: unknown): string | undefined {
    if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0')) return undefined;
    if (!this.api.isAbsolute(path)) return undefined;
    return this.api.resolve(path);
  }

  /** The user chose `path` to read (dialog, drop, confirmation, or the engine's answer for it). */
  grantOpen(path: string): void {
    const k = this.key(path);
    if (k) this.reads.add(k);
  }

  /** The user chose `path` to write in the save dialog. */
  grantSave(path: string): void {
    const k = this.key(path);
    if (k) this.writes.add(k);
  }

  /** True when `path` is a granted path or lies below one. */
  mayOpen(path: string): boolean {
    const k = this.key(path);
    if (!k) return false;
    const sep = this.api.sep;
    for (const g of this.reads) {
      if (k === g) return true;
      const base = g.endsWith(sep) ? g : g + sep;
      if (k.startsWith(base)) return true;
    }
    return false;
  }

  /** True (and the grant is used up) when `path` is exactly a path the user picked to save. */
  takeSave(path: string): boolean {
    const k = this.key(path);
    if (!k || !this.writes.has(k)) return false;
    this.writes.delete(k);
    return true;
  }
}

export type OpenDecision = 'allow' | 'confirm' | 'refuse';

/**
 * What to do with an `open` of `path`: allow a granted path; refuse one that is not an absolute
 * path; otherwise ask the user in a native prompt (a recent file from an earlier session, say).
 */
export function openDecision(grants: PathGrants, path: string, platform: NodeJS.Platform = process.platform): OpenDecision {
  if (grants.mayOpen(path)) return 'allow';
  const api = platform === 'win32' ? win32 : posix;
  if (typeof path !== 'string' || !path || path.includes('\0') || !api.isAbsolute(path)) return 'refuse';
  return 'confirm';
}
