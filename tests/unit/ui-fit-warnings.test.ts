/**
 * Honest warnings before a run (renderer/src/lib/fitWarnings.ts), the runs' numbering per dataset
 * (lib/runs.ts), menus kept inside the window (lib/menuPlacement.ts), and the links between a
 * source grid and a resampled output (lib/resampled.ts).
 */
import { describe, expect, it } from 'vitest';
import type { BackendInfo } from '../../main/api/contract';
import { MIN_OBSERVED_FRACTION as ENGINE_MIN_FRACTION, MIN_SAMPLES as ENGINE_MIN_SAMPLES } from '../../main/tasks/fit';
import {
  aboutDuration,
  backendNotice,
  chosenBackend,
  expectedSeconds,
  MIN_OBSERVED_FRACTION,
  MIN_SAMPLES,
  netWeights,
  observedSamples,
  sampleWarning,
} from '../../renderer/src/lib/fitWarnings';
import { placeMenu } from '../../renderer/src/lib/menuPlacement';
import { indexOn, linkedTransform, nearestPosition, resampledGridInfo, viewGridOf, withSourceMask } from '../../renderer/src/lib/resampled';
import { datasetKeyOf, metricsCsv, nextRunNumber, runColor, runLabel } from '../../renderer/src/lib/runs';

describe('too few samples', () => {
  it('uses the engine’s own thresholds', () => {
    expect(MIN_SAMPLES).toBe(ENGINE_MIN_SAMPLES);
    expect(MIN_OBSERVED_FRACTION).toBe(ENGINE_MIN_FRACTION);
  });

  it('warns that 9 valid samples of 9.3 M will be refused, before the run', () => {
    const w = sampleWarning({ valid: 9, samples: 9_300_000 });
    expect(w?.level).toBe('refuse');
    expect(w?.text).toContain('Too few samples: 9 valid samples of 9,300,000');
    // Enough in absolute terms but not as a share of a large grid.
    expect(sampleWarning({ valid: 500, samples: 9_300_000 })?.level).toBe('refuse');
    // A sparse but usable field: allowed, with a caveat.
    expect(sampleWarning({ valid: 5_000, samples: 1_000_000 })?.level).toBe('warn');
    expect(sampleWarning({ valid: 11_752, samples: 16_200 })).toBeNull();
  });

  it('counts what inpainting leaves to fit', () => {
    expect(observedSamples({ valid: 100, samples: 100 }, { drop: 0.9 })).toBe(10);
    expect(sampleWarning({ valid: 100, samples: 100 }, { drop: 0.9 })?.level).toBe('refuse');
    expect(observedSamples({ valid: 100, samples: 100 }, { hidden: 95 })).toBe(5);
  });
});

describe('a net’s backend and expected time', () => {
  const list: BackendInfo[] = [
    { id: 'tfjs-node-gpu', available: false, reason: 'not installed', device: 'gpu' },
    { id: 'webgpu', available: false, reason: 'no adapter', device: 'gpu' },
    { id: 'wasm', available: true, reason: 'SIMD, 1 thread', device: 'cpu', threads: 1, gflops: 25 },
    { id: 'cpu', available: true, reason: 'plain JavaScript', device: 'cpu', threads: 1, gflops: 0.5 },
  ];

  it('takes the first available backend for auto, the named one otherwise', () => {
    expect(chosenBackend(list, 'auto')?.id).toBe('wasm');
    expect(chosenBackend(list, undefined)?.id).toBe('wasm');
    expect(chosenBackend(list, 'cpu')?.id).toBe('cpu');
  });

  it('counts the weights of a dense net like the engine’s SIREN (198,401 for 256×3 on 2-D data)', () => {
    expect(netWeights({ inputs: 2, outputs: 1, width: 256, layers: 3 })).toBe(198_401);
  });

  it('states backend, threads and time before a long CPU run', () => {
    const est = { steps: 2000, samplesPerStep: 262_144, weights: netWeights({ inputs: 2, outputs: 1, width: 256, layers: 3 }) };
    const s = expectedSeconds({ ...est, gflops: 25 })!;
    // 2000 · 6 · 262144 · 198401 / (25e9 · 0.2) ≈ 1.25e5 s: more than a day.
    expect(s).toBeCloseTo((2000 * 6 * 262_144 * 198_401) / 5e9, 0);
    const n = backendNotice(chosenBackend(list, 'auto'), est);
    expect(n.text).toMatch(/^Runs on wasm \(CPU, 1 thread\) · about \d+(\.\d)? h for 2,000 steps × 262,144 samples · a GPU backend or fewer steps would be much faster$/);
    expect(backendNotice(list[1], est).level).toBe('refuse');
    expect(aboutDuration(45)).toBe('about 45 s');
    expect(aboutDuration(600)).toBe('about 10 min');
  });
});

describe('runs belong to their dataset', () => {
  it('numbers each dataset’s runs 1, 2, 3… whatever ran between', () => {
    const a = datasetKeyOf({ path: '/d/sst.nc', selection: { variable: 'sst' } });
    const b = datasetKeyOf({ path: '/d/sst.nc', selection: { variable: 'ice' } });
    expect(a).not.toBe(b);
    const runs = [
      { datasetKey: a, number: 1 },
      { datasetKey: b, number: 1 },
      { datasetKey: a, number: 2 },
    ];
    expect(nextRunNumber(runs, a)).toBe(3);
    expect(nextRunNumber(runs, b)).toBe(2);
    expect(nextRunNumber(runs, 'other')).toBe(1);
  });

  it('labels and colours a run by its number, in the table and the CSV', () => {
    const r = { jobId: 'job-17', number: 2, phase: 'done' as const, points: [] };
    expect(runLabel(r)).toBe('#2');
    expect(runColor(r)).toBe(runColor('job-2'));
    expect(runLabel('job-17')).toBe('#17');
    expect(metricsCsv([r]).split('\r\n')[1].startsWith('#2,')).toBe(true);
  });
});

describe('menus stay inside the window', () => {
  const vp = { width: 1280, height: 720 };
  it('drops below its button, or above when the room is there', () => {
    const below = placeMenu({ left: 1100, top: 100, right: 1180, bottom: 124 }, { width: 240, height: 300 }, vp);
    expect(below.top).toBe(126);
    expect(below.left + 240).toBeLessThanOrEqual(vp.width - 6);
    const above = placeMenu({ left: 1100, top: 640, right: 1180, bottom: 664 }, { width: 240, height: 300 }, vp);
    expect(above.top + 300).toBeLessThanOrEqual(640);
    expect(above.top).toBeGreaterThanOrEqual(6);
  });

  it('shifts left at the right edge and caps its height to the room it has', () => {
    const p = placeMenu({ left: 1200, top: 10, right: 1270, bottom: 34 }, { width: 420, height: 900 }, vp, 'left');
    expect(p.left + 420).toBeLessThanOrEqual(vp.width - 6);
    expect(p.top + p.maxHeight).toBeLessThanOrEqual(vp.height - 6);
  });
});

describe('a resampled output beside its source', () => {
  const source = { shape: [20, 64, 48], axes: ['z', 'y', 'x'], spacing: [5, 1, 1], origin: [-50, 0, 0], format: 'nifti' };
  // Through-plane ×2 anchored at the slices: 39 slices every 2.5 mm.
  const interp = { shape: [39, 64, 48], spacing: [2.5, 1, 1], origin: [-50, 0, 0] };

  it('describes the output grid with the source’s axes', () => {
    const g = resampledGridInfo(source, interp);
    expect(g.shape).toEqual([39, 64, 48]);
    expect(g.axes).toEqual(['z', 'y', 'x']);
    expect(g.spacing[0]).toBe(2.5);
  });

  it('links slices by physical position: every second resampled slice is a source slice', () => {
    expect(indexOn(interp, source, 0, 10)).toBe(5);
    expect(nearestPosition(interp, source, [10, 3, 4], [0])).toEqual([5, 3, 4]);
    expect(nearestPosition(source, interp, [7, 0, 0], [0])).toEqual([14, 0, 0]);
    expect(nearestPosition(interp, source, [38, 0, 0], [0])).toEqual([19, 0, 0]);
  });

  it('carries a pan/zoom across grids of different resolution and back', () => {
    const sr = { shape: [128, 96], spacing: [0.5, 0.5], origin: [-0.25, -0.25] };
    const src = viewGridOf({ shape: [64, 48], spacing: [1, 1], origin: [0, 0] }, { aspect: 1, flipY: false });
    const fine = viewGridOf(sr, { aspect: 1, flipY: false });
    const t = { zoom: 4, cx: 20.5, cy: 10.5, fit: false };
    const u = linkedTransform(t, src, fine)!;
    // Twice the pixels: half the zoom, the same physical point in the middle.
    expect(u.zoom).toBeCloseTo(2, 9);
    expect(u.cx).toBeCloseTo(41, 9);
    expect(u.cy).toBeCloseTo(21, 9);
    const back = linkedTransform(u, fine, src)!;
    expect(back.cx).toBeCloseTo(t.cx, 9);
    expect(back.zoom).toBeCloseTo(t.zoom, 9);
    expect(linkedTransform(null, src, fine)).toBeNull();
  });

  it('carries the source’s nodata onto the finer grid (nearest source sample)', () => {
    const srcGrid = { shape: [2, 2], spacing: [1, 1], origin: [0, 0] };
    const fineGrid = { shape: [4, 4], spacing: [0.5, 0.5], origin: [-0.25, -0.25] };
    const source = { width: 2, height: 2, channels: 1, values: Float32Array.from([1, 2, 3, NaN]), mask: Uint8Array.from([1, 0, 1, 1]) };
    const fine = { width: 4, height: 4, channels: 1, values: new Float32Array(16).fill(5) };
    const m = withSourceMask(fine, fineGrid, source, srcGrid).mask!;
    // Source (0, 1) is masked and (1, 1) is NaN: the right half of the output is nodata.
    expect(Array.from(m)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    const full = { ...source, values: Float32Array.from([1, 2, 3, 4]), mask: undefined };
    expect(withSourceMask(fine, fineGrid, full, srcGrid)).toBe(fine);
  });
});
