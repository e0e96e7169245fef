import { deflateSync } from 'node:zlib';
import { writeFileAtomic } from '../../core/atomic';
import { InrError } from '../../core/errors';
import { sampleCount, type Field } from '../../core/field';
import { assembleTiff, type IfdSpec, type TagValue } from './encoder';
import { formatGdalMetadata, formatNoData } from './gdal-metadata';
import { asGeoKeysRecord, encodeGeoKeys, geoKeysForEpsg, type GeoKeysRecord, type GeoKeyValue } from './geokeys';
import { tagsFromGeoTransform } from './geotransform';
import { floatingPointDifference, horizontalDifference } from './predictor';
import { Compression, FieldType, isSampleType, Photometric, SAMPLE_TYPES, SampleFormat, Tag, type SampleType } from './tags';

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
export interface GeoTiffWriteOptions {
  /** Default `deflate`. */
  compression?: 'deflate' | 'none';
  /** zlib level 1–9, default 6. */
  level?: number;
  /** `true` = 2 for integers, 3 for floats. Default: the source file's predictor when compressing, else none. */
  predictor?: boolean | 1 | 2 | 3;
  /** Tiles instead of strips (default false). */
  tiled?: boolean;
  /** Tile side, a multiple of 16 (default 256). */
  tileSize?: number;
  /** Rows per strip (default: about 64 KiB per strip). */
  rowsPerStrip?: number;
  /** Stored sample type. Default: the field's dtype when TIFF can hold it, else float32. */
  dtype?: SampleType;
  /** Nodata value for masked samples. Default: the source's, else NaN (float) or the type's extreme. */
  nodata?: number;
  /** Force BigTIFF (chosen automatically past 4 GiB). */
  bigTiff?: boolean;
  /** Internal overviews: `true` = halve until the image fits one tile, or a number of levels. */
  overviews?: boolean | number;
  /** Write no GeoKeys when the CRS cannot be expressed as GeoKeys (a WKT-only CRS), instead of failing. */
  dropCrs?: boolean;
}

/** How the samples of a field are stored: type, scaling, nodata, predictor, photometric. */
interface StoragePlan {
  width: number;
  height: number;
  bands: number;
  dtype: SampleType;
  scales: number[];
  offsets: number[];
  nodata?: number;
  predictor: 1 | 2 | 3;
  compress: boolean;
  level: number;
  photometric: number;
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
}

const INT_RANGE: Partial<Record<SampleType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

function isFloatType(t: SampleType): boolean {
  return SAMPLE_TYPES[t].format === SampleFormat.Float;
}

function numArray(v: unknown, n: number): number[] | undefined {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? v : undefined;
}

function defaultNoData(t: SampleType): number {
  if (isFloatType(t)) return NaN;
  const [lo, hi] = INT_RANGE[t] as [number, number];
  return lo < 0 ? lo : hi;
}

function fitsType(v: number, t: SampleType): boolean {
  if (isFloatType(t)) return true;
  const [lo, hi] = INT_RANGE[t] as [number, number];
  return Number.isInteger(v) && v >= lo && v <= hi;
}

function resolvePredictor(opt: GeoTiffWriteOptions['predictor'], source: unknown, dtype: SampleType, compress: boolean, path: string): 1 | 2 | 3 {
  const float = isFloatType(dtype);
  const bits = SAMPLE_TYPES[dtype].bits;
  const ok = (p: number): boolean => p === 1 || (p === 2 && !float && bits <= 32) || (p === 3 && float);
  if (opt === undefined) return compress && (source === 2 || source === 3) && ok(source) ? source : 1;
  const p = opt === true ? (float ? 3 : 2) : opt === false ? 1 : opt;
  if (!compress && p !== 1) throw new InrError('E_ARG', 'a predictor needs compression', path);
  if (!ok(p)) throw new InrError('E_ARG', `predictor ${p} does not suit ${dtype} samples`, path);
  return p as 1 | 2 | 3;
}

function planStorage(field: Field, opts: GeoTiffWriteOptions, path: string): StoragePlan {
  if (field.shape.length !== 2) {
    throw new InrError('E_ARG', `GeoTIFF holds 2-D rasters; this field has axes ${field.axes.join(', ')} (select a slice first)`, path);
  }
  const [height, width] = field.shape;
  const bands = field.channels.length;
  if (sampleCount(field.shape) === 0 || bands === 0) throw new InrError('E_ARG', 'cannot write an empty field', path);
  if (bands > 65535) throw new InrError('E_ARG', `too many bands (${bands})`, path);
  const meta = field.provenance.meta ?? {};
  const dtype: SampleType = opts.dtype ?? (isSampleType(field.dtype) ? field.dtype : 'float32');
  const pack = !isFloatType(dtype);
  const scales = (pack && numArray(meta.scales, bands)) || new Array<number>(bands).fill(1);
  const offsets = (pack && numArray(meta.offsets, bands)) || new Array<number>(bands).fill(0);
  if (scales.some((s) => s === 0)) throw new InrError('E_ARG', 'a band has scale 0', path);
  const sourceNoData = typeof meta.nodata === 'number' ? meta.nodata : undefined;
  let nodata = opts.nodata ?? sourceNoData;
  if (nodata === undefined && field.mask) nodata = defaultNoData(dtype);
  if (nodata !== undefined && !fitsType(nodata, dtype)) {
    if (opts.nodata !== undefined || field.mask) {
      throw new InrError('E_ARG', `nodata ${nodata} cannot be stored as ${dtype}; pass a nodata value that fits`, path);
    }
    nodata = undefined; // the source's nodata does not fit the new type and nothing is masked
  }
  const compress = (opts.compression ?? 'deflate') === 'deflate';
  const rgb = bands >= 3 && field.channels[0] === 'R' && field.channels[1] === 'G' && field.channels[2] === 'B' && (dtype === 'uint8' || dtype === 'uint16');
  const tiled = !!opts.tiled;
  const tileSize = opts.tileSize ?? 256;
  if (tiled && (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0 || tileSize > 65536)) {
    throw new InrError('E_ARG', `tile size must be a positive multiple of 16, not ${tileSize}`, path);
  }
  const rowBytes = width * bands * (SAMPLE_TYPES[dtype].bits / 8);
  const rowsPerStrip = Math.min(height, Math.max(1, Math.floor(opts.rowsPerStrip ?? 65536 / rowBytes)));
  return {
    width,
    height,
    bands,
    dtype,
    scales,
    offsets,
    nodata,
    predictor: resolvePredictor(opts.predictor, meta.predictor, dtype, compress, path),
    compress,
    level: Math.min(9, Math.max(1, Math.round(opts.level ?? 6))),
    photometric: rgb ? Photometric.RGB : Photometric.MinIsBlack,
    tiled,
    blockWidth: tiled ? tileSize : width,
    blockHeight: tiled ? tileSize : rowsPerStrip,
  };
}

type Stored = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

function allocate(dtype: SampleType, n: number): Stored {
  switch (dtype) {
    case 'uint8': return new Uint8Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'int16': return new Int16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'int32': return new Int32Array(n);
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
  }
}

/**
 * Physical values → stored samples: raw = (v − offset) / scale, rounded and clamped for integer
 * types. Masked and non-finite samples get the nodata value (0 when there is none).
 */
export function toStored(values: Float32Array, mask: Uint8Array | undefined, plan: Pick<StoragePlan, 'bands' | 'dtype' | 'scales' | 'offsets' | 'nodata'>): Stored {
  const { bands: C, dtype, scales, offsets } = plan;
  const n = values.length / C;
  const out = allocate(dtype, values.length);
  const range = INT_RANGE[dtype];
  const fill = plan.nodata ?? (range ? 0 : NaN);
  for (let i = 0; i < n; i++) {
    const valid = !mask || mask[i] !== 0;
    for (let c = 0; c < C; c++) {
      const k = i * C + c;
      const v = values[k];
      if (!valid || !Number.isFinite(v)) {
        out[k] = fill;
        continue;
      }
      const raw = scales[c] === 1 && offsets[c] === 0 ? v : (v - offsets[c]) / scales[c];
      out[k] = range ? Math.min(range[1], Math.max(range[0], Math.round(raw))) : raw;
    }
  }
  return out;
}

function bytesOf(a: Stored): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

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
  let rec: Pick<GeoKeysRecord, 'directory' | 'doubleParams' | 'asciiParams'> | undefined = asGeoKeysRecord(crs.geoKeys);
  let keys = asGeoKeysRecord(crs.geoKeys)?.keys;
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
    throw new InrError('E_UNSUPPORTED', 'the field\'s CRS has neither GeoKeys nor an EPSG code, so GeoTIFF cannot carry it (pass dropCrs to write without a CRS)', path);
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

/** One overview level: each pixel the mean of the valid pixels of a 2 × 2 block. */
export function halve(values: Float32Array, mask: Uint8Array | undefined, width: number, height: number, C: number): { values: Float32Array; mask?: Uint8Array; width: number; height: number } {
  const w = Math.ceil(width / 2);
  const h = Math.ceil(height / 2);
  const out = new Float32Array(w * h * C);
  const outMask = mask ? new Uint8Array(w * h) : undefined;
  const sum = new Float64Array(C);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      sum.fill(0);
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const sy = 2 * y + dy;
          const sx = 2 * x + dx;
          if (sy >= height || sx >= width) continue;
          const i = sy * width + sx;
          if (mask && !mask[i]) continue;
          for (let c = 0; c < C; c++) sum[c] += values[i * C + c];
          n++;
        }
      }
      const o = y * w + x;
      if (outMask) outMask[o] = n > 0 ? 1 : 0;
      for (let c = 0; c < C; c++) out[o * C + c] = n > 0 ? sum[c] / n : 0;
    }
  }
  return { values: out, mask: outMask, width: w, height: h };
}

function overviewCount(opt: GeoTiffWriteOptions['overviews'], width: number, height: number, block: number): number {
  if (!opt) return 0;
  let levels = 0;
  let w = width;
  let h = height;
  const max = opt === true ? 30 : Math.max(0, Math.floor(opt));
  while (levels < max && (opt !== true || Math.max(w, h) > block) && Math.max(w, h) > 1) {
    w = Math.ceil(w / 2);
    h = Math.ceil(h / 2);
    levels++;
  }
  return levels;
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
  const ifds: IfdSpec[] = [
    { tags: mainTags, blocks: encodeBlocks(toStored(field.values, field.mask, plan), plan.width, plan.height, plan), offsetsTag, countsTag },
  ];
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
