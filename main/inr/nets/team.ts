/**
 * Data-parallel training of the nets on every CPU core. tfjs-wasm runs one thread in Node (its
 * Node build has no wasm threads), so the team runs one tfjs-wasm engine per thread instead:
 * the training thread (rank 0) and T − 1 worker threads (worker.ts) each hold a replica of the
 * net and the training samples (read from SharedArrayBuffers), and every step
 *
 *   1. the training thread writes its parameters to the shared vector W and, for a minibatch,
 *      the batch's sample indices to a shared array, and tells the workers to go;
 *   2. each replica loads W and computes its shard's loss and gradient (shard.ts: shard t = rows
 *      ⌊tB/T⌋ … ⌊(t+1)B/T⌋ of the batch, scaled by the batch's 1/(B·C)) into its row of the shared
 *      gradient matrix G;
 *   3. the training thread sums the rows of G in rank order and applies Adam itself.
 *
 * Only the training thread holds optimizer state, so the replicas cannot drift apart; the sum's
 * order is fixed, so a run is reproducible bit for bit for a given number of threads (a different
 * number of shards rounds differently). Exchanged per step: the parameters once and one gradient
 * per thread (≈ 1 MB for SIREN 3×256), against seconds of compute per step on large inputs.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { InrError, deserializeError, type SerializedError } from '../../core/errors';
import { workerEntry } from '../../core/paths';
import type { Net } from './net';
import type { NetOptions } from './options';
import { paramLayout, readParams, shardGradients, shardRange, sumGradients, type ParamLayout } from './shard';

/** What a worker needs to rebuild the net: the same builder call as the training thread's. */
export interface ReplicaSpec {
  method: string;
  seed: number;
  inDim: number;
  outDim: number;
  arch: Partial<NetOptions>;
}

/** Shared buffers of one training run. */
export interface TeamBuffers {
  /** n × inDim raw coordinates and n × C targets. */
  x: Float32Array;
  y: Float32Array;
  /** The parameters the next step uses (layout order). */
  W: Float32Array;
  /** T rows of gradients. */
  G: Float32Array;
  /** Per rank: its shard's loss. */
  L: Float64Array;
  /** The step's batch indices (minibatch steps). */
  batch: Int32Array;
}

/**
 * A replica's view of the samples: all of them (minibatches: gathered per step, features cached
 * when they fit in `cacheBytes`) or, for full-batch training, only its own shard, kept.
 */
export class Replica {
  private readonly H?: tf.Tensor2D;
  private readonly own?: { h: tf.Tensor2D; y: tf.Tensor2D };

  constructor(
    readonly net: Net,
    readonly layout: ParamLayout,
    private readonly x: tf.Tensor2D,
    private readonly y: tf.Tensor2D,
    readonly rank: number,
    readonly shards: number,
    full: boolean,
    cacheBytes: number,
  ) {
    const n = x.shape[0];
    if (full) {
      const [a, b] = shardRange(n, shards, rank);
      this.own = tf.tidy(() => ({ h: net.prepare(tf.slice(x, [a, 0], [b - a, x.shape[1]])), y: tf.slice(y, [a, 0], [b - a, y.shape[1]]) }));
      tf.keep(this.own.h);
      tf.keep(this.own.y);
    } else if (n * net.featureDim * 4 <= cacheBytes) {
      this.H = tf.keep(net.prepare(x));
    }
  }

  /** This rank's loss and gradient (into `g`) for a batch of B samples (`batch` = its indices, or the full set). */
  gradients(batch: Int32Array | undefined, B: number, g: Float32Array): number {
    const scale = 1 / (B * this.y.shape[1]);
    if (this.own) return shardGradients(this.net, this.layout, this.own.h, this.own.y, scale, g);
    const [a, b] = shardRange(B, this.shards, this.rank);
    const idx = tf.tensor1d(batch!.subarray(a, b), 'int32');
    const h = this.H ? (tf.gather(this.H, idx) as tf.Tensor2D) : tf.tidy(() => this.net.prepare(tf.gather(this.x, idx) as tf.Tensor2D));
    const y = tf.gather(this.y, idx) as tf.Tensor2D;
    try {
      return shardGradients(this.net, this.layout, h, y, scale, g);
    } finally {
      tf.dispose([idx, h, y]);
    }
  }

  dispose(): void {
    if (this.H && this.H !== this.x) this.H.dispose();
    if (this.own) {
      if (this.own.h !== this.x) this.own.h.dispose();
      this.own.y.dispose();
    }
  }
}

type Reply = { ok: boolean; error?: SerializedError };

function sharedArray<T extends Float32Array | Float64Array | Int32Array>(Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new Ctor(new SharedArrayBuffer(Math.max(1, n) * Ctor.BYTES_PER_ELEMENT));
}

/** A worker thread with its messages answered in order. */
class Member {
  readonly worker: Worker;
  private waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failed?: Error;

  constructor(url: URL) {
    this.worker = new Worker(fileURLToPath(url));
    this.worker.unref();
    this.worker.on('message', (r: Reply) => {
      const w = this.waiting.shift();
      if (this.waiting.length === 0) this.worker.unref();
      if (!w) return;
      if (r.ok) w.resolve();
      else w.reject(deserializeError(r.error!));
    });
    this.worker.on('error', (err) => {
      this.failed = new InrError('E_INTERNAL', `a training worker failed: ${err.message}`);
      for (const w of this.waiting.splice(0)) w.reject(this.failed);
    });
  }

  call(msg: unknown, transfer?: ArrayBuffer[]): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.worker.ref();
      this.worker.postMessage(msg, transfer ?? []);
    });
  }
}

/** One training run on the team: created by `NetTeam.start`, one `step` per optimizer step. */
export class TeamRun {
  private closed = false;

  constructor(
    private readonly members: Member[],
    private readonly replica: Replica,
    private readonly buf: TeamBuffers,
    private readonly onRelease: () => void,
  ) {}

  get threads(): number {
    return this.members.length + 1;
  }

  /**
   * The batch's loss and summed gradient (tensors keyed by variable name; the caller applies and
   * disposes them). `batch`: the step's sample indices, or undefined for the full set of B.
   */
  async step(batch: Int32Array | undefined, B: number): Promise<{ loss: number; grads: tf.NamedTensorMap }> {
    const { layout } = this.replica;
    const P = layout.size;
    readParams(layout, this.buf.W);
    if (batch) this.buf.batch.set(batch);
    const msg = { type: 'step', B, full: !batch };
    const others = this.members.map((m) => m.call(msg));
    // Rank 0's shard here, while the workers compute theirs.
    let own: unknown;
    try {
      this.buf.L[0] = this.replica.gradients(batch, B, this.buf.G.subarray(0, P));
    } catch (err) {
      own = err;
    }
    await Promise.all(others);
    if (own) throw own;
    let loss = 0;
    for (let t = 0; t < this.threads; t++) loss += this.buf.L[t];
    return { loss, grads: sumGradients(layout, this.buf.G, this.threads) };
  }

  /** Free the replicas (the threads stay for the next run). */
  async release(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.replica.dispose();
    await Promise.allSettled(this.members.map((m) => m.call({ type: 'release' })));
    this.onRelease();
  }
}

/**
 * The team's worker threads, started once and kept between fits (idle threads do not keep the
 * process alive). `size` counts the training thread too: size 2 = one worker.
 */
export class NetTeam {
  private members?: Member[];
  private busy = false;
  readonly size: number;

  constructor(threads?: number) {
    this.size = Math.max(1, Math.min(threads ?? availableParallelism(), 64));
  }

  /** Start the worker threads now (they load tfjs-wasm while the caller prepares). */
  warm(): this {
    if (!this.members && this.size > 1) {
      const url = workerEntry(import.meta.url, './worker-dev.mjs', 'net-worker');
      this.members = Array.from({ length: this.size - 1 }, () => new Member(url));
    }
    return this;
  }

  /**
   * Set up a run: the workers rebuild the net from `spec`, take the training thread's initial
   * parameters and the samples, and keep what their shard needs. `net` is the training thread's
   * replica (rank 0); x, y its coordinates and targets as tensors and on the host.
   */
  async start(
    net: Net,
    spec: ReplicaSpec,
    data: { x: tf.Tensor2D; y: tf.Tensor2D; xHost: Float32Array; yHost: Float32Array },
    opts: { full: boolean; batch: number; cacheBytes: number },
  ): Promise<TeamRun> {
    if (this.busy) throw new InrError('E_INTERNAL', 'the training team is already running a fit');
    this.warm();
    const members = this.members ?? [];
    const T = members.length + 1;
    const layout = paramLayout(net);
    const P = layout.size;
    const n = data.x.shape[0];
    const toShared = (a: Float32Array) => {
      const s = sharedArray(Float32Array, a.length);
      s.set(a);
      return s;
    };
    const buf: TeamBuffers = {
      x: toShared(data.xHost),
      y: toShared(data.yHost),
      W: sharedArray(Float32Array, P),
      G: sharedArray(Float32Array, T * P),
      L: sharedArray(Float64Array, T),
      batch: sharedArray(Int32Array, opts.full ? 1 : opts.batch),
    };
    // Every parameter, trainable or not, so the replicas start identical whatever their builder drew.
    const all = net.params.map((p) => ({ shape: p.v.shape.slice(), values: p.v.dataSync() as Float32Array }));
    this.busy = true;
    let replica: Replica | undefined;
    try {
      await Promise.all(members.map((m, i) => m.call({ type: 'setup', spec, rank: i + 1, shards: T, n, full: opts.full, cacheBytes: opts.cacheBytes, params: all, buffers: buf })));
      replica = new Replica(net, layout, data.x, data.y, 0, T, opts.full, opts.cacheBytes);
    } catch (err) {
      this.busy = false;
      await Promise.allSettled(members.map((m) => m.call({ type: 'release' })));
      throw err;
    }
    return new TeamRun(members, replica, buf, () => (this.busy = false));
  }

  async close(): Promise<void> {
    const m = this.members ?? [];
    this.members = undefined;
    await Promise.all(m.map((x) => x.worker.terminate()));
  }
}

let processTeam: NetTeam | undefined;

/** The process's training team of `threads` threads (replaced when another size is asked for). */
export async function processNetTeam(threads: number): Promise<NetTeam> {
  if (processTeam && processTeam.size !== Math.max(1, Math.min(threads, 64))) await closeProcessNetTeam();
  return (processTeam ??= new NetTeam(threads));
}

export async function closeProcessNetTeam(): Promise<void> {
  const t = processTeam;
  processTeam = undefined;
  await t?.close();
}
