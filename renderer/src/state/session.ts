/**
 * The open dataset and what the views show of it: the slice position, the current slice, the
 * display settings, and the run being compared (its reconstruction on the source grid, or the
 * resampled output of a super-resolution or through-plane run at its own resolution). Views read
 * these refs; only the functions here change them.
 *
 * Datasets are remembered by what identifies them across re-openings (path and series or
 * variable, `datasetKeyOf`): returning to one reuses the engine's copy while the engine still
 * holds it (its runs' results stay viewable), else opens it again; its display and slice
 * position come back as they were.
 */
import { computed, ref, shallowRef } from 'vue';
import { loadCatalog } from './catalog';
import { api } from '../api';
import type { Capabilities, DatasetInfo, OccupancyRequest, OpenRequest, ResampledGrid, ResultOutput, SliceData } from '../api';
import { absErrorSlice, quantile } from '../lib/compare';
import type { GridInfo } from '../lib/coords';
import { defaultDisplay, grayDisplay, type DisplaySettings } from '../lib/display';
import { baseName } from '../lib/format';
import { latestQueue } from '../lib/latest';
import { nearestPosition, resampledGridInfo, withSourceMask } from '../lib/resampled';
import { datasetKeyOf } from '../lib/runs';
import { clampIndex, leadingAxes } from '../lib/slicing';
import { sourceLabel } from '../lib/browse';
import { dismissAllBanners, reportError } from './banners';
import { recordRecent } from './recent';

/** `surfaces`: the source's and a run's isosurfaces side by side (volumes). */
export type Layout = 'single' | 'split' | 'compare' | 'planes' | 'surfaces';

export const capabilities = shallowRef<Capabilities | null>(null);
export const dataset = shallowRef<DatasetInfo | null>(null);
/** What identifies the open dataset across re-openings (`datasetKeyOf`). */
export const datasetKey = computed(() => (dataset.value ? datasetKeyOf(dataset.value) : ''));
/** What is being opened right now (a file name), for the busy indicator. */
export const opening = ref<string | null>(null);
export const sliceIndex = ref<number[]>([]);
export const slice = shallowRef<SliceData | null>(null);
export const sliceLoading = ref(false);
export const display = ref<DisplaySettings | null>(null);
export const layout = ref<Layout>('split');

/** The fit job whose reconstruction is compared with the source, and its slices. */
export const resultJobId = ref<string | null>(null);
export const reconSlice = shallowRef<SliceData | null>(null);
export const errorSlice = shallowRef<SliceData | null>(null);
export const errorDisplay = ref<DisplaySettings | null>(null);

/** The compared run's resampled grid (super-resolution, through-plane), when it has one. */
export const resultResampled = shallowRef<ResampledGrid | null>(null);
/** Which output of the compared run the result views show. */
export const resultOutput = ref<ResultOutput>('reconstruction');
/** The grid the result views show: the resampled output's, else null (the source's). */
export const resampledGrid = computed<GridInfo | null>(() =>
  dataset.value && resultResampled.value && resultOutput.value === 'resampled' ? resampledGridInfo(dataset.value, resultResampled.value) : null,
);
/** The slice position on the resampled grid, linked to `sliceIndex` (nearest physical position). */
export const fineIndex = ref<number[]>([]);
/** True while the compare views show the resampled output (two views, no |error|). */
export const compareResampled = computed(() => layout.value === 'compare' && !!resampledGrid.value);
/** Whether the planes layout shows the reconstruction (set by state/ortho.ts). */
export const planesShowRecon = ref(false);
/** True while the slice controls and keys move through the resampled grid. */
export const fineActive = computed(() => !!resampledGrid.value && (layout.value === 'compare' || (layout.value === 'planes' && planesShowRecon.value)));

export const axes = computed(() => (dataset.value ? leadingAxes(dataset.value) : []));
export const fineAxes = computed(() => (resampledGrid.value ? leadingAxes(resampledGrid.value) : []));

interface SliceKey {
  datasetId: string;
  index: number[];
  resultOf: string | null;
  output: ResultOutput;
  resultIndex: number[];
}
interface SliceAnswer {
  source: SliceData;
  recon: SliceData | null;
}

const slices = latestQueue<SliceKey, SliceAnswer>(
  async (k) => {
    sliceLoading.value = true;
    const [source, recon] = await Promise.all([
      api.getSlice({ datasetId: k.datasetId, index: k.index }),
      k.resultOf
        ? api.getSlice({ datasetId: k.datasetId, index: k.resultIndex, resultOf: k.resultOf, ...(k.output === 'resampled' ? { output: 'resampled' as const } : {}) })
        : Promise.resolve(null),
    ]);
    return { source, recon };
  },
  (r, k) => {
    sliceLoading.value = false;
    if (dataset.value?.id !== k.datasetId) return;
    slice.value = r.source;
    setComparison(r.source, r.recon, k.output);
  },
  (err, k) => {
    sliceLoading.value = false;
    if (dataset.value?.id === k.datasetId) reportError(err, 'Could not load the slice');
  },
);

function setComparison(source: SliceData, recon: SliceData | null, output: ResultOutput): void {
  if (!recon) {
    reconSlice.value = null;
    errorSlice.value = null;
    return;
  }
  if (output === 'resampled') {
    // Another grid: no sample-by-sample error; the source's nodata stays nodata on it.
    const ds = dataset.value;
    const g = resampledGrid.value;
    reconSlice.value = ds && g ? withSourceMask(recon, g, source, ds) : recon;
    errorSlice.value = null;
    return;
  }
  try {
    const err = absErrorSlice(source, recon);
    // Keep the error colour scale while scrolling through one result; set it on the first slice.
    if (!errorDisplay.value) {
      const top = quantile(err, 0.99);
      const hi = Number.isFinite(top) && top > 0 ? top : 1;
      errorDisplay.value = grayDisplay({ center: hi / 2, width: hi }, 'magma');
    }
    reconSlice.value = recon;
    errorSlice.value = err;
  } catch (e) {
    reportError(e, 'Cannot compare the reconstruction');
  }
}

function requestSlice(): void {
  const ds = dataset.value;
  if (!ds) return;
  const resampled = !!resampledGrid.value && !!resultJobId.value;
  slices.request({
    datasetId: ds.id,
    index: [...sliceIndex.value],
    resultOf: resultJobId.value,
    output: resampled ? 'resampled' : 'reconstruction',
    resultIndex: resampled ? [...fineIndex.value] : [...sliceIndex.value],
  });
}

let openSeq = 0;

/**
 * Where the open dataset came from, for opening another of its series or variables: the path
 * the user opened (a DICOM folder stays the folder, even where the dataset names a file in it),
 * or the engine's own copy of an upload. `recent`: listed in the recent files.
 */
export interface OpenedSource {
  path: string;
  recent: boolean;
  /** A volume opened as its occupancy: how (the request's `occupancy`). */
  occupancy?: OccupancyRequest;
}
export const openedFrom = shallowRef<OpenedSource | null>(null);

export interface OpenOptions {
  /** The source to remember instead of the request's path (re-opening with another series). */
  source?: OpenedSource;
  /** Called with the failure, after its banner is shown. */
  onError?: (err: unknown) => void;
}

/** What the session remembers of a dataset it has shown, by `datasetKeyOf`. */
interface Remembered {
  info: DatasetInfo;
  display: DisplaySettings | null;
  sliceIndex: number[];
  source: OpenedSource;
}
const remembered = new Map<string, Remembered>();
/** Request → dataset key, for requests that name a path (the reader's default variable or series included). */
const keyOfRequest = new Map<string, string>();

function requestKey(req: OpenRequest): string | undefined {
  if (req.demo) return 'demo';
  if (!req.path || req.index) return undefined;
  return [req.path, req.series ?? '', req.variable ?? '', req.res ?? '', req.occupancy ? JSON.stringify(req.occupancy) : ''].join('\u0000');
}

/** The engine's copy of a dataset shown before, if the engine still holds it. */
async function stillOpen(req: OpenRequest): Promise<Remembered | undefined> {
  const rk = requestKey(req);
  const key = rk ? keyOfRequest.get(rk) : undefined;
  const r = key ? remembered.get(key) : undefined;
  if (!r) return undefined;
  try {
    await api.getSlice({ datasetId: r.info.id, index: leadingAxes(r.info).map(() => 0) });
    return r;
  } catch {
    // Released (the engine keeps a few datasets; closed, or the engine restarted): open it again.
    return undefined;
  }
}

/** Keep the display and position of the dataset being left, for when the user comes back. */
function rememberCurrent(): void {
  const ds = dataset.value;
  const key = datasetKey.value;
  const r = key ? remembered.get(key) : undefined;
  if (ds && r && r.info.id === ds.id)
    Object.assign(r, { display: display.value ? (JSON.parse(JSON.stringify(display.value)) as DisplaySettings) : null, sliceIndex: [...sliceIndex.value] });
}

/**
 * Open a dataset (path, upload or the demo) and show its first slice, or, for a dataset shown
 * before that the engine still holds, show it again as it was. The newest open wins.
 */
export async function openDataset(req: OpenRequest, label: string, opts: OpenOptions = {}): Promise<boolean> {
  const seq = ++openSeq;
  opening.value = label;
  try {
    const kept = await stillOpen(req);
    const info = kept?.info ?? (await api.open(req));
    if (seq !== openSeq) return false;
    const source = opts.source ?? (req.path ? { path: req.path, recent: true } : { path: info.path, recent: false });
    const key = datasetKeyOf(info);
    const rk = requestKey(req);
    if (rk) keyOfRequest.set(rk, key);
    // The same dataset asked for by its resolved series or variable (picked again from the browser).
    if (rk && rk !== 'demo')
      keyOfRequest.set(
        requestKey({ path: req.path, series: info.selection?.series ?? req.series, variable: info.selection?.variable ?? req.variable, res: req.res, occupancy: req.occupancy })!,
        key,
      );
    if (source.recent) {
      recordRecent({ path: source.path, series: info.selection?.series, variable: info.selection?.variable, label: sourceLabel(source.path, info), time: Date.now() });
    }
    rememberCurrent();
    const before = remembered.get(key);
    const returning = before && before.info.id === info.id;
    // Messages about the dataset being left do not follow the user to another one.
    if (key !== datasetKey.value) dismissAllBanners();
    openedFrom.value = source;
    slices.reset();
    dataset.value = info;
    slice.value = null;
    display.value = returning && before.display ? before.display : defaultDisplay(info);
    sliceIndex.value = returning && before.sliceIndex.length === leadingAxes(info).length ? [...before.sliceIndex] : leadingAxes(info).map(() => 0);
    remembered.set(key, { info, display: null, sliceIndex: [], source });
    clearResult();
    if (layout.value === 'compare' || layout.value === 'surfaces') layout.value = 'split';
    requestSlice();
    return true;
  } catch (err) {
    if (seq === openSeq) {
      reportError(err, `Could not open ${baseName(label)}`);
      opts.onError?.(err);
    }
    return false;
  } finally {
    if (seq === openSeq) opening.value = null;
  }
}

/** Move the source slice position; the resampled grid's position follows (nearest slice). */
export function setSliceIndex(index: number[]): void {
  const a = axes.value;
  const next = a.map((ax, k) => clampIndex(index[k] ?? 0, ax.size));
  if (next.length === sliceIndex.value.length && next.every((v, k) => v === sliceIndex.value[k])) return;
  sliceIndex.value = next;
  syncFineFromSource();
  requestSlice();
}

/** Move the slice position on the resampled grid (linked scrolling); the source follows to its nearest slice. */
export function setFineIndex(index: number[]): void {
  const g = resampledGrid.value;
  const ds = dataset.value;
  if (!g || !ds) return;
  const a = fineAxes.value;
  const next = a.map((ax, k) => clampIndex(index[k] ?? 0, ax.size));
  if (next.length === fineIndex.value.length && next.every((v, k) => v === fineIndex.value[k])) return;
  fineIndex.value = next;
  const dims = a.map((x) => x.dim);
  const full = nearestPosition(g, ds, [...next, 0, 0], dims);
  sliceIndex.value = axes.value.map((ax, k) => clampIndex(full[k] ?? 0, ax.size));
  requestSlice();
}

function syncFineFromSource(): void {
  const g = resampledGrid.value;
  const ds = dataset.value;
  if (!g || !ds) {
    fineIndex.value = [];
    return;
  }
  const dims = fineAxes.value.map((x) => x.dim);
  const full = nearestPosition(ds, g, [...sliceIndex.value, 0, 0], dims);
  fineIndex.value = fineAxes.value.map((ax, k) => clampIndex(full[k] ?? 0, ax.size));
}

/**
 * Compare the source with a fit job's output (null: stop comparing). A run with a resampled
 * output shows it at its own resolution unless `output` says otherwise.
 */
export function showResult(jobId: string | null, resampled?: ResampledGrid | null, output?: ResultOutput): void {
  resultJobId.value = jobId;
  resultResampled.value = jobId ? (resampled ?? null) : null;
  resultOutput.value = output ?? (resultResampled.value ? 'resampled' : 'reconstruction');
  errorDisplay.value = null;
  reconSlice.value = null;
  errorSlice.value = null;
  syncFineFromSource();
  // A fitted occupancy field is judged by its surface: its runs open in the 3D comparison.
  if (jobId) layout.value = dataset.value?.format === 'occupancy' && layout.value !== 'compare' ? 'surfaces' : 'compare';
  else if (layout.value === 'compare' || layout.value === 'surfaces') layout.value = 'split';
  requestSlice();
}

/** Switch the compared run's views between its reconstruction on the source grid and its resampled output. */
export function setResultOutput(output: ResultOutput): void {
  if (output === resultOutput.value || (output === 'resampled' && !resultResampled.value)) return;
  resultOutput.value = output;
  errorDisplay.value = null;
  reconSlice.value = null;
  errorSlice.value = null;
  syncFineFromSource();
  requestSlice();
}

function clearResult(): void {
  resultJobId.value = null;
  resultResampled.value = null;
  resultOutput.value = 'reconstruction';
  fineIndex.value = [];
  reconSlice.value = null;
  errorSlice.value = null;
  errorDisplay.value = null;
}

/**
 * Voxelise the open mesh again at `res` voxels along its longest axis: the engine opens the
 * same file as another occupancy grid (its runs are kept apart from the first grid's).
 */
export async function reopenAtResolution(res: number): Promise<boolean> {
  const from = openedFrom.value;
  const ds = dataset.value;
  if (!from || !ds || ds.format !== 'occupancy' || from.occupancy) return false;
  return openDataset({ path: from.path, res }, `${ds.name} at ${res}`, { source: { ...from, recent: false } });
}

/** Open the occupancy of the open single-channel volume (threshold, clean-up) as a dataset of its own. */
export async function openOccupancy(occupancy: OccupancyRequest): Promise<boolean> {
  const from = openedFrom.value;
  const ds = dataset.value;
  if (!from || !ds || ds.format === 'occupancy') return false;
  return openDataset({ path: from.path, series: ds.selection?.series, occupancy }, `occupancy of ${ds.name}`, { source: { path: from.path, recent: false, occupancy } });
}

export function resetDisplay(): void {
  if (dataset.value) display.value = defaultDisplay(dataset.value);
}

/** Ask the engine what it can do, then show the demo unless something was opened meanwhile. */
export async function startSession(): Promise<void> {
  try {
    capabilities.value = await api.capabilities();
  } catch (err) {
    reportError(err, 'Cannot reach the INR Studio engine');
    return;
  }
  await loadCatalog();
  if (!dataset.value && !opening.value) await openDataset({ demo: true }, 'demo dataset');
}
