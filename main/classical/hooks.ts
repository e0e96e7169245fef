/**
 * Progress and cancellation for the classical baselines. The kernels are synchronous; they call
 * `tick` every so often, which reports progress and throws `E_CANCELLED` once the job's signal
 * is aborted (or `checkCancel` throws: the job runner's flag, read across threads).
 */
import { cancelled } from '../core/errors';

export interface ClassicalHooks {
  /** Stage name and overall fraction in [0, 1]. */
  onProgress?: (stage: string, fraction: number) => void;
  signal?: AbortSignal;
  /** Called between chunks of work; throw to cancel (the job context's `throwIfCancelled`). */
  checkCancel?: () => void;
}

/** Throw `E_CANCELLED` if the hooks say so. */
export function checkCancelled(hooks: ClassicalHooks): void {
  hooks.checkCancel?.();
  if (hooks.signal?.aborted) throw cancelled();
}

/**
 * A progress reporter for one stage that covers [from, to] of the whole job: `tick(f)` with f
 * the stage's own fraction reports at most every ~2 % and checks for a cancel each time.
 */
export function stage(hooks: ClassicalHooks, name: string, from = 0, to = 1): (fraction: number) => void {
  let last = -1;
  return (f: number) => {
    if (f - last < 0.02 && f < 1) return;
    last = f;
    checkCancelled(hooks);
    hooks.onProgress?.(name, from + (to - from) * Math.min(1, Math.max(0, f)));
  };
}
