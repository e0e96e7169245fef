/** `inr-studio methods`: the registry, as a table or JSON. */
import { METHODS } from '../methods/registry';
import { kebab } from '../methods/params';
import { parse, UsageError } from './args';

export function methods(argv: string[]): void {
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
