import type { Field } from '../core/field';
import type { SeriesEntry, VariableEntry } from '../api/contract';

/** Options every reader understands; each reader uses the ones that apply to its format. */
import type { VolumeOccupancyOptions } from '../mesh/occupancy';

export interface OpenOptions {
  /** DICOM: SeriesInstanceUID to pick when a folder holds several series. */
  series?: string;
  /** NetCDF: variable to read. */
  variable?: string;
  /** NetCDF: index or [start, end) range per dimension name. */
  index?: Record<string, number | [number, number]>;
  signal?: AbortSignal;
  /** Meshes: voxels along the longest axis of the occupancy grid (default 256). */
  res?: number;
  /** Volumes: open the volume's occupancy instead (threshold or labels, resampling, clean-up). */
  occupancy?: VolumeOccupancyOptions;
}

/** What a dataset holds besides one Field: DICOM series, NetCDF variables, GeoTIFF bands (the API's own rows). */
export interface DatasetListing {
  series?: SeriesEntry[];
  variables?: VariableEntry[];
  bands?: string[];
}

/**
 * One file format. Readers are registered in one table (see `index.ts`) and chosen by magic
 * bytes, never by extension; a single `openField(path)` dispatches to them.
 */
export interface Reader {
  format: string;
  label: string;
  /** True when the first bytes (at least 512, fewer for short files) are this format's. */
  sniff(head: Uint8Array, path: string): boolean;
  read(path: string, opts: OpenOptions): Promise<Field>;
  list?(path: string, opts: OpenOptions): Promise<DatasetListing>;
}

/** A format stored as a folder of files (a DICOM series, a DICOMDIR tree). */
export interface FolderReader {
  format: string;
  label: string;
  /** True when this folder holds data of this format. */
  sniffFolder(dir: string): Promise<boolean>;
  read(dir: string, opts: OpenOptions): Promise<Field>;
  list?(dir: string, opts: OpenOptions): Promise<DatasetListing>;
}
