/**
 * The sinogram of the compared CT run: fetched once per run (it does not change with the slice
 * position), shown beside the source, the reconstruction and the |error| in a colormap of its
 * own (viridis over its full range), with its own window.
 */
import { computed, ref, shallowRef, watch } from 'vue';
import { api } from '../api';
import type { SliceData } from '../api';
import { grayDisplay, type DisplaySettings } from '../lib/display';
import { angleTicks, sinogramGrid, sinogramPixelShape, sinogramWindow } from '../lib/sinogram';
import { reportError } from './banners';
import { jobs } from './jobs';
import { dataset, layout, resultJobId } from './session';

/** The compared run's sinogram (size and angles), when it is a CT run. */
export const resultSinogram = computed(() => jobs.value.find((j) => j.jobId === resultJobId.value)?.result?.sinogram ?? null);
/** True while the compare layout has a sinogram to show: the four-view CT arrangement. */
export const compareSinogram = computed(() => layout.value === 'compare' && !!resultSinogram.value);
export const sinogramSlice = shallowRef<SliceData | null>(null);
export const sinogramDisplay = ref<DisplaySettings | null>(null);
export const sinogramLoading = ref(false);
export const sinogramCoords = computed(() => {
  const s = resultSinogram.value;
  return s ? { grid: sinogramGrid(s), rowDim: 0, colDim: 1, at: [0, 0] } : undefined;
});
export const sinogramShape = computed(() => (resultSinogram.value ? sinogramPixelShape(resultSinogram.value) : undefined));
export const sinogramTicks = computed(() => (resultSinogram.value ? angleTicks(resultSinogram.value.angles) : []));

let seq = 0;

async function load(jobId: string | null, datasetId: string | undefined): Promise<void> {
  const mine = ++seq;
  sinogramSlice.value = null;
  sinogramDisplay.value = null;
  if (!jobId || !datasetId || !resultSinogram.value) {
    sinogramLoading.value = false;
    return;
  }
  sinogramLoading.value = true;
  try {
    const s = await api.getSlice({ datasetId, resultOf: jobId, output: 'sinogram' });
    if (mine !== seq) return;
    sinogramDisplay.value = grayDisplay(sinogramWindow(s), 'viridis');
    sinogramSlice.value = s;
  } catch (err) {
    if (mine === seq) reportError(err, 'Could not load the sinogram');
  } finally {
    if (mine === seq) sinogramLoading.value = false;
  }
}

watch(
  () => [resultJobId.value, dataset.value?.id, !!resultSinogram.value] as const,
  ([jobId, datasetId]) => void load(jobId, datasetId),
  { immediate: true },
);
