/**
 * DICOM RLE Lossless (PS3.5 Annex G) decoding.
 *
 * A frame starts with a 64-byte header of 16 little-endian uint32: the segment count, then up
 * to 15 segment offsets from the start of the frame. Each segment is PackBits coded and holds
 * one byte plane: for every sample (colour plane) its bytes, most significant first. The
 * decoder reassembles them into little-endian, pixel-interleaved bytes — the layout of native
 * explicit-VR-LE pixel data with PlanarConfiguration 0 — so that one reader interprets both.
 */

/** Why an RLE frame could not be decoded. */
export class RleError extends Error {
  override name = 'RleError';
}

/**
 * PackBits-decode `src[start, end)` into `out` (exactly out.length bytes). Returns the count
 * written; a short count means the segment was truncated.
 */
export function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let p = start;
  let o = 0;
  const n = out.length;
  while (p < end && o < n) {
    const h = src[p++];
    if (h < 128) {
      // literal run of h+1 bytes
      const len = Math.min(h + 1, n - o, end - p);
      out.set(src.subarray(p, p + len), o);
      o += len;
      p += h + 1;
    } else if (h > 128) {
      // replicate the next byte 257-h times
      if (p >= end) break;
      const len = Math.min(257 - h, n - o);
      out.fill(src[p++], o, o + len);
      o += len;
    }
    // h === 128: no-op
  }
  return o;
}

/**
 * Decode one RLE frame of `rows×columns` pixels with `samples` samples of `bytesPerSample`
 * bytes each into little-endian interleaved bytes (length rows·columns·samples·bytesPerSample).
 */
export function decodeRleFrame(data: Uint8Array, rows: number, columns: number, samples: number, bytesPerSample: number): Uint8Array {
  if (data.length < 64) throw new RleError('RLE frame shorter than its 64-byte header');
  const view = new DataView(data.buffer, data.byteOffset, 64);
  const segments = view.getUint32(0, true);
  const expected = samples * bytesPerSample;
  if (segments !== expected) throw new RleError(`RLE frame has ${segments} segments, expected ${expected}`);
  const offsets: number[] = [];
  for (let i = 0; i < segments; i++) offsets.push(view.getUint32(4 + 4 * i, true));
  const pixels = rows * columns;
  const out = new Uint8Array(pixels * expected);
  const plane = new Uint8Array(pixels);
  for (let i = 0; i < segments; i++) {
    const start = offsets[i];
    const end = i + 1 < segments ? offsets[i + 1] : data.length;
    if (start < 64 || start > data.length || end > data.length || end < start) throw new RleError(`RLE segment ${i + 1} has an invalid offset`);
    plane.fill(0);
    const got = unpackBits(data, start, end, plane);
    if (got < pixels) throw new RleError(`RLE segment ${i + 1} is truncated (${got} of ${pixels} bytes)`);
    const sample = Math.floor(i / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (i % bytesPerSample); // segments go MSB first; output is LE
    const stride = expected;
    let o = sample * bytesPerSample + byteInSample;
    for (let k = 0; k < pixels; k++, o += stride) out[o] = plane[k];
  }
  return out;
}
