/** Number, size and time formatting for a dense scientific UI. */

/** A value with about `digits` significant digits; integers stay integers. */
export function formatValue(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e7) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e7)) return v.toExponential(Math.max(0, digits - 1));
  return String(Number(v.toPrecision(digits)));
}

/** `512 × 512 × 3` with the axis names: `y 512 · x 512`. */
export function formatShape(shape: readonly number[], axes?: readonly string[]): string {
  if (!axes || axes.length !== shape.length) return shape.join(' × ');
  return shape.map((s, i) => `${axes[i]} ${s}`).join(' · ');
}

/** Seconds as `0:07`, `1:05`, `1:02:03`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Seconds as `0.84 s`, `12.3 s`, `2:05`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return formatDuration(seconds);
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '–';
  return `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/**
 * Remaining time from the fraction done and the time spent: elapsed·(1 − f)/f. Undefined until
 * there is enough to go on (1 % done and half a second spent).
 */
export function estimateEta(fraction: number, elapsedSeconds: number): number | undefined {
  if (!(fraction >= 0.01) || !(elapsedSeconds >= 0.5) || fraction >= 1) return undefined;
  return (elapsedSeconds * (1 - fraction)) / fraction;
}

/** The last path component, for `/a/b/c.png` and `C:\a\c.png` alike. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
