/**
 * The recent-files list: datasets opened by path, newest first, at most `MAX_RECENT`, one entry
 * per path (opening another series or variable of the same file updates its entry). Uploads are
 * not listed: they cannot be opened again by path. Labels name the file and the series
 * description or variable, never the patient. Pure functions plus a small storage adapter.
 */

export const MAX_RECENT = 10;
export const RECENT_KEY = 'inr-studio.recent.v1';

export interface RecentEntry {
  path: string;
  series?: string;
  variable?: string;
  /** What the list shows: `mr-series · FSE PD AXIAL OBL`, `sub.nc · u`. */
  label: string;
  /** When it was last opened, ms since the epoch. */
  time: number;
}

/** The list with this entry first, its older entry for the same path dropped, capped. */
export function addRecent(list: readonly RecentEntry[], entry: RecentEntry, max = MAX_RECENT): RecentEntry[] {
  return [entry, ...list.filter((e) => e.path !== entry.path)].slice(0, Math.max(0, max));
}

export function removeRecent(list: readonly RecentEntry[], path: string): RecentEntry[] {
  return list.filter((e) => e.path !== path);
}

function isEntry(x: unknown): x is RecentEntry {
  if (!x || typeof x !== 'object') return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.path === 'string' &&
    e.path.length > 0 &&
    typeof e.label === 'string' &&
    typeof e.time === 'number' &&
    Number.isFinite(e.time) &&
    (e.series === undefined || typeof e.series === 'string') &&
    (e.variable === undefined || typeof e.variable === 'string')
  );
}

/** The stored list, or an empty one when it is missing or damaged; bad entries are dropped. */
export function parseRecent(text: string | null | undefined, max = MAX_RECENT): RecentEntry[] {
  if (!text) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: RecentEntry[] = [];
  for (const x of raw) {
    if (!isEntry(x) || out.some((e) => e.path === x.path)) continue;
    out.push({ path: x.path, series: x.series, variable: x.variable, label: x.label, time: x.time });
    if (out.length >= max) break;
  }
  return out;
}

/** The part of the Web Storage API this module uses. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadRecent(storage: StorageLike | undefined): RecentEntry[] {
  try {
    return parseRecent(storage?.getItem(RECENT_KEY));
  } catch {
    return []; // storage disabled (private mode, file:// policies)
  }
}

/** Store the list; false when storage refused it (full or disabled). */
export function saveRecent(storage: StorageLike | undefined, list: readonly RecentEntry[]): boolean {
  if (!storage) return false;
  try {
    storage.setItem(RECENT_KEY, JSON.stringify(list));
    return true;
  } catch {
    return false;
  }
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago`, then the date. */
export function formatAgo(time: number, now: number): string {
  const s = Math.max(0, (now - time) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  if (s < 86400 * 14) {
    const d = Math.floor(s / 86400);
    return d === 1 ? 'yesterday' : `${d} days ago`;
  }
  return new Date(time).toISOString().slice(0, 10);
}
