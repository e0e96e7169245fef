/**
 * CT reconstructions (main/ct): FBP's filters and scaling, SART / SART-TV / CGLS with their
 * options, progress and cancellation, the TV proximal step, ELM-INR through the projector (the
 * basis operator Φ, the stored model, the closed-form solve with held-out selection), ELM-INR on
 * a BEAM adaptive mesh built from a first reconstruction (its Φ, its stored BEAM model, its
 * solve), and the tfjs projector used to train the nets.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng';
import { openField } from '../../main/data/index';
import { psnr } from '../../main/metrics/index';
import { parallelGeometry, radonAdjoint, radonForward } from '../../main/ct/radon';
import { countWeights, simulateSinogram, viewAngles } from '../../main/ct/sinogram';
import { normalBlocks, solveElmCt } from '../../main/ct/elm-solve';
import { angularWeights, fbp, fbpFilterResponse, FBP_FILTERS, parseFbpFilter } from '../../main/ct/fbp';
import { cgls, sart, viewOrder } from '../../main/ct/iterative';
import { totalVariation, tvProx } from '../../main/ct/tv';
import { basisAdjoint, basisApply, basisModel, beamBasis, beamBasisModel, elmBasis } from '../../main/ct/elm-basis';
import { beamCt } from '../../main/ct/beam-ct';
import { elmCt } from '../../main/ct/elm-ct';
import { rampMatrix, tfProjector, trainNetCt } from '../../main/ct/net-ct';
import { adjustResidual, igaGradient, igaGroups } from '../../main/inr/nets/iga';
import { buildNet } from '../../main/inr/nets/options';
import { resolveElmSpec } from '../../main/inr/elm/config';
import { evaluateElm } from '../../main/inr/elm/fit';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { decodeModel, encodeModel } from '../../main/inr/elm/io';
import { decodeBeamModel, encodeBeamModel, evaluateBeam, type BeamCell, type BeamSpec } from '../../main/inr/elm/beam/index';
import { useBackend, tf } from '../../main/inr/nets/backend';
import { sample } from '../helpers/samples';
import { phantom } from '../helpers/phantom';
import { InrError } from '../../main/core/errors';

function blobs(N: number): Float64Array {
  const img = new Float64Array(N * N);
  const c = N / 2;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) img[i * N + j] = Math.exp(-((j - c - 5) ** 2 + (i - c + 3) ** 2) / 60) + 0.5 * Math.exp(-((j - c + 8) ** 2 + (i - c - 6) ** 2) / 30);
  return img;
}

/** camera.png's central 192² block, area-averaged to N² (N divides 192), /255. */
async function cameraCrop(N: number): Promise<Float64Array> {
  const f = await openField(sample('images', 'camera.png'));
  const [H, W] = f.shape;
  const C = f.channels.length;
  const k = 192 / N;
  const i0 = (H - 192) / 2;
  const j0 = (W - 192) / 2;
  const out = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += f.values[((i0 + i * k + a) * W + j0 + j * k + b) * C];
      out[i * N + j] = s / (k * k * 255);
    }
  return out;
}

const P = (ref: ArrayLike<number>, x: ArrayLike<number>) => psnr(ref, x, { dataRange: 1 });

describe('filtered back-projection', () => {
  it('inverts the projector: ≥ 50 dB on a smooth image and unbiased on the phantom at 180 views', async () => {
    const N = 64;
    const smooth = blobs(N);
    const s1 = simulateSinogram(smooth, N, N, { views: 180 });
    expect(P(smooth, fbp(s1.geometry, s1.sinogram))).toBeGreaterThan(50);
    const ph = await phantom(N);
    const s2 = simulateSinogram(ph, N, N, { views: 180 });
    const rec = fbp(s2.geometry, s2.sinogram);
    // The 64² phantom's sharp edges limit any interpolating method (measured 25.9 dB); the mean is exact.
    expect(P(ph, rec)).toBeGreaterThan(25);
    let bias = 0;
    for (let i = 0; i < rec.length; i++) bias += (rec[i] - ph[i]) / rec.length;
    expect(Math.abs(bias)).toBeLessThan(2e-3);
    // Fewer views: worse.
    const s3 = simulateSinogram(ph, N, N, { views: 20 });
    expect(P(ph, fbp(s3.geometry, s3.sinogram))).toBeLessThan(P(ph, rec) - 2);
  });

  it('filters: the ramp’s DC is 0 and its Nyquist ½; windows damp the high frequencies in order', () => {
    const P = 64;
    const ramp = fbpFilterResponse(P, 'ramp');
    // The spatially sampled kernel, truncated to P/2 taps, keeps a DC of 2/π²·Σ_{odd n > P/2} 1/n² ≈ 1/(π²·P/2).
    expect(ramp[0]).toBeGreaterThan(0);
    expect(ramp[0]).toBeLessThan(1.2 / (Math.PI ** 2 * (P / 2)));
    expect(ramp[P / 2]).toBeCloseTo(0.5, 2);
    expect(ramp[8]).toBeCloseTo(8 / P, 2);
    const at = (f: string) => fbpFilterResponse(P, parseFbpFilter(f))[P / 4];
    expect(at('shepp-logan')).toBeLessThan(at('ramp'));
    expect(at('cosine')).toBeLessThan(at('shepp-logan'));
    expect(at('hann')).toBeLessThan(at('cosine'));
    expect(fbpFilterResponse(P, 'hann')[P / 2]).toBeCloseTo(0, 12);
    expect(parseFbpFilter('Ram-Lak')).toBe('ramp');
    expect(() => parseFbpFilter('butterworth')).toThrow(InrError);
    expect(FBP_FILTERS).toEqual(['ramp', 'shepp-logan', 'cosine', 'hann']);
  });

  it('angular weights sum to the covered range (π full scan, the range when limited, duplicates share)', () => {
    const sum = (w: Float64Array) => w.reduce((a, b) => a + b, 0);
    expect(sum(angularWeights(viewAngles(30)))).toBeCloseTo(Math.PI, 12);
    expect(sum(angularWeights(viewAngles(30, { rangeDeg: 90 })))).toBeCloseTo(Math.PI / 2, 12);
    const both = angularWeights(viewAngles(31, { includeEnd: true }));
    expect(sum(both)).toBeCloseTo(Math.PI, 12);
    expect(both[0]).toBeCloseTo(both[30], 12);
  });
});

describe('iterative reconstruction', () => {
  it('SART beats FBP at 30 views; non-negativity holds; the residual falls', async () => {
    const N = 48;
    const ph = await phantom(N);
    const sim = simulateSinogram(ph, N, N, { views: 30 });
    const f = fbp(sim.geometry, sim.sinogram);
    const stages: number[] = [];
    const r = sart(sim.geometry, sim.sinogram, { iterations: 10, nonNegative: true }, { onProgress: (_s, fr) => stages.push(fr) });
    expect(P(ph, r.image)).toBeGreaterThan(P(ph, f) + 1.5);
    expect(r.image.every((v) => v >= 0)).toBe(true);
    expect(stages.length).toBe(10);
    expect(stages[9]).toBe(1);
    expect(r.residuals[9]).toBeLessThan(r.residuals[0]);
    // TV: a smaller total variation than plain SART at the same iterations (whether it also gains
    // PSNR depends on the image and its scale: tests/bench/ct.ts reports both).
    const tv = sart(sim.geometry, sim.sinogram, { iterations: 10, nonNegative: true, tv: 0.005 });
    expect(totalVariation(tv.image, N, N)).toBeLessThan(totalVariation(r.image, N, N));
    expect(P(ph, tv.image)).toBeGreaterThan(P(ph, f) + 1.5);
  });

  it('CGLS reduces the residual monotonically; both cancel through an AbortSignal', () => {
    const N = 32;
    const img = blobs(N);
    const sim = simulateSinogram(img, N, N, { views: 20 });
    const c = cgls(sim.geometry, sim.sinogram, { iterations: 8 });
    for (let i = 1; i < c.residuals.length; i++) expect(c.residuals[i]).toBeLessThanOrEqual(c.residuals[i - 1] + 1e-12);
    expect(P(img, c.image)).toBeGreaterThan(30);
    const ac = new AbortController();
    ac.abort();
    expect(() => sart(sim.geometry, sim.sinogram, {}, { signal: ac.signal })).toThrow(/cancelled/);
    let calls = 0;
    expect(() => cgls(sim.geometry, sim.sinogram, { iterations: 50 }, { checkCancel: () => ++calls > 3 })).toThrow(/cancelled/);
    expect(() => sart(sim.geometry, sim.sinogram, { relaxation: 2.5 })).toThrow(InrError);
  });

  it('views are visited in an order that spreads the angles', () => {
    const order = Array.from(viewOrder(viewAngles(10)));
    expect([...order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (let i = 1; i < order.length; i++) expect(Math.abs(order[i] - order[i - 1])).toBeGreaterThan(1);
  });

  it('the TV proximal step denoises a piecewise-constant image and is the identity at λ = 0', () => {
    const N = 32;
    const rng = new Rng(8);
    const clean = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) clean[i * N + j] = i > 10 && j > 12 ? 1 : 0.2;
    const noisy = clean.map((v) => v + 0.1 * rng.normal());
    const den = tvProx(noisy, N, N, 0.08, 50);
    expect(P(clean, den)).toBeGreaterThan(P(clean, noisy) + 5);
    expect(totalVariation(den, N, N)).toBeLessThan(totalVariation(noisy, N, N) / 3);
    expect(Array.from(tvProx(noisy, N, N, 0))).toEqual(Array.from(noisy));
    expect(
      tvProx(
        noisy.map((v) => v - 0.5),
        N,
        N,
        0.05,
        10,
        true,
      ).every((v) => v >= 0),
    ).toBe(true);
  });
});

describe('ELM-INR through the projector', () => {
  it('Φ and Φᵀ are exact transposes, and the stored model evaluates to Φβ', () => {
    const spec = resolveElmSpec([20, 26], 1, { subdomains: [3, 4], hidden: 12, seed: 5 });
    const B = elmBasis(spec);
    const rng = new Rng(1);
    const beta = Float64Array.from({ length: B.cells * B.m }, () => rng.normal());
    const v = Float64Array.from({ length: 20 * 26 }, () => rng.normal());
    const u = basisApply(B, beta);
    const lhs = u.reduce((s, x, i) => s + x * v[i], 0);
    const rhs = basisAdjoint(B, v).reduce((s, x, i) => s + x * beta[i], 0);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9 * Math.abs(lhs));
    const model = basisModel(B, beta);
    const viaModel = evaluateElm(model, [sampleGrid(20), sampleGrid(26)]);
    for (let i = 0; i < u.length; i++) expect(Math.abs(viaModel[i] - u[i])).toBeLessThan(1e-4 * (1 + Math.abs(u[i])));
    // The .inr container round-trips it.
    const back = decodeModel(encodeModel(model, { axes: ['y', 'x'], channels: ['value'], dtype: 'float32', geometry: { spacing: [1, 1], origin: [0, 0] } }));
    expect(Array.from(evaluateElm(back.model, [sampleGrid(20), sampleGrid(26)]))).toEqual(Array.from(viaModel));
  });

  it('solves the phantom from 30 views far above FBP and SART, choosing its prior weight on held-out views', async () => {
    const N = 40;
    const ph = await phantom(N);
    const sim = simulateSinogram(ph, N, N, { views: 30 });
    const progress: string[] = [];
    const res = await elmCt(sim.sinogram, sim.angles, [N, N], {}, { onProgress: (s) => progress.push(s) });
    const fb = P(ph, fbp(sim.geometry, sim.sinogram));
    const sa = P(ph, sart(sim.geometry, sim.sinogram).image);
    const el = P(ph, res.image);
    expect(el).toBeGreaterThan(fb + 5);
    expect(el).toBeGreaterThan(sa + 1);
    expect(res.params.params).toBe(res.model.weights.length);
    expect(res.params.validation.heldOutViews).toBe(6);
    expect(Object.keys(res.params.validation.strength).length).toBeGreaterThanOrEqual(3);
    // The chosen strength is the one with the lowest held-out error.
    const errs = Object.entries(res.params.validation.strength);
    const best = errs.reduce((a, b) => (b[1] < a[1] ? b : a));
    expect(Number(best[0])).toBe(res.params.smooth);
    expect(progress).toContain('ELM-INR: solving through the projector');
    // The image is the stored model's.
    const again = evaluateElm(res.model, [sampleGrid(N), sampleGrid(N)]);
    expect(Array.from(again)).toEqual(Array.from(res.image));
  });

  it('the plain ridge ELM (no image prior) fits a smooth slice; bad options are refused', async () => {
    const N = 32;
    const img = blobs(N);
    const sim = simulateSinogram(img, N, N, { views: 24 });
    const res = await elmCt(sim.sinogram, sim.angles, [N, N], { prior: 'none', budget: 1200, iterations: 30 });
    expect(res.params.prior).toBe('none');
    expect(res.params.params).toBeLessThanOrEqual(1200);
    expect(P(img, res.image)).toBeGreaterThan(30);
    await expect(elmCt(sim.sinogram.subarray(1), sim.angles, [N, N])).rejects.toThrow(/views/);
    await expect(elmCt(sim.sinogram, sim.angles, [N, N], { prior: 'l1' as never })).rejects.toThrow(InrError);
    const ac = new AbortController();
    ac.abort();
    await expect(elmCt(sim.sinogram, sim.angles, [N, N], {}, { signal: ac.signal })).rejects.toThrow(/cancelled/);
  });

  it('penalised weighted least squares: weights are the expected counts, and a zero weight removes a ray from the solve exactly', async () => {
    // countWeights: w ∝ e^(−μp), mean 1; negative (noise) line integrals count as 0.
    const w = countWeights([0, 1, 2, -0.5], 0.5);
    expect(w.reduce((a, b) => a + b, 0) / w.length).toBeCloseTo(1, 12);
    expect(w[1] / w[0]).toBeCloseTo(Math.exp(-0.5), 12);
    expect(w[2] / w[0]).toBeCloseTo(Math.exp(-1), 12);
    expect(w[3]).toBe(w[0]);
    expect(() => countWeights([1], 0)).toThrow(/attenuation scale/);
    // Weights 1 on some views and 0 on the others solve the same normal equations as those views alone.
    const N = 24;
    const img = blobs(N);
    const sim = simulateSinogram(img, N, N, { views: 20, photons: 1e4 });
    const B = elmBasis(resolveElmSpec([N, N], 1, { subdomains: [3, 3], hidden: 20, seed: 2 }));
    const g = sim.geometry;
    const keep = Array.from({ length: 20 }, (_, v) => v).filter((v) => v % 4 !== 1);
    const blocks = normalBlocks(B, g, keep);
    const rw = new Float64Array(sim.sinogram.length);
    for (const v of keep) rw.fill(1, v * g.detectors, (v + 1) * g.detectors);
    const opts = { ridge: 1e-6, smooth: 0.5, iterations: 30, tolerance: 0 };
    const byViews = await solveElmCt(B, g, sim.sinogram, blocks, { ...opts, views: keep });
    const byWeights = await solveElmCt(B, g, sim.sinogram, blocks, { ...opts, rayWeights: rw });
    const scale = Math.max(...Array.from(byViews.beta, Math.abs));
    for (let i = 0; i < B.size; i++) expect(Math.abs(byWeights.beta[i] - byViews.beta[i])).toBeLessThan(1e-8 * scale);
    // And the weights change the solution (they are not ignored).
    const plain = await solveElmCt(B, g, sim.sinogram, blocks, opts);
    expect(Math.max(...Array.from(plain.beta, (b, i) => Math.abs(b - byViews.beta[i])))).toBeGreaterThan(1e-3 * scale);
    // elmCt checks and normalises them.
    await expect(elmCt(sim.sinogram, sim.angles, [N, N], { rayWeights: rw.subarray(1) })).rejects.toThrow(/ray weights/);
    await expect(elmCt(sim.sinogram, sim.angles, [N, N], { rayWeights: new Float64Array(rw.length) })).rejects.toThrow(/all zero/);
  });
});

describe('ELM-INR on a BEAM mesh through the projector', () => {
  it('Φ and Φᵀ of a mixed-size, two-layer BEAM mesh are exact transposes, and the stored BEAM model evaluates to Φβ', () => {
    // A 16×16 cell beside two 8×8 ones, with different hidden layers: [16, 24] pixels.
    const spec: BeamSpec = {
      method: 'elm-beam',
      shape: [16, 24],
      channels: 1,
      overlap: 0.15,
      activation: 'sine',
      seed: 3,
      ridge: 1e-6,
      affine: true,
      layers: [
        { hidden: 10, omega: [3, 3] },
        { hidden: 6, omega: [2, 2] },
      ],
    };
    const cells: BeamCell[] = [
      { lo: [0, 0], size: [16, 16], level: 0, layer: 0, norm: 1 },
      { lo: [0, 16], size: [8, 8], level: 1, layer: 1, norm: 1 },
      { lo: [8, 16], size: [8, 8], level: 1, layer: 1, norm: 1 },
    ];
    const B = beamBasis(spec, cells);
    expect(B.size).toBe(13 + 9 + 9);
    const rng = new Rng(2);
    const beta = Float64Array.from({ length: B.size }, () => rng.normal());
    const v = Float64Array.from({ length: 16 * 24 }, () => rng.normal());
    const u = basisApply(B, beta);
    const lhs = u.reduce((a, x, i) => a + x * v[i], 0);
    const rhs = basisAdjoint(B, v).reduce((a, x, i) => a + x * beta[i], 0);
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9 * Math.abs(lhs));
    // Every pixel is covered by the partition of unity: a constant in the affine columns is reproduced.
    const one = new Float64Array(B.size);
    for (let id = 0; id < B.cells; id++) one[B.offsets[id + 1] - 1] = 1;
    const c = basisApply(B, one);
    const m0 = c[0];
    for (const x of c) expect(Math.abs(x - m0)).toBeLessThan(1e-12);
    const model = beamBasisModel(B, beta);
    const grids = [sampleGrid(16), sampleGrid(24)];
    const viaModel = evaluateBeam(model, grids);
    for (let i = 0; i < u.length; i++) expect(Math.abs(viaModel[i] - u[i])).toBeLessThan(1e-4 * (1 + Math.abs(u[i])));
    const back = decodeBeamModel(encodeBeamModel(model, { axes: ['y', 'x'], channels: ['value'], dtype: 'float32', geometry: { spacing: [1, 1], origin: [0, 0] } }));
    expect(Array.from(evaluateBeam(back.model, grids))).toEqual(Array.from(viaModel));
  });

  it('reconstructs a camera.png crop from 30 views above FBP, its mesh built from the sinogram alone, its image the stored model', async () => {
    const N = 48;
    const img = await cameraCrop(N);
    const sim = simulateSinogram(img, N, N, { views: 30 });
    const progress: string[] = [];
    const res = await beamCt(sim.sinogram, sim.angles, [N, N], {}, { onProgress: (s) => progress.push(s) });
    const fb = P(img, fbp(sim.geometry, sim.sinogram));
    const bm = P(img, res.image);
    expect(bm).toBeGreaterThan(fb + 5);
    // Budget as ELM-CT's: at most 2 stored parameters per pixel, all of them the model's weights.
    expect(res.params.params).toBe(res.model.weights.length);
    expect(res.params.params).toBeLessThanOrEqual(2 * N * N);
    expect(res.model.spec.method).toBe('elm-beam');
    expect(res.params.cells).toBe(res.model.cells.length);
    expect(res.params.pilot.method).toBe('sart-tv');
    const errs = Object.entries(res.params.validation.strength);
    expect(errs.length).toBeGreaterThanOrEqual(3);
    expect(Number(errs.reduce((a, b) => (b[1] < a[1] ? b : a))[0])).toBe(res.params.smooth);
    expect(progress).toContain('ELM+BEAM: building the adaptive mesh');
    expect(progress).toContain('ELM+BEAM: solving through the projector');
    expect(Array.from(evaluateBeam(res.model, [sampleGrid(N), sampleGrid(N)]))).toEqual(Array.from(res.image));
    // The mesh is a function of the sinogram: a run with other solver settings builds the same one.
    const again = await beamCt(sim.sinogram, sim.angles, [N, N], { smooth: res.params.smooth, irls: 0, iterations: 2 });
    expect(again.model.cells).toEqual(res.model.cells);
    await expect(beamCt(sim.sinogram, sim.angles, [N, N], { strategy: 'best' })).rejects.toThrow(InrError);
    await expect(beamCt(sim.sinogram.subarray(1), sim.angles, [N, N])).rejects.toThrow(/views/);
    const ac = new AbortController();
    ac.abort();
    await expect(beamCt(sim.sinogram, sim.angles, [N, N], {}, { signal: ac.signal })).rejects.toThrow(/cancelled/);
  });
});

describe('nets through the projector (tfjs, cpu backend)', () => {
  it('the tf projector (host and gather) is the operator, and its gradient the adjoint', async () => {
    await useBackend('cpu');
    const g = parallelGeometry(12, 14, viewAngles(7));
    const rng = new Rng(2);
    const x = Float32Array.from({ length: 12 * 14 }, () => rng.normal());
    const y = Float32Array.from({ length: 7 * g.detectors }, () => rng.normal());
    const Ax = radonForward(g, x);
    const Aty = radonAdjoint(g, y);
    for (const kind of ['host', 'gather'] as const) {
      const proj = tfProjector(g, kind);
      const xt = tf.tensor2d(x, [x.length, 1]);
      const yt = tf.tensor1d(y);
      const fwd = proj.forward(xt).dataSync();
      for (let i = 0; i < Ax.length; i++) expect(fwd[i]).toBeCloseTo(Ax[i], 3);
      const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(proj.forward(t), yt)))(xt);
      expect(grad.shape).toEqual([x.length, 1]);
      const gv = grad.dataSync();
      for (let i = 0; i < Aty.length; i++) expect(gv[i]).toBeCloseTo(Aty[i], 3);
      tf.dispose([xt, yt, grad]);
      proj.dispose();
    }
  });

  it('trainNetCt lowers the sinogram loss and returns a loadable net model', async () => {
    const N = 16;
    const img = blobs(N);
    const sim = simulateSinogram(img, N, N, { views: 12 });
    const losses: number[] = [];
    const res = await trainNetCt('relu', sim.sinogram, sim.angles, [N, N], { width: 32, hidden: 1, steps: 40, lr: 5e-3, backend: 'cpu' }, { onStep: (s) => losses.push(s.loss) });
    expect(losses.length).toBe(40);
    expect(res.report.lossBest).toBeLessThan(losses[0] / 5);
    expect(res.image.length).toBe(N * N);
    expect(res.model.kind).toBe('inr-net');
    expect(res.model.shape).toEqual([N, N]);
    expect(res.report.projector).toBe('host');
    expect(res.report.params).toBe(res.model.weights.reduce((s, w) => s + w.values.length, 0));
    expect(res.report).toMatchObject({ stopped: 'steps', selected: 'best-training-loss' });
    // The stopping rules the image task has: patience, a target PSNR; and the last parameters on request.
    const early = await trainNetCt('relu', sim.sinogram, sim.angles, [N, N], { width: 32, hidden: 1, steps: 40, lr: 5e-3, backend: 'cpu', patience: 2, minDelta: 0.9 });
    expect(early.report).toMatchObject({ stopped: 'early' });
    expect(early.report.stepsRun).toBeLessThan(10);
    const target = await trainNetCt('relu', sim.sinogram, sim.angles, [N, N], { width: 32, hidden: 1, steps: 40, lr: 5e-3, backend: 'cpu', targetPsnr: 1 });
    expect(target.report).toMatchObject({ stopped: 'target', stepsRun: 1 });
    const last = await trainNetCt('relu', sim.sinogram, sim.angles, [N, N], { width: 32, hidden: 1, steps: 5, lr: 5e-3, backend: 'cpu', keepBest: false });
    expect(last.report.selected).toBe('final');
  });

  it('the ramp preconditioner: R is symmetric positive definite with mean eigenvalue 1, damps the DC and passes high frequencies; training with it lowers the plain loss', async () => {
    const n = 33;
    const R = rampMatrix(n);
    const quad = (x: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s += x[i] * R[i * n + j] * x[j];
      return s / Array.from(x).reduce((a, v) => a + v * v, 0);
    };
    let tr = 0;
    for (let i = 0; i < n; i++) {
      tr += R[i * n + i];
      for (let j = 0; j < n; j++) expect(R[i * n + j]).toBe(R[j * n + i]);
    }
    expect(tr / n).toBeCloseTo(1, 5);
    const rng = new Rng(4);
    for (let k = 0; k < 20; k++) expect(quad(Float64Array.from({ length: n }, () => rng.normal()))).toBeGreaterThan(0);
    const dc = quad(new Float64Array(n).fill(1));
    const nyquist = quad(Float64Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1)));
    expect(dc).toBeGreaterThan(0);
    expect(nyquist).toBeGreaterThan(5 * dc);

    const N = 16;
    const sim = simulateSinogram(blobs(N), N, N, { views: 12 });
    const losses: number[] = [];
    const res = await trainNetCt(
      'relu',
      sim.sinogram,
      sim.angles,
      [N, N],
      { width: 32, hidden: 1, steps: 40, lr: 5e-3, backend: 'cpu', precondition: 'ramp' },
      { onStep: (s) => losses.push(s.loss) },
    );
    expect(res.report.precondition).toBe('ramp');
    expect(res.report.lossBest).toBeLessThan(losses[0] / 5);
    // The logged loss is the plain one: the first step (same initial weights) matches the unpreconditioned run's.
    const plain: number[] = [];
    await trainNetCt('relu', sim.sinogram, sim.angles, [N, N], { width: 32, hidden: 1, steps: 2, lr: 5e-3, backend: 'cpu' }, { onStep: (s) => plain.push(s.loss) });
    expect(losses[0]).toBeCloseTo(plain[0], 6);
    expect(losses[1]).not.toBeCloseTo(plain[1], 6);
    await expect(trainNetCt('relu', sim.sinogram, sim.angles, [N, N], { steps: 2, backend: 'cpu', precondition: 'fourier' as never })).rejects.toThrow(/precondition/);
  });

  it('a refused net CT fit frees what it allocated (bad options, a full batch over the memory budget)', async () => {
    await useBackend('cpu');
    const N = 600;
    const sim = simulateSinogram(new Float64Array(N * N).fill(0.5), N, N, { views: 4, oversample: 1 });
    const before = tf.memory().numTensors;
    await expect(trainNetCt('siren', sim.sinogram, sim.angles, [N, N], { steps: 2, backend: 'cpu', precondition: 'jacobi' as never })).rejects.toThrow(/precondition/);
    await expect(trainNetCt('siren', sim.sinogram, sim.angles, [N, N], { steps: 2, backend: 'cpu' })).rejects.toMatchObject({ code: 'E_TOO_LARGE' });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('IGA through the projector: the gradient is Jᵀ·S·∂L/∂out with S across patches, and training with IGA lowers the loss', async () => {
    await useBackend('cpu');
    const N = 8;
    const g = parallelGeometry(N, N, viewAngles(6));
    const proj = tfProjector(g, 'gather');
    const rng = new Rng(5);
    const net = buildNet('siren', new Rng(3), 2, 1, { width: 16, hidden: 1 });
    const X = tf.tensor2d(
      Float32Array.from({ length: 2 * N * N }, (_, k) => ((k % 2 ? Math.floor(k / 2) % N : Math.floor(k / 2 / N)) / (N - 1)) * 2 - 1),
      [N * N, 2],
    );
    const feats = net.prepare(X);
    const target = tf.tensor1d(Float32Array.from({ length: proj.rows }, () => rng.normal()));
    const groups = igaGroups(
      [N, N],
      Int32Array.from({ length: N * N }, (_, i) => i),
      3,
      2,
    );
    expect(groups.groups).toBe(16);
    // Any S: the adjustment is linear, so a random one tests it better than an identity-near one.
    const S = tf.tensor2d(
      Float32Array.from({ length: 16 * 16 }, () => rng.normal()),
      [16, 16],
    );
    const adj = { S, groups, order: tf.tensor1d(groups.order, 'int32'), slotOf: tf.tensor1d(groups.slotOf, 'int32') };
    const loss = (out: tf.Tensor2D) => tf.mean(tf.squaredDifference(proj.forward(out), target)) as tf.Scalar;
    const vars = net.params.filter((p) => p.v.trainable).map((p) => p.v);
    const out0 = net.apply(feats);
    const dOut = tf.grad((o: tf.Tensor) => loss(o as tf.Tensor2D))(out0) as tf.Tensor2D;
    const adjusted = adjustResidual(dOut, S, adj.order, adj.slotOf, groups);
    const want = tf.variableGrads(() => tf.sum(tf.mul(net.apply(feats), adjusted)) as tf.Scalar, vars).grads;
    const got = tf.variableGrads(() => loss(igaGradient(net.apply(feats), adj)), vars);
    // The value is the plain loss; only the gradient is adjusted.
    expect(got.value.dataSync()[0]).toBeCloseTo(loss(out0).dataSync()[0], 5);
    let compared = 0;
    for (const k of Object.keys(want)) {
      const a = want[k].dataSync();
      const b = got.grads[k].dataSync();
      const scale = Math.max(...Array.from(a, Math.abs));
      expect(scale).toBeGreaterThan(0);
      for (let i = 0; i < a.length; i++) expect(Math.abs(b[i] - a[i])).toBeLessThan(1e-4 * scale);
      compared++;
    }
    expect(compared).toBe(vars.length);
    // Without the adjustment the gradients differ (S is far from I).
    const plain = tf.variableGrads(() => loss(net.apply(feats)), vars).grads;
    const k0 = Object.keys(plain)[0];
    expect(Math.max(...Array.from(plain[k0].dataSync(), (v, i) => Math.abs(v - want[k0].dataSync()[i])))).toBeGreaterThan(1e-3);
    proj.dispose();
    net.dispose();

    // Training a SIREN through the projector with IGA: the transform is rebuilt, eigenvalues are
    // replaced, the loss falls, and the trajectory is not the plain one.
    const M = 16;
    const sim = simulateSinogram(blobs(M), M, M, { views: 12 });
    const common = { width: 32, hidden: 1, steps: 30, lr: 1e-3, backend: 'cpu' };
    const withIga: number[] = [];
    const without: number[] = [];
    const r = await trainNetCt('siren', sim.sinogram, sim.angles, [M, M], { ...common, iga: true, igaEnd: 5 }, { onStep: (s) => withIga.push(s.loss) });
    await trainNetCt('siren', sim.sinogram, sim.angles, [M, M], common, { onStep: (s) => without.push(s.loss) });
    expect(r.report.iga).toMatchObject({ start: 0, end: 5, every: 1 });
    expect(r.report.iga!.groups).toBeGreaterThanOrEqual(12);
    expect(r.report.iga!.replacedLast).toBeGreaterThan(0);
    expect(r.report.lossBest).toBeLessThan(withIga[0] / 3);
    expect(withIga[0]).toBeCloseTo(without[0], 6);
    expect(Math.abs(withIga[29] - without[29])).toBeGreaterThan(1e-3 * without[29]);
  });
});
