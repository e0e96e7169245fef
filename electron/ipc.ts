/**
 * IPC handlers: the Electron side of the API contract. Every payload is validated before it
 * reaches the engine; errors go back as `{ name, code, message, path }`. Only the app's page in
 * our window's main frame is answered (electron/policy.ts isTrustedSender).
 *
 * Paths: the renderer may only name paths the user chose (policy.ts PathGrants). The open and
 * save dialogs and a file dropped on the window grant them; `open` of any other absolute path
 * (a recent file of an earlier session) asks the user in a native prompt first; `exportResult`
 * to a path not picked in the save dialog is refused.
 */
import { BrowserWindow, dialog, ipcMain, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { IPC_CALL, IPC_CANCEL, IPC_EVENT, type CallOptions, type ExportRequest, type JobEvent, type OpenRequest } from '../main/api/contract';
import { validateRequest } from '../main/api/validate';
import { InrError, serializeError } from '../main/core/errors';
import type { EngineService } from '../main/service/engine';
import { IPC_GRANT_DROP } from './channels';
import { isAppPage, isTrustedSender, openDecision, PathGrants, type AppPage } from './policy';

export function registerIpc(engine: EngineService, getWindow: () => BrowserWindow | null, page: AppPage, grants = new PathGrants()): () => void {
  const off = engine.onJobEvent((event: JobEvent) => {
    const w = getWindow();
    if (w && isAppPage(page, w.webContents.getURL())) w.webContents.send(IPC_EVENT, event);
  });

  /** Our window, when the event comes from its main frame showing the app's page. */
  const trustedWindow = (ev: IpcMainEvent | IpcMainInvokeEvent): BrowserWindow | undefined => {
    const win = getWindow();
    if (!win) return undefined;
    const frame = ev.senderFrame;
    const ok = isTrustedSender(page, {
      fromOurWindow: ev.sender === win.webContents,
      isMainFrame: frame !== null && frame === win.webContents.mainFrame,
      frameUrl: frame?.url,
    });
    return ok ? win : undefined;
  };

  /** Throws unless the user chose `path` (or confirms it now in a native prompt). */
  const mayOpen = async (win: BrowserWindow, path: string): Promise<void> => {
    const decision = openDecision(grants, path);
    if (decision === 'allow') return;
    if (decision === 'refuse') throw new InrError('E_ARG', 'open refused: the path must be absolute', path);
    const r = await dialog.showMessageBox(win, {
      type: 'question',
      title: 'Open dataset',
      message: 'Open this file or folder?',
      detail: path,
      buttons: ['Open', 'Cancel'],
      defaultId: 0,
      cancelId: 1,
      noLink: true,
    });
    if (r.response !== 0) throw new InrError('E_CANCELLED', 'not opened: cancelled by the user', path);
    grants.grantOpen(path);
  };

  ipcMain.handle(IPC_CALL, async (ev, method: unknown, args: unknown, callId: unknown) => {
    const win = trustedWindow(ev);
    if (!win) return { ok: false, error: { name: 'InrError', code: 'E_ARG', message: 'request from an unknown frame' } };
    // Long calls (open, getVolume, exportResult) stop when the renderer cancels them by id.
    const ac = new AbortController();
    const id = Number.isSafeInteger(callId) ? (callId as number) : undefined;
    if (id !== undefined) inFlight.set(id, ac);
    try {
      validateRequest(method, args);
      if (method === 'pickFile') {
        const r = await dialog.showOpenDialog(win, {
          title: 'Open dataset',
          // macOS can pick files or folders in one dialog; Windows and Linux show a folder-only
          // picker when both are asked, so there the dialog picks files (folders open by drag-and-drop).
          properties: process.platform === 'darwin' ? ['openFile', 'openDirectory'] : ['openFile'],
          filters: [{ name: 'Datasets', extensions: ['dcm', 'png', 'jpg', 'tif', 'tiff', 'nc', 'nc4', 'nii', 'gz', '*'] }],
        });
        const picked = r.canceled ? null : (r.filePaths[0] ?? null);
        if (picked) grants.grantOpen(picked);
        return { ok: true, result: picked };
      }
      if (method === 'pickSavePath') {
        const { suggestedName } = args as { suggestedName: string };
        const r = await dialog.showSaveDialog(win, { title: 'Export', defaultPath: suggestedName });
        const picked = r.canceled ? null : (r.filePath ?? null);
        if (picked) grants.grantSave(picked);
        return { ok: true, result: picked };
      }
      if (method === 'capabilities') return { ok: true, result: { ...(await engine.capabilities()), mode: 'electron', nativeDialogs: true } };
      if (method === 'open') {
        const req = args as OpenRequest;
        if (req.path !== undefined) await mayOpen(win, req.path);
        const info = await engine.open(req, { signal: ac.signal });
        // The engine's own answer (a DICOM file's folder, an upload's copy) may be re-opened
        // with another series or variable.
        grants.grantOpen(info.path);
        return { ok: true, result: info };
      }
      if (method === 'exportResult') {
        const req = args as ExportRequest;
        if (req.path !== undefined && !grants.takeSave(req.path)) {
          throw new InrError('E_ARG', 'export refused: the path was not chosen in the save dialog', req.path);
        }
      }
      const fn = (engine as unknown as Record<string, unknown>)[method];
      if (typeof fn !== 'function') throw new InrError('E_UNSUPPORTED', `this engine does not answer '${method}'`);
      return { ok: true, result: await (fn as (a: unknown, o: CallOptions) => Promise<unknown>).call(engine, args, { signal: ac.signal }) };
    } catch (err) {
      return { ok: false, error: serializeError(err) };
    } finally {
      if (id !== undefined) inFlight.delete(id);
    }
  });

  const inFlight = new Map<number, AbortController>();
  const onCancel = (ev: IpcMainEvent, callId: unknown) => {
    if (trustedWindow(ev) && Number.isSafeInteger(callId)) inFlight.get(callId as number)?.abort();
  };
  ipcMain.on(IPC_CANCEL, onCancel);

  // A file dropped on the window: the preload got its path from webUtils.getPathForFile, which
  // only answers for files the user dragged in from the system.
  const onDrop = (ev: IpcMainEvent, path: unknown) => {
    const ok = trustedWindow(ev) !== undefined && typeof path === 'string';
    if (ok) grants.grantOpen(path);
    ev.returnValue = ok;
  };
  ipcMain.on(IPC_GRANT_DROP, onDrop);

  return () => {
    off();
    ipcMain.removeHandler(IPC_CALL);
    ipcMain.removeListener(IPC_GRANT_DROP, onDrop);
    ipcMain.removeListener(IPC_CANCEL, onCancel);
  };
}
