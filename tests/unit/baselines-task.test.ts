/**
 * The classical baselines as methods of the registry, and checked resampling (the data reduced
 * by the factor, resampled back, scored against the data), through the same fit task as ELM.
 */
import { describe, expect, it } from 'vitest';
import { createField, type Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { fitRequest, runFitTask } from '../../main/tasks/fit';
import { methodCatalog } from '../../main/methods/registry';
import { sample } from '../helpers/samples';

function field(shape: number[], f: (idx: number[]) => number, spacing?: number[]): Field {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    values[i] = f(idx);
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return createField({
    axes: shape.map((_, a) => `a${a}`),
    shape,
    channels: ['v'],
    values,
    dtype: 'float32',
    geometry: spacing ? { spacing } : undefined,
    provenance: { format: 'test', path: 'synthetic' },
  });
}

describe('classical baselines in the registry', () => {
  it('are listed with the tasks they do, and refuse the others with a clear error', async () => {
    const cat = methodCatalog();
    const lanczos = cat.methods.find((m) => m.id === 'lanczos')!;
    expect(lanczos.family).toBe('classical');
    expect(lanczos.tasks).toEqual(['superres', 'interp']);
    expect(lanczos.model).toBeUndefined();
    expect(lanczos.exports).toEqual(['reconstruction']);
    const f = field([16, 16], ([y, x]) => x + y);
    await expect(runFitTask(f, { method: 'lanczos', task: { kind: 'inpaint', drop: 0.5 } })).rejects.toMatchObject({
      code: 'E_ARG',
      message: expect.stringMatching(/cannot inpaint/i),
    });
    await expect(runFitTask(f, { method: 'cubic' })).rejects.toMatchObject({ code: 'E_ARG', message: expect.stringMatching(/cannot represent/i) });
    expect(() => fitRequest('cubic', { budget: '1000' }, 'cli')).toThrow(/stores no parameters/);
  });

  it('linear inpainting is exact on an affine field inside the observed hull', async () => {
    const f = field([40, 50], ([y, x]) => 3 + 0.5 * x - 0.25 * y);
    // Hide 70 % of the interior; the border stays observed, so every hidden sample is inside the hull.
    const use = new Uint8Array(40 * 50).fill(1);
    let s = 7;
    for (let y = 1; y < 39; y++)
      for (let x = 1; x < 49; x++) {
        s = (s * 1103515245 + 12345) % 2 ** 31;
        if (s / 2 ** 31 < 0.7) use[y * 50 + x] = 0;
      }
    const r = await runFitTask(f, { method: 'linear', task: { kind: 'inpaint' }, mask: use });
    expect(r.report.params).toBe(0);
    // Exact up to float32 rounding of values about 30 (error ~1e-6 of the range).
    expect(r.report.psnr_unobserved).toBeGreaterThan(110);
  });

  it('scores a checked super-resolution against the data: nearest recovers a blocky image exactly', async () => {
    // Constant on 2×2 blocks: averaging the blocks and replicating them gives the image back.
    const f = field([32, 24], ([y, x]) => ((Math.floor(y / 2) * 7 + Math.floor(x / 2) * 3) % 11) / 10);
    const r = await runFitTask(f, { method: 'nearest', task: { kind: 'superres', scale: 2, check: true } });
    expect(r.report.psnr).toBe(Infinity);
    expect(r.report.check).toEqual({ factor: 2, reduced_shape: [16, 12] });
    // The output is on the source grid, so it opens in the compare views.
    expect(r.reconstruction.shape).toEqual([32, 24]);
    expect(r.upsampled).toBeUndefined();
    // A smooth image is not blocky: the same check then reports a finite error.
    const g = field([32, 24], ([y, x]) => Math.sin(x / 3) * Math.cos(y / 4));
    const s = await runFitTask(g, { method: 'cubic', task: { kind: 'superres', scale: 2, check: true } });
    expect(Number.isFinite(s.report.psnr)).toBe(true);
  });

  it('scores a checked through-plane resampling on the left-out slices only', async () => {
    // Linear along z: linear interpolation between the kept slices is exact on the left-out ones.
    const f = field([9, 6, 5], ([z, y, x]) => 2 * z + Math.sin(x + y), [3, 1, 1]);
    const r = await runFitTask(f, fitRequest('linear', { zscale: 2, check: true }));
    expect(r.report.check).toEqual({ factor: 2, reduced_shape: [5, 6, 5] });
    // Exact up to float32 rounding.
    expect(r.report.psnr_unobserved).toBeGreaterThan(120);
    // Quadratic along z: not exact, but the kept slices are (psnr over all > over the left-out).
    const q = field([9, 6, 5], ([z, y, x]) => z * z + x - y, [3, 1, 1]);
    const s = await runFitTask(q, fitRequest('linear', { zscale: 2, check: true }));
    expect(s.report.psnr_unobserved!).toBeLessThan(s.report.psnr);
    // Nine slices kept every third: slices 7 and 8 are past the last kept one and not scored.
    const t = await runFitTask(f, fitRequest('linear', { zscale: 3, check: true }));
    expect(t.report.check!.reduced_shape[0]).toBe(3);
    expect(t.report.psnr_unobserved).toBeGreaterThan(120);
    expect(() => fitRequest('linear', { zscale: 1.5, check: true })).not.toThrow();
    await expect(runFitTask(f, fitRequest('linear', { zscale: 1.5, check: true }))).rejects.toThrow(/whole zscale of 2 or more/);
    expect(() => fitRequest('linear', { check: true })).toThrow(/give scale or zscale/);
  });

  it('IDW (one module, one registry line) keeps observed samples, reproduces constants, and beats nearest on camera', async () => {
    const flat = field([20, 30], () => 4.5);
    const r = await runFitTask(flat, { method: 'idw', task: { kind: 'inpaint', drop: 0.8 } });
    expect(Array.from(r.reconstruction.values).every((v) => Math.abs(v - 4.5) < 1e-5)).toBe(true);
    const camera = await openField(sample('images', 'camera.png'));
    const crop = field([96, 96], ([y, x]) => camera.values[(220 + y) * 512 + 200 + x]);
    const idw = await runFitTask(crop, fitRequest('idw', { drop: '0.7', neighbours: '8' }, 'cli'));
    const near = await runFitTask(crop, fitRequest('nearest', { drop: '0.7' }, 'cli'));
    expect(idw.report.psnr_unobserved!).toBeGreaterThan(near.report.psnr_unobserved!);
    // Observed samples are returned as they were.
    const hiddenSeen = idw.reconstruction.values.filter((v, i) => v === crop.values[i]).length;
    expect(hiddenSeen).toBeGreaterThanOrEqual(Math.round(0.25 * 96 * 96));
    expect(() => fitRequest('idw', { power: '0' }, 'cli')).toThrow(/parameter 'power' must be in \[0.5, 8\]/);
  });

  it('runs on a real image through the CLI request: cubic beats nearest at ×2 on camera', async () => {
    const camera = await openField(sample('images', 'camera.png'));
    const crop = field([128, 128], ([y, x]) => camera.values[(200 + y) * 512 + 180 + x]);
    const near = await runFitTask(crop, fitRequest('nearest', { scale: '2', check: 'true' }, 'cli'));
    const cubic = await runFitTask(crop, fitRequest('cubic', { scale: '2', check: 'true' }, 'cli'));
    expect(cubic.report.psnr).toBeGreaterThan(near.report.psnr + 0.5);
  });
});

describe('the CT task through the engine', () => {
  it('runs FBP on a phantom slice as a job, and shows its sinogram and reconstruction', async () => {
    const { EngineService } = await import('../../main/service/engine');
    const engine = new EngineService();
    try {
      const info = await engine.open({ path: sample('images', 'phantom.png') });
      // The phantom is gray stored as RGB: the CT task needs one channel.
      await expect(runFitTask(await openField(sample('images', 'phantom.png')), { method: 'fbp', task: { kind: 'ct', views: 30 } })).rejects.toThrow(/2-D slice of one channel/);
      expect(info.channels.length).toBe(3);
      const slice = field([64, 64], ([y, x]) => (Math.hypot(x - 31.5, y - 31.5) < 20 ? 1 : 0) + (Math.hypot(x - 38, y - 28) < 6 ? 0.5 : 0));
      const r = await runFitTask(slice, { method: 'fbp', task: { kind: 'ct', views: 45 } });
      expect(r.report.ct).toMatchObject({ views: 45, limited_angle: 180 });
      expect(r.sinogram!.shape[0]).toBe(45);
      expect(r.report.psnr).toBeGreaterThan(15);
      // Fewer views, worse FBP: the score follows the data.
      const few = await runFitTask(slice, { method: 'fbp', task: { kind: 'ct', views: 8 } });
      expect(few.report.psnr).toBeLessThan(r.report.psnr);
    } finally {
      await engine.close();
    }
  });
});
