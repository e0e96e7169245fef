import { InrError } from '../../core/errors';
import { sampleCount, type Field } from '../../core/field';
import { isSampleType, Photometric, SAMPLE_TYPES, SampleFormat, type SampleType } from './tags';

/**
 * How the writer stores a field's samples (TIFF 6.0 §19 SampleFormat, GDAL conventions for
 * nodata and scale/offset), and the conversion of physical Float32 values to stored samples.
 */

/** Options of `writeGeoTiff` / `encodeGeoTiff`. */
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
export interface StoragePlan {
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

/** Value range of each integer sample type. */
const INT_RANGE: Partial<Record<SampleType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

/** True for float32 and float64. */
function isFloatType(t: SampleType): boolean {
  return SAMPLE_TYPES[t].format === SampleFormat.Float;
}

/** `v` when it is an array of `n` finite numbers (metadata may come from JSON). */
function numArray(v: unknown, n: number): number[] | undefined {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? v : undefined;
}

/** Nodata for a masked field without one: NaN for floats, else the type's most negative (signed) or largest (unsigned) value. */
function defaultNoData(t: SampleType): number {
  if (isFloatType(t)) return NaN;
  const [lo, hi] = INT_RANGE[t] as [number, number];
  return lo < 0 ? lo : hi;
}

/** True when `v` can be stored exactly in type `t`. */
function fitsType(v: number, t: SampleType): boolean {
  if (isFloatType(t)) return true;
  const [lo, hi] = INT_RANGE[t] as [number, number];
  return Number.isInteger(v) && v >= lo && v <= hi;
}

/** The predictor to use: the option, else the source's when it suits the type and data are compressed, else none. */
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

/** Decide type, scaling, nodata, predictor, photometric and block layout for `field`; E_ARG when it cannot be written. */
export function planStorage(field: Field, opts: GeoTiffWriteOptions, path: string): StoragePlan {
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

export type Stored = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** A zeroed typed array of `n` samples of `dtype`. */
export function allocate(dtype: SampleType, n: number): Stored {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint16':
      return new Uint16Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
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
