/**
 * What the bridge checks before it answers an HTTP request or accepts a WebSocket: the Host
 * header (against DNS rebinding), the Origin (against other web pages), the per-launch token
 * (against other local programs and users), and the path of a static file (against malformed
 * URLs and traversal out of the renderer's build folder). Pure functions, no I/O: the server
 * (server.ts) applies them.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { posix } from 'node:path';

/** A fresh access token: 32 random bytes, base64url (43 characters). One per bridge launch. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * True when `given` is the token. Compares SHA-256 digests with `timingSafeEqual`, so the time
 * taken says nothing about how much of the token was right, nor about its length.
 */
export function tokenMatches(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length > 1024 || expected.length === 0) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The Host header of a request meant for this bridge: `127.0.0.1:PORT` or `localhost:PORT`
 * (any case; the port may be left out only where it is 80). Anything else is a page that
 * reached us through a rebound DNS name, and is refused.
 */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  const h = host.toLowerCase();
  const names = ['127.0.0.1', 'localhost'];
  return names.some((n) => h === `${n}:${port}` || (port === 80 && h === n));
}

/**
 * The Origin of a WebSocket upgrade: absent (a program that is not a browser; it still needs
 * the token), or exactly the bridge's own page. Pages of any other origin, including 'null'
 * (sandboxed frames, file:// pages), are refused.
 */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

export type SocketRequestCheck = { ok: true } | { ok: false; status: 401 | 403 | 404; reason: string };

/**
 * Whether a WebSocket upgrade may proceed: the Host is ours, the Origin is ours or absent, the
 * path is `/ws` and its query carries `token=<the token>`.
 */
export function checkSocketRequest(req: { url?: string; host?: string; origin?: string }, port: number, token: string): SocketRequestCheck {
  if (!isAllowedHost(req.host, port)) return { ok: false, status: 403, reason: 'host not allowed' };
  if (!isAllowedOrigin(req.origin, port)) return { ok: false, status: 403, reason: 'origin not allowed' };
  const url = typeof req.url === 'string' ? req.url : '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path !== '/ws') return { ok: false, status: 404, reason: 'no such endpoint' };
  // URLSearchParams never throws: malformed escapes are kept as they are (and then do not match).
  const given = new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('token');
  if (!tokenMatches(given, token)) return { ok: false, status: 401, reason: 'missing or wrong token' };
  return { ok: true };
}

export type StaticPath = { ok: true; segments: string[] } | { ok: false; status: 400 | 414 };

/** Longest request target the static server looks at; longer ones get 414. */
const MAX_URL_LENGTH = 2048;

/**
 * The file a static request names, as path segments below the renderer's build folder, or the
 * status to answer. The query and fragment are dropped, the path is percent-decoded, a path
 * ending in `/` means its `index.html`. Malformed targets (not starting with `/`, bad percent
 * escapes, NUL, backslashes, `..` segments, empty segments as in `//`) get 400; the caller
 * still checks, after resolving links, that the file lies inside the folder.
 */
export function parseStaticPath(rawUrl: string | undefined): StaticPath {
  if (typeof rawUrl !== 'string' || !rawUrl.startsWith('/')) return { ok: false, status: 400 };
  if (rawUrl.length > MAX_URL_LENGTH) return { ok: false, status: 414 };
  const cut = rawUrl.search(/[?#]/);
  const encoded = cut < 0 ? rawUrl : rawUrl.slice(0, cut);
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { ok: false, status: 400 };
  }
  if (/[\0\\]/.test(decoded)) return { ok: false, status: 400 };
  let parts = decoded.split('/').slice(1); // the leading '/' gives one empty first part
  if (parts[parts.length - 1] === '') parts[parts.length - 1] = 'index.html';
  if (parts.some((p) => p === '' || p === '..')) return { ok: false, status: 400 };
  parts = parts.filter((p) => p !== '.');
  if (parts.length === 0) parts = ['index.html'];
  // Belt and braces: the normalised join must not climb.
  if (posix.normalize(parts.join('/')).startsWith('..')) return { ok: false, status: 400 };
  return { ok: true, segments: parts };
}

/** True when `file` lies below `root` (both absolute and normalised, with separator `sep`). */
export function isInside(root: string, file: string, sep: string): boolean {
  const base = root.endsWith(sep) ? root : root + sep;
  return file.startsWith(base);
}
