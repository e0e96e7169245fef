// A worker of nets-speed.ts: tfjs-wasm fp32 matMul n×n by n×n in a loop for `ms` milliseconds,
// reporting GFLOP/s (2n³ flops per product) per wall second and per second of this thread's own
// CPU time (Linux /proc/thread-self: the rate of an idle core, whatever else loads the machine).
// Plain JavaScript, so it needs no TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';

/** This thread's CPU seconds (utime + stime, 1/100 s ticks), or NaN off Linux. */
function threadCpu() {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
tf.enableProdMode();
await tf.setBackend('wasm');
await tf.ready();
const { n, ms, start } = workerData;
const a = tf.randomUniform([n, n]);
const b = tf.randomUniform([n, n]);
for (let i = 0; i < 2; i++) tf.matMul(a, b).dataSync();
// Start together: say ready, then wait until the shared start flag is raised.
parentPort.postMessage({ ready: true });
Atomics.wait(start, 0, 0);
const t0 = performance.now();
const c0 = threadCpu();
let k = 0;
while (performance.now() - t0 < ms) {
  const c = tf.matMul(a, b);
  c.dataSync();
  c.dispose();
  k++;
}
const s = (performance.now() - t0) / 1000;
const cpu = threadCpu() - c0;
parentPort.postMessage({
  gflops: (2 * n ** 3 * k) / s / 1e9,
  gflops_per_cpu_second: (2 * n ** 3 * k) / cpu / 1e9,
  products: k,
  seconds: s,
  cpu_seconds: cpu,
  simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
});
