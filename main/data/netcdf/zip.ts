/**
 * ZIP archives of NetCDF files, as the Copernicus CDS delivers ERA5 requests that mix
 * instantaneous and accumulated variables: one .nc per stepType, sharing coordinates
 * (FORMATS.md §7.4). The archive opens as one dataset whose variables are the union of its
 * members' (coordinate variables once); reading a variable reads it from its member.
 *
 * Safety (FORMATS.md §3): the archive and each member are size-capped before extraction from the
 * sizes the central directory declares, and each member is inflated into at most its declared
 * size (CRC-32 checked), so a member that lies about its size is corrupt, not a zip bomb;
 * members named with `..` or an absolute path are skipped; nested archives are not opened.
 * Member names are used for display only.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { crc32 } from '../crc32';
import { ensureFits, formatBytes } from '../../core/limits';
import { InrError } from '../../core/errors';
import { LIMITS, type NcDataset, type NcDimension, type NcVariable } from './model';
import { sniffBytes } from './sniff';

const MAX_MEMBERS = 10_000;

/** How to open one member: classic bytes in memory, HDF5 through a temporary file. */
export interface MemberOpeners {
  classic(bytes: Uint8Array, label: string): Promise<NcDataset>;
  hdf5(file: string, onClose: () => Promise<void>): Promise<NcDataset>;
}

function unsafeName(name: string): boolean {
  return name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).includes('..');
}

/** One member as the central directory describes it (APPNOTE 6.3.10, §4.3.12). */
interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/**
 * The central directory of a ZIP held in memory: the end record (searched backwards over at most
 * 64 KiB of comment), ZIP64 records when a field is saturated, and one entry per member.
 */
function readDirectory(bytes: Uint8Array, path?: string): ZipEntry[] {
  const corrupt = (why: string): InrError => new InrError('E_CORRUPT', `corrupt ZIP archive (${why})`, path);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => (at + 2 <= bytes.length ? dv.getUint16(at, true) : NaN);
  const u32 = (at: number) => (at + 4 <= bytes.length ? dv.getUint32(at, true) : NaN);
  const u64 = (at: number) => (at + 8 <= bytes.length ? u32(at) + u32(at + 4) * 2 ** 32 : NaN);
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 65535); p--) {
    if (u32(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end of central directory record');
  let count = u16(eocd + 10);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (u32(locator) !== 0x07064b50) throw corrupt('ZIP64 end record locator missing');
    const z64 = u64(locator + 8);
    if (u32(z64) !== 0x06064b50) throw corrupt('ZIP64 end record missing');
    count = u64(z64 + 32);
    cdOffset = u64(z64 + 48);
  }
  if (!(count <= MAX_MEMBERS)) throw new InrError('E_TOO_LARGE', `ZIP archive with more than ${MAX_MEMBERS} members`, path);
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (u32(p) !== 0x02014b50) throw corrupt(`central directory entry ${i + 1} missing`);
    const nameLength = u16(p + 28);
    const extraLength = u16(p + 30);
    const commentLength = u16(p + 32);
    if (p + 46 + nameLength + extraLength > bytes.length) throw corrupt('central directory runs past the end');
    const e: ZipEntry = {
      name: new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLength)),
      flags: u16(p + 8),
      method: u16(p + 10),
      crc: u32(p + 16),
      compressedSize: u32(p + 20),
      size: u32(p + 24),
      localOffset: u32(p + 42),
    };
    // ZIP64 extended information (§4.5.3): the saturated fields, in this order.
    for (let x = p + 46 + nameLength; x + 4 <= p + 46 + nameLength + extraLength; x += 4 + u16(x + 2)) {
      if (u16(x) !== 0x0001) continue;
      let at = x + 4;
      if (e.size === 0xffffffff) {
        e.size = u64(at);
        at += 8;
      }
      if (e.compressedSize === 0xffffffff) {
        e.compressedSize = u64(at);
        at += 8;
      }
      if (e.localOffset === 0xffffffff) e.localOffset = u64(at);
    }
    entries.push(e);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The bytes of one member, inflated into at most the size the central directory declares: a
 * member that inflates beyond it (a zip bomb behind a small declared size) or whose CRC-32
 * differs is corrupt.
 */
function memberBytes(bytes: Uint8Array, e: ZipEntry, path?: string): Uint8Array {
  const corrupt = (why: string): InrError => new InrError('E_CORRUPT', `corrupt ZIP member ${e.name} (${why})`, path);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const p = e.localOffset;
  if (!(p + 30 <= bytes.length) || dv.getUint32(p, true) !== 0x04034b50) throw corrupt('no local header');
  const start = p + 30 + dv.getUint16(p + 26, true) + dv.getUint16(p + 28, true);
  if (!(start + e.compressedSize <= bytes.length)) throw corrupt('data run past the end of the archive');
  const data = bytes.subarray(start, start + e.compressedSize);
  let out: Uint8Array;
  if (e.method === 0) {
    if (e.compressedSize !== e.size) throw corrupt(`stored with ${e.compressedSize} bytes, declared ${e.size}`);
    out = data;
  } else {
    try {
      const b = inflateRawSync(data, { maxOutputLength: Math.max(1, e.size), chunkSize: Math.max(64, e.size + 1) });
      out = new Uint8Array(b.buffer, b.byteOffset, b.length);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') throw corrupt(`inflates to more than the ${formatBytes(e.size)} the archive declares`);
      throw corrupt(err instanceof Error ? err.message : String(err));
    }
    if (out.length !== e.size) throw corrupt(`inflates to ${out.length} bytes, the archive declares ${e.size}`);
  }
  if (crc32(out) !== e.crc) throw corrupt('CRC-32 mismatch');
  return out;
}

/** Extract the archive's members within the caps (sizes checked before anything is inflated). */
function extractMembers(bytes: Uint8Array, path?: string): { members: Array<[string, Uint8Array]>; skipped: string[] } {
  const skipped: string[] = [];
  const accepted: ZipEntry[] = [];
  let total = 0;
  for (const e of readDirectory(bytes, path)) {
    if (e.name.endsWith('/')) continue;
    if (unsafeName(e.name)) {
      skipped.push(`${e.name} (unsafe name)`);
      continue;
    }
    if (e.flags & 1) {
      skipped.push(`${e.name} (encrypted)`);
      continue;
    }
    if (e.method !== 0 && e.method !== 8) {
      skipped.push(`${e.name} (compression method ${e.method})`);
      continue;
    }
    total += e.size;
    if (e.size > LIMITS.maxZipMemberBytes || total > LIMITS.maxZipMemberBytes) {
      throw new InrError('E_TOO_LARGE', `ZIP members larger than ${LIMITS.maxZipMemberBytes >> 20} MiB; unzip the archive first`, path);
    }
    accepted.push(e);
  }
  // The archive and its members are all held in memory at once.
  ensureFits(bytes.length + total, `the ZIP directory declares members of ${formatBytes(total)}`, path);
  return { members: accepted.map((e) => [e.name, memberBytes(bytes, e, path)]), skipped };
}

/** Open a ZIP of NetCDF files as one dataset. */
export async function openZip(path: string, open: MemberOpeners): Promise<NcDataset> {
  const size = (await stat(path)).size;
  if (size > LIMITS.maxZipBytes) {
    throw new InrError('E_TOO_LARGE', `ZIP archive of ${(size / 2 ** 20).toFixed(0)} MiB (limit ${LIMITS.maxZipBytes >> 20} MiB); unzip it first`, path);
  }
  const { members, skipped } = extractMembers(new Uint8Array(await readFile(path)), path);
  const opened: Array<{ name: string; ds: NcDataset }> = [];
  let tmp: string | undefined;
  try {
    for (const [name, bytes] of members) {
      const kind = sniffBytes(bytes.subarray(0, 1024));
      if (kind === 'cdf1' || kind === 'cdf2' || kind === 'cdf5') {
        opened.push({ name, ds: await open.classic(bytes, `${path}:${name}`) });
      } else if (kind === 'hdf5') {
        tmp ??= await mkdtemp(join(tmpdir(), 'inr-netcdf-zip-'));
        const file = join(tmp, `member-${opened.length}.nc`);
        await writeFile(file, bytes);
        opened.push({ name, ds: await open.hdf5(file, () => rm(file, { force: true })) });
      } else {
        skipped.push(`${name} (${kind === 'zip' ? 'nested archive' : 'not NetCDF'})`);
      }
    }
  } catch (err) {
    await Promise.all(opened.map((o) => o.ds.close()));
    if (tmp) await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  if (opened.length === 0) {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    throw new InrError('E_FORMAT', `the ZIP archive holds no NetCDF file${skipped.length ? ` (${skipped.slice(0, 5).join(', ')})` : ''}`, path);
  }
  return mergeMembers(opened, skipped, tmp);
}

/** One dataset over several: variables by first occurrence, each read from its own member. */
function mergeMembers(opened: Array<{ name: string; ds: NcDataset }>, skipped: string[], tmp?: string): NcDataset {
  const owner = new Map<string, { ds: NcDataset; v: NcVariable }>();
  const variables: NcVariable[] = [];
  const dims = new Map<string, NcDimension>();
  for (const { ds } of opened) {
    for (const d of ds.dimensions) if (!dims.has(d.name)) dims.set(d.name, d);
    for (const v of ds.variables) {
      if (owner.has(v.name)) continue;
      owner.set(v.name, { ds, v });
      variables.push(v);
    }
  }
  const kinds = [...new Set(opened.map((o) => o.ds.formatLabel))].join(', ');
  const notes = [`ZIP members: ${opened.map((o) => o.name).join(', ')}`];
  if (skipped.length) notes.push(`ZIP members skipped: ${skipped.join(', ')}`);
  return {
    formatLabel: `ZIP of ${opened.length} NetCDF file${opened.length > 1 ? 's' : ''} (${kinds})`,
    dimensions: [...dims.values()],
    variables,
    attributes: opened[0].ds.attributes,
    notes,
    read(variable, start, count) {
      const o = owner.get(variable.name);
      if (!o) return Promise.reject(new InrError('E_ARG', `no variable ${variable.name}`));
      return o.ds.read(o.v, start, count);
    },
    async close() {
      await Promise.all(opened.map((o) => o.ds.close()));
      if (tmp) await rm(tmp, { recursive: true, force: true });
    },
  };
}
