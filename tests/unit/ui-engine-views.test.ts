/**
 * The engine support the viewer asks for: a job's resampled output through getSlice/getVolume
 * (`output: 'resampled'`) with its grid on the JobResult, the request checks for it, and the
 * nets' backends with threads and a measured rate (`backends()`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo, JobEvent, JobResult } from '../../main/api/contract';
import { validateRequest } from '../../main/api/validate';
import { EngineService } from '../../main/service/engine';
import { sample } from '../helpers/samples';

const engine = new EngineService();
let info: DatasetInfo;

function finished(jobId: string): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const off = engine.onJobEvent((e: JobEvent) => {
      if (e.jobId !== jobId) return;
      if (e.type === 'done') {
        off();
        resolve(e.result);
      } else if (e.type === 'error') {
        off();
        reject(new Error(e.error.message));
      }
    });
  });
}

beforeAll(async () => {
  info = await engine.open({ path: sample('netcdf', 'sub.nc') });
});
afterAll(() => engine.close());

describe('requests for a resampled output', () => {
  it('accept output with resultOf, and nothing else', () => {
    expect(() => validateRequest('getSlice', { datasetId: 'ds-1', resultOf: 'job-1', output: 'resampled' })).not.toThrow();
    expect(() => validateRequest('getVolume', { datasetId: 'ds-1', resultOf: 'job-1', output: 'reconstruction' })).not.toThrow();
    expect(() => validateRequest('getSlice', { datasetId: 'ds-1', output: 'resampled' })).toThrow(/output needs resultOf/);
    expect(() => validateRequest('getSlice', { datasetId: 'ds-1', resultOf: 'job-1', output: 'finer' })).toThrow(/output must be/);
    expect(() => validateRequest('backends', undefined)).not.toThrow();
  });
});

describe('the resampled output of a super-resolution run', () => {
  let jobId: string;
  let result: JobResult;

  beforeAll(async () => {
    ({ jobId } = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm', task: { kind: 'superres', scale: 2 }, params: { hidden: 16 } }));
    result = await finished(jobId);
  });

  it('reports its grid: twice the samples along every axis, half the spacing', () => {
    const g = result.resampled!;
    expect(g.shape).toEqual(info.shape.map((n) => 2 * n));
    g.spacing.forEach((s, k) => expect(s).toBeCloseTo(info.spacing[k] / 2, 12));
  });

  it('gives its slices and volume at that resolution, the reconstruction at the source’s', async () => {
    const g = result.resampled!;
    const fine = await engine.getSlice({ datasetId: info.id, resultOf: jobId, output: 'resampled', index: [3, 1] });
    expect([fine.height, fine.width]).toEqual(g.shape.slice(-2));
    expect(fine.values.some((v) => Number.isFinite(v) && v !== 0)).toBe(true);
    const recon = await engine.getSlice({ datasetId: info.id, resultOf: jobId, index: [3, 1] });
    expect([recon.height, recon.width]).toEqual(info.shape.slice(-2));
    const plane = await engine.getSlice({ datasetId: info.id, resultOf: jobId, output: 'resampled', plane: [1, 3], at: [5, 0, 7, 0] });
    expect([plane.height, plane.width]).toEqual([g.shape[1], g.shape[3]]);
    const vol = await engine.getVolume({ datasetId: info.id, resultOf: jobId, output: 'resampled', index: [2] });
    expect(vol.shape).toEqual(g.shape.slice(1) as [number, number, number]);
    vol.spacing.forEach((s, k) => expect(s).toBeCloseTo(g.spacing[k + 1], 12));
  });

  it('refuses a resampled output of a plain fit', async () => {
    const { jobId: plain } = await engine.startJob({ kind: 'fit', datasetId: info.id, method: 'elm', params: { hidden: 16 } });
    const r = await finished(plain);
    expect(r.resampled).toBeUndefined();
    await expect(engine.getSlice({ datasetId: info.id, resultOf: plain, output: 'resampled' })).rejects.toThrow(/no resampled output/);
  });
});

describe('backends', () => {
  it('lists every backend in auto order, CPU ones with a thread count and a measured rate', async () => {
    const list = await engine.backends();
    expect(list.map((b) => b.id)).toEqual(['tfjs-node-gpu', 'webgpu', 'wasm', 'cpu']);
    const cpu = list.find((b) => b.id === 'cpu')!;
    expect(cpu).toMatchObject({ available: true, device: 'cpu', threads: 1 });
    expect(cpu.gflops).toBeGreaterThan(0);
    for (const b of list) {
      expect(b.device).toBe(b.id === 'wasm' || b.id === 'cpu' ? 'cpu' : 'gpu');
      if (!b.available) expect(b.reason.length).toBeGreaterThan(0);
    }
  });
});
