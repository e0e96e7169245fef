import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
export function resourcesDir(): string {
  return process.env.INR_RESOURCES_DIR ? resolve(process.env.INR_RESOURCES_DIR) : join(packageRoot(), 'resources');
}

/** The bundled demo dataset opened when no file is given (astronaut.png, NASA, public domain). */
export function demoDatasetPath(): string {
  return join(resourcesDir(), 'demo', 'astronaut.png');
}
