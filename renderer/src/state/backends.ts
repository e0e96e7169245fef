/**
 * The nets' compute backends on the engine's machine (`api.backends()`), asked for once, the
 * first time a net is chosen in the Fit panel: which one runs, CPU or GPU, its threads and its
 * measured rate, for the notice before a run.
 */
import { shallowRef } from 'vue';
import { api, type BackendInfo } from '../api';

export const backends = shallowRef<BackendInfo[] | null>(null);
let asked: Promise<void> | undefined;

export function loadBackends(): Promise<void> {
  asked ??= api
    .backends()
    .then((list) => {
      backends.value = list;
    })
    .catch(() => {
      // An engine without the call: the panel says the backend is unknown.
      backends.value = [];
    });
  return asked;
}
