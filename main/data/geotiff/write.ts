/**
 * GeoTIFF writer: a 2-D Field (axes y, x) with any number of bands → one little-endian TIFF,
 * pixel-interleaved (PlanarConfiguration 1), Deflate-compressed (zlib stream, compression 8)
 * with an optional predictor, in strips or tiles, optionally with overviews (COG layout).
 *
 * Geometry is copied from the field, never invented: the GeoKey directory with its double and
 * ASCII parameters verbatim, ModelPixelScale + ModelTiepoint or ModelTransformation, and
 * GDAL_NODATA when the field has a mask. A field without a CRS gets no GeoKeys at all
 * (geotiff.js's own writer would stamp WGS-84 there, FORMATS.md §6.4).
 */
import { deflateSync } from 'node:zlib';
import { writeFileAtomic } from '../../core/atomic';
import { InrError } from '../../core/errors';
import type { Field } from '../../core/field';
import { assembleTiff, type IfdSpec, type TagValue } from './encoder';
import { formatGdalMetadata, formatNoData } from './gdal-metadata';
import { asGeoKeysRecord, encodeGeoKeys, geoKeysForEpsg, type GeoKeysRecord, type GeoKeyValue } from './geokeys';
import { tagsFromGeoTransform } from './geotransform';
import { halve, overviewCount } from './overviews';
import { floatingPointDifference, horizontalDifference } from './predictor';
import { allocate, planStorage, toStored, type GeoTiffWriteOptions, type Stored, type StoragePlan } from './storage';
import { Compression, FieldType, Photometric, SAMPLE_TYPES, Tag } from './tags';

export type { GeoTiffWriteOptions } from './storage';

/** The bytes of a typed array (a view, not a copy). */
function bytesOf(a: Stored): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Typed arrays are written as-is, so the host must be little-endian like the file. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Cut the stored samples into strips or tiles (edge tiles padded with zeros to full size, as
 * TIFF 6.0 §15 requires), apply the predictor and compress each block.
 */
function encodeBlocks(stored: Stored, width: number, height: number, plan: StoragePlan): Uint8Array[] {
  const C = plan.bands;
  const bits = SAMPLE_TYPES[plan.dtype].bits;
  const bw = plan.blockWidth;
  const bh = plan.blockHeight;
  const blocks: Uint8Array[] = [];
  for (let y0 = 0; y0 < height; y0 += bh) {
    for (let x0 = 0; x0 < width; x0 += bw) {
      const rows = plan.tiled ? bh : Math.min(bh, height - y0);
      const block = allocate(plan.dtype, bw * rows * C);
      const cw = Math.min(bw, width - x0);
      const ch = Math.min(rows, height - y0);
      for (let r = 0; r < ch; r++) {
        const src = ((y0 + r) * width + x0) * C;
        block.set(stored.subarray(src, src + cw * C), r * bw * C);
      }
      const bytes = bytesOf(block);
      if (plan.predictor === 2) horizontalDifference(bytes, bits, bw * C, rows, C);
      if (plan.predictor === 3) floatingPointDifference(bytes, bits / 8, bw * C, rows, C);
      blocks.push(plan.compress ? new Uint8Array(deflateSync(bytes, { level: plan.level })) : bytes);
    }
  }
  return blocks;
}

/** Baseline TIFF tags of one image (TIFF 6.0 §8 and §15 for tiles). */
function imageTags(width: number, height: number, plan: StoragePlan, overview: boolean): TagValue[] {
  const C = plan.bands;
  const { bits, format } = SAMPLE_TYPES[plan.dtype];
  const extra = C - (plan.photometric === Photometric.RGB ? 3 : 1);
  const S = FieldType.SHORT;
  const tags: TagValue[] = [
    { tag: Tag.ImageWidth, type: FieldType.LONG, values: [width] },
    { tag: Tag.ImageLength, type: FieldType.LONG, values: [height] },
    { tag: Tag.BitsPerSample, type: S, values: new Array<number>(C).fill(bits) },
    { tag: Tag.Compression, type: S, values: [plan.compress ? Compression.Deflate : Compression.None] },
    { tag: Tag.PhotometricInterpretation, type: S, values: [plan.photometric] },
    { tag: Tag.SamplesPerPixel, type: S, values: [C] },
    { tag: Tag.PlanarConfiguration, type: S, values: [1] },
    { tag: Tag.SampleFormat, type: S, values: new Array<number>(C).fill(format) },
  ];
  if (overview) tags.push({ tag: Tag.NewSubfileType, type: FieldType.LONG, values: [1] });
  if (plan.predictor !== 1) tags.push({ tag: Tag.Predictor, type: S, values: [plan.predictor] });
  if (extra > 0) tags.push({ tag: Tag.ExtraSamples, type: S, values: new Array<number>(extra).fill(0) });
  if (plan.tiled) {
    tags.push({ tag: Tag.TileWidth, type: FieldType.LONG, values: [plan.blockWidth] });
    tags.push({ tag: Tag.TileLength, type: FieldType.LONG, values: [plan.blockHeight] });
  } else {
    tags.push({ tag: Tag.RowsPerStrip, type: FieldType.LONG, values: [plan.blockHeight] });
  }
  if (plan.nodata !== undefined) tags.push({ tag: Tag.GdalNoData, type: FieldType.ASCII, values: formatNoData(plan.nodata) });
  return tags;
}

/** The GeoKey tags for the field's CRS: raw when it came from a GeoTIFF, else from its EPSG code. */
function geoKeyTags(field: Field, opts: GeoTiffWriteOptions, path: string): { tags: TagValue[]; keys?: Record<string, GeoKeyValue> } {
  const crs = field.geometry.crs;
  if (!crs) return { tags: [] };
  const raw = asGeoKeysRecord(crs.geoKeys);
  let rec: Pick<GeoKeysRecord, 'directory' | 'doubleParams' | 'asciiParams'> | undefined = raw;
  let keys = raw?.keys;
  if (!rec && crs.geoKeys && typeof crs.geoKeys === 'object' && Object.keys(crs.geoKeys).some((k) => k.endsWith('GeoKey'))) {
    keys = crs.geoKeys as Record<string, GeoKeyValue>;
    rec = encodeGeoKeys(keys);
  }
  if (!rec && typeof crs.epsg === 'number' && Number.isInteger(crs.epsg) && crs.epsg > 0 && crs.epsg < 32767) {
    keys = geoKeysForEpsg(crs.epsg);
    rec = encodeGeoKeys(keys);
  }
  if (!rec) {
    if (opts.dropCrs) return { tags: [] };
    throw new InrError('E_UNSUPPORTED', "the field's CRS has neither GeoKeys nor an EPSG code, so GeoTIFF cannot carry it (pass dropCrs to write without a CRS)", path);
  }
  const tags: TagValue[] = [{ tag: Tag.GeoKeyDirectory, type: FieldType.SHORT, values: rec.directory }];
  if (rec.doubleParams.length) tags.push({ tag: Tag.GeoDoubleParams, type: FieldType.DOUBLE, values: rec.doubleParams });
  if (rec.asciiParams.length) tags.push({ tag: Tag.GeoAsciiParams, type: FieldType.ASCII, values: rec.asciiParams });
  return { tags, keys };
}

/** The geotransform to write: the field's own, else one built from (y, x) spacing and origin when it has a CRS. */
function geoTransformOf(field: Field): number[] | undefined {
  const g = field.geometry;
  if (Array.isArray(g.geoTransform) && g.geoTransform.length === 6 && g.geoTransform.every(Number.isFinite)) return g.geoTransform;
  if (!g.crs || g.spacing.length !== 2 || g.origin.length !== 2) return undefined;
  const [dy, dx] = g.spacing;
  const [oy, ox] = g.origin;
  return [ox - dx / 2, dx, 0, oy - dy / 2, 0, dy];
}

/** ModelPixelScale + ModelTiepoint, or ModelTransformation, for a geotransform. */
function modelTags(gt: number[] | undefined, pixelIsPoint: boolean): TagValue[] {
  if (!gt) return [];
  const m = tagsFromGeoTransform(gt, pixelIsPoint);
  const D = FieldType.DOUBLE;
  if (m.transformation) return [{ tag: Tag.ModelTransformation, type: D, values: m.transformation }];
  return [
    { tag: Tag.ModelPixelScale, type: D, values: m.pixelScale as number[] },
    { tag: Tag.ModelTiepoint, type: D, values: m.tiepoints as number[] },
  ];
}

/** Band descriptions worth writing: any name other than our reader's defaults `bandN`. */
function bandDescriptions(field: Field): Array<string | undefined> {
  return field.channels.map((name, i) => (name === `band${i + 1}` ? undefined : name));
}

/** Encode a 2-D field as GeoTIFF bytes (see the module comment for what is written). */
export function encodeGeoTiff(field: Field, opts: GeoTiffWriteOptions = {}, path = '<memory>'): Uint8Array {
  if (!HOST_LITTLE_ENDIAN) throw new InrError('E_UNSUPPORTED', 'the TIFF writer needs a little-endian host', path);
  const plan = planStorage(field, opts, path);
  const { tags: geoTags, keys } = geoKeyTags(field, opts, path);
  const pixelIsPoint = keys?.GTRasterTypeGeoKey === 2;
  const xml = formatGdalMetadata(bandDescriptions(field), plan.scales, plan.offsets);
  const mainTags = [
    ...imageTags(plan.width, plan.height, plan, false),
    ...modelTags(geoTransformOf(field), pixelIsPoint),
    ...geoTags,
    ...(xml ? [{ tag: Tag.GdalMetadata, type: FieldType.ASCII, values: xml }] : []),
  ];
  const [offsetsTag, countsTag] = plan.tiled ? [Tag.TileOffsets, Tag.TileByteCounts] : [Tag.StripOffsets, Tag.StripByteCounts];
  const ifds: IfdSpec[] = [{ tags: mainTags, blocks: encodeBlocks(toStored(field.values, field.mask, plan), plan.width, plan.height, plan), offsetsTag, countsTag }];
  let level: { values: Float32Array; mask?: Uint8Array; width: number; height: number } = { values: field.values, mask: field.mask, width: plan.width, height: plan.height };
  const n = overviewCount(opts.overviews, plan.width, plan.height, plan.tiled ? plan.blockWidth : 256);
  for (let k = 0; k < n; k++) {
    level = halve(level.values, level.mask, level.width, level.height, plan.bands);
    const lp = { ...plan, blockHeight: plan.tiled ? plan.blockHeight : Math.min(level.height, plan.blockHeight) };
    ifds.push({
      tags: imageTags(level.width, level.height, lp, true),
      blocks: encodeBlocks(toStored(level.values, level.mask, lp), level.width, level.height, lp),
      offsetsTag,
      countsTag,
    });
  }
  return assembleTiff(ifds, { bigTiff: opts.bigTiff });
}

/** Write a 2-D field as a GeoTIFF (or a plain TIFF when it has no geometry), atomically. */
export function writeGeoTiff(path: string, field: Field, opts: GeoTiffWriteOptions = {}): void {
  writeFileAtomic(path, encodeGeoTiff(field, opts, path));
}
