/**
 * Every command ends (issue 13, point 1): `inr-studio info` is spawned as a real process on every
 * file and every folder under the shared sample data (a DICOM series folder, the DICOMDIR tree
 * and its sub-folders count), two at a time. Each run must end by itself within its bound, with
 * exit code 0 (described) or 2 (a typed, one-line refusal), and never print a stack trace. A
 * NetCDF-4 file used to print its description and then hang for ever: the HDF5 worker's piped
 * stdio held the process open.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sampleDataRoot } from '../helpers/samples';
import { limiter, runCli, STACK_LINE } from '../helpers/spawn-cli';

/** Bound of one run: seconds normally (loading the engine dominates); generous for loaded CI machines. */
const RUN_BOUND_MS = 90_000;
const root = sampleDataRoot();

/** Every file and folder under `dir`, the folder itself included, in a stable order. */
function everything(dir: string): string[] {
  const out = [dir];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...everything(p));
    else out.push(p);
  }
  return out;
}

const paths = everything(root);
const two = limiter(Number(process.env.INR_EXITS_CONCURRENCY) || 2);
const slow: Array<[string, number]> = [];
afterAll(() => {
  slow.sort((a, b) => b[1] - a[1]);
  console.log(
    `${slow.length} info runs; slowest: ${slow
      .slice(0, 5)
      .map(([n, ms]) => `${n} ${(ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
});

describe('`inr-studio info` ends by itself on every shared sample', () => {
  it('finds the samples, folders included', () => {
    expect(paths.length).toBeGreaterThan(100);
    expect(paths.some((p) => p.endsWith('era5_style_uv_pressure_levels_nc4.nc'))).toBe(true);
    expect(paths.some((p) => p.endsWith('mr-series'))).toBe(true);
    expect(paths.some((p) => p.endsWith('dicomdirtests'))).toBe(true);
  });

  for (const path of paths) {
    const name = relative(root, path) || '.';
    it.concurrent(
      `${name}${statSync(path).isDirectory() ? '/' : ''}`,
      async () => {
        const r = await two(() => runCli(['info', path], { timeoutMs: RUN_BOUND_MS }));
        slow.push([name, r.ms]);
        const label = `${name}: exit ${r.code}${r.timedOut ? ` (still running after ${RUN_BOUND_MS / 1000} s: killed)` : ''} ${JSON.stringify(r.stderr.slice(0, 300))}`;
        expect(r.timedOut, label).toBe(false);
        expect([0, 2], label).toContain(r.code);
        expect(r.stderr, label).not.toMatch(STACK_LINE);
        if (r.code === 2) expect(r.stderr.trim().split('\n').length, label).toBe(1);
        else expect(r.stdout.length, label).toBeGreaterThan(0);
      },
      3 * RUN_BOUND_MS,
    );
  }
});

/** One sample of each format (and a series folder), for the commands that do more than read. */
const ONE_PER_FORMAT = [
  'images/camera.png',
  'dicom/mr-series',
  'dicom/pydicom/CT_small.dcm',
  'volumes/stent_ct_128x128x256_int16.nii.gz',
  'geotiff/elev.tif',
  'netcdf/sub.nc',
  'netcdf/era5_style_uv_pressure_levels_nc4.nc',
];

describe('`fit`, `backends`, `spectral-bias` and `methods` end by themselves too', () => {
  for (const rel of ONE_PER_FORMAT) {
    it.concurrent(
      `fit ${rel}`,
      async () => {
        const r = await two(() => runCli(['fit', join(root, rel), '--method', 'elm', '--json', '--out', 'out'], { timeoutMs: 3 * RUN_BOUND_MS }));
        const label = `${rel}: exit ${r.code}${r.timedOut ? ' (killed at the bound)' : ''} ${JSON.stringify(r.stderr.slice(0, 300))}`;
        expect(r.timedOut, label).toBe(false);
        expect(r.code, label).toBe(0);
        // With no budget, a fit never stores more parameters than the data has values.
        const j = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
        expect(j.params_per_value, label).toBeLessThanOrEqual(1);
      },
      6 * RUN_BOUND_MS,
    );
  }
  for (const args of [
    ['backends'],
    ['backends', '--json'],
    ['methods', '--json'],
    ['spectral-bias', '--method', 'elm', '--json'],
    ['spectral-bias', '--method', 'relu', '--steps', '3', '--json'],
  ]) {
    it.concurrent(
      args.join(' '),
      async () => {
        const r = await two(() => runCli(args, { timeoutMs: RUN_BOUND_MS }));
        expect(r.timedOut, r.stderr).toBe(false);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).not.toMatch(STACK_LINE);
      },
      3 * RUN_BOUND_MS,
    );
  }
});
