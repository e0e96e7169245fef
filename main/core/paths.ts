import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root: the folder holding package.json, found upward from this file. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** Where `resources/` lives: `INR_RESOURCES_DIR` (set by the Electron shell when packaged) or the package's own. */
function resourcesDir(): string {
  return process.env.INR_RESOURCES_DIR ? resolve(process.env.INR_RESOURCES_DIR) : join(packageRoot(), 'resources');
}

/** The bundled demo dataset opened when no file is given (astronaut.png, NASA, public domain). */
export function demoDatasetPath(): string {
  return join(resourcesDir(), 'demo', 'astronaut.png');
}

/**
 * A worker-thread entry. Under tsx/vitest (the source runs as .ts) it is the `devEntry` module
 * next to the caller; in the built app it is `<name>.js` in the folder the Electron shell names
 * in INR_WORKER_DIR (the bundle's own folder: chunks may live elsewhere).
 */
export function workerEntry(callerUrl: string, devEntry: string, name: string): URL {
  if (/\.ts($|\?)/.test(callerUrl)) return new URL(devEntry, callerUrl);
  const dir = process.env.INR_WORKER_DIR;
  return dir ? new URL(`${name}.js`, pathToFileURL(dir + sep)) : new URL(`./${name}.js`, callerUrl);
}
