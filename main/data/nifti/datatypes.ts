/**
 * NIfTI voxel types (nifti1.h, "NIFTI1 DATATYPES"): code, name, bytes per component and
 * components per voxel. RGB24/RGBA32 store their components interleaved per voxel, complex
 * types (real, imaginary) likewise, so they map directly to channel-last values.
 */
export interface NiftiType {
  code: number;
  name: string;
  /** Bytes of one component. */
  bytes: number;
  /** Components per voxel. */
  components: number;
  /** Channel names when there are several components. */
  channels?: string[];
  integer: boolean;
}

/** The decodable NIfTI datatypes. */
const NIFTI_TYPES: NiftiType[] = [
  { code: 2, name: 'uint8', bytes: 1, components: 1, integer: true },
  { code: 4, name: 'int16', bytes: 2, components: 1, integer: true },
  { code: 8, name: 'int32', bytes: 4, components: 1, integer: true },
  { code: 16, name: 'float32', bytes: 4, components: 1, integer: false },
  { code: 32, name: 'complex64', bytes: 4, components: 2, channels: ['real', 'imag'], integer: false },
  { code: 64, name: 'float64', bytes: 8, components: 1, integer: false },
  { code: 128, name: 'rgb24', bytes: 1, components: 3, channels: ['R', 'G', 'B'], integer: true },
  { code: 256, name: 'int8', bytes: 1, components: 1, integer: true },
  { code: 512, name: 'uint16', bytes: 2, components: 1, integer: true },
  { code: 768, name: 'uint32', bytes: 4, components: 1, integer: true },
  { code: 1024, name: 'int64', bytes: 8, components: 1, integer: true },
  { code: 1280, name: 'uint64', bytes: 8, components: 1, integer: true },
  { code: 1792, name: 'complex128', bytes: 8, components: 2, channels: ['real', 'imag'], integer: false },
  { code: 2304, name: 'rgba32', bytes: 1, components: 4, channels: ['R', 'G', 'B', 'A'], integer: true },
];

/** Codes nifti1.h defines that we recognise but do not decode. */
export const UNSUPPORTED_TYPES: Record<number, string> = { 1: 'binary (1 bit)', 1536: 'float128', 2048: 'complex256' };

/** The datatype with NIfTI code `code`. */
export function typeByCode(code: number): NiftiType | undefined {
  return NIFTI_TYPES.find((t) => t.code === code);
}

/** The datatype named `name` (a Field dtype such as `int16`). */
export function typeByName(name: string): NiftiType | undefined {
  return NIFTI_TYPES.find((t) => t.name === name);
}

/** Integer range of a component type; undefined for floats and 64-bit integers beyond 2^53. */
export function integerRange(t: NiftiType): [number, number] | undefined {
  switch (t.name) {
    case 'uint8':
    case 'rgb24':
    case 'rgba32':
      return [0, 255];
    case 'int8':
      return [-128, 127];
    case 'int16':
      return [-32768, 32767];
    case 'uint16':
      return [0, 65535];
    case 'int32':
      return [-2147483648, 2147483647];
    case 'uint32':
      return [0, 4294967295];
    case 'int64':
      return [-(2 ** 53), 2 ** 53];
    case 'uint64':
      return [0, 2 ** 53];
    default:
      return undefined;
  }
}

/** True on little-endian hosts (every platform Electron ships for). */
export const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverse the byte order of every `size`-byte word of `b`, in place. */
function swapBytes(b: Uint8Array, size: number): void {
  const half = size >> 1;
  for (let i = 0; i + size <= b.length; i += size) {
    for (let k = 0; k < half; k++) {
      const x = b[i + k];
      b[i + k] = b[i + size - 1 - k];
      b[i + size - 1 - k] = x;
    }
  }
}

/** `count` components of type `t` stored at `bytes` in the given byte order, as a typed array in host order. */
export function componentArray(bytes: Uint8Array, t: NiftiType, count: number, littleEndian: boolean): ArrayLike<number> | BigInt64Array | BigUint64Array {
  // A view when the bytes are already in host order and aligned (no second copy of a volume
  // that can be gigabytes); a copy otherwise, swapped in place when the byte order differs.
  const view = (littleEndian === HOST_LE || t.bytes === 1) && bytes.byteOffset % Math.min(8, t.bytes) === 0;
  const copy = view ? bytes.subarray(0, count * t.bytes) : bytes.slice(0, count * t.bytes);
  if (littleEndian !== HOST_LE && t.bytes > 1) swapBytes(copy, t.bytes);
  const b = copy.buffer;
  const at = copy.byteOffset;
  switch (t.name) {
    case 'uint8':
    case 'rgb24':
    case 'rgba32':
      return copy;
    case 'int8':
      return new Int8Array(b, at, count);
    case 'int16':
      return new Int16Array(b, at, count);
    case 'uint16':
      return new Uint16Array(b, at, count);
    case 'int32':
      return new Int32Array(b, at, count);
    case 'uint32':
      return new Uint32Array(b, at, count);
    case 'int64':
      return new BigInt64Array(b, at, count);
    case 'uint64':
      return new BigUint64Array(b, at, count);
    case 'float32':
    case 'complex64':
      return new Float32Array(b, at, count);
    default:
      return new Float64Array(b, at, count);
  }
}

/** A typed array of components for writing, in host (little-endian) order. */
export function allocateComponents(t: NiftiType, count: number): { set(i: number, v: number): void; bytes: Uint8Array } {
  const make = (): ArrayBufferView & { [i: number]: number | bigint } => {
    switch (t.name) {
      case 'uint8':
      case 'rgb24':
      case 'rgba32':
        return new Uint8Array(count);
      case 'int8':
        return new Int8Array(count);
      case 'int16':
        return new Int16Array(count);
      case 'uint16':
        return new Uint16Array(count);
      case 'int32':
        return new Int32Array(count);
      case 'uint32':
        return new Uint32Array(count);
      case 'int64':
        return new BigInt64Array(count);
      case 'uint64':
        return new BigUint64Array(count);
      case 'float32':
      case 'complex64':
        return new Float32Array(count);
      default:
        return new Float64Array(count);
    }
  };
  const arr = make();
  const big = t.name === 'int64' || t.name === 'uint64';
  return {
    set: big ? (i, v) => ((arr as BigInt64Array)[i] = BigInt(v)) : (i, v) => ((arr as Float64Array)[i] = v),
    bytes: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
  };
}
