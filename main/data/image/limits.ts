import { InrError } from '../../core/errors';
import { dimsText, ensureFits, fieldBytes, product } from '../../core/limits';

/**
 * The size check shared by the raster and volume readers. A header can claim any size; a reader
 * checks the claim before it allocates anything, so a corrupt or hostile file ends in
 * `E_CORRUPT` (a dimension that is not a positive integer) or `E_TOO_LARGE` (over the memory
 * limit of `core/limits.ts`) instead of an out-of-memory crash.
 */

/**
 * Throw `E_CORRUPT` unless `dims` (sizes of every axis, channels last) are positive integers,
 * and `E_TOO_LARGE` unless decoding them fits the memory limit. `decodeBytes` is what the
 * reader's decode allocates in all (raw samples, intermediate buffers, the Field); by default
 * the Float32 values alone. `what` names the format (`PNG image`).
 */
export function assertFieldSize(dims: readonly number[], what: string, path?: string, decodeBytes?: number): void {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 1) {
      throw new InrError('E_CORRUPT', `${what}: invalid dimension ${d} (dimensions ${dimsText(dims)})`, path);
    }
  }
  ensureFits(decodeBytes ?? fieldBytes(product(dims), 1, false), `${what}: the header claims ${dimsText(dims)} samples`, path);
}
