/**
 * Which local model an ELM run uses, and the default size (issue 14 point 5): with no budget, a
 * fit never stores more parameters than the data values it saw.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createField } from '../../main/core/field';
import { runFitTask, fitRequest } from '../../main/tasks/fit';
import { closeProcessPool } from '../../main/inr/elm/parallel';

function image(H: number, W: number, C = 1) {
  const values = new Float32Array(H * W * C);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) values[(y * W + x) * C + c] = Math.sin(x / 3 + c) * Math.cos(y / 4) * 50 + 100;
  return createField({
    axes: ['y', 'x'],
    shape: [H, W],
    channels: Array.from({ length: C }, (_, c) => `c${c}`),
    values,
    dtype: 'float32',
    provenance: { format: 'test', path: 'synthetic' },
  });
}

afterAll(async () => {
  await closeProcessPool();
});

describe('default size of an ELM fit', () => {
  it('represents a small image with no more parameters than values', async () => {
    for (const [H, W, C] of [
      [8, 8, 1],
      [12, 10, 3],
      [40, 40, 1],
    ]) {
      const r = await runFitTask(image(H, W, C), fitRequest('elm', {}));
      expect(r.report.params).toBeLessThanOrEqual(H * W * C);
      expect(r.report.mesh?.activation).toBe('sine');
    }
  });

  it('ELM+BEAM stays within the data values too', async () => {
    const r = await runFitTask(image(16, 16), fitRequest('elm-beam', {}));
    expect(r.report.params).toBeLessThanOrEqual(256);
  });

  it('inpaints with the kernel limit, storing exactly the observed samples', async () => {
    const r = await runFitTask(image(24, 28, 2), fitRequest('elm', { drop: 0.6 }));
    expect(r.report.mesh?.activation).toMatch(/^kernel/);
    const observed = Math.round(r.report.observed_fraction * 24 * 28);
    expect(r.report.params).toBe(observed * 2);
    expect(r.report.psnr_unobserved!).toBeGreaterThan(30);
  });

  it('uses random features when asked for them, or when the budget is below the observed values', async () => {
    const f = image(24, 24);
    // Random-feature settings alone do not switch the model (a form sends its defaults); they are named in a warning.
    const a = await runFitTask(f, fitRequest('elm', { drop: 0.5, hidden: 16 }));
    expect(a.report.mesh?.activation).toMatch(/^kernel/);
    expect(a.report.warnings?.[0]).toMatch(/^hidden set the random features/);
    const b = await runFitTask(f, fitRequest('elm', { drop: 0.5, budget: 100 }));
    expect(b.report.mesh?.activation).toBe('sine');
    expect(b.report.params).toBeLessThanOrEqual(100);
    const c = await runFitTask(f, fitRequest('elm', { drop: 0.5, features: 'random' }));
    expect(c.report.mesh?.activation).toBe('sine');
    // With no budget, random features for inpainting stay within the observed values.
    const observed = Math.round(c.report.observed_fraction * 24 * 24);
    expect(c.report.params).toBeLessThanOrEqual(observed);
  });

  it('resamples with the kernel limit and an area pixel model for super-resolution', async () => {
    const r = await runFitTask(image(32, 32), fitRequest('elm', { scale: 2, check: true }));
    expect(r.report.mesh?.activation).toMatch(/^kernel.*area pixels/);
    expect(r.report.params).toBe(16 * 16);
    const p = await runFitTask(image(32, 32), fitRequest('elm', { scale: 2, check: true, pixel: 'point' }));
    expect(p.report.mesh?.activation).not.toMatch(/area/);
  });

  it('fills a painted hole wider than a context by push–pull, and leaves nodata regions alone', async () => {
    const f = image(48, 48);
    const use = new Uint8Array(48 * 48).fill(1);
    for (let y = 10; y < 34; y++) for (let x = 12; x < 36; x++) use[y * 48 + x] = 0;
    const r = await runFitTask(f, { method: 'elm', mask: use });
    expect(r.report.mesh?.activation).toMatch(/^kernel/);
    expect(r.report.mesh?.hole_fill).toBe(true);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < use.length; i++)
      if (use[i]) {
        sum += f.values[i];
        n++;
      }
    let e2 = 0;
    let e2mean = 0;
    let m = 0;
    for (let i = 0; i < use.length; i++)
      if (!use[i]) {
        e2 += (r.reconstruction.values[i] - f.values[i]) ** 2;
        e2mean += (sum / n - f.values[i]) ** 2;
        m++;
      }
    expect(e2 / m).toBeLessThan(0.5 * (e2mean / m));
    // Half the grid is nodata: nothing there to predict, so no fill, and a random drop elsewhere
    // is predicted by the kernel cells.
    const g = { ...image(40, 40), mask: Uint8Array.from({ length: 1600 }, (_, i) => (i % 40 < 20 ? 1 : 0)) };
    const q = await runFitTask(g, fitRequest('elm', { drop: 0.6 }));
    expect(q.report.mesh?.hole_fill).toBeUndefined();
    expect(q.report.params).toBe(Math.round(q.report.observed_fraction * 1600));
  });
});
