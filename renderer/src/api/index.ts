/**
 * The one API object the UI uses: the Electron preload's `window.inrApi` when it exists, the
 * WebSocket bridge otherwise. Components cannot tell which.
 */
import type { InrApi } from '../../../main/api/contract';
import { createBridgeClient } from './bridge';

declare global {
  interface Window {
    inrApi?: InrApi;
  }
}

export const api: InrApi = window.inrApi ?? createBridgeClient();
export type * from '../../../main/api/contract';
