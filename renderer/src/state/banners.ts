/**
 * The error banner's list: readable messages, each dismissible. Cancellations are not errors
 * and never appear here.
 */
import { ref } from 'vue';
import { describeError } from '../lib/errors';

export interface Banner {
  id: number;
  level: 'error' | 'warning';
  title: string;
  message: string;
  code?: string;
}

export const banners = ref<Banner[]>([]);
let nextId = 1;
const MAX_BANNERS = 4;

export function reportError(err: unknown, context?: string, level: Banner['level'] = 'error'): void {
  const r = describeError(err, context);
  if (r.code === 'E_CANCELLED') return;
  const last = banners.value[banners.value.length - 1];
  if (last && last.title === r.title && last.message === r.message) return; // the same failure twice in a row
  banners.value = [...banners.value, { id: nextId++, level, ...r }].slice(-MAX_BANNERS);
}

export function dismissBanner(id: number): void {
  banners.value = banners.value.filter((b) => b.id !== id);
}

export function dismissAllBanners(): void {
  banners.value = [];
}
