/**
 * The engine behind the API contract, in process. The Electron IPC handlers and the WebSocket
 * bridge both forward to one `EngineService`; tests use it directly. It keeps the open datasets
 * (for slicing) and the jobs, and turns runner callbacks into `JobEvent`s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  Capabilities,
  DatasetInfo,
  EngineApi,
  JobEvent,
  JobRequest,
  OpenRequest,
  SliceData,
  SliceRequest,
} from '../api/contract';
import { InrError, serializeError } from '../core/errors';
import { sampleCount, type Field } from '../core/field';
import { demoDatasetPath } from '../core/paths';
import { describeDataset, type OpenOptions } from '../data/index';
import { JobRunner } from '../jobs/runner';
import type { FitJobParams, FitJobResult } from '../jobs/fit';

export const VERSION = '0.1.0';

interface OpenDataset {
  info: DatasetInfo;
  field: Field;
  open: OpenOptions;
  results: Map<string, Field>;
}

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

  async open(req: OpenRequest): Promise<DatasetInfo> {
    let path: string;
    if (req.demo) path = demoDatasetPath();
    else if (req.upload) path = this.storeUpload(req.upload.name, req.upload.bytes);
    else if (req.path) path = req.path;
    else throw new InrError('E_ARG', 'open needs a path, an upload or demo');
    const open: OpenOptions = { series: req.series, variable: req.variable, index: req.index };
    const { field, summary } = await describeDataset(path, open);
    const id = `ds-${++this.seq}`;
    const info: DatasetInfo = {
      id,
      path: summary.path,
      name: req.upload ? req.upload.name : summary.name,
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
    };
    this.datasets.set(id, { info, field, open, results: new Map() });
    return info;
  }

  async getSlice(req: SliceRequest): Promise<SliceData> {
    const ds = this.dataset(req.datasetId);
    let field = ds.field;
    if (req.resultOf) {
      const r = ds.results.get(req.resultOf);
      if (!r) throw new InrError('E_ARG', `no reconstruction for job ${req.resultOf}`);
      field = r;
    }
    return sliceOf(field, req.index ?? []);
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
      const params: FitJobParams = { path: ds.info.path, open: ds.open, method: req.method, task: req.task ?? 'fit', options: req.params ?? {} };
      const r = await this.runner.run<FitJobResult>('fit', params, { signal: ac.signal, onProgress, onStart });
      ds.results.set(jobId, { ...ds.field, values: r.reconstruction, mask: undefined });
      return { kind: 'fit' as const, seconds: r.report.seconds, metrics: r.metrics, summary: r.summary };
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

  private storeUpload(name: string, bytes: Uint8Array): string {
    this.uploadDir ??= mkdtempSync(join(tmpdir(), 'inr-studio-upload-'));
    const dir = mkdtempSync(join(this.uploadDir, 'u'));
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  }
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
