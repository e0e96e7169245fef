/**
 * TIFF predictors, encoding side. Both work row by row on one strip or tile, in place, on
 * little-endian sample bytes, and make the data more compressible for Deflate.
 *
 * - Predictor 2, horizontal differencing (TIFF 6.0 §14): each sample minus the same sample of
 *   the previous pixel, modulo 2^bits.
 * - Predictor 3, floating point (Adobe Photoshop TIFF Technical Note 3, as libtiff's fpDiff):
 *   the bytes of a row's samples are regrouped into planes, most significant byte first, then
 *   differenced bytewise with a stride of SamplesPerPixel.
 */

/** Apply predictor 2 to a block of `rows` rows of `rowSamples` samples, `spp` per pixel. */
export function horizontalDifference(block: Uint8Array, bitsPerSample: number, rowSamples: number, rows: number, spp: number): void {
  const words =
    bitsPerSample === 8
      ? block
      : bitsPerSample === 16
        ? new Uint16Array(block.buffer, block.byteOffset, block.byteLength / 2)
        : bitsPerSample === 32
          ? new Uint32Array(block.buffer, block.byteOffset, block.byteLength / 4)
          : undefined;
  if (!words) throw new RangeError(`predictor 2 needs 8, 16 or 32 bits per sample, not ${bitsPerSample}`);
  for (let r = 0; r < rows; r++) {
    const start = r * rowSamples;
    for (let i = start + rowSamples - 1; i >= start + spp; i--) words[i] -= words[i - spp];
  }
}

/** Apply predictor 3 to a block of `rows` rows of `rowSamples` float samples of `bytes` bytes. */
export function floatingPointDifference(block: Uint8Array, bytes: number, rowSamples: number, rows: number, spp: number): void {
  const rowBytes = rowSamples * bytes;
  const tmp = new Uint8Array(rowBytes);
  for (let r = 0; r < rows; r++) {
    const row = block.subarray(r * rowBytes, (r + 1) * rowBytes);
    tmp.set(row);
    // Little-endian input: byte b of a sample goes to plane (bytes − 1 − b), MSB plane first.
    for (let i = 0; i < rowSamples; i++) {
      for (let b = 0; b < bytes; b++) row[(bytes - 1 - b) * rowSamples + i] = tmp[i * bytes + b];
    }
    for (let i = rowBytes - 1; i >= spp; i--) row[i] = (row[i] - row[i - spp]) & 0xff;
  }
}
