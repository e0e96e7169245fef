/**
 * Window/level presets of the open dataset (lib/wlPresets.ts), applied from the Display panel's
 * buttons and from the keyboard (1–9, a, m, w, r).
 */
import { computed } from 'vue';
import { applyPreset, presetForKey, presetsFor, type WlPreset } from '../lib/wlPresets';
import { dataset, display, resetDisplay } from './session';

export const presets = computed<WlPreset[]>(() => (dataset.value ? presetsFor(dataset.value) : []));

export function applyWlPreset(p: WlPreset): void {
  const d = display.value;
  const info = dataset.value;
  if (!d || !info) return;
  display.value = applyPreset(d, info, p);
}

/** Apply the preset a key stands for; true when the key was one. */
export function handlePresetKey(key: string): boolean {
  if (!display.value || !dataset.value) return false;
  const action = presetForKey(key, presets.value);
  if (!action) return false;
  if (action.type === 'reset') resetDisplay();
  else applyWlPreset(action.preset);
  return true;
}
