/**
 * End-to-end profile of the ELM fit at the command line's default settings (`fit <path>`, method
 * elm, no options) on Colin27, astronaut and L7 (issue 17): where the wall time goes, phase by
 * phase, and which serial part exceeds 20 % of the run.
 *
 *   node --import tsx tests/bench/profile.ts                     # all three, 3 repeats, 2 threads
 *   node --import tsx tests/bench/profile.ts --only colin27 --repeats 5 --threads 1
 *   node --import tsx tests/bench/profile.ts --json bench-results/profile.json
 *
 * One process per run of this script; the ELM pool is started and its threads have compiled
 * their code on a small fit first (a running app keeps its pool). Each repeat reads the file and
 * fits it as the CLI does (`runFitTask` with `fitRequest('elm', {}, 'cli')`); the phases are cut
 * at the task's progress stages and its clocks:
 *   read        — openField (decode, geometry, mask);
 *   prepare     — the task's own set-up until the method starts (mask, grids, spec, hole check);
 *   probe       — the frequency-scale probe (`chooseFrequency`, autofreq.ts);
 *   solve       — the least-squares solve of every cell on the pool;
 *   reconstruct — the evaluation on the sample grid on the pool;
 *   metrics     — PSNR, SSIM (2-D per channel, 3-D volume SSIM), RMSE, MAE and the report.
 * Per phase: wall seconds (median over repeats, and best), process CPU seconds (all threads) and
 * the share of the run. A phase is "serial" when its CPU seconds ≈ its wall seconds.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { openField } from '../../main/data/index';
import { fitRequest, runFitTask } from '../../main/tasks/fit';
import { ElmPool } from '../../main/inr/elm/parallel';
import { resolveElmSpec } from '../../main/inr/elm/config';
import { sample } from '../helpers/samples';
import { cpuSplit, threadCpu } from './thread-cpu';

const CASES: Record<string, string> = {
  colin27: sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'),
  astronaut: sample('images', 'astronaut.png'),
  L7: sample('geotiff', 'L7_ETMs.tif'),
};

const args = process.argv.slice(2);
const flag = (k: string) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const repeats = Number(flag('repeats') ?? 3);
const threads = flag('threads') !== undefined ? Number(flag('threads')) : undefined;
const only = flag('only');

const PHASES = ['read', 'prepare', 'probe', 'solve', 'reconstruct', 'metrics'] as const;
type Phase = (typeof PHASES)[number];
interface Mark {
  wall: number;
  cpu: number;
  threads?: Map<number, number>;
}

function mark(): Mark {
  const u = process.cpuUsage();
  return { wall: performance.now(), cpu: (u.user + u.system) / 1000, threads: threadCpu() };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** One read + fit, cut into phases (milliseconds of wall and CPU). */
interface Run {
  wall: Record<Phase, number>;
  cpu: Record<Phase, number>;
  /** Main thread's CPU + the busiest pool threads' (ms): what the phase takes on an idle machine. */
  critical: Record<Phase, number>;
  psnr: number;
  ssim?: number;
  shape: number[];
}

async function profileOnce(path: string, pool: ElmPool): Promise<Run> {
  (globalThis as { gc?: () => void }).gc?.();
  const m0 = mark();
  const field = await openField(path, {});
  const m1 = mark();
  const stages = new Map<string, Mark>();
  const r = await runFitTask(field, fitRequest('elm', {}, 'cli'), {
    pool,
    onProgress: (stage) => {
      if (!stages.has(stage)) stages.set(stage, mark());
    },
  });
  const end = mark();
  const probe = stages.get('choosing frequency scale');
  const solve = stages.get('solving subdomains')!;
  const metrics = stages.get('metrics')!;
  // The fit's end is the task's own clock (report.seconds_fit from its start); its start is the
  // first progress mark at or after m1, so `prepare` is m1 → the probe (or the solve).
  const fitEndWall = metrics.wall - r.report.seconds_reconstruct * 1000;
  const cuts: Mark[] = [m0, m1, probe ?? solve, solve, { wall: fitEndWall, cpu: NaN }, metrics, end];
  const critical = {} as Record<Phase, number>;
  const crit = (a: Mark, b: Mark) => {
    const sp = cpuSplit(a.threads!, b.threads!);
    return 1000 * (sp.main + Math.max(0, ...sp.others.slice(0, pool.size)));
  };
  // CPU at the fit's end is not observed; split solve+reconstruct CPU by their wall shares.
  const solveRec = { wall: metrics.wall - solve.wall, cpu: metrics.cpu - solve.cpu };
  const share = (fitEndWall - solve.wall) / Math.max(1e-9, solveRec.wall);
  const wall = {} as Record<Phase, number>;
  const cpu = {} as Record<Phase, number>;
  PHASES.forEach((p, i) => {
    wall[p] = cuts[i + 1].wall - cuts[i].wall;
    cpu[p] = cuts[i + 1].cpu - cuts[i].cpu;
  });
  cpu.solve = solveRec.cpu * share;
  cpu.reconstruct = solveRec.cpu * (1 - share);
  for (const [p, a, b] of [
    ['read', m0, m1],
    ['prepare', m1, probe ?? solve],
    ['probe', probe ?? solve, solve],
    ['metrics', metrics, end],
  ] as const)
    critical[p] = crit(a, b);
  const sr = crit(solve, metrics);
  critical.solve = sr * share;
  critical.reconstruct = sr * (1 - share);
  return { wall, cpu, critical, psnr: r.report.psnr, ssim: r.report.ssim, shape: field.shape };
}

const pool = new ElmPool(threads).warm();
{
  const shape = [8 * pool.size, 8];
  const spec = resolveElmSpec(shape, 1, { subdomains: [pool.size, 1], hidden: 4 });
  await pool.fit({ values: new Float32Array(shape[0] * shape[1]), shape, channels: 1 }, spec);
}

const results: Record<string, unknown> = {};
for (const [name, path] of Object.entries(CASES)) {
  if (only && !name.includes(only)) continue;
  await profileOnce(path, pool); // warm: JIT of the readers, probe and metrics
  const runs: Run[] = [];
  for (let k = 0; k < repeats; k++) runs.push(await profileOnce(path, pool));
  const total = median(runs.map((r) => PHASES.reduce((s, p) => s + r.wall[p], 0))) / 1000;
  const totalIdle = median(runs.map((r) => PHASES.reduce((s, p) => s + r.critical[p], 0))) / 1000;
  const phases = Object.fromEntries(
    PHASES.map((p) => {
      const wall = median(runs.map((r) => r.wall[p])) / 1000;
      const cpu = median(runs.map((r) => r.cpu[p])) / 1000;
      const idle = median(runs.map((r) => r.critical[p])) / 1000;
      return [
        p,
        {
          wall: r3(wall),
          best: r3(Math.min(...runs.map((r) => r.wall[p])) / 1000),
          cpu: r3(cpu),
          share: r3(wall / total),
          cpu_per_wall: r3(cpu / Math.max(wall, 1e-9)),
          idle_estimate: r3(idle),
          idle_share: r3(idle / totalIdle),
        },
      ];
    }),
  );
  results[name] = {
    shape: runs[0].shape,
    psnr: r3(runs[0].psnr),
    ssim: runs[0].ssim === undefined ? undefined : r3(runs[0].ssim),
    total_wall: r3(total),
    total_idle_estimate: r3(totalIdle),
    phases,
    over_20_percent: PHASES.filter((p) => (phases[p] as { share: number }).share > 0.2),
    over_20_percent_idle_estimate: PHASES.filter((p) => (phases[p] as { idle_share: number }).idle_share > 0.2),
  };
  process.stderr.write(
    `${name}: ${r3(total)} s (idle estimate ${r3(totalIdle)} s)  ${PHASES.map((p) => `${p} ${(phases[p] as { wall: number }).wall}/${(phases[p] as { idle_estimate: number }).idle_estimate}`).join(', ')}\n`,
  );
}
await pool.close();

const out = {
  date: new Date().toISOString(),
  threads: pool.size,
  repeats,
  load_average_1min: r3(loadavg()[0]),
  note: "ELM fit at the CLI defaults, read + fit + reconstruct + metrics; wall = median of the repeats (best = least disturbed), cpu = process CPU seconds over all threads; share = wall / total; idle_estimate = main thread CPU + the busiest pool threads' CPU in the phase (thread-cpu.ts): the phase on an idle machine, idle_share its share",
  cases: results,
};
const json = JSON.stringify(out, null, 2);
console.log(json);
const file = flag('json');
if (file) writeFileSync(file, json + '\n');
