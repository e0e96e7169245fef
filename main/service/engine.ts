/**
 * The engine behind the API contract, in process. The Electron IPC handlers and the WebSocket
 * bridge both forward to one `EngineService`; tests use it directly. It keeps the open datasets
 * (for slicing) and the jobs, and turns runner callbacks into `JobEvent`s.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { zipSync } from 'fflate';
import type {
  AxisCoordinates,
  BeamMeshInfo,
  Capabilities,
  DatasetInfo,
  DatasetOrientation,
  EngineApi,
  ExportRequest,
  ExportResult,
  JobEvent,
  JobRequest,
  OpenRequest,
  SliceData,
  SliceRequest,
  Thumbnail,
  ThumbnailRequest,
  VolumeData,
  VolumeRequest,
} from '../api/contract';
import { writeFileAtomic } from '../core/atomic';
import { InrError, serializeError } from '../core/errors';
import { sampleCount, type Field } from '../core/field';
import { demoDatasetPath } from '../core/paths';
import { describeDataset, openField, type OpenOptions } from '../data/index';
import { openDicomSeriesLazy } from '../data/dicom/index';
import { writeLikeSource, writerFor } from '../data/writers';
import { JobRunner } from '../jobs/runner';
import type { FitJobParams, FitJobResult } from '../jobs/fit';

export const VERSION = '0.1.0';

/** What a finished fit left behind: its reconstruction and the files it can export. */
interface StoredResult {
  method: string;
  reconstruction: Field;
  upsampled?: Field;
  model: { name: string; bytes: Uint8Array };
  mesh?: { info: BeamMeshInfo; json: string };
}

interface OpenDataset {
  info: DatasetInfo;
  field: Field;
  open: OpenOptions;
  results: Map<string, StoredResult>;
}

/** Coordinate axes longer than this are not sent to the UI. */
const MAX_COORDINATES = 100_000;
/** Folder uploads: at most this many files and bytes. */
const MAX_UPLOAD_FILES = 20_000;
const MAX_UPLOAD_BYTES = 2 ** 31;

export interface EngineOptions {
  mode?: Capabilities['mode'];
  runner?: JobRunner;
}

export class EngineService implements EngineApi {
  private readonly datasets = new Map<string, OpenDataset>();
  private readonly jobs = new Map<string, AbortController>();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly runner: JobRunner;
  private readonly ownsRunner: boolean;
  private uploadDir?: string;
  private seq = 0;

  constructor(private readonly opts: EngineOptions = {}) {
    this.runner = opts.runner ?? new JobRunner();
    this.ownsRunner = !opts.runner;
  }

  onJobEvent(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async capabilities(): Promise<Capabilities> {
    return { mode: this.opts.mode ?? 'test', nativeDialogs: false, version: VERSION };
  }

  async pickFile(): Promise<string | null> {
    return null;
  }

  async pickSavePath(_req: { suggestedName: string }): Promise<string | null> {
    return null;
  }

  async open(req: OpenRequest): Promise<DatasetInfo> {
    let path: string;
    if (req.demo) path = demoDatasetPath();
    else if (req.upload) path = this.storeUpload(req.upload.name, req.upload.bytes);
    else if (req.uploadFolder) path = this.storeFolder(req.uploadFolder.name, req.uploadFolder.files);
    else if (req.path) path = req.path;
    else throw new InrError('E_ARG', 'open needs a path, an upload or demo');
    const open: OpenOptions = { series: req.series, variable: req.variable, index: req.index };
    const { field, summary } = await describeDataset(path, open);
    const id = `ds-${++this.seq}`;
    const info: DatasetInfo = {
      id,
      path: summary.path,
      name: req.upload ? req.upload.name : req.uploadFolder ? req.uploadFolder.name : summary.name,
      format: summary.format,
      formatLabel: summary.formatLabel,
      shape: summary.shape,
      axes: summary.axes,
      channels: summary.channels,
      dtype: summary.dtype,
      spacing: summary.spacing,
      origin: summary.origin,
      units: summary.units,
      crs: summary.crs ? { epsg: summary.crs.epsg, description: summary.crs.description } : undefined,
      window: field.geometry.window,
      stats: summary.stats,
      listing: summary.listing,
      selection: selectionOf(field, req),
      coordinates: coordinatesOf(field),
      orientation: orientationOf(field),
    };
    this.datasets.set(id, { info, field, open, results: new Map() });
    return info;
  }

  async getSlice(req: SliceRequest): Promise<SliceData> {
    const ds = this.dataset(req.datasetId);
    const field = req.resultOf ? this.result(ds, req.resultOf).reconstruction : ds.field;
    if (req.plane) return planeOf(field, req.plane, req.at ?? []);
    return sliceOf(field, req.index ?? []);
  }

  async getVolume(req: VolumeRequest): Promise<VolumeData> {
    const ds = this.dataset(req.datasetId);
    const field = req.resultOf ? this.result(ds, req.resultOf).reconstruction : ds.field;
    return volumeOf(field, req.channel ?? 0, req.index ?? [], req.maxVoxels ?? 2 ** 22);
  }

  async thumbnail(req: ThumbnailRequest): Promise<Thumbnail> {
    const ds = this.dataset(req.datasetId);
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

  async exportResult(req: ExportRequest): Promise<ExportResult> {
    const ds = this.dataset(req.datasetId);
    const r = this.result(ds, req.jobId);
    const stem = `${ds.info.name.replace(/\.(nii\.gz|[^.]*)$/i, '')}-${r.method}`;
    if (req.what === 'model' || req.what === 'mesh') {
      if (req.what === 'mesh' && !r.mesh) throw new InrError('E_ARG', `job ${req.jobId} has no adaptive mesh (only ELM+BEAM fits have one)`);
      const bytes = req.what === 'model' ? r.model.bytes : new TextEncoder().encode(r.mesh!.json);
      const name = req.what === 'model' ? `${stem}-${r.model.name}` : `${stem}-mesh.json`;
      if (req.path) {
        writeFileAtomic(req.path, bytes);
        return { name: basename(req.path), path: req.path, files: 1 };
      }
      return { name, bytes, files: 1 };
    }
    // The task's output: the upsampled field of a super-resolution, else the reconstruction.
    const field = r.upsampled ?? r.reconstruction;
    if (req.path) {
      const w = writerFor(field.provenance.format);
      if (!w) throw new InrError('E_UNSUPPORTED', `no writer for ${field.provenance.format} data`);
      await w.write(req.path, field);
      return { name: basename(req.path), path: req.path, files: countFiles(req.path) };
    }
    const dir = mkdtempSync(join(this.scratch(), 'export-'));
    try {
      const written = await writeLikeSource(dir, `${stem}-${r.upsampled ? 'upsampled' : 'reconstruction'}`, field);
      if (!statSync(written).isDirectory()) return { name: basename(written), bytes: new Uint8Array(readFileSync(written)), files: 1 };
      const files: Record<string, Uint8Array> = {};
      for (const f of listFiles(written)) files[`${basename(written)}/${relative(written, f).split('\\').join('/')}`] = new Uint8Array(readFileSync(f));
      return { name: `${basename(written)}.zip`, bytes: zipSync(files, { level: 0 }), files: Object.keys(files).length };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async startJob(req: JobRequest): Promise<{ jobId: string }> {
    const ds = this.dataset(req.datasetId);
    const jobId = `job-${++this.seq}`;
    const ac = new AbortController();
    this.jobs.set(jobId, ac);
    const t0 = performance.now();
    const emit = (e: JobEvent) => this.listeners.forEach((l) => l(e));
    const onProgress = (p: { stage: string; fraction: number; metrics?: Record<string, number> }) =>
      emit({ type: 'progress', jobId, stage: p.stage, fraction: p.fraction, metrics: p.metrics, time: Date.now() });
    const onStart = () => emit({ type: 'started', jobId, kind: req.kind, time: Date.now() });
    const run = async () => {
      if (req.kind === 'stats') {
        const r = await this.runner.run<{ stats: DatasetInfo['stats'] }>('stats', { path: ds.info.path, open: ds.open }, { signal: ac.signal, onProgress, onStart });
        return { kind: 'stats' as const, seconds: (performance.now() - t0) / 1000, metrics: {}, stats: r.stats };
      }
      const params: FitJobParams = { path: ds.info.path, open: ds.open, method: req.method, task: req.task ?? 'fit', options: req.params ?? {}, hide: req.hide };
      const r = await this.runner.run<FitJobResult>('fit', params, { signal: ac.signal, onProgress, onStart });
      const f = ds.field;
      ds.results.set(jobId, {
        method: req.method,
        reconstruction: { ...f, values: r.reconstruction, mask: f.mask },
        upsampled: r.upsampled
          ? { ...f, shape: r.upsampled.shape, values: r.upsampled.values, mask: undefined, geometry: { ...f.geometry, spacing: r.upsampled.spacing, origin: r.upsampled.origin } }
          : undefined,
        model: r.model,
        mesh: r.mesh ? { info: { shape: r.mesh.shape, cells: r.mesh.cells }, json: r.mesh.json } : undefined,
      });
      return {
        kind: 'fit' as const,
        seconds: r.report.seconds,
        metrics: r.metrics,
        summary: r.summary,
        mesh: r.mesh ? { shape: r.mesh.shape, cells: r.mesh.cells } : undefined,
        exports: r.mesh ? (['reconstruction', 'model', 'mesh'] as const).slice() : (['reconstruction', 'model'] as const).slice(),
      };
    };
    run()
      .then((result) => emit({ type: 'done', jobId, result, time: Date.now() }))
      .catch((err) => emit({ type: 'error', jobId, error: serializeError(err), time: Date.now() }))
      .finally(() => this.jobs.delete(jobId));
    return { jobId };
  }

  async cancelJob(req: { jobId: string }): Promise<{ cancelled: boolean }> {
    const ac = this.jobs.get(req.jobId);
    if (!ac) return { cancelled: false };
    ac.abort();
    return { cancelled: true };
  }

  async close(): Promise<void> {
    for (const ac of this.jobs.values()) ac.abort();
    if (this.ownsRunner) await this.runner.close();
    if (this.uploadDir) rmSync(this.uploadDir, { recursive: true, force: true });
  }

  private dataset(id: string): OpenDataset {
    const ds = this.datasets.get(id);
    if (!ds) throw new InrError('E_ARG', `no open dataset '${id}'`);
    return ds;
  }

  private result(ds: OpenDataset, jobId: string): StoredResult {
    const r = ds.results.get(jobId);
    if (!r) throw new InrError('E_ARG', `no reconstruction for job ${jobId} of ${ds.info.name}`);
    return r;
  }

  private scratch(): string {
    this.uploadDir ??= mkdtempSync(join(tmpdir(), 'inr-studio-upload-'));
    return this.uploadDir;
  }

  private storeUpload(name: string, bytes: Uint8Array): string {
    const dir = mkdtempSync(join(this.scratch(), 'u'));
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  /** A dropped folder, rebuilt under the scratch folder with its relative layout. */
  private storeFolder(name: string, files: { path: string; bytes: Uint8Array }[]): string {
    if (files.length === 0) throw new InrError('E_EMPTY', `the folder ${name} is empty`);
    if (files.length > MAX_UPLOAD_FILES) throw new InrError('E_ARG', `the folder ${name} has ${files.length} files; at most ${MAX_UPLOAD_FILES} can be uploaded`);
    const total = files.reduce((a, f) => a + f.bytes.byteLength, 0);
    if (total > MAX_UPLOAD_BYTES) throw new InrError('E_ARG', `the folder ${name} holds ${(total / 2 ** 30).toFixed(1)} GB; at most 2 GB can be uploaded`);
    const root = join(mkdtempSync(join(this.scratch(), 'd')), name);
    for (const f of files) {
      const target = join(root, ...f.path.split('/'));
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, f.bytes);
    }
    return root;
  }
}

function listFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

function countFiles(path: string): number {
  return statSync(path).isDirectory() ? listFiles(path).length : 1;
}

/** Which listing entry is open: the one asked for, else the reader's default choice. */
function selectionOf(field: Field, req: OpenRequest): DatasetInfo['selection'] {
  const meta = field.provenance.meta ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const series = req.series ?? (field.provenance.format === 'dicom' ? str(meta.volumeId) ?? str(meta.seriesInstanceUid) : undefined);
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

/** Row-major strides of `shape`, in samples. */
function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

/** The plane spanned by axes `plane` = [row axis, column axis] through the sample `at`. */
export function planeOf(field: Field, plane: [number, number], at: number[]): SliceData {
  const d = field.shape.length;
  const [ra, ca] = plane;
  if (!(Number.isInteger(ra) && Number.isInteger(ca) && ra >= 0 && ca < d && ra < ca)) {
    throw new InrError('E_ARG', `plane axes [${ra}, ${ca}] are not two increasing axes of a ${d}-axis dataset`);
  }
  const strides = stridesOf(field.shape);
  let base = 0;
  for (let k = 0; k < d; k++) {
    if (k === ra || k === ca) continue;
    const i = at[k] ?? 0;
    if (!(Number.isInteger(i) && i >= 0 && i < field.shape[k])) throw new InrError('E_ARG', `index ${i} out of range on axis ${field.axes[k]} (size ${field.shape[k]})`);
    base += i * strides[k];
  }
  const height = field.shape[ra];
  const width = field.shape[ca];
  const C = field.channels.length;
  const values = new Float32Array(width * height * C);
  const mask = field.mask ? new Uint8Array(width * height) : undefined;
  const sr = strides[ra];
  const sc = strides[ca];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const src = base + r * sr + c * sc;
      const dst = r * width + c;
      for (let k = 0; k < C; k++) values[dst * C + k] = field.values[src * C + k];
      if (mask) mask[dst] = field.mask![src];
    }
  }
  return { width, height, channels: C, values, mask };
}

/**
 * One channel of the last three axes, block-averaged by a whole step per axis until it fits in
 * `maxVoxels`. Masked and non-finite samples are left out of the averages; a block with none
 * left is NaN.
 */
export function volumeOf(field: Field, channel: number, index: number[], maxVoxels: number): VolumeData {
  const d = field.shape.length;
  if (d < 3) throw new InrError('E_ARG', `${field.provenance.path || 'the dataset'} has ${d} axes; a volume needs 3`);
  const C = field.channels.length;
  if (!(Number.isInteger(channel) && channel >= 0 && channel < C)) throw new InrError('E_ARG', `channel ${channel} out of range (${C} channels)`);
  if (!(maxVoxels >= 1)) throw new InrError('E_ARG', 'maxVoxels must be at least 1');
  const [Z, Y, X] = field.shape.slice(-3);
  const strides = stridesOf(field.shape);
  let base = 0;
  for (let k = 0; k < d - 3; k++) {
    const i = index[k] ?? 0;
    if (!(Number.isInteger(i) && i >= 0 && i < field.shape[k])) throw new InrError('E_ARG', `index ${i} out of range on axis ${field.axes[k]} (size ${field.shape[k]})`);
    base += i * strides[k];
  }
  let step = Math.max(1, Math.ceil(Math.cbrt((Z * Y * X) / maxVoxels)));
  while (Math.ceil(Z / step) * Math.ceil(Y / step) * Math.ceil(X / step) > maxVoxels) step++;
  const sz = Math.min(step, Z);
  const sy = Math.min(step, Y);
  const sx = Math.min(step, X);
  const nz = Math.ceil(Z / sz);
  const ny = Math.ceil(Y / sy);
  const nx = Math.ceil(X / sx);
  const sum = new Float64Array(nz * ny * nx);
  const cnt = new Uint32Array(nz * ny * nx);
  const { values, mask } = field;
  for (let z = 0; z < Z; z++) {
    const oz = Math.floor(z / sz) * ny * nx;
    for (let y = 0; y < Y; y++) {
      const oy = oz + Math.floor(y / sy) * nx;
      const row = base + (z * Y + y) * X;
      for (let x = 0; x < X; x++) {
        const i = row + x;
        if (mask && !mask[i]) continue;
        const v = values[i * C + channel];
        if (!Number.isFinite(v)) continue;
        const o = oy + Math.floor(x / sx);
        sum[o] += v;
        cnt[o]++;
      }
    }
  }
  const out = new Float32Array(sum.length);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < out.length; i++) {
    if (cnt[i] === 0) {
      out[i] = NaN;
      continue;
    }
    const v = sum[i] / cnt[i];
    out[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const sp = field.geometry.spacing.slice(-3);
  return {
    shape: [nz, ny, nx],
    step: [sz, sy, sx],
    spacing: [sp[0] * sz, sp[1] * sy, sp[2] * sx],
    values: out,
    min: Number.isFinite(min) ? min : 0,
    max: Number.isFinite(max) ? max : 0,
  };
}

/** A gray 8-bit preview of one channel of a plane: area-averaged down to `size`, windowed. */
export function thumbnailOf(plane: SliceData, channel: number, size: number, window?: { center: number; width: number }): Thumbnail {
  const { width: W, height: H, channels: C } = plane;
  const scale = Math.min(1, size / Math.max(W, H));
  const width = Math.max(1, Math.round(W * scale));
  const height = Math.max(1, Math.round(H * scale));
  const acc = new Float64Array(width * height);
  const cnt = new Uint32Array(width * height);
  for (let y = 0; y < H; y++) {
    const ty = Math.min(height - 1, Math.floor((y * height) / H));
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      if (plane.mask && !plane.mask[i]) continue;
      const v = plane.values[i * C + channel];
      if (!Number.isFinite(v)) continue;
      const o = ty * width + Math.min(width - 1, Math.floor((x * width) / W));
      acc[o] += v;
      cnt[o]++;
    }
  }
  const avg: number[] = [];
  for (let i = 0; i < acc.length; i++) if (cnt[i]) avg.push((acc[i] /= cnt[i]));
  let lo: number;
  let hi: number;
  if (window && window.width > 0) {
    lo = window.center - window.width / 2;
    hi = window.center + window.width / 2;
  } else {
    avg.sort((a, b) => a - b);
    lo = avg.length ? avg[Math.floor(0.02 * (avg.length - 1))] : 0;
    hi = avg.length ? avg[Math.ceil(0.98 * (avg.length - 1))] : 1;
  }
  if (!(hi > lo)) hi = lo + 1;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    if (!cnt[i]) continue;
    pixels[i] = Math.max(0, Math.min(255, Math.round(((acc[i] - lo) / (hi - lo)) * 255)));
  }
  return { width, height, pixels };
}

/** The plane spanned by the last two axes at the given indices on the leading axes. */
export function sliceOf(field: Field, index: number[]): SliceData {
  const d = field.shape.length;
  const C = field.channels.length;
  if (d === 1) {
    return { width: field.shape[0], height: 1, channels: C, values: field.values.slice(), mask: field.mask?.slice() };
  }
  const height = field.shape[d - 2];
  const width = field.shape[d - 1];
  let offset = 0;
  for (let k = 0; k < d - 2; k++) {
    const i = index[k] ?? 0;
    if (i >= field.shape[k]) throw new InrError('E_ARG', `index ${i} out of range on axis ${field.axes[k]} (size ${field.shape[k]})`);
    offset = offset * field.shape[k] + i;
  }
  const n = width * height;
  offset *= n;
  if (offset + n > sampleCount(field.shape)) throw new InrError('E_ARG', 'slice out of range');
  return {
    width,
    height,
    channels: C,
    values: field.values.slice(offset * C, (offset + n) * C),
    mask: field.mask ? field.mask.slice(offset, offset + n) : undefined,
  };
}
