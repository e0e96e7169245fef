/**
 * Process-level fuzzing in the test suite (issue 13 point 2, issue 19): a modest number of
 * seeded mutations of the shared samples, each through the real CLI in its own process; every
 * one must exit 0 or 2 within its bound, without a stack trace, under the memory cap. Longer runs:
 * `npm run fuzz -- --cases N` (tests/fuzz/process-fuzz.ts), which writes a JSON report.
 */
import { describe, expect, it } from 'vitest';
import { fuzzCases, fuzzReport, mutate, MUTATIONS, runFuzz, sampleFiles } from '../fuzz/process-fuzz';
import { prng } from '../helpers/prng';

describe('process-level fuzzing of the CLI', () => {
  it('covers every sample file and every kind of mutation, reproducibly', () => {
    const files = sampleFiles();
    expect(files.length).toBeGreaterThan(40);
    const cases = fuzzCases({ cases: files.length * MUTATIONS.length });
    expect(new Set(cases.map((c) => c.file)).size).toBe(files.length);
    expect(new Set(cases.map((c) => `${c.file}|${c.kind}`)).size).toBe(files.length * MUTATIONS.length);
    const src = new Uint8Array(4096).map((_, i) => i & 255);
    for (const kind of MUTATIONS) {
      const a = mutate(src, kind, prng(9));
      expect(mutate(src, kind, prng(9))).toEqual(a);
      expect(a).not.toEqual(src);
    }
  });

  it('every mutated sample ends the real process with exit 0 or 2, one line, no stack trace, bounded memory', async () => {
    // A spread of the files: cases i·7 of the full list, so files of every format come up.
    const results = await runFuzz({ cases: 36, seed: 7, fitEvery: 6, boundMs: 90_000, maxPeakMB: 1536, memoryLimit: '512M' });
    const report = fuzzReport(results);
    console.log(JSON.stringify({ cases: report.cases, exit_codes: report.exit_codes, max_rss: report.max_rss, slowest: report.slowest }));
    expect(report.failures).toEqual([]);
    expect(report.cases).toBe(36);
  }, 1_200_000);
});
