/**
 * One entry point for pixel decoding: the stored values of frame k of an instance, whatever its
 * transfer syntax, as pixel-interleaved Float64 samples — one per pixel for grey images, three
 * (R, G, B) for colour ones. Rescale is not applied here.
 *
 * | transfer syntax                         | decoder                                   |
 * |-----------------------------------------|-------------------------------------------|
 * | implicit/explicit LE, explicit BE, deflate | native reader (deflate inflated at parse) |
 * | RLE lossless                            | own PackBits decoder (rle.ts)             |
 * | JPEG baseline (.50)                     | libjpeg-turbo (wasm); own decoder fallback |
 * | JPEG extended 12-bit (.51)              | own DCT decoder (jpeg12.ts)               |
 * | JPEG lossless (.57, .70)                | jpeg-lossless-decoder-js                  |
 * | JPEG-LS (.80, .81)                      | CharLS (wasm)                             |
 * | JPEG 2000 (.90, .91)                    | OpenJPEG (wasm)                           |
 */
import type { DataSet } from 'dicom-parser';
import { InrError } from '../../../core/errors';
import type { PixelFormat } from '../header';
import { decodeJpeg, JpegError } from '../jpeg12';
import { thrownMessage, unsupportedSyntax } from '../parse';
import { ensureFits } from '../../../core/limits';
import { TAG, TS } from '../tags';
import { CodecError, decodeJpegLossless, decodeWithWasm, type CodecOutput } from './codecs';
import { readJ2kHeader, readJpegFamilyHeader, type CodestreamHeader } from './codestream';
import { applyPalette, expandYbr422, readPalette, ybrFullToRgb } from './color';
import { encapsulatedFrame } from './frames';
import { frameBits, interleavePlanes, readNativeFrame, storedFromCodec, type SampleLayout } from './native';
import { decodeRleFrame, RleError } from './rle';

/** What the decoder needs: the full (not header-only) data set and its pixel format. */
export interface PixelSource {
  dataSet: DataSet;
  transferSyntax: string;
  pixels: PixelFormat;
  path: string;
}

/** A decoded frame: stored values, `samples` per pixel, rows × columns pixels. */
export interface DecodedFrame {
  values: Float64Array;
  samples: 1 | 3;
}

const NATIVE = new Set<string>([TS.ImplicitLE, TS.ExplicitLE, TS.DeflatedLE, TS.ExplicitBE]);
const JPEG_LOSSLESS = new Set<string>([TS.JpegLossless14, TS.JpegLosslessSV1]);
const JPEG_LS = new Set<string>([TS.JpegLsLossless, TS.JpegLsNearLossless]);
const J2K = new Set<string>([TS.Jpeg2000Lossless, TS.Jpeg2000]);

/** True when this module can decode pixel data in the given transfer syntax. */
function canDecode(ts: string): boolean {
  return NATIVE.has(ts) || JPEG_LOSSLESS.has(ts) || JPEG_LS.has(ts) || J2K.has(ts) || ts === TS.Rle || ts === TS.JpegBaseline || ts === TS.JpegExtended;
}

function layoutOf(p: PixelFormat): SampleLayout {
  return { ...p, float: p.pixelTag !== TAG.PixelData };
}

/** Decode frame `frame` (0-based) of an instance. Throws `InrError` for anything it cannot. */
export async function decodeFrame(src: PixelSource, frame: number): Promise<DecodedFrame> {
  const { pixels: px, path } = src;
  ensureFits(px.rows * px.columns * 3 * 8 * 2, `the DICOM header claims frames of ${px.columns}×${px.rows} pixels`, path);
  const el = src.dataSet.elements[px.pixelTag];
  if (!el) throw new InrError('E_CORRUPT', 'no pixel data element', path);
  let stored: Float64Array;
  let colourDone = false; // true when the codec already delivered RGB
  try {
    if (NATIVE.has(src.transferSyntax) && !el.encapsulatedPixelData) {
      stored = decodeNative(src, frame);
    } else if (!canDecode(src.transferSyntax)) {
      throw unsupportedSyntax(src.transferSyntax, path);
    } else if (!el.encapsulatedPixelData) {
      throw new InrError('E_CORRUPT', 'compressed transfer syntax but pixel data is not encapsulated', path);
    } else {
      const data = encapsulatedFrame(src.dataSet, el, frame, px.frames, path);
      const out = await decodeCompressed(src, data);
      stored = out.values;
      colourDone = out.rgb;
    }
  } catch (err) {
    throw asDecodeError(err, path);
  }
  return toOutput(stored, src, colourDone);
}

/**
 * Wrap decoder failures (codecs, JPEG, RLE, out-of-range reads, dicom-parser's string throws)
 * into one-line typed errors. Anything else is a bug and is rethrown as is.
 */
function asDecodeError(err: unknown, path: string): unknown {
  if (err instanceof InrError) return err;
  const known = err instanceof CodecError || err instanceof JpegError || err instanceof RleError || err instanceof RangeError || typeof err === 'string';
  return known ? new InrError('E_CORRUPT', `cannot decode pixel data: ${thrownMessage(err)}`, path) : err;
}

/** Uncompressed pixel data, any byte order and bit depth. */
function decodeNative(src: PixelSource, frame: number): Float64Array {
  const { pixels: px, path, dataSet: ds } = src;
  const el = ds.elements[px.pixelTag];
  const layout = layoutOf(px);
  const subsampled = px.photometric === 'YBR_FULL_422' && px.samplesPerPixel === 3;
  const bits = frameBits(layout, subsampled);
  const start = el.dataOffset * 8 + frame * bits;
  const available = Math.min(el.dataOffset + el.length, ds.byteArray.length) * 8;
  if (start + bits > available) {
    const have = Math.max(0, Math.floor((available - el.dataOffset * 8) / 8));
    const need = Math.ceil(((frame + 1) * bits) / 8);
    throw new InrError('E_CORRUPT', `pixel data truncated: frame ${frame + 1} needs ${need} bytes, the file has ${have}`, path);
  }
  const little = src.transferSyntax !== TS.ExplicitBE;
  let bytes = ds.byteArray;
  let offset = start;
  if (!little && px.bitsAllocated === 8 && el.vr === 'OW') {
    // 8-bit samples in an OW element of a big-endian file: bytes are swapped in pairs.
    const n = bits / 8;
    const first = start / 8 - ((start / 8 - el.dataOffset) % 2);
    const copy = new Uint8Array(ds.byteArray.subarray(first, first + n + 2)); // a copy: inputs stay untouched
    for (let i = 0; i + 1 < copy.length; i += 2) [copy[i], copy[i + 1]] = [copy[i + 1], copy[i]];
    bytes = copy;
    offset = (start / 8 - first) * 8;
  }
  if (subsampled) return expandYbr422(readNativeFrame(bytes, offset, { ...layout, planarConfiguration: 0 }, little, px.rows * Math.ceil(px.columns / 2) * 4), px.rows, px.columns);
  return readNativeFrame(bytes, offset, layout, little);
}

/** Compressed pixel data: check the codestream header, decode, and return stored values. */
async function decodeCompressed(src: PixelSource, data: Uint8Array): Promise<{ values: Float64Array; rgb: boolean }> {
  const { pixels: px, transferSyntax: ts, path } = src;
  const layout = layoutOf(px);
  const count = px.rows * px.columns * px.samplesPerPixel;
  if (ts === TS.Rle) {
    const bytesPerSample = Math.ceil(px.bitsAllocated / 8);
    const raw = decodeRleFrame(data, px.rows, px.columns, px.samplesPerPixel, bytesPerSample);
    return { values: readNativeFrame(raw, 0, { ...layout, planarConfiguration: 0 }, true), rgb: false };
  }
  const header = J2K.has(ts) ? readJ2kHeader(data) : readJpegFamilyHeader(data);
  checkHeader(header, px, path);
  let out: CodecOutput;
  let rgb = px.samplesPerPixel === 3;
  if (J2K.has(ts)) {
    out = await decodeWithWasm('j2k', data);
  } else if (JPEG_LS.has(ts)) {
    out = await decodeWithWasm('jpegls', data);
    rgb = false; // JPEG-LS has no colour transform: YBR data stays YBR
  } else if (JPEG_LOSSLESS.has(ts)) {
    out = decodeJpegLossless(data);
    rgb = false;
  } else if (header && header.precision > 8) {
    // 12-bit (extended) JPEG: libjpeg-turbo-8bit cannot, our own decoder can.
    const img = decodeJpeg(data, { maxSamples: count });
    return { values: Float64Array.from(img.data, (v) => maskValue(v, layout)), rgb };
  } else {
    try {
      out = await decodeWithWasm('jpeg', data);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      const img = decodeJpeg(data, { maxSamples: count }); // fallback; throws its own reason
      return { values: Float64Array.from(img.data, (v) => maskValue(v, layout)), rgb };
    }
  }
  const { info } = out;
  if (info.width !== px.columns || info.height !== px.rows || info.componentCount !== px.samplesPerPixel) {
    throw new InrError('E_CORRUPT', `decoded frame is ${info.width}×${info.height}×${info.componentCount}, the header says ${px.columns}×${px.rows}×${px.samplesPerPixel}`, path);
  }
  let values = storedFromCodec(out.bytes, info.bitsPerSample, layout, count);
  if (out.interleaveMode === 0 && px.samplesPerPixel > 1) values = interleavePlanes(values, px.samplesPerPixel);
  return { values, rgb };
}

/** Mask/sign-extend one decoded sample per the data set. */
function maskValue(v: number, l: SampleLayout): number {
  const mod = 2 ** l.bitsStored;
  let x = v % mod;
  if (l.pixelRepresentation === 1 && x >= mod / 2) x -= mod;
  return x;
}

/** Refuse codestreams whose size disagrees with the data set, before any codec allocates. */
function checkHeader(h: CodestreamHeader | undefined, px: PixelFormat, path: string): void {
  if (!h) throw new InrError('E_CORRUPT', 'compressed frame has no readable codestream header', path);
  if (h.width !== px.columns || h.height !== px.rows) {
    throw new InrError('E_CORRUPT', `compressed frame is ${h.width}×${h.height}, the header says ${px.columns}×${px.rows}`, path);
  }
  if (h.components !== px.samplesPerPixel) {
    throw new InrError('E_CORRUPT', `compressed frame has ${h.components} components, the header says ${px.samplesPerPixel}`, path);
  }
}

/** Colour conversion to RGB where the codec has not done it, palette lookup, sample count. */
function toOutput(stored: Float64Array, src: PixelSource, colourDone: boolean): DecodedFrame {
  const px = src.pixels;
  if (px.photometric === 'PALETTE COLOR') {
    const palette = readPalette(src.dataSet);
    if (!palette) throw new InrError('E_UNSUPPORTED', 'PALETTE COLOR image with missing or segmented lookup tables', src.path);
    return { values: applyPalette(stored, palette), samples: 3 };
  }
  if (px.samplesPerPixel === 3) {
    if (!colourDone && (px.photometric === 'YBR_FULL' || px.photometric === 'YBR_FULL_422')) ybrFullToRgb(stored, px.bitsStored);
    return { values: stored, samples: 3 };
  }
  return { values: stored, samples: 1 };
}
