/**
 * The crafted resource bombs of tests/fixtures/bombs, through the real command line: each one is
 * given to `inr-studio info` (under INR_MAX_MEMORY=16M) and to `inr-studio fit --method elm`
 * (under 4G, or 16M for a valid image that 4G lets through) as a separate process. Each run
 * must exit with code 2 within its bound, print one line on stderr that names the file and the
 * claimed size, print no stack trace, and keep its peak RSS under 500 MB (measured by GNU time
 * or /proc VmHWM: see tests/helpers/spawn-cli.ts). Three claims beyond any default limit also
 * run with no INR_MAX_MEMORY at all. Runs go two at a time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOMB_DIR, BOMBS, LARGE_LIMIT, SMALL_LIMIT, type Bomb } from '../fixtures/make-bombs';
import { limiter, runCli, STACK_LINE, type CliRun } from '../helpers/spawn-cli';

const MAX_PEAK_MB = 500;
/** Bound of one run: a few seconds normally (most of it loading the engine); 90 s on a loaded CI machine. */
const RUN_BOUND_MS = 90_000;
const two = limiter(2);
const out = mkdtempSync(join(tmpdir(), 'bombs-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const figures: string[] = [];
afterAll(() => console.log(`peak RSS per run (MB):\n${figures.sort().join('\n')}`));

function checkRun(r: CliRun, b: Bomb, limitText: string | undefined): void {
  const label = `${b.file}: exit ${r.code}${r.timedOut ? ' (killed at the bound)' : ''}, stderr ${JSON.stringify(r.stderr.slice(0, 400))}`;
  expect(r.timedOut, label).toBe(false);
  expect(r.code, label).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines.length, label).toBe(1);
  expect(r.stderr, label).not.toMatch(STACK_LINE);
  expect(lines[0]).toMatch(/^inr-studio: /);
  expect(lines[0]).toContain(b.file);
  expect(lines[0]).toMatch(b.names);
  if (limitText) expect(lines[0]).toContain(`the memory limit is ${limitText}`);
  expect(r.peakMB, `${b.file}: peak RSS ${r.peakMB.toFixed(0)} MB (${r.rssMethod})`).toBeLessThan(MAX_PEAK_MB);
}

describe('every crafted file ends the real CLI with exit code 2, one line, bounded memory', () => {
  for (const b of BOMBS) {
    it.concurrent(
      `${b.file}: info under ${SMALL_LIMIT}, fit --method elm under ${b.large === 'ok' ? SMALL_LIMIT : LARGE_LIMIT} (${b.what})`,
      async () => {
        const path = join(BOMB_DIR, b.file);
        const fitLimit = b.large === 'ok' ? SMALL_LIMIT : LARGE_LIMIT;
        const fitExpect = b.large === 'ok' ? b.small : b.large;
        const dest = join(out, b.file);
        const [info, fit] = await Promise.all([
          two(() => runCli(['info', path], { env: { INR_MAX_MEMORY: SMALL_LIMIT }, timeoutMs: RUN_BOUND_MS })),
          two(() => runCli(['fit', path, '--method', 'elm', '--out', dest], { env: { INR_MAX_MEMORY: fitLimit }, timeoutMs: RUN_BOUND_MS })),
        ]);
        figures.push(`${b.file.padEnd(36)} info ${info.peakMB.toFixed(0).padStart(4)}  fit ${fit.peakMB.toFixed(0).padStart(4)}  (${info.rssMethod})`);
        checkRun(info, b, b.small === 'E_TOO_LARGE' ? '16.0 MiB' : undefined);
        checkRun(fit, b, fitExpect === 'E_TOO_LARGE' ? (fitLimit === SMALL_LIMIT ? '16.0 MiB' : '4.0 GiB') : undefined);
        // A refused fit leaves no results behind.
        expect(existsSync(dest) ? readdirSync(dest) : []).toEqual([]);
      },
      4 * RUN_BOUND_MS,
    );
  }

  for (const file of ['nifti-30000-cubed.nii', 'tiff-1e6x1e6.tif', 'netcdf4-dim-2e31.nc']) {
    it.concurrent(
      `${file}: info with the default limit (no INR_MAX_MEMORY)`,
      async () => {
        const b = BOMBS.find((x) => x.file === file)!;
        const r = await two(() => runCli(['info', join(BOMB_DIR, file)], { env: { INR_MAX_MEMORY: undefined }, timeoutMs: RUN_BOUND_MS }));
        figures.push(`${file.padEnd(36)} info ${r.peakMB.toFixed(0).padStart(4)}  (default limit)`);
        checkRun(r, b, undefined);
        expect(r.stderr).toMatch(/half of this machine's memory/);
      },
      2 * RUN_BOUND_MS,
    );
  }
});
