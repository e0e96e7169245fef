/**
 * Step time of the project's SIREN (3 hidden layers × 256, ω0 = 30, the paper's init), full
 * batch on a size² RGB image (astronaut.png, 512² by default), on one tfjs backend: the figure
 * that issue #6 compares against PyTorch on the same GPU (siren_step.py beside this file;
 * run-device.sh runs both in one go on the device machine).
 *
 *   node --import tsx tests/bench/gpu/siren-step.ts --backend webgpu|wasm|cpu|tfjs-node-gpu \
 *     [--size 512] [--steps 2000] [--warmup 20] [--json OUT.json] [--loop task|bare]
 *     [--sync-every K] [--max-seconds S] [--seed 1] [--image PATH] [--memory-budget GIB]
 *   node --import tsx tests/bench/gpu/siren-step.ts --list-backends [--json OUT.json]
 *
 * Loops:
 *   task (default): the project's own path, `runNetTask` with method siren and its defaults
 *     (Adam 1e-4, β 0.9/0.999, ε 1e-8, no schedule), for warmup + steps steps. Its training loop
 *     (`trainNet`) reads the loss back after every step, so every step is synchronised with the
 *     device; the timed span runs from the end of step `warmup` to the end of the last step.
 *   bare: a diagnostic. The same net (`buildNet('siren', …)`), the same data, the same loss and
 *     Adam, but without the project loop's per-step loss readback: the loss is read every K
 *     steps (`--sync-every`, 0 = only after the last step). The gap between the two loops is the
 *     cost of the readback.
 *
 * `--size N` below the image size takes the central N×N crop. The full batch is all N² pixels:
 * the project's default step-memory budget of the webgpu backend (2 GiB, MEMORY_BUDGET in
 * train.ts) would make `trainNet` fall back to minibatches on 512², so for the GPU backends this
 * raises that budget (`--memory-budget`, default 64 GiB) and fails if the batch was not full.
 *
 * Exit codes: 0 done, 2 the backend is unavailable (the message says why), 1 anything else.
 * With --json, a failure also writes {"ok": false, "error": …}.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { cpus, totalmem, hostname } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { listBackends, parseBackendId, probeBackend, useBackend, type ActiveBackend } from '../../../main/inr/nets/backend';
import { fitNet, gridCoords } from '../../../main/inr/nets/task';
import { ADAM, MEMORY_BUDGET } from '../../../main/inr/nets/train';
import { buildNet, METHOD_DEFAULTS } from '../../../main/inr/nets/options';
import { paramCount } from '../../../main/inr/nets/net';
import { sampleGrid } from '../../../main/inr/elm/mesh';
import { decodePng } from '../../../main/data/png';
import { createField, type Field } from '../../../main/core/field';
import { Rng } from '../../../main/core/rng';
import { InrError } from '../../../main/core/errors';
import { fieldMetrics } from '../../../main/metrics/index';
import { sample } from '../../helpers/samples';

interface Args {
  backend: string;
  size: number;
  steps: number;
  warmup: number;
  json?: string;
  loop: 'task' | 'bare';
  syncEvery: number;
  maxSeconds: number;
  seed: number;
  image?: string;
  memoryBudgetGiB?: number;
  listBackends: boolean;
}

const USAGE =
  'usage: node --import tsx tests/bench/gpu/siren-step.ts --backend webgpu|wasm|cpu|tfjs-node-gpu [--size 512] [--steps 2000] [--warmup 20] ' +
  '[--json OUT.json] [--loop task|bare] [--sync-every K] [--max-seconds S] [--seed 1] [--image PATH] [--memory-budget GIB] | --list-backends [--json OUT.json]';

function parseArgs(argv: string[]): Args {
  const a: Args = { backend: 'webgpu', size: 512, steps: 2000, warmup: 20, loop: 'task', syncEvery: 0, maxSeconds: 0, seed: 1, listBackends: false };
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min) throw new InrError('E_ARG', `${name} must be an integer ≥ ${min}, got ${v}`);
    return n;
  };
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new InrError('E_ARG', `${name} must be a number ≥ 0, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    switch (k) {
      case '--backend':
        a.backend = v;
        i++;
        break;
      case '--size':
        a.size = int(k, v, 2);
        i++;
        break;
      case '--steps':
        a.steps = int(k, v, 1);
        i++;
        break;
      case '--warmup':
        a.warmup = int(k, v, 1);
        i++;
        break;
      case '--json':
        a.json = v;
        i++;
        break;
      case '--loop':
        if (v !== 'task' && v !== 'bare') throw new InrError('E_ARG', `--loop must be task or bare, got ${v}`);
        a.loop = v;
        i++;
        break;
      case '--sync-every':
        a.syncEvery = int(k, v, 0);
        i++;
        break;
      case '--max-seconds':
        a.maxSeconds = num(k, v);
        i++;
        break;
      case '--seed':
        a.seed = int(k, v, 0);
        i++;
        break;
      case '--image':
        a.image = v;
        i++;
        break;
      case '--memory-budget':
        a.memoryBudgetGiB = num(k, v);
        i++;
        break;
      case '--list-backends':
        a.listBackends = true;
        break;
      case '-h':
      case '--help':
        console.log(USAGE);
        return process.exit(0);
      default:
        throw new InrError('E_ARG', `unknown argument ${k}\n${USAGE}`);
    }
  }
  if (!a.backend) throw new InrError('E_ARG', `--backend needs a value\n${USAGE}`);
  return a;
}

/** The image as a uint8 RGB field, cropped to its central size×size square. */
function loadImage(path: string, size: number): Field {
  const full = decodePng(readFileSync(path), path);
  const [H, W] = full.shape;
  const C = full.channels.length;
  if (C !== 3) throw new InrError('E_DATA', `expected an RGB image, ${path} has ${C} channel(s)`);
  if (size > H || size > W) throw new InrError('E_ARG', `--size ${size} exceeds the image (${H}×${W})`);
  if (size === H && size === W) return full;
  const y0 = Math.floor((H - size) / 2);
  const x0 = Math.floor((W - size) / 2);
  const values = new Float32Array(size * size * C);
  for (let y = 0; y < size; y++) values.set(full.values.subarray(((y0 + y) * W + x0) * C, ((y0 + y) * W + x0 + size) * C), y * size * C);
  return createField({
    axes: full.axes,
    shape: [size, size],
    channels: full.channels,
    values,
    dtype: full.dtype,
    provenance: { ...full.provenance, meta: { ...full.provenance.meta, crop: [y0, x0, size, size] } },
  });
}

const psnrOf = (mse: number, peak: number) => 10 * Math.log10((peak * peak) / mse);

/** What the run ran on: the WebGPU adapter (info, features, limits) or the CPU. */
async function deviceInfo(active: ActiveBackend): Promise<Record<string, unknown>> {
  const host = {
    hostname: hostname(),
    cpu: cpus()[0]?.model,
    cpu_count: cpus().length,
    memory_gib: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  if (active.id !== 'webgpu') return { host };
  const out: Record<string, unknown> = { host };
  try {
    const b = tf.backend() as unknown as { adapterInfo?: Record<string, unknown>; device?: { limits?: Record<string, number>; features?: Set<string> } };
    if (b.adapterInfo) out.tfjs_adapter_info = { ...b.adapterInfo };
    const lim = b.device?.limits;
    if (lim)
      out.device_limits = {
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
        maxBufferSize: lim.maxBufferSize,
        maxComputeWorkgroupStorageSize: lim.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: lim.maxComputeInvocationsPerWorkgroup,
      };
    if (b.device?.features) out.device_features = [...b.device.features].sort();
  } catch (err) {
    out.tfjs_backend_error = String(err);
  }
  try {
    const gpu = (globalThis as unknown as { navigator?: { gpu?: { requestAdapter(o?: unknown): Promise<unknown> } } }).navigator?.gpu;
    const adapter = (await gpu?.requestAdapter({ powerPreference: 'high-performance' })) as
      { info?: Record<string, unknown>; features?: Set<string>; isFallbackAdapter?: boolean } | undefined | null;
    if (adapter) {
      const info: Record<string, unknown> = {};
      // GPUAdapterInfo's fields are prototype getters, not own properties: read them by name.
      for (const k of ['vendor', 'architecture', 'device', 'description', 'subgroupMinSize', 'subgroupMaxSize', 'isFallbackAdapter']) {
        const v = adapter.info?.[k];
        if (v !== undefined && v !== '') info[k] = v;
      }
      out.adapter_info = info;
      if (adapter.features) out.adapter_features = [...adapter.features].sort();
    }
  } catch (err) {
    out.adapter_error = String(err);
  }
  const flags: Record<string, unknown> = {};
  for (const f of ['WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 'WEBGPU_MATMUL_PROGRAM_TYPE', 'WEBGPU_CPU_FORWARD']) {
    try {
      flags[f] = tf.env().get(f);
    } catch {
      /* not registered */
    }
  }
  out.tfjs_flags = flags;
  return out;
}

interface Timing {
  steps_timed: number;
  seconds_timed: number;
  seconds_per_step: number;
  steps_per_second: number;
  loss_final: number;
  psnr_train_final: number;
  psnr_history: Array<{ step: number; seconds: number; psnr: number }>;
  stopped: string;
  params: number;
  extra: Record<string, unknown>;
}

/** The project's own path: fitNet → trainNet, which reads the loss after every step. */
async function taskLoop(field: Field, args: Args, backendId: string): Promise<Timing> {
  const total = args.warmup + args.steps;
  let tWarm: number | undefined;
  let last: { step: number; seconds: number; loss: number; psnr: number } | undefined;
  const history: Timing['psnr_history'] = [];
  const every = Math.max(1, Math.floor(total / 100));
  const started = performance.now();
  const res = await fitNet(
    {
      shape: field.shape,
      channels: field.channels.length,
      values: field.values,
      mask: new Uint8Array(field.values.length / field.channels.length).fill(1),
      codeRange8: field.dtype === 'uint8',
    },
    { method: 'siren', backend: backendId, steps: total, seed: args.seed, maxSeconds: args.maxSeconds > 0 ? args.maxSeconds : undefined },
    {
      onStep: (s) => {
        if (s.step === args.warmup) tWarm = s.seconds;
        last = s;
        if (s.step % every === 0 || s.step === 1) history.push({ step: s.step, seconds: +s.seconds.toFixed(4), psnr: +s.psnr.toFixed(3) });
      },
    },
  );
  const t = res.training;
  if (t.batch !== 'full')
    throw new InrError('E_INTERNAL', `the step was not full batch (trainNet used minibatches of ${t.batch}: ${res.warnings.join('; ')}); raise --memory-budget`);
  if (!last || tWarm === undefined || last.step <= args.warmup)
    throw new InrError('E_INTERNAL', `only ${last?.step ?? 0} steps ran (stopped: ${t.stopped}), not more than the ${args.warmup} warm-up steps: raise --max-seconds`);
  if (history[history.length - 1]?.step !== last.step) history.push({ step: last.step, seconds: +last.seconds.toFixed(4), psnr: +last.psnr.toFixed(3) });
  const steps = last.step - args.warmup;
  const seconds = last.seconds - tWarm;
  const recon = fieldMetrics(field, { ...field, values: res.reconstruction }, { dataRange: 255 });
  return {
    steps_timed: steps,
    seconds_timed: seconds,
    seconds_per_step: seconds / steps,
    steps_per_second: steps / seconds,
    loss_final: last.loss,
    psnr_train_final: last.psnr,
    psnr_history: history,
    stopped: t.stopped,
    params: res.params,
    extra: {
      psnr_reconstruction: recon.psnr,
      ssim_reconstruction: recon.ssim,
      selected: t.selected,
      seconds_task_total: (performance.now() - started) / 1000,
      seconds_fit: (res.fittedAt - started) / 1000,
      bytes_per_sample: t.bytes_per_sample,
      warnings: res.warnings,
      sync: 'the loss is read back after every step (trainNet)',
    },
  };
}

/**
 * Diagnostic: the same net, data, loss and Adam as the task loop, without trainNet's per-step
 * readback (and its keep-best copies), the loss read every `syncEvery` steps and at the end.
 */
async function bareLoop(field: Field, args: Args): Promise<Timing> {
  const C = field.channels.length;
  const n = field.shape[0] * field.shape[1];
  const lr = METHOD_DEFAULTS.siren.lr;
  const net = buildNet('siren', new Rng(args.seed), field.shape.length, C, {});
  const [r0, r1] = net.targetRange;
  const peak = r1 - r0;
  // The same normalisation and coordinates as runNetTask (uint8: 0..255 → [r0, r1]).
  const yVals = new Float32Array(n * C);
  for (let i = 0; i < n * C; i++) yVals[i] = r0 + (field.values[i] / 255) * (r1 - r0);
  const X = tf.tensor2d(
    gridCoords(
      field.shape.map((L) => sampleGrid(L)),
      field.shape,
      net.coords,
    ),
    [n, field.shape.length],
  );
  const Y = tf.tensor2d(yVals, [n, C]);
  const H = tf.keep(net.prepare(X));
  const vars = net.params.filter((p) => p.v.trainable).map((p) => p.v);
  const optimizer = tf.train.adam(lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  const step = (): tf.Scalar => {
    const { value, grads } = tf.tidy(() => tf.variableGrads(() => tf.mean(tf.squaredDifference(net.apply(H), Y)) as tf.Scalar, vars));
    optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
    tf.dispose(grads);
    return value;
  };
  const read = async (v: tf.Scalar, at: number): Promise<number> => {
    const loss = (await v.data())[0];
    v.dispose();
    if (!Number.isFinite(loss)) throw new InrError('E_NUMERIC', `loss became ${loss} at step ${at}`);
    return loss;
  };
  const history: Timing['psnr_history'] = [];
  try {
    const tStart = performance.now();
    let loss = NaN;
    for (let s = 1; s <= args.warmup; s++) loss = await read(step(), s);
    history.push({ step: args.warmup, seconds: +((performance.now() - tStart) / 1000).toFixed(4), psnr: +psnrOf(loss, peak).toFixed(3) });
    const t0 = performance.now();
    let done = 0;
    let stopped = 'steps';
    for (let s = 1; s <= args.steps; s++) {
      const v = step();
      done = s;
      const sync = s === args.steps || (args.syncEvery > 0 && s % args.syncEvery === 0);
      if (!sync) {
        v.dispose();
        continue;
      }
      loss = await read(v, args.warmup + s);
      const sec = (performance.now() - t0) / 1000;
      history.push({ step: args.warmup + s, seconds: +((performance.now() - tStart) / 1000).toFixed(4), psnr: +psnrOf(loss, peak).toFixed(3) });
      if (args.maxSeconds > 0 && sec >= args.maxSeconds && s < args.steps) {
        stopped = 'time';
        break;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      steps_timed: done,
      seconds_timed: seconds,
      seconds_per_step: seconds / done,
      steps_per_second: done / seconds,
      loss_final: loss,
      psnr_train_final: psnrOf(loss, peak),
      psnr_history: history,
      stopped,
      params: paramCount(net),
      extra: { sync: args.syncEvery > 0 ? `the loss is read back every ${args.syncEvery} steps and after the last` : 'the loss is read back only after the last step' },
    };
  } finally {
    optimizer.dispose();
    tf.dispose([X, Y, H]);
    net.dispose();
  }
}

function writeJson(path: string | undefined, doc: unknown): void {
  if (!path) return;
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
}

async function main(): Promise<void> {
  const started = new Date().toISOString();
  const command = ['node', '--import', 'tsx', 'tests/bench/gpu/siren-step.ts', ...process.argv.slice(2)].join(' ');
  let args: Args | undefined;
  try {
    args = parseArgs(process.argv.slice(2));
    if (args.listBackends) {
      const list = await listBackends();
      for (const b of list) console.log(`${b.id.padEnd(14)} ${b.available ? 'available  ' : 'unavailable'} ${b.reason}${b.detail ? ` (${b.detail})` : ''}`);
      writeJson(args.json, { tool: 'siren-step', started, command, backends: list });
      return;
    }
    const id = parseBackendId(args.backend);
    if (id === 'auto') throw new InrError('E_ARG', 'name one backend (webgpu, wasm, cpu or tfjs-node-gpu), not auto');
    const status = await probeBackend(id);
    if (!status.available) throw new InrError('E_BACKEND', `backend ${id} unavailable: ${status.reason}`);
    const active = await useBackend(id);
    const gpu = active.tfName === 'webgpu' || active.tfName === 'tensorflow';
    const budgetGiB = args.memoryBudgetGiB ?? (gpu ? 64 : undefined);
    if (budgetGiB !== undefined) MEMORY_BUDGET[active.tfName] = budgetGiB * 2 ** 30;

    const imagePath = args.image ?? sample('images', 'astronaut.png');
    const field = loadImage(imagePath, args.size);
    const n = field.shape[0] * field.shape[1];
    const d = METHOD_DEFAULTS.siren;
    console.error(
      `siren-step: ${active.label}; ${args.size}² RGB (${n} pixels, full batch); SIREN ${d.hidden}×${d.width}; ${args.warmup} warm-up + ${args.steps} timed steps; loop ${args.loop}`,
    );
    const device = await deviceInfo(active);
    const timing = args.loop === 'task' ? await taskLoop(field, args, id) : await bareLoop(field, args);
    const doc = {
      tool: 'siren-step',
      ok: true,
      started,
      command,
      loop: args.loop,
      backend: { id: active.id, tf_name: active.tfName, label: active.label, memory_budget_gib: budgetGiB ?? (MEMORY_BUDGET[active.tfName] ?? 0) / 2 ** 30 },
      device,
      tfjs_version: tf.version.tfjs,
      image: { path: imagePath, shape: field.shape, channels: field.channels.length, crop: field.provenance.meta?.crop ?? null },
      net: { method: 'siren', width: d.width, hidden: d.hidden, omega0: 30, init: 'first U(±1/n_in), others U(±√(6/n_in)/ω0), biases U(±1/√n_in)', params: timing.params },
      training: { batch: n, lr: d.lr, adam: ADAM, loss: 'mean squared error on targets in [−1, 1]', seed: args.seed },
      warmup: args.warmup,
      steps_requested: args.steps,
      max_seconds: args.maxSeconds || null,
      steps_timed: timing.steps_timed,
      seconds_timed: +timing.seconds_timed.toFixed(4),
      seconds_per_step: +timing.seconds_per_step.toFixed(6),
      steps_per_second: +timing.steps_per_second.toFixed(3),
      stopped: timing.stopped,
      loss_final: timing.loss_final,
      psnr_train_final: +timing.psnr_train_final.toFixed(3),
      ...timing.extra,
      psnr_history: timing.psnr_history,
    };
    writeJson(args.json, doc);
    console.log(
      `siren-step: ${active.id} loop=${args.loop} size=${args.size} steps_timed=${timing.steps_timed} seconds=${timing.seconds_timed.toFixed(3)} ` +
        `s/step=${timing.seconds_per_step.toFixed(5)} steps/s=${timing.steps_per_second.toFixed(3)} psnr_train_final=${timing.psnr_train_final.toFixed(2)} dB` +
        (typeof timing.extra.psnr_reconstruction === 'number' ? ` psnr_reconstruction=${(timing.extra.psnr_reconstruction as number).toFixed(2)} dB` : ''),
    );
  } catch (err) {
    const e = err instanceof InrError ? err : new InrError('E_INTERNAL', err instanceof Error ? (err.stack ?? err.message) : String(err));
    console.error(`siren-step: ${e.message}`);
    writeJson(args?.json, { tool: 'siren-step', ok: false, started, command, backend: args?.backend, error: { code: e.code, message: e.message } });
    process.exitCode = e.code === 'E_BACKEND' ? 2 : 1;
  }
}

await main();
// Dawn's device can keep the event loop alive after the work is done.
process.exit(process.exitCode ?? 0);
