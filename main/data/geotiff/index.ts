import type { Reader } from '../registry';
import { listTiff, readTiffFile } from './read';
import { isTiff } from './structure';

/**
 * TIFF and GeoTIFF, one reader: fields come out with `provenance.format` `geotiff` when the
 * file has GeoKeys or a model transform, `tiff` for plain images. Sniffed by the TIFF and
 * BigTIFF signatures (`II*\0`, `MM\0*`, `II+\0`, `MM\0+`), never by extension.
 */
export const geotiffReader: Reader = {
  format: 'geotiff',
  label: 'GeoTIFF / TIFF',
  sniff: (head) => isTiff(head),
  read: (path, opts) => readTiffFile(path, { signal: opts.signal }),
  list: async (path) => ({ bands: (await listTiff(path)).bands }),
};

export { readTiffFile, readOverview, listTiff, decodeTiff, type TiffInput, type OverviewOptions } from './read';
export { writeGeoTiff, encodeGeoTiff, type GeoTiffWriteOptions } from './write';
export type { GeoKeysRecord } from './geokeys';
