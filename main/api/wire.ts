/**
 * Binary-safe message framing for the WebSocket bridge. JSON cannot carry typed arrays cheaply,
 * so a message is one binary frame: [u32 header length][header JSON][payload bytes…], where each
 * typed array in the value is replaced in the header by `{ "$ta": kind, "o": offset, "n": length }`
 * pointing into the payload. Works in Node and in the browser (no Buffer).
 */

type TypedArray = Float32Array | Float64Array | Uint8Array | Uint16Array | Int16Array | Int32Array | Uint32Array;
const KINDS: Record<string, new (b: ArrayBuffer, o: number, n: number) => TypedArray> = {
  f32: Float32Array,
  f64: Float64Array,
  u8: Uint8Array,
  u16: Uint16Array,
  i16: Int16Array,
  i32: Int32Array,
  u32: Uint32Array,
};

function kindOf(v: unknown): string | undefined {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Uint8Array) return 'u8';
  if (v instanceof Uint16Array) return 'u16';
  if (v instanceof Int16Array) return 'i16';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint32Array) return 'u32';
  return undefined;
}

export function encodeMessage(value: unknown): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const header = JSON.stringify(value, (_k, v) => {
    const kind = kindOf(v);
    if (!kind) return v;
    const ta = v as TypedArray;
    // Align every payload to 8 bytes so it can be viewed in place on decode.
    const pad = (8 - (offset % 8)) % 8;
    if (pad) {
      chunks.push(new Uint8Array(pad));
      offset += pad;
    }
    const bytes = new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
    chunks.push(bytes);
    const ref = { $ta: kind, o: offset, n: ta.length };
    offset += bytes.byteLength;
    return ref;
  });
  const headerBytes = new TextEncoder().encode(header);
  const headPad = (8 - ((4 + headerBytes.length) % 8)) % 8;
  const total = 4 + headerBytes.length + headPad + offset;
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, headerBytes.length + headPad, true);
  out.set(headerBytes, 4);
  out.fill(0x20, 4 + headerBytes.length, 4 + headerBytes.length + headPad); // spaces are valid JSON
  let p = 4 + headerBytes.length + headPad;
  for (const c of chunks) {
    out.set(c, p);
    p += c.byteLength;
  }
  return out;
}

export function decodeMessage(data: ArrayBuffer | Uint8Array): unknown {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < 4) throw new Error('message too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = view.getUint32(0, true);
  if (4 + headLen > bytes.byteLength) throw new Error('message header overruns the frame');
  const header = new TextDecoder().decode(bytes.subarray(4, 4 + headLen));
  // Copy the payload to a fresh, aligned buffer so typed views are valid whatever the source offset.
  const payload = bytes.slice(4 + headLen).buffer;
  return JSON.parse(header, (_k, v) => {
    if (v && typeof v === 'object' && typeof v.$ta === 'string' && KINDS[v.$ta]) {
      const Ctor = KINDS[v.$ta];
      return new Ctor(payload, v.o, v.n);
    }
    return v;
  });
}

export interface WireRequest {
  id: number;
  method: string;
  args: unknown;
}
export type WireResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { name: string; code: string; message: string; path?: string } };
export interface WireEvent {
  event: unknown;
}
