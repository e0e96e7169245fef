/** Light and dark themes: a `data-theme` attribute on <html> switching CSS variables. */
import { ref, watch } from 'vue';

export type Theme = 'dark' | 'light';
const KEY = 'inr-studio.theme';

function initial(): Theme {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'dark' || saved === 'light') return saved;
  } catch {
    /* storage unavailable (sandboxed file://, private mode): use the default */
  }
  return 'dark';
}

export const theme = ref<Theme>(initial());

function apply(t: Theme): void {
  document.documentElement.dataset.theme = t;
  try {
    localStorage.setItem(KEY, t);
  } catch {
    /* not persisted: fine */
  }
}

apply(theme.value);
watch(theme, apply);

export function toggleTheme(): void {
  theme.value = theme.value === 'dark' ? 'light' : 'dark';
}
