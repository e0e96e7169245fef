/** `inr-studio backends`: which compute backends work here, and why not. */
import { listBackends } from '../inr/nets/backend';
import { parse, UsageError } from './args';

export async function backends(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } });
  if (positionals.length) throw new UsageError('backends takes no path');
  const list = await listBackends();
  if (values.json) console.log(JSON.stringify(list));
  else for (const b of list) console.log(`${b.available ? 'yes' : 'no '}  ${b.id.padEnd(14)} ${b.reason}${b.detail ? ` (${b.detail})` : ''}`);
}
