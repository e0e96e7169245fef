/** The ArrayBuffers inside a value, so a result can be transferred instead of copied. */
export function collectTransferables(value: unknown, out: ArrayBuffer[] = [], seen = new Set<unknown>()): ArrayBuffer[] {
  if (!value || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    const buf = value.buffer;
    if (buf instanceof ArrayBuffer && !out.includes(buf) && value.byteLength === buf.byteLength) out.push(buf);
    return out;
  }
  for (const v of Object.values(value as Record<string, unknown>)) collectTransferables(v, out, seen);
  return out;
}
