/**
 * The local bridge: the same API as the Electron preload, over a WebSocket on 127.0.0.1, plus a
 * static server for the built renderer. It lets the UI run in a plain browser (tests, machines
 * where Electron has no GPU driver). It binds to loopback only and refuses WebSocket upgrades
 * from any other origin, so web pages the user visits cannot drive the engine.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JobEvent } from '../api/contract';
import { decodeMessage, encodeMessage, type WireRequest, type WireResponse } from '../api/wire';
import { validateRequest } from '../api/validate';
import { serializeError } from '../core/errors';
import { EngineService } from '../service/engine';
import { CSP } from '../core/csp';

export interface BridgeOptions {
  /** 0 or absent: a random free port. */
  port?: number;
  /** Folder of the built renderer (index.html, assets). Absent: API only. */
  staticDir?: string;
  engine?: EngineService;
}

export interface Bridge {
  url: string;
  port: number;
  engine: EngineService;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
};

export async function startBridge(opts: BridgeOptions = {}): Promise<Bridge> {
  const engine = opts.engine ?? new EngineService({ mode: 'browser' });
  const root = opts.staticDir ? resolve(opts.staticDir) : undefined;

  const server = createServer((req, res) => void serveStatic(root, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 ** 31 });
  let port = 0;

  server.on('upgrade', (req, socket, head) => {
    const origin = req.headers.origin;
    const allowed = !origin || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`;
    if (req.url !== '/ws' || !allowed) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    const off = engine.onJobEvent((event: JobEvent) => {
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage({ event }));
    });
    ws.on('close', off);
    ws.on('message', async (data, isBinary) => {
      let req: WireRequest;
      try {
        const bytes = isBinary ? new Uint8Array(data as Buffer) : new TextEncoder().encode(String(data));
        req = (isBinary ? decodeMessage(bytes) : JSON.parse(String(data))) as WireRequest;
      } catch {
        return; // not a request frame: ignore
      }
      let reply: WireResponse;
      try {
        validateRequest(req.method, req.args);
        const fn = engine[req.method] as (a: unknown) => Promise<unknown>;
        reply = { id: req.id, ok: true, result: await fn.call(engine, req.args) };
      } catch (err) {
        reply = { id: req.id, ok: false, error: serializeError(err) };
      }
      if (ws.readyState === ws.OPEN) ws.send(encodeMessage(reply));
    });
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, HOST, () => res());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://${HOST}:${port}/`,
    port,
    engine,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((res) => server.close(() => res()));
      if (!opts.engine) await engine.close();
    },
  };
}

async function serveStatic(root: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' };
  if (!root) {
    res.writeHead(404, headers).end('no renderer build');
    return;
  }
  const url = new URL(req.url ?? '/', 'http://x');
  let rel = decodeURIComponent(url.pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = normalize(join(root, rel));
  if (!file.startsWith(root + sep)) {
    res.writeHead(403, headers).end();
    return;
  }
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404, headers).end('not found');
  }
}
