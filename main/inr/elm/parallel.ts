/**
 * The parallel ELM solver: subdomains are solved across a pool of worker threads that share the
 * input and the outputs through SharedArrayBuffers.
 *
 * - Fit: cells are dealt out in contiguous ranges; each worker writes its cells' weights.
 * - Evaluate: supports of cells two (or three, for overlap > ½) cell-rows apart along the first
 *   axis never intersect, so the accumulation runs in phases over those cell-rows, and within a
 *   phase each worker owns whole cell-rows: no two threads ever add into the same sample.
 * - `dispatch`: one task for several workers, which pull its pieces from a shared counter (BEAM's
 *   probe, solve and reconstruction, beam/parallel.ts; the frequency probe and the metrics' SSIM
 *   below). Each piece is computed as one thread computes it, so results do not depend on the
 *   number of threads.
 * Memory stays bounded: one accumulator over the output, and per worker one patch's features.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { InrError, cancelled, deserializeError, type SerializedError } from '../../core/errors';
import { fillEmptyCells, normalizeAccumulator, type FitInput, type Progress } from './fit';
import { FREQ_CANDIDATES, freqProbe, pickFrequency, type FreqChoice } from './autofreq';
import { cellIndex, type AxisGrid } from './mesh';
import { createModel, type ElmModel, type ElmSpec } from './model';
import type { ElmTask, TaskBody } from './worker';
import { workerEntry } from '../../core/paths';
import type { SsimJob } from '../../metrics/field-metrics';

export interface ParallelHooks {
  threads?: number;
  onProgress?: Progress;
  signal?: AbortSignal;
}

export function shared<T extends Float32Array | Float64Array | Uint8Array | Int32Array>(Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, length) * Ctor.BYTES_PER_ELEMENT));
}

/** `a` itself when it already lives in shared memory (a dataset the engine holds), else a shared copy of its type. */
export function sharedCopy<T extends Float32Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = shared(a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, a.length);
  out.set(a);
  return out;
}

class Pool {
  /** The threads (this pool started them), or ports to another pool's threads. */
  private readonly workers: Array<Worker | MessagePort>;
  readonly cancel = shared(Int32Array, 1);
  readonly progress = shared(Int32Array, 1);

  constructor(
    readonly size: number,
    private readonly remote?: MessagePort[],
  ) {
    if (remote) {
      this.workers = remote;
      for (const p of remote) p.unref();
      return;
    }
    const url = workerEntry(import.meta.url, './worker-dev.mjs', 'elm-worker');
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(fileURLToPath(url));
      // Idle threads never keep the process alive; a running task refs its thread.
      w.unref();
      return w;
    });
  }

  /** A new port to each of this pool's threads, for another thread of the process. */
  attach(): MessagePort[] {
    if (this.remote) throw new InrError('E_INTERNAL', 'an ELM pool reached through ports cannot hand out ports');
    return this.workers.map((w) => {
      const { port1, port2 } = new MessageChannel();
      (w as Worker).postMessage({ attach: port2 }, [port2]);
      return port1;
    });
  }

  /** Run one task per worker (tasks.length ≤ size) and wait for all of them. */
  run(tasks: ElmTask[], onTick?: () => void, signal?: AbortSignal): Promise<void> {
    // The pool outlives jobs: a cancel of an earlier one must not stop this one.
    Atomics.store(this.cancel, 0, 0);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) Atomics.store(this.cancel, 0, 1);
      let pending = tasks.length;
      let failed: unknown;
      const timer = onTick ? setInterval(onTick, 200) : undefined;
      const onAbort = () => Atomics.store(this.cancel, 0, 1);
      signal?.addEventListener('abort', onAbort, { once: true });
      const used = this.workers.slice(0, tasks.length);
      used.forEach((w) => w.ref());
      const finish = () => {
        used.forEach((w) => w.unref());
        if (timer) clearInterval(timer);
        signal?.removeEventListener('abort', onAbort);
        if (failed) reject(failed);
        else resolve();
      };
      if (pending === 0) return finish();
      tasks.forEach((task, i) => {
        const w = this.workers[i];
        const onMessage = (msg: { ok: boolean; error?: SerializedError }) => {
          w.off('error', onError);
          if (!msg.ok && !failed) failed = deserializeError(msg.error!);
          if (--pending === 0) finish();
        };
        const onError = (err: Error) => {
          w.off('message', onMessage);
          if (!failed) failed = new InrError('E_INTERNAL', `an ELM worker failed: ${err.message}`);
          if (--pending === 0) finish();
        };
        w.once('message', onMessage);
        w.once('error', onError);
        w.postMessage(task);
      });
    });
  }

  async close(): Promise<void> {
    if (this.remote) for (const p of this.remote) p.close();
    else await Promise.all(this.workers.map((w) => (w as Worker).terminate()));
  }
}

function threadCount(requested?: number): number {
  return Math.max(1, Math.min(requested ?? availableParallelism(), 64));
}

/**
 * A pool of ELM worker threads, kept for a whole job (fit, then reconstructions) so threads
 * start once. Call `close()` when done.
 */
export class ElmPool {
  private pool?: Pool;
  readonly size: number;

  /** `remote`: ports to the threads of the process's pool (another thread's), instead of threads of its own. */
  constructor(
    threads?: number,
    private readonly remote?: MessagePort[],
  ) {
    this.size = remote ? remote.length : threadCount(threads);
  }

  private get(): Pool {
    return (this.pool ??= new Pool(this.size, this.remote));
  }

  /** Whether this pool works on another thread's threads (a job runner's view of the process's pool). */
  get shared(): boolean {
    return this.remote !== undefined;
  }

  /** A port to each of this pool's threads (started now), for a job-runner thread to use as its pool. */
  ports(): MessagePort[] {
    return this.get().attach();
  }

  /** Whether the threads have been started (a job that needs none may still use them cheaply). */
  get started(): boolean {
    return this.pool !== undefined;
  }

  /** Start the threads now (they load their code while the caller reads data). */
  warm(): this {
    this.get();
    return this;
  }

  /** Fit all cells. Same result as `fitElm`, bit for bit. */
  async fit(input: FitInput, spec: ElmSpec, hooks: ParallelHooks = {}): Promise<ElmModel> {
    const model = createModel(spec);
    const total = model.mesh.count;
    const T = Math.min(this.size, total);
    const pool = this.get();
    Atomics.store(pool.progress, 0, 0);
    // Values already in shared memory (a dataset the engine holds) go to the threads as they are.
    const values = input.values.buffer instanceof SharedArrayBuffer ? input.values : shared(Float32Array, input.values.length);
    if (values !== input.values) values.set(input.values);
    let mask: Uint8Array | undefined;
    if (input.mask) {
      mask = shared(Uint8Array, input.mask.length);
      mask.set(input.mask);
    }
    const weights = shared(Float32Array, model.weights.length);
    const tasks: ElmTask[] = [];
    for (let t = 0; t < T; t++) {
      const c0 = Math.floor((t * total) / T);
      const c1 = Math.floor(((t + 1) * total) / T);
      const cells = Array.from({ length: c1 - c0 }, (_, i) => c0 + i);
      tasks.push({ type: 'fit', spec, values, mask, weights, cells, cancel: pool.cancel, progress: pool.progress });
    }
    if (hooks.signal?.aborted) throw cancelled();
    await pool.run(tasks, () => hooks.onProgress?.('solving subdomains', Atomics.load(pool.progress, 0) / total), hooks.signal);
    model.weights.set(weights);
    fillEmptyCells(model);
    return model;
  }

  /** Evaluate on `grids`. Same result as `evaluateElm`, bit for bit. */
  async evaluate(model: ElmModel, grids: AxisGrid[], hooks: ParallelHooks = {}): Promise<Float32Array> {
    const { mesh, spec } = model;
    const C = spec.channels;
    const n0 = mesh.axes[0].cells;
    const stride = spec.overlap <= 0.49 ? 2 : 3;
    const T = Math.min(this.size, Math.max(1, Math.ceil(n0 / stride)));
    const total = grids.reduce((n, g) => n * g.count, 1);
    const sum = shared(Float64Array, total * C);
    const weight = shared(Float64Array, total);
    const weights = shared(Float32Array, model.weights.length);
    weights.set(model.weights);
    const byRow: number[][] = Array.from({ length: n0 }, () => []);
    const k: number[] = [];
    for (let id = 0; id < mesh.count; id++) byRow[cellIndex(mesh, id, k)[0]].push(id);
    const pool = this.get();
    Atomics.store(pool.progress, 0, 0);
    let done = 0;
    for (let phase = 0; phase < stride; phase++) {
      const rows = byRow.filter((_, k0) => k0 % stride === phase);
      const tasks: ElmTask[] = [];
      for (let t = 0; t < T; t++) {
        const mine = rows.filter((_, i) => i % T === t).flat();
        if (mine.length) tasks.push({ type: 'accumulate', spec, weights, grids, cells: mine, sum, weight, cancel: pool.cancel, progress: pool.progress });
      }
      if (hooks.signal?.aborted) throw cancelled();
      await pool.run(tasks, () => hooks.onProgress?.('reconstructing', (done + Atomics.load(pool.progress, 0)) / mesh.count), hooks.signal);
      done += Atomics.exchange(pool.progress, 0, 0);
    }
    return normalizeAccumulator(sum, weight, C);
  }

  /**
   * Run `body` on `threads` workers at once (each pulls its pieces from the body's own shared
   * counter: BEAM, beam/parallel.ts); progress is the workers' ticks over `total`.
   */
  async dispatch(body: TaskBody, threads: number, stage: string, total: number, hooks: ParallelHooks = {}): Promise<void> {
    const pool = this.get();
    const T = Math.max(1, Math.min(this.size, threads));
    Atomics.store(pool.progress, 0, 0);
    const task = { ...body, cancel: pool.cancel, progress: pool.progress } as ElmTask;
    if (hooks.signal?.aborted) throw cancelled();
    await pool.run(
      Array.from({ length: T }, () => task),
      () => hooks.onProgress?.(stage, Math.min(1, Atomics.load(pool.progress, 0) / Math.max(1, total))),
      hooks.signal,
    );
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}

/**
 * `chooseFrequency` (autofreq.ts) with the candidates scored on the pool, one per thread at a
 * time: the same errors, hence the same choice, as on one thread.
 */
export async function chooseFrequencyParallel(
  pool: ElmPool,
  input: FitInput,
  spec: ElmSpec,
  opts: { holdout: boolean; maxCells?: number },
  hooks: ParallelHooks = {},
): Promise<FreqChoice> {
  const probe = freqProbe(input, spec, opts);
  const share = <T extends Float32Array | Uint8Array>(a: T | undefined): T | undefined => a && sharedCopy(a);
  const errors = shared(Float64Array, FREQ_CANDIDATES.length);
  await pool.dispatch(
    {
      type: 'elm-probe',
      values: share(input.values)!,
      shape: input.shape,
      channels: input.channels,
      mask: share(input.mask),
      spec,
      probe: { ...probe, train: share(probe.train), held: share(probe.held) },
      candidates: [...FREQ_CANDIDATES],
      errors,
      next: shared(Int32Array, 1),
    },
    FREQ_CANDIDATES.length,
    'choosing frequency scale',
    FREQ_CANDIDATES.length,
    hooks,
  );
  return pickFrequency(spec, probe, Array.from(errors));
}

/**
 * The parts' sums of a mean SSIM (metrics `SsimJob`), computed on the pool in ranges of parts:
 * the same sums as on one thread (each part is computed whole by one thread).
 */
export async function ssimPartsParallel(pool: ElmPool, job: SsimJob, hooks: ParallelHooks = {}): Promise<Float64Array> {
  const sums = shared(Float64Array, 2 * job.parts);
  // Field values are Float32Array (core/field.ts); a mask is one byte per sample.
  const f32 = (a: ArrayLike<number>) => sharedCopy(a instanceof Float32Array ? a : Float32Array.from(a));
  const u8 = (a: ArrayLike<number>) => sharedCopy(a instanceof Uint8Array ? a : Uint8Array.from(a));
  const per = Math.max(1, Math.ceil(job.parts / (4 * pool.size)));
  const pieces: [number, number][] = [];
  for (let p = 0; p < job.parts; p += per) pieces.push([p, Math.min(job.parts, p + per)]);
  await pool.dispatch(
    {
      type: 'ssim-parts',
      a: f32(job.a),
      b: f32(job.b),
      opts: { ...job.opts, mask: job.opts.mask && u8(job.opts.mask) },
      pieces,
      sums,
      next: shared(Int32Array, 1),
    },
    pieces.length,
    'metrics',
    pieces.length,
    hooks,
  );
  return sums;
}

let processWide: ElmPool | undefined;
let processThreads: number | undefined;

/**
 * The process's ELM pool, started on first use and reused by every fit after it. In the engine
 * the job-runner threads reach the same threads through ports (`processPoolInit`,
 * `attachProcessPool`), so the process has one pool whatever the number of jobs. Its idle threads
 * do not keep the process alive.
 */
export function processPool(): ElmPool {
  return (processWide ??= new ElmPool(processThreads));
}

/** Set the size of the process's pool (`--threads`); a running pool of another size is replaced. */
export async function setProcessThreads(threads: number | undefined): Promise<void> {
  processThreads = threads;
  if (processWide && processWide.size !== threadCount(threads)) await closeProcessPool();
}

/**
 * For the job runner (main/jobs): what a new runner thread needs to use the process's pool —
 * ports to its threads, started now — instead of starting threads of its own.
 */
export function processPoolInit(): { data: { elmPorts: MessagePort[] }; transfer: MessagePort[] } {
  const ports = processPool().ports();
  return { data: { elmPorts: ports }, transfer: ports };
}

/** In a job-runner thread: the process's pool, reached through these ports, is this thread's pool. */
export function attachProcessPool(ports: MessagePort[]): void {
  processWide = new ElmPool(undefined, ports);
}

export async function closeProcessPool(): Promise<void> {
  const p = processWide;
  processWide = undefined;
  await p?.close();
}
