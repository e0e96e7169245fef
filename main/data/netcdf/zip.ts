/**
 * ZIP archives of NetCDF files, as the Copernicus CDS delivers ERA5 requests that mix
 * instantaneous and accumulated variables: one .nc per stepType, sharing coordinates
 * (FORMATS.md §7.4). The archive opens as one dataset whose variables are the union of its
 * members' (coordinate variables once); reading a variable reads it from its member.
 *
 * Safety (FORMATS.md §3): the archive and each member are size-capped before extraction from the
 * sizes the central directory declares; members named with `..` or an absolute path are skipped;
 * nested archives are not opened. Member names are used for display only.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, type UnzipFileInfo } from 'fflate';
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

/** Extract the archive's members within the caps. */
export function extractMembers(bytes: Uint8Array, path?: string): { members: Array<[string, Uint8Array]>; skipped: string[] } {
  const skipped: string[] = [];
  let total = 0;
  let seen = 0;
  const accept = (f: UnzipFileInfo): boolean => {
    if (++seen > MAX_MEMBERS) throw new InrError('E_TOO_LARGE', `ZIP archive with more than ${MAX_MEMBERS} members`, path);
    if (f.name.endsWith('/')) return false;
    if (unsafeName(f.name)) {
      skipped.push(`${f.name} (unsafe name)`);
      return false;
    }
    if (f.compression !== 0 && f.compression !== 8) {
      skipped.push(`${f.name} (compression method ${f.compression})`);
      return false;
    }
    total += f.originalSize;
    if (f.originalSize > LIMITS.maxZipMemberBytes || total > LIMITS.maxZipMemberBytes) {
      throw new InrError('E_TOO_LARGE', `ZIP members larger than ${LIMITS.maxZipMemberBytes >> 20} MiB; unzip the archive first`, path);
    }
    return true;
  };
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: accept });
  } catch (err) {
    if (err instanceof InrError) throw err;
    throw new InrError('E_CORRUPT', `corrupt ZIP archive (${err instanceof Error ? err.message : String(err)})`, path);
  }
  return { members: Object.entries(files), skipped };
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
