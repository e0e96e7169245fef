/**
 * The desktop shell's security decisions (electron/policy.ts), tested in Node since Electron
 * cannot run here (issue 20 point 5, issue 19 point 2): which page is the app, where the window
 * may navigate, which requests pass, who may call IPC, which permissions and external links are
 * allowed, the CSP, the path grants for open and export, and the fuses in electron-builder.yml.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CSP } from '../../main/core/csp';
import {
  appPage,
  downloadAllowed,
  electronCsp,
  externalUrlAllowed,
  isAllowedRequest,
  isAppPage,
  isTrustedSender,
  mayNavigate,
  openDecision,
  PathGrants,
  permissionAllowed,
} from '../../electron/policy';

const RENDERER = '/opt/INR Studio/resources/app.asar/out/renderer';
const INDEX = pathToFileURL(join(RENDERER, 'index.html')).href;
const packaged = appPage({ packaged: true, rendererDir: RENDERER, devUrl: 'http://localhost:5173/' });
const dev = appPage({ packaged: false, rendererDir: RENDERER, devUrl: 'http://localhost:5173/' });

describe('the app page', () => {
  it('loads its own index.html when packaged, whatever ELECTRON_RENDERER_URL says', () => {
    expect(packaged.load).toEqual({ file: join(RENDERER, 'index.html') });
    expect(packaged.devOrigin).toBeUndefined();
    expect(appPage({ packaged: true, rendererDir: RENDERER, devUrl: 'https://evil.example/' }).load).toEqual({ file: join(RENDERER, 'index.html') });
  });

  it('honours ELECTRON_RENDERER_URL only unpackaged, and only on loopback', () => {
    expect(dev.load).toEqual({ url: 'http://localhost:5173/' });
    expect(dev.devOrigin).toBe('http://localhost:5173');
    for (const bad of ['https://evil.example/', 'file:///etc/passwd', 'not a url', 'http://localhost.evil.example:5173/']) {
      expect(appPage({ packaged: false, rendererDir: RENDERER, devUrl: bad }).load, bad).toEqual({ file: join(RENDERER, 'index.html') });
    }
    expect(appPage({ packaged: false, rendererDir: RENDERER }).load).toEqual({ file: join(RENDERER, 'index.html') });
  });

  it('recognises the app page, with any query or fragment, and nothing else', () => {
    expect(isAppPage(packaged, INDEX)).toBe(true);
    expect(isAppPage(packaged, `${INDEX}#/runs`)).toBe(true);
    expect(isAppPage(packaged, `${INDEX}?x=1`)).toBe(true);
    for (const other of [
      'file:///etc/passwd',
      pathToFileURL(join(RENDERER, 'other.html')).href,
      pathToFileURL(join(RENDERER, 'assets', 'index.html')).href,
      pathToFileURL(join(RENDERER, '..', 'renderer-evil', 'index.html')).href,
      'file://remote-host' + new URL(INDEX).pathname,
      'https://evil.example/index.html',
      'http://localhost:5173/',
      'about:blank',
      'data:text/html,<h1>x</h1>',
      'javascript:alert(1)',
      '',
    ]) {
      expect(isAppPage(packaged, other), other).toBe(false);
    }
    expect(isAppPage(dev, 'http://localhost:5173/')).toBe(true);
    expect(isAppPage(dev, 'http://localhost:5174/')).toBe(false);
    expect(isAppPage(dev, INDEX)).toBe(false);
  });
});

describe('navigation and requests', () => {
  it('lets the window navigate only to the app page (no other file://, no web)', () => {
    expect(mayNavigate(packaged, INDEX)).toBe(true);
    for (const u of ['file:///home/user/.ssh/id_rsa', 'file:///', `${pathToFileURL(RENDERER).href}/../../../../etc/passwd`, 'https://example.org/', 'http://127.0.0.1:8080/']) {
      expect(mayNavigate(packaged, u), u).toBe(false);
    }
  });

  it('lets through only the renderer’s own files, data:, blob: and DevTools', () => {
    const dir = pathToFileURL(RENDERER).href;
    for (const u of [
      INDEX,
      `${dir}/assets/index-abc.js`,
      `${dir}/assets/isosurface.worker-x.js`,
      `${dir}/assets/codec.wasm`,
      'data:image/png;base64,AAAA',
      `blob:file:///1234-5678`,
      'devtools://devtools/bundled/inspector.html',
    ]) {
      expect(isAllowedRequest(packaged, u), u).toBe(true);
    }
    for (const u of [
      'https://telemetry.example/collect',
      'http://127.0.0.1:8080/',
      'ws://127.0.0.1:9000/ws',
      'file:///etc/passwd',
      `${dir}/../secret.txt`,
      `${dir}/%2e%2e/secret.txt`,
      `${dir}/assets%2f..%2f..%2fsecret.txt`,
      `${dir}-evil/index.html`,
      'blob:https://evil.example/1234',
      'ftp://example.org/x',
    ]) {
      expect(isAllowedRequest(packaged, u), u).toBe(false);
    }
  });

  it('in a dev build also lets through the dev server and its HMR socket, nothing else', () => {
    expect(isAllowedRequest(dev, 'http://localhost:5173/src/main.ts')).toBe(true);
    expect(isAllowedRequest(dev, 'ws://localhost:5173/?token=x')).toBe(true);
    expect(isAllowedRequest(dev, 'http://localhost:5174/')).toBe(false);
    expect(isAllowedRequest(dev, 'https://cdn.example/vue.js')).toBe(false);
  });
});

describe('IPC senders', () => {
  it('answers only the main frame of our window showing the app page', () => {
    const ok = { fromOurWindow: true, isMainFrame: true, frameUrl: INDEX };
    expect(isTrustedSender(packaged, ok)).toBe(true);
    expect(isTrustedSender(packaged, { ...ok, fromOurWindow: false })).toBe(false);
    expect(isTrustedSender(packaged, { ...ok, isMainFrame: false })).toBe(false);
    expect(isTrustedSender(packaged, { ...ok, frameUrl: 'file:///tmp/evil.html' })).toBe(false);
    expect(isTrustedSender(packaged, { ...ok, frameUrl: 'https://evil.example/' })).toBe(false);
    expect(isTrustedSender(packaged, { ...ok, frameUrl: undefined })).toBe(false);
  });
});

describe('permissions, downloads and external links', () => {
  const asked = [
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'fullscreen',
    'openExternal',
    'hid',
    'usb',
    'serial',
    'midiSysex',
    'display-capture',
    'pointerLock',
    'unknown',
  ];

  it('denies every permission, to the app page and to anything else', () => {
    for (const p of asked) {
      expect(permissionAllowed(packaged, p, INDEX), p).toBe(false);
      expect(permissionAllowed(packaged, p, 'https://evil.example/'), p).toBe(false);
    }
  });

  it('would grant a listed permission to the app page only', () => {
    const list = ['clipboard-sanitized-write'];
    expect(permissionAllowed(packaged, 'clipboard-sanitized-write', INDEX, list)).toBe(true);
    expect(permissionAllowed(packaged, 'clipboard-sanitized-write', 'file:///tmp/evil.html', list)).toBe(false);
    expect(permissionAllowed(packaged, 'clipboard-sanitized-write', undefined, list)).toBe(false);
    expect(permissionAllowed(packaged, 'media', INDEX, list)).toBe(false);
  });

  it('lets the page download only bytes it holds', () => {
    expect(downloadAllowed('blob:file:///abc')).toBe(true);
    expect(downloadAllowed('data:text/csv,a,b')).toBe(true);
    expect(downloadAllowed('https://evil.example/payload.exe')).toBe(false);
    expect(downloadAllowed('file:///etc/passwd')).toBe(false);
  });

  it('opens no external URL by default, and only allowlisted https ones when listed', () => {
    for (const u of ['https://example.org/', 'http://example.org/', 'file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'ms-settings:']) {
      expect(externalUrlAllowed(u), u).toBe(false);
    }
    const list = ['https://docs.example.org/inr-studio/'];
    expect(externalUrlAllowed('https://docs.example.org/inr-studio/', list)).toBe(true);
    expect(externalUrlAllowed('https://docs.example.org/inr-studio/methods.html#elm', list)).toBe(true);
    for (const u of [
      'http://docs.example.org/inr-studio/',
      'https://docs.example.org/other/',
      'https://docs.example.org/inr-studio-evil/',
      'https://docs.example.org.evil.example/inr-studio/',
      'https://user:pw@docs.example.org/inr-studio/',
      'https://docs.example.org:8443/inr-studio/',
      'https://docs.example.org/inr-studio/../other/',
    ]) {
      expect(externalUrlAllowed(u, list), u).toBe(false);
    }
  });
});

describe('the CSP', () => {
  it('is the app’s strict policy without the bridge socket', () => {
    const csp = electronCsp();
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-eval'(?<!wasm-unsafe-eval')|https?:|\*/);
    // Everything else is the shared policy, unchanged.
    const rest = (p: string) =>
      p
        .split(';')
        .map((d) => d.trim())
        .filter((d) => d && !d.startsWith('connect-src'));
    expect(rest(csp)).toEqual(rest(CSP));
  });
});

describe('path grants', () => {
  it('opens only what the user picked or dropped, and what lies below a picked folder', () => {
    const g = new PathGrants('linux');
    expect(g.mayOpen('/data/ct/IM0001.dcm')).toBe(false);
    g.grantOpen('/data/ct');
    g.grantOpen('/home/u/scan.png');
    expect(g.mayOpen('/data/ct')).toBe(true);
    expect(g.mayOpen('/data/ct/')).toBe(true);
    expect(g.mayOpen('/data/ct/series2/IM0001.dcm')).toBe(true);
    expect(g.mayOpen('/home/u/scan.png')).toBe(true);
    for (const p of ['/data/ct-other/x.dcm', '/data/ct/../secrets/x', '/data', '/home/u/scan.png.bak', '/home/u', 'data/ct/x.dcm', '', '/data/ct/\0x']) {
      expect(g.mayOpen(p), p).toBe(false);
    }
  });

  it('exports only to the exact path picked in the save dialog, once', () => {
    const g = new PathGrants('linux');
    expect(g.takeSave('/home/u/.bashrc')).toBe(false);
    g.grantSave('/home/u/out/recon.png');
    expect(g.takeSave('/home/u/out/other.png')).toBe(false);
    expect(g.takeSave('/home/u/out')).toBe(false);
    expect(g.takeSave('/home/u/out/recon.png/x')).toBe(false);
    expect(g.takeSave('/home/u/out/./recon.png')).toBe(true);
    expect(g.takeSave('/home/u/out/recon.png')).toBe(false); // used up
    // A path picked to open does not grant a write, nor the other way round.
    g.grantOpen('/home/u/.ssh');
    expect(g.takeSave('/home/u/.ssh/authorized_keys')).toBe(false);
    g.grantSave('/tmp/export.nc');
    expect(g.mayOpen('/tmp/export.nc')).toBe(false);
  });

  it('compares Windows paths after normalisation', () => {
    const g = new PathGrants('win32');
    g.grantOpen('C:\\Data\\CT');
    expect(g.mayOpen('C:\\Data\\CT\\IM1.dcm')).toBe(true);
    expect(g.mayOpen('C:\\Data\\CT\\..\\..\\Windows\\System32\\config')).toBe(false);
    expect(g.mayOpen('C:\\Data\\CT-evil\\x')).toBe(false);
    g.grantSave('C:\\Users\\u\\out.png');
    expect(g.takeSave('C:\\Users\\u\\.\\out.png')).toBe(true);
  });

  it('decides an open: allow a grant, ask about any other absolute path, refuse the rest', () => {
    const g = new PathGrants('linux');
    g.grantOpen('/data/ct');
    expect(openDecision(g, '/data/ct/IM1.dcm', 'linux')).toBe('allow');
    expect(openDecision(g, '/home/u/recent.nc', 'linux')).toBe('confirm');
    expect(openDecision(g, 'relative/x.png', 'linux')).toBe('refuse');
    expect(openDecision(g, '/a\0b', 'linux')).toBe('refuse');
  });
});

describe('electron-builder fuses', () => {
  it('sets the fuses, with key names electron-builder’s schema knows', () => {
    const yml = readFileSync(resolve('electron-builder.yml'), 'utf8');
    const block = /^electronFuses:\n((?:[ \t]+.*\n)+)/m.exec(yml)?.[1] ?? '';
    const fuses: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const m = /^\s+([A-Za-z]+):\s*(true|false)\b/.exec(line);
      if (m) fuses[m[1]] = m[2];
    }
    expect(fuses).toMatchObject({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
      enableCookieEncryption: 'true',
    });
    const schema = JSON.parse(readFileSync(resolve('node_modules/app-builder-lib/scheme.json'), 'utf8')) as {
      definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toContain('electronFuses');
    for (const key of Object.keys(fuses)) expect(Object.keys(schema.definitions.FuseOptionsV1.properties), key).toContain(key);
  });
});

describe('the shell wires the policy', () => {
  it('main.ts and ipc.ts use the policy and set the secure webPreferences', () => {
    const main = readFileSync(resolve('electron/main.ts'), 'utf8');
    const ipc = readFileSync(resolve('electron/ipc.ts'), 'utf8');
    for (const pref of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'webSecurity: true', 'webviewTag: false']) expect(main).toContain(pref);
    for (const hook of [
      'setPermissionRequestHandler',
      'setPermissionCheckHandler',
      'onBeforeRequest',
      'will-navigate',
      'will-redirect',
      'setWindowOpenHandler',
      'externalUrlAllowed(url)',
      'app.isPackaged, rendererDir',
    ])
      expect(main).toContain(hook);
    expect(main).not.toMatch(/process\.env\.ELECTRON_RENDERER_URL\)\s*void|loadURL\(process\.env/);
    for (const use of ['isTrustedSender', 'grants.takeSave', 'openDecision', 'grants.grantSave', 'grants.grantOpen']) expect(ipc).toContain(use);
  });
});
