import type { MessagePort } from 'node:worker_threads';
import type { JobMetrics } from '../api/contract';

/** What a job sees of the runner: a progress reporter and cancellation. */
export interface JobContext {
  /** Report the stage, the fraction done in [0, 1] and, optionally, metrics so far. */
  progress(stage: string, fraction: number, metrics?: JobMetrics): void;
  /** Aborted when the user cancels. */
  signal: AbortSignal;
  /** Throws E_CANCELLED if the job was cancelled. Cheap: call it inside long loops. */
  throwIfCancelled(): void;
}

// Each job declares its own parameter type; the table is indexed by kind at run time, so the
// parameter is deliberately untyped here (a narrower type would reject every job's signature).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobFn = (params: any, ctx: JobContext) => unknown;

/** A module of jobs: kind → function. The worker loads the default table or a given module. */
export type JobTable = Record<string, JobFn>;

export interface ProgressInfo {
  stage: string;
  fraction: number;
  metrics?: JobMetrics;
}

/** Messages from the runner to a worker. */
export type ToWorker =
  | { type: 'run'; jobId: string; kind: string; params: unknown; cancelFlag: SharedArrayBuffer; jobsModule?: string }
  | { type: 'cancel'; jobId: string }
  /** Sent once, first: ports to the process's ELM pool (`processPoolInit`). */
  | { type: 'init'; elmPorts?: MessagePort[] };

/** Messages from a worker to the runner. */
export type FromWorker =
  | { type: 'progress'; jobId: string; stage: string; fraction: number; metrics?: JobMetrics }
  | { type: 'done'; jobId: string; result: unknown }
  | { type: 'error'; jobId: string; error: { name: string; code: string; message: string; path?: string } };
