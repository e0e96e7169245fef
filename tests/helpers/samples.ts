import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The one place tests find the shared sample data: `../shared/data` beside the project root,
 * or `INR_SAMPLE_DATA` when set.
 */
export function sampleDataRoot(): string {
  const root = process.env.INR_SAMPLE_DATA ? resolve(process.env.INR_SAMPLE_DATA) : resolve(fileURLToPath(new URL('../../../shared/data', import.meta.url)));
  if (!existsSync(root)) throw new Error(`sample data not found at ${root}; set INR_SAMPLE_DATA`);
  return root;
}

export function sample(...parts: string[]): string {
  return join(sampleDataRoot(), ...parts);
}
