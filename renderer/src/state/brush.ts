/**
 * The inpainting brush: whether painting is on, its size and mode, and the hide mask painted so
 * far on the open dataset, one layer per slice (the slices where it was painted). A new dataset
 * starts with an empty mask. The Fit panel sends `hideMask()` with an inpainting job.
 */
import { computed, reactive, ref, shallowRef, watch } from 'vue';
import { assembleHide, countSet, paintStroke, planeSize, sliceNumber } from '../lib/brushMask';
import { dataset, sliceIndex } from './session';

export const brush = reactive({
  /** Painting on the main view (left drag paints instead of panning). */
  active: false,
  /** Radius in image pixels. */
  radius: 12,
  erase: false,
});

/** Painted layers of the open dataset, by slice number. Replaced (not mutated) on clear. */
const layers = shallowRef(new Map<number, Uint8Array>());
/** Bumped on every change, so views and counts recompute. */
export const maskVersion = ref(0);
let layersOf: string | undefined;

watch(dataset, (ds) => {
  if (ds?.id === layersOf) return;
  layersOf = ds?.id;
  layers.value = new Map();
  brush.active = false;
  maskVersion.value++;
});

/** Painting needs a 2D plane: at least two axes. */
export const canPaint = computed(() => (dataset.value?.shape.length ?? 0) >= 2);

function currentKey(): number | undefined {
  const ds = dataset.value;
  if (!ds || ds.shape.length < 2) return undefined;
  try {
    return sliceNumber(ds.shape, sliceIndex.value);
  } catch {
    return undefined;
  }
}

/** The layer of the slice on screen, or null where nothing was painted there. */
export const currentLayer = computed<Uint8Array | null>(() => {
  void maskVersion.value;
  const k = currentKey();
  return k === undefined ? null : (layers.value.get(k) ?? null);
});

/** Painted samples over the whole dataset, and on how many slices. */
export const maskStats = computed(() => {
  void maskVersion.value;
  let samples = 0;
  let slices = 0;
  for (const l of layers.value.values()) {
    const n = countSet(l);
    samples += n;
    if (n) slices++;
  }
  return { samples, slices };
});

/** A stroke from (x0, y0) to (x1, y1) in image pixels on the current slice. */
export function paint(x0: number, y0: number, x1: number, y1: number): void {
  const ds = dataset.value;
  const k = currentKey();
  if (!ds || k === undefined) return;
  const { height, width } = planeSize(ds.shape);
  let layer = layers.value.get(k);
  if (!layer) {
    if (brush.erase) return;
    layer = new Uint8Array(height * width);
    layers.value.set(k, layer);
  }
  if (paintStroke(layer, width, height, x0, y0, x1, y1, brush.radius, brush.erase ? 0 : 1)) maskVersion.value++;
}

export function clearMask(): void {
  layers.value = new Map();
  maskVersion.value++;
}

/** The hide mask for the job request (prod(shape) entries), or undefined when nothing is painted. */
export function hideMask(): Uint8Array | undefined {
  const ds = dataset.value;
  if (!ds) return undefined;
  return assembleHide(ds.shape, layers.value);
}
