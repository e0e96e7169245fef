/**
 * The engine behind the API contract, in process. The Electron IPC handlers and the WebSocket
 * bridge both forward to one `EngineService`; tests use it directly. It wires three concerns:
 * the datasets it holds (datasets.ts), the jobs and their results (jobs.ts) and export
 * (export.ts).
 */
import type {
  BackendInfo,
  Capabilities,
  CallOptions,
  DatasetInfo,
  EngineApi,
  ExportRequest,
  ExportResult,
  JobEvent,
  JobRequest,
  MethodCatalog,
  OpenRequest,
  ResultOutput,
  SliceData,
  SliceRequest,
  Thumbnail,
  ThumbnailRequest,
  VolumeData,
  VolumeRequest,
} from '../api/contract';
import { InrError } from '../core/errors';
import { JobRunner } from '../jobs/runner';
import { processPoolInit } from '../inr/elm/parallel';
import { backendInfos } from './backends';
import { methodCatalog } from '../methods/registry';
import { DatasetStore } from './datasets';
import { JobService } from './jobs';
import { exportResult } from './export';

export const VERSION = '0.1.0';

export interface EngineOptions {
  mode?: Capabilities['mode'];
  runner?: JobRunner;
  /** Datasets held at once before the least recently used is released. */
  maxOpenDatasets?: number;
}

export class EngineService implements EngineApi {
  private readonly datasets: DatasetStore;
  private readonly jobs: JobService;
  private readonly runner: JobRunner;
  private readonly ownsRunner: boolean;

  constructor(private readonly opts: EngineOptions = {}) {
    // The jobs' threads share the process's ELM pool (one pool per process, not per job thread).
    this.runner = opts.runner ?? new JobRunner({ workerInit: processPoolInit });
    this.ownsRunner = !opts.runner;
    this.datasets = new DatasetStore(opts.maxOpenDatasets);
    this.jobs = new JobService(this.runner, (id) => this.datasets.has(id));
    this.datasets.onRelease = (id) => this.jobs.release(id);
  }

  onJobEvent(listener: (e: JobEvent) => void): () => void {
    return this.jobs.onEvent(listener);
  }

  async capabilities(): Promise<Capabilities> {
    return { mode: this.opts.mode ?? 'test', nativeDialogs: false, version: VERSION };
  }

  async methods(): Promise<MethodCatalog> {
    return methodCatalog();
  }

  async pickFile(): Promise<string | null> {
    return null;
  }

  async pickSavePath(_req: { suggestedName: string }): Promise<string | null> {
    return null;
  }

  open(req: OpenRequest, opts: CallOptions = {}): Promise<DatasetInfo> {
    return this.datasets.open(req, opts.signal);
  }

  async closeDataset(req: { datasetId: string }): Promise<{ closed: boolean }> {
    return { closed: this.datasets.close(req.datasetId) };
  }

  async getSlice(req: SliceRequest): Promise<SliceData> {
    return this.datasets.slice(this.fieldOf(req.datasetId, req.resultOf, req.output), req);
  }

  async getVolume(req: VolumeRequest, opts: CallOptions = {}): Promise<VolumeData> {
    return this.datasets.volume(this.fieldOf(req.datasetId, req.resultOf, req.output), req, opts.signal);
  }

  backends(): Promise<BackendInfo[]> {
    return backendInfos();
  }

  thumbnail(req: ThumbnailRequest): Promise<Thumbnail> {
    return this.datasets.thumbnail(req);
  }

  exportResult(req: ExportRequest, opts: CallOptions = {}): Promise<ExportResult> {
    const ds = this.datasets.get(req.datasetId);
    const r = this.jobs.result(ds.info.id, ds.info.name, req.jobId);
    return exportResult({ name: ds.info.name, patientData: ds.info.patientData === true, scratch: this.datasets.scratch() }, r, req, opts.signal);
  }

  async startJob(req: JobRequest): Promise<{ jobId: string }> {
    return { jobId: this.jobs.start(req, this.datasets.get(req.datasetId)) };
  }

  async cancelJob(req: { jobId: string }): Promise<{ cancelled: boolean }> {
    return { cancelled: this.jobs.cancel(req.jobId) };
  }

  async close(): Promise<void> {
    this.jobs.cancelAll();
    if (this.ownsRunner) await this.runner.close();
    this.datasets.closeAll();
  }

  /** The source field, or a job's reconstruction of it (on the source grid, or resampled). */
  private fieldOf(datasetId: string, resultOf?: string, output: ResultOutput = 'reconstruction') {
    const ds = this.datasets.get(datasetId);
    if (!resultOf) return ds.field;
    const r = this.jobs.result(ds.info.id, ds.info.name, resultOf);
    if (output === 'reconstruction') return r.reconstruction;
    if (output === 'sinogram') {
      if (!r.sinogram) throw new InrError('E_ARG', `job ${resultOf} of ${ds.info.name} has no sinogram (only CT tasks have one)`);
      return r.sinogram;
    }
    if (!r.upsampled) throw new InrError('E_ARG', `job ${resultOf} of ${ds.info.name} has no resampled output (only super-resolution and through-plane tasks have one)`);
    return r.upsampled;
  }
}
