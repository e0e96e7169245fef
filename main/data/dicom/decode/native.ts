/**
 * Native (uncompressed) pixel data: read one frame's stored values from raw bytes.
 *
 * Follows PS3.5 §8: samples of `BitsAllocated` bits (1, 8, 16, 32; 32/64-bit floats for Float
 * Pixel Data), of which `BitsStored` bits ending at `HighBit` are the value, two's complement
 * when `PixelRepresentation` is 1. Unused high bits (overlays, garbage in old files) are masked
 * off. 1-bit data is packed LSB first with frames following each other bit by bit. Colour
 * planes (`PlanarConfiguration` 1) are interleaved on the way out.
 */

/** The part of the pixel format the raw reader needs. */
export interface SampleLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  planarConfiguration: number;
  /** Float Pixel Data (32-bit) or Double Float Pixel Data (64-bit). */
  float?: boolean;
}

/** Bits one native frame occupies (YBR_FULL_422 stores 2 samples per pixel instead of 3). */
export function frameBits(l: SampleLayout, subsampled422 = false): number {
  const samples = subsampled422 ? 2 : l.samplesPerPixel;
  return l.rows * l.columns * samples * l.bitsAllocated;
}

/**
 * Stored values of one frame, pixel-interleaved, as Float64 (exact for every integer type).
 * `bitOffset` is where the frame starts in `src`; the caller has checked that the frame fits.
 * `sampleCount` overrides rows·columns·samples (used for YBR_FULL_422 data).
 */
export function readNativeFrame(src: Uint8Array, bitOffset: number, l: SampleLayout, littleEndian: boolean, sampleCount?: number): Float64Array {
  const n = sampleCount ?? l.rows * l.columns * l.samplesPerPixel;
  const out = new Float64Array(n);
  if (l.bitsAllocated === 1) {
    for (let i = 0; i < n; i++) {
      const bit = bitOffset + i;
      out[i] = (src[bit >>> 3] >> (bit & 7)) & 1;
    }
    return out;
  }
  const bytes = l.bitsAllocated >>> 3;
  const view = new DataView(src.buffer, src.byteOffset + bitOffset / 8, n * bytes);
  const signed = l.pixelRepresentation === 1;
  const read = rawReader(view, bytes, signed, Boolean(l.float), littleEndian);
  const shift = l.highBit + 1 - l.bitsStored;
  const whole = !l.float && shift === 0 && l.bitsStored === l.bitsAllocated;
  if (l.float || whole) {
    for (let i = 0; i < n; i++) out[i] = read(i);
  } else {
    const unsignedRead = rawReader(view, bytes, false, false, littleEndian);
    const div = 2 ** shift;
    const mod = 2 ** l.bitsStored;
    const half = mod / 2;
    for (let i = 0; i < n; i++) {
      let v = Math.floor(unsignedRead(i) / div) % mod;
      if (signed && v >= half) v -= mod;
      out[i] = v;
    }
  }
  if (l.planarConfiguration === 1 && l.samplesPerPixel > 1 && sampleCount === undefined) return interleavePlanes(out, l.samplesPerPixel);
  return out;
}

/** A reader of the i-th sample of a given width, sign and byte order. */
function rawReader(v: DataView, bytes: number, signed: boolean, float: boolean, le: boolean): (i: number) => number {
  if (float) return bytes === 8 ? (i) => v.getFloat64(i * 8, le) : (i) => v.getFloat32(i * 4, le);
  switch (bytes) {
    case 1:
      return signed ? (i) => v.getInt8(i) : (i) => v.getUint8(i);
    case 2:
      return signed ? (i) => v.getInt16(i * 2, le) : (i) => v.getUint16(i * 2, le);
    default:
      return signed ? (i) => v.getInt32(i * 4, le) : (i) => v.getUint32(i * 4, le);
  }
}

/** Colour planes (R…R G…G B…B) to interleaved samples (RGB RGB …). */
export function interleavePlanes(planar: Float64Array, samples: number): Float64Array {
  const pixels = planar.length / samples;
  const out = new Float64Array(planar.length);
  for (let s = 0; s < samples; s++) {
    const base = s * pixels;
    for (let p = 0; p < pixels; p++) out[p * samples + s] = planar[base + p];
  }
  return out;
}

/**
 * Stored values from a codec's output bytes (8-bit samples, or 16-bit little-endian words),
 * masked to BitsStored and sign-extended per the data set, which is trusted over the codestream.
 */
export function storedFromCodec(bytes: Uint8Array, bitsPerSample: number, l: SampleLayout, count: number): Float64Array {
  const wide = bitsPerSample > 8;
  const need = count * (wide ? 2 : 1);
  if (bytes.length < need) throw new RangeError(`decoded frame has ${bytes.length} bytes, expected ${need}`);
  const out = new Float64Array(count);
  const mod = 2 ** l.bitsStored;
  const half = mod / 2;
  const signed = l.pixelRepresentation === 1;
  for (let i = 0; i < count; i++) {
    let v = wide ? bytes[2 * i] | (bytes[2 * i + 1] << 8) : bytes[i];
    if (l.bitsStored < 16) v %= mod;
    if (signed && v >= half) v -= mod;
    out[i] = v;
  }
  return out;
}
