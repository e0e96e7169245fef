/**
 * The preload: exposes the typed API contract to the renderer through contextBridge. The
 * renderer gets functions only — no ipcRenderer, no Node.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { IPC_CALL, IPC_EVENT, METHOD_NAMES, type InrApi, type JobEvent } from '../main/api/contract';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; path?: string } };

async function call(method: string, args: unknown): Promise<unknown> {
  const r = (await ipcRenderer.invoke(IPC_CALL, method, args)) as Reply;
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
  /** The local path of a dropped file or folder (files from the OS carry one; others give ''). */
  pathForFile(file: File) {
    return webUtils.getPathForFile(file) || undefined;
  },
};
for (const m of METHOD_NAMES) api[m] = (args?: unknown) => call(m, args);

contextBridge.exposeInMainWorld('inrApi', api as unknown as InrApi);
