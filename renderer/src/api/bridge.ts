/**
 * The API contract over the local bridge's WebSocket, for the renderer running in a browser.
 * Requests are numbered; replies and job events arrive as binary frames (see main/api/wire.ts).
 *
 * The bridge only accepts a socket that carries its per-launch token. The server prints the
 * page's address with it (`http://127.0.0.1:PORT/?token=…`); the page reads it from its own
 * address and sends it in the socket's query (`/ws?token=…`).
 */
import type { CallOptions, EngineApi, InrApi, JobEvent, MethodName } from '../../../main/api/contract';
import { METHOD_NAMES } from '../../../main/api/contract';
import { decodeMessage, encodeMessage, type WireResponse } from '../../../main/api/wire';

/**
 * The largest message the bridge accepts: main/bridge/limits.ts MAX_MESSAGE_BYTES (512 MiB).
 * A copy, because the renderer may not import engine modules; tests/unit/bridge-auth.test.ts
 * checks that the two agree.
 */
export const MAX_MESSAGE_BYTES = 512 * 2 ** 20;

class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'BridgeError';
  }
}

/** The part of `location` the socket address is made from. */
export interface PageLocation {
  protocol: string;
  host: string;
  search: string;
  hash: string;
}

/**
 * The bridge's WebSocket address for a page at `loc`, with the token taken from the page's query
 * (`?token=…`) or fragment (`#token=…`). `token` is undefined when the page address has none.
 */
export function bridgeSocketUrl(loc: PageLocation): { url: string; token?: string } {
  const fromQuery = new URLSearchParams(loc.search).get('token');
  const fromHash = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  const token = fromQuery || fromHash || undefined;
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const base = `${scheme}://${loc.host}/ws`;
  return { url: token ? `${base}?token=${encodeURIComponent(token)}` : base, token };
}

export function createBridgeClient(url?: string): InrApi {
  let target = url;
  let hasToken = true;
  if (target === undefined) {
    const s = bridgeSocketUrl((globalThis as unknown as { location: PageLocation }).location);
    target = s.url;
    hasToken = s.token !== undefined;
  }
  const socketUrl = target;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Set<(e: JobEvent) => void>();
  let nextId = 1;
  let socket: Promise<WebSocket> | undefined;

  const connect = (): Promise<WebSocket> =>
    (socket ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(socketUrl);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => resolve(ws);
      ws.onerror = () =>
        reject(
          new BridgeError(
            'E_BACKEND',
            hasToken
              ? 'cannot reach the INR Studio engine'
              : 'cannot reach the INR Studio engine: this address has no access token; open the address that `npm run serve` printed (it ends in ?token=…)',
          ),
        );
      ws.onclose = () => {
        socket = undefined;
        for (const p of pending.values()) p.reject(new BridgeError('E_BACKEND', 'the connection to the engine was closed'));
        pending.clear();
      };
      ws.onmessage = (ev) => {
        const msg = decodeMessage(ev.data as ArrayBuffer) as WireResponse | { event: JobEvent };
        if ('event' in msg) {
          listeners.forEach((l) => l(msg.event));
          return;
        }
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new BridgeError(msg.error.code, msg.error.message, msg.error.path));
      };
    }));

  const call = async (method: MethodName, args?: unknown, opts?: CallOptions): Promise<unknown> => {
    const id = nextId++;
    const signal = opts?.signal;
    if (signal?.aborted) throw new BridgeError('E_CANCELLED', 'cancelled');
    const frame = encodeMessage({ id, method, args });
    if (frame.byteLength > MAX_MESSAGE_BYTES) {
      const mib = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;
      throw new BridgeError(
        'E_TOO_LARGE',
        `the request is ${mib(frame.byteLength)}; the engine accepts at most ${mib(MAX_MESSAGE_BYTES)} from a browser (open large files by path)`,
      );
    }
    const ws = await connect();
    return new Promise((resolve, reject) => {
      // Cancelling asks the engine to stop; the call then settles with the engine's E_CANCELLED.
      const onAbort = () => ws.readyState === ws.OPEN && ws.send(encodeMessage({ cancel: id }));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      pending.set(id, {
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
      ws.send(frame);
    });
  };

  const api = {
    onJobEvent(listener: (e: JobEvent) => void) {
      listeners.add(listener);
      void connect().catch(() => undefined);
      return () => {
        listeners.delete(listener);
      };
    },
  } as InrApi;
  for (const m of METHOD_NAMES) (api as unknown as Record<string, unknown>)[m] = (args?: unknown, opts?: CallOptions) => call(m, args, opts);
  return api satisfies EngineApi;
}
