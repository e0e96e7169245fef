import { open, readFile } from 'node:fs/promises';
import { decodePng, isPng } from '../png';
import { checkPngMemory, readPngHeader } from '../png-decode';
import type { Reader } from '../registry';

/** IHDR first: its claim is checked against the memory limit before the file is read whole. */
async function readPng(path: string) {
  const fh = await open(path, 'r');
  let head: Uint8Array;
  let size: number;
  try {
    size = (await fh.stat()).size;
    head = new Uint8Array(33);
    const { bytesRead } = await fh.read(head, 0, 33, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  let header;
  try {
    header = readPngHeader(head, path);
  } catch {
    header = undefined; // a damaged start is reported by the full decode
  }
  if (header) checkPngMemory(header, size, path);
  return decodePng(await readFile(path), path);
}

export const pngReader: Reader = {
  format: 'png',
  label: 'PNG image',
  sniff: (head) => isPng(head),
  read: (path) => readPng(path),
};
