/**
 * The job runner: a pool of worker threads that runs heavy work off the UI and Electron main
 * threads. Each job reports progress (stage, fraction, metrics so far), can be cancelled through
 * an AbortSignal, and ends in a result or a typed `InrError`.
 *
 * Cancellation is cooperative first: a shared flag that jobs poll (`ctx.throwIfCancelled()`), and
 * a message for jobs that await. A job that does not stop within `cancelGraceMs` has its worker
 * terminated and replaced, so a cancel always returns promptly.
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { InrError, cancelled, deserializeError } from '../core/errors';
import { workerEntry } from '../core/paths';
import type { FromWorker, ProgressInfo, ToWorker } from './types';

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: ProgressInfo) => void;
  /** Called when a worker picks the job up. */
  onStart?: () => void;
}

export interface RunnerOptions {
  /** Number of worker threads. Default: the number of cores. */
  size?: number;
  /** A module exporting `jobs` (kind → function) to use instead of the engine's table. */
  jobsModule?: string;
  /** How long a cancelled job may take to stop before its worker is terminated. */
  cancelGraceMs?: number;
  /**
   * What each new worker gets first (the engine: ports to the process's ELM pool, so every job
   * shares one pool; `processPoolInit`).
   */
  workerInit?: () => { data: { elmPorts?: MessagePort[] }; transfer: MessagePort[] };
}

interface Pending {
  jobId: string;
  kind: string;
  params: unknown;
  opts: RunOptions;
  flag: SharedArrayBuffer;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  worker?: Slot;
  settled: boolean;
  killTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

let nextId = 1;

export class JobRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly size: number;
  private readonly jobsModule?: string;
  private readonly grace: number;
  private readonly workerInit: RunnerOptions['workerInit'];
  private closed = false;

  constructor(opts: RunnerOptions = {}) {
    this.size = Math.max(1, opts.size ?? availableParallelism());
    this.jobsModule = opts.jobsModule;
    this.grace = opts.cancelGraceMs ?? 1500;
    this.workerInit = opts.workerInit;
  }

  get poolSize(): number {
    return this.size;
  }

  /** Run a job of `kind` with `params` on a worker. Resolves with its result. */
  run<R = unknown>(kind: string, params: unknown, opts: RunOptions = {}): Promise<R> {
    if (this.closed) return Promise.reject(new InrError('E_INTERNAL', 'the job runner is closed'));
    return new Promise<R>((resolve, reject) => {
      const job: Pending = {
        jobId: `job-${nextId++}`,
        kind,
        params,
        opts,
        flag: new SharedArrayBuffer(4),
        resolve: resolve as (v: unknown) => void,
        reject,
        settled: false,
      };
      if (opts.signal?.aborted) {
        reject(cancelled());
        return;
      }
      opts.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Stop every worker. Pending and running jobs are rejected as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, cancelled());
    await Promise.all(
      this.slots.splice(0).map(async (s) => {
        if (s.busy) this.settle(s.busy, cancelled());
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const url = workerEntry(import.meta.url, './worker-dev.mjs', 'worker');
    const worker = new Worker(fileURLToPath(url));
    worker.unref();
    if (this.workerInit) {
      const init = this.workerInit();
      worker.postMessage({ type: 'init', ...init.data } satisfies ToWorker, init.transfer);
    }
    const slot: Slot = { worker };
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on('error', (err) => this.onWorkerDeath(slot, err));
    worker.on('exit', (code) => this.onWorkerDeath(slot, new InrError('E_INTERNAL', `the worker stopped unexpectedly (exit code ${code})`)));
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.busy = job;
      job.worker = slot;
      slot.worker.ref();
      const msg: ToWorker = { type: 'run', jobId: job.jobId, kind: job.kind, params: job.params, cancelFlag: job.flag, jobsModule: this.jobsModule };
      slot.worker.postMessage(msg);
      job.opts.onStart?.();
    }
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    const job = slot.busy;
    if (!job || job.jobId !== msg.jobId || job.settled) return;
    if (msg.type === 'progress') {
      job.opts.onProgress?.({ stage: msg.stage, fraction: msg.fraction, metrics: msg.metrics });
      return;
    }
    this.release(slot);
    if (msg.type === 'done') this.settle(job, undefined, msg.result);
    else this.settle(job, deserializeError(msg.error as never));
  }

  private onWorkerDeath(slot: Slot, err: unknown): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const job = slot.busy;
    slot.busy = undefined;
    if (job && !job.settled) {
      const abortedByUser = Atomics.load(new Int32Array(job.flag), 0) !== 0;
      this.settle(job, abortedByUser ? cancelled() : err instanceof InrError ? err : new InrError('E_INTERNAL', `the worker failed: ${(err as Error)?.message ?? err}`));
    }
    if (!this.closed) this.pump();
  }

  private release(slot: Slot): void {
    slot.busy = undefined;
    slot.worker.unref();
    this.pump();
  }

  private cancel(job: Pending): void {
    if (job.settled) return;
    const qi = this.queue.indexOf(job);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.settle(job, cancelled());
      return;
    }
    Atomics.store(new Int32Array(job.flag), 0, 1);
    const slot = job.worker;
    if (!slot) return;
    const msg: ToWorker = { type: 'cancel', jobId: job.jobId };
    slot.worker.postMessage(msg);
    job.killTimer = setTimeout(() => {
      if (job.settled || slot.busy !== job) return;
      // The job ignored the flag: take its worker down; onWorkerDeath settles it as cancelled.
      void slot.worker.terminate();
    }, this.grace);
  }

  private settle(job: Pending, err?: unknown, result?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    if (job.killTimer) clearTimeout(job.killTimer);
    if (err) job.reject(err);
    else job.resolve(result);
  }
}
