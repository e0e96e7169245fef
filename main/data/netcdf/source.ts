/**
 * Random access to bytes, from a file (positional reads, nothing else loaded) or from memory
 * (a ZIP member). The classic reader only ever asks for the header and the byte ranges of the
 * hyperslab it decodes.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InrError } from '../../core/errors';

export interface ByteSource {
  readonly size: number;
  /**
   * Exactly `length` bytes at `offset`, in a buffer the caller owns and may modify; throws
   * E_CORRUPT when the source ends before.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A file opened read-only; the caller closes it. */
export async function fileSource(path: string): Promise<ByteSource> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    throw new InrError('E_NOT_FOUND', 'cannot open the file', path);
  }
  const size = (await fh.stat()).size;
  let closed = false;
  return {
    size,
    async read(offset, length) {
      checkRange(offset, length, size, path);
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new InrError('E_CORRUPT', `file ends at byte ${offset + done}, expected ${offset + length}`, path);
        done += bytesRead;
      }
      return buf;
    },
    async close() {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    },
  };
}

/** Bytes already in memory (a ZIP member, a test fixture). */
export function memorySource(bytes: Uint8Array, label?: string): ByteSource {
  return {
    size: bytes.length,
    async read(offset, length) {
      checkRange(offset, length, bytes.length, label);
      return bytes.slice(offset, offset + length);
    },
    async close() {},
  };
}

function checkRange(offset: number, length: number, size: number, path?: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new InrError('E_CORRUPT', `invalid byte range ${offset}+${length}`, path);
  }
  if (offset + length > size) {
    throw new InrError('E_CORRUPT', `truncated file: needs bytes up to ${offset + length}, has ${size}`, path);
  }
}
