/**
 * Header-only indexing of DICOM files and folders: nothing here decodes a pixel.
 *
 * A folder is walked recursively (hidden entries and symbolic-link folders skipped). Each file
 * is recognised by its bytes — `DICM` at 128 or a plausible bare dataset — never by its name,
 * so extension-less files (DICOMDIR file-sets, CD imports) are found. Only the first 64 KiB of
 * a file are read; the whole file only when its header is longer or the dataset is deflated.
 * Headers are cached by path, size and modification time, so re-listing a folder or opening
 * one slice after listing costs a `stat` per file.
 */
import { memoryLimit } from '../../core/limits';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cancelled, InrError } from '../../core/errors';
import { readInstance, type DicomInstance } from './header';
import { parseDicomBytes, sniffDicom } from './parse';
import { TAG } from './tags';

const HEAD_CHUNK = 64 * 1024;
const MAX_DEPTH = 32;
const MAX_FILES = 200_000;
const CACHE_LIMIT = 50_000;
const PARALLEL = 8;

/** Result of indexing: the DICOM instances (images and others) and what was passed over. */
export interface ScanResult {
  instances: DicomInstance[];
  /** Files that looked like DICOM but could not be read, with the reason. */
  skipped: Array<{ path: string; reason: string }>;
  /** How many files were looked at. */
  files: number;
}

interface CacheEntry {
  size: number;
  mtimeMs: number;
  /** The memory limit the header was judged under (an image too large for it is marked so). */
  limit: number;
  instance: DicomInstance | null;
}

const headerCache = new Map<string, CacheEntry>();

function remember(path: string, entry: CacheEntry): void {
  if (headerCache.size >= CACHE_LIMIT) {
    const oldest = headerCache.keys().next().value;
    if (oldest !== undefined) headerCache.delete(oldest);
  }
  headerCache.set(path, entry);
}

/** Read up to `n` bytes from the start of a file. */
async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * The header of one file from its bytes (the whole file or its first part). Returns undefined
 * when the bytes are not DICOM, and `'more'` when the part was too short to hold the header.
 */
function headerFromBytes(bytes: Uint8Array, path: string, whole: boolean): DicomInstance | undefined | 'more' {
  if (!sniffDicom(bytes.subarray(0, 1024))) return undefined;
  let parsed;
  try {
    parsed = parseDicomBytes(bytes, path, { headerOnly: true });
  } catch (err) {
    if (!whole) return 'more';
    throw err;
  }
  if (!whole && !parsed.dataSet.elements[TAG.PixelData]) return 'more';
  return readInstance(parsed.dataSet, path, parsed.transferSyntax);
}

/**
 * The header of a file on disk, or null when it is not DICOM. Throws `InrError` when it is
 * DICOM but unreadable.
 */
export async function readHeaderFile(path: string): Promise<DicomInstance | null> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InrError('E_NOT_FOUND', 'no such file', path);
  }
  const cached = headerCache.get(path);
  const limit = memoryLimit();
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs && cached.limit === limit) return cached.instance;
  let result = headerFromBytes(await readHead(path, HEAD_CHUNK), path, st.size <= HEAD_CHUNK);
  if (result === 'more') result = headerFromBytes(await readFile(path), path, true);
  const instance = result === 'more' || result === undefined ? null : result;
  remember(path, { size: st.size, mtimeMs: st.mtimeMs, limit, instance });
  return instance;
}

/** All regular files under `dir`, depth first, skipping hidden entries and linked folders. */
export async function listFiles(dir: string, signal?: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || out.length >= MAX_FILES) return;
    if (signal?.aborted) throw cancelled();
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if (depth === 0) throw new InrError('E_NOT_FOUND', `cannot list folder (${(err as { code?: string }).code ?? String(err)})`, dir);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile() && out.length < MAX_FILES) out.push(p);
    }
  };
  await walk(dir, 0);
  return out;
}

/** Index the headers of the given files (a few at a time). Unreadable DICOM goes to `skipped`. */
export async function scanFiles(paths: string[], signal?: AbortSignal, onProgress?: (f: number) => void): Promise<ScanResult> {
  const instances: Array<DicomInstance | undefined> = new Array(paths.length);
  const skipped: ScanResult['skipped'] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      if (signal?.aborted) throw cancelled();
      const i = next++;
      try {
        instances[i] = (await readHeaderFile(paths[i])) ?? undefined;
      } catch (err) {
        skipped.push({ path: paths[i], reason: err instanceof Error ? err.message : String(err) });
      }
      onProgress?.(++done / paths.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, paths.length) }, worker));
  return { instances: instances.filter((x): x is DicomInstance => x !== undefined), skipped, files: paths.length };
}

/** Index every DICOM file under a folder. */
export async function scanFolder(dir: string, signal?: AbortSignal, onProgress?: (f: number) => void): Promise<ScanResult> {
  return scanFiles(await listFiles(dir, signal), signal, onProgress);
}
