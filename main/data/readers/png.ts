import { readFile } from 'node:fs/promises';
import { decodePng, isPng } from '../png';
import type { Reader } from '../registry';

export const pngReader: Reader = {
  format: 'png',
  label: 'PNG image',
  sniff: (head) => isPng(head),
  read: async (path) => decodePng(await readFile(path), path),
};
