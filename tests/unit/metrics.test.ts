import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sample } from '../helpers/samples';
import { decodePng } from '../../main/data/png';
import { createField, type Field } from '../../main/core/field';
import { InrError } from '../../main/core/errors';
import { dataRangeOf, fieldMetrics, gaussianKernel1d, mae, mse, psnr, reflectIndex, rmse, ssim, ssimDetailed, ssimMap, ssimVolume, SSIM_WINDOW } from '../../main/metrics';

/** An image as float64 k/255, as in REFERENCE.md. */
interface Img {
  field: Field;
  x: Float64Array;
  H: number;
  W: number;
  C: number;
}

function loadImage(name: string): Img {
  const path = sample('images', name);
  const field = decodePng(new Uint8Array(readFileSync(path)), path);
  const [H, W] = field.shape;
  return { field, x: Float64Array.from(field.values, (k) => k / 255), H, W, C: field.channels.length };
}

/** box3(x): mean over a 3×3 window, edges replicated, per channel (REFERENCE.md). */
function box3(x: Float64Array, H: number, W: number, C: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let di = -1; di <= 1; di++) {
          const ii = Math.min(H - 1, Math.max(0, i + di));
          for (let dj = -1; dj <= 1; dj++) {
            const jj = Math.min(W - 1, Math.max(0, j + dj));
            s += x[(ii * W + jj) * C + c];
          }
        }
        out[(i * W + j) * C + c] = s / 9;
      }
    }
  }
  return out;
}

/** quantN(x): each 8-bit k becomes floor(k / (256/N)) · (256/N), then / 255 (REFERENCE.md). */
function quant(raw: Float32Array, N: number): Float64Array {
  const q = 256 / N;
  return Float64Array.from(raw, (k) => (Math.floor(k / q) * q) / 255);
}

/** Deterministic pseudo-random numbers in [0,1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function expectInrError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InrError);
  expect((caught as InrError).code).toBe(code);
}

let camera: Img;
let astronaut: Img;
beforeAll(() => {
  camera = loadImage('camera.png');
  astronaut = loadImage('astronaut.png');
});

describe('reference values (scikit-image 0.26, REFERENCE.md)', () => {
  const rows = [
    { image: 'camera', transform: 'box3', ssim: 0.850258, psnr: 29.4537 },
    { image: 'camera', transform: 'quant32', ssim: 0.946452, psnr: 35.6116 },
    { image: 'astronaut', transform: 'box3', ssim: 0.927254, psnr: 29.9112 },
    { image: 'astronaut', transform: 'quant16', ssim: 0.886341, psnr: 29.8583 },
  ] as const;

  for (const row of rows) {
    it(`${row.image} vs ${row.transform}(${row.image})`, () => {
      const img = row.image === 'camera' ? camera : astronaut;
      expect([img.H, img.W, img.C]).toEqual(row.image === 'camera' ? [512, 512, 1] : [512, 512, 3]);
      const y = row.transform === 'box3' ? box3(img.x, img.H, img.W, img.C) : quant(img.field.values, Number(row.transform.slice(5)));
      const s = ssim(img.x, y, { width: img.W, height: img.H, channels: img.C, dataRange: 1 });
      const p = psnr(img.x, y, { dataRange: 1 });
      expect(Math.abs(s - row.ssim)).toBeLessThan(1e-3);
      expect(Math.abs(p - row.psnr)).toBeLessThan(1e-3);
    });
  }

  it('multichannel SSIM is the mean of the per-channel SSIMs', () => {
    const { x, H, W } = astronaut;
    const y = box3(x, H, W, 3);
    const detail = ssimDetailed(x, y, { width: W, height: H, channels: 3, dataRange: 1 });
    expect(detail.perChannel).toHaveLength(3);
    expect(detail.pixels).toBe((H - 10) * (W - 10));
    for (let c = 0; c < 3; c++) {
      const xc = x.filter((_, i) => i % 3 === c);
      const yc = y.filter((_, i) => i % 3 === c);
      expect(ssim(xc, yc, { width: W, height: H, dataRange: 1 })).toBeCloseTo(detail.perChannel[c], 12);
    }
    expect(detail.ssim).toBeCloseTo((detail.perChannel[0] + detail.perChannel[1] + detail.perChannel[2]) / 3, 14);
  });

  it('works on raw 0..255 float32 Fields with dataRange 255 (scale invariant)', () => {
    const { field, x, H, W } = camera;
    const y = box3(x, H, W, 1);
    const estimate = createField({ ...field, values: Float32Array.from(y, (v) => v * 255), mask: undefined });
    const m = fieldMetrics(field, estimate, { dataRange: 255 });
    expect(Math.abs(m.psnr - 29.4537)).toBeLessThan(1e-3);
    expect(Math.abs((m.ssim ?? NaN) - 0.850258)).toBeLessThan(1e-3);
    expect(m.dataRange).toBe(255);
    expect(m.validSamples).toBe(H * W);
    expect(m.rmse).toBeCloseTo(Math.sqrt(m.mse), 12);
  });

  it('computes camera 512² SSIM well under a second', () => {
    const { x, H, W } = camera;
    const y = box3(x, H, W, 1);
    ssim(x, y, { width: W, height: H, dataRange: 1 }); // warm-up (JIT)
    const t0 = performance.now();
    ssim(x, y, { width: W, height: H, dataRange: 1 });
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('SSIM filter details', () => {
  it("uses scipy's 11-tap Gaussian, σ = 1.5, truncate 3.5", () => {
    const w = gaussianKernel1d();
    expect(w).toHaveLength(11);
    expect(SSIM_WINDOW).toBe(11);
    expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 15);
    for (let k = 0; k < 5; k++) expect(w[k]).toBe(w[10 - k]);
    expect(w[5] / w[4]).toBeCloseTo(Math.exp(1 / (2 * 1.5 * 1.5)), 12);
  });

  it("reflectIndex is scipy's mode 'reflect' (d c b a | a b c d)", () => {
    expect([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 4))).toEqual([2, 1, 0, 0, 1, 2, 3, 3, 2, 1]);
    expect(reflectIndex(-7, 1)).toBe(0);
  });

  it('matches scipy.ndimage.gaussian_filter(mode="reflect") at the borders of the map', () => {
    // Values computed with numpy/scipy 1.17 from the same formula as skimage (full=True map).
    const H = 13;
    const W = 12;
    const a = new Float64Array(H * W);
    const b = new Float64Array(H * W);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        a[i * W + j] = ((i * 7 + j * 3) % 11) / 10;
        b[i * W + j] = a[i * W + j] + (0.05 * ((i * j) % 5)) / 4 - (j === 0 ? 0.1 : 0);
      }
    }
    const map = ssimMap(a, b, { width: W, height: H, dataRange: 1 });
    const expected: [number, number, number][] = [
      [0, 0, 0.9822585753095847],
      [0, 5, 0.9981346926810089],
      [6, 0, 0.9765215927579346],
      [12, 11, 0.9980417875195665],
      [6, 6, 0.9975798511183244],
    ];
    for (const [i, j, v] of expected) expect(map[i * W + j]).toBeCloseTo(v, 10);
    expect(ssim(a, b, { width: W, height: H, dataRange: 1 })).toBeCloseTo(0.9975696188468611, 12);
  });

  it('the mean is the mean of the map over the interior (5-pixel crop)', () => {
    const { x, H, W } = camera;
    const y = quant(camera.field.values, 32);
    const map = ssimMap(x, y, { width: W, height: H, dataRange: 1 });
    let s = 0;
    for (let i = 5; i < H - 5; i++) for (let j = 5; j < W - 5; j++) s += map[i * W + j];
    expect(ssim(x, y, { width: W, height: H, dataRange: 1 })).toBeCloseTo(s / ((H - 10) * (W - 10)), 12);
  });
});

describe('identical inputs', () => {
  it('give SSIM 1, PSNR Infinity, RMSE and MAE 0', () => {
    for (const img of [camera, astronaut]) {
      const copy = Float64Array.from(img.x);
      expect(ssim(img.x, copy, { width: img.W, height: img.H, channels: img.C, dataRange: 1 })).toBeCloseTo(1, 12);
      expect(psnr(img.x, copy, { dataRange: 1 })).toBe(Infinity);
      expect(rmse(img.x, copy)).toBe(0);
      expect(mae(img.x, copy)).toBe(0);
      const m = fieldMetrics(img.field, img.field);
      expect(m.psnr).toBe(Infinity);
      expect(m.ssim).toBeCloseTo(1, 12);
      expect(m.rmse).toBe(0);
    }
  });
});

describe('pointwise errors on known arrays', () => {
  const a = new Float32Array([1, 2, 3, 4]);
  const b = new Float64Array([1, 0, 3, 8]);

  it('mse, rmse, mae, psnr', () => {
    // differences 0, 2, 0, −4
    expect(mse(a, b)).toBe(5);
    expect(rmse(a, b)).toBeCloseTo(Math.sqrt(5), 14);
    expect(mae(a, b)).toBe(1.5);
    expect(psnr(a, b, { dataRange: 10 })).toBeCloseTo(10 * Math.log10(100 / 5), 12);
    expect(psnr([0, 0], [0.1, 0.1], { dataRange: 1 })).toBeCloseTo(20, 10);
  });

  it('masked variants count whole samples of channel-last data', () => {
    // 2 samples × 2 channels: sample 0 = (1,2) vs (1,0), sample 1 = (3,4) vs (3,8)
    expect(rmse(a, b, { mask: new Uint8Array([1, 0]), channels: 2 })).toBeCloseTo(Math.sqrt(2), 14);
    expect(mae(a, b, { mask: new Uint8Array([1, 0]), channels: 2 })).toBe(1);
    expect(mae(a, b, { mask: new Uint8Array([0, 1]) })).toBe(2); // channels inferred: 4 values / 2 samples
    expect(mse(a, b, { mask: new Uint8Array([1, 1]) })).toBe(5);
    expect(psnr(a, b, { dataRange: 10, mask: [1, 0], channels: 2 })).toBeCloseTo(10 * Math.log10(100 / 2), 12);
    // per-value mask (channels 1)
    expect(mae(a, b, { mask: [0, 1, 0, 1], channels: 1 })).toBe(3);
    expect(psnr(a, b, { dataRange: 1, mask: [1, 0, 1, 0], channels: 1 })).toBe(Infinity);
  });

  it('ignores NaN at masked samples and propagates it otherwise', () => {
    const x = [1, NaN, 3];
    const y = [2, 5, 3];
    expect(mae(x, y, { mask: [1, 0, 1] })).toBe(0.5);
    expect(mae(x, y)).toBeNaN();
  });

  it('rejects bad arguments with typed errors', () => {
    expectInrError(() => rmse(a, new Float32Array(3)), 'E_ARG');
    expectInrError(() => rmse([], []), 'E_ARG');
    expectInrError(() => mae(a, b, { mask: new Uint8Array(3) }), 'E_ARG');
    expectInrError(() => mae(a, b, { mask: new Uint8Array(4), channels: 2 }), 'E_ARG');
    expectInrError(() => mae(a, b, { channels: 3 }), 'E_ARG');
    expectInrError(() => psnr(a, b, { dataRange: 0 }), 'E_ARG');
    expectInrError(() => psnr(a, b, { dataRange: NaN }), 'E_ARG');
    expectInrError(() => rmse(a, b, { mask: new Uint8Array(2), channels: 2 }), 'E_DATA');
  });
});

describe('masked SSIM and PSNR', () => {
  /** camera with noise added to the top half only. */
  let noisy: Float64Array;
  let top: Uint8Array;
  let bottom: Uint8Array;
  beforeAll(() => {
    const { x, H, W } = camera;
    const r = rng(7);
    noisy = Float64Array.from(x);
    for (let i = 0; i < (H / 2) * W; i++) noisy[i] += 0.1 * (r() - 0.5);
    top = new Uint8Array(H * W);
    top.fill(1, 0, (H / 2) * W);
    bottom = top.map((v) => 1 - v);
  });

  it('a full mask gives the unmasked values', () => {
    const { x, H, W } = camera;
    const full = new Uint8Array(H * W).fill(1);
    const o = { width: W, height: H, dataRange: 1 };
    expect(ssim(x, noisy, { ...o, mask: full })).toBe(ssim(x, noisy, o));
    expect(psnr(x, noisy, { dataRange: 1, mask: full })).toBeCloseTo(psnr(x, noisy, { dataRange: 1 }), 12);
    expect(rmse(x, noisy, { mask: full })).toBeCloseTo(rmse(x, noisy), 14);
    expect(mae(x, noisy, { mask: full })).toBeCloseTo(mae(x, noisy), 14);
    const A = astronaut;
    const y = box3(A.x, A.H, A.W, 3);
    const oa = { width: A.W, height: A.H, channels: 3, dataRange: 1 };
    expect(ssim(A.x, y, { ...oa, mask: full })).toBe(ssim(A.x, y, oa));
    expect(psnr(A.x, y, { dataRange: 1, mask: full, channels: 3 })).toBeCloseTo(psnr(A.x, y, { dataRange: 1 }), 12);
  });

  it('partial masks select the damaged or the clean region', () => {
    const { x, H, W } = camera;
    const o = { width: W, height: H, dataRange: 1 };
    const all = ssim(x, noisy, o);
    const sTop = ssim(x, noisy, { ...o, mask: top });
    const sBottom = ssim(x, noisy, { ...o, mask: bottom });
    expect(sTop).toBeLessThan(all);
    expect(sBottom).toBeGreaterThan(all);
    expect(sBottom).toBeGreaterThan(0.99); // only the 5 rows next to the noisy half are affected
    expect(sBottom).toBeLessThan(1);
    expect(psnr(x, noisy, { dataRange: 1, mask: bottom })).toBe(Infinity);
    expect(psnr(x, noisy, { dataRange: 1, mask: top })).toBeCloseTo(psnr(x, noisy, { dataRange: 1 }) - 10 * Math.log10(2), 10);
    expect(rmse(x, noisy, { mask: top })).toBeCloseTo(Math.SQRT2 * rmse(x, noisy), 12);
  });

  it('the masked SSIM is the mean of the map over valid interior pixels', () => {
    const { x, H, W } = camera;
    const r = rng(3);
    const mask = Uint8Array.from({ length: H * W }, () => (r() < 0.3 ? 1 : 0));
    const map = ssimMap(x, noisy, { width: W, height: H, dataRange: 1 });
    let s = 0;
    let n = 0;
    for (let i = 5; i < H - 5; i++) {
      for (let j = 5; j < W - 5; j++) {
        if (mask[i * W + j]) {
          s += map[i * W + j];
          n++;
        }
      }
    }
    const d = ssimDetailed(x, noisy, { width: W, height: H, dataRange: 1, mask });
    expect(d.pixels).toBe(n);
    expect(d.ssim).toBeCloseTo(s / n, 12);
  });

  it('masked samples holding NaN do not poison their neighbours', () => {
    const { x, H, W } = camera;
    const a = Float64Array.from(x);
    const mask = new Uint8Array(H * W).fill(1);
    for (const i of [0, 100 * W + 100, 300 * W + 17]) {
      a[i] = NaN;
      mask[i] = 0;
    }
    const s = ssim(a, noisy, { width: W, height: H, dataRange: 1, mask });
    expect(Number.isFinite(s)).toBe(true);
    expect(s).toBeCloseTo(ssim(x, noisy, { width: W, height: H, dataRange: 1 }), 2);
  });

  it('rejects bad SSIM arguments', () => {
    const { x, H, W } = camera;
    expectInrError(() => ssim(x, noisy, { width: W, height: H + 1, dataRange: 1 }), 'E_ARG');
    expectInrError(() => ssim(x, noisy, { width: W, height: H, dataRange: -1 }), 'E_ARG');
    expectInrError(() => ssim(x, noisy, { width: W, height: H, channels: 0, dataRange: 1 }), 'E_ARG');
    expectInrError(() => ssim(x, noisy, { width: W, height: H, dataRange: 1, mask: new Uint8Array(5) }), 'E_ARG');
    expectInrError(() => ssim(new Float64Array(100), new Float64Array(100), { width: 10, height: 10, dataRange: 1 }), 'E_ARG');
    // valid pixels only in the 5-pixel border: nothing left in the interior
    const border = new Uint8Array(H * W);
    border.fill(1, 0, 5 * W);
    expectInrError(() => ssim(x, noisy, { width: W, height: H, dataRange: 1, mask: border }), 'E_DATA');
  });
});

describe('SSIM of volumes', () => {
  const D = 4;
  const H = 24;
  const W = 20;
  let a: Float64Array;
  let b: Float64Array;
  beforeAll(() => {
    const r = rng(11);
    a = Float64Array.from({ length: D * H * W }, (_, i) => Math.sin(i * 0.37) * 0.5 + 0.5);
    b = Float64Array.from(a, (v, i) => v + (0.02 + 0.05 * Math.floor(i / (H * W))) * (r() - 0.5));
  });
  const slice = (x: Float64Array, z: number): Float64Array => x.subarray(z * H * W, (z + 1) * H * W);

  it('is the mean of the 2D SSIM over slices along the first axis', () => {
    let s = 0;
    for (let z = 0; z < D; z++) s += ssim(slice(a, z), slice(b, z), { width: W, height: H, dataRange: 1 });
    expect(ssimVolume(a, b, { depth: D, width: W, height: H, dataRange: 1 })).toBeCloseTo(s / D, 14);
    expect(ssimVolume(a, Float64Array.from(a), { depth: D, width: W, height: H, dataRange: 1 })).toBeCloseTo(1, 12);
  });

  it('masked: full mask = unmasked; slices without valid interior pixels are skipped', () => {
    const o = { depth: D, width: W, height: H, dataRange: 1 };
    expect(ssimVolume(a, b, { ...o, mask: new Uint8Array(D * H * W).fill(1) })).toBe(ssimVolume(a, b, o));
    const mask = new Uint8Array(D * H * W);
    mask.fill(1, 0, H * W); // slice 0 only: the least noisy
    const s0 = ssim(slice(a, 0), slice(b, 0), { width: W, height: H, dataRange: 1 });
    expect(ssimVolume(a, b, { ...o, mask })).toBeCloseTo(s0, 14);
    expect(s0).toBeGreaterThan(ssimVolume(a, b, o));
    expectInrError(() => ssimVolume(a, b, { ...o, mask: new Uint8Array(D * H * W) }), 'E_DATA');
    expectInrError(() => ssimVolume(a, b, { ...o, depth: 3 }), 'E_ARG');
  });

  it('fieldMetrics uses the volume SSIM for 3D fields', () => {
    const ref = createField({
      axes: ['z', 'y', 'x'],
      shape: [D, H, W],
      channels: ['v'],
      values: Float32Array.from(a),
      dtype: 'float32',
      provenance: { format: 'test', path: 'vol' },
    });
    const est = createField({ ...ref, values: Float32Array.from(b) });
    const m = fieldMetrics(ref, est, { dataRange: 1 });
    expect(m.ssim).toBeCloseTo(ssimVolume(ref.values, est.values, { depth: D, width: W, height: H, dataRange: 1 }), 14);
    expect(m.psnr).toBeCloseTo(psnr(ref.values, est.values, { dataRange: 1 }), 12);
  });
});

describe('fieldMetrics and dataRangeOf', () => {
  const field = (shape: number[], values: number[], mask?: number[], channels = ['v']): Field =>
    createField({
      axes: shape.map((_, k) => `a${k}`),
      shape,
      channels,
      values: Float32Array.from(values),
      mask: mask ? Uint8Array.from(mask) : undefined,
      dtype: 'float32',
      provenance: { format: 'test', path: 'test' },
    });

  it('dataRangeOf is max − min over valid, finite values of all channels', () => {
    expect(dataRangeOf(field([4], [1, 5, -2, 3]))).toBe(7);
    expect(dataRangeOf(field([4], [1, 5, -2, 3], [1, 1, 0, 1]))).toBe(4);
    expect(dataRangeOf(field([3], [1, NaN, Infinity]))).toBe(0);
    expect(dataRangeOf(field([2], [0, 1, 10, 3], undefined, ['r', 'g']))).toBe(10);
    const cam = dataRangeOf(camera.field);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of camera.field.values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(cam).toBe(hi - lo);
    expectInrError(() => dataRangeOf(field([2], [1, 2], [0, 0])), 'E_DATA');
  });

  it('defaults dataRange to the reference range and reports all metrics', () => {
    const ref = field([4], [0, 2, 4, 8]);
    const est = field([4], [1, 2, 4, 6]);
    const m = fieldMetrics(ref, est);
    expect(m.dataRange).toBe(8);
    expect(m.mse).toBe(5 / 4);
    expect(m.rmse).toBeCloseTo(Math.sqrt(5 / 4), 14);
    expect(m.mae).toBe(3 / 4);
    expect(m.psnr).toBeCloseTo(10 * Math.log10(64 / (5 / 4)), 12);
    expect(m.ssim).toBeUndefined(); // 1D
    expect(m.validSamples).toBe(4);
    expect(fieldMetrics(ref, est, { dataRange: 1 }).psnr).toBeCloseTo(10 * Math.log10(1 / (5 / 4)), 12);
  });

  it('combines the reference, estimate and explicit masks, and drops non-finite reference samples', () => {
    const ref = field([5], [0, 2, 4, 8, NaN], [1, 1, 1, 0, 1]);
    const est = field([5], [1, 2, 4, 100, 3]);
    const m = fieldMetrics(ref, est); // valid: samples 0, 1, 2
    expect(m.validSamples).toBe(3);
    expect(m.dataRange).toBe(4);
    expect(m.mae).toBeCloseTo(1 / 3, 14);
    const m2 = fieldMetrics(ref, est, { mask: Uint8Array.from([0, 1, 1, 1, 1]) });
    expect(m2.validSamples).toBe(2);
    expect(m2.psnr).toBe(Infinity);
    const estNaN = field([5], [NaN, 2, 4, 8, 3]);
    expect(fieldMetrics(ref, estNaN).psnr).toBeNaN(); // a diverged estimate is not hidden
  });

  it('gives masked SSIM on masked 2D fields and leaves it out when undefined', () => {
    const { field: cam, H, W } = camera;
    const estimate = createField({ ...cam, values: Float32Array.from(box3(Float64Array.from(cam.values), H, W, 1)) });
    const half = new Uint8Array(H * W);
    half.fill(1, 0, (H / 2) * W);
    const m = fieldMetrics(cam, estimate, { mask: half, dataRange: 255 });
    const direct = ssim(cam.values, estimate.values, { width: W, height: H, dataRange: 255, mask: half });
    expect(m.ssim).toBe(direct);
    expect(m.validSamples).toBe((H / 2) * W);
    // too small for an 11×11 window
    const small = field(
      [9, 9],
      Array.from({ length: 81 }, (_, i) => i),
    );
    expect(fieldMetrics(small, small).ssim).toBeUndefined();
    // constant reference: range falls back to 1
    const flat = field([2, 2], [3, 3, 3, 3]);
    expect(fieldMetrics(flat, field([2, 2], [3, 3, 3, 4])).psnr).toBeCloseTo(10 * Math.log10(4), 12);
  });

  it('rejects mismatched fields', () => {
    expectInrError(() => fieldMetrics(field([4], [1, 2, 3, 4]), field([2, 2], [1, 2, 3, 4])), 'E_ARG');
    expectInrError(() => fieldMetrics(field([2], [1, 2, 3, 4], undefined, ['a', 'b']), field([4], [1, 2, 3, 4])), 'E_ARG');
    expectInrError(() => fieldMetrics(field([4], [1, 2, 3, 4]), field([4], [1, 2, 3, 4]), { mask: new Uint8Array(3) }), 'E_ARG');
    expectInrError(() => fieldMetrics(field([4], [1, 2, 3, 4]), field([4], [1, 2, 3, 4]), { dataRange: 0 }), 'E_ARG');
    expectInrError(() => fieldMetrics(field([2], [1, 2], [0, 0]), field([2], [1, 2])), 'E_DATA');
  });

  it('does not modify its inputs', () => {
    const ref = field(
      [12, 12],
      Array.from({ length: 144 }, (_, i) => i % 7),
      Array.from({ length: 144 }, (_, i) => (i % 5 ? 1 : 0)),
    );
    const est = field(
      [12, 12],
      Array.from({ length: 144 }, (_, i) => i % 6),
    );
    const before = [Float32Array.from(ref.values), Uint8Array.from(ref.mask!), Float32Array.from(est.values)];
    fieldMetrics(ref, est);
    expect(ref.values).toEqual(before[0]);
    expect(ref.mask).toEqual(before[1]);
    expect(est.values).toEqual(before[2]);
  });
});
