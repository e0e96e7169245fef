/**
 * Jobs and their results: a fit or statistics job starts on the runner with the dataset's field
 * (in shared memory), its progress becomes `JobEvent`s, and a finished fit leaves its
 * reconstruction and model files with the dataset until the dataset is released.
 */
import type { BeamMeshInfo, FitJobRequest, JobEvent, JobRequest, JobResult } from '../api/contract';
import { InrError, serializeError } from '../core/errors';
import type { Field } from '../core/field';
import type { JobRunner } from '../jobs/runner';
import type { FitJobParams, FitJobResult } from '../jobs/fit';
import type { StatsResult } from '../jobs/jobs';
import { methodDef } from '../methods/registry';
import type { OpenDataset } from './datasets';

/** What a finished fit left behind: its reconstruction and the files it can export. */
export interface StoredResult {
  method: string;
  reconstruction: Field;
  upsampled?: Field;
  /** CT: the sinogram (angle × detector). */
  sinogram?: Field;
  model?: { name: string; bytes: Uint8Array };
  mesh?: { info: BeamMeshInfo; json: string };
}

export class JobService {
  private readonly running = new Map<string, AbortController>();
  private readonly results = new Map<string, Map<string, StoredResult>>();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private seq = 0;

  constructor(
    private readonly runner: JobRunner,
    /** Whether a dataset is still held (a result of a released one is dropped). */
    private readonly isOpen: (datasetId: string) => boolean,
  ) {}

  onEvent(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(req: JobRequest, ds: OpenDataset): string {
    if (req.kind === 'fit') methodDef(req.method);
    const jobId = `job-${++this.seq}`;
    const ac = new AbortController();
    this.running.set(jobId, ac);
    const t0 = performance.now();
    const emit = (e: JobEvent) => this.listeners.forEach((l) => l(e));
    const onProgress = (p: { stage: string; fraction: number; metrics?: Record<string, number> }) =>
      emit({ type: 'progress', jobId, stage: p.stage, fraction: p.fraction, metrics: p.metrics, time: Date.now() });
    const onStart = () => emit({ type: 'started', jobId, kind: req.kind, time: Date.now() });
    const opts = { signal: ac.signal, onProgress, onStart };
    const run = async (): Promise<JobResult> => {
      if (req.kind === 'stats') {
        const r = await this.runner.run<StatsResult>('stats', { field: ds.field }, opts);
        return { kind: 'stats', seconds: (performance.now() - t0) / 1000, metrics: {}, stats: r.stats };
      }
      return this.fit(req, ds, opts, jobId);
    };
    run()
      .then((result) => emit({ type: 'done', jobId, result, time: Date.now() }))
      .catch((err) => emit({ type: 'error', jobId, error: serializeError(err), time: Date.now() }))
      .finally(() => this.running.delete(jobId));
    return jobId;
  }

  private async fit(req: FitJobRequest, ds: OpenDataset, opts: Parameters<JobRunner['run']>[2], jobId: string): Promise<JobResult> {
    const params: FitJobParams = { field: ds.field, method: req.method, task: req.task, params: req.params, hide: req.hide };
    const r = await this.runner.run<FitJobResult>('fit', params, opts);
    const f = ds.field;
    const stored: StoredResult = {
      method: req.method,
      reconstruction: { ...f, values: r.reconstruction, mask: f.mask },
      upsampled: r.upsampled
        ? { ...f, shape: r.upsampled.shape, values: r.upsampled.values, mask: undefined, geometry: { ...f.geometry, spacing: r.upsampled.spacing, origin: r.upsampled.origin } }
        : undefined,
      sinogram: r.sinogram
        ? {
            axes: ['angle', 'detector'],
            shape: r.sinogram.shape,
            channels: ['projection'],
            values: r.sinogram.values,
            dtype: 'float32',
            geometry: {
              spacing: [r.sinogram.angles.length > 1 ? r.sinogram.angles[1] - r.sinogram.angles[0] : 1, r.sinogram.pixelSize],
              origin: [r.sinogram.angles[0] ?? 0, -Math.floor(r.sinogram.shape[1] / 2) * r.sinogram.pixelSize],
              coordinates: { angle: { values: r.sinogram.angles, units: 'degrees' } },
            },
            provenance: { format: 'sinogram', path: f.provenance.path },
          }
        : undefined,
      model: r.model,
      mesh: r.mesh ? { info: { shape: r.mesh.shape, cells: r.mesh.cells }, json: r.mesh.json } : undefined,
    };
    // The dataset may have been released while the job ran: then its result goes too.
    if (this.isOpen(ds.info.id)) {
      const store = this.results.get(ds.info.id) ?? new Map<string, StoredResult>();
      store.set(jobId, stored);
      this.results.set(ds.info.id, store);
    }
    return {
      kind: 'fit',
      seconds: r.report.seconds,
      metrics: r.metrics,
      summary: r.summary,
      mesh: stored.mesh?.info,
      exports: [
        'reconstruction',
        ...(stored.model ? (['model'] as const) : []),
        ...(stored.mesh ? (['mesh'] as const) : []),
        // An occupancy grid's fit has a surface (its ½ level) to export as a mesh file.
        ...(ds.field.provenance.format === 'occupancy' && ds.field.shape.length === 3 ? (['surface'] as const) : []),
      ],
      ...(r.upsampled ? { resampled: { shape: [...r.upsampled.shape], spacing: [...r.upsampled.spacing], origin: [...r.upsampled.origin] } } : {}),
      ...(r.sinogram ? { sinogram: { shape: [...r.sinogram.shape], angles: [...r.sinogram.angles] } } : {}),
    };
  }

  cancel(jobId: string): boolean {
    const ac = this.running.get(jobId);
    if (!ac) return false;
    ac.abort();
    return true;
  }

  result(datasetId: string, datasetName: string, jobId: string): StoredResult {
    const r = this.results.get(datasetId)?.get(jobId);
    if (!r) throw new InrError('E_ARG', `no reconstruction for job ${jobId} of ${datasetName}`);
    return r;
  }

  /** Forget a released dataset's results. */
  release(datasetId: string): void {
    this.results.delete(datasetId);
  }

  cancelAll(): void {
    for (const ac of this.running.values()) ac.abort();
  }
}
