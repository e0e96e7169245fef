/**
 * The desktop shell: one window with secure defaults (context isolation, sandbox, no Node in the
 * renderer, a strict CSP), every network request and navigation away from the app blocked, no
 * web permissions, and the engine reached only through validated IPC. Each decision is a pure
 * function in ./policy.ts (unit-tested in Node); this file only wires them to Electron.
 */
import { app, BrowserWindow, Menu, session, shell, type WebContents } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineService } from '../main/service/engine';
import { registerIpc } from './ipc';
import { appPage, downloadAllowed, electronCsp, externalUrlAllowed, isAllowedRequest, mayNavigate, permissionAllowed } from './policy';

const here = fileURLToPath(new URL('.', import.meta.url));
if (app.isPackaged) process.env.INR_RESOURCES_DIR ??= join(process.resourcesPath, 'resources');
// The job and ELM worker entries are built next to this file (out/main).
process.env.INR_WORKER_DIR ??= here;

// ELECTRON_RENDERER_URL (electron-vite's dev server) counts only in an unpackaged build.
const page = appPage({ packaged: app.isPackaged, rendererDir: join(here, '../renderer'), devUrl: process.env.ELECTRON_RENDERER_URL });
const CSP = electronCsp();

let win: BrowserWindow | null = null;
const engine = new EngineService({ mode: 'electron' });

/** The same locks on every web contents the app ever makes (the window, DevTools, anything else). */
function lockDown(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    // Allowlisted documentation opens in the user's browser; no window ever opens in the app.
    if (externalUrlAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (e, url) => {
    if (!mayNavigate(page, url)) e.preventDefault();
  });
  contents.on('will-frame-navigate', (e) => {
    if (!mayNavigate(page, e.url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!mayNavigate(page, url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
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
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      experimentalFeatures: false,
      safeDialogs: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  if ('url' in page.load) void win.loadURL(page.load.url);
  else void win.loadFile(page.load.file);
}

app.enableSandbox();
app.on('web-contents-created', (_e, contents) => lockDown(contents));
app.whenReady().then(() => {
  const ses = session.defaultSession;
  // No telemetry, no remote content: every request that is not the app's own files is cancelled.
  ses.webRequest.onBeforeRequest((details, cb) => cb({ cancel: !isAllowedRequest(page, details.url) }));
  ses.webRequest.onHeadersReceived((details, cb) => cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }));
  // No web permission is needed; both the request and the check are answered by policy.ts.
  ses.setPermissionRequestHandler((_wc, permission, cb, details) => cb(permissionAllowed(page, permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_wc, permission, _origin, details) => permissionAllowed(page, permission, details.requestingUrl));
  ses.setDevicePermissionHandler(() => false);
  // Downloads (exports answered as bytes, the metrics CSV) only of bytes the page holds; Electron
  // then asks where to save them.
  ses.on('will-download', (e, item) => {
    if (!downloadAllowed(item.getURL())) e.preventDefault();
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate([{ role: 'fileMenu' }, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]));
  registerIpc(engine, () => win, page);
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  void engine.close();
  if (process.platform !== 'darwin') app.quit();
});
