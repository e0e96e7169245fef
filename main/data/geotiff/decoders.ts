import { inflateSync } from 'node:zlib';
import { addDecoder, BaseDecoder, type ImageFileDirectory } from 'geotiff';
// zstddec and lerc are geotiff.js's own dependencies (same versions, already installed).
import { ZSTDDecoder } from 'zstddec';
// @ts-expect-error: lerc 3.0.0 ships no types
import Lerc from 'lerc';

/**
 * Bounded replacements for three of geotiff.js's block decoders, registered with its
 * `addDecoder` hook. geotiff.js 3.0.5 builds LZW and PackBits output in plain JS arrays with
 * no size limit: a corrupt LZW strip sends its dictionary walk into an endless loop that grows
 * an array until V8 aborts the whole process (found by our fuzz test on elev.tif). These
 * decoders write into a buffer sized from the block's dimensions and stop there.
 *
 * - LZW: TIFF 6.0 §13 (codes MSB-first, 9–12 bits, Clear 256, EOI 257, the code width grows
 *   one code early, as every TIFF writer does).
 * - PackBits: TIFF 6.0 §9.
 * - Deflate (8 and 32946): a zlib stream (RFC 1950), inflated by node:zlib with a size cap.
 * - ZSTD (50000, RFC 8878): geotiff.js hands a frame without a content size to zstd's
 *   streaming decoder in a loop that only ends when the input is consumed; a corrupt block
 *   makes every call fail without consuming anything, and `fit` spun for ever (found by the
 *   reliability audit). Here the one-shot `ZSTD_decompress` decodes into a buffer of the
 *   block's size and stops there, corrupt or not.
 * - LERC (34887) with its optional Deflate or ZSTD layer: that layer is inflated with the
 *   same caps before LERC decodes the blob.
 */

/** Decoder parameters plus the byte size one decoded block can have. */
interface BoundedParameters {
  tileWidth: number;
  tileHeight: number;
  predictor: number;
  bitsPerSample: number[];
  planarConfiguration: number;
  /** Bytes of a full decoded strip or tile. */
  capacity: number;
}

/** A positive finite number, else `fallback` (tags may be absent or damaged). */
const num = (v: unknown, fallback: number): number => {
  const x = Number(v);
  return Number.isFinite(x) && x > 0 ? x : fallback;
};

/** Like geotiff.js's default parameters, but strips never taller than the image, and a capacity. */
async function boundedParameters(fd: ImageFileDirectory): Promise<BoundedParameters> {
  const tiled = !fd.hasTag('StripOffsets');
  const imageHeight = num(await fd.loadValue('ImageLength'), 1);
  const width = num(await fd.loadValue(tiled ? 'TileWidth' : 'ImageWidth'), 1);
  const height = tiled ? num(await fd.loadValue('TileLength'), 1) : Math.min(num(await fd.loadValue('RowsPerStrip'), imageHeight), imageHeight);
  const rawBits = await fd.loadValue('BitsPerSample');
  const bitsPerSample = Array.from((Array.isArray(rawBits) || ArrayBuffer.isView(rawBits) ? rawBits : [rawBits ?? 1]) as ArrayLike<number>, Number);
  const planarConfiguration = num(await fd.loadValue('PlanarConfiguration'), 1);
  const bitsPerPixel = planarConfiguration === 2 ? bitsPerSample[0] : bitsPerSample.reduce((a, b) => a + b, 0);
  return {
    tileWidth: width,
    tileHeight: height,
    predictor: num(await fd.loadValue('Predictor'), 1),
    bitsPerSample,
    planarConfiguration,
    capacity: Math.ceil((width * bitsPerPixel) / 8) * height,
  };
}

/**
 * Decode one LZW strip or tile into at most `capacity` bytes. Running out of input ends the
 * block like EOI; codes that cannot occur in a valid stream throw.
 */
export function lzwDecode(input: Uint8Array, capacity: number): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(capacity);
  let pos = 0;
  let bit = 0;
  const totalBits = input.length * 8;
  let width = 9;
  let next = 258;
  let prev = -1;
  /** Next code, MSB first; EOI past the end of the input. */
  const read = (): number => {
    if (bit + width > totalBits) return EOI;
    let code = 0;
    for (let k = 0; k < width; k++, bit++) code = (code << 1) | ((input[bit >> 3] >> (7 - (bit & 7))) & 1);
    return code;
  };
  /** Write the string of `code` at `pos` (back to front along the prefix chain), clipped to capacity. */
  const emit = (code: number): void => {
    const len = length[code];
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (pos + k < capacity) out[pos + k] = suffix[c];
      c = prefix[c];
    }
    pos += len;
  };
  while (pos < capacity) {
    const code = read();
    if (code === EOI) break;
    if (code === CLEAR) {
      width = 9;
      next = 258;
      prev = -1;
      continue;
    }
    if (prev < 0) {
      if (code > 255) throw new Error(`LZW: code ${code} where a literal must follow Clear`);
      emit(code);
      prev = code;
      continue;
    }
    if (code < next) {
      emit(code);
      if (next < 4096) {
        prefix[next] = prev;
        suffix[next] = first[code];
        first[next] = first[prev];
        length[next] = Math.min(length[prev] + 1, 65535);
        next++;
      }
    } else if (code === next && next < 4096) {
      prefix[next] = prev;
      suffix[next] = first[prev];
      first[next] = first[prev];
      length[next] = Math.min(length[prev] + 1, 65535);
      next++;
      emit(code);
    } else {
      throw new Error(`LZW: code ${code} beyond the table (${next} entries)`);
    }
    prev = code;
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return out.subarray(0, Math.min(pos, capacity));
}

/** Decode one PackBits block into at most `capacity` bytes. */
export function packBitsDecode(input: Uint8Array, capacity: number): Uint8Array {
  const out = new Uint8Array(capacity);
  let o = 0;
  let i = 0;
  while (i < input.length && o < capacity) {
    const n = (input[i++] << 24) >> 24; // as int8
    if (n >= 0) {
      const end = Math.min(i + n + 1, input.length);
      while (i < end && o < capacity) out[o++] = input[i++];
      i = end;
    } else if (n !== -128) {
      if (i >= input.length) break;
      const v = input[i++];
      for (let k = 0; k < 1 - n && o < capacity; k++) out[o++] = v;
    }
  }
  return out.subarray(0, o);
}

/** The capacity computed by `boundedParameters` for this decoder's blocks. */
function capacityOf(d: BaseDecoder): number {
  return (d.parameters as unknown as BoundedParameters).capacity;
}

/** An ArrayBuffer holding exactly the bytes of `a`. */
function copyOut(a: Uint8Array): ArrayBuffer {
  return a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength) as ArrayBuffer;
}

/** LZW (compression 5) with bounded output. */
class BoundedLzwDecoder extends BaseDecoder {
  decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    return copyOut(lzwDecode(new Uint8Array(buffer), capacityOf(this)));
  }
}

/** PackBits (compression 32773) with bounded output. */
class BoundedPackBitsDecoder extends BaseDecoder {
  decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    return copyOut(packBitsDecode(new Uint8Array(buffer), capacityOf(this)));
  }
}

/** Deflate (compression 8 and 32946) through node:zlib, capped at the block size. */
class ZlibDeflateDecoder extends BaseDecoder {
  decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const out = inflateSync(new Uint8Array(buffer), { maxOutputLength: Math.max(1, capacityOf(this)) });
    return copyOut(out);
  }
}

/** One-shot ZSTD with its own wasm instance, initialised when the decoder is first needed. */
const zstd = new ZSTDDecoder();

/**
 * Decode ZSTD frames (RFC 8878) into at most `capacity` bytes. zstddec's one-shot path returns
 * nothing when `ZSTD_decompress` fails (a corrupt frame, or content beyond `capacity`).
 */
function zstdDecode(input: Uint8Array, capacity: number): Uint8Array {
  if (input.length === 0 || capacity <= 0) throw new Error('ZSTD: empty block');
  const out = zstd.decode(input, capacity);
  if (out.length === 0 || out.length > capacity) throw new Error(`ZSTD: corrupt block, or one that decodes to more than its ${capacity} bytes`);
  return out;
}

/** ZSTD (compression 50000) with bounded output. */
class BoundedZstdDecoder extends BaseDecoder {
  decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    return copyOut(zstdDecode(new Uint8Array(buffer), capacityOf(this)));
  }
}

/**
 * A LERC blob is at most its decoded block plus masks and headers; its Deflate or ZSTD layer
 * may inflate to no more than this.
 */
const lercBlobCapacity = (capacity: number): number => 2 * capacity + (1 << 20);

/** LERC (compression 34887), its extra compression layer bounded (LercParameters: version, layer). */
class BoundedLercDecoder extends BaseDecoder {
  decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const params = this.parameters as unknown as BoundedParameters & { LercParameters?: ArrayLike<number> };
    const layer = params.LercParameters?.[1] ?? 0;
    const cap = lercBlobCapacity(params.capacity);
    let blob: ArrayBufferLike = buffer;
    if (layer === 1) blob = copyOut(inflateSync(new Uint8Array(buffer), { maxOutputLength: cap }));
    else if (layer === 2) blob = copyOut(zstdDecode(new Uint8Array(buffer), cap));
    else if (layer !== 0) throw new Error(`LERC: unknown extra compression ${layer}`);
    const result = Lerc.decode(blob, { returnPixelInterleavedDims: params.planarConfiguration === 1 }) as { pixels: ArrayBufferView[] };
    const pixels = result.pixels[0];
    if (!pixels || pixels.byteLength > params.capacity) throw new Error('LERC: the blob decodes to more than its block');
    return pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength) as ArrayBuffer;
  }
}

let installed = false;

/** Register the bounded decoders with geotiff.js (once per process). */
export function installBoundedDecoders(): void {
  if (installed) return;
  installed = true;
  const params = boundedParameters as unknown as Parameters<typeof addDecoder>[2];
  addDecoder(5, async () => BoundedLzwDecoder, params, false);
  addDecoder(32773, async () => BoundedPackBitsDecoder, params, false);
  addDecoder([8, 32946], async () => ZlibDeflateDecoder, params, false);
  addDecoder(
    50000,
    async () => {
      await zstd.init();
      return BoundedZstdDecoder;
    },
    params,
    false,
  );
  const lercParams = async (fd: ImageFileDirectory) => ({ ...(await boundedParameters(fd)), LercParameters: await fd.loadValue('LercParameters') });
  addDecoder(
    34887,
    async () => {
      await zstd.init();
      return BoundedLercDecoder;
    },
    lercParams as unknown as Parameters<typeof addDecoder>[2],
    false,
  );
}
