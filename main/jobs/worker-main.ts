/**
 * The job runner's worker-thread code (loaded by worker.ts). It runs one job at a time, posts progress, and answers
 * with the result (typed arrays transferred, not copied) or a serialised typed error.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { cancelled, serializeError } from '../core/errors';
import type { FromWorker, JobContext, JobTable, ToWorker } from './types';
import { collectTransferables } from './transfer';
import { defaultJobs } from './jobs';
import { attachProcessPool } from '../inr/elm/parallel';

if (!parentPort) throw new Error('worker.ts must run inside a worker thread');
const port = parentPort;

const tables = new Map<string, JobTable>();
async function loadTable(mod?: string): Promise<JobTable> {
  if (!mod) return defaultJobs;
  let t = tables.get(mod);
  if (!t) {
    const url = mod.startsWith('file:') ? mod : pathToFileURL(mod).href;
    const m = (await import(url)) as { jobs?: JobTable; default?: JobTable };
    t = m.jobs ?? m.default ?? {};
    tables.set(mod, t);
  }
  return t;
}

let current: { jobId: string; controller: AbortController; flag: Int32Array } | undefined;

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on('message', async (msg: ToWorker) => {
  if (msg.type === 'init') {
    // Synchronously, before any job: this thread's ELM pool is the process's.
    if (msg.elmPorts?.length) attachProcessPool(msg.elmPorts);
    return;
  }
  if (msg.type === 'cancel') {
    if (current && current.jobId === msg.jobId) current.controller.abort(cancelled());
    return;
  }
  const { jobId, kind, params } = msg;
  const controller = new AbortController();
  const flag = new Int32Array(msg.cancelFlag);
  current = { jobId, controller, flag };
  const ctx: JobContext = {
    signal: controller.signal,
    progress(stage, fraction, metrics) {
      post({ type: 'progress', jobId, stage, fraction: Math.min(1, Math.max(0, fraction)), metrics });
    },
    throwIfCancelled() {
      if (Atomics.load(flag, 0) !== 0 && !controller.signal.aborted) controller.abort(cancelled());
      if (controller.signal.aborted) throw cancelled();
    },
  };
  try {
    const table = await loadTable(msg.jobsModule);
    const fn = table[kind];
    if (!fn) throw Object.assign(new Error(`unknown job kind '${kind}'`), { name: 'InrError', code: 'E_ARG' });
    const result = await fn(params, ctx);
    ctx.throwIfCancelled();
    post({ type: 'done', jobId, result }, collectTransferables(result));
  } catch (err) {
    post({ type: 'error', jobId, error: serializeError(controller.signal.aborted ? cancelled() : err) });
  } finally {
    current = undefined;
  }
});
