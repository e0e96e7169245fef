import { InrError } from '../../core/errors';

/**
 * Memory guards shared by the raster and volume readers. A header can claim any size; a reader
 * checks the claim against these limits before it allocates anything, so a corrupt or hostile
 * file ends in `E_TOO_LARGE` instead of an out-of-memory crash.
 */

/** Largest Field we build: 1 GiB of Float32 values (2^28 samples × channels). */
export const MAX_FIELD_BYTES = 2 ** 30;

/**
 * Throw `E_TOO_LARGE` unless `dims` (sizes of every axis, channels included) are positive
 * integers whose Float32 product stays within `MAX_FIELD_BYTES`. `what` names the format.
 */
export function assertFieldSize(dims: readonly number[], what: string, path?: string): void {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 1) {
      throw new InrError('E_CORRUPT', `${what}: invalid dimension ${d} (dimensions ${dims.join(' × ')})`, path);
    }
  }
  const bytes = dims.reduce((a, b) => a * b, 1) * Float32Array.BYTES_PER_ELEMENT;
  if (bytes > MAX_FIELD_BYTES) {
    const gib = (bytes / 2 ** 30).toFixed(1);
    throw new InrError('E_TOO_LARGE', `${what}: ${dims.join(' × ')} samples would need ${gib} GiB as float32 (limit ${MAX_FIELD_BYTES / 2 ** 30} GiB)`, path);
  }
}
