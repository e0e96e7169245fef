/**
 * Adapters for the compressed-pixel codecs: the Emscripten/wasm builds from @cornerstonejs
 * (libjpeg-turbo 8-bit, CharLS JPEG-LS, OpenJPEG JPEG 2000) and the pure-JS
 * jpeg-lossless-decoder-js. All run offline: the wasm files ship inside the packages and are
 * read from disk by the Emscripten loader.
 *
 * The packages are CommonJS factories, so they are loaded with `createRequire` from this ESM
 * module. One module instance per codec and thread is created on first use and reused; a
 * decoder object per frame is created and deleted. A wasm abort (out of memory, assertion)
 * poisons an Emscripten module, so after any runtime error the instance is dropped and the
 * next call starts a fresh one.
 */
import { createRequire } from 'node:module';

// Named requireCjs, not require: bundlers inject their own `require` shim into ESM output.
const requireCjs = createRequire(import.meta.url);

/** What a codec reports about the decoded frame. */
export interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** A decoded frame, copied out of wasm memory. */
export interface CodecOutput {
  info: CodecFrameInfo;
  /** Raw decoded bytes: 8-bit samples, or 16-bit samples in host (little-endian) order. */
  bytes: Uint8Array;
  /** JPEG-LS only: 0 = planes one after another, 1 = line interleaved, 2 = sample interleaved. */
  interleaveMode?: number;
}

/** A decoding failure inside a codec, with its one-line reason. */
export class CodecError extends Error {
  override name = 'CodecError';
}

/** The shared shape of the three Emscripten decoder classes. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): CodecFrameInfo;
  getDecodedBuffer(): Uint8Array;
  getInterleaveMode?(): number;
  delete(): void;
}

type WasmModule = Record<string, new () => WasmDecoder>;
type Factory = (opts?: Record<string, unknown>) => Promise<WasmModule>;

export type WasmCodec = 'jpeg' | 'jpegls' | 'j2k';

const CODECS: Record<WasmCodec, { pkg: string; cls: string; label: string }> = {
  jpeg: { pkg: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', cls: 'JPEGDecoder', label: 'libjpeg-turbo' },
  jpegls: { pkg: '@cornerstonejs/codec-charls/decodewasmjs', cls: 'JpegLSDecoder', label: 'CharLS' },
  j2k: { pkg: '@cornerstonejs/codec-openjpeg/decodewasmjs', cls: 'J2KDecoder', label: 'OpenJPEG' },
};

const modules = new Map<WasmCodec, Promise<WasmModule>>();

/** The initialised wasm module of a codec (created once, silenced: codecs print to stderr). */
function loadModule(codec: WasmCodec): Promise<WasmModule> {
  let m = modules.get(codec);
  if (!m) {
    const factory = requireCjs(CODECS[codec].pkg) as Factory;
    const quiet = (): void => {};
    m = factory({ print: quiet, printErr: quiet });
    m.catch(() => modules.delete(codec));
    modules.set(codec, m);
  }
  return m;
}

/** A readable reason from whatever a wasm codec threw (Emscripten C++ exceptions are numbers). */
function reason(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  if (typeof err === 'number') return 'the codec rejected the data';
  return String(err).split('\n')[0];
}

/**
 * Decode one compressed frame with a wasm codec. The result is copied out of wasm memory at
 * once, since the next decode reuses it.
 */
export async function decodeWithWasm(codec: WasmCodec, encoded: Uint8Array): Promise<CodecOutput> {
  const mod = await loadModule(codec);
  const Ctor = mod[CODECS[codec].cls];
  let dec: WasmDecoder | undefined;
  try {
    dec = new Ctor();
    dec.getEncodedBuffer(encoded.length).set(encoded);
    dec.decode();
    const info = dec.getFrameInfo();
    const bytes = dec.getDecodedBuffer().slice();
    const interleaveMode = codec === 'jpegls' && dec.getInterleaveMode ? dec.getInterleaveMode() : undefined;
    return { info: { ...info }, bytes, interleaveMode };
  } catch (err) {
    if (err instanceof Error && err.name === 'RuntimeError') modules.delete(codec); // a wasm trap or abort poisons the instance
    throw new CodecError(`${CODECS[codec].label}: ${reason(err)}`);
  } finally {
    try {
      dec?.delete();
    } catch {
      modules.delete(codec);
    }
  }
}

interface LosslessDecoder {
  decompress(buffer: ArrayBuffer, offset: number, length: number): ArrayBuffer;
  numComp: number;
  xDim: number;
  yDim: number;
  numBytes: number;
}
type LosslessModule = { Decoder: new () => LosslessDecoder };

let lossless: LosslessModule | undefined;

/**
 * Decode a JPEG lossless (process 14, any selection value) frame with jpeg-lossless-decoder-js.
 * Samples come back as 8-bit (precision ≤ 8) or 16-bit host-order words.
 */
export function decodeJpegLossless(encoded: Uint8Array): CodecOutput {
  lossless ??= requireCjs('jpeg-lossless-decoder-js') as LosslessModule;
  const dec = new lossless.Decoder();
  let out: ArrayBuffer;
  try {
    // The decoder reads through a DataView over the whole buffer: hand it a private copy
    // (`new Uint8Array(view)` copies; Buffer#slice would not).
    const copy = new Uint8Array(encoded);
    out = dec.decompress(copy.buffer, 0, copy.length);
  } catch (err) {
    throw new CodecError(`JPEG lossless: ${reason(err)}`);
  }
  const bytesPerSample = dec.numBytes > 1 ? 2 : 1;
  return {
    info: { width: dec.xDim, height: dec.yDim, bitsPerSample: bytesPerSample * 8, componentCount: dec.numComp || 1 },
    bytes: new Uint8Array(out),
  };
}
