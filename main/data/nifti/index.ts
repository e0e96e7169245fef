import type { Reader } from '../registry';
import { isNifti, readNiftiFile } from './read';

/**
 * NIfTI-1/-2 volumes, `.nii` or `.nii.gz`, recognised by content: sizeof_hdr 348 or 540 with
 * the NIfTI magic, raw or inside a gzip stream (1f 8b), never by extension.
 */
export const niftiReader: Reader = {
  format: 'nifti',
  label: 'NIfTI volume',
  sniff: (head) => isNifti(head),
  read: (path, opts) => readNiftiFile(path, { index: opts.index }),
};

export { readNiftiFile, decodeNifti, isNifti, headerTransforms, type NiftiReadOptions } from './read';
export { writeNifti, encodeNifti, type NiftiWriteOptions } from './write';
export type { NiftiHeader } from './header';
