/**
 * Self-similar detail for 2-D super-resolution (main/inr/elm/detail.ts): the symmetry tables,
 * back-projection onto the input, the held-out check that refuses a useless correction, and the
 * method path (`--scale 2|4` on a 2-D image, `detail: none` to turn it off).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng';
import { openField } from '../../main/data/index';
import type { Field } from '../../main/core/field';
import { areaDown2, detailSteps, SYM_MATRICES, SYM_PERM, SYM_PHASE, upsampleWithDetail, type Upsample2 } from '../../main/inr/elm/detail';
import { fitRequest, runFitTask } from '../../main/tasks/fit';
import { psnr } from '../../main/metrics';
import { ElmPool } from '../../main/inr/elm/parallel';
import { sample } from '../helpers/samples';

/** Nearest-neighbour ×2 (each pixel copied into its 2×2 block). */
const nearest2: Upsample2 = async (v, [h, w], C) => {
  const out = new Float32Array(4 * h * w * C);
  for (let i = 0; i < 2 * h; i++) for (let j = 0; j < 2 * w; j++) for (let c = 0; c < C; c++) out[(i * 2 * w + j) * C + c] = v[((i >> 1) * w + (j >> 1)) * C + c];
  return out;
};

/** Bilinear ×2 on the finer grid p = (j + ½)/2 − ½ (edges clamped): a smooth upsampler that blurs. */
const bilinear2: Upsample2 = async (v, [h, w], C) => {
  const out = new Float32Array(4 * h * w * C);
  const at = (i: number, j: number, c: number) => v[(Math.min(h - 1, Math.max(0, i)) * w + Math.min(w - 1, Math.max(0, j))) * C + c];
  for (let i = 0; i < 2 * h; i++)
    for (let j = 0; j < 2 * w; j++) {
      const y = (i + 0.5) / 2 - 0.5;
      const x = (j + 0.5) / 2 - 0.5;
      const y0 = Math.floor(y);
      const x0 = Math.floor(x);
      const fy = y - y0;
      const fx = x - x0;
      for (let c = 0; c < C; c++)
        out[(i * 2 * w + j) * C + c] = (1 - fy) * ((1 - fx) * at(y0, x0, c) + fx * at(y0, x0 + 1, c)) + fy * ((1 - fx) * at(y0 + 1, x0, c) + fx * at(y0 + 1, x0 + 1, c));
    }
  return out;
};

/** A gray crop of astronaut.png (the detail's development image), size × size from (top, left). */
async function astronautCrop(size: number, top = 96, left = 160): Promise<{ field: Field; gray: Float32Array }> {
  const f = await openField(sample('images', 'astronaut.png'), {});
  const C = f.channels.length;
  const gray = new Float32Array(size * size);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += f.values[((top + i) * f.shape[1] + left + j) * C + c];
      gray[i * size + j] = s / C;
    }
  return { field: { ...f, shape: [size, size], values: gray, channels: ['gray'], mask: undefined }, gray };
}

describe('the symmetries of the square', () => {
  it('move a 3×3 patch and its 2×2 block position as rotating or flipping the image does', () => {
    const N = 8;
    const rng = new Rng(3);
    const img = Array.from({ length: N * N }, () => rng.uniform());
    expect(SYM_MATRICES).toHaveLength(8);
    expect([...SYM_PERM[0]]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    for (let t = 0; t < 8; t++) {
      const [a, b, c, d] = SYM_MATRICES[t];
      expect(Math.abs(a * d - b * c)).toBe(1);
      expect([...SYM_PERM[t]].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect([...SYM_PHASE[t]].sort()).toEqual([0, 1, 2, 3]);
      // The transformed image: I'(M·(p − c) + c) = I(p), c the image centre (3.5, 3.5).
      const moved = new Array<number>(N * N);
      const map = (i: number, j: number): [number, number] => {
        const y = i - 3.5;
        const x = j - 3.5;
        return [a * y + b * x + 3.5, c * y + d * x + 3.5];
      };
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          const [ti, tj] = map(i, j);
          moved[ti * N + tj] = img[i * N + j];
        }
      for (let i = 1; i < N - 1; i++)
        for (let j = 1; j < N - 1; j++) {
          const [ti, tj] = map(i, j);
          for (let k = 0; k < 9; k++) {
            const di = Math.floor(k / 3) - 1;
            const dj = (k % 3) - 1;
            const src = SYM_PERM[t][k];
            expect(moved[(ti + di) * N + tj + dj]).toBe(img[(i + Math.floor(src / 3) - 1) * N + j + (src % 3) - 1]);
          }
          expect(SYM_PHASE[t][((i & 1) << 1) | (j & 1)]).toBe(((ti & 1) << 1) | (tj & 1));
        }
    }
  });

  it('×K is a chain of ×2 steps only for powers of two', () => {
    expect([1, 2, 3, 4, 6, 8, 2.5].map(detailSteps)).toEqual([0, 1, 0, 2, 0, 3, 0]);
  });
});

describe('self-similar detail', () => {
  it('adds detail a smooth upsampler misses on a real image, and the result averages back to the input exactly', async () => {
    const size = 128;
    const { gray: truth } = await astronautCrop(size);
    const low = areaDown2(truth, size, size, 1);
    const plain = await bilinear2(low, [size / 2, size / 2], 1);
    const r = await upsampleWithDetail(low, [size / 2, size / 2], 1, 1, bilinear2);
    expect(r.shape).toEqual([size, size]);
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0].applied).toBe(true);
    expect(r.steps[0].held_out_gain_db).toBeGreaterThan(0);
    const gain = psnr(truth, r.values, { dataRange: 255 }) - psnr(truth, plain, { dataRange: 255 });
    expect(gain).toBeGreaterThan(0.3);
    const back = areaDown2(r.values, size, size, 1);
    let worst = 0;
    for (let i = 0; i < back.length; i++) worst = Math.max(worst, Math.abs(back[i] - low[i]));
    expect(worst).toBeLessThan(1e-3);
  });

  it('keeps the upsampler’s estimate when the correction does not lower the held-out error (white noise)', async () => {
    const rng = new Rng(7);
    const h = 64;
    const noise = Float32Array.from({ length: h * h * 2 }, () => rng.normal());
    const r = await upsampleWithDetail(noise, [h, h], 2, 1, nearest2);
    expect(r.steps[0].applied).toBe(false);
    expect(r.steps[0].held_out_gain_db).toBeLessThanOrEqual(0);
    expect(r.values).toEqual(await nearest2(noise, [h, h], 2));
  });

  it('skips inputs too small to learn from, and inputs with missing values', async () => {
    const small = new Float32Array(8 * 8).fill(1);
    const r = await upsampleWithDetail(small, [8, 8], 1, 1, nearest2);
    expect(r.steps[0].applied).toBe(false);
    const holes = new Float32Array(32 * 32).map((_, i) => (i === 5 ? NaN : i % 7));
    expect((await upsampleWithDetail(holes, [32, 32], 1, 1, nearest2)).steps[0].applied).toBe(false);
  });
});

describe('ELM super-resolution with the detail', () => {
  it('beats its own kernel estimate at ×2 and ×4 on checked crops, reports each step, and turns off with detail none', async () => {
    for (const [size, scale, gain] of [
      [192, 2, 0.5],
      [256, 4, 0.2],
    ]) {
      const { field } = await astronautCrop(size, 64, 160 - (size - 192));
      const on = await runFitTask(field, fitRequest('elm', { scale, check: true }, 'cli'));
      const off = await runFitTask(field, fitRequest('elm', { scale, check: true, detail: 'none' }, 'cli'));
      const steps = (on.report.mesh as { detail?: Array<{ applied: boolean }> }).detail!;
      expect(steps.map((s) => s.applied)).toEqual(new Array(Math.log2(scale)).fill(true));
      expect((off.report.mesh as { detail?: unknown }).detail).toBeUndefined();
      expect(on.report.psnr).toBeGreaterThan(off.report.psnr + gain);
      expect(on.reconstruction.shape).toEqual([size, size]);
    }
  });

  it('applies the correction on a thread pool exactly as on one thread, and can be cancelled there', async () => {
    const { gray: truth } = await astronautCrop(128);
    const low = areaDown2(truth, 128, 128, 1);
    const pool = new ElmPool(2);
    try {
      const one = await upsampleWithDetail(low, [64, 64], 1, 1, bilinear2);
      const many = await upsampleWithDetail(low, [64, 64], 1, 1, bilinear2, { pool });
      expect(many.steps[0].applied).toBe(true);
      expect(many.values).toEqual(one.values);
      const ctl = new AbortController();
      const run = upsampleWithDetail(low, [64, 64], 1, 1, bilinear2, {
        pool,
        signal: ctl.signal,
        onProgress: (f) => {
          // 0.7: the correction is learnt, its application on the pool begins.
          if (f >= 0.7) ctl.abort();
        },
      });
      await expect(run).rejects.toThrow(/cancel|abort/i);
    } finally {
      await pool.close();
    }
  });

  it('reports its progress through both steps of ×4 in order, up to 1', async () => {
    const { gray: truth } = await astronautCrop(128);
    const low = areaDown2(areaDown2(truth, 128, 128, 1), 64, 64, 1);
    const seen: number[] = [];
    const r = await upsampleWithDetail(low, [32, 32], 1, 2, bilinear2, { onProgress: (f) => seen.push(f) });
    expect(r.steps).toHaveLength(2);
    expect(seen.length).toBeGreaterThan(10);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen.at(-1)).toBeCloseTo(1, 12);
  });

  it('after a step without detail, plain ×2 steps follow', async () => {
    const rng = new Rng(11);
    const h = 64;
    const noise = Float32Array.from({ length: h * h }, () => rng.normal());
    const r = await upsampleWithDetail(noise, [h, h], 1, 2, nearest2);
    expect(r.steps.map((s) => [s.applied, s.samples])).toEqual([
      [false, r.steps[0].samples],
      [false, 0],
    ]);
    expect(r.values).toEqual(await nearest2(await nearest2(noise, [h, h], 1), [2 * h, 2 * h], 1));
  });

  it('refuses detail on a task other than super-resolution', async () => {
    const { field } = await astronautCrop(32);
    await expect(runFitTask(field, fitRequest('elm', { drop: 0.5, detail: 'self' }, 'cli'))).rejects.toThrow(/detail/);
  });
});
