/**
 * The preload: exposes the typed API contract to the renderer through contextBridge. The
 * renderer gets functions only — no ipcRenderer, no Node. The main process answers only the
 * app's own page (electron/ipc.ts), whatever page this preload runs in.
 *
 * Sandboxed: it may import only `electron` and modules bundled into it (no node:path), so it
 * takes nothing from electron/policy.ts.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { IPC_CALL, IPC_CANCEL, IPC_EVENT, METHOD_NAMES, type InrApi, type JobEvent } from '../main/api/contract';
import { IPC_GRANT_DROP } from './channels';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; path?: string } };

let nextCall = 1;

/**
 * One call. `onAbort` registers what to do when the renderer cancels (an AbortSignal cannot
 * cross contextBridge; a function can): the main process is told the call's id.
 */
async function call(method: string, args: unknown, opts?: { onAbort?: (cancel: () => void) => void }): Promise<unknown> {
  const id = nextCall++;
  opts?.onAbort?.(() => ipcRenderer.send(IPC_CANCEL, id));
  const r = (await ipcRenderer.invoke(IPC_CALL, method, args, id)) as Reply;
  if (r.ok) return r.result;
  // A plain object, not an Error: contextBridge keeps only the message of Error objects, and the
  // renderer needs the code to title its banner.
  throw {
    name: 'InrError',
    code: r.error.code,
    message: r.error.path ? `${r.error.path}: ${r.error.message}` : r.error.message,
  };
}

const api: Record<string, unknown> = {
  onJobEvent(listener: (e: JobEvent) => void) {
    const handler = (_: unknown, e: JobEvent) => listener(e);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT, handler);
  },
  /**
   * The local path of a dropped file or folder (files from the OS carry one; others give ''). The
   * main process is told at once, synchronously (before the renderer's `open` of it), so the path
   * counts as chosen by the user. Only real dropped files have a path: a File made by a script
   * has none.
   */
  pathForFile(file: File) {
    const path = webUtils.getPathForFile(file);
    if (!path) return undefined;
    return ipcRenderer.sendSync(IPC_GRANT_DROP, path) === true ? path : undefined;
  },
};
for (const m of METHOD_NAMES) api[m] = (args?: unknown, opts?: { onAbort?: (cancel: () => void) => void }) => call(m, args, opts);

contextBridge.exposeInMainWorld('inrApi', api as unknown as InrApi);
