/**
 * Process-level fuzzing of the real command line (issue 13 point 2): seeded mutations of every
 * shared sample file — bit flips, truncation at a random offset, corrupted header fields,
 * dimensions set to huge values — each given to `inr-studio info` (and every few cases to
 * `inr-studio fit`) as a separate process. A case passes when the process exits 0 or 2 within
 * its bound, prints no stack trace, and stays under the RSS cap.
 *
 *   npm run fuzz -- --cases 500 [--seed 1] [--fit-every 4] [--out bench-results/fuzz.json]
 *
 * The unit test tests/unit/process-fuzz.test.ts runs a modest number of cases of the same code.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative } from 'node:path';
import { prng } from '../helpers/prng';
import { sampleDataRoot } from '../helpers/samples';
import { limiter, runCli, STACK_LINE, type CliRun } from '../helpers/spawn-cli';

export type MutationKind = 'bitflip' | 'truncate' | 'header' | 'huge-dims';
export const MUTATIONS: MutationKind[] = ['bitflip', 'truncate', 'header', 'huge-dims'];

/** Every sample file (documentation left out), relative to the sample root. */
export function sampleFiles(root = sampleDataRoot()): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !/\.(md|txt)$/i.test(e.name)) out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** One seeded mutation of `src`. */
export function mutate(src: Uint8Array, kind: MutationKind, rand: () => number): Uint8Array {
  const out = src.slice();
  const pick = (n: number) => Math.floor(rand() * n);
  switch (kind) {
    case 'bitflip': {
      const flips = 1 + pick(16);
      // Half the flips in the first 2 KB, where headers and tables live.
      for (let i = 0; i < flips; i++) {
        const at = rand() < 0.5 ? pick(Math.min(out.length, 2048)) : pick(out.length);
        out[at] ^= 1 << pick(8);
      }
      return out;
    }
    case 'truncate':
      return out.subarray(0, pick(out.length));
    case 'header': {
      // Overwrite a 1-, 2- or 4-byte field in the first 1 KB with a boundary value.
      const values = [0, 0xff, 0xffff, 0x7fff, 0x8000, 0xffffffff, 0x7fffffff, 0x80000000, 1];
      const width = [1, 2, 4][pick(3)];
      const at = pick(Math.max(1, Math.min(out.length - width, 1024)));
      const v = values[pick(values.length)];
      for (let b = 0; b < width && at + b < out.length; b++) out[at + b] = (v >>> (8 * (rand() < 0.5 ? b : width - 1 - b))) & 0xff;
      return out;
    }
    case 'huge-dims': {
      // Plant large plausible dimensions (16-bit and 32-bit, both byte orders) at several header offsets.
      const big = [65535, 30000, 1 << 20, 1 << 30, 2 ** 31 - 1];
      for (let k = 0; k < 3; k++) {
        const v = big[pick(big.length)];
        const at = pick(Math.max(1, Math.min(out.length - 4, 1024)));
        const le = rand() < 0.5;
        const w = v > 0xffff ? 4 : 2;
        for (let b = 0; b < w && at + b < out.length; b++) out[at + b] = (v >>> (8 * (le ? b : w - 1 - b))) & 0xff;
      }
      return out;
    }
  }
}

export interface FuzzCase {
  index: number;
  file: string;
  kind: MutationKind;
  seed: number;
  command: 'info' | 'fit';
}

export interface FuzzResult extends FuzzCase {
  code: number | null;
  signal: string | null;
  ms: number;
  peakMB: number;
  timedOut: boolean;
  failure?: string;
  stderr: string;
}

export interface FuzzOptions {
  cases: number;
  seed?: number;
  /** Every n-th case runs `fit` instead of `info` (with three times the bound). */
  fitEvery?: number;
  boundMs?: number;
  maxPeakMB?: number;
  /** INR_MAX_MEMORY for the runs. */
  memoryLimit?: string;
  concurrency?: number;
  onResult?: (r: FuzzResult) => void;
}

/** The cases: files and mutation kinds taken in turn, so any count covers every file. */
export function fuzzCases(opts: FuzzOptions, files = sampleFiles()): FuzzCase[] {
  const seed0 = opts.seed ?? 1;
  const fitEvery = opts.fitEvery ?? 4;
  // Files in a stride that is prime to their count, so a short run still spans every format.
  const stride = [7, 11, 13, 17].find((p) => files.length % p !== 0) ?? 1;
  return Array.from({ length: opts.cases }, (_, i) => ({
    index: i,
    file: files[(i * stride) % files.length],
    kind: MUTATIONS[Math.floor(i / files.length) % MUTATIONS.length],
    seed: seed0 * 100003 + i,
    command: fitEvery > 0 && i % fitEvery === fitEvery - 1 ? ('fit' as const) : ('info' as const),
  }));
}

/** Judge one run: exit 0 or 2 in time, no stack trace, memory under the cap. */
export function judge(r: CliRun, maxPeakMB: number): string | undefined {
  if (r.timedOut) return `no exit within the bound (killed after ${Math.round(r.ms)} ms)`;
  if (r.signal) return `ended by ${r.signal}`;
  if (r.code !== 0 && r.code !== 2) return `exit code ${r.code}`;
  if (STACK_LINE.test(r.stderr)) return 'printed a stack trace';
  if (r.code === 2 && r.stderr.trim().split('\n').length !== 1) return 'more than one line on stderr';
  if (r.peakMB > maxPeakMB) return `peak RSS ${r.peakMB.toFixed(0)} MB over ${maxPeakMB} MB`;
  return undefined;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult[]> {
  const root = sampleDataRoot();
  const work = mkdtempSync(join(tmpdir(), 'inr-fuzz-'));
  const limit = limiter(opts.concurrency ?? 2);
  try {
    return await Promise.all(
      fuzzCases(opts).map((c) =>
        limit(async () => {
          const rand = prng(c.seed);
          const src = new Uint8Array(readFileSync(join(root, c.file)));
          const dir = join(work, `case-${c.index}`);
          mkdirSync(dir);
          // A DICOM series file is fuzzed inside a copy of its series folder, as a user opens it.
          const inSeries = c.file.startsWith(join('dicom', 'mr-series'));
          let target: string;
          if (inSeries) {
            cpSync(join(root, 'dicom', 'mr-series'), join(dir, 'series'), { recursive: true });
            target = join(dir, 'series');
            writeFileSync(join(target, basename(c.file)), mutate(src, c.kind, rand));
          } else {
            target = join(dir, `mutant${extname(c.file) === '.gz' ? '.nii.gz' : extname(c.file)}`);
            writeFileSync(target, mutate(src, c.kind, rand));
          }
          const args = c.command === 'info' ? ['info', target, '--json'] : ['fit', target, '--method', 'elm', '--budget', '4000', '--out', join(dir, 'out')];
          // A fit decodes, solves and writes: it gets three times the bound of `info`.
          const bound = (opts.boundMs ?? 60_000) * (c.command === 'fit' ? 3 : 1);
          const r = await runCli(args, { env: { INR_MAX_MEMORY: opts.memoryLimit ?? '512M' }, timeoutMs: bound });
          rmSync(dir, { recursive: true, force: true });
          const result: FuzzResult = {
            ...c,
            code: r.code,
            signal: r.signal,
            ms: r.ms,
            peakMB: r.peakMB,
            timedOut: r.timedOut,
            failure: judge(r, opts.maxPeakMB ?? 1536),
            stderr: r.stderr.slice(0, 300),
          };
          opts.onResult?.(result);
          return result;
        }),
      ),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

type CaseSummary = { file: string; kind: MutationKind; seed: number; command: string; code: number | null; ms: number; peak_mb: number };

export interface FuzzReport {
  cases: number;
  commands: { info: number; fit: number };
  exit_codes: Record<string, number>;
  failures: Array<CaseSummary & { failure?: string; stderr: string }>;
  failures_by_kind: Record<string, number>;
  max_rss?: CaseSummary;
  slowest?: CaseSummary;
}

/** The JSON report: counts by exit code and kind, the largest RSS, the slowest case, the failures. */
export function fuzzReport(results: FuzzResult[]): FuzzReport {
  const byCode: Record<string, number> = {};
  const failuresByKind: Record<string, number> = {};
  for (const r of results) {
    const k = r.signal ?? String(r.code);
    byCode[k] = (byCode[k] ?? 0) + 1;
    if (r.failure) failuresByKind[r.kind] = (failuresByKind[r.kind] ?? 0) + 1;
  }
  const maxRss = results.reduce((a, r) => (r.peakMB > a.peakMB ? r : a), results[0]);
  const slowest = results.reduce((a, r) => (r.ms > a.ms ? r : a), results[0]);
  const pick = (r: FuzzResult): CaseSummary => ({
    file: r.file,
    kind: r.kind,
    seed: r.seed,
    command: r.command,
    code: r.code,
    ms: Math.round(r.ms),
    peak_mb: Math.round(r.peakMB),
  });
  return {
    cases: results.length,
    commands: { info: results.filter((r) => r.command === 'info').length, fit: results.filter((r) => r.command === 'fit').length },
    exit_codes: byCode,
    failures: results.filter((r) => r.failure).map((r) => ({ ...pick(r), failure: r.failure, stderr: r.stderr })),
    failures_by_kind: failuresByKind,
    max_rss: results.length ? pick(maxRss) : undefined,
    slowest: results.length ? pick(slowest) : undefined,
  };
}

// `npm run fuzz -- --cases N`: run and write the report.
if (process.argv[1] && process.argv[1].endsWith('process-fuzz.ts')) {
  const arg = (k: string, d: string) => {
    const i = process.argv.indexOf(`--${k}`);
    return i >= 0 ? process.argv[i + 1] : d;
  };
  const cases = Number(arg('cases', '100'));
  const out = arg('out', join('bench-results', 'fuzz.json'));
  let done = 0;
  const results = await runFuzz({
    cases,
    seed: Number(arg('seed', '1')),
    fitEvery: Number(arg('fit-every', '4')),
    onResult: (r) => {
      done++;
      if (r.failure || done % 25 === 0) console.error(`${done}/${cases}${r.failure ? `  FAIL ${r.command} ${r.file} (${r.kind}, seed ${r.seed}): ${r.failure}` : ''}`);
    },
  });
  const report = { date: new Date().toISOString(), ...fuzzReport(results) };
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  console.log(JSON.stringify({ cases: report.cases, exit_codes: report.exit_codes, failures: report.failures.length, max_rss: report.max_rss, slowest: report.slowest }));
  process.exitCode = report.failures.length ? 1 : 0;
}
