/**
 * Writers by format: the CLI and the UI write a result "in the source's format where a writer
 * exists, otherwise PNG (2D) or NIfTI (volumes)". Every writer is atomic.
 */
import { join } from 'node:path';
import type { Field } from '../core/field';
import { InrError } from '../core/errors';
import { writePng } from './png';
import { writeNifti } from './nifti/index';
import { writeGeoTiff } from './geotiff/index';
import { writeDicomSeries } from './dicom/index';
import { writeNetcdfClassic, writeNetcdf4 } from './netcdf/index';

/** Options a caller may pass to any writer; each writer uses those that apply to its format. */
export interface WriteOptions {
  /**
   * DICOM: de-identify the export (PS3.15 Annex E basic profile, UIDs replaced by keyed
   * hashes with the per-install secret). Default false. Other formats carry no DICOM
   * attributes and ignore it.
   */
  anonymize?: boolean;
}

export interface Writer {
  format: string;
  extension: string;
  /** `target` is a file path, or a folder for formats stored as folders (DICOM series). */
  write(target: string, field: Field, opts?: WriteOptions): void | Promise<void>;
}

const writers = new Map<string, Writer>();

function registerWriter(w: Writer): void {
  writers.set(w.format, w);
}

registerWriter({ format: 'png', extension: '.png', write: (p, f) => writePng(p, f) });
registerWriter({ format: 'nifti', extension: '.nii.gz', write: (p, f) => writeNifti(p, f) });
registerWriter({ format: 'geotiff', extension: '.tif', write: (p, f) => writeGeoTiff(p, f) });
registerWriter({ format: 'tiff', extension: '.tif', write: (p, f) => writeGeoTiff(p, f) });
registerWriter({ format: 'netcdf', extension: '.nc', write: (p, f) => writeNetcdfClassic(p, f) });
registerWriter({ format: 'netcdf4', extension: '.nc', write: (p, f) => writeNetcdf4(p, f) });
// A DICOM result is a derived series: a folder of one file per slice, with new UIDs.
registerWriter({
  format: 'dicom',
  extension: '',
  write: async (dir, f, opts) => void (await writeDicomSeries(dir, f, { seriesDescription: 'INR Studio reconstruction', anonymize: Boolean(opts?.anonymize) })),
});

export function writerFor(format: string): Writer | undefined {
  return writers.get(format);
}

/**
 * Write `field` into `dir` as `<stem>.<ext>`, choosing the source's format when a writer exists.
 * `opts.anonymize` de-identifies DICOM exports.
 */
export async function writeLikeSource(dir: string, stem: string, field: Field, opts: WriteOptions = {}): Promise<string> {
  let w = writerFor(field.provenance.format);
  if (!w) w = field.shape.length >= 3 ? writers.get('nifti') : writers.get('png');
  if (!w) throw new InrError('E_UNSUPPORTED', `no writer for ${field.provenance.format} data of ${field.shape.length} axes`);
  const target = join(dir, w.extension ? `${stem}${w.extension}` : stem);
  await w.write(target, field, opts);
  return target;
}
