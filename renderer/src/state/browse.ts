/**
 * The dataset browser's actions: open another series or variable of what is open, show a band
 * in gray or three as a composite, and the thumbnails of the listing, loaded a few at a time and
 * kept per source and entry (re-opening the same folder with another series keeps them).
 */
import { api } from '../api';
import type { Thumbnail, ThumbnailRequest } from '../api';
import { withComposite, withGrayChannel } from '../lib/display';
import { dropRequest, planDrop, type DroppedItem } from '../lib/drop';
import { baseName } from '../lib/format';
import { reportError } from './banners';
import { dataset, display, openDataset, openedFrom, opening } from './session';

/** Open another entry of the open dataset's listing, from the source the user opened. */
export async function openFromListing(sel: { series: string; label: string } | { variable: string; label: string }): Promise<boolean> {
  const src = openedFrom.value;
  if (!src) return false;
  const name = baseName(src.path.replace(/[\\/]+$/, '')) || src.path;
  const req = 'series' in sel ? { path: src.path, series: sel.series } : { path: src.path, variable: sel.variable };
  return openDataset(req, `${name} · ${sel.label}`, { source: src });
}

/**
 * Open what was dropped on the window (see lib/drop.ts): a local path in Electron, else an
 * upload of the file or of the folder's files. Reading a big folder shows as "Opening…".
 */
export async function openDropped(items: DroppedItem[]): Promise<void> {
  if (!items.length) return;
  const pathFor = api.pathForFile ? (f: object) => api.pathForFile?.(f) : undefined;
  let reading: string | null = null;
  try {
    const plan = await planDrop(items, pathFor);
    if (!plan) return;
    if (plan.kind !== 'path') {
      reading = `${plan.kind === 'folder' ? plan.name : plan.file.name} (reading)`;
      opening.value = reading;
    }
    const { request, label } = await dropRequest(plan);
    await openDataset(request, label);
  } catch (err) {
    if (reading && opening.value === reading) opening.value = null;
    reportError(err, 'Could not open what was dropped');
  }
}

export function showBand(channel: number): void {
  const info = dataset.value;
  if (info && display.value) display.value = withGrayChannel(display.value, info, channel);
}

export function showComposite(channels: readonly [number, number, number]): void {
  const info = dataset.value;
  if (info && display.value) display.value = withComposite(display.value, info, channels);
}

const MAX_CACHED = 400;
const MAX_RUNNING = 2;
const cache = new Map<string, Promise<Thumbnail>>();
const waiting: (() => void)[] = [];
let running = 0;

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The cache key of a thumbnail: the source it came from (not the dataset id, which changes on every open) and the entry. */
export function thumbnailKey(req: Omit<ThumbnailRequest, 'datasetId'>, source: string): string {
  const entry = req.series !== undefined ? `series:${req.series}` : req.variable !== undefined ? `variable:${req.variable}` : `band:${req.band ?? 0}`;
  return `${source}\u0000${entry}\u0000${req.size ?? 96}`;
}

/** A thumbnail, from the cache or from the engine (at most two requests at a time). Failures are not cached. */
export function loadThumbnail(req: ThumbnailRequest, key: string): Promise<Thumbnail> {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit;
  }
  const p = slot(() => api.thumbnail(req));
  cache.set(key, p);
  p.catch(() => {
    if (cache.get(key) === p) cache.delete(key);
  });
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return p;
}
