/**
 * The linked orthogonal views of a volume: the crosshair position and the three planes through
 * it. The crosshair's z (and any axis before it) is the session's slice position, so the slice
 * slider, the keyboard and the main view move the axial plane; its y and x live here. Planes are
 * loaded only while the planes layout shows them, and a plane is asked for again only when the
 * index it is cut at changes.
 */
import { computed, ref, shallowRef, watch } from 'vue';
import { api } from '../api';
import type { SliceData } from '../api';
import { latestQueue, type LatestQueue } from '../lib/latest';
import { centreOf, isVolume, planeKey, planeRequest, planeSpec, PLANE_NAMES, type PlaneName } from '../lib/orthoPlanes';
import { clampIndex } from '../lib/slicing';
import { reportError } from './banners';
import { dataset, display, layout, resultJobId, setSliceIndex, sliceIndex } from './session';

/** True while a volume is open: the planes layout is offered. */
export const volumeOpen = computed(() => isVolume(dataset.value));
/** True while the planes layout is on screen with a volume. */
export const orthoActive = computed(() => layout.value === 'planes' && volumeOpen.value);

/** The crosshair's index on the last two axes (y, x), for one dataset. */
const inPlane = ref<{ datasetId: string; y: number; x: number } | null>(null);

/** The crosshair: one index per axis of the dataset ([] when no volume is open). */
export const crosshair = computed<number[]>(() => {
  const ds = dataset.value;
  if (!ds || !isVolume(ds)) return [];
  const d = ds.shape.length;
  const lead = ds.shape.slice(0, d - 2).map((n, k) => clampIndex(sliceIndex.value[k] ?? 0, n));
  const own = inPlane.value?.datasetId === ds.id ? inPlane.value : null;
  const c = centreOf(ds);
  return [...lead, clampIndex(own?.y ?? c[d - 2], ds.shape[d - 2]), clampIndex(own?.x ?? c[d - 1], ds.shape[d - 1])];
});

/** Move the crosshair (every axis; z and leading axes through the session's slice position). */
export function setCrosshair(position: readonly number[]): void {
  const ds = dataset.value;
  if (!ds || !isVolume(ds)) return;
  const d = ds.shape.length;
  const p = ds.shape.map((n, k) => clampIndex(position[k] ?? 0, n));
  inPlane.value = { datasetId: ds.id, y: p[d - 2], x: p[d - 1] };
  setSliceIndex(p.slice(0, d - 2));
}

/** Show the reconstruction in the planes instead of the source (when a result is compared). */
export const orthoShowsRecon = ref(false);
export const orthoResultOf = computed(() => (orthoShowsRecon.value && resultJobId.value ? resultJobId.value : null));

export type PlaneSlices = Record<PlaneName, SliceData | null>;
const emptySlices = (): PlaneSlices => ({ axial: null, coronal: null, sagittal: null });
export const planeSlices = shallowRef<PlaneSlices>(emptySlices());
export const planeLoading = ref<Record<PlaneName, boolean>>({ axial: false, coronal: false, sagittal: false });

interface PlaneKey {
  datasetId: string;
  plane: [number, number];
  at: number[];
  resultOf: string | null;
  key: string;
}

/** The key each plane shows (or is loading), so unchanged planes are not asked for again. */
const wantedKey: Record<PlaneName, string> = { axial: '', coronal: '', sagittal: '' };

function makeQueue(name: PlaneName): LatestQueue<PlaneKey> {
  return latestQueue<PlaneKey, SliceData>(
    (k) => {
      planeLoading.value = { ...planeLoading.value, [name]: true };
      return api.getSlice({ datasetId: k.datasetId, plane: k.plane, at: k.at, ...(k.resultOf ? { resultOf: k.resultOf } : {}) });
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
  if (!ds || !orthoActive.value) return;
  const p = crosshair.value;
  const resultOf = orthoResultOf.value;
  for (const name of PLANE_NAMES) {
    const spec = planeSpec(ds, name);
    const key = `${ds.id}|${resultOf ?? ''}|${planeKey(spec, p)}`;
    if (key === wantedKey[name]) continue;
    wantedKey[name] = key;
    queues[name].request({ datasetId: ds.id, ...planeRequest(spec, p), resultOf, key });
  }
}

/** The value of the shown channel at the crosshair, from the axial plane (undefined until loaded; null for nodata). */
export const crosshairValue = computed<number | null | undefined>(() => {
  const s = planeSlices.value.axial;
  const ds = dataset.value;
  const p = crosshair.value;
  if (!s || !ds || p.length < 3) return undefined;
  const d = ds.shape.length;
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

watch([crosshair, orthoResultOf], requestPlanes);
