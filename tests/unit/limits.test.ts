/**
 * The memory limit (main/core/limits.ts) and the readers' size checks, in process.
 *
 * Every crafted file of tests/fixtures/bombs (built by tests/fixtures/make-bombs.ts, which the
 * first test re-runs to prove the committed files are its output) goes through both entry
 * points: `openField` (what `fit` calls) and `describeDataset` (what `info` calls), under a
 * 16 MiB and a 4 GiB limit. Each must end in the typed error the table names, in one line that
 * names the file and the claimed size, and the process's peak RSS (`resourceUsage().maxRSS`,
 * the kernel's high-water mark) must not grow by more than 200 MB while it is read.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { totalmem, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InrError } from '../../main/core/errors';
import { defaultMemoryLimit, describeMemoryLimit, ensureFits, formatBytes, memoryLimit, MEMORY_LIMIT_ENV, parseSize, setMemoryLimit } from '../../main/core/limits';
import { describeDataset, openField } from '../../main/data/index';
import { closeHdf5Worker } from '../../main/data/netcdf/index';
import { decodeBytes, readPngHeader } from '../../main/data/png-decode';
import { decodeTiff } from '../../main/data/geotiff';
import { BOMB_DIR, BOMBS, bitFlippedZstdTile, LARGE_LIMIT, makeBombs, SMALL_LIMIT, tiffGray, zstdTile, type Bomb } from '../fixtures/make-bombs';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** Growth of the process's peak RSS allowed while one crafted file is read. */
const MAX_PEAK_GROWTH_MB = 200;

const savedEnv = process.env[MEMORY_LIMIT_ENV];
afterEach(() => {
  setMemoryLimit(undefined);
  if (savedEnv === undefined) delete process.env[MEMORY_LIMIT_ENV];
  else process.env[MEMORY_LIMIT_ENV] = savedEnv;
});
afterAll(() => closeHdf5Worker());

function inrError(f: () => unknown): InrError {
  try {
    f();
  } catch (err) {
    if (err instanceof InrError) return err;
    throw err;
  }
  throw new Error('expected an InrError');
}

describe('sizes and the limit', () => {
  it('parses sizes with binary units and refuses anything else', () => {
    expect(parseSize('2G')).toBe(2 * GiB);
    expect(parseSize('512M')).toBe(512 * MiB);
    expect(parseSize('512m')).toBe(512 * MiB);
    expect(parseSize('1.5GiB')).toBe(1.5 * GiB);
    expect(parseSize('3 GB')).toBe(3 * GiB);
    expect(parseSize('2048K')).toBe(2 * MiB);
    expect(parseSize('300000000')).toBe(300_000_000);
    expect(parseSize('1T')).toBe(2 ** 40);
    for (const bad of ['', 'lots', '2X', '-1G', '1e9', '12'] as const) {
      expect(inrError(() => parseSize(bad)).code, bad).toBe('E_ARG');
    }
  });

  it('writes sizes for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12 * GiB + GiB / 4)).toBe('12.3 GiB');
    expect(formatBytes(30000 ** 3 * 2)).toBe('49.1 TiB'); // 5.4e13 bytes / 2^40
  });

  it('defaults to half the memory (256 MiB … 16 GiB); INR_MAX_MEMORY and the setter override it', () => {
    delete process.env[MEMORY_LIMIT_ENV];
    const half = Math.floor(totalmem() / 2);
    expect(defaultMemoryLimit()).toBe(Math.min(16 * GiB, Math.max(256 * MiB, half)));
    expect(memoryLimit()).toBe(defaultMemoryLimit());
    expect(describeMemoryLimit()).toMatch(/half of this machine's memory.*--max-memory/);
    process.env[MEMORY_LIMIT_ENV] = '3G';
    expect(memoryLimit()).toBe(3 * GiB);
    expect(describeMemoryLimit()).toMatch(/3\.0 GiB.*INR_MAX_MEMORY/);
    setMemoryLimit('1G');
    expect(memoryLimit()).toBe(GiB);
    expect(process.env[MEMORY_LIMIT_ENV]).toBe(String(GiB)); // worker threads started now inherit it
    expect(describeMemoryLimit()).toMatch(/--max-memory/);
    setMemoryLimit(undefined);
    expect(process.env[MEMORY_LIMIT_ENV]).toBe('3G');
    expect(memoryLimit()).toBe(3 * GiB);
    process.env[MEMORY_LIMIT_ENV] = 'plenty';
    expect(inrError(() => memoryLimit()).code).toBe('E_ARG');
    expect(inrError(() => setMemoryLimit('x')).code).toBe('E_ARG');
  });

  it('ensureFits lets through what fits and refuses the rest in one line naming claim, need and limit', () => {
    setMemoryLimit(GiB);
    expect(() => ensureFits(GiB, 'exactly the limit')).not.toThrow();
    const e = inrError(() => ensureFits(GiB + 1, 'the header claims 16384 × 16385 samples', '/data/x.png'));
    expect(e.code).toBe('E_TOO_LARGE');
    expect(e.toLine()).toBe('/data/x.png: the header claims 16384 × 16385 samples, which needs 1.0 GiB to decode; the memory limit is 1.0 GiB (set by --max-memory)');
    expect(inrError(() => ensureFits(Number.NaN, 'nonsense')).code).toBe('E_TOO_LARGE');
    expect(inrError(() => ensureFits(Infinity, 'nonsense')).code).toBe('E_TOO_LARGE');
  });
});

describe('the crafted files', () => {
  it('are what make-bombs.ts writes (regenerated and compared byte for byte)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bombs-'));
    try {
      const made = await makeBombs(dir);
      expect(made.length).toBe(BOMBS.length);
      for (const p of made) {
        const committed = readFileSync(join(BOMB_DIR, basename(p)));
        const bytes = readFileSync(p);
        // The HDF5 file carries libhdf5 timestamps; its size is what matters.
        if (p.endsWith('netcdf4-dim-2e31.nc')) expect(bytes.length, basename(p)).toBe(committed.length);
        else expect(bytes.equals(committed), basename(p)).toBe(true);
        expect(bytes.length, `${basename(p)} is commit-sized`).toBeLessThan(64 * 1024);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Read `b` through one entry point under `limit`; the typed error, or 'ok'. */
async function outcome(b: Bomb, limit: string, via: 'openField' | 'describeDataset'): Promise<{ code: string; line: string; growthMB: number }> {
  setMemoryLimit(limit);
  const path = join(BOMB_DIR, b.file);
  const peak0 = process.resourceUsage().maxRSS;
  let code = 'ok';
  let line = '';
  try {
    if (via === 'openField') await openField(path);
    else await describeDataset(path);
  } catch (err) {
    if (!(err instanceof InrError)) throw err;
    code = err.code;
    line = err.toLine();
  }
  return { code, line, growthMB: (process.resourceUsage().maxRSS - peak0) / 1024 };
}

describe.each([
  ['fit (openField)', 'openField'],
  ['info (describeDataset)', 'describeDataset'],
] as const)('%s refuses each crafted file before allocating', (_, via) => {
  for (const b of BOMBS) {
    for (const [limit, expected] of [
      [SMALL_LIMIT, b.small],
      [LARGE_LIMIT, b.large],
    ] as const) {
      if (expected === 'ok') continue; // a valid image this limit lets through: see the next test
      it(`${b.file} under ${limit}: ${expected} (${b.what})`, async () => {
        const r = await outcome(b, limit, via);
        expect(r.code, r.line).toBe(expected);
        expect(r.line).not.toContain('\n');
        expect(r.line).toContain(b.file);
        expect(r.line).toMatch(b.names);
        if (expected === 'E_TOO_LARGE') expect(r.line).toMatch(new RegExp(`memory limit is ${formatBytes(parseSize(limit)).replace('.', '\\.')}`));
        expect(r.growthMB, `peak RSS grew by ${r.growthMB.toFixed(0)} MB`).toBeLessThan(MAX_PEAK_GROWTH_MB);
      });
    }
  }
});

describe('the default limit', () => {
  it('refuses every claim beyond 16 GiB with no INR_MAX_MEMORY and no --max-memory', async () => {
    delete process.env[MEMORY_LIMIT_ENV];
    const absurd = BOMBS.filter((b) => b.large === 'E_TOO_LARGE');
    expect(absurd.length).toBeGreaterThan(5);
    for (const b of absurd) {
      setMemoryLimit(undefined);
      const path = join(BOMB_DIR, b.file);
      const peak0 = process.resourceUsage().maxRSS;
      const err = await openField(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, b.file).toBeInstanceOf(InrError);
      expect((err as InrError).code, `${b.file}: ${(err as Error).message}`).toBe('E_TOO_LARGE');
      expect((err as InrError).message).toMatch(/half of this machine's memory/);
      expect((process.resourceUsage().maxRSS - peak0) / 1024).toBeLessThan(MAX_PEAK_GROWTH_MB);
    }
  });

  it('png-zlib-bomb-16000.png is a valid image: its 1.3 GB decode passes a 4 GiB limit and not 16 MiB', () => {
    const bytes = new Uint8Array(readFileSync(join(BOMB_DIR, 'png-zlib-bomb-16000.png')));
    const h = readPngHeader(bytes);
    expect([h.width, h.height, h.bitDepth]).toEqual([16000, 16000, 1]);
    const need = decodeBytes(h, bytes.length);
    // Scanlines 16000 × (1 + 2000) bytes, values 16000² × 4, mask 16000², the file.
    expect(need).toBe(16000 * 2001 + 16000 ** 2 * 5 + bytes.length);
    expect(need).toBeLessThan(parseSize(LARGE_LIMIT));
    expect(need).toBeGreaterThan(parseSize(SMALL_LIMIT));
  });
});

describe('no decoder spins', () => {
  it('the bounded ZSTD decoder reads a real ZSTD strip, and ends a bit-flipped one in E_CORRUPT', async () => {
    // The frame holds the 64 × 64 gradient (4x + 3⌊y/8⌋) mod 256 (see make-bombs.ts).
    const good = await decodeTiff({ path: 'zstd.tif', bytes: tiffGray(64, 64, 50000, zstdTile()) });
    expect(good.shape).toEqual([64, 64]);
    for (const [y, x] of [
      [0, 0],
      [0, 63],
      [9, 5],
      [63, 63],
    ])
      expect(good.values[y * 64 + x]).toBe((4 * x + 3 * Math.floor(y / 8)) % 256);
    const t0 = performance.now();
    const err = await decodeTiff({ path: 'flipped.tif', bytes: tiffGray(64, 64, 50000, bitFlippedZstdTile()) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InrError);
    expect((err as InrError).code).toBe('E_CORRUPT');
    expect((err as InrError).message).toMatch(/ZSTD/);
    expect(performance.now() - t0).toBeLessThan(10_000); // geotiff.js's own decoder never returned
  });
});
