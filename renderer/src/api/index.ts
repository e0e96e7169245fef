/**
 * The one API object the UI uses: the Electron preload's `window.inrApi` when it exists, the
 * WebSocket bridge otherwise. Components cannot tell which.
 */
import { METHOD_NAMES, type CallOptions, type InrApi } from '../../../main/api/contract';
import { createBridgeClient } from './bridge';

declare global {
  interface Window {
    inrApi?: InrApi;
  }
}

/**
 * The preload's API with cancellation: an AbortSignal cannot cross contextBridge, so a call's
 * signal goes as a function the preload calls back with the call's cancel.
 */
function withCancel(preload: InrApi): InrApi {
  const out: Record<string, unknown> = { ...preload };
  for (const m of METHOD_NAMES) {
    const fn = (preload as unknown as Record<string, (a?: unknown, o?: unknown) => Promise<unknown>>)[m];
    out[m] = (args?: unknown, opts?: CallOptions) =>
      fn(args, opts?.signal ? { onAbort: (cancel: () => void) => opts.signal!.addEventListener('abort', cancel, { once: true }) } : undefined);
  }
  return out as unknown as InrApi;
}

export const api: InrApi = window.inrApi ? withCancel(window.inrApi) : createBridgeClient();
export type * from '../../../main/api/contract';
