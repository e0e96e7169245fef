/**
 * Open any NetCDF flavour as an `NcDataset`, routed by magic bytes (sniff.ts): classic files to
 * classic-dataset.ts, HDF5 to the h5wasm worker, ZIP archives member by member.
 */
import { open as openFile } from 'node:fs/promises';
import { InrError } from '../../core/errors';
import { openClassic, type ClassicEngine } from './classic-dataset';
import { openHdf5 } from './hdf5-client';
import type { NcDataset } from './model';
import { sniffNetcdf } from './sniff';
import { fileSource, memorySource } from './source';
import { openZip } from './zip';

export interface OpenDatasetOptions {
  /** Classic data engine: netcdfjs where it fits (default), or always our own reader. */
  classicEngine?: ClassicEngine;
}

async function readHead(path: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await openFile(path, 'r');
  } catch {
    throw new InrError('E_NOT_FOUND', 'cannot open the file', path);
  }
  try {
    const buf = new Uint8Array(1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Open a NetCDF file (classic, CDF-5, NetCDF-4/HDF5 or a ZIP of them): header now, data later. */
export async function openNetcdfDataset(path: string, opts: OpenDatasetOptions = {}): Promise<NcDataset> {
  const head = await readHead(path);
  const kind = sniffNetcdf(head, path);
  switch (kind) {
    case 'cdf1':
    case 'cdf2':
    case 'cdf5':
      return openClassic(await fileSource(path), path, opts.classicEngine);
    case 'hdf5':
      return openHdf5(path);
    case 'zip':
      return openZip(path, {
        classic: (bytes, label) => openClassic(memorySource(bytes, label), label, opts.classicEngine),
        hdf5: (file, onClose) => openHdf5(file, onClose),
      });
    default:
      if (head.length < 8) throw new InrError('E_CORRUPT', `truncated file: only ${head.length} bytes`, path);
      if (head[0] === 0x43 && head[1] === 0x44 && head[2] === 0x46) {
        throw new InrError('E_UNSUPPORTED', `NetCDF classic version ${head[3]} is unknown (known: 1, 2 and 5)`, path);
      }
      throw new InrError('E_FORMAT', 'not a NetCDF file (no CDF, HDF5 or ZIP signature)', path);
  }
}

/** Run `fn` on an opened dataset and always close it. */
export async function withNetcdfDataset<T>(path: string, fn: (ds: NcDataset) => Promise<T>, opts: OpenDatasetOptions = {}): Promise<T> {
  const ds = await openNetcdfDataset(path, opts);
  try {
    return await fn(ds);
  } finally {
    await ds.close();
  }
}
