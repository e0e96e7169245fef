/**
 * The fit task of the backpropagation INRs on real data (camera.png) and the spectral-bias
 * analysis. Sizes are small so that the file runs in well under a minute on 2 CPU cores.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createField, type Field } from '../../main/core/field';
import { InrError } from '../../main/core/errors';
import { decodePng } from '../../main/data/png';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { listBackends, useBackend } from '../../main/inr/nets/backend';
import { NET_METHODS } from '../../main/inr/nets/options';
import { axisCoord, evaluateNetModel, fitNet } from '../../main/inr/nets/task';
import type { NetParams, TaskRequest } from '../../main/api/contract';
import { fitRequest, runFitTask, type TaskHooks } from '../../main/tasks/fit';
import { relativeErrors, roundHalfEven, spectralBias, spectralHeatmapPng, spectralTarget, writeSpectralHeatmap, SPECTRAL_BINS } from '../../main/inr/nets/spectral';
import { decodeNetModel, encodeNetModel } from '../../main/inr/nets/io';
import type { NetModel } from '../../main/inr/nets/task';
import { sample } from '../helpers/samples';

let camera: Field;

function crop(f: Field, y0: number, x0: number, size: number): Field {
  const W = f.shape[1];
  const v = new Float32Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) v[i * size + j] = f.values[(y0 + i) * W + x0 + j];
  return createField({ axes: ['y', 'x'], shape: [size, size], channels: ['gray'], values: v, dtype: 'uint8', provenance: { format: 'png', path: 'camera-crop' } });
}

beforeAll(async () => {
  camera = decodePng(readFileSync(sample('images', 'camera.png')), 'camera.png');
  await useBackend('wasm');
});

/** Small settings per method for the quick task runs. */
const SMALL: Record<string, NetParams> = {
  siren: { width: 32, layers: 1, lr: 1e-3 },
  ffn: { width: 32, layers: 1, features: 16 },
  gauss: { width: 32, layers: 1 },
  wire: { width: 32, layers: 1 },
  sl2a: { width: 32, layers: 1, degree: 16, rank: 8 },
  bwrelu: { width: 32, layers: 1 },
  relu: { width: 32, layers: 1 },
};

/** A net's fit task through the registry, as the engine runs it. */
function netTask(f: Field, method: string, params: NetParams, task?: TaskRequest, mask?: Uint8Array, hooks?: TaskHooks) {
  return runFitTask(f, { method, params, task, mask }, hooks);
}

/** The samples of a field, all observed, as fitNet takes them. */
function samples(f: Field) {
  return { shape: f.shape, channels: f.channels.length, values: f.values, mask: new Uint8Array(f.values.length / f.channels.length).fill(1), codeRange8: f.dtype === 'uint8' };
}

describe('the nets as fit tasks', () => {
  it('SIREN (ω0 = 30, paper init and lr) reaches 30 dB on a 64×64 crop of camera.png within 300 steps on wasm', async () => {
    // The face and the camera: edges and texture, not sky.
    const f = crop(camera, 128, 200, 64);
    const progress: Array<[string, number]> = [];
    const r = await netTask(f, 'siren', { width: 128, layers: 3, steps: 300, targetPsnr: 30, backend: 'wasm' }, undefined, undefined, {
      onProgress: (stage, fraction) => progress.push([stage, fraction]),
    });
    expect(r.report.backend).toMatch(/^wasm/);
    expect(r.report.training!.lr).toBe(1e-4);
    expect(r.report.net).toMatchObject({ omega0: 30, width: 128, hidden: 3 });
    expect(r.report.training!.stopped).toBe('target');
    expect(r.report.training!.steps_run).toBeLessThanOrEqual(300);
    expect(r.report.psnr).toBeGreaterThanOrEqual(30);
    expect(r.report.ssim).toBeGreaterThan(0.8);
    expect(r.report.task).toBe('fit');
    expect(r.reconstruction.shape).toEqual([64, 64]);
    expect(progress.at(-1)![0]).toBe('done');
    expect(progress.some(([s]) => s === 'training')).toBe(true);
    // The stored model (through its JSON file form) reproduces the reconstruction.
    const again = await evaluateNetModel(decodeNetModel(encodeNetModel(r.model as NetModel)), [sampleGrid(64), sampleGrid(64)]);
    let d = 0;
    for (let i = 0; i < again.length; i++) d = Math.max(d, Math.abs(again[i] - r.reconstruction.values[i]));
    expect(d).toBeLessThan(1e-3);
    console.log(
      `SIREN 128×3 on 64×64: ${String(r.report.training!.steps_run)} steps to ${r.report.psnr.toFixed(2)} dB in ${r.report.seconds_fit.toFixed(1)} s (${Number(r.report.training!.steps_per_second).toFixed(1)} steps/s, wasm)`,
    );
  });

  it.each(NET_METHODS.map((m) => [m]))('%s survives drop 0.5 (inpainting) with finite results', async (method) => {
    const f = crop(camera, 140, 220, 24);
    const r = await netTask(f, method, { steps: 25, seed: 3, ...SMALL[method] }, { kind: 'inpaint', drop: 0.5 });
    expect(r.report.task).toBe('inpaint');
    expect(r.report.observed_fraction).toBeGreaterThan(0.4);
    expect(r.report.observed_fraction).toBeLessThan(0.6);
    expect(Number.isFinite(r.report.psnr)).toBe(true);
    expect(Number.isFinite(r.report.psnr_unobserved!)).toBe(true);
    expect(r.reconstruction.values.every(Number.isFinite)).toBe(true);
    expect(r.report.training!.loss_best as number).toBeLessThan((r.report.training!.loss_final as number) * 1.0000001);
    expect(r.report.params).toBeGreaterThan(0);
  });

  it('upsamples with scale, skips NaN samples and honours a user mask', async () => {
    const f = crop(camera, 140, 220, 16);
    f.values[5] = NaN;
    const mask = new Uint8Array(256).fill(1);
    mask[100] = 0;
    const r = await netTask(f, 'gauss', { width: 32, layers: 1, steps: 10 }, { kind: 'superres', scale: 2 }, mask);
    expect(r.report.nan_masked).toBe(1);
    expect(r.report.observed_fraction).toBeCloseTo(254 / 256, 10);
    expect(r.upsampled!.shape).toEqual([32, 32]);
    expect(r.report.output_shape).toEqual([32, 32]);
    expect(r.upsampled!.geometry.spacing).toEqual([0.5, 0.5]);
    expect(r.upsampled!.values.every(Number.isFinite)).toBe(true);
    expect(r.report.task).toBe('superres');
    expect(() => fitRequest('relu', { zscale: 3 })).not.toThrow();
    await expect(netTask(f, 'relu', { width: 16, layers: 1, steps: 3 }, { kind: 'interp', zscale: 3 })).rejects.toThrow(/needs a volume/);
    expect(axisCoord(0, 16, 'symmetric')).toBe(-1);
    expect(axisCoord(15, 16, 'symmetric')).toBe(1);
    expect(axisCoord(8, 16, 'unit')).toBe(0.5);
  });

  it('trains with IGA through the task and reports its settings', async () => {
    const f = crop(camera, 140, 220, 32);
    const r = await netTask(f, 'relu', { width: 32, layers: 1, steps: 15, lr: 5e-3, iga: true, igaEnd: 6 });
    const iga = r.report.training!.iga as { start: number; end: number; groups: number };
    expect(iga).toMatchObject({ start: 0, end: 6 });
    expect(iga.groups).toBeGreaterThanOrEqual(14);
    expect(Number.isFinite(r.report.psnr)).toBe(true);
    await expect(netTask(f, 'relu', { steps: 2, iga: true, batch: 64 })).rejects.toMatchObject({ code: 'E_ARG' });
  });

  it('refuses bad arguments and unavailable backends, stops on NaN with E_NUMERIC, and cancels', async () => {
    const f = crop(camera, 140, 220, 16);
    await expect(netTask(f, 'nerf', {})).rejects.toMatchObject({ code: 'E_ARG' });
    await expect(netTask(f, 'siren', {}, { kind: 'inpaint', drop: 1 })).rejects.toMatchObject({ code: 'E_ARG' });
    expect(() => fitRequest('siren', { scale: 2, zscale: 2 })).toThrow(/not scale and zscale/);
    // An unavailable backend is refused (on a machine with a GPU adapter, WebGPU trains instead).
    const webgpu = (await listBackends()).find((b) => b.id === 'webgpu')!;
    if (webgpu.available) await expect(netTask(f, 'siren', { backend: 'webgpu', steps: 1, width: 16, layers: 1 })).resolves.toBeDefined();
    else await expect(netTask(f, 'siren', { backend: 'webgpu', steps: 1 })).rejects.toMatchObject({ code: 'E_BACKEND' });
    await useBackend('wasm');
    await expect(netTask(f, 'relu', { lr: 1e12 })).rejects.toThrow(/parameter 'lr' must be in/);
    const nan = await fitNet(samples(f), { method: 'relu', width: 16, hidden: 1, steps: 30, lr: 1 * 1e12 }).catch((e) => e);
    expect(nan).toBeInstanceOf(InrError);
    expect(nan.code).toBe('E_NUMERIC');
    expect(nan.message).toMatch(/loss became (NaN|infinite) at step \d+: try a smaller learning rate or ω0/);
    const ac = new AbortController();
    const c = await fitNet(samples(f), { method: 'relu', width: 16, hidden: 1, steps: 1000 }, { signal: ac.signal, onStep: (s) => s.step === 3 && ac.abort() }).catch((e) => e);
    expect(c.code).toBe('E_CANCELLED');
    await expect(fitNet(samples(f), { method: 'relu', width: 16, hidden: 1, steps: 1000 }, { checkCancel: () => true })).rejects.toMatchObject({ code: 'E_CANCELLED' });
    // The backend is still usable afterwards.
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('parameters from flags', () => {
  it('turns command-line strings into typed parameters and refuses ambiguous or bad ones', () => {
    expect(fitRequest('siren', { width: '64', layers: '2', 'target-psnr': '30', iga: 'true', 'iga-end': '20', omega0: '30', backend: 'wasm', lr: '1e-4' }, 'cli').params).toEqual({
      width: 64,
      layers: 2,
      targetPsnr: 30,
      iga: true,
      igaEnd: 20,
      omega0: 30,
      backend: 'wasm',
      lr: 1e-4,
    });
    // s0 belongs to GaussNet and WIRE, not SIREN.
    expect(() => fitRequest('siren', { s0: '3' }, 'cli')).toThrow(/siren has no parameter 's0'/);
    expect(fitRequest('wire', { s0: '3' }, 'cli').params).toEqual({ s0: 3 });
    expect(() => fitRequest('siren', { hidden: '3' }, 'cli')).toThrow(/layers/);
    expect(() => fitRequest('siren', { steps: '1.5' }, 'cli')).toThrow(/integer/);
    expect(() => fitRequest('siren', { lr: 'fast' }, 'cli')).toThrow(/number/);
    expect(() => fitRequest('siren', { warp: '9' }, 'cli')).toThrow(/no parameter 'warp'/);
    // From a request the types must already be right.
    expect(() => fitRequest('siren', { steps: '10' }, 'api')).toThrow(/must be a number, got a string/);
    expect(() => decodeNetModel('{"format":"other"}')).toThrow(InrError);
  });
});

describe('spectral-bias analysis', () => {
  it('builds the FR staircase with round-half-to-even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, 0.51, 3.5].map((v) => roundHalfEven(v) + 0)).toEqual([0, 2, 2, 0, -2, -2, 0, 1, 4]);
    expect(Math.round(2.5)).toBe(3); // the pitfall roundHalfEven avoids
    const { x, y } = spectralTarget();
    expect(x.length).toBe(300);
    expect(x[0]).toBe(-1);
    expect(x[299]).toBe(1);
    for (const v of y) expect(Math.abs(v) % 2).toBe(0);
    expect(new Set(y).size).toBeGreaterThanOrEqual(3);
    // The four tones dominate the spectrum of the target.
    const e = relativeErrors(new Float64Array(300), y, SPECTRAL_BINS);
    expect(e).toEqual([1, 1, 1, 1]);
    expect(relativeErrors(y, y, SPECTRAL_BINS, 'complex')).toEqual([0, 0, 0, 0]);
  });

  it('records the per-frequency relative error against step and draws the heatmap', async () => {
    const r = await spectralBias({ method: 'siren', width: 32, hidden: 2, steps: 60, lr: 1e-3, recordEvery: 10, keepPredictions: true });
    expect(r.bins).toEqual([3, 5, 7, 9]);
    expect(r.hz).toEqual([1.5, 2.5, 3.5, 4.5]);
    expect(r.net).toMatchObject({ omega0: 5 });
    expect(r.steps).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(r.error.length).toBe(4);
    for (const row of r.error) expect(row.length).toBe(7);
    expect(r.predictions!.length).toBe(7);
    // Learning happens: the mean error falls.
    const mean = (k: number) => r.error.reduce((a, row) => a + row[k], 0) / 4;
    expect(mean(6)).toBeLessThan(mean(0));
    const json = JSON.parse(JSON.stringify(r));
    expect(json.error[0].length).toBe(7);
    const png = spectralHeatmapPng(r, { width: 70, rowHeight: 5 });
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    const dir = mkdtempSync(join(tmpdir(), 'inr-spectral-'));
    try {
      writeSpectralHeatmap(join(dir, 'h.png'), r);
      const back = decodePng(readFileSync(join(dir, 'h.png')), 'h.png');
      expect(back.shape).toEqual([4 * 24, 7]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('binary cross-entropy for occupancy', () => {
  it('trains a net on a 0/1 disk with the cross-entropy loss; the stored model evaluates through its sigmoid', async () => {
    const n = 24;
    const values = new Float32Array(n * n).map((_, i) => (Math.hypot((i % n) - 11.5, Math.floor(i / n) - 11.5) < 7 ? 1 : 0));
    const f = createField({ axes: ['y', 'x'], shape: [n, n], channels: ['occupancy'], values, dtype: 'uint8', provenance: { format: 'occupancy', path: 'disk' } });
    const bce = await netTask(f, 'relu', { width: 32, layers: 1, steps: 150, lr: 1e-2, loss: 'bce' });
    const model = bce.model as NetModel;
    expect(model.output).toBe('sigmoid');
    // Values stay inside [0, 1] (a sigmoid), and the disk is found.
    expect(Array.from(bce.reconstruction.values).every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(bce.report.iou!).toBeGreaterThan(0.8);
    const again = await evaluateNetModel(decodeNetModel(encodeNetModel(model)), [sampleGrid(n), sampleGrid(n)]);
    let d = 0;
    for (let i = 0; i < again.length; i++) d = Math.max(d, Math.abs(again[i] - bce.reconstruction.values[i]));
    expect(d).toBeLessThan(1e-4);
    await expect(netTask(f, 'relu', { steps: 2, loss: 'bce', iga: true })).rejects.toThrow(/cross-entropy/);
  });
});
