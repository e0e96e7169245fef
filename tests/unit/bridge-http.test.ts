/**
 * The bridge's static server survives any HTTP request (issue 19 point 1): malformed targets
 * (`GET /%E0%A4%A`, `GET //`, raw bytes, bad escapes, very long paths) get an error status and
 * the server keeps serving; no path, however encoded, serves a file outside the renderer's build
 * folder (`..`, encoded dots and separators, a symlink leading out); the Host header must be
 * the bridge's own (DNS rebinding).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { isAllowedHost, parseStaticPath } from '../../main/bridge/guards';
import { prng } from '../helpers/prng';

const SECRET = 'SECRET-OUTSIDE-THE-BUILD-FOLDER-7f3a';
const INDEX = '<!doctype html><title>index of the test build</title>';
const SCRIPT = 'console.log("asset of the test build");';

let dir: string;
let bridge: Bridge;

/** Status and body of one raw request. `null` status: the server closed without an HTTP answer. */
interface Raw {
  status: number | null;
  body: string;
}

/**
 * Sends `bytes` as they are over a fresh connection and reads until the server closes. A request
 * the parser still waits on (raw bytes can make it so) is ended after a second, as a client
 * giving up would.
 */
function raw(bytes: Buffer | string, timeoutMs = 5000): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const s = connect(bridge.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(String(bytes).slice(0, 80))}`));
    }, timeoutMs);
    s.on('data', (c) => chunks.push(c));
    s.on('error', () => undefined); // a reset after a 400 is an answer too
    const giveUp = setTimeout(() => s.end(), 1000);
    s.on('close', () => {
      clearTimeout(timer);
      clearTimeout(giveUp);
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const sep = text.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : null, body: sep >= 0 ? text.slice(sep + 4) : '' });
    });
    s.write(bytes);
  });
}

function get(target: string | Buffer, host = `127.0.0.1:${bridge.port}`, method = 'GET'): Promise<Raw> {
  const head = Buffer.from(`${method} `, 'latin1');
  const t = typeof target === 'string' ? Buffer.from(target, 'latin1') : target;
  const tail = Buffer.from(` HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 'latin1');
  return raw(Buffer.concat([head, t, tail]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inr-bridge-http-'));
  const web = join(dir, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), INDEX);
  writeFileSync(join(web, 'assets', 'app.js'), SCRIPT);
  writeFileSync(join(dir, 'secret.txt'), SECRET);
  mkdirSync(join(dir, 'webby'));
  writeFileSync(join(dir, 'webby', 'secret.txt'), SECRET); // a sibling whose name starts like the root's
  symlinkSync(join(dir, 'secret.txt'), join(web, 'link-out.txt'));
  symlinkSync(dir, join(web, 'assets', 'dir-out'));
  // An engine that must never be reached by these requests.
  const engine = { onJobEvent: () => () => undefined, close: async () => undefined } as never;
  bridge = await startBridge({ port: 0, staticDir: web, engine });
});

afterAll(async () => {
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('parseStaticPath', () => {
  it('maps ordinary targets to segments and refuses malformed ones', () => {
    expect(parseStaticPath('/')).toEqual({ ok: true, segments: ['index.html'] });
    expect(parseStaticPath('/?token=abc')).toEqual({ ok: true, segments: ['index.html'] });
    expect(parseStaticPath('/assets/app.js#x')).toEqual({ ok: true, segments: ['assets', 'app.js'] });
    expect(parseStaticPath('/a%20b/./c.js')).toEqual({ ok: true, segments: ['a b', 'c.js'] });
    for (const bad of ['//', '/%E0%A4%A', '/a//b', '/../x', '/a/%2e%2e/x', '/%2e%2e%2fx', '/a%5cb', '/a%00b', 'x', '', '*', 'http://evil/']) {
      expect(parseStaticPath(bad), bad).toMatchObject({ ok: false, status: 400 });
    }
    expect(parseStaticPath('/' + 'a'.repeat(5000))).toEqual({ ok: false, status: 414 });
  });

  it('accepts only our own Host', () => {
    expect(isAllowedHost('127.0.0.1:4000', 4000)).toBe(true);
    expect(isAllowedHost('LOCALHOST:4000', 4000)).toBe(true);
    for (const h of [undefined, '', '127.0.0.1', '127.0.0.1:4001', 'evil.example:4000', 'localhost.evil.example:4000', '127.0.0.1:4000.evil', '[::1]:4000']) {
      expect(isAllowedHost(h, 4000), String(h)).toBe(false);
    }
  });
});

describe('the static server', () => {
  it('answers 400 to GET /%E0%A4%A and GET //, and keeps serving', async () => {
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect((await get('//')).status).toBe(400);
    const ok = await get('/');
    expect(ok.status).toBe(200);
    expect(ok.body).toBe(INDEX);
  });

  it('serves the build, HEAD without a body, and refuses other methods', async () => {
    expect(await get('/assets/app.js')).toEqual({ status: 200, body: SCRIPT });
    expect(await get('/assets/app.js', undefined, 'HEAD')).toEqual({ status: 200, body: '' });
    expect((await get('/', undefined, 'POST')).status).toBe(405);
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/assets')).status).toBe(404); // a folder is not a file
  });

  it('refuses a Host other than 127.0.0.1:PORT or localhost:PORT (DNS rebinding)', async () => {
    expect((await get('/', `evil.example:${bridge.port}`)).status).toBe(403);
    expect((await get('/', `127.0.0.1:${bridge.port + 1}`)).status).toBe(403);
    expect((await raw('GET / HTTP/1.0\r\n\r\n')).status).toBe(403); // no Host at all
    expect((await get('/', `localhost:${bridge.port}`)).status).toBe(200);
  });

  it('never serves a file outside the build folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/.%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/..%c0%afsecret.txt',
      '/link-out.txt',
      '/assets/dir-out/secret.txt',
      '/assets/dir-out/webby/secret.txt',
      '/../webby/secret.txt',
      `/${dir}/secret.txt`,
      `//${dir.slice(1)}/secret.txt`,
      '/./../secret.txt',
      '/assets/./../../secret.txt?x=/../',
    ];
    for (const a of attempts) {
      const r = await get(a);
      expect(r.body, a).not.toContain(SECRET);
      expect(r.status === null || r.status >= 400, `${a} → ${r.status}`).toBe(true);
    }
  });

  it('survives a seeded fuzz of a few hundred targets, then serves as before', async () => {
    const rnd = prng(0x19b1d6e);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const pieces = [
      '..',
      '.',
      '%2e',
      '%2E%2e',
      '%2f',
      '%5c',
      '\\',
      '/',
      '//',
      '%',
      '%0',
      '%zz',
      '%00',
      '%E0%A4%A',
      '%c0%ae',
      'assets',
      'index.html',
      'secret.txt',
      'link-out.txt',
      'dir-out',
      '?',
      '#',
      ';',
      '%3f',
      '~',
      'a',
    ];
    const targets: Buffer[] = [];
    for (let i = 0; i < 320; i++) {
      const kind = i % 5;
      let t: Buffer;
      if (kind === 0) {
        // Traversal-like paths built from risky pieces.
        let s = '/';
        const n = 1 + Math.floor(rnd() * 8);
        for (let k = 0; k < n; k++) s += pick(pieces) + (rnd() < 0.6 ? '/' : '');
        t = Buffer.from(s, 'latin1');
      } else if (kind === 1) {
        // Percent-encodings of random bytes, some cut short.
        let s = '/';
        const n = 1 + Math.floor(rnd() * 24);
        for (let k = 0; k < n; k++)
          s += `%${Math.floor(rnd() * 256)
            .toString(16)
            .padStart(2, '0')}`;
        if (rnd() < 0.3) s += '%' + Math.floor(rnd() * 16).toString(16);
        t = Buffer.from(s, 'latin1');
      } else if (kind === 2) {
        // Raw random bytes after the slash (control bytes, spaces, CR/LF, high bytes).
        const n = 1 + Math.floor(rnd() * 40);
        t = Buffer.alloc(n + 1);
        t[0] = 0x2f;
        for (let k = 1; k <= n; k++) t[k] = Math.floor(rnd() * 256);
      } else if (kind === 3) {
        // Very long paths: over the 2048-character limit, some over Node's header limit.
        const n = 1500 + Math.floor(rnd() * 20_000);
        t = Buffer.from(
          '/' +
            Array.from({ length: n }, () => pick(['a', '/', '.', '%41', '..']))
              .join('')
              .slice(0, n),
          'latin1',
        );
      } else {
        // Request targets that are not origin-form at all.
        t = Buffer.from(
          pick(['*', 'http://evil.example/', 'secret.txt', '', '%2f', '\\..\\secret.txt', `//${dir.slice(1)}/secret.txt`]) + (rnd() < 0.5 ? '' : pick(pieces)),
          'latin1',
        );
      }
      targets.push(t);
    }
    const statuses = new Map<string, number>();
    for (const t of targets) {
      const r = await get(t);
      const key = String(r.status);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      expect(r.body, t.toString('latin1').slice(0, 120)).not.toContain(SECRET);
      if (r.status === 200) expect([INDEX, SCRIPT], t.toString('latin1').slice(0, 120)).toContain(r.body);
    }
    // The fuzz reached the malformed-target paths, not only the happy one.
    expect(statuses.get('400') ?? 0).toBeGreaterThan(50);
    const after = await get('/assets/app.js');
    expect(after).toEqual({ status: 200, body: SCRIPT });
  });
});
