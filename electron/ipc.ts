/**
 * IPC handlers: the Electron side of the API contract. Every payload is validated before it
 * reaches the engine; errors go back as `{ name, code, message, path }`.
 */
import { BrowserWindow, dialog, ipcMain } from 'electron';
import { IPC_CALL, IPC_EVENT, type JobEvent } from '../main/api/contract';
import { validateRequest } from '../main/api/validate';
import { serializeError } from '../main/core/errors';
import { EngineService } from '../main/service/engine';

export function registerIpc(engine: EngineService, getWindow: () => BrowserWindow | null): () => void {
  const off = engine.onJobEvent((event: JobEvent) => getWindow()?.webContents.send(IPC_EVENT, event));
  ipcMain.handle(IPC_CALL, async (ev, method: unknown, args: unknown) => {
    // Only our own window's top frame may call the engine.
    const win = getWindow();
    if (!win || ev.sender !== win.webContents || ev.senderFrame !== win.webContents.mainFrame) {
      return { ok: false, error: { name: 'InrError', code: 'E_ARG', message: 'request from an unknown frame' } };
    }
    try {
      validateRequest(method, args);
      if (method === 'pickFile') {
        const r = await dialog.showOpenDialog(win, {
          title: 'Open dataset',
          // macOS can pick files or folders in one dialog; Windows and Linux show a folder-only
          // picker when both are asked, so there the dialog picks files (folders open by drag-and-drop).
          properties: process.platform === 'darwin' ? ['openFile', 'openDirectory'] : ['openFile'],
          filters: [
            { name: 'Datasets', extensions: ['dcm', 'png', 'jpg', 'tif', 'tiff', 'nc', 'nc4', 'nii', 'gz', '*'] },
          ],
        });
        return { ok: true, result: r.canceled ? null : r.filePaths[0] ?? null };
      }
      if (method === 'pickSavePath') {
        const { suggestedName } = args as { suggestedName: string };
        const r = await dialog.showSaveDialog(win, { title: 'Export', defaultPath: suggestedName });
        return { ok: true, result: r.canceled ? null : r.filePath ?? null };
      }
      if (method === 'capabilities') return { ok: true, result: { ...(await engine.capabilities()), mode: 'electron', nativeDialogs: true } };
      const fn = engine[method] as (a: unknown) => Promise<unknown>;
      return { ok: true, result: await fn.call(engine, args) };
    } catch (err) {
      return { ok: false, error: serializeError(err) };
    }
  });
  return () => {
    off();
    ipcMain.removeHandler(IPC_CALL);
  };
}
