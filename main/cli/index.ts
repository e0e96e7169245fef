/**
 * `inr-studio`: the engine without a window.
 *
 *   inr-studio info [path] [--series UID] [--var NAME] [--json]
 *   inr-studio fit  [path] --method elm [--budget P] [--subdomains N|NxM] [--hidden M] [--overlap R]
 *                   [--drop F] [--scale K | --zscale K] [--seed S] [--out DIR] [--json]
 *
 * With no path, the bundled demo dataset is used. With --json the last stdout line is one JSON
 * object. Bad input prints one line naming the file and the reason, exit code 2.
 */
import { mkdirSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InrError } from '../core/errors';
import { demoDatasetPath } from '../core/paths';
import { hasPatientData } from '../data/dicom/anonymize';
import { OutputFolder } from '../core/output-folder';
import { setMemoryLimit } from '../core/limits';
import { describeDataset, type DatasetSummary, type OpenOptions } from '../data/index';
import { writeLikeSource } from '../data/writers';
import { writeFileAtomic } from '../core/atomic';
import { fitRequest, runFitTask } from '../tasks/fit';
import { TASK_PARAMS } from '../tasks/common';
import { METHODS, METHOD_IDS } from '../methods/registry';
import { kebab } from '../methods/params';
import { closeProcessPool, setProcessThreads } from '../inr/elm/parallel';
import { listBackends } from '../inr/nets/backend';
import { spectralBias, writeSpectralHeatmap, spectralTarget, relativeErrors, SPECTRAL_BINS } from '../inr/nets/spectral';
import { fitElm, evaluateElm } from '../inr/elm/fit';
import { resolveElmSpec } from '../inr/elm/config';
import { sampleGrid } from '../inr/elm/mesh';

function usage(): string {
  const lines = [
    'inr-studio — implicit neural representations for scientific images',
    '',
    'Usage:',
    '  inr-studio info [path] [--series UID] [--var NAME] [--index dim=i,...] [--json]',
    '  inr-studio fit  [path] --method METHOD [--PARAMETER VALUE …] [--drop F | --scale K | --zscale K [--check]]',
    '                  [--out DIR] [--force] [--threads T] [--anonymize | --keep-patient-data] [--json]',
    '  inr-studio methods [--json]                       # every method with its parameters',
    '  inr-studio backends [--json]',
    '  inr-studio spectral-bias --method elm|siren|ffn|… [--steps N] [--iga] [--json] [--out DIR]',
    '',
    `Methods: ${METHOD_IDS.join(', ')} ('inr-studio methods' lists their parameters).`,
    'Global: --max-memory SIZE (e.g. 4G) caps what one command may allocate.',
    'With no path, the bundled demo image (astronaut.png) is used.',
  ];
  return lines.join('\n');
}

class UsageError extends InrError {
  constructor(message: string) {
    super('E_ARG', message);
  }
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : x.toFixed(a < 1 ? 4 : 2);
}

function parseIndex(spec: string | undefined): OpenOptions['index'] {
  if (!spec) return undefined;
  const out: NonNullable<OpenOptions['index']> = {};
  for (const part of spec.split(',')) {
    const m = /^([^=]+)=(\d+)(?::(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(`--index takes dim=i or dim=start:end, got '${part}'`);
    out[m[1]] = m[3] !== undefined ? [Number(m[2]), Number(m[3])] : Number(m[2]);
  }
  return out;
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true as const });
  } catch (err) {
    const msg = (err as Error).message.replace(/^.*?: /, '').split('\n')[0];
    throw new UsageError(`${msg} (see 'inr-studio --help')`);
  }
}

function summaryText(s: DatasetSummary): string {
  const lines = [`${s.name}`];
  const row = (k: string, v: string) => lines.push(`  ${k.padEnd(10)} ${v}`);
  row('format', s.formatLabel);
  row('shape', `${s.shape.join(' × ')} (${s.axes.join(', ')})`);
  row('channels', `${s.channels.length} (${s.channels.slice(0, 8).join(', ')}${s.channels.length > 8 ? ', …' : ''})`);
  row('dtype', s.dtype);
  row('spacing', s.spacing.map(fmt).join(', ') + (s.units ? `   units: ${s.units}` : ''));
  if (s.crs) row('crs', s.crs.epsg ? `EPSG:${s.crs.epsg}` : s.crs.description ?? 'user-defined');
  for (const c of s.stats.channels.slice(0, 8)) row(c === s.stats.channels[0] ? 'range' : '', `${c.name}: ${fmt(c.min)} … ${fmt(c.max)} (mean ${fmt(c.mean)})`);
  row('masked', `${(100 * s.stats.maskedFraction).toFixed(2)} %` + (s.stats.nonFinite ? `, ${s.stats.nonFinite} non-finite values` : ''));
  if (s.listing?.series?.length) {
    lines.push(`  series (${s.listing.series.length}):`);
    for (const se of s.listing.series) lines.push(`    ${se.uid}  ${se.modality}  ${se.slices} × ${se.rows}×${se.columns}  ${se.patient} / ${se.study} / ${se.description}`);
  }
  if (s.listing?.variables?.length) {
    lines.push(`  variables (${s.listing.variables.length}):`);
    for (const v of s.listing.variables) lines.push(`    ${v.name}(${v.dimensions.join(', ')}) ${v.shape.join('×')}${v.units ? ` [${v.units}]` : ''}${v.longName ? `  ${v.longName}` : ''}`);
  }
  if (s.listing?.bands?.length) row('bands', s.listing.bands.join(', '));
  return lines.join('\n');
}

async function info(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' },
    series: { type: 'string' },
    var: { type: 'string' },
    index: { type: 'string' },
  });
  if (positionals.length > 1) throw new UsageError('info takes one path');
  const path = positionals[0] ? resolve(positionals[0]) : demoDatasetPath();
  const { summary } = await describeDataset(path, { series: values.series, variable: values.var, index: parseIndex(values.index) });
  if (values.json) {
    const s = summary;
    console.log(
      JSON.stringify({
        path: s.path,
        format: s.format,
        formatLabel: s.formatLabel,
        shape: s.shape,
        axes: s.axes,
        channels: s.channels,
        dtype: s.dtype,
        spacing: s.spacing,
        origin: s.origin,
        crs: s.crs,
        units: s.units,
        range: s.stats.channels.map((c) => [c.min, c.max]),
        maskedFraction: s.stats.maskedFraction,
        stats: s.stats,
        listing: s.listing,
      }),
    );
  } else console.log(summaryText(summary));
}

/** Flags of `fit` that are not a method's or a task's parameters. */
const FIT_IO_FLAGS = {
  method: { type: 'string' },
  check: { type: 'boolean' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  series: { type: 'string' },
  var: { type: 'string' },
  index: { type: 'string' },
  threads: { type: 'string' },
  anonymize: { type: 'boolean' },
  'keep-patient-data': { type: 'boolean' },
} as const;

/**
 * Every method's and task's parameters as flags (kebab-case), from the registry. Switches are
 * read as `--name`, `--name=false` or `--no-name`, so they are string flags that `switchArgs`
 * fills in.
 */
function parameterFlags(): { flags: Record<string, { type: 'string' }>; switches: Set<string> } {
  const flags: Record<string, { type: 'string' }> = {};
  const kinds = new Map<string, string>();
  const switches = new Set<string>();
  const add = (name: string, type: string) => {
    const flag = kebab(name);
    const seen = kinds.get(flag);
    if (seen && (seen === 'bool') !== (type === 'bool')) throw new InrError('E_INTERNAL', `parameter ${name} is a switch for one method and a value for another`);
    kinds.set(flag, type);
    flags[flag] = { type: 'string' };
    if (type === 'bool') switches.add(flag);
  };
  for (const m of METHODS) for (const [name, spec] of Object.entries(m.params as Record<string, { type: string }>)) add(name, spec.type);
  for (const [name, spec] of Object.entries(TASK_PARAMS)) add(name, spec.type);
  return { flags, switches };
}

/** `--iga` → `--iga=true`, `--no-iga` → `--iga=false`, for the switches among the parameters. */
function switchArgs(argv: string[], switches: Set<string>): string[] {
  return argv.map((a) => {
    const m = /^--(no-)?([a-z0-9-]+)$/.exec(a);
    if (!m || !switches.has(m[2])) return a;
    return `--${m[2]}=${m[1] ? 'false' : 'true'}`;
  });
}

async function fit(argv: string[]): Promise<void> {
  const { flags, switches } = parameterFlags();
  const { values, positionals } = parse(switchArgs(argv, switches), { ...flags, ...FIT_IO_FLAGS });
  if (positionals.length > 1) throw new UsageError('fit takes one path');
  const method = values.method ?? 'elm';
  const path = positionals[0] ? resolve(positionals[0]) : demoDatasetPath();
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && !(k in FIT_IO_FLAGS)) options[k] = v as string;
  const request = fitRequest(method, { ...options, ...(values.check ? { check: 'true' } : {}) }, 'cli');
  if (values.threads !== undefined) await setProcessThreads(positiveInt('threads', values.threads));
  const outDir = resolve(values.out ?? join('inr-output', `${basename(path).replace(/\.[^.]*$/, '')}-${request.method}`));
  // Refuse before any work when the output folder holds results and --force is not given.
  const out = new OutputFolder(outDir, Boolean(values.force));
  const { field } = await describeDataset(path, { series: values.series, variable: values.var, index: parseIndex(values.index) });
  const anonymize = values.anonymize ? true : values['keep-patient-data'] ? false : hasPatientData(field);
  const tty = process.stderr.isTTY && !values.json;
  let lastLine = '';
  const ac = new AbortController();
  const stop = onInterrupt(() => ac.abort());
  try {
    const result = await runFitTask(field, request, {
      signal: ac.signal,
      onProgress: (stage, fraction) => {
        if (!tty) return;
        const w = 30;
        const line = `\r${stage.padEnd(20)} [${'#'.repeat(Math.round(fraction * w)).padEnd(w)}] ${(100 * fraction).toFixed(0).padStart(3)}%`;
        if (line !== lastLine) process.stderr.write((lastLine = line));
      },
    });
    if (tty) process.stderr.write('\n');
    const r = result.report;
    const staging = out.begin();
    const written = (p: string | undefined) => (p ? join(outDir, relative(staging, p)) : undefined);
    const reconstructionPath = await writeLikeSource(staging, 'reconstruction', result.reconstruction, { anonymize });
    const upsampledPath = result.upsampled ? await writeLikeSource(staging, 'upsampled', result.upsampled, { anonymize }) : undefined;
    const info = { axes: field.axes, channels: field.channels, units: field.units, dtype: field.dtype, geometry: field.geometry, source: basename(path) };
    let modelPath: string | undefined;
    if (result.method.model && result.model !== undefined) {
      modelPath = join(staging, `model${result.method.model.ext}`);
      writeFileAtomic(modelPath, result.method.model.encode(result.model, info));
    }
    const meshPath = result.mesh ? join(staging, 'mesh.json') : undefined;
    if (meshPath) writeFileAtomic(meshPath, result.mesh!.json);
    const report = {
      ...r,
      input: basename(path),
      outputs: { reconstruction: written(reconstructionPath), upsampled: written(upsampledPath), model: written(modelPath), mesh: written(meshPath) },
    };
    writeFileAtomic(join(staging, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
    if (ac.signal.aborted) throw new InrError('E_CANCELLED', 'interrupted');
    out.commit();
    if (values.json) console.log(JSON.stringify(report));
    else {
      console.log(
        [
          `${basename(path)}: ${r.method} (${r.task}) on ${r.shape.join('×')}×${field.channels.length}`,
          r.beam
            ? `  mesh       ${r.beam.cells} adaptive cells (${r.beam.strategy}), balance max/mean ${r.beam.balance_before.toFixed(2)} → ${(r.beam.strategy === 'capacity' ? r.beam.balance_load : r.beam.balance_after).toFixed(2)}`
            : r.mesh
              ? `  mesh       ${r.mesh.cells.join('×')} cells × ${r.mesh.hidden} hidden, overlap ${r.mesh.overlap}`
              : r.net
                ? `  net        ${Object.entries(r.net).map(([k, v]) => `${k} ${v}`).join(', ')}; ${String(r.training?.steps_run)} steps (${String(r.training?.stopped)})`
                : `  method     ${result.method.label}`,
          `  params     ${r.params} (${r.params_per_value.toFixed(3)} per value)`,
          `  PSNR       ${r.psnr.toFixed(2)} dB${r.ssim !== undefined ? `   SSIM ${r.ssim.toFixed(4)}` : ''}${r.psnr_unobserved !== undefined ? `   unobserved PSNR ${r.psnr_unobserved.toFixed(2)} dB` : ''}`,
          `  time       ${r.seconds.toFixed(2)} s (${r.backend})`,
          `  written    ${outDir}`,
        ].join('\n'),
      );
    }
  } finally {
    out.abandon();
    stop();
  }
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`${name} must be an integer in [1, 256], got '${v}'`);
  return n;
}

/**
 * SIGINT and SIGTERM while a command works: stop its job (the output folder is left as it was)
 * and exit 130 or 143; a second signal exits at once.
 */
function onInterrupt(abort: () => void): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    abort();
    process.exitCode = sig === 'SIGINT' ? 130 : 143;
    if (count > 1) process.exit(process.exitCode);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

async function backends(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length) throw new UsageError('backends takes no path');
  const list = await listBackends();
  if (values.json) console.log(JSON.stringify(list));
  else for (const b of list) console.log(`${b.available ? 'yes' : 'no '}  ${b.id.padEnd(14)} ${b.reason}${b.detail ? ` (${b.detail})` : ''}`);
}

/**
 * Spectral-bias analysis: fit 2·round((sin3πx + sin5πx + sin7πx + sin9πx)/2) on 300 samples and
 * report the relative error at 3, 5, 7 and 9 (×π) against training step — or, for ELM-INR,
 * against the number of hidden nodes (one closed-form solve per point).
 */
async function spectral(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    method: { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    iga: { type: 'boolean' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
  });
  if (positionals.length) throw new UsageError('spectral-bias takes no path');
  const method = values.method ?? 'relu';
  const num = (k: 'steps' | 'lr' | 'seed') => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${k} must be a positive number, got '${v}'`);
    return n;
  };
  let result: { bins: number[]; error: number[][]; steps: number[]; axis: string; method: string; [k: string]: unknown };
  if (method === 'elm') {
    const { x, y } = spectralTarget();
    const hiddens = [2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128];
    const values32 = Float32Array.from(y);
    const error: number[][] = SPECTRAL_BINS.map(() => []);
    for (const m of hiddens) {
      const spec = resolveElmSpec([x.length], 1, { subdomains: 1, hidden: m, seed: num('seed') ?? 1 });
      const model = fitElm({ values: values32, shape: [x.length], channels: 1 }, spec);
      const pred = evaluateElm(model, [sampleGrid(x.length)]);
      relativeErrors(pred, y, SPECTRAL_BINS).forEach((e, b) => error[b].push(e));
    }
    result = { protocol: 'FR', method: 'elm', axis: 'hidden nodes (one solve each)', bins: [...SPECTRAL_BINS], steps: hiddens, error };
  } else {
    const r = await spectralBias({ method, steps: num('steps'), lr: num('lr'), seed: num('seed'), backend: values.backend, ...(values.iga ? { iga: true } : {}) } as Parameters<typeof spectralBias>[0]);
    result = { ...r, axis: 'training step' } as typeof result;
  }
  if (values.out) {
    const dir = resolve(values.out);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'spectral.json'), JSON.stringify(result) + '\n');
    writeSpectralHeatmap(join(dir, 'spectral.png'), result);
  }
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`spectral bias of ${result.method}: relative error per frequency against ${result.axis}`);
    console.log(`  ${'at'.padStart(8)}  ${result.bins.map((b) => `${b}π`.padStart(7)).join('')}`);
    result.steps.forEach((s, i) => console.log(`  ${String(s).padStart(8)}  ${result.error.map((e) => e[i].toFixed(3).padStart(7)).join('')}`));
  }
}

/** Take the global `--max-memory SIZE` out of the arguments and apply it. */
function globalOptions(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--max-memory') {
      if (i + 1 >= argv.length) throw new UsageError("--max-memory needs a size (for example 4G)");
      setMemoryLimit(argv[++i]);
    } else if (a.startsWith('--max-memory=')) setMemoryLimit(a.slice('--max-memory='.length));
    else out.push(a);
  }
  return out;
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  try {
    const [cmd, ...rest] = globalOptions(argv);
    return await command(cmd, rest);
  } catch (err) {
    return failure(err);
  } finally {
    // Threads and workers never outlive the command.
    await closeProcessPool();
  }
}

/** `inr-studio methods`: the registry, as a table or JSON. */
function methods(argv: string[]): void {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length) throw new UsageError('methods takes no path');
  if (values.json) {
    console.log(JSON.stringify(METHODS.map((m) => ({ id: m.id, label: m.label, tasks: m.tasks, params: Object.keys(m.params as object).map(kebab) }))));
    return;
  }
  for (const m of METHODS) {
    console.log(`${m.id.padEnd(10)} ${m.label}  [${m.tasks.join(', ')}]`);
    for (const [name, spec] of Object.entries(m.params as Record<string, { type: string; help: string; min?: number; max?: number; default?: unknown; values?: string[] }>)) {
      const range = spec.min !== undefined ? ` ${spec.min}…${spec.max}` : spec.values ? ` ${spec.values.join('|')}` : '';
      const def = spec.default !== undefined ? ` (default ${String(spec.default)})` : '';
      console.log(`    --${kebab(name).padEnd(16)} ${spec.type}${range}${def}: ${spec.help}`);
    }
  }
}

async function command(cmd: string | undefined, rest: string[]): Promise<number> {
  try {
    switch (cmd) {
      case 'info':
        await info(rest);
        return 0;
      case 'fit':
        await fit(rest);
        return 0;
      case 'backends':
        await backends(rest);
        return 0;
      case 'methods':
        methods(rest);
        return 0;
      case 'spectral-bias':
        await spectral(rest);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(usage());
        return cmd === undefined ? 2 : 0;
      case '--version':
        console.log('0.1.0');
        return 0;
      default:
        throw new UsageError(`unknown command '${cmd}' (see 'inr-studio --help')`);
    }
  } catch (err) {
    return failure(err);
  }
}

/** The exit status for an error, after one line on stderr. */
function failure(err: unknown): number {
  // An interrupt (SIGINT/SIGTERM) ends with its own exit status; the output was left as it was.
  if (err instanceof InrError && err.code === 'E_CANCELLED' && process.exitCode) {
    console.error('inr-studio: interrupted; nothing was written');
    return Number(process.exitCode);
  }
  if (err instanceof InrError && err.code !== 'E_INTERNAL') {
    console.error(`inr-studio: ${err.toLine()}`);
    return 2;
  }
  const msg = err instanceof Error ? err.message : String(err);
  console.error(`inr-studio: internal error: ${msg} (please report this)`);
  if (process.env.INR_DEBUG) console.error(err);
  return 1;
}
