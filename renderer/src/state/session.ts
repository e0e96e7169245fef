/**
 * The open dataset and what the views show of it: the slice position, the current slice, the
 * display settings, and the reconstruction being compared. Views read these refs; only the
 * functions here change them.
 */
import { computed, ref, shallowRef } from 'vue';
import { loadCatalog } from './catalog';
import { api } from '../api';
import type { Capabilities, DatasetInfo, OpenRequest, SliceData } from '../api';
import { absErrorSlice, quantile } from '../lib/compare';
import { defaultDisplay, grayDisplay, type DisplaySettings } from '../lib/display';
import { baseName } from '../lib/format';
import { latestQueue } from '../lib/latest';
import { clampIndex, leadingAxes } from '../lib/slicing';
import { sourceLabel } from '../lib/browse';
import { reportError } from './banners';
import { recordRecent } from './recent';

export type Layout = 'single' | 'split' | 'compare' | 'planes';

export const capabilities = shallowRef<Capabilities | null>(null);
export const dataset = shallowRef<DatasetInfo | null>(null);
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

export const axes = computed(() => (dataset.value ? leadingAxes(dataset.value) : []));

interface SliceKey {
  datasetId: string;
  index: number[];
  resultOf: string | null;
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
      k.resultOf ? api.getSlice({ datasetId: k.datasetId, index: k.index, resultOf: k.resultOf }) : Promise.resolve(null),
    ]);
    return { source, recon };
  },
  (r, k) => {
    sliceLoading.value = false;
    if (dataset.value?.id !== k.datasetId) return;
    slice.value = r.source;
    setComparison(r.source, r.recon);
  },
  (err) => {
    sliceLoading.value = false;
    reportError(err, 'Could not load the slice');
  },
);

function setComparison(source: SliceData, recon: SliceData | null): void {
  if (!recon) {
    reconSlice.value = null;
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
  slices.request({ datasetId: ds.id, index: [...sliceIndex.value], resultOf: resultJobId.value });
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
}
export const openedFrom = shallowRef<OpenedSource | null>(null);

export interface OpenOptions {
  /** The source to remember instead of the request's path (re-opening with another series). */
  source?: OpenedSource;
  /** Called with the failure, after its banner is shown. */
  onError?: (err: unknown) => void;
}

/** Open a dataset (path, upload or the demo) and show its first slice. The newest open wins. */
export async function openDataset(req: OpenRequest, label: string, opts: OpenOptions = {}): Promise<boolean> {
  const seq = ++openSeq;
  opening.value = label;
  try {
    const info = await api.open(req);
    if (seq !== openSeq) return false;
    const source = opts.source ?? (req.path ? { path: req.path, recent: true } : { path: info.path, recent: false });
    openedFrom.value = source;
    if (source.recent) {
      recordRecent({ path: source.path, series: info.selection?.series, variable: info.selection?.variable, label: sourceLabel(source.path, info), time: Date.now() });
    }
    slices.reset();
    dataset.value = info;
    slice.value = null;
    display.value = defaultDisplay(info);
    sliceIndex.value = leadingAxes(info).map(() => 0);
    clearResult();
    if (layout.value === 'compare') layout.value = 'split';
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

export function setSliceIndex(index: number[]): void {
  const a = axes.value;
  const next = a.map((ax, k) => clampIndex(index[k] ?? 0, ax.size));
  if (next.length === sliceIndex.value.length && next.every((v, k) => v === sliceIndex.value[k])) return;
  sliceIndex.value = next;
  requestSlice();
}

/** Compare the source with a fit job's reconstruction (null: stop comparing). */
export function showResult(jobId: string | null): void {
  resultJobId.value = jobId;
  errorDisplay.value = null;
  reconSlice.value = null;
  errorSlice.value = null;
  if (jobId) layout.value = 'compare';
  else if (layout.value === 'compare') layout.value = 'split';
  requestSlice();
}

function clearResult(): void {
  resultJobId.value = null;
  reconSlice.value = null;
  errorSlice.value = null;
  errorDisplay.value = null;
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
