/**
 * Import this first in every worker-thread entry. geotiff imports the `web-worker` package, which,
 * when loaded inside a Node worker thread, assumes it is one of its own spawned web workers and
 * crashes on missing workerData. A global `Worker` makes it take its browser path instead.
 * INR Studio never uses geotiff's worker pool, so the stand-in refuses to be constructed.
 */
import { isMainThread } from 'node:worker_threads';

const g = globalThis as { Worker?: unknown };
if (!isMainThread && typeof g.Worker !== 'function') {
  g.Worker = class {
    constructor() {
      throw new Error('web workers are not available in an INR Studio worker thread');
    }
  };
}
