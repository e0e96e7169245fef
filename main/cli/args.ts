/** What the commands share: argument parsing, the usage error, number formatting. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InrError } from '../core/errors';
import type { OpenOptions } from '../data/registry';

export class UsageError extends InrError {
  constructor(message: string) {
    super('E_ARG', message);
  }
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : x.toFixed(a < 1 ? 4 : 2);
}

export function parseIndex(spec: string | undefined): OpenOptions['index'] {
  if (!spec) return undefined;
  const out: NonNullable<OpenOptions['index']> = {};
  for (const part of spec.split(',')) {
    const m = /^([^=]+)=(\d+)(?::(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(`--index takes dim=i or dim=start:end, got '${part}'`);
    out[m[1]] = m[3] !== undefined ? [Number(m[2]), Number(m[3])] : Number(m[2]);
  }
  return out;
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true as const });
  } catch (err) {
    const msg = (err as Error).message.replace(/^.*?: /, '').split('\n')[0];
    throw new UsageError(`${msg} (see 'inr-studio --help')`);
  }
}
