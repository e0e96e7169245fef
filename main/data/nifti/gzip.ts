import { constants, gunzipSync } from 'node:zlib';
import { InrError } from '../../core/errors';
import { formatBytes } from '../../core/limits';

/**
 * gzip around NIfTI (`.nii.gz`, RFC 1952). The header is inflated alone first, so that the
 * dimensions it claims are checked before the whole volume is decompressed, and the full
 * decompression is capped at the size the header announces.
 */

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Up to `want` bytes from the start of a gzip stream, inflating as small a prefix as will do
 * (4 KiB, then 16, 64… up to 1 MiB). Returns fewer bytes when the stream holds fewer; a
 * truncated tail is fine, a corrupt start throws.
 */
export function gunzipHead(bytes: Uint8Array, want: number): Uint8Array {
  const MAX_PREFIX = 1 << 20;
  for (let take = Math.min(bytes.length, 4096); ; take = Math.min(bytes.length, take * 4)) {
    // Deflate expands at most ~1032:1, so this cap never cuts a valid stream short.
    const out = gunzipSync(bytes.subarray(0, take), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: take * 1100 + want + 1024 });
    if (out.length >= want || take >= bytes.length || take >= MAX_PREFIX) {
      return new Uint8Array(out.buffer, out.byteOffset, Math.min(out.length, want));
    }
  }
}

/**
 * Inflate a whole gzip stream (all members), refusing output beyond `maxBytes`.
 * Truncation and CRC errors become `E_CORRUPT`.
 */
export function gunzipAll(bytes: Uint8Array, maxBytes: number, path?: string): Uint8Array {
  try {
    // One output buffer of the announced size (+1 so that excess data shows): no growing list
    // of chunks concatenated at the end, which would hold the volume twice.
    const cap = Math.max(1, Math.min(maxBytes, 2 ** 32 - 2));
    const out = gunzipSync(bytes, { maxOutputLength: cap, chunkSize: Math.max(64, cap + 1) });
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InrError('E_CORRUPT', `gzip stream inflates to more than the ${formatBytes(maxBytes)} the NIfTI header announces (a gzip bomb, or trailing data)`, path);
    }
    throw new InrError('E_CORRUPT', `corrupt or truncated gzip stream (${e.message ?? String(err)})`, path);
  }
}
