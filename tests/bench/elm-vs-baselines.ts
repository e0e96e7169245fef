/**
 * ELM-INR against every classical baseline on the protocols of issue 14 point 3, in one run, each
 * through `runFitTask` with the request the CLI builds (`fitRequest`, source 'cli'):
 *
 *   node --import tsx tests/bench/elm-vs-baselines.ts                # all cases
 *   node --import tsx tests/bench/elm-vs-baselines.ts --only camera  # cases whose name matches
 *   node --import tsx tests/bench/elm-vs-baselines.ts --crop 128     # central crops (quick look)
 *   node --import tsx tests/bench/elm-vs-baselines.ts --methods elm,elm-beam
 *
 * Cases (the CLI's flags):
 * - inpainting `--drop 0.7` on astronaut, camera and L7_ETMs (all bands): PSNR over the hidden
 *   samples (psnr_unobserved);
 * - through-plane `--zscale 2 --check` on Colin27 and the stent CT: every other slice dropped,
 *   PSNR over the dropped slices (psnr_unobserved);
 * - super-resolution `--scale 2|4 --check` on camera (the image area-averaged over K×K blocks,
 *   reconstructed on the original grid): PSNR over every pixel (psnr).
 * The target (issue 14): ELM ≥ best baseline + 0.5 dB (the issue words the resampling targets
 * against cubic; both margins are reported). Targets are reported, never asserted.
 * Writes bench-results/elm-vs-baselines.json (a partial run: elm-vs-baselines-only-<filter>.json); prints the table on stderr and the JSON on stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { openField } from '../../main/data/index';
import type { Field } from '../../main/core/field';
import { fitRequest, runFitTask } from '../../main/tasks/fit';
import { ElmPool } from '../../main/inr/elm/parallel';
import { METHODS, methodDef } from '../../main/methods/registry';
import type { TaskKind } from '../../main/api/contract';
import { sample } from '../helpers/samples';

interface CaseDef {
  name: string;
  path: string;
  task: TaskKind;
  options: Record<string, number | string | boolean>;
  /** Which report field is the score. */
  metric: 'psnr' | 'psnr_unobserved';
}

const CASES: CaseDef[] = [
  { name: 'inpaint drop 0.7 astronaut', path: sample('images', 'astronaut.png'), task: 'inpaint', options: { drop: 0.7 }, metric: 'psnr_unobserved' },
  { name: 'inpaint drop 0.7 camera', path: sample('images', 'camera.png'), task: 'inpaint', options: { drop: 0.7 }, metric: 'psnr_unobserved' },
  { name: 'inpaint drop 0.7 L7_ETMs', path: sample('geotiff', 'L7_ETMs.tif'), task: 'inpaint', options: { drop: 0.7 }, metric: 'psnr_unobserved' },
  { name: 'superres x2 camera', path: sample('images', 'camera.png'), task: 'superres', options: { scale: 2, check: true }, metric: 'psnr' },
  { name: 'superres x4 camera', path: sample('images', 'camera.png'), task: 'superres', options: { scale: 4, check: true }, metric: 'psnr' },
  {
    name: 'through-plane x2 colin27',
    path: sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'),
    task: 'interp',
    options: { zscale: 2, check: true },
    metric: 'psnr_unobserved',
  },
  { name: 'through-plane x2 stent', path: sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'), task: 'interp', options: { zscale: 2, check: true }, metric: 'psnr_unobserved' },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const filter = arg('--only');
const crop = arg('--crop') ? Number(arg('--crop')) : undefined;
const elmMethods = (arg('--methods') ?? 'elm').split(',');

/** The central crop of `size` on every axis (a quick look; the targets are for the full data). */
function centralCrop(f: Field, size: number): Field {
  const shape = f.shape.map((L) => Math.min(L, size));
  const off = f.shape.map((L, a) => Math.floor((L - shape[a]) / 2));
  const C = f.channels.length;
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n * C);
  const mask = f.mask ? new Uint8Array(n) : undefined;
  const d = shape.length;
  const idx = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let a = 0; a < d; a++) s = s * f.shape[a] + idx[a] + off[a];
    for (let c = 0; c < C; c++) values[i * C + c] = f.values[s * C + c];
    if (mask) mask[i] = f.mask![s];
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return { ...f, shape, values, mask };
}

interface Row {
  method: string;
  score: number;
  psnr: number;
  psnr_unobserved?: number;
  params: number;
  params_per_value: number;
  seconds: number;
  cpu_seconds: number;
  mesh?: unknown;
}

const pool = new ElmPool().warm();
// Load the worker threads' code before the clock starts (one tiny fit on every thread).
{
  const { resolveElmSpec } = await import('../../main/inr/elm/config');
  const shape = [8 * pool.size, 8];
  await pool.fit({ values: new Float32Array(shape[0] * shape[1]), shape, channels: 1 }, resolveElmSpec(shape, 1, { subdomains: [pool.size, 1], hidden: 4 }));
}

async function runOne(field: Field, method: string, c: CaseDef): Promise<Row> {
  const req = fitRequest(method, c.options, 'cli');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runFitTask(field, req, { pool });
  const cpu = process.cpuUsage(c0);
  const rep = r.report;
  const score = c.metric === 'psnr' ? rep.psnr : rep.psnr_unobserved!;
  return {
    method,
    score,
    psnr: rep.psnr,
    psnr_unobserved: rep.psnr_unobserved,
    params: rep.params,
    params_per_value: rep.params_per_value,
    seconds: (performance.now() - t0) / 1000,
    // The process's CPU time: this thread and the pool's.
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    mesh: rep.mesh,
  };
}

const out: Record<string, unknown>[] = [];
for (const c of CASES) {
  if (filter && !c.name.includes(filter)) continue;
  let field = await openField(c.path, {});
  if (crop) field = centralCrop(field, crop);
  const baselines = METHODS.filter((m) => m.family === 'classical' && m.tasks.includes(c.task)).map((m) => m.id);
  const rows: Row[] = [];
  for (const m of [...elmMethods, ...baselines]) {
    if (!methodDef(m).tasks.includes(c.task)) continue;
    process.stderr.write(`${c.name}: ${m} … `);
    try {
      const row = await runOne(field, m, c);
      rows.push(row);
      process.stderr.write(`${row.score.toFixed(2)} dB, ${row.seconds.toFixed(1)} s\n`);
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
    }
  }
  const base = rows.filter((r) => baselines.includes(r.method));
  const best = base.reduce<Row | undefined>((a, b) => (!a || b.score > a.score ? b : a), undefined);
  const cubic = base.find((r) => r.method === 'cubic');
  const elms = rows
    .filter((r) => elmMethods.includes(r.method))
    .map((r) => ({
      method: r.method,
      score: r.score,
      margin_over_best: best ? r.score - best.score : undefined,
      margin_over_cubic: cubic ? r.score - cubic.score : undefined,
      meets_target: best ? r.score >= best.score + 0.5 : undefined,
    }));
  out.push({
    name: c.name,
    task: c.task,
    options: c.options,
    crop,
    shape: field.shape,
    metric: c.metric,
    best_baseline: best && { method: best.method, score: best.score },
    target: best && { rule: 'best baseline + 0.5 dB', score: best.score + 0.5 },
    elm: elms,
    results: rows,
  });
}
await pool.close();

// The table: one line per case and ELM method.
process.stderr.write(
  `\n${'case'.padEnd(30)} ${'method'.padEnd(9)} ${'ELM'.padStart(7)} ${'best baseline'.padStart(20)} ${'margin'.padStart(7)} ${'vs cubic'.padStart(8)}  target\n`,
);
for (const c of out as Array<{
  name: string;
  best_baseline?: { method: string; score: number };
  elm: Array<{ method: string; score: number; margin_over_best?: number; margin_over_cubic?: number; meets_target?: boolean }>;
}>) {
  for (const e of c.elm) {
    const b = c.best_baseline ? `${c.best_baseline.method} ${c.best_baseline.score.toFixed(2)}` : '—';
    const f = (v?: number) => (v === undefined ? '—' : (v >= 0 ? '+' : '') + v.toFixed(2));
    process.stderr.write(
      `${c.name.padEnd(30)} ${e.method.padEnd(9)} ${e.score.toFixed(2).padStart(7)} ${b.padStart(20)} ${f(e.margin_over_best).padStart(7)} ${f(e.margin_over_cubic).padStart(8)}  ${e.meets_target ? 'met' : 'missed'}\n`,
    );
  }
}

const result = { generated: new Date().toISOString(), machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, threads: pool.size }, crop, cases: out };
mkdirSync('bench-results', { recursive: true });
// A partial run (--only, --crop) gets its own file, so it never overwrites the full run's figures.
const suffix = (filter ? `-only-${filter.replace(/[^A-Za-z0-9]+/g, '_')}` : '') + (crop ? `-crop${crop}` : '');
writeFileSync(`bench-results/elm-vs-baselines${suffix}.json`, JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result));
