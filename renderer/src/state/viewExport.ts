/**
 * The views that can be saved as PNG, for the Export menu: each view registers itself while it
 * is mounted (its id, a label, and how to save it).
 */
import { shallowRef } from 'vue';

export interface ViewExport {
  id: string;
  label: () => string;
  save: () => Promise<void>;
  /** False while there is nothing drawn to save. */
  ready: () => boolean;
}

export const viewExports = shallowRef<ViewExport[]>([]);

/** Register a view; returns the function that removes it. */
export function registerViewExport(v: ViewExport): () => void {
  viewExports.value = [...viewExports.value.filter((x) => x.id !== v.id), v];
  return () => {
    viewExports.value = viewExports.value.filter((x) => x !== v);
  };
}
