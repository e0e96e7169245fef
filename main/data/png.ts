import { PNG } from 'pngjs';
import { createField, sampleCount, type Field } from '../core/field';
import { InrError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic';
import { decodePngBytes } from './png-decode';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(head: Uint8Array): boolean {
  return PNG_MAGIC.every((b, i) => head[i] === b);
}

/**
 * Decode a PNG into a Field with axes (y, x). Gray images get one channel, colour and palette
 * images three (R, G, B). Values are the stored integers (0–255 or 0–65535). An alpha channel
 * is not a channel: fully transparent pixels become masked samples. The size the IHDR claims is
 * checked against the memory limit before anything is allocated (see png-decode.ts).
 */
export function decodePng(bytes: Uint8Array, path: string): Field {
  const png = decodePngBytes(bytes, path);
  const { width, height, bitDepth: depth, colorType, hasAlpha } = png;
  const palette = colorType === 3;
  return createField({
    axes: ['y', 'x'],
    shape: [height, width],
    channels: png.channels === 3 ? ['R', 'G', 'B'] : ['gray'],
    values: png.values,
    mask: png.mask,
    dtype: depth === 16 && !palette ? 'uint16' : 'uint8',
    provenance: { format: 'png', path, meta: { bitDepth: depth, hasAlpha } },
  });
}

export interface PngWriteOptions {
  /** 8 or 16 bits per sample. Default: 16 if the field's dtype is uint16, else 8. */
  bitDepth?: 8 | 16;
  /** Value mapped to 0 and to the top code. Default: the dtype's range for integer images, else min/max. */
  range?: [number, number];
  /** Which sample along each leading axis to write when the field has more than 2 axes. */
  sliceIndex?: number[];
}

/** Encode a 2D slice of a Field as PNG (gray or RGB, 8- or 16-bit); masked samples become transparent. */
export function encodePng(field: Field, opts: PngWriteOptions = {}): Buffer {
  const d = field.shape.length;
  if (d < 2) throw new InrError('E_ARG', 'PNG needs a field with at least 2 axes');
  const height = field.shape[d - 2];
  const width = field.shape[d - 1];
  const C = field.channels.length;
  const lead = field.shape.slice(0, d - 2);
  const idx = opts.sliceIndex ?? lead.map(() => 0);
  let offset = 0;
  for (let k = 0; k < lead.length; k++) offset = offset * lead[k] + (idx[k] ?? 0);
  offset *= width * height;
  const bitDepth = opts.bitDepth ?? (field.dtype === 'uint16' ? 16 : 8);
  const top = bitDepth === 16 ? 65535 : 255;
  const [lo, top0] = opts.range ?? defaultRange(field, offset, width * height);
  const hi = top0 > lo ? top0 : lo + 1;
  const outC = C >= 3 ? 3 : 1;
  const hasMask = Boolean(field.mask);
  const colorType = ((outC === 3 ? 2 : 0) | (hasMask ? 4 : 0)) as 0 | 2 | 4 | 6;
  const png = new PNG({ width, height, bitDepth, colorType, inputColorType: 6, inputHasAlpha: true });
  const data = bitDepth === 16 ? new Uint16Array(width * height * 4) : png.data;
  for (let i = 0; i < width * height; i++) {
    const s = offset + i;
    for (let c = 0; c < 3; c++) {
      const v = field.values[s * C + (outC === 3 ? c : 0)];
      const q = Math.round(((v - lo) / (hi - lo)) * top);
      data[i * 4 + c] = Number.isFinite(q) ? Math.min(top, Math.max(0, q)) : 0;
    }
    data[i * 4 + 3] = field.mask && !field.mask[s] ? 0 : top;
  }
  if (bitDepth === 16) (png as unknown as { data: Uint16Array }).data = data as Uint16Array;
  return PNG.sync.write(png, { bitDepth, colorType, inputColorType: 6, inputHasAlpha: true });
}

function defaultRange(field: Field, offset: number, n: number): [number, number] {
  if (field.dtype === 'uint8') return [0, 255];
  if (field.dtype === 'uint16') return [0, 65535];
  let lo = Infinity;
  let hi = -Infinity;
  const C = field.channels.length;
  for (let i = offset * C; i < (offset + n) * C; i++) {
    const v = field.values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function writePng(path: string, field: Field, opts: PngWriteOptions = {}): void {
  if (sampleCount(field.shape) === 0) throw new InrError('E_ARG', 'cannot write an empty field', path);
  writeFileAtomic(path, encodePng(field, opts));
}
