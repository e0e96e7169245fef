import { totalmem } from 'node:os';
import { InrError } from './errors';

/**
 * The memory limit: the most memory one stage of the engine (decoding a file, fitting) may ask
 * for. A file's header can claim any size — a NIfTI of 30000³ voxels, a PNG of 65535² pixels, a
 * 2 KB gzip stream that inflates to gigabytes — so every reader works out from the header how
 * much memory its decode needs and calls `ensureFits` before it allocates anything. A claim
 * over the limit ends in `E_TOO_LARGE` with one line that names the claimed size and the limit,
 * never in an out-of-memory crash.
 *
 * The limit, in order of precedence:
 * 1. `setMemoryLimit(…)` — what the CLI's `--max-memory` calls;
 * 2. the environment variable `INR_MAX_MEMORY` (`2G`, `512M`, `1.5GiB`, `300000000`…);
 * 3. the default: half of this machine's memory (`os.totalmem()`), at least 256 MiB and at most
 *    16 GiB (a Float32Array holds at most 2³² values, 16 GiB, in Node 20).
 *
 * Sizes are binary: `K` = 1024 bytes, `M` = 1024², `G` = 1024³, `T` = 1024⁴.
 *
 * `setMemoryLimit` also writes `INR_MAX_MEMORY`, so worker threads started afterwards (the job
 * runner's, which open files too) inherit the same limit.
 */

export const MEMORY_LIMIT_ENV = 'INR_MAX_MEMORY';
const MIN_DEFAULT = 256 * 2 ** 20;
const MAX_DEFAULT = 16 * 2 ** 30;

const UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * Bytes of a size written as a number with an optional binary unit: `2G`, `512M`, `1.5GiB`,
 * `64k`, `300000000`. Throws `E_ARG` for anything else, or for a size under 1 MiB (no dataset
 * fits in less; a forgotten unit is the likely mistake).
 */
export function parseSize(text: string | number, what = '--max-memory'): number {
  const s = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtb]?)(?:i?b)?$/i.exec(s);
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2].toUpperCase()]) : NaN;
  if (!Number.isFinite(bytes)) throw new InrError('E_ARG', `${what}: "${s}" is not a size (examples: 2G, 512M, 1.5GiB, 300000000)`);
  if (bytes < 2 ** 20) throw new InrError('E_ARG', `${what}: ${s} is less than 1 MiB; write the unit, e.g. ${s}M or ${s}G`);
  return bytes;
}

/** A byte count for people: `512 B`, `12.3 KiB`, `11.8 GiB`, `98.2 TiB`, `1.2e+6 TiB`. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`;
  const steps: Array<[number, string]> = [
    [2 ** 40, 'TiB'],
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [size, unit] of steps) {
    if (bytes >= size) {
      const x = bytes / size;
      return `${x >= 1e5 ? x.toExponential(1) : x >= 100 ? x.toFixed(0) : x.toFixed(1)} ${unit}`;
    }
  }
  return `${Math.round(bytes)} B`;
}

/** The default limit: half of this machine's memory, between 256 MiB and 16 GiB. */
export function defaultMemoryLimit(): number {
  return Math.min(MAX_DEFAULT, Math.max(MIN_DEFAULT, Math.floor(totalmem() / 2)));
}

/** Where the current limit comes from, for messages. */
let origin: 'default' | 'set' | 'env' = 'default';
let explicit: number | undefined;
/** `INR_MAX_MEMORY` as it was before `setMemoryLimit` overwrote it (restored by `setMemoryLimit(undefined)`). */
let savedEnv: { value: string | undefined } | undefined;

/**
 * Set the limit for this process (the CLI's `--max-memory`), as bytes or as a size string.
 * `undefined` goes back to `INR_MAX_MEMORY` or the default.
 */
export function setMemoryLimit(limit: number | string | undefined): void {
  if (limit === undefined) {
    explicit = undefined;
    if (savedEnv) {
      if (savedEnv.value === undefined) delete process.env[MEMORY_LIMIT_ENV];
      else process.env[MEMORY_LIMIT_ENV] = savedEnv.value;
      savedEnv = undefined;
    }
    return;
  }
  const bytes = typeof limit === 'number' ? limit : parseSize(limit);
  if (!(Number.isFinite(bytes) && bytes > 0)) throw new InrError('E_ARG', `--max-memory: ${limit} is not a positive size`);
  explicit = Math.floor(bytes);
  savedEnv ??= { value: process.env[MEMORY_LIMIT_ENV] };
  process.env[MEMORY_LIMIT_ENV] = String(explicit);
}

/** The memory limit in bytes (see the module comment for where it comes from). */
export function memoryLimit(): number {
  if (explicit !== undefined) {
    origin = 'set';
    return explicit;
  }
  const env = process.env[MEMORY_LIMIT_ENV];
  if (env !== undefined && env.trim() !== '') {
    origin = 'env';
    return parseSize(env, MEMORY_LIMIT_ENV);
  }
  origin = 'default';
  return defaultMemoryLimit();
}

/** One phrase saying what the limit is and how to change it. */
export function describeMemoryLimit(): string {
  const limit = memoryLimit();
  const how =
    origin === 'default' ? "half of this machine's memory; raise it with --max-memory or INR_MAX_MEMORY" : origin === 'set' ? 'set by --max-memory' : `set by ${MEMORY_LIMIT_ENV}`;
  return `the memory limit is ${formatBytes(limit)} (${how})`;
}

/**
 * Throw `E_TOO_LARGE` unless `bytes` (what a stage is about to allocate, worked out from what a
 * header claims) fits the memory limit. `claim` says what was claimed, for the one-line message:
 * `the header claims 30000 × 30000 × 30000 int16 voxels` gives
 * "the header claims 30000 × 30000 × 30000 int16 voxels, which needs 251 TiB to decode; the
 * memory limit is 11.8 GiB (…)". NaN and infinite sizes are refused too.
 */
export function ensureFits(bytes: number, claim: string, path?: string, doing = 'to decode'): void {
  if (bytes <= memoryLimit()) return;
  throw new InrError('E_TOO_LARGE', `${claim}, which needs ${formatBytes(bytes)} ${doing}; ${describeMemoryLimit()}`, path);
}

/** `a × b × c`, the way sizes are written in messages. */
export function dimsText(dims: readonly number[]): string {
  return dims.join(' × ');
}

/** Product of sizes as a float (may exceed 2⁵³: only compared against the limit). */
export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * Bytes of the Field a reader builds for `samples` samples of `channels` channels: Float32
 * values, plus a one-byte-per-sample mask when the format can mask samples.
 */
export function fieldBytes(samples: number, channels: number, masked = true): number {
  return samples * channels * Float32Array.BYTES_PER_ELEMENT + (masked ? samples : 0);
}
