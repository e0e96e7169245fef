/**
 * Colour models of DICOM pixel data (PS3.3 C.7.6.3.1.2) turned into RGB samples.
 *
 * - YBR_FULL: full-range YCbCr (JFIF equations), as stored by uncompressed and RLE data.
 * - YBR_FULL_422: the same with chroma halved horizontally, stored Y1 Y2 Cb Cr per pixel pair.
 * - PALETTE COLOR: indices through the red, green and blue lookup tables.
 * JPEG and JPEG 2000 codecs apply their own colour transform, so their output is already RGB.
 */
import type { DataSet } from 'dicom-parser';
import { uint16, valueBytes } from '../parse';
import { TAG } from '../tags';

/** Convert interleaved full-range YCbCr samples of `bits` precision to RGB, in place. */
export function ybrFullToRgb(v: Float64Array, bits: number): Float64Array {
  const max = 2 ** bits - 1;
  const mid = 2 ** (bits - 1);
  const clamp = (x: number): number => (x < 0 ? 0 : x > max ? max : Math.round(x));
  for (let i = 0; i + 2 < v.length; i += 3) {
    const y = v[i];
    const cb = v[i + 1] - mid;
    const cr = v[i + 2] - mid;
    v[i] = clamp(y + 1.402 * cr);
    v[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    v[i + 2] = clamp(y + 1.772 * cb);
  }
  return v;
}

/** Expand YBR_FULL_422 (Y1 Y2 Cb Cr per horizontal pixel pair) to YBR_FULL, 3 samples a pixel. */
export function expandYbr422(src: Float64Array, rows: number, columns: number): Float64Array {
  const out = new Float64Array(rows * columns * 3);
  const pairs = Math.ceil(columns / 2);
  for (let r = 0; r < rows; r++) {
    for (let p = 0; p < pairs; p++) {
      const s = (r * pairs + p) * 4;
      const cb = src[s + 2];
      const cr = src[s + 3];
      for (let k = 0; k < 2; k++) {
        const c = 2 * p + k;
        if (c >= columns) break;
        const o = (r * columns + c) * 3;
        out[o] = src[s + k];
        out[o + 1] = cb;
        out[o + 2] = cr;
      }
    }
  }
  return out;
}

/** A palette: one lookup table per colour, indices from `first`. */
export interface Palette {
  first: number;
  tables: [Float64Array, Float64Array, Float64Array];
}

/** Read the three palette LUTs of a data set; undefined when missing or segmented. */
export function readPalette(ds: DataSet): Palette | undefined {
  const descriptors = [TAG.RedPaletteDescriptor, TAG.GreenPaletteDescriptor, TAG.BluePaletteDescriptor];
  const data = [TAG.RedPaletteData, TAG.GreenPaletteData, TAG.BluePaletteData];
  const tables: Float64Array[] = [];
  let first = 0;
  for (let c = 0; c < 3; c++) {
    const count = uint16(ds, descriptors[c], 0);
    const firstMapped = uint16(ds, descriptors[c], 1);
    const bits = uint16(ds, descriptors[c], 2);
    const bytes = valueBytes(ds, data[c]);
    if (count === undefined || firstMapped === undefined || bits === undefined || !bytes) return undefined;
    const entries = count === 0 ? 65536 : count;
    first = firstMapped;
    const t = new Float64Array(entries);
    const parser = ds.byteArrayParser;
    const base = ds.elements[data[c]].dataOffset;
    if (bits === 8 && bytes.length === entries) {
      for (let i = 0; i < entries; i++) t[i] = bytes[i];
    } else if (bytes.length >= entries * 2) {
      for (let i = 0; i < entries; i++) t[i] = parser.readUint16(ds.byteArray, base + 2 * i);
      if (bits === 8) for (let i = 0; i < entries; i++) t[i] = t[i] > 255 ? t[i] >> 8 : t[i];
    } else return undefined;
    tables.push(t);
  }
  return { first, tables: tables as Palette['tables'] };
}

/** Map palette indices to interleaved RGB. */
export function applyPalette(indices: Float64Array, p: Palette): Float64Array {
  const out = new Float64Array(indices.length * 3);
  for (let i = 0; i < indices.length; i++) {
    for (let c = 0; c < 3; c++) {
      const t = p.tables[c];
      const k = Math.min(t.length - 1, Math.max(0, indices[i] - p.first));
      out[i * 3 + c] = t[k];
    }
  }
  return out;
}
