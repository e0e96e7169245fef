/**
 * Jobs as the UI sees them: one record per job id, fed by the engine's job events. Events may
 * arrive before `startJob` answers with the id, so a record is created by whichever comes first.
 *
 * Runs belong to their dataset (`datasetKey`, stable across re-openings) and are numbered 1, 2,
 * 3… within it. A run's outputs live in the engine with the dataset copy it ran on
 * (`datasetId`); once the engine has released that copy they are gone, and the run stays as
 * history (its metrics and PSNR curve) with its outputs marked unavailable.
 */
import { computed, ref } from 'vue';
import { api } from '../api';
import type { FitJobRequest, JobEvent, JobKind, JobMetrics, JobResult, WireError } from '../api';
import { estimateEta } from '../lib/format';
import { datasetKeyOf, nextRunNumber } from '../lib/runs';
import { reportError } from './banners';
import { dataset, datasetKey, showResult } from './session';

export type JobPhase = 'starting' | 'running' | 'done' | 'error' | 'cancelled';

export interface MetricPoint {
  /** Seconds since the job started. */
  t: number;
  psnr: number;
}

export interface JobRecord {
  jobId: string;
  kind: JobKind;
  phase: JobPhase;
  /** The engine's copy of the dataset the run used (its outputs live there). */
  datasetId?: string;
  /** The dataset the run belongs to, across re-openings (`datasetKeyOf`). */
  datasetKey?: string;
  /** The run's number within its dataset: 1, 2, 3… */
  number?: number;
  datasetName?: string;
  method?: string;
  /** The engine task, and the panel's name for it where it differs (through-plane interpolation). */
  task?: string;
  /** Samples hidden with the brush (inpainting with a painted mask). */
  hiddenSamples?: number;
  params?: FitJobRequest['params'];
  stage: string;
  fraction: number;
  /** Engine clock (ms) of the first event, the base of `points[].t`. */
  t0?: number;
  /** Client clock (ms) when the job was asked for, for elapsed time and ETA. */
  requestedAt: number;
  /** Client clock (ms) when the remaining time was last estimated, and that estimate (s). */
  etaAt?: number;
  eta?: number;
  metrics: JobMetrics;
  points: MetricPoint[];
  result?: JobResult;
  error?: WireError;
  cancelling: boolean;
}

export const jobs = ref<JobRecord[]>([]);

/** The job the status bar follows: the newest one still running, else the newest one. */
export const activeJob = computed<JobRecord | undefined>(() => {
  const list = jobs.value;
  for (let i = list.length - 1; i >= 0; i--) if (list[i].phase === 'starting' || list[i].phase === 'running') return list[i];
  return undefined;
});

/** The open dataset's newest job: its outcome is what the status bar reports. */
export const lastJob = computed<JobRecord | undefined>(() => {
  const list = jobs.value;
  for (let i = list.length - 1; i >= 0; i--) if (list[i].datasetKey === datasetKey.value) return list[i];
  return undefined;
});

/** The fit runs of the open dataset, oldest first, across every time it was opened. */
export const datasetRuns = computed<JobRecord[]>(() => jobs.value.filter((j) => j.kind === 'fit' && j.datasetKey !== undefined && j.datasetKey === datasetKey.value));

/** Whether a run's outputs can still be shown and exported: the engine holds the dataset copy it ran on. */
export function outputsAvailable(r: Pick<JobRecord, 'datasetId' | 'phase'>): boolean {
  return r.phase === 'done' && !!r.datasetId && r.datasetId === dataset.value?.id;
}

function record(jobId: string, kind: JobKind = 'fit'): JobRecord {
  let r = jobs.value.find((j) => j.jobId === jobId);
  if (!r) {
    jobs.value.push({ jobId, kind, phase: 'starting', stage: 'starting', fraction: 0, requestedAt: Date.now(), metrics: {}, points: [], cancelling: false });
    r = jobs.value[jobs.value.length - 1]; // the reactive proxy
  }
  return r;
}

function onEvent(e: JobEvent): void {
  const r = record(e.jobId, e.type === 'started' ? e.kind : undefined);
  r.t0 ??= e.time;
  switch (e.type) {
    case 'started':
      r.kind = e.kind;
      if (r.phase === 'starting') r.phase = 'running';
      r.t0 = e.time;
      break;
    case 'progress': {
      if (r.phase === 'starting') r.phase = 'running';
      r.stage = e.stage;
      r.fraction = e.fraction;
      if (e.metrics) {
        r.metrics = { ...r.metrics, ...e.metrics };
        const psnr = e.metrics.psnr;
        if (typeof psnr === 'number' && Number.isFinite(psnr)) r.points.push({ t: (e.time - r.t0) / 1000, psnr });
      }
      const now = Date.now();
      const eta = estimateEta(e.fraction, (now - r.requestedAt) / 1000);
      r.eta = eta;
      r.etaAt = now;
      break;
    }
    case 'done':
      r.phase = 'done';
      r.fraction = 1;
      r.stage = 'done';
      r.result = e.result;
      r.metrics = { ...r.metrics, ...e.result.metrics };
      if (typeof e.result.metrics.psnr === 'number' && Number.isFinite(e.result.metrics.psnr)) {
        r.points.push({ t: Math.max(e.result.seconds, (e.time - r.t0) / 1000), psnr: e.result.metrics.psnr });
      }
      if (r.kind === 'fit' && r.datasetId && r.datasetId === dataset.value?.id) showResult(r.jobId, e.result.resampled);
      break;
    case 'error':
      r.error = e.error;
      r.phase = e.error.code === 'E_CANCELLED' ? 'cancelled' : 'error';
      r.stage = r.phase === 'cancelled' ? 'cancelled' : 'failed';
      // A failure of another dataset's run stays in its row; the banner is for the dataset on screen.
      if (r.phase === 'error' && (r.kind !== 'fit' || (r.datasetKey !== undefined && r.datasetKey === datasetKey.value)))
        reportError(e.error, r.kind === 'fit' ? 'The fit failed' : 'The job failed');
      break;
  }
}

let unsubscribe: (() => void) | undefined;

/** Start listening to job events (once, at start-up). */
export function listenToJobs(): () => void {
  unsubscribe ??= api.onJobEvent(onEvent);
  return () => {
    unsubscribe?.();
    unsubscribe = undefined;
  };
}

/** Start a fit of the open dataset. Returns the job id, or undefined where it could not start. */
export async function startFit(req: Omit<FitJobRequest, 'kind' | 'datasetId'>, label?: { task?: string }): Promise<string | undefined> {
  const ds = dataset.value;
  if (!ds) return undefined;
  const requestedAt = Date.now();
  try {
    const { jobId } = await api.startJob({ kind: 'fit', datasetId: ds.id, ...req });
    const r = record(jobId, 'fit');
    let hiddenSamples: number | undefined;
    if (req.hide) {
      hiddenSamples = 0;
      for (let i = 0; i < req.hide.length; i++) hiddenSamples += req.hide[i] ? 1 : 0;
    }
    const key = datasetKeyOf(ds);
    const number = nextRunNumber(jobs.value, key);
    Object.assign(r, {
      kind: 'fit',
      datasetId: ds.id,
      datasetKey: key,
      number,
      datasetName: ds.name,
      method: req.method,
      task: label?.task ?? req.task ?? 'fit',
      hiddenSamples,
      params: req.params,
      requestedAt,
    });
    // A job that finished before its id came back: show its result now.
    if (r.phase === 'done' && ds.id === dataset.value?.id) showResult(jobId, r.result?.resampled);
    // One that failed before: its banner was held back until it was known to be this dataset's.
    if (r.phase === 'error' && r.error && ds.id === dataset.value?.id) reportError(r.error, 'The fit failed');
    return jobId;
  } catch (err) {
    reportError(err, 'Could not start the fit');
    return undefined;
  }
}

export async function cancelJob(jobId: string): Promise<void> {
  const r = jobs.value.find((j) => j.jobId === jobId);
  if (r) r.cancelling = true;
  try {
    const { cancelled } = await api.cancelJob({ jobId });
    if (!cancelled && r && (r.phase === 'starting' || r.phase === 'running')) r.cancelling = false;
  } catch (err) {
    if (r) r.cancelling = false;
    reportError(err, 'Could not cancel the job');
  }
}
