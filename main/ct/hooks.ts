/**
 * Progress and cancellation for the CT solvers: the same shape as the nets' hooks
 * (onProgress(stage, fraction, metrics), an AbortSignal, or a checkCancel that returns true or
 * throws), so the job runner can drive every method alike.
 */
import { cancelled } from '../core/errors';

export interface CtHooks {
  onProgress?: (stage: string, fraction: number, metrics?: Record<string, number>) => void;
  signal?: AbortSignal;
  /** Called between iterations; return true (or throw) to cancel. */
  checkCancel?: () => boolean | void;
}

/** Throws InrError('E_CANCELLED') when the hooks ask for it. */
export function checkCancelled(hooks: CtHooks | undefined): void {
  if (!hooks) return;
  if (hooks.signal?.aborted) throw cancelled();
  if (hooks.checkCancel?.() === true) throw cancelled();
}
