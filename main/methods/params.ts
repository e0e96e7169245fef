/**
 * Parameters declared by the registry, read from where they come in: the command line (strings,
 * kebab-case flags) or a request (typed values, camelCase names). One parser for both, so a
 * bound is checked the same way everywhere, and errors name the parameter, not a flag.
 */
import type { ParamInfo, TaskKind } from '../api/contract';
import { InrError } from '../core/errors';
import type { AnySpec, ParamSpecs } from './types';

/**
 * Where parameters come from: the command line (strings), a request from the UI ('api': typed,
 * and never a file path), or the engine itself ('engine': typed values already read from one of
 * those, file paths included).
 */
export type ParamSource = 'cli' | 'api' | 'engine';

/** `targetPsnr` → `target-psnr`, `omega0` → `omega0`, `s0` → `s0`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}

/** `target-psnr` → `targetPsnr`. */
export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function fail(owner: string, name: string, why: string): never {
  throw new InrError('E_ARG', `${owner}: parameter '${name}' ${why}`);
}

function inRange(owner: string, name: string, spec: { min: number; max: number }, v: number, integer: boolean): number {
  if (!Number.isFinite(v)) fail(owner, name, `must be a number, got '${v}'`);
  if (integer && !Number.isInteger(v)) fail(owner, name, `must be an integer, got ${v}`);
  if (v < spec.min || v > spec.max) fail(owner, name, `must be in [${spec.min}, ${spec.max}], got ${v}`);
  return v;
}

/** One value, checked against its spec; strings from the command line are converted first. */
function parseValue(owner: string, name: string, spec: AnySpec, raw: unknown, source: ParamSource): unknown {
  const str = typeof raw === 'string';
  if (source !== 'cli' && str && spec.type !== 'enum' && spec.type !== 'path') fail(owner, name, `must be a ${spec.type === 'bool' ? 'boolean' : 'number'}, got a string`);
  switch (spec.type) {
    case 'int':
    case 'number': {
      if (typeof raw === 'boolean' || (str && raw.trim() === '')) fail(owner, name, `must be a number, got '${String(raw)}'`);
      return inRange(owner, name, spec, typeof raw === 'number' ? raw : Number(raw), spec.type === 'int');
    }
    case 'int-list': {
      const parts = Array.isArray(raw) ? raw : typeof raw === 'number' ? [raw] : str ? raw.split(/[x×,]/).map((p) => (p.trim() === '' ? NaN : Number(p))) : [NaN];
      if (parts.length === 0 || parts.length > 8) fail(owner, name, `takes N or NxM(xK), got '${String(raw)}'`);
      return parts.map((p) => (typeof p === 'number' ? inRange(owner, name, spec, p, true) : fail(owner, name, `takes N or NxM(xK), got '${String(raw)}'`)));
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === '') return true;
      if (raw === 'false' || raw === '0') return false;
      return fail(owner, name, `is a switch (true or false), got '${String(raw)}'`);
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values.includes(raw)) fail(owner, name, `must be one of ${spec.values.join(', ')}, got '${String(raw)}'`);
      return raw;
    }
    case 'path': {
      if (source === 'api') fail(owner, name, 'names a file: it can be given on the command line only');
      if (typeof raw !== 'string' || raw === '') fail(owner, name, 'must be a file path');
      return raw;
    }
  }
}

/**
 * Read `raw` (name → value) into the typed parameters of `owner`. Names may be camelCase or
 * kebab-case. A name the owner does not declare is refused, with a hint when one is known.
 */
export function parseParams<P>(owner: string, specs: ParamSpecs<P>, raw: object, source: ParamSource, hints: Record<string, string> = {}): P {
  const table = specs as unknown as Record<string, AnySpec>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const name = camel(key);
    const spec = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
    if (!spec) {
      const known = Object.keys(table);
      throw new InrError('E_ARG', `${owner} has no parameter '${key}'${hints[name] ? `: ${hints[name]}` : ''} (its parameters: ${known.length ? known.join(', ') : 'none'})`);
    }
    out[name] = parseValue(owner, name, spec, value, source);
  }
  return out as P;
}

/** The specs as the API sends them to the UI. Path parameters are left out: the UI cannot give files. */
export function paramInfos(specs: object): ParamInfo[] {
  const out: ParamInfo[] = [];
  for (const [name, spec] of Object.entries(specs as Record<string, AnySpec>)) {
    if (spec.type === 'path') continue;
    const { label, help, advanced, tasks } = spec;
    const base = { name, label, help, ...(advanced ? { advanced } : {}), ...(tasks ? { tasks: [...tasks] } : {}) };
    switch (spec.type) {
      case 'int':
      case 'number':
        out.push({ ...base, type: spec.type, min: spec.min, max: spec.max, step: spec.step, default: spec.default, auto: spec.auto });
        break;
      case 'int-list':
        out.push({ ...base, type: 'int-list', min: spec.min, max: spec.max, default: spec.default, auto: spec.auto });
        break;
      case 'bool':
        out.push({ ...base, type: 'bool', default: spec.default });
        break;
      case 'enum':
        out.push({ ...base, type: 'enum', values: [...spec.values], default: spec.default });
        break;
    }
  }
  return out;
}

/** Refuse a parameter given for a task it does not apply to (a CT prior on an inpainting…). */
export function checkParamTasks(owner: string, specs: object, params: object, task: TaskKind): void {
  const table = specs as Record<string, AnySpec>;
  for (const [name, v] of Object.entries(params)) {
    const only = table[name]?.tasks;
    if (v !== undefined && only && !only.includes(task)) throw new InrError('E_ARG', `${owner}: parameter '${name}' applies to the ${only.join(', ')} task only`);
  }
}
