/**
 * One ELM pool per process (issue 12 point 6): the engine's job-runner threads reach the threads of
 * the process's pool through ports instead of starting pools of their own, and fits there equal
 * the one-thread fit bit for bit, two jobs at once included.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { JobRunner } from '../../main/jobs/runner';
import { openField } from '../../main/data/index';
import { resolveElmSpec } from '../../main/inr/elm/config';
import { fitElm, type FitInput } from '../../main/inr/elm/fit';
import { closeProcessPool, processPool, processPoolInit, setProcessThreads } from '../../main/inr/elm/parallel';
import { sample } from '../helpers/samples';

const jobsModule = fileURLToPath(new URL('../fixtures/test-jobs.ts', import.meta.url));

afterAll(() => closeProcessPool());

async function cameraCrop(n: number): Promise<FitInput> {
  const f = await openField(sample('images', 'camera.png'));
  const [, W] = f.shape;
  const values = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) values[y * n + x] = f.values[(200 + y) * W + 200 + x] / 255;
  return { values, shape: [n, n], channels: 1 };
}

describe('the process ELM pool', () => {
  it('serves the job-runner threads: two jobs at once use its threads, not their own, and fit bit for bit as one thread', async () => {
    await setProcessThreads(2);
    const runner = new JobRunner({ size: 2, jobsModule, workerInit: processPoolInit });
    try {
      const input = await cameraCrop(64);
      const spec = resolveElmSpec(input.shape, 1, { subdomains: 4, hidden: 32 });
      const serial = fitElm(input, spec);
      type Out = { shared: boolean; size: number; weights: Float32Array };
      const [a, b] = await Promise.all([runner.run<Out>('elmFit', { input, spec }), runner.run<Out>('elmFit', { input, spec })]);
      for (const r of [a, b]) {
        expect(r.shared).toBe(true);
        expect(r.size).toBe(processPool().size);
        expect(Array.from(r.weights)).toEqual(Array.from(serial.weights));
      }
      // The pool itself is still the process's own (threads started here, not ports).
      expect(processPool().shared).toBe(false);
    } finally {
      await runner.close();
    }
  }, 120_000);

  it('a runner without it starts a pool per thread (what the engine no longer does)', async () => {
    const runner = new JobRunner({ size: 1, jobsModule });
    try {
      const input = await cameraCrop(32);
      const spec = resolveElmSpec(input.shape, 1, { subdomains: 2, hidden: 16 });
      const r = await runner.run<{ shared: boolean }>('elmFit', { input, spec });
      expect(r.shared).toBe(false);
    } finally {
      await runner.close();
    }
  }, 120_000);
});
