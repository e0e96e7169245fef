/**
 * The nets on every core (team.ts): data-parallel training on two tfjs-wasm threads computes the
 * one-thread gradient (up to float32 rounding of the shard sum), is reproducible bit for bit for
 * a given thread count, trains minibatches from the same shuffled order, can be cancelled, and the
 * team trains again afterwards. Plus the default minibatch of 2^16 samples.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { decodePng } from '../../main/data/png';
import type { Field } from '../../main/core/field';
import { Rng } from '../../main/core/rng';
import { useBackend } from '../../main/inr/nets/backend';
import { buildNet } from '../../main/inr/nets/options';
import { trainNet, type TrainOptions } from '../../main/inr/nets/train';
import { NetTeam } from '../../main/inr/nets/team';
import { DEFAULT_BATCH, fitNet, gridCoords } from '../../main/inr/nets/task';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { sample } from '../helpers/samples';

let camera: Field;
const team = new NetTeam(2);

beforeAll(async () => {
  camera = decodePng(readFileSync(sample('images', 'camera.png')), 'camera.png');
  await useBackend('wasm');
  team.warm();
});
afterAll(() => team.close());

/** A size² crop of camera.png at (y0, x0), as coordinates in [−1, 1]² and targets in [−1, 1]. */
function cropSet(size: number, y0 = 180, x0 = 200) {
  const W = camera.shape[1];
  const y = new Float32Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) y[i * size + j] = (camera.values[(y0 + i) * W + x0 + j] / 255) * 2 - 1;
  const x = gridCoords([sampleGrid(size), sampleGrid(size)], [size, size], 'symmetric');
  return { x, y, n: size * size };
}

const SIREN = { method: 'siren', seed: 4, inDim: 2, outDim: 1, arch: { width: 48, hidden: 2 } };

/** Train a fresh SIREN (same seed every time) on the crop; the team when `withTeam`. */
async function train(data: ReturnType<typeof cropSet>, opts: Partial<TrainOptions>, withTeam: boolean) {
  const net = buildNet(SIREN.method, new Rng(SIREN.seed), 2, 1, SIREN.arch);
  const x = tf.tensor2d(data.x, [data.n, 2]);
  const y = tf.tensor2d(data.y, [data.n, 1]);
  try {
    const r = await trainNet(net, { x, y }, { steps: 6, lr: 1e-4, keepBest: false, ...opts, team: withTeam ? { team, spec: SIREN, xHost: data.x, yHost: data.y } : undefined });
    const weights = net.params.map((p) => Float32Array.from(p.v.dataSync()));
    return { r, weights };
  } finally {
    x.dispose();
    y.dispose();
    net.dispose();
  }
}

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let num = 0;
  let den = 0;
  a.forEach((w, i) => w.forEach((v, j) => ((num = Math.max(num, Math.abs(v - b[i][j]))), (den = Math.max(den, Math.abs(v))))));
  return num / den;
}

const bitsOf = (ws: Float32Array[]) => ws.map((w) => Array.from(new Uint32Array(w.buffer)));

describe('data-parallel training (two tfjs-wasm threads)', () => {
  it('gives the one-thread training up to rounding, and the same bits on every two-thread run', async () => {
    const data = cropSet(48);
    const one = await train(data, {}, false);
    const a = await train(data, {}, true);
    const b = await train(data, {}, true);
    expect(one.r.threads).toBe(1);
    expect(a.r.threads).toBe(2);
    expect(bitsOf(a.weights)).toEqual(bitsOf(b.weights));
    expect(a.r.history.map((h) => h.loss)).toEqual(b.r.history.map((h) => h.loss));
    // Same gradients up to float32 rounding of the shard sum: losses and weights agree closely.
    a.r.history.forEach((h, i) => expect(Math.abs(h.loss - one.r.history[i].loss) / one.r.history[i].loss).toBeLessThan(1e-4));
    expect(maxRelDiff(a.weights, one.weights)).toBeLessThan(1e-4);
    // …and training did move them.
    const init = buildNet(SIREN.method, new Rng(SIREN.seed), 2, 1, SIREN.arch);
    const w0 = init.params.map((p) => Float32Array.from(p.v.dataSync()));
    init.dispose();
    expect(maxRelDiff(a.weights, w0)).toBeGreaterThan(1e-4);
  }, 120_000);

  it('trains minibatches in the one-thread order, reproducibly', async () => {
    const data = cropSet(40);
    const opts = { batchSize: 500, steps: 7, seed: 9 };
    const one = await train(data, opts, false);
    const a = await train(data, opts, true);
    const b = await train(data, opts, true);
    expect(a.r.batch).toBe(500);
    expect(bitsOf(a.weights)).toEqual(bitsOf(b.weights));
    a.r.history.forEach((h, i) => expect(Math.abs(h.loss - one.r.history[i].loss) / one.r.history[i].loss).toBeLessThan(1e-4));
    expect(maxRelDiff(a.weights, one.weights)).toBeLessThan(1e-4);
  }, 120_000);

  it('is cancelled between steps, and the team trains again afterwards', async () => {
    const data = cropSet(32);
    const ctl = new AbortController();
    await expect(train(data, { steps: 50, signal: ctl.signal, onStep: (s) => s.step === 2 && ctl.abort() }, true)).rejects.toMatchObject({ code: 'E_CANCELLED' });
    const again = await train(data, { steps: 2 }, true);
    expect(again.r.threads).toBe(2);
    expect(again.r.stepsRun).toBe(2);
  }, 120_000);
});

describe('the default batch', () => {
  it(`is ${DEFAULT_BATCH} samples on a larger field, the full field when smaller or when batch is 0`, async () => {
    const big = { shape: [320, 320], channels: 1, values: camera.values.subarray(0, 320 * 320), mask: new Uint8Array(320 * 320).fill(1), codeRange8: true };
    const tiny = { method: 'siren', width: 8, hidden: 0, steps: 1, backend: 'wasm' };
    expect((await fitNet(big, tiny)).training.batch).toBe(DEFAULT_BATCH);
    expect((await fitNet(big, { ...tiny, batch: 0 })).training.batch).toBe('full');
    expect((await fitNet(big, { ...tiny, batch: 1000 })).training.batch).toBe(1000);
    const small = { ...big, shape: [200, 200], values: camera.values.subarray(0, 40000), mask: new Uint8Array(40000).fill(1) };
    expect((await fitNet(small, tiny)).training.batch).toBe('full');
  }, 120_000);
});
