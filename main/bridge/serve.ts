/**
 * `npm run serve [-- --port N]`: the bridge plus the renderer in a browser, on 127.0.0.1.
 * Prints the URL it serves, with this launch's access token (`/?token=…`): only a page opened
 * at that address (or a program that knows the token) can reach the engine.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../core/paths';
import { startBridge } from './server';

const { values } = parseArgs({ options: { port: { type: 'string' }, static: { type: 'string' } }, strict: true });
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`inr-studio serve: --port must be an integer 0–65535, got '${values.port}'`);
  process.exit(2);
}
const staticDir = values.static ?? join(packageRoot(), 'out', 'web');
if (!existsSync(join(staticDir, 'index.html'))) {
  console.error(`inr-studio serve: no renderer build in ${staticDir}; run 'npm run build:web' first`);
  process.exit(2);
}
const bridge = await startBridge({ port, staticDir });
console.log(`INR Studio is served at ${bridge.url}`);
console.log('Open that address as it is: its token is the key to the engine for this launch; do not share it.');
const stop = async () => {
  await bridge.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
