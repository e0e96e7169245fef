/**
 * Key/value options (CLI flags, UI job options) → typed `NetTaskOptions`, like
 * main/jobs/fit.ts `taskOptions` does for ELM. Keys may be kebab-case (`target-psnr`) or
 * camelCase (`targetPsnr`). `hidden` is refused on purpose: for ELM it counts hidden nodes, for
 * these nets the depth is `layers` (hidden W→W layers) and the width `width`.
 */
import { InrError } from '../../core/errors';
import type { NetTaskOptions } from './task';

const NUMBERS = ['width', 'layers', 'steps', 'lr', 'gamma', 'batch', 'patience', 'minDelta', 'targetPsnr', 'maxSeconds', 'seed', 'drop', 'scale', 'zscale', 'omega0', 'hiddenOmega0', 'sigma', 'features', 's0', 'degree', 'rank', 'c', 'initScale', 'igaStart', 'igaEnd', 'igaPatch', 'igaEvery'] as const;
const INTEGERS = new Set(['width', 'layers', 'steps', 'batch', 'patience', 'seed', 'features', 'degree', 'rank', 'igaStart', 'igaEnd', 'igaPatch', 'igaEvery']);
const BOOLEANS = ['iga', 'learnC', 'keepBest'] as const;
const STRINGS = ['backend'] as const;

/** Every accepted key, kebab-case (for a CLI's parseArgs table: all take a string value except the booleans). */
export const NET_FLAGS: Record<string, { type: 'string' | 'boolean' }> = Object.fromEntries([
  ...NUMBERS.map((k) => [kebab(k), { type: 'string' as const }]),
  ...BOOLEANS.map((k) => [kebab(k), { type: 'boolean' as const }]),
  ...STRINGS.map((k) => [kebab(k), { type: 'string' as const }]),
]);

function kebab(k: string): string {
  return k.replace(/[A-Z0-9]+/g, (m, i) => (i > 0 && /[A-Z]/.test(m[0]) ? '-' : '') + m.toLowerCase()).replace('omega-0', 'omega0').replace('s-0', 's0');
}

function camel(k: string): string {
  return k.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function netTaskOptions(method: string, options: Record<string, number | string | boolean | undefined>): NetTaskOptions {
  const out: NetTaskOptions = { method };
  const o = out as unknown as Record<string, unknown>;
  for (const [rawKey, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const k = camel(rawKey);
    if (k === 'hidden') throw new InrError('E_ARG', `--hidden is ELM's hidden-node count; for ${method} use --width W and --layers H (hidden W→W layers)`);
    if ((NUMBERS as readonly string[]).includes(k)) {
      const n = typeof v === 'number' ? v : Number(v);
      if (typeof v === 'boolean' || !Number.isFinite(n)) throw new InrError('E_ARG', `--${kebab(k)} must be a number, got '${v}'`);
      if (INTEGERS.has(k) && !Number.isInteger(n)) throw new InrError('E_ARG', `--${kebab(k)} must be an integer, got '${v}'`);
      o[k === 'layers' ? 'hidden' : k] = n;
    } else if ((BOOLEANS as readonly string[]).includes(k)) {
      if (typeof v === 'boolean') o[k] = v;
      else if (v === 'true' || v === '1' || v === '') o[k] = true;
      else if (v === 'false' || v === '0') o[k] = false;
      else throw new InrError('E_ARG', `--${kebab(k)} is a switch, got '${v}'`);
    } else if ((STRINGS as readonly string[]).includes(k)) {
      o[k] = String(v);
    } else {
      throw new InrError('E_ARG', `unknown option '${rawKey}' for method ${method}`);
    }
  }
  return out;
}
