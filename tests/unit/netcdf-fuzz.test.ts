/**
 * Seeded fuzzing of the NetCDF reader with every sample file: truncations, bit flips, wrong
 * lengths and absurd dimensions written over header words, random bytes. Every case must end in
 * an InrError or a valid Field, within 5 s, without growing memory by a gigabyte; failures that
 * only reached us as foreign exceptions (wrapped as "cannot read NetCDF: …") are counted apart
 * and must not occur.
 */
import { prng } from '../helpers/prng';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InrError } from '../../main/core/errors';
import { sampleCount } from '../../main/core/field';
import { closeHdf5Worker, netcdfReader, writeNetcdf4 } from '../../main/data/netcdf/index';
import { configureHdf5Worker, hdf5Stats } from '../../main/data/netcdf/hdf5-client';
import { sample } from '../helpers/samples';

const dir = mkdtempSync(join(tmpdir(), 'netcdf-fuzz-'));
/**
 * The four samples, plus a NetCDF-4 file of our own writer: it has dimension scales but none of
 * netCDF-C's `_Netcdf4*` bookkeeping, so its axes are named through the attached scales.
 */
const OURS = join(dir, 'ours-netcdf4.nc');
const SAMPLES: Array<[string, string]> = [
  ...['reduced.nc', 'sub.nc', 'bcsd_obs_1999.nc', 'era5_style_uv_pressure_levels_nc4.nc'].map((n): [string, string] => [n, sample('netcdf', n)]),
  ['sub.nc as written by writeNetcdf4', OURS],
];
const CASES = 200;
beforeAll(async () => {
  // A libhdf5 that loops on a corrupt file is stopped after 3 s (the default allows 10 s).
  configureHdf5Worker({ metadataTimeoutMs: 3000 });
  await writeNetcdf4(OURS, await netcdfReader.read(sample('netcdf', 'sub.nc'), { index: { level: 0 } }));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeHdf5Worker();
});

const LENGTHS = [0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x10000, 0x1000000];

/** One mutation of `orig`; `kind` cycles through the mutation families. */
function mutate(orig: Uint8Array, kind: number, rnd: () => number): { bytes: Uint8Array; what: string } {
  const b = orig.slice();
  const at = (limit: number) => Math.floor(rnd() * Math.min(limit, b.length));
  // Headers (classic) and the superblock/object headers (HDF5) sit in the first few KB.
  const headerSpan = Math.min(b.length, 4096);
  switch (kind % 6) {
    case 0: {
      const len = rnd() < 0.5 ? at(headerSpan) : at(b.length);
      return { bytes: b.subarray(0, len), what: `truncate to ${len}` };
    }
    case 1: {
      const n = 1 + Math.floor(rnd() * 8);
      for (let k = 0; k < n; k++) b[at(headerSpan)] ^= 1 << Math.floor(rnd() * 8);
      return { bytes: b, what: `${n} bit flips in the header` };
    }
    case 2: {
      const p = at(headerSpan) & ~3;
      const v = LENGTHS[Math.floor(rnd() * LENGTHS.length)];
      new DataView(b.buffer).setUint32(p, v, rnd() < 0.5);
      return { bytes: b, what: `word at ${p} := ${v}` };
    }
    case 3: {
      // Absurd dimensions: a huge value in a 32- or 64-bit slot near the start.
      const p = at(Math.min(headerSpan, 512)) & ~3;
      const view = new DataView(b.buffer);
      if (p + 8 <= b.length && rnd() < 0.5) view.setBigUint64(p, BigInt(Math.floor(rnd() * 2 ** 52)) * 4096n, rnd() < 0.5);
      else view.setUint32(p, 0x40000000 + Math.floor(rnd() * 0x3fffffff), rnd() < 0.5);
      return { bytes: b, what: `absurd size at ${p}` };
    }
    case 4: {
      const n = 1 + Math.floor(rnd() * 16);
      for (let k = 0; k < n; k++) b[at(b.length)] = Math.floor(rnd() * 256);
      return { bytes: b, what: `${n} random bytes` };
    }
    default: {
      const p = at(b.length);
      const len = Math.floor(rnd() * 256);
      b.fill(rnd() < 0.5 ? 0 : 0xff, p, p + len);
      return { bytes: b, what: `fill ${len} bytes at ${p}` };
    }
  }
}

function checkField(f: Awaited<ReturnType<typeof netcdfReader.read>>): void {
  const n = sampleCount(f.shape);
  expect(f.values.length).toBe(n * f.channels.length);
  if (f.mask) expect(f.mask.length).toBe(n);
  expect(f.axes.length).toBe(f.shape.length);
}

describe('NetCDF fuzzing', () => {
  for (const [s, [name, path]] of SAMPLES.entries()) {
    it(`${name}: ${CASES} seeded mutations end in InrError or a valid Field`, async () => {
      const orig = new Uint8Array(readFileSync(path));
      const rnd = prng(0x5eed + s);
      const outcomes: Record<string, number> = {};
      const foreign: string[] = [];
      let slowest = 0;
      let peakRss = 0;
      const rss0 = process.memoryUsage().rss;
      const t0 = performance.now();
      for (let i = 0; i < CASES; i++) {
        const { bytes, what } = mutate(orig, i, rnd);
        const file = join(dir, `${s}-${i}.nc`);
        writeFileSync(file, bytes);
        const t = performance.now();
        let outcome: string;
        try {
          const head = bytes.subarray(0, 1024);
          if (!netcdfReader.sniff(head, file)) outcome = 'not sniffed';
          else {
            await netcdfReader.list?.(file, {});
            checkField(await netcdfReader.read(file, {}));
            outcome = 'Field';
          }
        } catch (err) {
          expect(err, `case ${i} (${what})`).toBeInstanceOf(InrError);
          const e = err as InrError;
          outcome = e.code;
          if (/^cannot read NetCDF: /.test(e.message)) foreign.push(`case ${i} (${what}): ${e.message}`);
        }
        const dt = performance.now() - t;
        slowest = Math.max(slowest, dt);
        expect(dt, `case ${i} (${what}) took ${dt.toFixed(0)} ms`).toBeLessThan(5000);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        rmSync(file, { force: true });
      }
      const stats = hdf5Stats();
      console.log(
        `${name}: ${CASES} cases in ${((performance.now() - t0) / 1000).toFixed(1)} s, slowest ${slowest.toFixed(0)} ms, ` +
          `outcomes ${JSON.stringify(outcomes)}, RSS +${((peakRss - rss0) / 2 ** 20).toFixed(0)} MiB, ` +
          `HDF5 worker: peak wasm ${(stats.peakWasmBytes / 2 ** 20).toFixed(0)} MiB, restarts ${stats.restarts}` +
          (foreign.length ? `\n  foreign errors:\n  ${foreign.join('\n  ')}` : ''),
      );
      expect(foreign).toEqual([]);
      expect(peakRss - rss0).toBeLessThan(2 ** 30);
      expect(stats.peakWasmBytes).toBeLessThan(2 ** 30);
    });
  }

  it('a file that sends libhdf5 into an endless loop is stopped, and the next file reads', async () => {
    // One byte of an object header of our own NetCDF-4 file, found by fuzzing: libhdf5 never
    // returns from listing it. The worker is terminated at the deadline and replaced.
    const bytes = readFileSync(OURS);
    expect(bytes[5616]).toBe(168);
    bytes[5616] = 0;
    const file = join(dir, 'endless-loop.nc');
    writeFileSync(file, bytes);
    const restarts = hdf5Stats().restarts;
    const t = performance.now();
    const err = (await netcdfReader.read(file, {}).catch((e: unknown) => e)) as InrError;
    expect(performance.now() - t).toBeLessThan(5000);
    expect(err).toBeInstanceOf(InrError);
    expect(err.code).toBe('E_CORRUPT');
    expect(err.message).toMatch(/did not finish \(catalog\) within 3\.0 s/);
    expect(hdf5Stats().restarts).toBe(restarts + 1);
    const f = await netcdfReader.read(OURS, {});
    expect(f.shape).toEqual([10, 9, 9]);
  });
});
