/**
 * NetCDF for INR Studio: the reader (classic CDF-1/CDF-2/CDF-5, NetCDF-4/HDF5, ZIP archives of
 * them as the Copernicus CDS delivers) and the writers (our own classic writer, NetCDF-4 through
 * h5wasm). See FORMATS.md §3, §6.5 and §7 for the decisions behind them.
 */
import { asReadError } from '../../core/errors';
import type { DatasetListing, OpenOptions, Reader } from '../registry';
import { withNetcdfDataset } from './open';
import { sniffBytes, sniffNetcdf } from './sniff';
import { listVariables, readField } from './to-field';

export { writeNetcdfClassic, encodeNetcdfClassic, type ClassicWriteOptions } from './write-classic';
export { writeNetcdf4 } from './write-netcdf4';
export type { NetcdfWriteOptions } from './write-plan';
export { closeHdf5Worker, configureHdf5Worker } from './hdf5-client';
export { openNetcdfDataset, withNetcdfDataset } from './open';
export { sniffNetcdf } from './sniff';
export { decodeTimes } from './cf-time';

/**
 * A ZIP is claimed only when its first member looks like NetCDF: a NetCDF/HDF5 name, or stored
 * (uncompressed) bytes with a NetCDF signature. Other archives are left to other readers.
 */
function zipLooksLikeNetcdf(head: Uint8Array): boolean {
  if (head.length < 30) return false;
  const nameLength = head[26] | (head[27] << 8);
  const extraLength = head[28] | (head[29] << 8);
  const name = new TextDecoder().decode(head.subarray(30, 30 + nameLength));
  if (/\.(nc|nc3|nc4|netcdf|cdf|h5|hdf5|he5)$/i.test(name)) return true;
  const method = head[8] | (head[9] << 8);
  const data = head.subarray(30 + nameLength + extraLength);
  const kind = sniffBytes(data);
  return method === 0 && kind !== undefined && kind !== 'zip';
}

async function read(path: string, opts: OpenOptions) {
  try {
    return await withNetcdfDataset(path, (ds) => readField(ds, path, opts));
  } catch (err) {
    throw asReadError(err, path, 'NetCDF');
  }
}

async function list(path: string): Promise<DatasetListing> {
  try {
    return await withNetcdfDataset(path, async (ds) => listVariables(ds));
  } catch (err) {
    throw asReadError(err, path, 'NetCDF');
  }
}

export const netcdfReader: Reader = {
  format: 'netcdf',
  label: 'NetCDF (classic, 64-bit offset, CDF-5, NetCDF-4/HDF5, ZIP of NetCDF)',
  sniff: (head, path) => {
    // Any "CDF" magic is ours, so an unknown classic version gets a clear "unsupported" error.
    if (head[0] === 0x43 && head[1] === 0x44 && head[2] === 0x46 && head.length >= 4 && head[3] < 16) return true;
    const kind = sniffNetcdf(head, path);
    return kind === 'zip' ? zipLooksLikeNetcdf(head) : kind !== undefined;
  },
  read,
  list,
};
