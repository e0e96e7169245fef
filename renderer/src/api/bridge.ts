/**
 * The API contract over the local bridge's WebSocket, for the renderer running in a browser.
 * Requests are numbered; replies and job events arrive as binary frames (see main/api/wire.ts).
 */
import type { EngineApi, InrApi, JobEvent, MethodName } from '../../../main/api/contract';
import { METHOD_NAMES } from '../../../main/api/contract';
import { decodeMessage, encodeMessage, type WireResponse } from '../../../main/api/wire';

export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'BridgeError';
  }
}

export function createBridgeClient(url = `ws://${location.host}/ws`): InrApi {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Set<(e: JobEvent) => void>();
  let nextId = 1;
  let socket: Promise<WebSocket> | undefined;

  const connect = (): Promise<WebSocket> =>
    (socket ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new BridgeError('E_BACKEND', 'cannot reach the INR Studio engine'));
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

  const call = async (method: MethodName, args?: unknown): Promise<unknown> => {
    const ws = await connect();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(encodeMessage({ id, method, args }));
    });
  };

  const api = {
    onJobEvent(listener: (e: JobEvent) => void) {
      listeners.add(listener);
      void connect();
      return () => {
        listeners.delete(listener);
      };
    },
  } as InrApi;
  for (const m of METHOD_NAMES) (api as unknown as Record<string, unknown>)[m] = (args?: unknown) => call(m, args);
  return api satisfies EngineApi;
}
