/**
 * The engine's methods and tasks (its registry, through `api.methods()`), loaded once per
 * session. The Fit panel's form, the runs table's labels and the export names come from here.
 */
import { computed, shallowRef } from 'vue';
import { api, type MethodCatalog } from '../api';
import { panelSpecs } from '../lib/fitParams';
import { setMethodNames } from '../lib/runs';
import { reportError } from './banners';

export const catalog = shallowRef<MethodCatalog | null>(null);

/** The panel's view of the catalogue (empty until it has loaded). */
export const panel = computed(() => (catalog.value ? panelSpecs(catalog.value) : { methods: [], tasks: [] }));

export async function loadCatalog(): Promise<void> {
  try {
    const c = await api.methods();
    setMethodNames(Object.fromEntries(c.methods.map((m) => [m.id, m.short])));
    catalog.value = c;
  } catch (err) {
    reportError(err, 'Cannot read the engine’s methods');
  }
}
