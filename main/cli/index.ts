/**
 * `inr-studio`: the engine without a window. This module reads the command and dispatches; each
 * command lives in its own module, loaded only when it runs (so `info` never loads the fitting
 * engine or TensorFlow.js).
 *
 * With no path, the bundled demo dataset is used. With --json the last stdout line is one JSON
 * object. Bad input prints one line naming the file and the reason, exit code 2.
 */
import { InrError } from '../core/errors';
import { setMemoryLimit } from '../core/limits';
import { UsageError } from './args';

const USAGE = [
  'inr-studio — implicit neural representations for scientific images',
  '',
  'Usage:',
  '  inr-studio info [path] [--series UID] [--var NAME] [--index dim=i,...] [--json]',
  '  inr-studio fit  [path] --method METHOD [--PARAMETER VALUE …] [--drop F | --scale K | --zscale K [--check]]',
  '                  [--out DIR] [--force] [--threads T] [--anonymize | --keep-patient-data] [--json]',
  '  inr-studio ct <image|volume --slice K> [--method fbp|sart|elm|siren|…] [--views N] [--photons I0] [--limited-angle DEG] [--json]',
  '  inr-studio ct <sinogram> --sinogram [--angles a,b,…|equal] [--size HxW] [--counts] [--method …] [--json]',
  '  inr-studio occupancy <mesh|volume> [--method METHOD] [--res N] [--threshold V|otsu | --labels L,…]',
  '                  [--smooth S] [--islands N] [--fill] [--budget P …] [--mesh-scale K] [--mesh-format ply|stl|obj|off] [--out DIR] [--force] [--json]',
  '  inr-studio methods [--json]                       # every method with its tasks and parameters',
  '  inr-studio backends [--json]',
  '  inr-studio spectral-bias --method elm|siren|ffn|… [--steps N] [--iga] [--json] [--out DIR]',
  '',
  'Global: --max-memory SIZE (e.g. 4G) caps what one command may allocate.',
  'With no path, the bundled demo image (astronaut.png) is used.',
].join('\n');

/** Take the global `--max-memory SIZE` out of the arguments and apply it. */
function globalOptions(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--max-memory') {
      if (i + 1 >= argv.length) throw new UsageError('--max-memory needs a size (for example 4G)');
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
    await (await import('../inr/elm/parallel')).closeProcessPool();
  }
}

async function command(cmd: string | undefined, rest: string[]): Promise<number> {
  try {
    switch (cmd) {
      case 'info':
        await (await import('./info')).info(rest);
        return 0;
      case 'fit':
        await (await import('./fit')).fit(rest);
        return 0;
      case 'backends':
        await (await import('./backends')).backends(rest);
        return 0;
      case 'ct':
        await (await import('./ct')).ct(rest);
        return 0;
      case 'occupancy':
        await (await import('./occupancy')).occupancy(rest);
        return 0;
      case 'methods':
        (await import('./methods')).methods(rest);
        return 0;
      case 'spectral-bias':
        await (await import('./spectral')).spectral(rest);
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
  // An engine that ran out of its own memory (tfjs-wasm's 4 GiB heap, a failed allocation) is
  // a size problem, not a bug: say so in one line.
  if (/memory access out of bounds|Array buffer allocation failed|Invalid typed array length/.test(msg)) {
    console.error(`inr-studio: out of memory: the computation does not fit this machine or engine (${msg}); use a smaller input, a smaller model or a GPU backend`);
    return 2;
  }
  console.error(`inr-studio: internal error: ${msg} (please report this)`);
  if (process.env.INR_DEBUG) console.error(err);
  return 1;
}
