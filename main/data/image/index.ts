import { readFile } from 'node:fs/promises';
import type { Reader } from '../registry';
import { decodeJpeg, isJpeg } from './jpeg';

/**
 * Plain images. JPEG lives here; plain (non-geo) TIFF is read by the TIFF/GeoTIFF reader in
 * `../geotiff`, which marks such fields `tiff`, and written by `writeGeoTiff` (no CRS → no
 * GeoKeys). PNG has its own module (`../png`).
 */
export const jpegReader: Reader = {
  format: 'jpeg',
  label: 'JPEG image',
  sniff: (head) => isJpeg(head),
  read: async (path) => decodeJpeg(await readFile(path), path),
};

export { decodeJpeg, encodeJpeg, writeJpeg, scanJpegFrame, isJpeg, type JpegWriteOptions, type JpegFrame } from './jpeg';
export { assertFieldSize } from './limits';
