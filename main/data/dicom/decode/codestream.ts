/**
 * Peek at compressed codestream headers without decoding: image size, components, precision.
 * The decoder checks these against Rows/Columns/SamplesPerPixel before handing data to a codec,
 * so that a corrupt header cannot make a codec allocate gigabytes or decode the wrong image.
 */
import { readJpegHeader } from '../jpeg12';

export interface CodestreamHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** JPEG SOF marker (0xc0…0xcf, 0xf7 for JPEG-LS); absent for JPEG 2000. */
  sof?: number;
}

/** The SIZ header of a JPEG 2000 codestream, also inside a JP2 file's `jp2c` box. */
export function readJ2kHeader(d: Uint8Array): CodestreamHeader | undefined {
  let p = 0;
  if (d.length >= 12 && d[0] === 0 && d[1] === 0 && d[2] === 0 && d[3] === 0x0c && d[4] === 0x6a && d[5] === 0x50) {
    // JP2 container: walk the boxes to the contiguous codestream.
    p = -1;
    let q = 0;
    while (q + 8 <= d.length) {
      let len = ((d[q] << 24) >>> 0) + (d[q + 1] << 16) + (d[q + 2] << 8) + d[q + 3];
      const type = String.fromCharCode(d[q + 4], d[q + 5], d[q + 6], d[q + 7]);
      let header = 8;
      if (len === 1) {
        if (q + 16 > d.length) break;
        len = ((d[q + 12] << 24) >>> 0) + (d[q + 13] << 16) + (d[q + 14] << 8) + d[q + 15] + 2 ** 32 * (((d[q + 8] << 24) >>> 0) + (d[q + 9] << 16) + (d[q + 10] << 8) + d[q + 11]);
        header = 16;
      } else if (len === 0) len = d.length - q;
      if (type === 'jp2c') {
        p = q + header;
        break;
      }
      if (len < header) break;
      q += len;
    }
    if (p < 0) return undefined;
  }
  if (p + 44 > d.length || d[p] !== 0xff || d[p + 1] !== 0x4f || d[p + 2] !== 0xff || d[p + 3] !== 0x51) return undefined;
  const u32 = (q: number): number => ((d[q] << 24) >>> 0) + (d[q + 1] << 16) + (d[q + 2] << 8) + d[q + 3];
  const xsiz = u32(p + 8);
  const ysiz = u32(p + 12);
  const xo = u32(p + 16);
  const yo = u32(p + 20);
  const components = (d[p + 40] << 8) | d[p + 41];
  const precision = (d[p + 42] & 0x7f) + 1;
  return { width: xsiz - xo, height: ysiz - yo, components, precision };
}

/** The frame header of a JPEG family codestream (baseline, extended, lossless, JPEG-LS). */
export function readJpegFamilyHeader(d: Uint8Array): CodestreamHeader | undefined {
  return readJpegHeader(d);
}
