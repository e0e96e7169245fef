/**
 * Occupancy fields (main/mesh/occupancy.ts, distance.ts): a voxelised mesh as a Field the fitters
 * take, occupancy of a CT/MR volume by threshold (a value or Otsu's) or of a label map, the
 * signed distance and smoothed occupancy, and an ELM-INR fit of a small occupancy grid through
 * the fit task.
 */
import { describe, expect, it } from 'vitest';
import { InrError } from '../../main/core/errors';
import { createField, sampleCount, type Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { occupancyBytes, occupancyField, occupancyFromVolume, resampleVolume } from '../../main/mesh/occupancy';
import { signedDistance, smoothOccupancy, squaredDistanceTo } from '../../main/mesh/distance';
import { voxelizeMesh } from '../../main/mesh/voxelize';
import { occupancyIoU } from '../../main/mesh/metrics';
import { runFitTask } from '../../main/tasks/fit';
import { sample } from '../helpers/samples';
import { prng } from '../helpers/prng';
import { icosphere } from './mesh-helpers';

function volume(shape: [number, number, number], f: (x: number, y: number, z: number) => number, extra: Partial<Field> = {}): Field {
  const [nz, ny, nx] = shape;
  const values = new Float32Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) values[(z * ny + y) * nx + x] = f(x, y, z);
  return createField({
    axes: ['z', 'y', 'x'],
    shape,
    channels: ['value'],
    values,
    dtype: 'int16',
    geometry: { spacing: [2, 0.5, 0.5], origin: [10, -5, 3], direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] },
    provenance: { format: 'nifti', path: '/data/test.nii.gz', meta: { nifti: { spaceUnit: 'mm' } } },
    ...extra,
  });
}

describe('occupancy of a mesh as a Field', () => {
  it('axes z, y, x; one uint8 channel of 0/1; the grid geometry in mesh units; occupancy provenance', () => {
    const sphere = { ...icosphere(2, 3, [1, 2, 3]), units: 'mm', name: 'ball.ply' };
    const { grid, stats } = voxelizeMesh(sphere, { resolution: 32 });
    const f = occupancyField(grid, '/meshes/ball.ply', { stats, format: 'ply' });
    expect(f.axes).toEqual(['z', 'y', 'x']);
    expect(f.channels).toEqual(['occupancy']);
    expect(f.dtype).toBe('uint8');
    expect(f.shape).toEqual(grid.shape);
    expect(f.values.length).toBe(sampleCount(f.shape));
    expect(new Set(f.values)).toEqual(new Set([0, 1]));
    expect(f.geometry.spacing).toEqual(grid.spacing);
    expect(f.geometry.origin).toEqual(grid.origin);
    expect(f.units).toBe('mm');
    expect(f.provenance.format).toBe('occupancy');
    expect(f.provenance.path).toBe('/meshes/ball.ply');
    expect(f.provenance.meta?.source).toBe('ball.ply');
    // The sphere of radius 3 about (1, 2, 3): the centre voxel is in, a corner voxel out.
    const h = f.geometry.spacing[0];
    const idx = (p: number[]) => {
      const [i, j, k] = [0, 1, 2].map((a) => Math.round((p[a] - f.geometry.origin[2 - a]) / h));
      return (k * f.shape[1] + j) * f.shape[2] + i;
    };
    expect(f.values[idx([1, 2, 3])]).toBe(1);
    expect(f.values[0]).toBe(0);
    expect(Array.from(occupancyBytes(f))).toEqual(Array.from(grid.data));
  });
});

describe('occupancy of a volume', () => {
  it('threshold: value ≥ t inside, NaN and masked samples outside, geometry and direction kept', () => {
    const shape: [number, number, number] = [6, 7, 8];
    const f = volume(shape, (x, y, z) => x * 10 + y + z * 100);
    f.values[5] = NaN;
    f.mask = new Uint8Array(f.values.length).fill(1);
    f.mask[(5 * 7 + 6) * 8 + 7] = 0; // the largest value, masked
    const { field: o, inside, threshold } = occupancyFromVolume(f, { threshold: 345 });
    expect(threshold).toBe(345);
    let want = 0;
    for (let i = 0; i < f.values.length; i++) {
      const on = f.values[i] >= 345 && f.mask[i] === 1 ? 1 : 0;
      expect(o.values[i]).toBe(on);
      want += on;
    }
    expect(inside).toBe(want);
    expect(o.dtype).toBe('uint8');
    expect(o.channels).toEqual(['occupancy']);
    expect(o.geometry.spacing).toEqual(f.geometry.spacing);
    expect(o.geometry.origin).toEqual(f.geometry.origin);
    expect(o.geometry.direction).toEqual(f.geometry.direction);
    expect(o.units).toBe('mm');
    expect(o.provenance).toMatchObject({ format: 'occupancy', path: '/data/test.nii.gz' });
  });

  it("Otsu's threshold splits a two-level volume between its levels", () => {
    const rand = prng(3);
    // A bright ball (about 1000 ± 50) in a dark background (about 100 ± 50).
    const f = volume([20, 20, 20], (x, y, z) => ((x - 10) ** 2 + (y - 9) ** 2 + (z - 10) ** 2 < 36 ? 1000 : 100) + (rand() - 0.5) * 100);
    const { field: o, threshold } = occupancyFromVolume(f, { threshold: 'otsu' });
    expect(threshold).toBeGreaterThan(150);
    expect(threshold).toBeLessThan(950);
    for (let i = 0; i < f.values.length; i++) expect(o.values[i]).toBe(f.values[i] > 500 ? 1 : 0);
  });

  it('labels: every label ≥ 1, or a given set', () => {
    const f = volume([4, 4, 4], (x, y, z) => (x + y + z) % 4);
    const pos = occupancyFromVolume(f, { labels: 'positive' }).field;
    const set = occupancyFromVolume(f, { labels: [2, 3] }).field;
    for (let i = 0; i < f.values.length; i++) {
      expect(pos.values[i]).toBe(f.values[i] >= 1 ? 1 : 0);
      expect(set.values[i]).toBe(f.values[i] === 2 || f.values[i] === 3 ? 1 : 0);
    }
  });

  it('refuses what it cannot make occupancy of, in one line', () => {
    const f = volume([3, 3, 3], () => 5);
    expect(() => occupancyFromVolume(f, { threshold: 9 })).toThrow(/no voxel satisfies value ≥ 9/);
    expect(() => occupancyFromVolume(f, { threshold: 1 })).toThrow(/every voxel/);
    expect(() => occupancyFromVolume(f, { threshold: 'otsu' })).toThrow(/constant/);
    expect(() => occupancyFromVolume(f, { labels: [] })).toThrow(/at least one label/);
    const rgb = createField({
      axes: ['z', 'y', 'x'],
      shape: [2, 2, 2],
      channels: ['R', 'G'],
      values: new Float32Array(16),
      dtype: 'uint8',
      provenance: { format: 'x', path: 'rgb' },
    });
    const e = (() => {
      try {
        occupancyFromVolume(rgb, { threshold: 1 });
      } catch (err) {
        return err as InrError;
      }
    })();
    expect(e).toBeInstanceOf(InrError);
    expect(e!.code).toBe('E_DATA');
    expect(e!.message).toMatch(/single-channel/);
  });

  it('Colin27 by Otsu: the head is inside, the corners of the volume are air', async () => {
    const f = await openField(sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'));
    const { field: o, inside, threshold } = occupancyFromVolume(f, { threshold: 'otsu' });
    expect(o.shape).toEqual(f.shape);
    expect(o.geometry).toMatchObject({ spacing: f.geometry.spacing, origin: f.geometry.origin, direction: f.geometry.direction });
    expect(threshold! > 0 && threshold! < 254).toBe(true);
    const n = o.values.length;
    expect(inside / n).toBeGreaterThan(0.2);
    expect(inside / n).toBeLessThan(0.8);
    expect(o.values[0]).toBe(0);
    expect(o.values[n - 1]).toBe(0);
    // Most of the central box is tissue (the dark ventricles are a small part of it).
    const [nz, ny, nx] = o.shape;
    let c = 0,
      m = 0;
    for (let k = nz >> 2; k < (3 * nz) >> 2; k++)
      for (let j = ny >> 2; j < (3 * ny) >> 2; j++) for (let i = nx >> 2; i < (3 * nx) >> 2; i++, m++) c += o.values[(k * ny + j) * nx + i];
    expect(c / m).toBeGreaterThan(0.7);
  });
});

describe('a volume resampled to cubic voxels (--res)', () => {
  it('runs from the first sample in steps of the longest extent / (res − 1), never past the last, and interpolates trilinearly', () => {
    // Spacing 2 × 0.5 × 0.5 (z, y, x): extents 14, 9.5, 4.5 from shape 8 × 20 × 10.
    const v = volume([8, 20, 10], (x, y, z) => 3 * z * 2 + 5 * y * 0.5 - 7 * x * 0.5 + 1);
    const r = resampleVolume(v, 29, 'linear');
    const h = 14 / 28;
    expect(r.geometry.spacing).toEqual([h, h, h]);
    expect(r.geometry.origin).toEqual(v.geometry.origin);
    expect(r.geometry.direction).toEqual(v.geometry.direction);
    expect(r.shape).toEqual([29, 20, 10]);
    // A linear function of position is reproduced exactly by trilinear interpolation.
    const [nz, ny, nx] = r.shape;
    for (let k = 0; k < nz; k += 3)
      for (let j = 0; j < ny; j += 4) for (let i = 0; i < nx; i += 3) expect(r.values[(k * ny + j) * nx + i]).toBeCloseTo(3 * k * h + 5 * j * h - 7 * i * h + 1, 4);
  });

  it('keeps labels by nearest sample, and the occupancy follows', () => {
    const v = volume([10, 10, 10], (x) => (x < 5 ? 2 : 7), { geometry: { spacing: [1, 1, 1], origin: [0, 0, 0] } });
    const r = resampleVolume(v, 19, 'nearest');
    expect(r.shape).toEqual([19, 19, 19]);
    expect(new Set(r.values)).toEqual(new Set([2, 7]));
    const o = occupancyFromVolume(r, { labels: [7] });
    // x ≥ 4.5 in source samples: 10 of the 19 new samples along x (9 × ½ = 4.5 rounds up).
    expect(o.inside).toBe(19 * 19 * 10);
  });

  it('refuses a resolution below 2 and a grid that does not fit in memory, in one line', () => {
    const v = volume([8, 8, 8], () => 1);
    expect(() => resampleVolume(v, 1, 'linear')).toThrow(/integer ≥ 2/);
    expect(() => resampleVolume(v, 1e6, 'linear')).toThrow(InrError);
  });
});

describe('signed distance and smoothed occupancy', () => {
  it('the distance transform equals brute force on a random grid', () => {
    const rand = prng(11);
    const shape: [number, number, number] = [7, 9, 11];
    const [nz, ny, nx] = shape;
    const occ = new Uint8Array(nz * ny * nx);
    for (let i = 0; i < occ.length; i++) occ[i] = rand() < 0.15 ? 1 : 0;
    const d2 = squaredDistanceTo(occ, shape, 1);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          let best = Infinity;
          for (let c = 0; c < nz; c++)
            for (let b = 0; b < ny; b++) for (let a = 0; a < nx; a++) if (occ[(c * ny + b) * nx + a]) best = Math.min(best, (a - i) ** 2 + (b - j) ** 2 + (c - k) ** 2);
          expect(d2[(k * ny + j) * nx + i]).toBe(best);
        }
  });

  it('signed distance: > 0 exactly inside, the surface half a voxel off the boundary voxels; smoothed > ½ exactly inside', () => {
    const shape: [number, number, number] = [16, 16, 16];
    const occ = new Uint8Array(16 ** 3);
    for (let k = 0; k < 16; k++)
      for (let j = 0; j < 16; j++) for (let i = 0; i < 16; i++) if (i >= 4 && i < 12 && j >= 4 && j < 12 && k >= 4 && k < 12) occ[(k * 16 + j) * 16 + i] = 1;
    const d = signedDistance(occ, shape);
    const s = smoothOccupancy(occ, shape, 2);
    for (let i = 0; i < occ.length; i++) {
      expect(d[i] > 0).toBe(occ[i] === 1);
      expect(s[i] > 0.5).toBe(occ[i] === 1);
    }
    // The box's centre (7.5 → voxel 7) is 4 voxels from the outside voxel 3: 4 − ½.
    expect(d[(7 * 16 + 7) * 16 + 7]).toBeCloseTo(3.5, 6);
    expect(d[(7 * 16 + 7) * 16 + 1]).toBeCloseTo(-2.5, 6);
  });
});

describe('fitting occupancy with ELM-INR', () => {
  it('the occupancy Field goes through the fit task; thresholding the fit at ½ recovers the sphere', async () => {
    const { grid } = voxelizeMesh(icosphere(3), { resolution: 24 });
    const f = occupancyField(grid, 'sphere');
    const r = await runFitTask(f, { method: 'elm', params: { hidden: 32 } });
    expect(r.reconstruction.shape).toEqual(f.shape);
    expect(occupancyIoU(r.reconstruction.values, f.values).iou).toBeGreaterThan(0.95);
  });
});

describe('the band fit of 0/1 occupancy (ELM-INR)', () => {
  async function bunny(res: number): Promise<Field> {
    return openField(sample('meshes', 'bunny00.off'), { res });
  }

  it('is the default on an occupancy grid: at the same params it misclassifies fewer voxels than least squares', async () => {
    const f = await bunny(40);
    const params = { hidden: 24, subdomains: [3, 3, 3] };
    const band = await runFitTask(f, { method: 'elm', params });
    const ls = await runFitTask(f, { method: 'elm', params: { ...params, band: 0 } });
    expect(band.report.params).toBe(ls.report.params);
    expect(band.report.mesh?.band).toBe(0.25);
    expect(ls.report.mesh?.band).toBeUndefined();
    const iouBand = occupancyIoU(band.reconstruction.values, f.values).iou;
    const iouLs = occupancyIoU(ls.reconstruction.values, f.values).iou;
    expect(iouBand).toBeGreaterThan(iouLs);
    // The fit stays bounded (the band keeps neighbouring cells' values comparable).
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of band.reconstruction.values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThan(-1);
    expect(hi).toBeLessThan(2);
  });

  it('is not used on other fields, a 0/1 image included; asked for on data other than 0/1 it is a one-line error', async () => {
    const camera = await openField(sample('images', 'camera.png'));
    const r = await runFitTask(camera, { method: 'elm', params: { hidden: 16, subdomains: [4, 4] } });
    expect(r.report.mesh?.band).toBeUndefined();
    // The same 0/1 values as an image rather than an occupancy: least squares unless asked.
    const f = await bunny(24);
    const image = { ...f, provenance: { format: 'nifti', path: 'mask.nii' } };
    expect((await runFitTask(image, { method: 'elm', params: { hidden: 16 } })).report.mesh?.band).toBeUndefined();
    expect((await runFitTask(image, { method: 'elm', params: { hidden: 16, band: 0.1 } })).report.mesh?.band).toBe(0.1);
    await expect(runFitTask(camera, { method: 'elm', params: { hidden: 16, subdomains: [4, 4], band: 0.25 } })).rejects.toThrow(/--band fits 0\/1 data/);
  });
});

describe('the band fit of 0/1 occupancy (ELM+BEAM)', () => {
  it('its final solve uses the band on 0/1 data by default and classifies better than least squares at the same mesh', async () => {
    const f = await openField(sample('meshes', 'bunny00.off'), { res: 40 });
    const params = { budget: 800, hidden: 24 };
    const band = await runFitTask(f, { method: 'elm-beam', params });
    const ls = await runFitTask(f, { method: 'elm-beam', params: { ...params, band: 0 } });
    expect(band.report.mesh?.band).toBe(0.25);
    expect(ls.report.mesh?.band).toBeUndefined();
    // The mesh is built by least squares either way: the same cells, the same params.
    expect(band.report.params).toBe(ls.report.params);
    expect(band.report.mesh?.cells).toEqual(ls.report.mesh?.cells);
    expect(occupancyIoU(band.reconstruction.values, f.values).iou).toBeGreaterThan(occupancyIoU(ls.reconstruction.values, f.values).iou);
  });
});
