/** Runs on the chart and in the metrics CSV (renderer/src/lib/runs.ts). */
import { describe, expect, it } from 'vitest';
import type { JobResult } from '../../main/api/contract';
import { methodCatalog } from '../../main/methods/registry';
import { chartScale, chartSeries, csvField, metricsCsv, paramsText, RUN_COLORS, runColor, setMethodNames, type RunLike } from '../../renderer/src/lib/runs';

// The short names the UI takes from the engine's registry (state/catalog.ts does this at start-up).
setMethodNames(Object.fromEntries(methodCatalog().methods.map((m) => [m.id, m.short])));

function done(jobId: string, psnr: number, seconds: number, extra: Partial<RunLike> = {}): RunLike {
  const result: JobResult = { kind: 'fit', seconds, metrics: { psnr, ssim: 0.9, params: 1234 }, summary: { backend: 'js', cells: '8×8', hidden: 64 } };
  return { jobId, phase: 'done', method: 'elm', points: [{ t: seconds, psnr }], result, ...extra };
}

describe('chart series', () => {
  it('one per run, colour by run number, live and finished runs apart', () => {
    const runs: RunLike[] = [
      done('job-1', 30, 2),
      {
        jobId: 'job-2',
        phase: 'running',
        method: 'siren',
        params: { iga: true },
        points: [
          { t: 1, psnr: 12 },
          { t: 0.5, psnr: 10 },
          { t: 2, psnr: NaN },
        ],
      },
      { jobId: 'job-3', phase: 'error', method: 'elm', points: [{ t: 1, psnr: 3 }] },
      { jobId: 'job-4', phase: 'cancelled', method: 'ffn', points: [] },
    ];
    const s = chartSeries(runs, { selected: 'job-1' });
    expect(s.map((x) => x.id)).toEqual(['job-1', 'job-2']); // failed and empty cancelled runs have no line
    expect(s[0]).toMatchObject({ label: '#1 ELM', color: RUN_COLORS[0], done: true, live: false, selected: true, visible: true });
    expect(s[1]).toMatchObject({ label: '#2 SIREN+IGA', color: RUN_COLORS[1], done: false, live: true, selected: false });
    // Sorted by time, the non-finite point dropped.
    expect(s[1].points).toEqual([
      { t: 0.5, v: 10 },
      { t: 1, v: 12 },
    ]);
  });

  it('a running run shows before its first point; a finished run without points gets its final one', () => {
    const s = chartSeries([
      { jobId: 'job-7', phase: 'starting', points: [] },
      { ...done('job-8', 25, 3), points: [] },
    ]);
    expect(s[0]).toMatchObject({ live: true, points: [] });
    expect(s[1].points).toEqual([{ t: 3, v: 25 }]);
  });

  it('hidden runs stay in the legend but leave the scale', () => {
    const runs = [done('job-1', 30, 2), done('job-2', 50, 20)];
    const s = chartSeries(runs, { hidden: new Set(['job-2']) });
    expect(s.map((x) => x.visible)).toEqual([true, false]);
    const sc = chartScale(s)!;
    expect(sc.tMax).toBeCloseTo(2 * 1.08);
    expect(sc.vMax).toBeLessThan(50);
    expect(chartScale(s.map((x) => ({ ...x, visible: false })))).toBeNull();
  });

  it('colours cycle and stay with the run', () => {
    expect(runColor('job-1')).toBe(RUN_COLORS[0]);
    expect(runColor('job-11')).toBe(RUN_COLORS[0]);
    expect(runColor('job-12')).toBe(RUN_COLORS[1]);
    expect(runColor('weird', 3)).toBe(RUN_COLORS[3]);
  });
});

describe('metrics CSV', () => {
  it('quotes fields only where needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(undefined)).toBe('');
    expect(csvField(NaN)).toBe('');
    expect(csvField(1.5)).toBe('1.5');
  });

  it('one header and one line per run, with the run table columns', () => {
    const runs: RunLike[] = [
      done('job-1', 31.25, 1.5, {
        datasetName: 'astro, naut.png',
        task: 'inpaint',
        params: { overlap: 0.15, hidden: 64 },
        result: {
          kind: 'fit',
          seconds: 1.5,
          metrics: { psnr: 31.25, ssim: 0.91, psnr_unobserved: 24.5, params: 9000 },
          summary: { backend: 'js-float64 (2 threads)', cells: '8×8', hidden: 64 },
        },
      }),
      { jobId: 'job-2', phase: 'cancelled', method: 'siren', points: [] },
    ];
    const csv = metricsCsv(runs);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('run,dataset,method,task,status,params,parameters,seconds,psnr,ssim,psnr_unobserved,rmse,mae,backend,cells,hidden,iou,views');
    expect(lines[1]).toBe('#1,"astro, naut.png",elm,inpaint,done,hidden=64;overlap=0.15,9000,1.5,31.25,0.91,24.5,,,js-float64 (2 threads),8×8,64,,');
    expect(lines[2]).toBe('#2,,siren,,cancelled,,,,,,,,,,,,,');
    expect(lines[3]).toBe('');
    expect(lines).toHaveLength(4);
  });

  it('params text sorts keys', () => {
    expect(paramsText({ steps: 2, iga: true })).toBe('iga=true;steps=2');
    expect(paramsText(undefined)).toBe('');
  });
});
