/**
 * Hole filling before an ELM fit: detecting cells left under-determined by a mask, and the
 * push–pull fill that keeps observed samples and bridges holes smoothly in 1D, 2D and 3D.
 */
import { describe, expect, it } from 'vitest';
import { hasUnderdeterminedCells, observedPerCell, pushPullFill } from '../../main/inr/elm/holes';
import { openField } from '../../main/data/index';
import { runFitTask } from '../../main/tasks/fit';
import { psnr } from '../../main/metrics/index';
import { sample } from '../helpers/samples';

describe('hole detection', () => {
  it('counts observed samples per cell support, overlaps included', () => {
    const mask = new Uint8Array(20).fill(1);
    const counts = observedPerCell(mask, [20], [2], 0.2);
    // Cores of 10, margins of 2: the first cell sees 0–11, the second 8–19.
    expect(Array.from(counts)).toEqual([12, 12]);
    mask.fill(0, 0, 10);
    expect(Array.from(observedPerCell(mask, [20], [2], 0.2))).toEqual([2, 10]);
    expect(hasUnderdeterminedCells(mask, [20], [2], 0.2, 5)).toBe(true);
    expect(hasUnderdeterminedCells(mask, [20], [2], 0.2, 2)).toBe(false);
  });

  it('does not flag random drop-outs, only a painted hole', () => {
    const [H, W] = [64, 64];
    const drop = new Uint8Array(H * W);
    for (let i = 0; i < drop.length; i++) drop[i] = i % 3 === 0 ? 1 : 0; // a third observed everywhere
    expect(hasUnderdeterminedCells(drop, [H, W], [4, 4], 0.15, 40)).toBe(false);
    const hole = new Uint8Array(H * W).fill(1);
    for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) hole[y * W + x] = 0;
    expect(hasUnderdeterminedCells(hole, [H, W], [8, 8], 0.15, 40)).toBe(true);
  });
});

describe('push–pull fill', () => {
  it('keeps observed samples exactly and bridges a 1D gap between its rims', () => {
    const n = 50;
    const v = new Float32Array(n);
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      v[i] = i < 20 ? 10 : i >= 30 ? 20 : 999;
      m[i] = i < 20 || i >= 30 ? 1 : 0;
    }
    const f = pushPullFill(v, [n], 1, m);
    for (let i = 0; i < n; i++) if (m[i]) expect(f[i]).toBe(v[i]);
    for (let i = 20; i < 30; i++) {
      expect(f[i]).toBeGreaterThanOrEqual(10);
      expect(f[i]).toBeLessThanOrEqual(20);
    }
    expect(f[21]).toBeLessThan(f[28]);
  });

  it('fills a square hole in a smooth 2D ramp closely, per channel', () => {
    const [H, W] = [48, 40];
    const v = new Float32Array(H * W * 2);
    const m = new Uint8Array(H * W).fill(1);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        v[(y * W + x) * 2] = 2 * x + y;
        v[(y * W + x) * 2 + 1] = -x;
      }
    for (let y = 14; y < 34; y++) for (let x = 10; x < 30; x++) m[y * W + x] = 0;
    const f = pushPullFill(v, [H, W], 2, m);
    let worst = 0;
    for (let y = 14; y < 34; y++)
      for (let x = 10; x < 30; x++) {
        worst = Math.max(worst, Math.abs(f[(y * W + x) * 2] - (2 * x + y)) / 20, Math.abs(f[(y * W + x) * 2 + 1] + x) / 20);
      }
    // Within a fraction of the hole's value span (a ramp crosses ~60 units over the hole).
    expect(worst).toBeLessThan(0.5);
  });

  it('fills a 3D hole', () => {
    const s = [12, 10, 14];
    const n = s[0] * s[1] * s[2];
    const v = new Float32Array(n).fill(5);
    const m = new Uint8Array(n).fill(1);
    for (let z = 3; z < 9; z++) for (let y = 2; y < 8; y++) for (let x = 4; x < 10; x++) m[(z * s[1] + y) * s[2] + x] = 0;
    const f = pushPullFill(v, s, 1, m);
    for (let i = 0; i < n; i++) expect(f[i]).toBeCloseTo(5, 5);
  });
});

describe('ELM inpainting of a painted hole', () => {
  it('beats filling the hole with the mean of the observed image', async () => {
    const field = await openField(sample('images', 'camera.png'));
    const [H, W] = field.shape;
    const use = new Uint8Array(H * W).fill(1);
    const hidden = new Uint8Array(H * W);
    for (let y = 200; y < 240; y++)
      for (let x = 220; x < 260; x++) {
        use[y * W + x] = 0;
        hidden[y * W + x] = 1;
      }
    const r = await runFitTask(field, { method: 'elm', params: { budget: 60000 }, mask: use });
    let sum = 0;
    let cnt = 0;
    for (let i = 0; i < H * W; i++)
      if (use[i]) {
        sum += field.values[i];
        cnt++;
      }
    const meanFill = new Float32Array(H * W).fill(sum / cnt);
    const baseline = psnr(field.values, meanFill, { dataRange: 255, mask: hidden, channels: 1 });
    expect(r.report.mesh?.hole_fill).toBe(true);
    expect(r.report.psnr_unobserved).toBeGreaterThan(baseline + 3);
    // Outside the hole the fit is as good as usual.
    expect(psnr(field.values, r.reconstruction.values, { dataRange: 255, mask: use, channels: 1 })).toBeGreaterThan(25);
  });
});
