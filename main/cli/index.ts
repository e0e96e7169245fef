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
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InrError } from '../core/errors';
import { demoDatasetPath } from '../core/paths';
import { describeDataset, type DatasetSummary, type OpenOptions } from '../data/index';
import { writeLikeSource } from '../data/writers';
import { writeFileAtomic } from '../core/atomic';
import { saveModel } from '../inr/elm/io';
import { saveBeamModel, beamMeshJson, type BeamModel } from '../inr/elm/beam/index';
import type { ElmModel } from '../inr/elm/model';
import { runFitTask } from '../tasks/fit';
import { taskOptions } from '../jobs/fit';
import { NET_FLAGS } from '../inr/nets/flags';
import { listBackends } from '../inr/nets/backend';
import { saveNetModel } from '../inr/nets/io';
import { spectralBias, writeSpectralHeatmap, spectralTarget, relativeErrors, SPECTRAL_BINS } from '../inr/nets/spectral';
import type { NetModel } from '../inr/nets/task';
import { fitElm, evaluateElm } from '../inr/elm/fit';
import { resolveElmSpec } from '../inr/elm/config';
import { sampleGrid } from '../inr/elm/mesh';

const USAGE = `inr-studio — implicit neural representations for scientific images

Usage:
  inr-studio info [path] [--series UID] [--var NAME] [--index dim=i,...] [--json]
  inr-studio fit  [path] --method elm|elm-beam [--budget P] [--subdomains N|NxM|NxMxK] [--hidden M]
                  [--strategy auto|split|capacity|hybrid|best]
                  [--overlap R] [--activation sine|tanh|gauss] [--freq F] [--ridge E]
                  [--drop F] [--scale K | --zscale K] [--seed S] [--threads T]
                  [--out DIR] [--json]

  inr-studio fit  [path] --method siren|ffn|gauss|wire|sl2a|bwrelu|relu [--iga] [--steps N]
                  [--width W] [--layers H] [--lr X] [--backend auto|tfjs-node-gpu|webgpu|wasm|cpu] …
  inr-studio backends [--json]
  inr-studio spectral-bias --method elm|siren|ffn|… [--steps N] [--iga] [--json] [--out DIR]

With no path, the bundled demo image (astronaut.png) is used.`;

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

const NOT_METHOD_OPTIONS = new Set(['json', 'out', 'series', 'var', 'index', 'method']);

async function fit(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    ...NET_FLAGS,
    method: { type: 'string' },
    budget: { type: 'string' },
    subdomains: { type: 'string' },
    hidden: { type: 'string' },
    overlap: { type: 'string' },
    activation: { type: 'string' },
    strategy: { type: 'string' },
    mesh: { type: 'string' },
    freq: { type: 'string' },
    ridge: { type: 'string' },
    drop: { type: 'string' },
    scale: { type: 'string' },
    zscale: { type: 'string' },
    seed: { type: 'string' },
    threads: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    series: { type: 'string' },
    var: { type: 'string' },
    index: { type: 'string' },
  });
  if (positionals.length > 1) throw new UsageError('fit takes one path');
  const method = values.method ?? 'elm';
  const path = positionals[0] ? resolve(positionals[0]) : demoDatasetPath();
  // Every option given, except the ones about input and output: the method's own parser refuses
  // options it does not know (e.g. --steps for ELM, --hidden for a net).
  const raw: Record<string, string | boolean> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && !NOT_METHOD_OPTIONS.has(k)) raw[k] = v as string | boolean;
  const opts = taskOptions(method, raw);
  const { field } = await describeDataset(path, { series: values.series, variable: values.var, index: parseIndex(values.index) });
  const outDir = resolve(values.out ?? join('inr-output', `${basename(path).replace(/\.[^.]*$/, '')}-${method}`));
  const tty = process.stderr.isTTY && !values.json;
  let lastLine = '';
  const result = await runFitTask(field, opts, {
    onProgress: (stage, fraction) => {
      if (!tty) return;
      const w = 30;
      const line = `\r${stage.padEnd(20)} [${'#'.repeat(Math.round(fraction * w)).padEnd(w)}] ${(100 * fraction).toFixed(0).padStart(3)}%`;
      if (line !== lastLine) process.stderr.write((lastLine = line));
    },
  });
  if (tty) process.stderr.write('\n');
  mkdirSync(outDir, { recursive: true });
  const reconstructionPath = await writeLikeSource(outDir, 'reconstruction', result.reconstruction);
  const upsampledPath = result.upsampled ? await writeLikeSource(outDir, 'upsampled', result.upsampled) : undefined;
  const modelPath = join(outDir, 'model.inr');
  const fieldInfo = { axes: field.axes, channels: field.channels, units: field.units, dtype: field.dtype, geometry: field.geometry, source: field.provenance.path };
  let meshPath: string | undefined;
  if (result.report.net) {
    saveNetModel(join(outDir, 'model.json'), result.model as NetModel, { field: fieldInfo });
  } else if (result.report.method === 'elm-beam') {
    const beam = result.model as BeamModel;
    saveBeamModel(modelPath, beam, fieldInfo);
    meshPath = join(outDir, 'mesh.json');
    writeFileAtomic(meshPath, JSON.stringify(beamMeshJson(beam)) + '\n');
  } else saveModel(modelPath, result.model as ElmModel, fieldInfo);
  const savedModel = result.report.net ? join(outDir, 'model.json') : modelPath;
  const report = { ...result.report, input: path, outputs: { reconstruction: reconstructionPath, upsampled: upsampledPath, model: savedModel, mesh: meshPath } };
  writeFileAtomic(join(outDir, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
  if (values.json) console.log(JSON.stringify(report));
  else {
    const r = result.report;
    console.log(
      [
        `${basename(path)}: ${r.method} (${r.task}) on ${r.shape.join('×')}×${field.channels.length}`,
        r.beam
          ? `  mesh       ${r.beam.cells} adaptive cells (${r.beam.strategy}), balance max/mean ${r.beam.balance_before.toFixed(2)} → ${(r.beam.strategy === 'capacity' ? r.beam.balance_load : r.beam.balance_after).toFixed(2)}`
          : r.mesh
            ? `  mesh       ${r.mesh.cells.join('×')} cells × ${r.mesh.hidden} hidden, overlap ${r.mesh.overlap}`
            : `  net        ${Object.entries(r.net ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')}; ${r.training?.steps_run} steps (${r.training?.stopped})`,
        `  params     ${r.params} (${r.params_per_value.toFixed(3)} per value)`,
        `  PSNR       ${r.psnr.toFixed(2)} dB${r.ssim !== undefined ? `   SSIM ${r.ssim.toFixed(4)}` : ''}${r.psnr_unobserved !== undefined ? `   unobserved PSNR ${r.psnr_unobserved.toFixed(2)} dB` : ''}`,
        `  time       ${r.seconds.toFixed(2)} s (${r.backend})`,
        `  written    ${outDir}`,
      ].join('\n'),
    );
  }
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

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const [cmd, ...rest] = argv;
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
      case 'spectral-bias':
        await spectral(rest);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(USAGE);
        return cmd === undefined ? 2 : 0;
      case '--version':
        console.log('0.1.0');
        return 0;
      default:
        throw new UsageError(`unknown command '${cmd}' (see 'inr-studio --help')`);
    }
  } catch (err) {
    if (err instanceof InrError && err.code !== 'E_INTERNAL') {
      console.error(`inr-studio: ${err.toLine()}`);
      return 2;
    }
    const msg = err instanceof Error ? err.message : String(err);
    console.error(`inr-studio: internal error: ${msg} (please report this)`);
    if (process.env.INR_DEBUG) console.error(err);
    return 1;
  }
}
