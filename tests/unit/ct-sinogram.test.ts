/**
 * Sinogram input (main/ct/sinogram.ts, poisson.ts): view angles, simulation with Poisson photon
 * noise and limited angle, and sinograms read from real TIFF and NetCDF files with their angles,
 * including the refusals (size mismatch, zero views, non-2-D, no angles).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../main/core/rng';
import { InrError } from '../../main/core/errors';
import { createField, type Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { writeGeoTiff } from '../../main/data/geotiff/index';
import { writeNetcdfClassic } from '../../main/data/netcdf/index';
import { parallelGeometry, radonForward } from '../../main/ct/radon';
import { geometryForSinogram, simulateSinogram, sinogramField, sinogramFromField, viewAngles } from '../../main/ct/sinogram';
import { logGamma, poisson } from '../../main/ct/poisson';
import { sample } from '../helpers/samples';

const dir = mkdtempSync(join(tmpdir(), 'inr-ct-sino-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEG = Math.PI / 180;

function smallImage(N: number): Float64Array {
  const img = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) img[i * N + j] = Math.max(0, 1 - ((i - N / 2) ** 2 + (j - N / 2 + 3) ** 2) / (N * N * 0.12));
  return img;
}

function refusal(f: () => unknown): InrError {
  try {
    f();
  } catch (e) {
    if (e instanceof InrError) return e;
    throw e;
  }
  throw new Error('expected an InrError');
}

describe('view angles', () => {
  it('are equally spaced over [0°, 180°) by default, over the limited range when given, with both ends on request', () => {
    expect(Array.from(viewAngles(4), (a) => a / DEG)).toEqual([0, 45, 90, 135]);
    const lim = Array.from(viewAngles(3, { rangeDeg: 90 }), (a) => a / DEG);
    expect(lim.map((a) => Math.round(a * 1e9) / 1e9)).toEqual([0, 30, 60]);
    const ends = Array.from(viewAngles(5, { includeEnd: true }), (a) => a / DEG);
    expect(ends[4]).toBeCloseTo(180, 12);
    expect(refusal(() => viewAngles(0)).code).toBe('E_ARG');
    expect(refusal(() => viewAngles(2.5)).code).toBe('E_ARG');
  });
});

describe('Poisson variates', () => {
  it('have mean and variance λ (inversion below 10, transformed rejection above)', () => {
    const rng = new Rng(4);
    for (const lambda of [0.3, 3, 25, 400, 1e5]) {
      const n = 20000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const k = poisson(rng, lambda);
        expect(Number.isInteger(k) && k >= 0).toBe(true);
        s += k;
        s2 += k * k;
      }
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      // Standard error of the mean: √(λ/n); of the variance: ≈ λ·√(2/n).
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(variance - lambda)).toBeLessThan(6 * lambda * Math.sqrt(2 / n) + 0.05);
    }
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 10);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
});

describe('simulated sinograms', () => {
  const N = 32;
  const img = smallImage(N);

  it('are the 4× oversampled projection of the image, with the reconstruction geometry at 1×', () => {
    const sim = simulateSinogram(img, N, N, { views: 12 });
    expect(sim.geometry.oversample).toBe(1);
    expect(sim.angles.length).toBe(12);
    const ref = radonForward(parallelGeometry(N, N, viewAngles(12), { oversample: 4 }), img);
    expect(Array.from(sim.sinogram)).toEqual(Array.from(ref));
    expect(sim.noise).toBeUndefined();
    // Limited angle: the views cover [0°, 60°).
    const lim = simulateSinogram(img, N, N, { views: 10, limitedAngle: 60 });
    expect(lim.angles[9] / DEG).toBeCloseTo(54, 10);
    expect(refusal(() => simulateSinogram(img, N, N, { views: 10, limitedAngle: 0 })).code).toBe('E_ARG');
    expect(refusal(() => simulateSinogram(img, N, N, { views: 10, limitedAngle: 200 })).code).toBe('E_ARG');
  });

  it('with photons: unbiased log-counts whose variance follows 1/(I0·e^(−μp))/μ², seeded', () => {
    const I0 = 1e4;
    const sim = simulateSinogram(img, N, N, { views: 40, photons: I0, seed: 3 });
    const again = simulateSinogram(img, N, N, { views: 40, photons: I0, seed: 3 });
    const other = simulateSinogram(img, N, N, { views: 40, photons: I0, seed: 4 });
    expect(Array.from(again.sinogram)).toEqual(Array.from(sim.sinogram));
    expect(Array.from(other.sinogram)).not.toEqual(Array.from(sim.sinogram));
    const mu = sim.noise!.muScale;
    // μ puts the largest clean line integral at an attenuation of 4.
    let pmax = 0;
    for (const p of sim.clean) pmax = Math.max(pmax, p);
    expect(pmax * mu).toBeCloseTo(4, 10);
    // Normalised errors z = (p̃ − p)·μ·√(I0·e^(−μp)) should have mean ≈ 0 and variance ≈ 1.
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (let i = 0; i < sim.sinogram.length; i++) {
      const lam = I0 * Math.exp(-mu * sim.clean[i]);
      const z = (sim.sinogram[i] - sim.clean[i]) * mu * Math.sqrt(lam);
      s += z;
      s2 += z * z;
      n++;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.1);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.1);
  });

  it('guard zero counts: a starved scan stays finite', () => {
    const sim = simulateSinogram(img, N, N, { views: 8, photons: 2, seed: 1 });
    expect(sim.noise!.zeroCounts).toBeGreaterThan(0);
    expect(sim.sinogram.every(Number.isFinite)).toBe(true);
    expect(refusal(() => simulateSinogram(img, N, N, { views: 8, photons: 0 })).code).toBe('E_ARG');
  });
});

describe('sinograms from files', () => {
  const N = 24;
  const g = parallelGeometry(N, N, viewAngles(15));
  const sino = radonForward(g, smallImage(N));

  it('NetCDF with an angle coordinate: angles read from the file (degrees), rows = views', async () => {
    const path = join(dir, 'sino.nc');
    writeNetcdfClassic(path, sinogramField(sino, g, { format: 'netcdf', path }));
    const field = await openField(path);
    const input = sinogramFromField(field);
    expect(input.anglesFrom).toBe('file');
    expect(input.views).toBe(15);
    expect(input.detectors).toBe(g.detectors);
    for (let v = 0; v < 15; v++) expect(input.angles[v]).toBeCloseTo(g.angles[v], 6);
    for (let i = 0; i < sino.length; i++) expect(input.sinogram[i]).toBeCloseTo(sino[i], 4);
    const geo = geometryForSinogram(input);
    expect(geo.detectors).toBe(g.detectors);
    expect(geo.height).toBe(Math.floor(g.detectors / Math.SQRT2));
  });

  it("NetCDF in scikit-image's layout (detector × angle, radians) is transposed", async () => {
    const path = join(dir, 'sino-t.nc');
    const nd = g.detectors;
    const values = new Float32Array(nd * 15);
    for (let v = 0; v < 15; v++) for (let k = 0; k < nd; k++) values[k * 15 + v] = sino[v * nd + k];
    const f = createField({
      axes: ['detector', 'theta'],
      shape: [nd, 15],
      channels: ['sinogram'],
      values,
      dtype: 'float32',
      geometry: { coordinates: { theta: { values: Array.from(g.angles), units: 'radians' } } },
      provenance: { format: 'netcdf', path },
    });
    writeNetcdfClassic(path, f);
    const input = sinogramFromField(await openField(path));
    expect(input.views).toBe(15);
    for (let v = 0; v < 15; v++) expect(input.angles[v]).toBeCloseTo(g.angles[v], 6);
    for (let i = 0; i < sino.length; i++) expect(input.sinogram[i]).toBeCloseTo(sino[i], 4);
  });

  it('TIFF: angles from a flag list, or equally spaced on request', async () => {
    const path = join(dir, 'sino.tif');
    writeGeoTiff(path, { ...sinogramField(sino, g, { format: 'tiff', path }), axes: ['y', 'x'], geometry: { spacing: [1, 1], origin: [0, 0] } });
    const field = await openField(path);
    const flags = Array.from(g.angles, (a) => a / DEG);
    const input = sinogramFromField(field, { angles: flags });
    expect(input.anglesFrom).toBe('flag');
    expect(input.views).toBe(15);
    for (let i = 0; i < sino.length; i++) expect(input.sinogram[i]).toBeCloseTo(sino[i], 4);
    expect(sinogramFromField(field, { angles: 'equal' }).angles[1]).toBeCloseTo(12 * DEG, 12);
    // No angles anywhere: a one-line E_ARG naming the file.
    const e = refusal(() => sinogramFromField(field));
    expect(e.code).toBe('E_ARG');
    expect(e.path).toBe(path);
    expect(e.toLine()).toMatch(/sino\.tif: .*angle/);
  });

  it('refuses a size mismatch, zero views, non-2-D data and several channels, each with one line', async () => {
    const path = join(dir, 'sino2.tif');
    writeGeoTiff(path, { ...sinogramField(sino, g, { format: 'tiff', path }), axes: ['y', 'x'], geometry: { spacing: [1, 1], origin: [0, 0] } });
    const field = await openField(path);
    const mismatch = refusal(() => sinogramFromField(field, { angles: [0, 10, 20] }));
    expect(mismatch.code).toBe('E_ARG');
    expect(mismatch.message).toBe('the sinogram has 15 rows (views) but 3 angles were given');
    expect(mismatch.toLine().includes('\n')).toBe(false);
    const zero = refusal(() => sinogramFromField(field, { angles: [] }));
    expect(zero.code).toBe('E_ARG');
    expect(zero.message).toMatch(/zero views/);
    // Zero rows in the file itself.
    const empty: Field = { ...field, shape: [0, field.shape[1]], values: new Float32Array(0), mask: undefined };
    expect(refusal(() => sinogramFromField(empty, { angles: [] })).message).toMatch(/zero views/);
    // A real volume is not a sinogram.
    const volume = await openField(sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'));
    const nd = refusal(() => sinogramFromField(volume, { angles: [0] }));
    expect(nd.code).toBe('E_ARG');
    expect(nd.message).toMatch(/2-D/);
    expect(nd.path).toMatch(/stent_ct/);
    // An RGB image is not either.
    const rgb = await openField(sample('images', 'astronaut.png'));
    expect(refusal(() => sinogramFromField(rgb, { angles: [0] })).message).toMatch(/one channel/);
    // Non-finite values.
    const holed: Field = { ...field, values: field.values.slice() };
    holed.values[5] = NaN;
    expect(refusal(() => sinogramFromField(holed, { angles: flagsOf(15) })).code).toBe('E_DATA');
    // A singleton axis is dropped: 1 × views × bins reads as views × bins.
    const thick: Field = { ...field, axes: ['z', 'y', 'x'], shape: [1, ...field.shape] };
    expect(sinogramFromField(thick, { angles: flagsOf(15) }).views).toBe(15);
  });
});

function flagsOf(n: number): number[] {
  return Array.from({ length: n }, (_, k) => (k * 180) / n);
}
