import { open as openFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InrError, asReadError } from '../core/errors';
import { fieldStats, type Field, type FieldStats } from '../core/field';
import type { DatasetListing, FolderReader, OpenOptions, Reader } from './registry';
import { pngReader } from './readers/png';
import { niftiReader } from './nifti/index';
import { geotiffReader } from './geotiff/index';
import { jpegReader } from './image/index';
import { dicomReader, dicomFolderReader } from './dicom/index';
import { netcdfReader } from './netcdf/index';
import { meshReader } from './readers/mesh';
import { volumeOccupancy } from '../mesh/occupancy';

export type { OpenOptions, DatasetListing } from './registry';

/** The reader table. Order matters only where two formats could claim the same bytes. */
// DICOM before TIFF: some DICOM files carry a TIFF header in their 128-byte preamble.
// Meshes last: OBJ and ASCII STL are text, recognised by their keywords.
const fileReaders: Reader[] = [pngReader, jpegReader, dicomReader, geotiffReader, niftiReader, netcdfReader, meshReader];
const folderReaders: FolderReader[] = [dicomFolderReader];

export function registerReader(r: Reader): void {
  if (!fileReaders.some((x) => x.format === r.format)) fileReaders.push(r);
}
export function registerFolderReader(r: FolderReader): void {
  if (!folderReaders.some((x) => x.format === r.format)) folderReaders.push(r);
}
function supportedFormats(): string[] {
  return [...fileReaders, ...folderReaders].map((r) => r.label);
}

const HEAD_BYTES = 1024;

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await openFile(path, 'r');
  try {
    const buf = new Uint8Array(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Mostly printable ASCII/UTF-8 with no NUL: a text file someone picked by mistake. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let printable = 0;
  for (const b of head) {
    if (b === 0) return false;
    if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 128) printable++;
  }
  return printable / head.length > 0.95;
}

type Resolved = { kind: 'file'; reader: Reader } | { kind: 'folder'; reader: FolderReader };

async function resolveReader(path: string): Promise<Resolved> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InrError('E_NOT_FOUND', 'no such file or folder', path);
  }
  if (st.isDirectory()) {
    for (const r of folderReaders) if (await r.sniffFolder(path)) return { kind: 'folder', reader: r };
    // A folder holding exactly one readable file of a single-file format: open that file.
    let entries: string[];
    try {
      entries = await readdir(path);
    } catch (err) {
      throw asReadError(err, path, 'folder');
    }
    const readable: Array<{ file: string; reader: Reader }> = [];
    for (const e of entries) {
      const p = join(path, e);
      try {
        if (!(await stat(p)).isFile()) continue;
        const head = await readHead(p);
        const reader = fileReaders.find((r) => r.sniff(head, p));
        if (reader) readable.push({ file: p, reader });
      } catch {
        /* unreadable entries are skipped */
      }
    }
    if (readable.length === 0) {
      throw new InrError('E_EMPTY', `folder has nothing readable (${entries.length} entries looked at; supported: ${supportedFormats().join(', ')})`, path);
    }
    throw new InrError(
      'E_ARG',
      `folder holds ${readable.length} separate datasets; open one of them: ${readable
        .slice(0, 5)
        .map((r) => basename(r.file))
        .join(', ')}${readable.length > 5 ? ', …' : ''}`,
      path,
    );
  }
  if (!st.isFile()) throw new InrError('E_FORMAT', 'not a regular file', path);
  if (st.size === 0) throw new InrError('E_CORRUPT', 'the file is empty', path);
  const head = await readHead(path);
  const reader = fileReaders.find((r) => r.sniff(head, path));
  if (reader) return { kind: 'file', reader };
  if (looksLikeText(head)) throw new InrError('E_FORMAT', 'this is a text file, not a dataset (supported: ' + supportedFormats().join(', ') + ')', path);
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new InrError('E_FORMAT', `unrecognised file format (starts with ${hex}; supported: ${supportedFormats().join(', ')})`, path);
}

/** Open any supported dataset (file or folder) as a Field. Never modifies the input. */
export async function openField(path: string, opts: OpenOptions = {}): Promise<Field> {
  const res = await resolveReader(path);
  let field: Field;
  try {
    field = await res.reader.read(path, opts);
  } catch (err) {
    throw asReadError(err, path, res.reader.label);
  }
  return asOccupancy(field, opts);
}

/** With `opts.occupancy`, the volume's occupancy (volumeOccupancy) instead of the volume. */
function asOccupancy(field: Field, opts: OpenOptions): Field {
  if (!opts.occupancy) return field;
  if (field.provenance.format === 'occupancy')
    throw new InrError('E_ARG', 'a mesh opens as occupancy already (its inside); threshold, smoothing, islands and fill apply to volumes', field.provenance.path);
  return volumeOccupancy(field, opts.occupancy).field;
}

export interface DatasetSummary {
  path: string;
  name: string;
  format: string;
  formatLabel: string;
  shape: number[];
  axes: string[];
  channels: string[];
  dtype: string;
  spacing: number[];
  origin: number[];
  crs?: Field['geometry']['crs'];
  units?: string;
  stats: FieldStats;
  listing?: DatasetListing;
}

function summarize(field: Field, path: string, formatLabel: string, listing?: DatasetListing): DatasetSummary {
  return {
    path,
    name: basename(path),
    format: field.provenance.format,
    formatLabel,
    shape: field.shape,
    axes: field.axes,
    channels: field.channels,
    dtype: field.dtype,
    spacing: field.geometry.spacing,
    origin: field.geometry.origin,
    crs: field.geometry.crs,
    units: field.units,
    stats: fieldStats(field),
    listing,
  };
}

/** Open a dataset and describe it: what `inr-studio info` prints. */
export async function describeDataset(path: string, opts: OpenOptions = {}): Promise<{ field: Field; summary: DatasetSummary }> {
  const res = await resolveReader(path);
  try {
    const listing = res.reader.list ? await res.reader.list(path, opts) : undefined;
    const field = asOccupancy(await res.reader.read(path, opts), opts);
    return { field, summary: summarize(field, path, res.reader.label, listing) };
  } catch (err) {
    throw asReadError(err, path, res.reader.label);
  }
}
