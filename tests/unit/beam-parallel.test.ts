/**
 * BEAM on the ELM worker pool (beam/parallel.ts) gives the one-thread fit and reconstruction bit
 * for bit, for every strategy, with masks (empty cells), on 2-D colour and 3-D data, on the
 * sample grid and on a finer one; it can be cancelled, and the pool works again afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openField } from '../../main/data/index';
import type { Field } from '../../main/core/field';
import type { FitInput } from '../../main/inr/elm/fit';
import { ElmPool } from '../../main/inr/elm/parallel';
import { finerGrid, sampleGrid } from '../../main/inr/elm/mesh';
import { evaluateBeam, evaluateBeamParallel, fitBeam, fitBeamParallel, type BeamModel } from '../../main/inr/elm/beam/index';
import { groupCells } from '../../main/inr/elm/beam/geometry';
import { evaluateSlabs, solvePieces } from '../../main/inr/elm/beam/schedule';
import { sample } from '../helpers/samples';

/** The central box of `size` per axis (clipped to the field). */
function crop(f: Field, size: number[]): FitInput {
  const d = f.shape.length;
  const C = f.channels.length;
  const n = f.shape.map((L, a) => Math.min(L, size[a]));
  const o = f.shape.map((L, a) => Math.floor((L - n[a]) / 2));
  const values = new Float32Array(n.reduce((a, b) => a * b, 1) * C);
  const idx = new Array<number>(d).fill(0);
  for (let i = 0; i < values.length / C; i++) {
    let src = 0;
    for (let a = 0; a < d; a++) src = src * f.shape[a] + o[a] + idx[a];
    for (let c = 0; c < C; c++) values[i * C + c] = f.values[src * C + c];
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < n[a]) break;
      idx[a] = 0;
    }
  }
  return { values, shape: n, channels: C };
}

/** Same IEEE bits everywhere (NaN payloads included), not just equal values. */
function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

const pools = [new ElmPool(2), new ElmPool(3)];
afterAll(async () => {
  for (const p of pools) await p.close();
});

async function expectSame(input: FitInput, opts: Parameters<typeof fitBeam>[1], grids = input.shape.map((L) => sampleGrid(L))): Promise<BeamModel> {
  const serial = fitBeam(input, opts);
  const rec = evaluateBeam(serial, grids);
  for (const pool of pools) {
    const par = await fitBeamParallel(pool, input, opts);
    expect(par.cells).toEqual(serial.cells);
    expect(par.spec).toEqual(serial.spec);
    expect(par.stats!.freq).toBe(serial.stats!.freq);
    expect(par.stats!.freqScores).toEqual(serial.stats!.freqScores);
    expect(bits(par.weights)).toEqual(bits(serial.weights));
    expect(bits(await evaluateBeamParallel(pool, par, grids))).toEqual(bits(rec));
  }
  return serial;
}

describe('BEAM on the worker pool', () => {
  it('equals the one-thread fit bit for bit on an RGB photograph, capacity, split and best, frequency probed', async () => {
    const astro = crop(await openField(sample('images', 'astronaut.png'), {}), [64, 80]);
    for (const strategy of ['auto', 'best'] as const) {
      const model = await expectSame(astro, { budget: 6000, strategy });
      if (strategy === 'auto') expect(new Set(model.cells.map((c) => c.layer)).size).toBeGreaterThan(1);
    }
  }, 120_000);

  it('equals it with a mask that leaves cells empty, and on a finer grid (super-resolution)', async () => {
    const cam = crop(await openField(sample('images', 'camera.png'), {}), [128, 128]);
    const mask = new Uint8Array(128 * 128).fill(1);
    for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) if (y < 70 && x < 70) mask[y * 128 + x] = 0;
    // A hole of 70² samples: the dyadic cells inside it see no sample and get the mean of the others.
    const model = await expectSame({ ...cam, mask }, { budget: 8000, holdout: true, strategy: 'split' }, [finerGrid(128, 1.5), finerGrid(128, 2)]);
    // Some cells saw nothing: zero output weights, the mean of the others.
    const empty = model.cells.filter((_, i) => model.weights.subarray(model.offsets[i], model.offsets[i + 1] - 1).every((w) => w === 0));
    expect(empty.length).toBeGreaterThan(0);
  }, 120_000);

  it('equals it on a 3-D volume', async () => {
    const colin = crop(await openField(sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'), {}), [24, 40, 36]);
    await expectSame(colin, { budget: 20000 });
  }, 120_000);

  it('stops on an abort signal with E_CANCELLED, and the pool fits again after it', async () => {
    const cam = crop(await openField(sample('images', 'camera.png'), {}), [128, 128]);
    const pool = pools[0];
    const ctl = new AbortController();
    const stages: string[] = [];
    const run = fitBeamParallel(
      pool,
      cam,
      { budget: 20000, freq: 1 },
      {
        signal: ctl.signal,
        onProgress: (s) => {
          stages.push(s);
          if (s === 'building mesh') setImmediate(() => ctl.abort());
        },
      },
    );
    await expect(run).rejects.toMatchObject({ code: 'E_CANCELLED' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      evaluateBeamParallel(
        pool,
        fitBeam(cam, { budget: 2000, freq: 1 }),
        cam.shape.map((L) => sampleGrid(L)),
        { signal: aborted.signal },
      ),
    ).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
    const again = await fitBeamParallel(pool, cam, { budget: 2000, freq: 1 });
    expect(bits(again.weights)).toEqual(bits(fitBeam(cam, { budget: 2000, freq: 1 }).weights));
  }, 120_000);
});

describe('BEAM work schedule', () => {
  it('cuts the solve into pieces of one group each, every cell once, larger pieces first', async () => {
    const astro = crop(await openField(sample('images', 'astronaut.png'), {}), [96, 112]);
    const model = fitBeam(astro, { budget: 12000, freq: 1 });
    const groups = groupCells(
      model.spec,
      model.cells,
      astro.shape.map((L) => sampleGrid(L)),
    );
    const pieces = solvePieces(model.spec, groups, 2);
    expect(pieces.flat().sort((a, b) => a - b)).toEqual(model.cells.map((_, i) => i));
    const groupOf = new Map<number, number>();
    groups.forEach((g, gi) => g.cells.forEach((id) => groupOf.set(id, gi)));
    for (const p of pieces) expect(new Set(p.map((id) => groupOf.get(id))).size).toBe(1);
    expect(pieces.length).toBeGreaterThanOrEqual(Math.min(groups.length, 8));
  });

  it('cuts the output into contiguous slabs covering the first axis once', async () => {
    const astro = crop(await openField(sample('images', 'astronaut.png'), {}), [96, 112]);
    const model = fitBeam(astro, { budget: 12000, freq: 1 });
    const grids = [finerGrid(96, 2), finerGrid(112, 2)];
    const slabs = evaluateSlabs(model.spec, groupCells(model.spec, model.cells, grids), grids, 2);
    expect(slabs.length).toBeGreaterThan(2);
    expect(slabs[0].j0).toBe(0);
    expect(slabs.at(-1)!.j1).toBe(192);
    for (let i = 1; i < slabs.length; i++) expect(slabs[i].j0).toBe(slabs[i - 1].j1);
    expect(evaluateSlabs(model.spec, groupCells(model.spec, model.cells, grids), grids, 1)).toHaveLength(1);
  });
});
