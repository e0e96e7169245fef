/**
 * The local bridge: the same API as the Electron preload, over a WebSocket on 127.0.0.1, plus a
 * static server for the built renderer. It lets the UI run in a plain browser (tests, machines
 * where Electron has no GPU driver).
 *
 * Who may use it (see guards.ts and access.ts):
 * - it binds to loopback only;
 * - every request must carry Host 127.0.0.1:PORT or localhost:PORT (DNS rebinding);
 * - a WebSocket upgrade must come from the bridge's own page or from no page (no Origin), and
 *   carry the per-launch random token in its query (`/ws?token=…`). The token is in the URL
 *   the server prints (`http://127.0.0.1:PORT/?token=…`); the page reads it from its address
 *   and sends it. Without it no request reaches the engine;
 * - a browser may not name a path to write: exports are downloads.
 *
 * It survives any request: malformed targets get 400, errors in a handler answer 500, a bad
 * WebSocket frame closes that socket only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { CallOptions, JobEvent } from '../api/contract';
import { decodeMessage, encodeMessage, type WireResponse } from '../api/wire';
import { validateRequest } from '../api/validate';
import { InrError, serializeError } from '../core/errors';
import { EngineService } from '../service/engine';
import { CSP } from '../core/csp';
import { checkBrowserRequest, DEFAULT_ACCESS_LIMITS, type AccessLimits } from './access';
import { checkSocketRequest, isAllowedHost, isInside, newToken, parseStaticPath } from './guards';
import { MAX_MESSAGE_BYTES } from './limits';

export interface BridgeOptions {
  /** 0 or absent: a random free port. */
  port?: number;
  /** Folder of the built renderer (index.html, assets). Absent: API only. */
  staticDir?: string;
  engine?: EngineService;
  /** The WebSocket's largest message; default MAX_MESSAGE_BYTES (512 MiB). Tests lower it. */
  maxMessageBytes?: number;
  /** Upload caps; default limits.ts. Tests lower them. */
  limits?: Partial<AccessLimits>;
}

export interface Bridge {
  /** The page to open: `http://127.0.0.1:PORT/?token=…` (the token is what grants access). */
  url: string;
  /** `http://127.0.0.1:PORT`, without the token. */
  origin: string;
  /** The WebSocket endpoint with the token: `ws://127.0.0.1:PORT/ws?token=…`. */
  socketUrl: string;
  port: number;
  /** This launch's access token. */
  token: string;
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
const HEADERS = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

export async function startBridge(opts: BridgeOptions = {}): Promise<Bridge> {
  const engine = opts.engine ?? new EngineService({ mode: 'browser' });
  const root = opts.staticDir ? resolve(opts.staticDir) : undefined;
  // Links in the path of the build folder itself (/tmp → /private/tmp) are resolved once.
  const realRoot = root ? await realpath(root).catch(() => root) : undefined;
  const limits: AccessLimits = { ...DEFAULT_ACCESS_LIMITS, ...opts.limits };
  const token = newToken();
  let port = 0;

  const server = createServer((req, res) => {
    serveStatic(realRoot, port, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, HEADERS).end();
      else res.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? MAX_MESSAGE_BYTES });
  wss.on('error', () => undefined);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const check = checkSocketRequest({ url: req.url, host: req.headers.host, origin: req.headers.origin }, port, token);
    if (!check.ok) {
      socket.end(`HTTP/1.1 ${check.status} ${STATUS_TEXT[check.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    // A protocol error (a frame over maxPayload, a bad opcode) closes this socket only.
    ws.on('error', () => ws.terminate());
    const off = engine.onJobEvent((event: JobEvent) => send(ws, { event }));
    // Calls in flight on this socket, by request id: `{ cancel: id }` aborts one; closing the socket aborts all.
    const inFlight = new Map<number, AbortController>();
    ws.on('close', () => {
      off();
      for (const ac of inFlight.values()) ac.abort();
    });
    ws.on('message', (data, isBinary) => void answer(ws, data, isBinary, inFlight));
  });

  const answer = async (ws: WebSocket, data: RawData, isBinary: boolean, inFlight: Map<number, AbortController>): Promise<void> => {
    let req: unknown;
    try {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      req = isBinary ? decodeMessage(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) : JSON.parse(buf.toString('utf8'));
    } catch {
      return; // not a request frame: ignore
    }
    if (typeof req !== 'object' || req === null) return;
    const cancelId = (req as { cancel?: unknown }).cancel;
    if (Number.isSafeInteger(cancelId)) {
      inFlight.get(cancelId as number)?.abort();
      return;
    }
    if (!Number.isSafeInteger((req as { id?: unknown }).id)) return;
    const { id, method, args } = req as { id: number; method: unknown; args: unknown };
    let reply: WireResponse;
    const ac = new AbortController();
    inFlight.set(id, ac);
    try {
      validateRequest(method, args);
      checkBrowserRequest(method, args, limits);
      const fn = (engine as unknown as Record<string, unknown>)[method];
      if (typeof fn !== 'function') throw new InrError('E_UNSUPPORTED', `this engine does not answer '${method}'`);
      reply = { id, ok: true, result: await (fn as (a: unknown, o: CallOptions) => Promise<unknown>).call(engine, args, { signal: ac.signal }) };
    } catch (err) {
      reply = { id, ok: false, error: serializeError(err) };
    } finally {
      inFlight.delete(id);
    }
    if (!send(ws, reply)) send(ws, { id, ok: false, error: { name: 'InrError', code: 'E_INTERNAL', message: 'the answer could not be sent' } });
  };

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, HOST, () => res());
  });
  server.on('error', () => undefined);
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const origin = `http://${HOST}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    socketUrl: `ws://${HOST}:${port}/ws?token=${token}`,
    port,
    token,
    engine,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
      if (!opts.engine) await engine.close();
    },
  };
}

/** Sends one message if the socket is open; false when it could not be encoded or sent. */
function send(ws: WebSocket, value: unknown): boolean {
  if (ws.readyState !== ws.OPEN) return true;
  try {
    ws.send(encodeMessage(value));
    return true;
  } catch {
    return false;
  }
}

async function serveStatic(root: string | undefined, port: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isAllowedHost(req.headers.host, port)) {
    res.writeHead(403, HEADERS).end('host not allowed');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...HEADERS, Allow: 'GET, HEAD' }).end();
    return;
  }
  if (!root) {
    res.writeHead(404, HEADERS).end('no renderer build');
    return;
  }
  const target = parseStaticPath(req.url);
  if (!target.ok) {
    res.writeHead(target.status, HEADERS).end(target.status === 400 ? 'bad request' : 'request target too long');
    return;
  }
  const file = join(root, ...target.segments);
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    res.writeHead(404, HEADERS).end('not found');
    return;
  }
  // Links inside the build folder must not lead out of it.
  if (!isInside(root, real, sep)) {
    res.writeHead(404, HEADERS).end('not found');
    return;
  }
  const st = await stat(real);
  if (!st.isFile()) {
    res.writeHead(404, HEADERS).end('not found');
    return;
  }
  const body = await readFile(real);
  res.writeHead(200, { ...HEADERS, 'Content-Type': MIME[extname(real)] ?? 'application/octet-stream', 'Content-Length': body.byteLength });
  res.end(req.method === 'HEAD' ? undefined : body);
}
