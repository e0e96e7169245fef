/** Small occupancy grids and `.inr` files made by hand, for the ELM occupancy tests. */

/** A 0/1 grid of `shape` (z, y, x), inside where `on`. */
export function grid(shape: number[], on: (x: number, y: number, z: number) => boolean): Float32Array {
  const [nz, ny, nx] = shape;
  const g = new Float32Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) g[(z * ny + y) * nx + x] = on(x, y, z) ? 1 : 0;
  return g;
}

/** The field description a model file of such a grid carries. */
export const OCCUPANCY_FIELD = { axes: ['z', 'y', 'x'], channels: ['occupancy'], dtype: 'uint8', geometry: { spacing: [1, 1, 1], origin: [0, 0, 0] } };

/** The JSON header of a `.inr` file. */
export function headerOf(bytes: Uint8Array): Record<string, unknown> {
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen)));
}

/** The same `.inr` file with another JSON header (padded with spaces as the writer pads it) and the same weights. */
export function withHeader(bytes: Uint8Array, header: Record<string, unknown>): Uint8Array {
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  const text = new TextEncoder().encode(JSON.stringify(header));
  const json = new Uint8Array(Math.ceil(text.length / 8) * 8).fill(0x20);
  json.set(text);
  const out = new Uint8Array(16 + json.length + (bytes.length - 16 - hlen));
  out.set(bytes.subarray(0, 16));
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(bytes.subarray(16 + hlen), 16 + json.length);
  return out;
}
