/**
 * The engine's side of the HDF5 worker (see hdf5-worker.ts for why h5wasm lives in a thread):
 * one long-lived worker, requests queued one at a time, each with a deadline. A request that
 * misses its deadline terminates the worker (libhdf5 looping on a corrupt file) and fails with
 * E_CORRUPT; the next request starts a fresh worker. A worker whose wasm heap has grown past
 * `MAX_WASM_BYTES` is recycled after its request, so memory never accumulates.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { InrError } from '../../core/errors';
import { workerEntry } from '../../core/paths';
import type { Hdf5Catalog, Hdf5Reply, Hdf5Request, WritePlan } from './hdf5-protocol';
import { TYPE_SIZE, product, type NcDataset, type NcVariable, type RawArray } from './model';

const STARTUP_TIMEOUT_MS = 60_000;
/** Data: the base allowance plus 1 s per 50 MB decompressed. */
const BYTES_PER_MS = 50_000;
const MAX_WASM_BYTES = 512 * 1024 * 1024;

/**
 * Deadlines. Opening and listing a healthy file takes libhdf5 milliseconds (a few hundred for
 * thousands of datasets), so the default is generous; the fuzz tests shorten it.
 */
const timeouts = { metadataMs: 10_000 };

/** Change the HDF5 deadlines (tests; a UI that prefers to give up sooner). */
export function configureHdf5Worker(opts: { metadataTimeoutMs?: number }): void {
  if (opts.metadataTimeoutMs !== undefined) timeouts.metadataMs = opts.metadataTimeoutMs;
}

const HDF5_LIMITS = { maxAttributeBytes: 1 << 20, maxObjects: 20_000 };

export interface Hdf5HostStats {
  /** Largest wasm heap any worker reported. */
  peakWasmBytes: number;
  /** Workers terminated (deadline missed, wasm trap, crash, heap recycled). */
  restarts: number;
}

class Hdf5Host {
  private worker?: Worker;
  private starting?: Promise<Worker>;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  readonly stats: Hdf5HostStats = { peakWasmBytes: 0, restarts: 0 };

  /** Queue a request; resolves with the worker's result or rejects with an InrError. */
  request<T>(req: Hdf5Request, timeoutMs: number, transfer: ArrayBuffer[] = []): Promise<T> {
    const run = (): Promise<T> => this.send<T>(req, timeoutMs, transfer);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Terminate the worker now (tests, app shutdown). The next request starts a new one. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private kill(): void {
    const w = this.worker;
    this.worker = undefined;
    if (w) {
      this.stats.restarts++;
      void w.terminate();
    }
  }

  private async send<T>(req: Hdf5Request, timeoutMs: number, transfer: ArrayBuffer[]): Promise<T> {
    const w = await this.start();
    const id = this.nextId++;
    w.ref();
    try {
      return await new Promise<T>((resolve, reject) => {
        const cleanup = (): void => {
          clearTimeout(timer);
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
        };
        const timer = setTimeout(() => {
          cleanup();
          this.kill();
          reject(new InrError('E_CORRUPT', `libhdf5 did not finish (${req.op}) within ${(timeoutMs / 1000).toFixed(1)} s; the file is probably corrupt`));
        }, timeoutMs);
        const onMessage = (m: Hdf5Reply): void => {
          if (m.id !== id) return;
          cleanup();
          this.stats.peakWasmBytes = Math.max(this.stats.peakWasmBytes, m.wasmBytes);
          if (m.wasmBytes > MAX_WASM_BYTES || (!m.ok && m.discard)) this.kill();
          if (m.ok) resolve(m.result as T);
          else reject(new InrError(m.error.code, m.error.message));
        };
        const onError = (e: Error): void => {
          cleanup();
          this.kill();
          reject(new InrError('E_CORRUPT', `libhdf5 failed: ${e.message}`));
        };
        const onExit = (code: number): void => {
          cleanup();
          if (this.worker === w) this.worker = undefined;
          reject(new InrError('E_CORRUPT', `the HDF5 worker stopped (exit code ${code})`));
        };
        w.on('message', onMessage);
        w.once('error', onError);
        w.once('exit', onExit);
        w.postMessage({ ...req, id }, transfer);
      });
    } finally {
      this.worker?.unref();
    }
  }

  private start(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      // The .ts source under tsx/vitest; `hdf5-worker.js` of the bundle in the built app.
      // No piped stdio: reading a worker's stdout/stderr stream refs the parent's side of the
      // thread's port until the thread exits, whatever `unref()` says, so a CLI that read a
      // NetCDF-4 file never ended. The worker drops its own console output instead.
      const w = new Worker(fileURLToPath(workerEntry(import.meta.url, './hdf5-worker-dev.mjs', 'hdf5-worker')));
      const fail = (why: string): void => {
        clearTimeout(timer);
        void w.terminate();
        reject(new InrError('E_BACKEND', `cannot start the HDF5 worker: ${why}`));
      };
      const timer = setTimeout(() => fail('it did not start in time'), STARTUP_TIMEOUT_MS);
      w.once('error', (e) => fail(e.message));
      w.once('message', (m: { ready?: boolean }) => {
        clearTimeout(timer);
        if (!m?.ready) return fail('unexpected first message');
        w.removeAllListeners('error');
        w.on('error', () => undefined);
        w.on('exit', () => {
          if (this.worker === w) this.worker = undefined;
        });
        w.unref();
        this.worker = w;
        resolve(w);
      });
    }).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }
}

const host = new Hdf5Host();

/** Statistics of the HDF5 worker (for tests and diagnostics). */
export function hdf5Stats(): Hdf5HostStats {
  return { ...host.stats };
}

/** Stop the HDF5 worker thread (app shutdown, end of tests). */
export function closeHdf5Worker(): Promise<void> {
  return host.close();
}

function dataTimeout(bytes: number): number {
  return timeouts.metadataMs + bytes / BYTES_PER_MS;
}

/** Open a NetCDF-4 / HDF5 file through the worker: the catalog now, data on demand. */
export async function openHdf5(path: string, onClose?: () => Promise<void>): Promise<NcDataset> {
  let cat: Hdf5Catalog;
  try {
    cat = await host.request<Hdf5Catalog>({ op: 'catalog', path, limits: HDF5_LIMITS }, timeouts.metadataMs);
  } catch (err) {
    await onClose?.();
    throw err;
  }
  const netcdf4 = cat.variables.some((v) => v.dimensions.some((d) => !d.startsWith('phony_dim_')));
  return {
    formatLabel: netcdf4 ? 'NetCDF-4/HDF5' : 'HDF5',
    dimensions: cat.dimensions,
    variables: cat.variables,
    attributes: cat.attributes,
    read(v: NcVariable, start: number[], count: number[]): Promise<RawArray> {
      const bytes = product(count) * (v.type ? TYPE_SIZE[v.type] : 8);
      return host.request<RawArray>({ op: 'read', path, variable: v.name, start, count }, dataTimeout(bytes));
    },
    async close() {
      await onClose?.();
    },
  };
}

/** Write a planned NetCDF-4 file at `path` (the caller makes it atomic). */
export async function writeHdf5(path: string, plan: WritePlan): Promise<void> {
  const bytes = plan.variables.reduce((s, v) => s + v.data.byteLength, 0);
  await host.request<null>({ op: 'write', path, plan }, STARTUP_TIMEOUT_MS + dataTimeout(bytes) * 4);
}
