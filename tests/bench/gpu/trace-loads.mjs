/**
 * Records every file a Node process loads, for pack.sh: which node_modules files siren-step.ts
 * needs on the device machine. Use after tsx:
 *
 *   TRACE_LOADS_OUT=/tmp/loads.txt node --import tsx --import ./tests/bench/gpu/trace-loads.mjs SCRIPT …
 *
 * ES modules are seen through a resolve hook (in the loader thread, posted back here); CommonJS
 * modules through require.cache at exit. One absolute path per line.
 */
import { register, createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const out = process.env.TRACE_LOADS_OUT;
if (out) {
  const seen = new Set();
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => seen.add(url));
  port1.unref();
  const hook = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      port.postMessage(r.url);
      return r;
    }`;
  register('data:text/javascript,' + encodeURIComponent(hook), { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
  process.on('exit', () => {
    const files = new Set(Object.keys(createRequire(import.meta.url).cache));
    for (const url of seen) if (url.startsWith('file:')) files.add(fileURLToPath(url));
    writeFileSync(out, [...files].sort().join('\n') + '\n');
  });
}
