/**
 * BEAM against the uniform ELM mesh at the same params budget, on the six cases, with
 * the cost of BEAM's mesh construction measured against the solve on it:
 *
 *   node --import tsx tests/bench/beam-compare.ts                     # all six, one process each
 *   node --import tsx tests/bench/beam-compare.ts --only camera       # names containing "camera"
 *   node --import tsx tests/bench/beam-compare.ts --repeats 5 --strategy split
 *
 * Each case runs in a fresh process, which fits BEAM `repeats` times (`--method elm-beam --budget
 * P`), then the uniform engine once (`--method elm --budget P`, whose chooser fills the budget,
 * config.ts). The first BEAM fit is "cold" (the first fit of the process: the JIT has compiled
 * none of its code yet); the repeats are "warm", as in a job worker that has fitted before.
 *
 * Phases (BeamStats, index.ts `finish`), in CPU seconds of the process (process.cpuUsage: every
 * thread, so JIT compilation and GC count; robust to other processes loading the machine) and
 * in wall seconds:
 *   mesh  = everything before the mesh is known: checks, strategy, tree, Barron norms,
 *           refinement or per-cell capacity;
 *   solve = the frequency-scale probe + the least-squares solve of every cell (what the uniform
 *           engine also does once its mesh is chosen);
 *   ratio = mesh / solve (the target: ≤ 0.30), also given against the least squares alone.
 * Prints one JSON line per case and a summary; writes bench-results/beam-compare.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openField } from '../../main/data/index';
import { runFitTask } from '../../main/tasks/fit';
import { uniformMeshBalance, type BeamModel, type BeamStats } from '../../main/inr/elm/beam/index';
import { sample } from '../helpers/samples';

export interface BeamCase {
  label: string;
  path: string;
  budget: number;
  open?: Record<string, unknown>;
}

/** The benchmark set (#5): images, Landsat, ERA5 as 2-D+t, SST with its land mask, Colin27. */
export const BEAM_CASES: BeamCase[] = [
  { label: 'astronaut', path: sample('images', 'astronaut.png'), budget: 200000 },
  { label: 'camera', path: sample('images', 'camera.png'), budget: 70000 },
  { label: 'L7_ETMs', path: sample('geotiff', 'L7_ETMs.tif'), budget: 200000 },
  { label: 'ERA5 u (sub.nc, level 0, 10 times, 2D+t)', path: sample('netcdf', 'sub.nc'), budget: 250, open: { variable: 'u', index: { level: 0 } } },
  { label: 'SST (reduced.nc, land masked)', path: sample('netcdf', 'reduced.nc'), budget: 5000 },
  { label: 'colin27', path: sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'), budget: 1000000 },
];

/** The mesh and solve phases of a BEAM fit (see the file comment). */
export function beamPhases(st: BeamStats) {
  const cpu = st.cpuSeconds ?? st.seconds;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    mesh_seconds: r3(st.seconds.mesh),
    solve_seconds: r3(st.seconds.freq + st.seconds.solve),
    ratio: r3(st.seconds.mesh / (st.seconds.freq + st.seconds.solve)),
    cpu_mesh_seconds: r3(cpu.mesh),
    cpu_freq_seconds: r3(cpu.freq),
    cpu_lsq_seconds: r3(cpu.solve),
    cpu_solve_seconds: r3(cpu.freq + cpu.solve),
    cpu_ratio: r3(cpu.mesh / (cpu.freq + cpu.solve)),
    cpu_ratio_lsq_only: r3(cpu.mesh / cpu.solve),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

async function runCase(c: BeamCase, repeats: number, strategy: string | undefined): Promise<Record<string, unknown>> {
  const field = await openField(c.path, c.open ?? {});
  const runs: ReturnType<typeof beamPhases>[] = [];
  let first: Awaited<ReturnType<typeof runFitTask>> | undefined;
  for (let i = 0; i < repeats; i++) {
    // Collect the previous fit's garbage first, so that no phase pays for another fit's.
    (globalThis as { gc?: () => void }).gc?.();
    const r = await runFitTask(field, { method: 'elm-beam', params: { budget: c.budget, strategy: strategy as 'split' | undefined } });
    first ??= r;
    runs.push(beamPhases((r.model as BeamModel).stats!));
  }
  // The uniform fit after BEAM's, so that the first BEAM fit is the first fit of the process.
  const uniform = await runFitTask(field, { method: 'elm', params: { budget: c.budget } });
  const beam = first!;
  const model = beam.model as BeamModel;
  const st = model.stats!;
  const warm = runs.slice(1);
  const mask = field.mask && !field.mask.every((v) => v === 1) ? field.mask : undefined;
  return {
    case: c.label,
    shape: field.shape,
    channels: field.channels.length,
    budget: c.budget,
    uniform: { psnr: uniform.report.psnr, params: uniform.report.params, cells: uniform.report.mesh?.cells, hidden: uniform.report.mesh?.hidden, freq: uniform.report.mesh?.freq },
    beam: {
      psnr: beam.report.psnr,
      params: beam.report.params,
      strategy: st.strategy,
      cells: st.cells,
      hidden: [...new Set(model.spec.layers.map((l) => l.hidden))],
      freq: st.freq,
      stop: st.stop,
    },
    gain_db: beam.report.psnr - uniform.report.psnr,
    params_ratio: beam.report.params / uniform.report.params,
    balance: {
      uniform_elm_mesh: uniformMeshBalance({ values: field.values, shape: field.shape, channels: field.channels.length, mask }, { budget: c.budget }),
      dyadic_start: st.balanceStart,
      after: st.balanceAfter,
      per_capacity: st.balanceLoad,
    },
    cold: runs[0],
    warm: warm.length
      ? {
          repeats: warm.length,
          // Medians over the warm repeats.
          cpu_mesh_seconds: median(warm.map((r) => r.cpu_mesh_seconds)),
          cpu_solve_seconds: median(warm.map((r) => r.cpu_solve_seconds)),
          cpu_ratio: median(warm.map((r) => r.cpu_ratio)),
          cpu_ratio_lsq_only: median(warm.map((r) => r.cpu_ratio_lsq_only)),
          wall_ratio: median(warm.map((r) => r.ratio)),
        }
      : undefined,
  };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const repeats = Number(arg('--repeats') ?? 3);
  const strategy = arg('--strategy');
  const one = arg('--case');
  if (one !== undefined) {
    // Child: one case in this fresh process.
    console.log(JSON.stringify(await runCase(BEAM_CASES[Number(one)], repeats, strategy)));
  } else {
    const only = arg('--only');
    const self = fileURLToPath(import.meta.url);
    const results: Record<string, unknown>[] = [];
    for (let i = 0; i < BEAM_CASES.length; i++) {
      if (only && !BEAM_CASES[i].label.includes(only)) continue;
      const extra = [...(strategy ? ['--strategy', strategy] : []), '--repeats', String(repeats)];
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--case', String(i), ...extra], { encoding: 'utf8', timeout: 1_800_000 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      let res: Record<string, unknown>;
      try {
        res = JSON.parse(line);
      } catch {
        res = { case: BEAM_CASES[i].label, error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
      }
      console.log(JSON.stringify(res));
      results.push(res);
    }
    const ok = results.filter((r) => typeof r.gain_db === 'number');
    const gains = ok.map((r) => r.gain_db as number);
    const ratios = ok.map((r) => (r.cold as ReturnType<typeof beamPhases>).cpu_ratio);
    const warmRatios = ok.map((r) => (r.warm as { cpu_ratio?: number } | undefined)?.cpu_ratio ?? NaN);
    const summary = {
      mean_gain_db: gains.reduce((a, b) => a + b, 0) / (gains.length || 1),
      worst_gain_db: Math.min(...gains),
      max_mesh_ratio_cold_cpu: Math.max(...ratios),
      max_mesh_ratio_warm_cpu: Math.max(...warmRatios),
      target: 'mean gain ≥ +1.5 dB, worst ≥ −0.2 dB, mesh ≤ 0.30 × solve',
    };
    console.log(JSON.stringify(summary));
    const dir = join(process.cwd(), 'bench-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'beam-compare.json'), JSON.stringify({ date: new Date().toISOString(), repeats, strategy: strategy ?? 'auto', summary, results }, null, 2) + '\n');
  }
}
