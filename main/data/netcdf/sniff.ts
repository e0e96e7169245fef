/**
 * Recognising NetCDF by its magic bytes, never by extension (FORMATS.md §3):
 *
 * - `CDF\x01` classic, `CDF\x02` 64-bit offset, `CDF\x05` 64-bit data (CDF-5): NetCDF Users
 *   Guide, "File Format Specifications".
 * - `\x89HDF\r\n\x1a\n`: HDF5, i.e. NetCDF-4. The HDF5 File Format Specification (§2.1, "Format
 *   Signature and Superblock") allows a user block, so the signature may sit at byte 0, 512,
 *   1024, 2048, … (powers of two from 512).
 * - `PK\x03\x04`: a ZIP archive, which the Copernicus CDS delivers for mixed ERA5 requests.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export type NetcdfKind = 'cdf1' | 'cdf2' | 'cdf5' | 'hdf5' | 'zip';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Furthest user-block offset we probe for the HDF5 signature. */
const MAX_USER_BLOCK = 1 << 20;

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

/** The NetCDF flavour of these first bytes, judged from the bytes alone. */
export function sniffBytes(head: Uint8Array): NetcdfKind | undefined {
  if (head[0] === 0x43 && head[1] === 0x44 && head[2] === 0x46) {
    if (head[3] === 1) return 'cdf1';
    if (head[3] === 2) return 'cdf2';
    if (head[3] === 5) return 'cdf5';
    return undefined;
  }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  return hdf5SignatureOffset(head) !== undefined ? 'hdf5' : undefined;
}

/** Offset of the HDF5 signature within `bytes` (0, 512, 1024, …), if any. */
function hdf5SignatureOffset(bytes: Uint8Array): number | undefined {
  for (let at = 0; at + HDF5_SIGNATURE.length <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (startsWith(bytes, HDF5_SIGNATURE, at)) return at;
  }
  return undefined;
}

/**
 * The NetCDF flavour of a file: its head first, then (for HDF5 with a large user block) a few
 * 8-byte probes at the powers of two past the head. Returns undefined for anything else.
 */
export function sniffNetcdf(head: Uint8Array, path?: string): NetcdfKind | undefined {
  const kind = sniffBytes(head);
  if (kind || !path || head.length < 1024) return kind;
  return probeUserBlock(path, head.length) ? 'hdf5' : undefined;
}

function probeUserBlock(path: string, from: number): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buf = new Uint8Array(HDF5_SIGNATURE.length);
    for (let at = 512; at <= MAX_USER_BLOCK; at *= 2) {
      if (at + HDF5_SIGNATURE.length <= from) continue;
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n < buf.length) return false;
      if (startsWith(buf, HDF5_SIGNATURE)) return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
