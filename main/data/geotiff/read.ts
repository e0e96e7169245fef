import { fromArrayBuffer, fromFile, type GeoTIFF, type TypedArray } from 'geotiff';
import { InrError, asReadError } from '../../core/errors';
import { createField, type Field, type Geometry } from '../../core/field';
import type { DatasetListing } from '../registry';
import { assertFieldSize } from '../image/limits';
import { installBoundedDecoders } from './decoders';
import { bandInfo, parseGdalMetadata, parseNoData, type GdalMetadata } from './gdal-metadata';
import { decodeGeoKeys, describeCrs, epsgOf, isPixelIsPoint, type GeoKeysRecord } from './geokeys';
import { axisGeometry, geoTransformFromTags, scaleGeoTransform, type GeoTransform } from './geotransform';
import { checkBlocks, fileSource, imageInfo, memorySource, parseTiffStructure, tagAscii, tagNumbers, type ImageInfo, type TiffStructure } from './structure';
import { toPhysical } from './pixels';
import { Compression, Photometric, SampleFormat, Tag, sampleTypeOf } from './tags';

/**
 * Reading TIFF and GeoTIFF into a Field with axes (y, x), channel-last.
 *
 * Our structure walk (structure.ts) checks the file and the claimed size first; geotiff.js
 * (3.0.5) then decodes the pixels (every compression it knows: Deflate ± predictor, LZW,
 * PackBits, JPEG, ZSTD, LERC…; strips or tiles; BigTIFF). Metadata come from the tags
 * directly: GeoKeys kept raw, geotransform, GDAL_NODATA → mask, GDAL_METADATA band names and
 * scale/offset → physical values (FORMATS.md §5: geotiff.js applies neither).
 */

/** A TIFF to read: its path, and its bytes when already in memory. */
export interface TiffInput {
  path: string;
  bytes?: Uint8Array;
}

/** Options of `decodeTiff` / `readTiffFile`. */
export interface TiffReadOptions {
  /** IFD to read; default the full-resolution image. */
  image?: number;
  signal?: AbortSignal;
}

/** Everything about a TIFF's images that the reader, the listing and overviews need. */
interface TiffLayout {
  structure: TiffStructure;
  main: ImageInfo;
  /** Reduced-resolution images of `main`, largest first. */
  overviews: ImageInfo[];
}

/**
 * Run `fn` on the checked structure of `input` and close the file afterwards. Every failure
 * becomes an InrError naming the file (a missing file: E_NOT_FOUND).
 */
async function withStructure<T>(input: TiffInput, fn: (s: TiffStructure) => T | Promise<T>): Promise<T> {
  let structure: TiffStructure | undefined;
  try {
    const source = input.bytes ? memorySource(input.bytes) : fileSource(input.path);
    try {
      structure = parseTiffStructure(source, input.path);
    } catch (err) {
      source.close();
      throw err;
    }
    return await fn(structure);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new InrError('E_NOT_FOUND', 'no such file', input.path);
    throw asReadError(err, input.path, 'TIFF');
  } finally {
    structure?.source.close();
  }
}

/**
 * Full resolution = the first IFD that is neither a reduced-resolution image nor a mask
 * (NewSubfileType bits 0 and 2, TIFF 6.0 §8); overviews = reduced images of the same band count.
 */
function layoutOf(structure: TiffStructure, path: string): TiffLayout {
  const infos = structure.ifds.map((_, i) => {
    try {
      return imageInfo(structure, i, path);
    } catch (err) {
      if (i === 0) throw err;
      return undefined; // a damaged secondary IFD does not spoil the main image
    }
  });
  const main = infos.find((x) => x && (x.subfileType & 5) === 0) ?? infos[0];
  if (!main) throw new InrError('E_CORRUPT', 'corrupt TIFF: no readable image directory', path);
  const overviews = infos
    .filter((x): x is ImageInfo => !!x && x !== main && (x.subfileType & 1) === 1 && (x.subfileType & 4) === 0)
    .filter((x) => x.samplesPerPixel === main.samplesPerPixel && x.width <= main.width && x.height <= main.height)
    .sort((a, b) => b.width * b.height - a.width * a.height);
  return { structure, main, overviews };
}

/** GeoTIFF metadata of the main image: geotransform, CRS, nodata, GDAL band metadata. */
interface GeoMeta {
  geoKeys?: GeoKeysRecord;
  geoTransform?: GeoTransform;
  pixelIsPoint: boolean;
  /** Raw ModelTiepoint values when they are ground control points rather than an affine. */
  gcps?: number[];
  nodata: number | null;
  gdal?: GdalMetadata;
}

/** Read the geo tags of the main image (overviews carry none). */
function geoMetaOf(s: TiffStructure, main: ImageInfo): GeoMeta {
  const ifd = s.ifds[main.index];
  const directory = tagNumbers(s, ifd, Tag.GeoKeyDirectory);
  const geoKeys = directory ? decodeGeoKeys(directory, tagNumbers(s, ifd, Tag.GeoDoubleParams) ?? [], tagAscii(s, ifd, Tag.GeoAsciiParams) ?? '') : undefined;
  const pixelIsPoint = isPixelIsPoint(geoKeys?.keys);
  const model = {
    pixelScale: tagNumbers(s, ifd, Tag.ModelPixelScale),
    tiepoints: tagNumbers(s, ifd, Tag.ModelTiepoint),
    transformation: tagNumbers(s, ifd, Tag.ModelTransformation),
  };
  const geoTransform = geoTransformFromTags(model, pixelIsPoint);
  const gcps = !geoTransform && model.tiepoints && model.tiepoints.length >= 6 ? model.tiepoints : undefined;
  const xml = tagAscii(s, ifd, Tag.GdalMetadata);
  return {
    geoKeys,
    geoTransform,
    pixelIsPoint,
    gcps,
    nodata: parseNoData(tagAscii(s, ifd, Tag.GdalNoData)),
    gdal: xml ? parseGdalMetadata(xml, main.samplesPerPixel) : undefined,
  };
}

/** True when the file carries any georeferencing (GeoKeys or a model transform). */
function isGeo(g: GeoMeta): boolean {
  return !!(g.geoKeys || g.geoTransform || g.gcps);
}

/** Photometric interpretations that geotiff.js must convert to RGB (palette, YCbCr, CMYK, Lab). */
function needsRgbConversion(info: ImageInfo): boolean {
  const p = info.photometric;
  return p === Photometric.Palette || p === Photometric.CMYK || p === Photometric.YCbCr || p === Photometric.CIELab;
}

/** RGB with one alpha extra sample (ExtraSamples 1 associated / 2 unassociated, TIFF 6.0 §18). */
function alphaIndex(info: ImageInfo): number | undefined {
  if (info.photometric !== Photometric.RGB || info.samplesPerPixel !== 4) return undefined;
  return info.extraSamples[0] === 1 || info.extraSamples[0] === 2 ? 3 : undefined;
}

/** Channel names: GDAL band descriptions, else R,G,B for colour, gray for plain images, else bandN. */
function channelNames(info: ImageInfo, geo: GeoMeta, geoFile: boolean, count: number, rgb: boolean): string[] {
  const { names } = bandInfo(geo.gdal, count);
  if (!rgb && names.every((n) => n)) return unique(names as string[]);
  if (rgb || (info.photometric === Photometric.RGB && count >= 3)) {
    return Array.from({ length: count }, (_, i) => ['R', 'G', 'B'][i] ?? `band${i + 1}`);
  }
  if (count === 1 && !geoFile) return ['gray'];
  return Array.from({ length: count }, (_, i) => names[i] ?? `band${i + 1}`);
}

/** Make names unique (`a`, `a`, → `a`, `a_2`): channels are looked up by name. */
function unique(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}_${k}`;
  });
}

/** Storage type name from SampleFormat and BitsPerSample (`uint8`, `int16`, `float32`, `uint12`…). */
function dtypeOf(info: ImageInfo): string {
  const bits = info.bitsPerSample[0];
  const fmt = info.sampleFormat[0] || SampleFormat.Uint;
  return sampleTypeOf(fmt, bits) ?? (fmt === SampleFormat.Float ? `float${bits}` : `${fmt === SampleFormat.Int ? 'int' : 'uint'}${bits}`);
}

/** Open the TIFF with geotiff.js: from the file, or from an exact copy of the bytes in memory. */
async function openGeoTiff(input: TiffInput, signal?: AbortSignal): Promise<GeoTIFF> {
  if (!input.bytes) return fromFile(input.path, signal);
  const b = input.bytes;
  const exact = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
  const ab = exact ? (b.buffer as ArrayBuffer) : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  return fromArrayBuffer(ab, signal);
}

/** Decode the pixels of IFD `info.index` with geotiff.js, pixel-interleaved. */
async function decodePixels(input: TiffInput, info: ImageInfo, rgb: boolean, signal?: AbortSignal): Promise<TypedArray> {
  const tiff = await openGeoTiff(input, signal);
  try {
    const image = await tiff.getImage(info.index);
    const raster = rgb ? await image.readRGB({ interleave: true, signal }) : await image.readRasters({ interleave: true, signal });
    return raster as unknown as TypedArray;
  } finally {
    await tiff.close();
  }
}

/** Largest decoded strip or tile we accept (real files use 8 KiB – 4 MiB). */
const MAX_BLOCK_BYTES = 256 * 2 ** 20;

/** Refuse strips or tiles whose decoded size is absurd (a tile can exceed the image, but not by this much). */
function checkBlockSize(info: ImageInfo, path: string): void {
  const bits = info.planarConfiguration === 2 ? info.bitsPerSample[0] : info.bitsPerSample.reduce((a, b) => a + b, 0);
  const bytes = Math.ceil((info.blockWidth * bits) / 8) * info.blockHeight;
  if (!(bytes <= MAX_BLOCK_BYTES)) {
    throw new InrError(
      'E_TOO_LARGE',
      `TIFF ${info.tiled ? 'tiles' : 'strips'} of ${info.blockWidth} × ${info.blockHeight} pixels (${bits} bits each) are too large to decode`,
      path,
    );
  }
}

/**
 * Memory a decode allocates: the file when it is held in memory, geotiff.js's pixel-interleaved
 * raster (one typed array of the sample type: 1, 2, 4 or 8 bytes per sample; RGB conversion
 * gives 3 samples), a decoded block and its predictor copy, then our Float32 values and mask.
 */
function tiffDecodeBytes(info: ImageInfo, rgb: boolean, channels: number, heldBytes: number): number {
  const pixels = info.width * info.height;
  const bits = Math.max(...info.bitsPerSample);
  const sampleBytes = bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
  const stride = rgb ? 3 : info.samplesPerPixel;
  const blockBits = info.planarConfiguration === 2 ? info.bitsPerSample[0] : info.bitsPerSample.reduce((a, b) => a + b, 0);
  const block = Math.ceil((info.blockWidth * blockBits) / 8) * info.blockHeight;
  return heldBytes + pixels * stride * sampleBytes + 2 * block + pixels * channels * 4 + pixels;
}

/** Read one image of a TIFF (the full-resolution one by default) as a Field. */
export async function decodeTiff(input: TiffInput, opts: TiffReadOptions = {}): Promise<Field> {
  installBoundedDecoders();
  return withStructure(input, (structure) => {
    const layout = layoutOf(structure, input.path);
    const info = opts.image === undefined ? layout.main : imageInfo(structure, opts.image, input.path);
    return decodeImage(input, layout, info, opts.signal);
  });
}

/** Check the claimed size and blocks of one image, decode it and build its Field. */
async function decodeImage(input: TiffInput, layout: TiffLayout, info: ImageInfo, signal?: AbortSignal): Promise<Field> {
  const { path } = input;
  const { structure, main } = layout;
  const rgb = needsRgbConversion(info);
  const alpha = alphaIndex(info);
  const channels = rgb || alpha !== undefined ? 3 : info.samplesPerPixel;
  assertFieldSize([info.height, info.width, Math.max(channels, info.samplesPerPixel)], 'TIFF image', path, tiffDecodeBytes(info, rgb, channels, input.bytes?.length ?? 0));
  checkBlockSize(info, path);
  if (info.compression === Compression.OldJPEG) {
    throw new InrError('E_UNSUPPORTED', 'old-style JPEG compression (TIFF compression 6) is not supported; re-save the file with gdal_translate', path);
  }
  checkBlocks(structure, info, path);
  const geo = geoMetaOf(structure, main);
  const geoFile = isGeo(geo);
  const raw = await decodePixels(input, info, rgb, signal);
  const pixels = info.width * info.height;
  const stride = rgb ? 3 : info.samplesPerPixel;
  if (raw.length < pixels * stride) throw new InrError('E_CORRUPT', `corrupt TIFF: decoded ${raw.length} samples, expected ${pixels * stride}`, path);
  const band = bandInfo(geo.gdal, channels);
  const isFloat = raw instanceof Float32Array || raw instanceof Float64Array;
  const minIsWhite = !rgb && !isFloat && info.photometric === Photometric.MinIsWhite && !geoFile;
  const { values, mask } = toPhysical(raw, pixels, stride, channels, {
    scales: rgb ? [1, 1, 1] : band.scales,
    offsets: rgb ? [0, 0, 0] : band.offsets,
    nodata: rgb ? null : geo.nodata,
    float32: raw instanceof Float32Array,
    isFloat,
    alpha,
    invertMax: minIsWhite ? 2 ** info.bitsPerSample[0] - 1 : undefined,
  });
  return createField({
    axes: ['y', 'x'],
    shape: [info.height, info.width],
    channels: channelNames(info, geo, geoFile, channels, rgb),
    values,
    mask,
    dtype: rgb ? (raw instanceof Uint16Array ? 'uint16' : 'uint8') : dtypeOf(info),
    geometry: geometryOf(geo, main, info),
    provenance: { format: geoFile ? 'geotiff' : 'tiff', path, meta: tiffMeta(structure, layout, info, geo, band) },
  });
}

/** The Field geometry of image `info`: the main image's geotransform (scaled for an overview) and CRS. */
function geometryOf(geo: GeoMeta, main: ImageInfo, info: ImageInfo): Partial<Geometry> {
  const geometry: Partial<Geometry> = {};
  if (geo.geoTransform) {
    const gt = info === main ? geo.geoTransform : scaleGeoTransform(geo.geoTransform, main.width, main.height, info.width, info.height);
    geometry.geoTransform = gt;
    Object.assign(geometry, axisGeometry(gt));
  }
  if (geo.geoKeys) {
    const epsg = epsgOf(geo.geoKeys.keys);
    geometry.crs = { ...(epsg ? { epsg } : {}), description: describeCrs(geo.geoKeys.keys), geoKeys: geo.geoKeys as unknown as Record<string, unknown> };
  }
  return geometry;
}

/** What export needs to write the same kind of file back, under `provenance.meta`. */
function tiffMeta(s: TiffStructure, layout: TiffLayout, info: ImageInfo, geo: GeoMeta, band: ReturnType<typeof bandInfo>): Record<string, unknown> {
  return {
    imageIndex: info.index,
    width: info.width,
    height: info.height,
    samplesPerPixel: info.samplesPerPixel,
    bitsPerSample: info.bitsPerSample,
    sampleFormat: info.sampleFormat,
    compression: info.compression,
    predictor: info.predictor,
    photometric: info.photometric,
    planarConfiguration: info.planarConfiguration,
    tiled: info.tiled,
    blockWidth: info.blockWidth,
    blockHeight: info.blockHeight,
    bigTiff: s.bigTiff,
    littleEndian: s.littleEndian,
    overviews: layout.overviews.map((o) => ({ index: o.index, width: o.width, height: o.height })),
    nodata: geo.nodata,
    pixelIsPoint: geo.pixelIsPoint,
    scales: band.scales,
    offsets: band.offsets,
    bandNames: band.names,
    ...(geo.gcps ? { gcps: geo.gcps } : {}),
    ...(geo.gdal ? { gdalMetadata: geo.gdal } : {}),
  };
}

/** Read a TIFF or GeoTIFF file's full-resolution image. */
export function readTiffFile(path: string, opts: TiffReadOptions = {}): Promise<Field> {
  return decodeTiff({ path }, opts);
}

/** Options of `readOverview`. */
export interface OverviewOptions {
  /** Pick the smallest image whose larger side is at least this (default 512). */
  maxSize?: number;
  signal?: AbortSignal;
}

/**
 * A quick preview: the smallest internal overview whose larger side is still ≥ `maxSize`
 * pixels (the full-resolution image when there is no such overview). The geotransform is
 * scaled to the overview's pixel size.
 */
export async function readOverview(input: TiffInput | string, opts: OverviewOptions = {}): Promise<Field> {
  const inp = typeof input === 'string' ? { path: input } : input;
  const want = opts.maxSize ?? 512;
  const index = await withStructure(inp, (structure) => {
    const { main, overviews } = layoutOf(structure, inp.path);
    const fit = [...overviews].reverse().find((o) => Math.max(o.width, o.height) >= want);
    return (fit ?? main).index;
  });
  return decodeTiff(inp, { image: index, signal: opts.signal });
}

/** Header-only description: band names (and, in `overviews`, the overview sizes). */
export async function listTiff(input: TiffInput | string): Promise<DatasetListing & { overviews: Array<[number, number]> }> {
  const inp = typeof input === 'string' ? { path: input } : input;
  return withStructure(inp, (structure) => {
    const { main, overviews } = layoutOf(structure, inp.path);
    const geo = geoMetaOf(structure, main);
    const rgb = needsRgbConversion(main);
    const count = rgb || alphaIndex(main) !== undefined ? 3 : main.samplesPerPixel;
    return { bands: channelNames(main, geo, isGeo(geo), count, rgb), overviews: overviews.map((o): [number, number] => [o.width, o.height]) };
  });
}
