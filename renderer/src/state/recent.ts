/**
 * The recent-files list as the toolbar shows it, kept in localStorage. Entries whose last
 * re-open failed are marked, with the reason, until they open again or are removed.
 */
import { ref } from 'vue';
import { addRecent, loadRecent, removeRecent, saveRecent, type RecentEntry, type StorageLike } from '../lib/recent';

function storage(): StorageLike | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined; // access itself can throw where storage is disabled
  }
}

export const recent = ref<RecentEntry[]>(loadRecent(storage()));
/** path → why its last re-open failed. */
export const recentFailures = ref<Record<string, string>>({});

function persist(): void {
  saveRecent(storage(), recent.value);
}

export function recordRecent(entry: RecentEntry): void {
  recent.value = addRecent(recent.value, entry);
  clearFailure(entry.path);
  persist();
}

export function forgetRecent(path: string): void {
  recent.value = removeRecent(recent.value, path);
  clearFailure(path);
  persist();
}

export function clearRecent(): void {
  recent.value = [];
  recentFailures.value = {};
  persist();
}

export function markRecentFailed(path: string, reason: string): void {
  recentFailures.value = { ...recentFailures.value, [path]: reason };
}

function clearFailure(path: string): void {
  if (!(path in recentFailures.value)) return;
  const next = { ...recentFailures.value };
  delete next[path];
  recentFailures.value = next;
}
