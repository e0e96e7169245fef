/**
 * Seeded fuzzing of the whole reader table through its one entry point, `openField`: every file
 * in the shared sample folder is mutated at least 200 times (truncation, bit flips, overwritten
 * runs, wrong lengths and absurd sizes written over header words) and each mutant must end in
 * a typed InrError or a consistent Field — never another exception, never more than 5 s of CPU, and
 * never a Field of more than 1 GiB. The per-format fuzz tests (dicom-fuzz, formats-fuzz,
 * netcdf-fuzz) aim their mutations at each format's own length and dimension fields; this one
 * makes sure no sample is left out.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { InrError } from '../../main/core/errors';
import { sampleCount } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { Rng } from '../../main/core/rng';
import { sampleDataRoot } from '../helpers/samples';

const CASES = 200;
const MAX_CASE_MS = 5000;
const GIB = 2 ** 30;

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

/** One mutant of `src`, chosen by the seeded generator. */
function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  const kind = Math.floor(rng.uniform() * 5);
  const pick = (n: number) => Math.floor(rng.uniform() * n);
  // Most structure lives in the first few KiB (headers, tag tables, directories).
  const headOffset = () => (rng.uniform() < 0.8 ? pick(Math.min(src.length, 4096)) : pick(src.length));
  switch (kind) {
    case 0: // truncation
      return src.slice(0, pick(src.length));
    case 1: {
      // bit flips
      const out = src.slice();
      const n = 1 + pick(16);
      for (let i = 0; i < n; i++) out[headOffset()] ^= 1 << pick(8);
      return out;
    }
    case 2: {
      // an overwritten run of random bytes
      const out = src.slice();
      const at = headOffset();
      const len = 1 + pick(64);
      for (let i = at; i < Math.min(out.length, at + len); i++) out[i] = pick(256);
      return out;
    }
    case 3: {
      // wrong lengths / absurd sizes: a huge or zero 16- or 32-bit word, either byte order
      const out = src.slice();
      const at = headOffset();
      const values = [0xffffffff, 0x7fffffff, 0x80000000, 0, 1, 0xffff, 0x10000, 0x40000000];
      const v = values[pick(values.length)];
      const dv = new DataView(out.buffer);
      const little = rng.uniform() < 0.5;
      if (at + 4 <= out.length && rng.uniform() < 0.7) dv.setUint32(at, v >>> 0, little);
      else if (at + 2 <= out.length) dv.setUint16(at, v & 0xffff, little);
      return out;
    }
    default: {
      // a block duplicated elsewhere (splice)
      const a = headOffset();
      const len = 1 + pick(256);
      const b = pick(src.length);
      const block = src.slice(a, a + len);
      const out = new Uint8Array(src.length + block.length);
      out.set(src.subarray(0, b));
      out.set(block, b);
      out.set(src.subarray(b), b + block.length);
      return out;
    }
  }
}

const root = sampleDataRoot();
const only = process.env.INR_FUZZ_ONLY;
const files = allFiles(root)
  .sort()
  .filter((f) => !only || f.includes(only));
const tmp = mkdtempSync(join(tmpdir(), 'inr-fuzz-'));

describe('every sample survives 200 mutations through openField', () => {
  const totals = { cases: 0, fields: 0, errors: 0 };
  for (const [fi, file] of files.entries()) {
    it(
      relative(root, file),
      async () => {
        const src = new Uint8Array(readFileSync(file));
        const rng = new Rng(0xf022 + fi);
        const target = join(tmp, `${fi}-${basename(file)}`);
        const counts: Record<string, number> = {};
        let slowest = 0;
        for (let c = 0; c < CASES; c++) {
          writeFileSync(target, mutate(src, rng));
          const t0 = performance.now();
          const cpu0 = process.cpuUsage();
          let outcome: string;
          try {
            // Meshes are voxelised on open: a coarse grid keeps the case about the parser, not the voxeliser.
            const f = await openField(target, { res: 48 });
            const n = sampleCount(f.shape);
            expect(f.values.length).toBe(n * f.channels.length);
            expect(f.values.byteLength).toBeLessThanOrEqual(GIB);
            outcome = 'field';
            totals.fields++;
          } catch (err) {
            if (!(err instanceof InrError)) throw new Error(`case ${c}: ${(err as Error)?.stack ?? err}`, { cause: err });
            outcome = err.code;
            totals.errors++;
          }
          // The 5 s budget is CPU time of this process (load-independent: CI runs several test
          // files at once on 2 cores); wall time only guards against hangs.
          const cpu = process.cpuUsage(cpu0);
          const cpuMs = (cpu.user + cpu.system) / 1000;
          const ms = performance.now() - t0;
          slowest = Math.max(slowest, cpuMs);
          expect(cpuMs, `case ${c} used ${cpuMs.toFixed(0)} ms of CPU`).toBeLessThan(MAX_CASE_MS);
          expect(ms, `case ${c} took ${ms.toFixed(0)} ms`).toBeLessThan(3 * MAX_CASE_MS);
          counts[outcome] = (counts[outcome] ?? 0) + 1;
          totals.cases++;
        }
        // The original is never modified.
        expect(Buffer.from(readFileSync(file)).equals(Buffer.from(src))).toBe(true);
        console.log(`${relative(root, file)}: ${JSON.stringify(counts)} (slowest ${slowest.toFixed(0)} ms CPU)`);
      },
      900_000,
    );
  }
  it('reports the counts', () => {
    console.log(`fuzz totals over ${files.length} samples: ${totals.cases} cases, ${totals.fields} fields, ${totals.errors} typed errors`);
    expect(totals.cases).toBe(files.length * CASES);
    expect(files.length).toBeGreaterThan(0);
    rmSync(tmp, { recursive: true, force: true });
  });
});
