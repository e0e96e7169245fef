/**
 * NetCDF-4 writer through h5wasm (FORMATS.md §6.5): the same CF content as the classic writer
 * (write-plan.ts), stored as HDF5 datasets. Each dimension is a coordinate variable made an HDF5
 * dimension scale (`H5DSset_scale`) and attached to the axes of every variable that uses it
 * (`H5DSattach_scale`), which netCDF-C reads as NetCDF-4 dimensions without any `_Netcdf4*`
 * bookkeeping. Data variables are chunked (≤ 1 MiB) and deflated; text attributes are
 * fixed-length strings, read back as classic `char` attributes.
 *
 * h5wasm runs in the HDF5 worker thread (hdf5-worker.ts), which writes a temporary sibling of
 * the target; we rename it over the target only when the worker succeeded.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InrError } from '../../core/errors';
import type { Field } from '../../core/field';
import { writeHdf5 } from './hdf5-client';
import { planFromField, type NetcdfWriteOptions } from './write-plan';

/** Write a Field as a NetCDF-4 (HDF5) file, atomically. */
export async function writeNetcdf4(path: string, field: Field, opts: NetcdfWriteOptions = {}): Promise<void> {
  const target = resolve(path);
  let plan;
  try {
    plan = planFromField(field, opts);
  } catch (err) {
    if (err instanceof InrError) throw new InrError(err.code, err.message, path);
    throw err;
  }
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeHdf5(tmp, plan);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof InrError) throw new InrError(err.code, `cannot write NetCDF-4: ${err.message}`, path);
    throw err;
  }
}
