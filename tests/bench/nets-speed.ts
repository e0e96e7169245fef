/**
 * The nets on every core (issue 17): training steps per second per method at 1 and N threads
 * (data-parallel tfjs-wasm, main/inr/nets/team.ts), the machine's fp32 matrix-product peak
 * through tfjs-wasm (1024³ matMul on 1 and N threads at once), and how close the large layers
 * come to it (SIREN 3×256 on 256²).
 *
 *   node --import tsx tests/bench/nets-speed.ts                        # all six nets, 256², 3 steps
 *   node --import tsx tests/bench/nets-speed.ts --methods siren --steps 5 --repeats 3
 *   node --import tsx tests/bench/nets-speed.ts --size 128 --json out.json
 *
 * Each method trains on the central size² crop of camera.png with its default architecture, full
 * batch (256² = 2^16 samples, the default batch; halved, for both thread counts, where one engine
 * cannot hold a step: WIRE), `steps` Adam steps, alternately on 1 and N threads, `repeats` times. Steps/s is taken between the end of the first step and the end of
 * the last (the first step pays for kernel compilation); CPU seconds per step are the process's
 * (all threads), which other processes loading the machine do not inflate.
 * The matMul peak is given per wall second and per second of each thread's own CPU time (its
 * rate on an idle core); the large layers' ratio uses the latter, against the step's idle estimate.
 * Prints one JSON object; with --json also writes it to that file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { decodePng } from '../../main/data/png';
import { fitNet } from '../../main/inr/nets/task';
import { closeProcessNetTeam } from '../../main/inr/nets/team';
import { sample } from '../helpers/samples';
import { cpuSplit, threadCpu } from './thread-cpu';

const args = process.argv.slice(2);
const flag = (k: string) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const size = Number(flag('size') ?? 256);
const steps = Number(flag('steps') ?? 3);
const repeats = Number(flag('repeats') ?? 1);
const threads = Number(flag('threads') ?? 2);
const methods = (flag('methods') ?? 'siren,ffn,gauss,wire,sl2a,bwrelu').split(',');
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** GFLOP/s of 1024³ tfjs-wasm matMuls on `count` threads at once (each its own engine), summed. */
async function matmulPeak(count: number, n = 1024, ms = 3000): Promise<{ total: number; per_thread: number[]; idle_total: number; idle_per_thread: number[] }> {
  const start = new Int32Array(new SharedArrayBuffer(4));
  const url = fileURLToPath(new URL('./matmul-worker.mjs', import.meta.url));
  const ws = Array.from({ length: count }, () => new Worker(url, { workerData: { n, ms, start } }));
  const ready = ws.map((w) => new Promise((r) => w.once('message', r)));
  await Promise.all(ready);
  const done = ws.map((w) => new Promise<{ gflops: number; gflops_per_cpu_second: number }>((r) => w.once('message', r)));
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  const res = await Promise.all(done);
  await Promise.all(ws.map((w) => w.terminate()));
  const per = res.map((x) => r3(x.gflops));
  const idle = res.map((x) => r3(x.gflops_per_cpu_second));
  return { total: r3(per.reduce((a, b) => a + b, 0)), per_thread: per, idle_total: r3(idle.reduce((a, b) => a + b, 0)), idle_per_thread: idle };
}

const cam = decodePng(readFileSync(sample('images', 'camera.png')), 'camera.png');
const W = cam.shape[1];
const y0 = Math.floor((cam.shape[0] - size) / 2);
const x0 = Math.floor((W - size) / 2);
const values = new Float32Array(size * size);
for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) values[i * size + j] = cam.values[(y0 + i) * W + x0 + j];
const data = { shape: [size, size], channels: 1, values, mask: new Uint8Array(size * size).fill(1), codeRange8: true };

const load: number[] = [r3(loadavg()[0])];
const peak = { '1': await matmulPeak(1), [String(threads)]: await matmulPeak(threads) };
load.push(r3(loadavg()[0]));

interface Run {
  steps_per_second: number;
  cpu_seconds_per_step: number;
  /** Per step: the busiest thread's CPU seconds (the team's threads compute at once): an idle machine's step time. */
  critical_per_step: number;
  threads: number;
  params: number;
  loss: number;
}

async function trainOnce(method: string, T: number, batch: number): Promise<Run> {
  const marks: { wall: number; cpu: number; threads: Map<number, number> }[] = [];
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const r = await fitNet(
    data,
    { method, steps, backend: 'wasm', threads: T, batch, keepBest: false },
    { onStep: () => marks.push({ wall: performance.now() / 1000, cpu: cpu(), threads: threadCpu() }) },
  );
  const a = marks[0];
  const b = marks[marks.length - 1];
  const k = marks.length - 1;
  const split = cpuSplit(a.threads, b.threads);
  const critical = Math.max(split.main, ...split.others.slice(0, r.training.threads - 1)) / k;
  return {
    steps_per_second: k / (b.wall - a.wall),
    cpu_seconds_per_step: (b.cpu - a.cpu) / k,
    critical_per_step: critical,
    threads: r.training.threads,
    params: r.params,
    loss: r.training.loss_final,
  };
}

/** The full batch, halved until one engine holds a step (WIRE at 256²): the same batch on 1 and N threads. */
async function batchFor(method: string): Promise<number> {
  let batch = size * size;
  for (;;) {
    try {
      await fitNet(data, { method, steps: 1, backend: 'wasm', threads: 1, batch, keepBest: false });
      return batch;
    } catch (err) {
      if ((err as { code?: string }).code !== 'E_TOO_LARGE' || batch <= 1024) throw err;
      batch /= 2;
    }
  }
}

const results: Record<string, unknown> = {};
for (const method of methods) {
  const runs: Record<string, Run[]> = { '1': [], [String(threads)]: [] };
  const batch = await batchFor(method);
  for (let k = 0; k < repeats; k++) for (const T of [1, threads]) runs[String(T)].push(await trainOnce(method, T, batch));
  const one = runs['1'];
  const many = runs[String(threads)];
  const sps = (rs: Run[]) => ({ median: r3(median(rs.map((x) => x.steps_per_second))), best: r3(Math.max(...rs.map((x) => x.steps_per_second))) });
  results[method] = {
    params: one[0].params,
    batch,
    threads_used: many[0].threads,
    steps_per_second_1: sps(one),
    [`steps_per_second_${threads}`]: sps(many),
    speedup_median: r3(median(many.map((x) => x.steps_per_second)) / median(one.map((x) => x.steps_per_second))),
    speedup_best: r3(Math.max(...many.map((x) => x.steps_per_second)) / Math.max(...one.map((x) => x.steps_per_second))),
    speedup_estimate_idle: r3(median(one.map((x) => x.critical_per_step)) / median(many.map((x) => x.critical_per_step))),
    idle_steps_per_second_1: r3(1 / median(one.map((x) => x.critical_per_step))),
    [`idle_steps_per_second_${threads}`]: r3(1 / median(many.map((x) => x.critical_per_step))),
    cpu_seconds_per_step_1: r3(median(one.map((x) => x.cpu_seconds_per_step))),
    [`cpu_seconds_per_step_${threads}`]: r3(median(many.map((x) => x.cpu_seconds_per_step))),
    loss_1: one[0].loss,
    [`loss_${threads}`]: many[0].loss,
  };
  process.stderr.write(`${method}: ${JSON.stringify(results[method])}\n`);
}
await closeProcessNetTeam();
load.push(r3(loadavg()[0]));

// SIREN 3×256: matrix-product FLOPs of one full-batch step, 2B(3Σ n_in·n_out − n_in·n_out of the
// first layer): forward, the weight gradients, and the input gradients of all but the first layer.
const dims = [2, 256, 256, 256, 256, 1];
let sigma = 0;
for (let l = 0; l + 1 < dims.length; l++) sigma += dims[l] * dims[l + 1];
const sirenFlops = 2 * size * size * (3 * sigma - dims[0] * dims[1]);
const siren = results.siren as Record<string, number> | undefined;
const rate = (stepsPerSecond: number) => r3((sirenFlops * stepsPerSecond) / 1e9);
const out = {
  date: new Date().toISOString(),
  size,
  steps,
  repeats,
  threads,
  load_average_1min: load,
  matmul_1024_gflops: peak,
  methods: results,
  large_layers: siren
    ? {
        siren_step_gflop: r3(sirenFlops / 1e9),
        // From the idle estimates (per-thread CPU seconds of a step), and from the wall clock.
        achieved_gflops_1: rate(siren.idle_steps_per_second_1),
        [`achieved_gflops_${threads}`]: rate(siren[`idle_steps_per_second_${threads}`]),
        peak_over_achieved_1: r3(peak['1'].idle_total / rate(siren.idle_steps_per_second_1)),
        [`peak_over_achieved_${threads}`]: r3(peak[String(threads)].idle_total / rate(siren[`idle_steps_per_second_${threads}`])),
        wall_achieved_gflops_1: rate((siren.steps_per_second_1 as unknown as { best: number }).best),
        [`wall_achieved_gflops_${threads}`]: rate((siren[`steps_per_second_${threads}`] as unknown as { best: number }).best),
      }
    : undefined,
  target: `≥ 1.8× steps/s on 2 cores; the large layers within 3× of the measured matMul peak`,
  note: 'steps/s between the end of step 1 and the last step; best = least disturbed of the repeats (other processes load this machine); cpu_seconds_per_step over all threads of the process; speedup_estimate_idle = ratio of the per-step CPU seconds of the busiest thread (1 thread vs N), what an idle machine would show',
};
const json = JSON.stringify(out, null, 2);
console.log(json);
const file = flag('json');
if (file) writeFileSync(file, json + '\n');
