/**
 * The linked orthogonal views of a volume: the crosshair position and the three planes through
 * it. The planes show the source, the compared run's reconstruction, or its resampled output at
 * its own resolution (`orthoGrid`). The crosshair's z (and any axis before it) is the session's
 * slice position on that grid (`sliceIndex`, or `fineIndex` for the resampled grid), so the
 * slice slider, the keyboard and the main view move the axial plane; its y and x live here.
 * Planes are loaded only while the planes layout shows them, and a plane is asked for again only
 * when the index it is cut at changes.
 */
import { computed, ref, shallowRef, watch } from 'vue';
import { api } from '../api';
import type { SliceData } from '../api';
import type { GridInfo } from '../lib/coords';
import { latestQueue, type LatestQueue } from '../lib/latest';
import { centreOf, isVolume, planeKey, planeRequest, planeSpec, PLANE_NAMES, type PlaneName } from '../lib/orthoPlanes';
import { nearestPosition } from '../lib/resampled';
import { clampIndex } from '../lib/slicing';
import { reportError } from './banners';
import { dataset, display, fineIndex, layout, planesShowRecon, resampledGrid, resultJobId, setFineIndex, setSliceIndex, sliceIndex } from './session';

/** True while a volume is open: the planes layout is offered. */
export const volumeOpen = computed(() => isVolume(dataset.value));
/** True while the planes layout is on screen with a volume. */
export const orthoActive = computed(() => layout.value === 'planes' && volumeOpen.value);

/** Show the compared run's output in the planes instead of the source. */
export const orthoShowsRecon = planesShowRecon;
export const orthoResultOf = computed(() => (orthoShowsRecon.value && resultJobId.value ? resultJobId.value : null));
/** The planes show the resampled output (its own grid). */
export const orthoResampled = computed(() => !!orthoResultOf.value && !!resampledGrid.value);

/** The grid the planes cut: the dataset's, or the resampled output's. */
export const orthoGrid = computed<GridInfo | null>(() => (orthoResampled.value ? resampledGrid.value : dataset.value));
const gridTag = computed(() => (dataset.value ? `${dataset.value.id}|${orthoResampled.value ? 'resampled' : 'source'}` : ''));

/** The crosshair's index on the last two axes (y, x), for one grid of one dataset. */
const inPlane = ref<{ tag: string; y: number; x: number } | null>(null);

/** The crosshair: one index per axis of `orthoGrid` ([] when no volume is open). */
export const crosshair = computed<number[]>(() => {
  const g = orthoGrid.value;
  if (!g || !isVolume(g)) return [];
  const d = g.shape.length;
  const leading = orthoResampled.value ? fineIndex.value : sliceIndex.value;
  const lead = g.shape.slice(0, d - 2).map((n, k) => clampIndex(leading[k] ?? 0, n));
  const own = inPlane.value?.tag === gridTag.value ? inPlane.value : null;
  const c = centreOf(g);
  return [...lead, clampIndex(own?.y ?? c[d - 2], g.shape[d - 2]), clampIndex(own?.x ?? c[d - 1], g.shape[d - 1])];
});

/** Move the crosshair (every axis of `orthoGrid`; z and leading axes through the session's slice position). */
export function setCrosshair(position: readonly number[]): void {
  const g = orthoGrid.value;
  if (!g || !isVolume(g)) return;
  const d = g.shape.length;
  const p = g.shape.map((n, k) => clampIndex(position[k] ?? 0, n));
  inPlane.value = { tag: gridTag.value, y: p[d - 2], x: p[d - 1] };
  if (orthoResampled.value) setFineIndex(p.slice(0, d - 2));
  else setSliceIndex(p.slice(0, d - 2));
}

// Switching between the source and the resampled grid keeps the crosshair on the same physical point.
watch(gridTag, (tag, old) => {
  const ds = dataset.value;
  const prev = inPlane.value;
  const g = orthoGrid.value;
  if (!ds || !g || !prev || !old || prev.tag !== old || tag.split('|')[0] !== old.split('|')[0]) return;
  const fromResampled = old.endsWith('|resampled');
  const from = fromResampled ? resampledGrid.value : ds;
  if (!from) return;
  const d = g.shape.length;
  const pos = [...new Array(d - 2).fill(0), prev.y, prev.x];
  const q = nearestPosition(from, g, pos, [d - 2, d - 1]);
  inPlane.value = { tag, y: q[d - 2], x: q[d - 1] };
});

export type PlaneSlices = Record<PlaneName, SliceData | null>;
const emptySlices = (): PlaneSlices => ({ axial: null, coronal: null, sagittal: null });
export const planeSlices = shallowRef<PlaneSlices>(emptySlices());
export const planeLoading = ref<Record<PlaneName, boolean>>({ axial: false, coronal: false, sagittal: false });

interface PlaneKey {
  datasetId: string;
  plane: [number, number];
  at: number[];
  resultOf: string | null;
  resampled: boolean;
  key: string;
}

/** The key each plane shows (or is loading), so unchanged planes are not asked for again. */
const wantedKey: Record<PlaneName, string> = { axial: '', coronal: '', sagittal: '' };

function makeQueue(name: PlaneName): LatestQueue<PlaneKey> {
  return latestQueue<PlaneKey, SliceData>(
    (k) => {
      planeLoading.value = { ...planeLoading.value, [name]: true };
      return api.getSlice({
        datasetId: k.datasetId,
        plane: k.plane,
        at: k.at,
        ...(k.resultOf ? { resultOf: k.resultOf } : {}),
        ...(k.resultOf && k.resampled ? { output: 'resampled' as const } : {}),
      });
    },
    (s, k) => {
      planeLoading.value = { ...planeLoading.value, [name]: false };
      if (dataset.value?.id !== k.datasetId || wantedKey[name] !== k.key) return;
      planeSlices.value = { ...planeSlices.value, [name]: s };
    },
    (err, k) => {
      planeLoading.value = { ...planeLoading.value, [name]: false };
      wantedKey[name] = ''; // ask again on the next move
      if (dataset.value?.id === k.datasetId) reportError(err, `Could not load the ${name} plane`);
    },
  );
}

const queues: Record<PlaneName, LatestQueue<PlaneKey>> = { axial: makeQueue('axial'), coronal: makeQueue('coronal'), sagittal: makeQueue('sagittal') };

function requestPlanes(): void {
  const ds = dataset.value;
  const g = orthoGrid.value;
  if (!ds || !g || !orthoActive.value) return;
  const p = crosshair.value;
  if (p.length < 3) return;
  const resultOf = orthoResultOf.value;
  const resampled = orthoResampled.value;
  for (const name of PLANE_NAMES) {
    const spec = planeSpec(g, name);
    const key = `${ds.id}|${resultOf ?? ''}|${resampled ? 'r' : 's'}|${planeKey(spec, p)}`;
    if (key === wantedKey[name]) continue;
    wantedKey[name] = key;
    queues[name].request({ datasetId: ds.id, ...planeRequest(spec, p), resultOf, resampled, key });
  }
}

/** The value of the shown channel at the crosshair, from the axial plane (undefined until loaded; null for nodata). */
export const crosshairValue = computed<number | null | undefined>(() => {
  const s = planeSlices.value.axial;
  const g = orthoGrid.value;
  const p = crosshair.value;
  if (!s || !g || p.length < 3) return undefined;
  const d = g.shape.length;
  const y = p[d - 2];
  const x = p[d - 1];
  if (x >= s.width || y >= s.height) return undefined;
  const i = y * s.width + x;
  if (s.mask && !s.mask[i]) return null;
  const c = Math.min(Math.max(0, display.value?.channel ?? 0), s.channels - 1);
  const v = s.values[i * s.channels + c];
  return Number.isFinite(v) ? v : null;
});

/** The first time the planes show a dataset, the crosshair goes to the volume's centre. */
let centredFor: string | null = null;

watch(
  dataset,
  (ds) => {
    for (const name of PLANE_NAMES) {
      queues[name].reset();
      wantedKey[name] = '';
    }
    planeSlices.value = emptySlices();
    planeLoading.value = { axial: false, coronal: false, sagittal: false };
    orthoShowsRecon.value = false;
    if (layout.value === 'planes' && !isVolume(ds)) layout.value = 'single';
  },
  { flush: 'sync' },
);

watch(resultJobId, (id) => {
  if (!id) orthoShowsRecon.value = false;
});

// Another grid: the planes' pictures change size, so they are asked for afresh.
watch(gridTag, () => {
  for (const name of PLANE_NAMES) wantedKey[name] = '';
  planeSlices.value = emptySlices();
});

watch(
  [orthoActive, () => dataset.value?.id],
  ([active]) => {
    const ds = dataset.value;
    if (!active || !ds) return;
    if (centredFor !== ds.id) {
      centredFor = ds.id;
      setCrosshair(centreOf(ds, sliceIndex.value));
    }
    requestPlanes();
  },
  { immediate: true },
);

watch([crosshair, orthoResultOf, orthoResampled], requestPlanes);
