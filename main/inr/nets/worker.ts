/**
 * A worker thread of the nets' training team (team.ts): its own tfjs-wasm engine and a replica of
 * the net. Messages, answered in order with { ok } or { ok: false, error }:
 *   setup   — rebuild the net as the training thread built it, take its parameters and the
 *             samples (shared memory), keep this rank's shard;
 *   step    — load the shared parameters W, compute this rank's shard loss and gradient into
 *             its row of the shared gradients G and losses L;
 *   release — free the replica.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { InrError, serializeError } from '../../core/errors';
import { Rng } from '../../core/rng';
import { useBackend } from './backend';
import type { Net } from './net';
import { buildNet } from './options';
import { paramLayout, writeParams } from './shard';
import { Replica, type ReplicaSpec, type TeamBuffers } from './team';

type Message =
  | {
      type: 'setup';
      spec: ReplicaSpec;
      rank: number;
      shards: number;
      n: number;
      full: boolean;
      cacheBytes: number;
      params: { shape: number[]; values: Float32Array }[];
      buffers: TeamBuffers;
    }
  | { type: 'step'; B: number; full: boolean }
  | { type: 'release' };

let state: { net: Net; replica: Replica; x: tf.Tensor2D; y: tf.Tensor2D; buf: TeamBuffers; rank: number } | undefined;

function release(): void {
  if (!state) return;
  state.replica.dispose();
  state.x.dispose();
  state.y.dispose();
  state.net.dispose();
  state = undefined;
}

async function handle(msg: Message): Promise<void> {
  switch (msg.type) {
    case 'setup': {
      release();
      const backend = await useBackend('wasm');
      if (backend.tfName !== 'wasm') throw new InrError('E_BACKEND', 'the training worker could not start tfjs-wasm');
      const { spec, buffers: buf } = msg;
      const net = buildNet(spec.method, new Rng(spec.seed), spec.inDim, spec.outDim, spec.arch);
      if (net.params.length !== msg.params.length || net.params.some((p, i) => p.v.shape.join() !== msg.params[i].shape.join())) {
        net.dispose();
        throw new InrError('E_INTERNAL', 'the training worker built a different net');
      }
      tf.tidy(() => net.params.forEach((p, i) => p.v.assign(tf.tensor(msg.params[i].values, p.v.shape, 'float32'))));
      const x = tf.tensor2d(buf.x, [msg.n, spec.inDim]);
      const y = tf.tensor2d(buf.y, [msg.n, spec.outDim]);
      const replica = new Replica(net, paramLayout(net), x, y, msg.rank, msg.shards, msg.full, msg.cacheBytes);
      state = { net, replica, x, y, buf, rank: msg.rank };
      return;
    }
    case 'step': {
      if (!state) throw new InrError('E_INTERNAL', 'a training step before setup');
      const { replica, buf, rank } = state;
      const P = replica.layout.size;
      writeParams(replica.layout, buf.W);
      buf.L[rank] = replica.gradients(msg.full ? undefined : buf.batch.subarray(0, msg.B), msg.B, buf.G.subarray(rank * P, (rank + 1) * P));
      return;
    }
    case 'release':
      release();
      return;
  }
}

const port = parentPort!;
// One message at a time, in order: a step never overlaps a setup.
let queue = Promise.resolve();
port.on('message', (msg: Message) => {
  queue = queue.then(async () => {
    try {
      await handle(msg);
      port.postMessage({ ok: true });
    } catch (err) {
      port.postMessage({ ok: false, error: serializeError(err) });
    }
  });
});
