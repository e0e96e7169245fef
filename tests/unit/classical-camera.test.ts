/**
 * The inpainting baselines on a real image: the central 128² of camera.png with 70 % of the
 * pixels hidden at random. Each method must beat filling the holes with the mean of the observed
 * pixels by a margin derived from the image itself:
 *
 * - D(h), the mean squared difference of pixels h apart along rows and columns (the image's
 *   structure function), is the error of copying a pixel h away. At 30 % density a hidden pixel
 *   has an observed one among its 12 neighbours within distance 2 with probability 1 − 0.7¹²
 *   ≈ 98.6 %, so the nearest-sample fill errs about D(≤ 2): it must reach MSE ≤ D(2).
 * - The interpolators combine several observed neighbours around the pixel (at distances 1 to 2),
 *   which must do at least as well as copying the adjacent pixel: MSE ≤ D(1).
 * In PSNR: PSNR ≥ PSNR(mean fill) + 10·log10(MSE(mean fill)/D(h)).
 */
import { describe, expect, it } from 'vitest';
import { openField } from '../../main/data/index';
import { inpaint } from '../../main/classical/index';
import { psnr } from '../../main/metrics/index';
import { Rng } from '../../main/core/rng';
import { sample } from '../helpers/samples';

describe('inpainting camera.png (128² crop, 70 % hidden)', async () => {
  const field = await openField(sample('images', 'camera.png'));
  const [H, W] = field.shape;
  const S = 128;
  const [y0, x0] = [(H - S) / 2, (W - S) / 2];
  const v = new Float32Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) v[y * S + x] = field.values[(y0 + y) * W + x0 + x];
  const rng = new Rng(1);
  const observed = new Uint8Array(S * S).map(() => (rng.uniform() < 0.7 ? 0 : 1));
  const hidden = observed.map((o) => 1 - o);

  let mean = 0;
  let m = 0;
  for (let i = 0; i < S * S; i++)
    if (observed[i]) {
      mean += v[i];
      m++;
    }
  mean /= m;
  const meanFill = v.map((x, i) => (observed[i] ? x : mean));
  const R = 255;
  const psnrMean = psnr(v, meanFill, { dataRange: R, mask: hidden });
  const mseMean = R ** 2 / 10 ** (psnrMean / 10);
  const D = (h: number) => {
    let s = 0;
    let n = 0;
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        if (x + h < S) {
          s += (v[y * S + x + h] - v[y * S + x]) ** 2;
          n++;
        }
        if (y + h < S) {
          s += (v[(y + h) * S + x] - v[y * S + x]) ** 2;
          n++;
        }
      }
    return s / n;
  };

  for (const [method, lag] of [
    ['linear', 1],
    ['cubic', 1],
    ['natural', 1],
    ['nconv', 1],
    ['nearest', 2],
  ] as const) {
    it(`${method} beats the mean fill by 10·log10(MSE_mean / D(${lag}))`, () => {
      const out = inpaint(method, v, [S, S], 1, observed);
      const margin = 10 * Math.log10(mseMean / D(lag));
      expect(margin).toBeGreaterThan(3); // the image is far from flat: the bound is not vacuous
      expect(psnr(v, out, { dataRange: R, mask: hidden })).toBeGreaterThan(psnrMean + margin);
    });
  }
});
