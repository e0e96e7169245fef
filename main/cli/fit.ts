/** `inr-studio fit`: any method of the registry on any task, its results written all at once. */
import { basename, join, relative, resolve } from 'node:path';
import { InrError } from '../core/errors';
import { demoDatasetPath } from '../core/paths';
import { hasPatientData } from '../data/dicom/anonymize';
import { OutputFolder } from '../core/output-folder';
import { describeDataset } from '../data/index';
import { writeLikeSource } from '../data/writers';
import { writeFileAtomic } from '../core/atomic';
import { fitRequest, runFitTask } from '../tasks/fit';
import { TASK_PARAMS } from '../tasks/common';
import { METHODS } from '../methods/registry';
import { kebab } from '../methods/params';
import { setProcessThreads } from '../inr/elm/parallel';
import { parse, parseIndex, UsageError } from './args';

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
export function parameterFlags(): { flags: Record<string, { type: 'string' }>; switches: Set<string> } {
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
export function switchArgs(argv: string[], switches: Set<string>): string[] {
  return argv.map((a) => {
    const m = /^--(no-)?([a-z0-9-]+)$/.exec(a);
    if (!m || !switches.has(m[2])) return a;
    return `--${m[2]}=${m[1] ? 'false' : 'true'}`;
  });
}

export async function fit(argv: string[]): Promise<void> {
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
                ? `  net        ${Object.entries(r.net)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')}; ${String(r.training?.steps_run)} steps (${String(r.training?.stopped)})`
                : `  method     ${result.method.label}`,
          `  params     ${r.params} (${r.params_per_value.toFixed(3)} per value)`,
          `  PSNR       ${r.psnr.toFixed(2)} dB${r.ssim !== undefined ? `   SSIM ${r.ssim.toFixed(4)}` : ''}${r.psnr_unobserved !== undefined ? `   unobserved PSNR ${r.psnr_unobserved.toFixed(2)} dB` : ''}${r.iou !== undefined ? `   IoU ${r.iou.toFixed(4)}` : ''}`,
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

export function positiveInt(name: string, v: string, max = 256): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${name} must be an integer in [1, ${max}], got '${v}'`);
  return n;
}

/**
 * SIGINT and SIGTERM while a command works: stop its job (the output folder is left as it was)
 * and exit 130 or 143; a second signal exits at once.
 */
export function onInterrupt(abort: () => void): () => void {
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
