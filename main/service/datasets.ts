/**
 * The datasets the engine holds for the UI: opened from a path, an upload or the demo, kept with
 * their values in shared memory (jobs read them without decoding or copying again), sliced for
 * the views, and released when closed or when more than `maxOpen` are held.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type {
  AxisCoordinates,
  DatasetInfo,
  DatasetOrientation,
  OpenRequest,
  SliceData,
  SliceRequest,
  Thumbnail,
  ThumbnailRequest,
  VolumeData,
  VolumeRequest,
} from '../api/contract';
import { InrError, cancelled } from '../core/errors';
import { shareField, type Field } from '../core/field';
import { hasPatientData } from '../data/dicom/anonymize';
import { demoDatasetPath } from '../core/paths';
import { planeOf, sliceOf, thumbnailOf, volumeOfAsync } from '../core/sampling';
import { describeDataset, openField, type OpenOptions } from '../data/index';
import { describeExtras } from './dataset-describe';
import { openDicomSeriesLazy } from '../data/dicom/index';

/** Coordinate axes longer than this are not sent to the UI. */
const MAX_COORDINATES = 100_000;
/** Uploads (one file or a dropped folder): at most this many files and bytes. */
export const MAX_UPLOAD_FILES = 20_000;
export const MAX_UPLOAD_BYTES = 511 * 2 ** 20;
/** Datasets kept open at once; the least recently used beyond this is released. */
const MAX_OPEN_DATASETS = 4;

export interface OpenDataset {
  info: DatasetInfo;
  field: Field;
  open: OpenOptions;
  /** The scratch folder of an upload, removed with the dataset. */
  upload?: string;
  lastUsed: number;
}

export class DatasetStore {
  private readonly datasets = new Map<string, OpenDataset>();
  private scratchDir?: string;
  private seq = 0;
  private clock = 0;
  /** Called with the id of every dataset released (its results go with it). */
  onRelease?: (id: string) => void;

  constructor(private readonly maxOpen = MAX_OPEN_DATASETS) {}

  async open(req: OpenRequest, signal?: AbortSignal): Promise<DatasetInfo> {
    let path: string;
    let upload: string | undefined;
    if (req.demo) path = demoDatasetPath();
    else if (req.upload) ({ path, dir: upload } = this.storeUpload(req.upload.name, req.upload.bytes));
    else if (req.uploadFolder) ({ path, dir: upload } = this.storeFolder(req.uploadFolder.name, req.uploadFolder.files));
    else if (req.path) path = req.path;
    else throw new InrError('E_ARG', 'open needs a path, an upload or demo');
    const open: OpenOptions = { series: req.series, variable: req.variable, index: req.index, res: req.res, occupancy: req.occupancy };
    let described: Awaited<ReturnType<typeof describeDataset>>;
    try {
      described = await describeDataset(path, { ...open, signal });
      if (signal?.aborted) throw cancelled();
    } catch (err) {
      // An upload that does not open is of no further use: delete it now.
      if (upload) rmSync(upload, { recursive: true, force: true });
      throw err;
    }
    const { summary } = described;
    const extras = await describeExtras(described.field, signal);
    const field = shareField(described.field);
    const id = `ds-${++this.seq}`;
    const info: DatasetInfo = {
      id,
      path: summary.path,
      name: req.upload ? req.upload.name : req.uploadFolder ? req.uploadFolder.name : summary.name,
      format: summary.format,
      occupancyRule: summary.format === 'occupancy' && typeof field.provenance.meta?.rule === 'string' ? field.provenance.meta.rule : undefined,
      formatLabel: summary.formatLabel,
      shape: summary.shape,
      axes: summary.axes,
      channels: summary.channels,
      dtype: summary.dtype,
      spacing: summary.spacing,
      origin: summary.origin,
      units: summary.units,
      crs: extras.crs ?? (summary.crs ? { epsg: summary.crs.epsg, description: summary.crs.description } : undefined),
      window: field.geometry.window,
      stats: summary.stats,
      listing: summary.listing,
      selection: selectionOf(field, req),
      coordinates: coordinatesOf(field),
      orientation: orientationOf(field),
      patientData: hasPatientData(field) || undefined,
      ...extras,
    };
    this.datasets.set(id, { info, field, open, upload, lastUsed: ++this.clock });
    this.evict(id);
    return info;
  }

  get(id: string): OpenDataset {
    const ds = this.datasets.get(id);
    if (!ds) throw new InrError('E_ARG', `no open dataset '${id}' (it was closed or released; open it again)`);
    ds.lastUsed = ++this.clock;
    return ds;
  }

  has(id: string): boolean {
    return this.datasets.has(id);
  }

  get size(): number {
    return this.datasets.size;
  }

  /** Release a dataset: its values, its results and an upload's scratch copy. */
  close(id: string): boolean {
    const ds = this.datasets.get(id);
    if (!ds) return false;
    this.datasets.delete(id);
    if (ds.upload) rmSync(ds.upload, { recursive: true, force: true });
    this.onRelease?.(id);
    return true;
  }

  /** A plane of the source, or of `field` (a result) when given. */
  slice(field: Field, req: SliceRequest): SliceData {
    return req.plane ? planeOf(field, req.plane, req.at ?? []) : sliceOf(field, req.index ?? []);
  }

  volume(field: Field, req: VolumeRequest, signal?: AbortSignal): Promise<VolumeData> {
    return volumeOfAsync(field, req.channel ?? 0, req.index ?? [], req.maxVoxels ?? 2 ** 22, signal);
  }

  async thumbnail(req: ThumbnailRequest): Promise<Thumbnail> {
    const ds = this.get(req.datasetId);
    const size = req.size ?? 96;
    let plane: SliceData;
    let channel = 0;
    let window = ds.field.geometry.window;
    if (req.series !== undefined) {
      const lazy = await openDicomSeriesLazy(ds.info.path, { series: req.series });
      const f = await lazy.readSlice(Math.floor(lazy.slices / 2));
      window = f.geometry.window;
      plane = sliceOf(f, []);
    } else if (req.variable !== undefined) {
      const entry = ds.info.listing?.variables?.find((v) => v.name === req.variable);
      if (!entry) throw new InrError('E_ARG', `no variable '${req.variable}' in ${ds.info.name}`);
      // The first plane of the variable: index 0 on every dimension but the last two.
      const index: Record<string, number> = {};
      entry.dimensions.slice(0, -2).forEach((d) => (index[d] = 0));
      const f = await openField(ds.info.path, { variable: req.variable, index });
      window = undefined;
      plane = sliceOf(f, new Array(Math.max(0, f.shape.length - 2)).fill(0));
    } else {
      channel = req.band ?? 0;
      if (channel >= ds.field.channels.length) throw new InrError('E_ARG', `band ${channel + 1} out of range (the dataset has ${ds.field.channels.length})`);
      if (req.band !== undefined) window = undefined;
      const lead = ds.field.shape.slice(0, -2).map((L) => Math.floor(L / 2));
      plane = sliceOf(ds.field, lead);
    }
    return thumbnailOf(plane, channel, size, window);
  }

  /** A scratch folder of this engine (exports on their way to a download). */
  scratch(): string {
    this.scratchDir ??= mkdtempSync(join(tmpdir(), 'inr-studio-'));
    return this.scratchDir;
  }

  closeAll(): void {
    for (const id of [...this.datasets.keys()]) this.close(id);
    if (this.scratchDir) rmSync(this.scratchDir, { recursive: true, force: true });
    this.scratchDir = undefined;
  }

  private evict(keep: string): void {
    while (this.datasets.size > this.maxOpen) {
      let oldest: OpenDataset | undefined;
      for (const ds of this.datasets.values()) if (ds.info.id !== keep && (!oldest || ds.lastUsed < oldest.lastUsed)) oldest = ds;
      if (!oldest) return;
      this.close(oldest.info.id);
    }
  }

  private storeUpload(name: string, bytes: Uint8Array): { path: string; dir: string } {
    if (bytes.byteLength > MAX_UPLOAD_BYTES)
      throw new InrError(
        'E_TOO_LARGE',
        `the upload ${name} holds ${(bytes.byteLength / 2 ** 20).toFixed(0)} MB; at most ${MAX_UPLOAD_BYTES / 2 ** 20} MB can be uploaded (open it by path instead)`,
      );
    const dir = mkdtempSync(join(this.scratch(), 'u'));
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return { path, dir };
  }

  /** A dropped folder, rebuilt under the scratch folder with its relative layout. */
  private storeFolder(name: string, files: { path: string; bytes: Uint8Array }[]): { path: string; dir: string } {
    if (files.length === 0) throw new InrError('E_EMPTY', `the folder ${name} is empty`);
    if (files.length > MAX_UPLOAD_FILES) throw new InrError('E_ARG', `the folder ${name} has ${files.length} files; at most ${MAX_UPLOAD_FILES} can be uploaded`);
    const total = files.reduce((a, f) => a + f.bytes.byteLength, 0);
    if (total > MAX_UPLOAD_BYTES)
      throw new InrError(
        'E_TOO_LARGE',
        `the folder ${name} holds ${(total / 2 ** 20).toFixed(0)} MB; at most ${MAX_UPLOAD_BYTES / 2 ** 20} MB can be uploaded (open it by path instead)`,
      );
    const dir = mkdtempSync(join(this.scratch(), 'd'));
    const root = join(dir, name);
    for (const f of files) {
      const target = join(root, ...f.path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.bytes);
    }
    return { path: root, dir };
  }
}

/** Which listing entry is open: the one asked for, else the reader's default choice. */
function selectionOf(field: Field, req: OpenRequest): DatasetInfo['selection'] {
  const meta = field.provenance.meta ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const series = req.series ?? (field.provenance.format === 'dicom' ? (str(meta.volumeId) ?? str(meta.seriesInstanceUid)) : undefined);
  const variable = req.variable ?? (field.provenance.format === 'netcdf' ? str(meta.variable) : undefined);
  return series || variable ? { series, variable } : undefined;
}

/** The patient frame of a 3D+ DICOM or NIfTI field with a valid direction; undefined otherwise. */
function orientationOf(field: Field): DatasetOrientation | undefined {
  const d = field.geometry.direction;
  if (field.shape.length < 3 || !d || d.length !== 9 || !d.every((v) => Number.isFinite(v))) return undefined;
  const format = field.provenance.format;
  const frame = format === 'dicom' ? 'LPS' : format === 'nifti' ? 'RAS' : undefined;
  return frame ? { frame, direction: [...d] } : undefined;
}

function coordinatesOf(field: Field): Record<string, AxisCoordinates> | undefined {
  const c = field.geometry.coordinates;
  if (!c) return undefined;
  const out: Record<string, AxisCoordinates> = {};
  for (const [axis, v] of Object.entries(c)) {
    if (v.values.length > MAX_COORDINATES) continue;
    out[axis] = { values: Array.from(v.values), units: v.units, iso: v.iso ? [...v.iso] : undefined };
  }
  return Object.keys(out).length ? out : undefined;
}
