/**
 * The serial phases of an ELM fit that moved onto the worker pool (issue 17's profile): the
 * frequency probe and the SSIM of the metrics give the one-thread numbers exactly, whatever the
 * number of threads; the probe's rewrite scores what the previous one scored (every sample a probe
 * window reaches, the held-out ones with holdout).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openField } from '../../main/data/index';
import type { Field } from '../../main/core/field';
import { ElmPool, chooseFrequencyParallel, ssimPartsParallel } from '../../main/inr/elm/parallel';
import { FREQ_CANDIDATES, chooseFrequency, freqProbe, scoreFrequency } from '../../main/inr/elm/autofreq';
import { resolveElmSpec, defaultOmega } from '../../main/inr/elm/config';
import { fitElm, evaluateElm } from '../../main/inr/elm/fit';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { fieldMetrics, fieldMetricsWith } from '../../main/metrics/index';
import { sample } from '../helpers/samples';

const pools = [new ElmPool(3)];
afterAll(async () => {
  for (const p of pools) await p.close();
});

function inputOf(f: Field, mask?: Uint8Array) {
  return { values: f.values, shape: f.shape, channels: f.channels.length, mask };
}

describe('the frequency probe on the pool', () => {
  it('scores every candidate as on one thread, with and without holdout and masks', async () => {
    const full = await openField(sample('geotiff', 'L7_ETMs.tif'), {});
    // The top 128 rows, all 6 bands.
    const l7 = { ...full, shape: [128, full.shape[1]], values: full.values.subarray(0, 128 * full.shape[1] * full.channels.length) };
    const spec = resolveElmSpec(l7.shape, l7.channels.length, { budget: 30000 });
    const n = l7.shape[0] * l7.shape[1];
    const mask = new Uint8Array(n).fill(1);
    for (let i = 0; i < n; i += 5) mask[i] = 0;
    for (const m of [undefined, mask])
      for (const holdout of [false, true]) {
        const serial = chooseFrequency(inputOf(l7, m), spec, { holdout });
        for (const pool of pools) expect(await chooseFrequencyParallel(pool, inputOf(l7, m), spec, { holdout })).toEqual(serial);
        expect(Object.keys(serial.scores).sort()).toEqual(FREQ_CANDIDATES.map(String).sort());
      }
  }, 120_000);

  it('scores the blend of the probe cells on the samples their windows reach (the held-out ones with holdout)', async () => {
    const cam = await openField(sample('images', 'camera.png'), {});
    const input = inputOf(cam);
    const spec = resolveElmSpec(cam.shape, 1, { subdomains: 4, hidden: 24 });
    const probe = freqProbe(input, spec, { holdout: false, maxCells: 2 });
    // Reference: fit and blend the probe cells with the library's own functions, score where the blend exists.
    const omega = defaultOmega(probe.width, spec.hidden, 0.5);
    const model = fitElm(input, { ...spec, omega }, { cells: probe.cells });
    const rec = evaluateElm(model, cam.shape.map(sampleGrid), { cells: probe.cells });
    let err = 0;
    let cnt = 0;
    for (let i = 0; i < rec.length; i++) {
      if (!Number.isFinite(rec[i])) continue;
      err += (rec[i] - cam.values[i]) ** 2;
      cnt++;
    }
    expect(cnt).toBeGreaterThan(0);
    expect(probe.support.length).toBeGreaterThanOrEqual(cnt);
    // The reference rounds the blend to float32; the probe keeps it in float64.
    expect(Math.abs(scoreFrequency(input, spec, probe, 0.5) / (err / cnt) - 1)).toBeLessThan(1e-5);
  }, 60_000);
});

describe('the metrics SSIM on the pool', () => {
  it('equals the one-thread SSIM exactly on an RGB image, a masked image and a volume', async () => {
    const astro = await openField(sample('images', 'astronaut.png'), {});
    const noisy = { ...astro, values: astro.values.map((v, i) => v + ((i * 7919) % 13) - 6) };
    const colin = await openField(sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'), {});
    const sub = { ...colin, shape: [40, colin.shape[1], colin.shape[2]], values: colin.values.subarray(0, 40 * colin.shape[1] * colin.shape[2]) };
    const blurred = { ...sub, values: sub.values.map((v, i) => (v + sub.values[Math.max(0, i - 1)]) / 2) };
    const mask = new Uint8Array(astro.shape[0] * astro.shape[1]).fill(1);
    for (let i = 0; i < mask.length; i += 3) mask[i] = 0;
    const cases: [Field, Field, Uint8Array | undefined][] = [
      [astro, noisy, undefined],
      [astro, noisy, mask],
      [sub, blurred, undefined],
    ];
    for (const [ref, est, m] of cases) {
      const one = fieldMetrics(ref, est, { dataRange: 255, mask: m });
      expect(one.ssim).toBeGreaterThan(0.3);
      expect(one.ssim).toBeLessThan(1);
      for (const pool of pools) expect(await fieldMetricsWith(ref, est, { dataRange: 255, mask: m }, (job) => ssimPartsParallel(pool, job))).toEqual(one);
    }
  }, 120_000);
});
