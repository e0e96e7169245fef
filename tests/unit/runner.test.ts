import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../main/jobs/runner';
import { InrError } from '../../main/core/errors';
import type { ProgressInfo } from '../../main/jobs/types';

const jobsModule = fileURLToPath(new URL('../fixtures/test-jobs.ts', import.meta.url));
const runner = new JobRunner({ size: 2, jobsModule, cancelGraceMs: 500 });
afterAll(() => runner.close());

describe('JobRunner', () => {
  it('delivers progress events in order, then the result', async () => {
    const seen: ProgressInfo[] = [];
    let started = false;
    const result = await runner.run<{ counted: number }>(
      'count',
      { steps: 50 },
      {
        onStart: () => (started = true),
        onProgress: (p) => {
          expect(started).toBe(true);
          seen.push(p);
        },
      },
    );
    expect(result.counted).toBe(50);
    expect(seen).toHaveLength(50);
    seen.forEach((p, i) => {
      expect(p.stage).toBe('counting');
      expect(p.metrics?.i).toBe(i + 1);
      expect(p.fraction).toBeCloseTo((i + 1) / 50, 12);
    });
  });

  it('cancels a running job through its AbortSignal', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = runner.run('spin', { ms: 20000 }, { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(10000);
  });

  it('terminates a job that ignores cancellation and keeps serving', async () => {
    const ac = new AbortController();
    const p = runner.run('deaf', { ms: 30000 }, { signal: ac.signal, onStart: () => setTimeout(() => ac.abort(), 100) });
    await expect(p).rejects.toMatchObject({ code: 'E_CANCELLED' });
    // The pool replaced the terminated worker.
    await expect(runner.run('count', { steps: 3 })).resolves.toEqual({ counted: 3 });
  });

  it('rejects a job cancelled before it starts', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runner.run('count', { steps: 1 }, { signal: ac.signal })).rejects.toMatchObject({ code: 'E_CANCELLED' });
  });

  it('returns typed errors as readable messages', async () => {
    const err = (await runner.run('fail', { path: '/data/x.dcm' }).catch((e: unknown) => e)) as InrError;
    expect(err).toBeInstanceOf(InrError);
    expect(err.code).toBe('E_CORRUPT');
    expect(err.toLine()).toBe('/data/x.dcm: the test file is broken');
  });

  it('reports an unexpected exception as an internal error, not a crash', async () => {
    const err = (await runner.run('crash', {}).catch((e: unknown) => e)) as InrError;
    expect(err).toBeInstanceOf(InrError);
    expect(err.code).toBe('E_INTERNAL');
    expect(err.message).toMatch(/undefined/);
  });

  it('rejects an unknown job kind', async () => {
    await expect(runner.run('nope', {})).rejects.toMatchObject({ code: 'E_ARG' });
  });

  it('transfers large typed-array results intact', async () => {
    const r = await runner.run<{ values: Float32Array }>('big', { n: 1 << 20 });
    expect(r.values).toBeInstanceOf(Float32Array);
    expect(r.values.length).toBe(1 << 20);
    expect(r.values[12345]).toBe(12345);
  });

  it('runs jobs in parallel across the pool', async () => {
    // Each job waits until both have started: only possible if two workers run at once.
    const counter = new SharedArrayBuffer(4);
    const results = await Promise.all([
      runner.run<{ met: boolean }>('rendezvous', { counter, n: 2, timeoutMs: 30000 }),
      runner.run<{ met: boolean }>('rendezvous', { counter, n: 2, timeoutMs: 30000 }),
    ]);
    expect(results.map((r) => r.met)).toEqual([true, true]);
  });
});
