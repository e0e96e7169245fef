/**
 * The classical baselines on the protocols of issue 14: the figures ELM-INR must beat.
 *
 *   node --import tsx tests/bench/baselines.ts            # everything → bench-results/baselines.json
 *   node --import tsx tests/bench/baselines.ts --only camera
 *
 * Protocols (the same data, masks and positions an ELM run of the same task uses):
 * - inpainting: the seeded drop of the fit task (`fitMask`, drop 0.7, seed 1) on astronaut,
 *   camera and L7_ETMs (all bands); PSNR over the hidden samples, data range 255 (uint8).
 * - super-resolution ×K on camera: the image area-averaged over K×K blocks, interpolated back on
 *   the original grid, compared with the original (PSNR over every pixel, range 255). Low-res
 *   sample j is the mean of original pixels K·j … K·j+K−1, so it sits at original position
 *   K·j + (K−1)/2; original pixel p sits at low-res position (p − (K−1)/2)/K = (p + ½)/K − ½,
 *   which is exactly `finerGrid(L/K, K)`, the grid ELM's super-resolution evaluates on.
 * - through-plane ×2 on Colin27 and the stent CT: every other slice along the first axis is
 *   dropped (slices 0, 2, 4, … kept), the volume is interpolated back at the dropped positions
 *   (kept slice k sits at 2k, dropped slice 2k+1 at k + ½ in kept-slice units), and compared with
 *   the dropped slices. A dropped slice beyond the last kept one (the stent's slice 255) would
 *   need extrapolation and is left out. Range: 255 for uint8, max − min of the volume otherwise
 *   (as the fit report does).
 * Seconds: wall and CPU time of the call, after one untimed warm-up call on a small problem (JIT).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { openField } from '../../main/data/index';
import { fitMask } from '../../main/tasks/common';
import { finerGrid, sampleGrid, type AxisGrid } from '../../main/inr/elm/mesh';
import { dataRangeOf, psnr } from '../../main/metrics/index';
import { inpaint, resample, type InpaintParams } from '../../main/classical/index';
import type { Field } from '../../main/core/field';
import { sample } from '../helpers/samples';

interface Row {
  method: string;
  params?: Record<string, unknown>;
  psnr: number;
  seconds: number;
  cpu_seconds: number;
}
interface Case {
  name: string;
  task: 'inpaint' | 'superres' | 'interp';
  data: string;
  shape: number[];
  channels: number;
  protocol: string;
  data_range: number;
  compared_samples: number;
  results: Row[];
  best?: { method: string; psnr: number };
  /** Issue 14 point 3: what ELM-INR must reach (inpainting: best baseline + 0.5 dB; resampling: cubic + 0.5 dB). */
  elm_target?: { rule: string; psnr: number };
}

const only = process.argv.indexOf('--only');
const filter = only >= 0 ? process.argv[only + 1] : undefined;
const cases: Case[] = [];

const INPAINT: Array<[string, InpaintParams?]> = [['linear'], ['cubic'], ['cubic', { gradients: 'nielson' }], ['natural'], ['nconv'], ['nearest']];
const RESAMPLE = ['nearest', 'linear', 'cubic', 'lanczos', 'spline', 'pchip'];

function rangeOf(f: Field): number {
  return f.dtype === 'uint8' ? 255 : dataRangeOf(f) || 1;
}

/** Wall seconds and CPU seconds of the call (CPU time is less disturbed by a busy machine). */
function timed<T>(fn: () => T): [T, number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fn();
  const c = process.cpuUsage(c0);
  return [r, (performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
}

function finish(c: Case): void {
  const best = c.results.reduce((a, b) => (b.psnr > a.psnr ? b : a));
  c.best = { method: best.method + (best.params ? ` ${JSON.stringify(best.params)}` : ''), psnr: best.psnr };
  if (c.task === 'inpaint') c.elm_target = { rule: 'best baseline + 0.5 dB', psnr: best.psnr + 0.5 };
  else {
    const cubic = c.results.find((r) => r.method === 'cubic')!;
    c.elm_target = { rule: `${c.task === 'superres' ? 'bicubic' : 'cubic'} (Keys) + 0.5 dB`, psnr: cubic.psnr + 0.5 };
  }
  cases.push(c);
  process.stderr.write(`${c.name}  (ELM target ${c.elm_target.psnr.toFixed(2)} dB: ${c.elm_target.rule}; best ${c.best.method} ${c.best.psnr.toFixed(2)} dB)\n`);
  for (const r of c.results)
    process.stderr.write(
      `  ${(r.method + (r.params ? ' ' + JSON.stringify(r.params) : '')).padEnd(34)} ${r.psnr.toFixed(2).padStart(6)} dB  ${r.seconds.toFixed(2).padStart(6)} s  (${r.cpu_seconds.toFixed(2)} s CPU)\n`,
    );
}

/** One untimed call on a small problem of the same kind, so the timed call runs compiled code. */
function warmInpaint(method: string, params: InpaintParams | undefined, C: number): void {
  const [H, W] = [48, 48];
  const v = new Float32Array(H * W * C).map((_, i) => Math.sin(i * 0.37) * 50 + 100);
  const m = new Uint8Array(H * W).map((_, i) => ((i * 7919) % 10 < 3 ? 1 : 0));
  inpaint(method, v, [H, W], C, m, {}, params);
}

async function inpaintCase(name: string, path: string): Promise<void> {
  const field = await openField(path, {});
  const C = field.channels.length;
  const { mask, hidden } = fitMask(field, { drop: 0.7, seed: 1 });
  if (!hidden) throw new Error('no hidden samples');
  const R = rangeOf(field);
  let compared = 0;
  for (const h of hidden) compared += h;
  const results: Row[] = [];
  for (const [method, params] of INPAINT) {
    warmInpaint(method, params, C);
    const [out, s, cpu] = timed(() => inpaint(method, field.values, field.shape, C, mask, {}, params));
    results.push({ method, params: params ? { ...params } : undefined, psnr: psnr(field.values, out, { dataRange: R, mask: hidden, channels: C }), seconds: s, cpu_seconds: cpu });
  }
  finish({
    name: `inpaint drop 0.7 ${name}`,
    task: 'inpaint',
    data: path.split('/').pop()!,
    shape: field.shape,
    channels: C,
    protocol: 'fitMask(drop 0.7, seed 1); PSNR over the hidden samples',
    data_range: R,
    compared_samples: compared,
    results,
  });
}

/** Mean over K×K blocks of the last two axes (2-D fields). */
function areaDownsample(v: Float32Array, H: number, W: number, C: number, K: number): Float32Array {
  const h = Math.floor(H / K);
  const w = Math.floor(W / K);
  const out = new Float32Array(h * w * C);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let dy = 0; dy < K; dy++) for (let dx = 0; dx < K; dx++) s += v[((y * K + dy) * W + x * K + dx) * C + c];
        out[(y * w + x) * C + c] = s / (K * K);
      }
  return out;
}

async function superresCase(path: string, K: number): Promise<void> {
  const field = await openField(path, {});
  const C = field.channels.length;
  const [H, W] = field.shape;
  if (H % K || W % K) throw new Error(`${path}: ${H}×${W} is not a multiple of ${K}`);
  const low = areaDownsample(field.values, H, W, C, K);
  const lowShape = [H / K, W / K];
  const grids = lowShape.map((L) => finerGrid(L, K));
  if (grids[0].count !== H || grids[1].count !== W) throw new Error('the finer grid does not match the original');
  const R = rangeOf(field);
  const results: Row[] = [];
  for (const method of RESAMPLE) {
    resample(method, low.subarray(0, 32 * 32 * C), [32, 32], C, [finerGrid(32, K), finerGrid(32, K)]);
    const [out, s, cpu] = timed(() => resample(method, low, lowShape, C, grids));
    results.push({ method, psnr: psnr(field.values, out, { dataRange: R, channels: C }), seconds: s, cpu_seconds: cpu });
  }
  finish({
    name: `superres x${K} ${path.split('/').pop()}`,
    task: 'superres',
    data: path.split('/').pop()!,
    shape: field.shape,
    channels: C,
    protocol: `area average over ${K}×${K} blocks, resample on finerGrid(L/${K}, ${K}) per axis, PSNR over every pixel of the original`,
    data_range: R,
    compared_samples: H * W,
    results,
  });
}

async function throughPlaneCase(path: string): Promise<void> {
  const field = await openField(path, {});
  const C = field.channels.length;
  const [D, ...rest] = field.shape;
  const plane = rest.reduce((a, b) => a * b, 1) * C;
  const kept = Math.ceil(D / 2);
  const low = new Float32Array(kept * plane);
  for (let k = 0; k < kept; k++) low.set(field.values.subarray(2 * k * plane, (2 * k + 1) * plane), k * plane);
  // Dropped slices 2k+1 with a kept slice on both sides: k = 0 … kept−2, at k + ½.
  const count = kept - 1;
  const grids: AxisGrid[] = [{ start: 0.5, step: 1, count }, ...rest.map((L) => sampleGrid(L))];
  const truth = new Float32Array(count * plane);
  for (let k = 0; k < count; k++) truth.set(field.values.subarray((2 * k + 1) * plane, (2 * k + 2) * plane), k * plane);
  const R = rangeOf(field);
  const results: Row[] = [];
  for (const method of RESAMPLE) {
    resample(method, low.subarray(0, 6 * plane), [6, ...rest], C, [{ start: 0.5, step: 1, count: 5 }, ...rest.map((L) => sampleGrid(L))]);
    const [out, s, cpu] = timed(() => resample(method, low, [kept, ...rest], C, grids));
    results.push({ method, psnr: psnr(truth, out, { dataRange: R }), seconds: s, cpu_seconds: cpu });
  }
  finish({
    name: `through-plane x2 ${path.split('/').pop()}`,
    task: 'interp',
    data: path.split('/').pop()!,
    shape: field.shape,
    channels: C,
    protocol: `slices 0, 2, …, ${2 * (kept - 1)} kept; dropped slices 1, 3, …, ${2 * count - 1} interpolated (at k + ½ in kept-slice units) and compared${D % 2 === 0 ? `; slice ${D - 1} (beyond the last kept one) left out` : ''}`,
    data_range: R,
    compared_samples: count * (plane / C),
    results,
  });
}

const jobs: Array<[string, () => Promise<void>]> = [
  ['inpaint astronaut', () => inpaintCase('astronaut', sample('images', 'astronaut.png'))],
  ['inpaint camera', () => inpaintCase('camera', sample('images', 'camera.png'))],
  ['inpaint L7', () => inpaintCase('L7_ETMs', sample('geotiff', 'L7_ETMs.tif'))],
  ['superres x2 camera', () => superresCase(sample('images', 'camera.png'), 2)],
  ['superres x4 camera', () => superresCase(sample('images', 'camera.png'), 4)],
  ['through-plane colin27', () => throughPlaneCase(sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'))],
  ['through-plane stent', () => throughPlaneCase(sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'))],
];

for (const [name, run] of jobs) if (!filter || name.includes(filter)) await run();

const out = { generated: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }, cases };
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/baselines.json', JSON.stringify(out, null, 2) + '\n');
process.stderr.write('wrote bench-results/baselines.json\n');
