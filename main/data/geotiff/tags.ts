/**
 * TIFF tag numbers and field types used by the GeoTIFF reader and writer.
 *
 * Sources: TIFF Revision 6.0 (Adobe, 1992) §2 and §8 (baseline and extension tags), Adobe
 * Photoshop TIFF Technical Note 3 (floating-point predictor), BigTIFF (Aware Systems, 2008),
 * OGC GeoTIFF 1.1 (19-008r4) §7.1 (GeoTIFF tags) and GDAL's GTiff driver (GDAL_METADATA 42112,
 * GDAL_NODATA 42113).
 */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  PhotometricInterpretation: 262,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  Predictor: 317,
  ColorMap: 320,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNoData: 42113,
} as const;

/** TIFF 6.0 §2 field types (1–12) plus the BigTIFF 64-bit types (16–18). */
export const FieldType = {
  BYTE: 1,
  ASCII: 2,
  SHORT: 3,
  LONG: 4,
  RATIONAL: 5,
  SBYTE: 6,
  UNDEFINED: 7,
  SSHORT: 8,
  SLONG: 9,
  SRATIONAL: 10,
  FLOAT: 11,
  DOUBLE: 12,
  IFD: 13,
  LONG8: 16,
  SLONG8: 17,
  IFD8: 18,
} as const;

/** Bytes per value of each field type; undefined for types this code does not know. */
export function fieldTypeSize(type: number): number | undefined {
  switch (type) {
    case 1:
    case 2:
    case 6:
    case 7:
      return 1;
    case 3:
    case 8:
      return 2;
    case 4:
    case 9:
    case 11:
    case 13:
      return 4;
    case 5:
    case 10:
    case 12:
    case 16:
    case 17:
    case 18:
      return 8;
    default:
      return undefined;
  }
}

/** Compression codes (TIFF 6.0 §3, plus the Deflate code 8 of the TIFF Technical Notes). */
export const Compression = { None: 1, LZW: 5, OldJPEG: 6, JPEG: 7, Deflate: 8, PackBits: 32773, OldDeflate: 32946 } as const;

/** Photometric interpretations (TIFF 6.0 §3, §5, §6, §21). */
export const Photometric = { MinIsWhite: 0, MinIsBlack: 1, RGB: 2, Palette: 3, Mask: 4, CMYK: 5, YCbCr: 6, CIELab: 8 } as const;

/** SampleFormat (TIFF 6.0 §19): 1 unsigned integer, 2 signed integer, 3 IEEE float. */
export const SampleFormat = { Uint: 1, Int: 2, Float: 3 } as const;

/** The sample types the writer can store, with their TIFF SampleFormat and size. */
export const SAMPLE_TYPES = {
  uint8: { format: SampleFormat.Uint, bits: 8 },
  int8: { format: SampleFormat.Int, bits: 8 },
  uint16: { format: SampleFormat.Uint, bits: 16 },
  int16: { format: SampleFormat.Int, bits: 16 },
  uint32: { format: SampleFormat.Uint, bits: 32 },
  int32: { format: SampleFormat.Int, bits: 32 },
  float32: { format: SampleFormat.Float, bits: 32 },
  float64: { format: SampleFormat.Float, bits: 64 },
} as const;

export type SampleType = keyof typeof SAMPLE_TYPES;

/** `uint8`, `int16`, `float32`… from SampleFormat and BitsPerSample; undefined when unusual. */
export function sampleTypeOf(format: number, bits: number): SampleType | undefined {
  for (const [name, t] of Object.entries(SAMPLE_TYPES)) {
    if (t.format === format && t.bits === bits) return name as SampleType;
  }
  return undefined;
}

/** True when `s` names a sample type the writer can store. */
export function isSampleType(s: string): s is SampleType {
  return Object.prototype.hasOwnProperty.call(SAMPLE_TYPES, s);
}
