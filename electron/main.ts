/**
 * The desktop shell: one window with secure defaults (context isolation, sandbox, no Node in the
 * renderer, a strict CSP), every network request and navigation away from the app blocked, and
 * the engine reached only through validated IPC.
 */
import { app, BrowserWindow, Menu, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineService } from '../main/service/engine';
import { registerIpc } from './ipc';
import { CSP } from '../main/core/csp';

const here = fileURLToPath(new URL('.', import.meta.url));
if (app.isPackaged) process.env.INR_RESOURCES_DIR ??= join(process.resourcesPath, 'resources');
// The job and ELM worker entries are built next to this file (out/main).
process.env.INR_WORKER_DIR ??= here;

let win: BrowserWindow | null = null;
const engine = new EngineService({ mode: 'electron' });

function isAppUrl(url: string): boolean {
  if (url.startsWith('file://') || url.startsWith('devtools://')) return true;
  const dev = process.env.ELECTRON_RENDERER_URL;
  return Boolean(dev && url.startsWith(dev));
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'INR Studio',
    backgroundColor: '#1b1d22',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url); // documentation links open in the user's browser
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(join(here, '../renderer/index.html'));
}

app.enableSandbox();
app.whenReady().then(() => {
  // No telemetry, no remote content: every request that is not the app's own files is cancelled.
  session.defaultSession.webRequest.onBeforeRequest((details, cb) => cb({ cancel: !isAppUrl(details.url) && !details.url.startsWith('data:') && !details.url.startsWith('blob:') }));
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );
  registerIpc(engine, () => win);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void engine.close();
  if (process.platform !== 'darwin') app.quit();
});
