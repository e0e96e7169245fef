/**
 * How a run's task is named: the label a run keeps (`superres (check)`, `inpaint (mask)`, `ct`),
 * its short form in the narrow method column of the runs table (`SR (check)`, `CT`), and the
 * longer words of the row's tooltip (`CT, 30 views, 1e+5 photons`). Pure: strings in, strings out.
 */
import type { JobResult, TaskKind } from '../../../main/api/contract';

/** The label a run keeps: the engine's task, `(mask)` for a painted inpainting, `(check)` for a checked resampling. */
export function runTaskLabel(task: TaskKind, opts: { brushed?: boolean; checked?: boolean } = {}): string {
  const base = task === 'inpaint' && opts.brushed ? 'inpaint (mask)' : task;
  return opts.checked && (task === 'superres' || task === 'interp') ? `${base} (check)` : base;
}

const SHORT: Record<string, string> = { inpaint: 'inp', 'inpaint (mask)': 'inp✎', superres: 'SR', interp: 'z↑', ct: 'CT' };

/** True for the label of a resampling scored against the data. */
export function isChecked(label: string | undefined): boolean {
  return !!label && / \(check\)$/.test(label);
}

/** The task in the runs table's method column: nothing for a plain fit, `SR (check)` for a checked super-resolution. */
export function taskShort(label: string | undefined): string {
  if (!label) return '';
  const checked = isChecked(label);
  const base = checked ? label.replace(/ \(check\)$/, '') : label;
  const short = SHORT[base] ?? '';
  return short && checked ? `${short} (check)` : short;
}

/** The task in words for a row's tooltip: `super-resolution, checked against the data`, `CT, 30 views, 1e+5 photons`. */
export function taskWords(label: string | undefined, result?: Pick<JobResult, 'sinogram' | 'summary'>): string {
  if (!label || label === 'fit') return 'fit';
  const checked = isChecked(label);
  const base = checked ? label.replace(/ \(check\)$/, '') : label;
  const words: Record<string, string> = {
    inpaint: 'inpainting',
    'inpaint (mask)': 'inpainting a painted mask',
    superres: 'super-resolution',
    interp: 'through-plane interpolation',
    ct: 'CT',
  };
  const parts = [words[base] ?? base];
  if (checked) parts.push('checked against the data');
  if (base === 'ct' && result?.sinogram) parts.push(`${result.sinogram.shape[0]} views × ${result.sinogram.shape[1]} bins`);
  return parts.join(', ');
}
