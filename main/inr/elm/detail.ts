/**
 * Self-similar detail for 2-D super-resolution, learned in closed form from the input alone.
 *
 * A linear upsampler (here the kernel-limit ELM with the area pixel model) is the best estimate
 * under a stationary Gaussian prior, and it blurs edges the same way at every scale. Natural
 * images repeat their local structure across scales (Glasner, Bagon & Irani, "Super-resolution
 * from a single image", ICCV 2009; Shocher, Cohen & Irani, "Zero-shot super-resolution using
 * deep internal learning", CVPR 2018), so what the upsampler misses going from the input
 * averaged 2× back to the input predicts what it misses going from the input to 2× finer.
 *
 * One ×2 step, on an image u (h×w):
 *  1. û = U(u), the upsampler's 2h×2w estimate;
 *  2. u↓ = u averaged over 2×2 blocks, and U(u↓), its estimate of u;
 *  3. an ELM learns r = u − U(u↓) from the 3×3 neighbourhood of U(u↓) around each pixel, one
 *     solve per position in the 2×2 block (the four phases). The neighbourhood is normalised
 *     by its mean and spread (p − m)/(s + ε), the target by (s + ε), so one map serves dark
 *     and bright, flat and busy regions. Features: the 9 normalised values, `HIDDEN` frozen
 *     random tanh units of them and a constant; ridge solve in float64;
 *  4. the map is applied to û's neighbourhoods, and each 2×2 block is shifted back onto the
 *     input pixel it averages (back-projection: the result averages exactly to u).
 * Before it is kept, the map is checked on held-out pixels (one 8×8 tile in five): a step whose
 * correction does not lower their error is skipped, and the upsampler's estimate stands.
 * ×4, ×8… are ×2 steps in turn (the grids nest: finerGrid(finerGrid(L, 2), 2) = finerGrid(L, 4)),
 * each learning from the previous step's result; after a step without detail the rest are plain
 * ×2 steps.
 *
 * The defaults (3×3 patch, 300 units, weight scale 2, ridge 1e-4·n, ε = 0.8 % of the range)
 * were chosen on astronaut.png, which is not a super-resolution test image of the bench.
 */
import { InrError } from '../../core/errors';
import { Rng } from '../../core/rng';
import { choleskySolve, factorRidge, gramUpper, symmetrize } from './linalg';
import { shared, sharedCopy, type ElmPool } from './parallel';

/** A ×2 upsampler of an h×w×C image (channel-last) onto the 2h×2w grid finerGrid(·, 2). */
export type Upsample2 = (values: Float32Array, shape: [number, number], channels: number) => Promise<Float32Array>;

export interface DetailStep {
  /** The step's input size (rows, columns). */
  from: [number, number];
  /** Whether its correction was applied (it lowered the held-out error). */
  applied: boolean;
  /** Held-out gain of the correction over the upsampler alone, dB. */
  held_out_gain_db: number;
  /** Training pixels (all channels). */
  samples: number;
}

export interface DetailOptions {
  seed?: number;
  /** Threads for the application of the correction (absent: this thread). */
  pool?: ElmPool;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

const HIDDEN = 300;
const PATCH = 9;
const WEIGHT_SCALE = 2;
const RIDGE = 1e-4;
const EPS_FRACTION = 0.008;
/** Training rows per phase beyond which a seeded subset is used (the Gram's cost is linear in it). */
const MAX_ROWS = 40_000;
/** Smallest input side a step learns from (its half must still hold structure). */
const MIN_SIDE = 16;
const D = PATCH + HIDDEN + 1;

/** Whether `K` is a whole power of two ≥ 2, so ×K is a chain of ×2 steps. */
export function detailSteps(K: number): number {
  if (!Number.isInteger(K) || K < 2) return 0;
  const s = Math.log2(K);
  return Number.isInteger(s) ? s : 0;
}

/**
 * ×K super-resolution of an h×w×C image: `steps` ×2 steps of `up2`, each refined by its
 * self-similar detail. Returns the (2^steps·h)×(2^steps·w)×C image and one report per step.
 */
export async function upsampleWithDetail(
  values: Float32Array,
  shape: [number, number],
  channels: number,
  steps: number,
  up2: Upsample2,
  opts: DetailOptions = {},
): Promise<{ values: Float32Array; shape: [number, number]; steps: DetailStep[] }> {
  if (shape.length !== 2) throw new InrError('E_ARG', 'self-similar detail works on 2-D images');
  let cur = values;
  let [h, w] = shape;
  const reports: DetailStep[] = [];
  let learn = true;
  // Progress: a step's work grows with its output, 4× per step.
  const total = (4 ** steps - 1) / 3;
  let done = 0;
  for (let s = 0; s < steps; s++) {
    const weight = 4 ** s / total;
    const before = done;
    const onStep = (f: number) => opts.onProgress?.(before + weight * f);
    // After a step without detail, the next step's input is the upsampler's own smooth estimate:
    // what it would learn there is the upsampler's blur, not the data's structure.
    const step: { values: Float32Array; report: DetailStep } = learn
      ? await detailStep(cur, h, w, channels, up2, { ...opts, seed: (opts.seed ?? 1) + s, onProgress: onStep })
      : { values: await up2(cur, [h, w], channels), report: { from: [h, w], applied: false, held_out_gain_db: 0, samples: 0 } };
    const { values: next, report } = step;
    learn = report.applied;
    reports.push(report);
    cur = next;
    h *= 2;
    w *= 2;
    done += weight;
    opts.onProgress?.(done);
  }
  return { values: cur, shape: [h, w], steps: reports };
}

async function detailStep(u: Float32Array, h: number, w: number, C: number, up2: Upsample2, opts: DetailOptions): Promise<{ values: Float32Array; report: DetailStep }> {
  const progress = opts.onProgress ?? (() => {});
  const up = await up2(u, [h, w], C);
  progress(0.2);
  const report: DetailStep = { from: [h, w], applied: false, held_out_gain_db: 0, samples: 0 };
  let finite = true;
  for (let i = 0; i < u.length && finite; i++) finite = Number.isFinite(u[i]);
  if (h < MIN_SIDE || w < MIN_SIDE || !finite) return { values: up, report };
  const h2 = h >> 1;
  const w2 = w >> 1;
  const low = await up2(areaDown2(u, h, w, C), [h2, w2], C);
  opts.signal?.throwIfAborted();
  progress(0.3);
  // The training grid: U(u↓) is 2h2×2w2, the top-left of u.
  const H = 2 * h2;
  const W = 2 * w2;
  const eps = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = c; i < u.length; i += C) {
      if (u[i] < lo) lo = u[i];
      if (u[i] > hi) hi = u[i];
    }
    eps[c] = Math.max(EPS_FRACTION * (hi - lo), 1e-12);
  }
  const layer = tanhLayer(opts.seed ?? 1);
  const betas: Float64Array[] = [];
  let err0 = 0;
  let err1 = 0;
  const rng = new Rng((opts.seed ?? 1) ^ 0x5eed);
  // Training rows: every pixel and channel of the H×W grid under each of the 8 symmetries of the
  // square, by the phase the symmetry moves its block position to. Row r of a phase is symmetry
  // r mod 8 of one channel of one 2×2 block, at the position that symmetry moves to the phase;
  // a seeded subset of MAX_ROWS is drawn without listing them all.
  const blocks = h2 * w2;
  const perPhase = 8 * blocks * C;
  const from = SYM_PHASE.map((to) => [0, 1, 2, 3].map((phase) => to.indexOf(phase)));
  const CHUNK = 256;
  const Phi = new Float64Array(CHUNK * D);
  const y = new Float64Array(CHUNK);
  const decode = (row: number, phase: number) => {
    const t = row & 7;
    const q = row >> 3;
    const c = q % C;
    const blk = (q - c) / C;
    const bi = Math.floor(blk / w2);
    const ph = from[t][phase];
    const i = 2 * bi + (ph >> 1);
    const j = 2 * (blk - bi * w2) + (ph & 1);
    return { t, f: (i * W + j) * C + c, c, i, j };
  };
  for (let phase = 0; phase < 4; phase++) {
    const keep = perPhase > MAX_ROWS ? drawSorted(perPhase, MAX_ROWS, rng) : Array.from({ length: perPhase }, (_, r) => r);
    report.samples += keep.length;
    const G = [new Float64Array(D * D), new Float64Array(D * D)];
    const b = [new Float64Array(D), new Float64Array(D)];
    const n = [0, 0];
    // Fold 1: the held-out tiles (all symmetries of a pixel share its fold).
    for (const fold of [0, 1]) {
      let k = 0;
      const flush = () => {
        gramUpper(Phi, D, 0, k, G[fold]);
        for (let r = 0; r < k; r++) for (let q = 0; q < D; q++) b[fold][q] += Phi[r * D + q] * y[r];
        n[fold] += k;
        k = 0;
      };
      for (const row of keep) {
        const { t, f, c, i, j } = decode(row, phase);
        if ((heldOut(i, j) ? 1 : 0) !== fold) continue;
        const s = features(low, H, W, C, i, j, c, eps[c], layer, SYM_PERM[t], Phi, k * D);
        y[k] = (u[(i * w + j) * C + c] - low[f]) / s;
        if (++k === CHUNK) flush();
      }
      if (k) flush();
    }
    opts.signal?.throwIfAborted();
    // Held-out check: fit on fold 0, score on fold 1 in data units.
    const beta0 = solve(G[0], b[0], n[0]);
    if (beta0)
      for (const row of keep) {
        const { t, f, c, i, j } = decode(row, phase);
        if (!heldOut(i, j)) continue;
        const s = features(low, H, W, C, i, j, c, eps[c], layer, SYM_PERM[t], Phi, 0);
        const r = u[(i * w + j) * C + c] - low[f];
        let pred = 0;
        for (let q = 0; q < D; q++) pred += Phi[q] * beta0[q];
        err0 += r * r;
        err1 += (r - s * pred) ** 2;
      }
    for (let q = 0; q < D * D; q++) G[0][q] += G[1][q];
    for (let q = 0; q < D; q++) b[0][q] += b[1][q];
    const beta = solve(G[0], b[0], n[0] + n[1]);
    if (!beta) return { values: up, report };
    betas.push(beta);
    progress(0.3 + 0.1 * (phase + 1));
  }
  report.held_out_gain_db = err1 > 0 && err0 > 0 ? 10 * Math.log10(err0 / err1) : 0;
  if (!(report.held_out_gain_db > 0)) return { values: up, report };
  report.applied = true;
  // Apply to û's neighbourhoods (on the pool when there is one), then put each 2×2 block back
  // onto its input pixel.
  const H2 = 2 * h;
  const W2 = 2 * w;
  // On the pool, `up` and `out` live in shared memory (one copy of û each).
  const upShared = opts.pool ? sharedCopy(up) : up;
  const out0 = opts.pool ? shared(Float32Array, up.length) : new Float32Array(up.length);
  out0.set(up);
  const job: DetailApply = { up: upShared, out: out0, H: H2, W: W2, C, eps, seed: opts.seed ?? 1, betas: new Float64Array(4 * D) };
  betas.forEach((beta, ph) => job.betas.set(beta, ph * D));
  const out = opts.pool ? await applyOnPool(opts.pool, job, opts.signal, (f) => progress(0.7 + 0.3 * f)) : job.out;
  if (!opts.pool)
    for (let i = 0; i < H2; i += APPLY_ROWS) {
      applyDetailRows(job, i, Math.min(H2, i + APPLY_ROWS));
      opts.signal?.throwIfAborted();
      progress(0.7 + (0.3 * (i + APPLY_ROWS)) / H2);
    }
  opts.signal?.throwIfAborted();
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      for (let c = 0; c < C; c++) {
        const o = (2 * i * W2 + 2 * j) * C + c;
        const o2 = o + W2 * C;
        const mean = (out[o] + out[o + C] + out[o2] + out[o2 + C]) / 4;
        const shift = u[(i * w + j) * C + c] - mean;
        out[o] += shift;
        out[o + C] += shift;
        out[o2] += shift;
        out[o2 + C] += shift;
      }
  return { values: out, report };
}

/**
 * The 8 symmetries of the square as maps of offsets (di, dj) → M·(di, dj): SYM_PERM[t][k] is the
 * source entry of the 3×3 patch (k = 3(di + 1) + dj + 1) at transformed position k, and
 * SYM_PHASE[t][p] the block position (phase p = 2·(i mod 2) + j mod 2, about the block's
 * centre) the symmetry moves phase p to.
 */
const SYMS: Array<[number, number, number, number]> = [
  [1, 0, 0, 1],
  [0, -1, 1, 0],
  [-1, 0, 0, -1],
  [0, 1, -1, 0],
  [1, 0, 0, -1],
  [-1, 0, 0, 1],
  [0, 1, 1, 0],
  [0, -1, -1, 0],
];
export const SYM_MATRICES: ReadonlyArray<readonly [number, number, number, number]> = SYMS;
export const SYM_PERM = SYMS.map(([a, b, c, d]) => {
  const perm = new Int8Array(PATCH);
  // Inverse of an orthogonal M is its transpose: source offset = Mᵀ·(transformed offset).
  for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) perm[3 * (di + 1) + dj + 1] = 3 * (a * di + c * dj + 1) + (b * di + d * dj + 1);
  return perm;
});
export const SYM_PHASE = SYMS.map(([a, b, c, d]) =>
  [0, 1, 2, 3].map((p) => {
    const ci = 2 * (p >> 1) - 1;
    const cj = 2 * (p & 1) - 1;
    const ti = a * ci + b * cj;
    const tj = c * ci + d * cj;
    return ((ti > 0 ? 1 : 0) << 1) | (tj > 0 ? 1 : 0);
  }),
);

/** Held-out pixels: one 8×8 tile in five, in a fixed scattered pattern. */
function heldOut(i: number, j: number): boolean {
  return ((i >> 3) * 7 + (j >> 3) * 3) % 5 === 0;
}

/** `count` distinct integers of [0, n), uniformly drawn (Floyd's algorithm), in increasing order. */
function drawSorted(n: number, count: number, rng: Rng): number[] {
  const picked = new Set<number>();
  for (let m = n - count; m < n; m++) {
    const k = Math.floor(rng.uniform() * (m + 1));
    picked.add(picked.has(k) ? m : k);
  }
  return [...picked].sort((x, y) => x - y);
}

function solve(G: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  if (n < D) return undefined;
  const A = G.slice();
  symmetrize(A, D);
  const f = factorRidge(A, D, RIDGE * n);
  if (!Number.isFinite(f.ridge)) return undefined;
  const beta = b.slice();
  choleskySolve(f, beta, 1);
  return beta;
}

/** Output rows per piece of the application. */
const APPLY_ROWS = 16;

/** The application of a step's correction to its ×2 estimate: `out` (a copy of `up`) gains it. */
export interface DetailApply {
  up: Float32Array;
  out: Float32Array;
  H: number;
  W: number;
  C: number;
  /** Per channel, the ε of the patch normalisation. */
  eps: Float64Array;
  /** Seed of the tanh layer (rebuilt where the rows are computed). */
  seed: number;
  /** The four phases' weights, D each. */
  betas: Float64Array;
}

/**
 * Rows [r0, r1) of the correction: each output value is computed on its own from `up`, so any
 * split of the rows among threads gives the same image bit for bit.
 */
export function applyDetailRows(job: DetailApply, r0: number, r1: number): void {
  const { up, out, H, W, C, eps, betas } = job;
  const layer = tanhLayer(job.seed);
  const phi = new Float64Array(D);
  for (let i = r0; i < r1; i++)
    for (let j = 0; j < W; j++)
      for (let c = 0; c < C; c++) {
        const s = features(up, H, W, C, i, j, c, eps[c], layer, SYM_PERM[0], phi, 0);
        const o = (((i & 1) << 1) | (j & 1)) * D;
        let pred = 0;
        for (let q = 0; q < D; q++) pred += phi[q] * betas[o + q];
        out[(i * W + j) * C + c] += s * pred;
      }
}

/**
 * `applyDetailRows` over all rows on the pool's threads, pieces of APPLY_ROWS rows pulled in turn.
 * `job.up` and `job.out` must live in shared memory (the threads write `out` in place); the
 * small arrays are copied to each thread.
 */
async function applyOnPool(pool: ElmPool, job: DetailApply, signal: AbortSignal | undefined, onProgress: (f: number) => void): Promise<Float32Array> {
  const rows: [number, number][] = [];
  for (let i = 0; i < job.H; i += APPLY_ROWS) rows.push([i, Math.min(job.H, i + APPLY_ROWS)]);
  await pool.dispatch({ type: 'detail-apply', job, rows, next: shared(Int32Array, 1) }, rows.length, 'self-similar detail', rows.length, {
    signal,
    onProgress: (_s, f) => onProgress(f),
  });
  return job.out;
}

interface TanhLayer {
  W: Float64Array;
  b: Float64Array;
}

function tanhLayer(seed: number): TanhLayer {
  const rng = new Rng(seed);
  const W = new Float64Array(HIDDEN * PATCH);
  const b = new Float64Array(HIDDEN);
  const scale = WEIGHT_SCALE / Math.sqrt(PATCH);
  for (let j = 0; j < HIDDEN; j++) {
    for (let a = 0; a < PATCH; a++) W[j * PATCH + a] = rng.normal() * scale;
    b[j] = 2 * rng.uniform() - 1;
  }
  return { W, b };
}

const patch = new Float64Array(PATCH);

/**
 * The features of pixel (i, j), channel c of an H×W×C image into out[o … o + D): the 3×3
 * neighbourhood (mirrored at the border) normalised to zero mean and spread 1, the tanh units
 * and a constant. Returns the spread s + ε the target is divided by.
 */
function features(
  img: Float32Array,
  H: number,
  W: number,
  C: number,
  i: number,
  j: number,
  c: number,
  eps: number,
  layer: TanhLayer,
  perm: Int8Array,
  out: Float64Array,
  o: number,
): number {
  let k = 0;
  let m = 0;
  for (let di = -1; di <= 1; di++) {
    const ii = reflect(i + di, H);
    for (let dj = -1; dj <= 1; dj++) {
      const v = img[(ii * W + reflect(j + dj, W)) * C + c];
      patch[k++] = v;
      m += v;
    }
  }
  m /= PATCH;
  let v2 = 0;
  for (let a = 0; a < PATCH; a++) v2 += (patch[a] - m) ** 2;
  const s = Math.sqrt(v2 / PATCH) + eps;
  for (let a = 0; a < PATCH; a++) out[o + a] = (patch[perm[a]] - m) / s;
  const { W: Wt, b } = layer;
  for (let q = 0; q < HIDDEN; q++) {
    let z = b[q];
    const r = q * PATCH;
    for (let a = 0; a < PATCH; a++) z += Wt[r + a] * out[o + a];
    out[o + PATCH + q] = fastTanh(z);
  }
  out[o + D - 1] = 1;
  return s;
}

/**
 * tanh by Lambert's continued fraction cut at 7th order (within 1e-4 of Math.tanh, exactly odd,
 * ±1 beyond ±4.97 where it reaches them): a few multiplications instead of a library call, the
 * detail's hot loop (300 units per output value). Training and application both use it.
 */
function fastTanh(x: number): number {
  if (x >= 4.97) return 1;
  if (x <= -4.97) return -1;
  const x2 = x * x;
  return (x * (135135 + x2 * (17325 + x2 * (378 + x2)))) / (135135 + x2 * (62370 + x2 * (3150 + 28 * x2)));
}

function reflect(i: number, n: number): number {
  if (i < 0) return Math.min(-i, n - 1);
  if (i >= n) return Math.max(2 * n - 2 - i, 0);
  return i;
}

/** The h×w×C image averaged over 2×2 blocks (⌊h/2⌋×⌊w/2⌋; a last odd row or column is dropped). */
export function areaDown2(u: Float32Array, h: number, w: number, C: number): Float32Array {
  const h2 = h >> 1;
  const w2 = w >> 1;
  const out = new Float32Array(h2 * w2 * C);
  for (let i = 0; i < h2; i++)
    for (let j = 0; j < w2; j++)
      for (let c = 0; c < C; c++) {
        const o = (2 * i * w + 2 * j) * C + c;
        out[(i * w2 + j) * C + c] = (u[o] + u[o + C] + u[o + w * C] + u[o + w * C + C]) / 4;
      }
  return out;
}
