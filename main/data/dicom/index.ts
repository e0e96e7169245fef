/**
 * DICOM for INR Studio: the file reader, the folder reader, lazy series access and the derived
 * series writer.
 *
 * - `dicomReader` opens one file (an image, a multi-frame object, or a DICOMDIR, which opens
 *   its file-set); `dicomFolderReader` opens a folder tree of DICOM files, extension-less or not.
 * - `list()` is header-only: it never decodes a pixel, and gives the patient › study › series
 *   rows for the browser. `OpenOptions.series` picks a series (its UID, or `uid#n` for a part
 *   split off it); by default the series with the most slices opens.
 * - `openDicomSeriesLazy` / `readDicomSlice` show a series from its first slice without
 *   decoding the whole volume.
 * - `writeDicomSeries` exports a Field as a derived series.
 */
import { open as openFile, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InrError } from '../../core/errors';
import type { Field } from '../../core/field';
import type { DatasetListing, FolderReader, OpenOptions, Reader } from '../registry';
import { dicomDirFiles, readDicomDir } from './dicomdir';
import { readInstance, type DicomInstance } from './header';
import { metaSopClass, parseDicomBytes, sniffDicom } from './parse';
import { readHeaderFile, scanFiles, scanFolder, type ScanResult } from './scan';
import { buildVolumes, describeVolume, findVolume, largestVolume, type DicomSeriesInfo, type DicomVolume } from './series';
import { SOP } from './tags';
import { readVolume, readVolumeSlice, volumeLayout, type ReadOptions, type VolumeLayout } from './volume';

export { writeDicomSeries, type WriteDicomOptions, type WriteDicomResult } from './write';
export { readDicomDir, type DicomDir } from './dicomdir';
export { sniffDicom } from './parse';
export type { DicomSeriesInfo, DicomVolume } from './series';
export type { DicomInstance } from './header';

/** The browser listing of a DICOM dataset, with what could not be read. */
export interface DicomListing extends DatasetListing {
  series: DicomSeriesInfo[];
  /** DICOM files that could not be used, with the reason (one line each). */
  skipped: Array<{ path: string; reason: string }>;
  /** Files looked at. */
  files: number;
}

/** An index of a dataset: its volumes, built from headers only. */
interface DicomIndex {
  volumes: DicomVolume[];
  scan: ScanResult;
}

/** Instances that are DICOM but hold no usable image, as skipped entries. */
function unusable(instances: DicomInstance[]): Array<{ path: string; reason: string }> {
  return instances.flatMap((i) => {
    if (i.isDirectory) return [];
    if (i.problem) return [{ path: i.path, reason: i.problem.message }];
    if (!i.pixels) return [{ path: i.path, reason: `no image (SOP class ${i.sopClassUid || 'unknown'})` }];
    return [];
  });
}

function indexOf(scan: ScanResult): DicomIndex {
  return { volumes: buildVolumes(scan.instances), scan };
}

/** Index a file: an image, or a DICOMDIR whose referenced files are indexed instead. */
async function indexFile(path: string, signal?: AbortSignal): Promise<DicomIndex> {
  let header: DicomInstance | null;
  try {
    header = await readHeaderFile(path);
  } catch (err) {
    // A DICOMDIR too damaged to parse: its folder still holds the images.
    if (err instanceof InrError && err.code === 'E_CORRUPT' && metaSopClass(await readFile(path)) === SOP.MediaStorageDirectory) {
      return indexOf(await scanFolder(dirname(path), signal));
    }
    throw err;
  }
  if (!header) throw new InrError('E_FORMAT', 'not a DICOM file', path);
  if (header.isDirectory) {
    const dir = await readDicomDir(path);
    return indexOf(await scanFiles(dicomDirFiles(dir), signal));
  }
  return indexOf({ instances: [header], skipped: [], files: 1 });
}

/** Index a file or a folder tree. */
async function indexPath(path: string, signal?: AbortSignal): Promise<DicomIndex> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InrError('E_NOT_FOUND', 'no such file or folder', path);
  }
  return st.isDirectory() ? indexOf(await scanFolder(path, signal)) : indexFile(path, signal);
}

/** The listing of an index. */
function listingOf(index: DicomIndex): DicomListing {
  return {
    series: index.volumes.map(describeVolume),
    skipped: [...index.scan.skipped, ...unusable(index.scan.instances)],
    files: index.scan.files,
  };
}

/** The volume `opts.series` names, or the largest; a typed error when there is none. */
function pickVolume(index: DicomIndex, path: string, series?: string): DicomVolume {
  if (series) {
    const v = findVolume(index.volumes, series);
    if (!v) {
      const ids = index.volumes
        .slice(0, 5)
        .map((x) => x.id)
        .join(', ');
      throw new InrError('E_ARG', `no series ${series} here (${index.volumes.length} series${ids ? `: ${ids}${index.volumes.length > 5 ? ', …' : ''}` : ''})`, path);
    }
    return v;
  }
  const v = largestVolume(index.volumes);
  if (v) return v;
  // Nothing readable: say why, with the first reason found.
  const bad = [...unusable(index.scan.instances), ...index.scan.skipped];
  if (index.scan.instances.length === 1 && bad.length === 1) {
    const only = index.scan.instances[0];
    throw new InrError(only.problem?.code ?? 'E_UNSUPPORTED', bad[0].reason, path);
  }
  const why = bad.length ? `; ${bad.length} unusable, e.g. ${bad[0].reason}` : '';
  throw new InrError('E_EMPTY', `no DICOM images found (${index.scan.files} file(s) looked at${why})`, path);
}

/** A series opened from headers only: layout known, pixels decoded on demand. */
export interface LazyDicomSeries {
  info: DicomSeriesInfo;
  layout: VolumeLayout;
  /** Slices (or frames) along the first axis; 1 for a single image. */
  slices: number;
  /** Decode one slice as a 2-D Field placed at its position. */
  readSlice(k: number, opts?: ReadOptions): Promise<Field>;
  /** Decode the whole series. */
  read(opts?: ReadOptions): Promise<Field>;
}

/** Open a series (file, DICOMDIR or folder) without decoding any pixel. */
export async function openDicomSeriesLazy(path: string, opts: OpenOptions = {}): Promise<LazyDicomSeries> {
  const index = await indexPath(path, opts.signal);
  const volume = pickVolume(index, path, opts.series);
  return {
    info: describeVolume(volume),
    layout: volumeLayout(volume),
    slices: volume.slots.length,
    readSlice: (k, o = {}) => readVolumeSlice(volume, k, { signal: opts.signal, ...o }),
    read: (o = {}) => readVolume(volume, { signal: opts.signal, ...o }),
  };
}

/** Decode slice `k` (0-based, in position order) of series `uid` under `path`. */
export async function readDicomSlice(path: string, uid: string | undefined, k: number): Promise<Field> {
  const lazy = await openDicomSeriesLazy(path, { series: uid });
  return lazy.readSlice(k);
}

/** List the series under a file, DICOMDIR or folder, from headers only. */
export async function listDicom(path: string, opts: OpenOptions = {}): Promise<DicomListing> {
  return listingOf(await indexPath(path, opts.signal));
}

/** Open the chosen (or largest) series under a file, DICOMDIR or folder. */
export async function readDicom(path: string, opts: OpenOptions = {}): Promise<Field> {
  const index = await indexPath(path, opts.signal);
  return readVolume(pickVolume(index, path, opts.series), { signal: opts.signal });
}

/**
 * Read a DICOM file held in memory (upload, tests). The bytes are not modified. Multi-frame
 * objects give a volume; anything unreadable ends in an `InrError`.
 */
export async function readDicomBytes(bytes: Uint8Array, path = 'memory.dcm', opts: OpenOptions = {}): Promise<Field> {
  const parsed = parseDicomBytes(bytes, path, { headerOnly: true });
  const inst = readInstance(parsed.dataSet, path, parsed.transferSyntax);
  if (inst.isDirectory) throw new InrError('E_ARG', 'a DICOMDIR lists other files: open it from disk', path);
  const index = indexOf({ instances: [inst], skipped: [], files: 1 });
  return readVolume(pickVolume(index, path, opts.series), { signal: opts.signal, load: async () => bytes });
}

/** True when the first bytes of a file are DICOM. */
async function fileIsDicom(path: string): Promise<boolean> {
  try {
    const fh = await openFile(path, 'r');
    try {
      const head = new Uint8Array(1024);
      const { bytesRead } = await fh.read(head, 0, 1024, 0);
      return sniffDicom(head.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}

/** A quick, bounded look for DICOM in a folder tree (breadth first, at most `budget` files). */
async function folderHasDicom(dir: string, budget = 256): Promise<boolean> {
  const queue = [dir];
  let looked = 0;
  while (queue.length && looked < budget) {
    const d = queue.shift()!;
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name === 'DICOMDIR' ? -1 : b.name === 'DICOMDIR' ? 1 : a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) queue.push(p);
      else if (e.isFile()) {
        if (++looked > budget) break;
        if (await fileIsDicom(p)) return true;
      }
    }
  }
  return false;
}

/** One DICOM file (image, multi-frame object or DICOMDIR), chosen by its bytes. */
export const dicomReader: Reader = {
  format: 'dicom',
  label: 'DICOM',
  sniff: (head) => sniffDicom(head),
  read: (path, opts) => readDicom(path, opts),
  list: (path, opts) => listDicom(path, opts),
};

/** A folder tree of DICOM files (series, studies, DICOMDIR file-sets, extension-less files). */
export const dicomFolderReader: FolderReader = {
  format: 'dicom-folder',
  label: 'DICOM folder',
  sniffFolder: (dir) => folderHasDicom(dir),
  read: (dir, opts) => readDicom(dir, opts),
  list: (dir, opts) => listDicom(dir, opts),
};
