/**
 * Messages between the engine and the HDF5 worker thread (hdf5-worker.ts). Plain data only, so
 * they cross `postMessage` unchanged; typed arrays travel as transferables.
 */
import type { NcAttributes, NcDimension, NcVariable, NcType, RawArray } from './model';

/** What a NetCDF-4 file holds, as the worker reads it from the HDF5 structure. */
export interface Hdf5Catalog {
  dimensions: NcDimension[];
  variables: NcVariable[];
  attributes: NcAttributes;
}

/** A file to write: every dimension has a coordinate variable of the same name. */
export interface WritePlan {
  dimensions: NcDimension[];
  variables: PlannedVariable[];
  attributes: NcAttributes;
}

export interface PlannedVariable {
  name: string;
  dimensions: string[];
  type: NcType;
  attributes: NcAttributes;
  data: RawArray;
}

export type Hdf5Request =
  | { op: 'catalog'; path: string; limits: { maxAttributeBytes: number; maxObjects: number } }
  | { op: 'read'; path: string; variable: string; start: number[]; count: number[] }
  | { op: 'write'; path: string; plan: WritePlan };

export type Hdf5Reply =
  | { id: number; ok: true; result: unknown; wasmBytes: number }
  | {
      id: number;
      ok: false;
      error: { code: 'E_CORRUPT' | 'E_UNSUPPORTED' | 'E_TOO_LARGE' | 'E_ARG' | 'E_INTERNAL'; message: string };
      wasmBytes: number;
      /** libhdf5 trapped: its state is broken, so the worker must not serve another request. */
      discard?: boolean;
    };

export type Hdf5Message = Hdf5Request & { id: number };
