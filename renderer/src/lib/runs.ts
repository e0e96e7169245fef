/**
 * The runs of a dataset as the chart and the runs table see them: one coloured PSNR-against-time
 * series per run, and the metrics CSV of the table. Pure: plain records in, plain data out.
 */
import type { FitJobRequest, JobMetrics, JobResult } from '../../../main/api/contract';

export type RunPhase = 'starting' | 'running' | 'done' | 'error' | 'cancelled';

/** What this module needs of a job record (state/jobs.ts JobRecord fits). */
export interface RunLike {
  jobId: string;
  /** The run's number within its dataset (1, 2, 3… as the user sees them); absent: from the job id. */
  number?: number;
  phase: RunPhase;
  method?: string;
  task?: string;
  datasetName?: string;
  params?: FitJobRequest['params'];
  points: ReadonlyArray<{ t: number; psnr: number }>;
  metrics?: JobMetrics;
  result?: JobResult;
}

export interface ChartSeries {
  id: string;
  label: string;
  color: string;
  points: { t: number; v: number }[];
  /** Still running: drawn as a live line with a moving end point. */
  live: boolean;
  /** Finished with a final value. */
  done: boolean;
  selected: boolean;
  /** Drawn (false: toggled off in the legend, still listed there). */
  visible: boolean;
}

/**
 * Run colours: distinct hues that read on the dark and on the light panel alike (mid
 * lightness, no near-white or near-black entries). Run n takes colour (n − 1) mod 10.
 */
export const RUN_COLORS = ['#3d8bfd', '#f08c2e', '#2fb67c', '#e0525d', '#9b6bdf', '#c59b12', '#1aa7c0', '#d563b1', '#7f8c2a', '#8c6a4f'] as const;

/** The number in a job id (`job-12` → 12), or NaN. */
function runNumber(jobId: string): number {
  const m = /(\d+)$/.exec(jobId);
  return m ? Number(m[1]) : NaN;
}

/** A run as the labels know it: its job id, or the record with its per-dataset number. */
export type RunRef = string | { jobId: string; number?: number };

function numberOf(r: RunRef): number {
  return typeof r === 'string' ? runNumber(r) : (r.number ?? runNumber(r.jobId));
}

/** A stable colour per run: by its number, so a run keeps its colour as others come. */
export function runColor(r: RunRef, fallbackIndex = 0): string {
  const n = numberOf(r);
  const k = Number.isFinite(n) ? n - 1 : fallbackIndex;
  return RUN_COLORS[((k % RUN_COLORS.length) + RUN_COLORS.length) % RUN_COLORS.length];
}

/** `#3`: the run's number in its dataset (from `job-3` for a bare job id). */
export function runLabel(r: RunRef): string {
  if (typeof r !== 'string' && r.number !== undefined) return `#${r.number}`;
  const id = typeof r === 'string' ? r : r.jobId;
  return id.replace(/^job-/, '#');
}

/**
 * The number the next run of a dataset takes: one more than the highest its runs have, so the
 * runs of each dataset are numbered 1, 2, 3… without gaps, whatever other datasets ran between.
 */
export function nextRunNumber(runs: readonly { datasetKey?: string; number?: number }[], datasetKey: string): number {
  let n = 0;
  for (const r of runs) if (r.datasetKey === datasetKey && r.number !== undefined) n = Math.max(n, r.number);
  return n + 1;
}

/**
 * What identifies a dataset across re-openings (the engine gives a new id each time): the path
 * it was opened from and the series or variable chosen in it. A mesh voxelised at another
 * resolution is another dataset (its runs are scored on another grid): its key adds the grid's
 * longest axis, which is the resolution asked for.
 */
export function datasetKeyOf(info: {
  path: string;
  selection?: { series?: string; variable?: string };
  format?: string;
  shape?: readonly number[];
  occupancyRule?: string;
}): string {
  const parts = [info.path, info.selection?.series ?? '', info.selection?.variable ?? ''];
  if (info.format === 'occupancy' && info.shape?.length) parts.push(`res ${Math.max(...info.shape)}`);
  // A volume's occupancy by another threshold or clean-up is another dataset.
  if (info.format === 'occupancy' && info.occupancyRule) parts.push(info.occupancyRule);
  return parts.join('\u0000');
}

/** Short method names for legends and the table, from the engine's registry (state/catalog.ts). */
const methodNames = new Map<string, string>();

export function setMethodNames(names: Record<string, string>): void {
  methodNames.clear();
  for (const [id, short] of Object.entries(names)) methodNames.set(id, short);
}

/** `ELM`, `SIREN+IGA`: the registry's short name, the id when it is not known. */
export function methodShort(method: string | undefined, params?: FitJobRequest['params']): string {
  if (!method) return '?';
  const iga = params !== undefined && 'iga' in params && params.iga === true;
  return `${methodNames.get(method) ?? method}${iga ? '+IGA' : ''}`;
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * One series per run that has at least one finite PSNR point (or is still running), in the
 * order given; `hidden` ids are kept but not visible. Points are sorted by time and non-finite
 * ones dropped.
 */
export function chartSeries(runs: readonly RunLike[], opts: { hidden?: ReadonlySet<string>; selected?: string | null } = {}): ChartSeries[] {
  const out: ChartSeries[] = [];
  runs.forEach((r, i) => {
    if (r.phase === 'error') return;
    const live = r.phase === 'starting' || r.phase === 'running';
    const points = r.points
      .filter((p) => finite(p.t) && finite(p.psnr))
      .map((p) => ({ t: Math.max(0, p.t), v: p.psnr }))
      .sort((a, b) => a.t - b.t);
    const done = r.phase === 'done' && finite(r.result?.metrics.psnr);
    if (done && points.length === 0) points.push({ t: Math.max(0, r.result!.seconds), v: r.result!.metrics.psnr });
    if (!points.length && !live) return;
    out.push({
      id: r.jobId,
      label: `${runLabel(r)} ${methodShort(r.method, r.params)}`,
      color: runColor(r, i),
      points,
      live,
      done,
      selected: opts.selected === r.jobId,
      visible: !opts.hidden?.has(r.jobId),
    });
  });
  return out;
}

export interface ChartScale {
  tMax: number;
  vMin: number;
  vMax: number;
}

/** Axis ranges covering every point of the visible series, with a little headroom. */
export function chartScale(series: readonly Pick<ChartSeries, 'points' | 'visible'>[]): ChartScale | null {
  let tMax = 0;
  let vMin = Infinity;
  let vMax = -Infinity;
  let any = false;
  for (const s of series) {
    if (!s.visible) continue;
    for (const p of s.points) {
      any = true;
      tMax = Math.max(tMax, p.t);
      vMin = Math.min(vMin, p.v);
      vMax = Math.max(vMax, p.v);
    }
  }
  if (!any) return null;
  tMax = tMax > 0 ? tMax * 1.08 : 1;
  if (!(vMax > vMin)) {
    vMin -= 1;
    vMax += 1;
  }
  const pad = (vMax - vMin) * 0.12;
  return { tMax, vMin: vMin - pad, vMax: vMax + pad };
}

// ---- metrics CSV -------------------------------------------------------------------------------

export const CSV_COLUMNS = [
  'run',
  'dataset',
  'method',
  'task',
  'status',
  'params',
  'parameters',
  'seconds',
  'psnr',
  'ssim',
  'psnr_unobserved',
  'rmse',
  'mae',
  'backend',
  'cells',
  'hidden',
  'iou',
  'views',
] as const;

/** One CSV field: quoted when it holds a comma, quote, or line break; quotes doubled (RFC 4180). */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s: string;
  if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : '';
  else s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `hidden=64;overlap=0.15`: the request's parameters, keys sorted. */
export function paramsText(params: FitJobRequest['params'] | undefined): string {
  if (!params) return '';
  return Object.entries(params)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('x') : String(v)}`)
    .join(';');
}

/** The runs table as CSV (header + one line per run, CRLF line ends as RFC 4180 has them). */
export function metricsCsv(runs: readonly RunLike[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of runs) {
    const m = r.result?.metrics ?? {};
    const s = r.result?.summary ?? {};
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      run: runLabel(r),
      dataset: r.datasetName,
      method: r.method ?? s.method,
      task: r.task ?? s.task,
      status: r.phase,
      params: paramsText(r.params),
      parameters: m.params ?? s.params,
      seconds: r.result?.seconds,
      psnr: m.psnr,
      ssim: m.ssim,
      psnr_unobserved: m.psnr_unobserved,
      rmse: m.rmse,
      mae: m.mae,
      backend: s.backend,
      cells: s.cells,
      hidden: s.hidden,
      iou: m.iou,
      views: r.result?.sinogram?.shape[0],
    };
    lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
