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
  const shift = l.highBit + 1 - l.bitsStored;
  const whole = l.float || (shift === 0 && l.bitsStored === l.bitsAllocated);
  // Whole samples are read with their sign; partial ones unsigned, then masked and extended.
  out.set(typedView(src, bitOffset / 8, n, bytes, whole && l.pixelRepresentation === 1, Boolean(l.float), littleEndian));
  if (!whole) maskStored(out, shift, l.bitsStored, l.pixelRepresentation === 1);
  if (l.planarConfiguration === 1 && l.samplesPerPixel > 1 && sampleCount === undefined) return interleavePlanes(out, l.samplesPerPixel);
  return out;
}

type Typed = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/**
 * A typed-array view of `n` samples at `byteOffset`, in host (little-endian) order: the bytes
 * are copied first when they are misaligned or big-endian (never modified in place).
 */
function typedView(src: Uint8Array, byteOffset: number, n: number, bytes: number, signed: boolean, float: boolean, littleEndian: boolean): Typed {
  let b = src.subarray(byteOffset, byteOffset + n * bytes);
  if (!littleEndian && bytes > 1) {
    const swapped = new Uint8Array(b.length);
    for (let i = 0; i < b.length; i += bytes) for (let j = 0; j < bytes; j++) swapped[i + j] = b[i + bytes - 1 - j];
    b = swapped;
  } else if ((src.byteOffset + byteOffset) % bytes !== 0) b = new Uint8Array(b);
  const { buffer, byteOffset: at } = b;
  if (float) return bytes === 8 ? new Float64Array(buffer, at, n) : new Float32Array(buffer, at, n);
  switch (bytes) {
    case 1:
      return signed ? new Int8Array(buffer, at, n) : new Uint8Array(buffer, at, n);
    case 2:
      return signed ? new Int16Array(buffer, at, n) : new Uint16Array(buffer, at, n);
    default:
      return signed ? new Int32Array(buffer, at, n) : new Uint32Array(buffer, at, n);
  }
}

/** Keep BitsStored bits ending at HighBit of unsigned raw samples; two's complement if signed. */
function maskStored(v: Float64Array, shift: number, bitsStored: number, signed: boolean): void {
  const div = 2 ** shift;
  const mod = 2 ** bitsStored;
  const half = mod / 2;
  for (let i = 0; i < v.length; i++) {
    let x = Math.floor(v[i] / div) % mod;
    if (signed && x >= half) x -= mod;
    v[i] = x;
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
 * Stored values from a codec's output bytes (8-bit samples, or 16-bit little-endian words — wasm
 * memory is little-endian), masked to BitsStored and sign-extended per the data set, which is
 * trusted over the codestream.
 */
export function storedFromCodec(bytes: Uint8Array, bitsPerSample: number, l: SampleLayout, count: number): Float64Array {
  const wide = bitsPerSample > 8;
  const need = count * (wide ? 2 : 1);
  if (bytes.length < need) throw new RangeError(`decoded frame has ${bytes.length} bytes, expected ${need}`);
  const out = new Float64Array(count);
  out.set(typedView(bytes, 0, count, wide ? 2 : 1, false, false, true));
  const rawBits = wide ? 16 : 8;
  if (l.bitsStored < rawBits || l.pixelRepresentation === 1) maskStored(out, 0, Math.min(l.bitsStored, rawBits), l.pixelRepresentation === 1);
  return out;
}
