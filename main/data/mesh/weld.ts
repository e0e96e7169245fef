/**
 * Welding of coincident vertices: corners whose three coordinates are bit-for-bit equal become
 * one vertex (−0 and +0 count as equal). Exact welding is what STL needs: its triangles repeat
 * the shared corners verbatim, so exact equality rebuilds the connectivity without merging
 * distinct nearby vertices. An open-addressing hash table over the coordinates' bit patterns,
 * O(n) expected.
 */

export interface Welded {
  /** The distinct positions, in order of first appearance. */
  positions: Float64Array;
  /** For each input vertex, its number among the distinct ones. */
  remap: Uint32Array;
}

export function weldExact(points: Float64Array): Welded {
  const n = points.length / 3;
  // Normalise −0 to +0 (x + 0 does) so both hash and compare alike.
  const p = new Float64Array(points.length);
  for (let i = 0; i < p.length; i++) p[i] = points[i] + 0;
  const bits = new Uint32Array(p.buffer);
  let size = 16;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  const remap = new Uint32Array(n);
  const firstOf = new Uint32Array(n); // distinct vertex k → input vertex it came from
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let k = 0; k < 6; k++) h = Math.imul(h ^ bits[6 * i + k], 0x01000193);
    h ^= h >>> 15;
    let slot = h & mask;
    for (;;) {
      const j = table[slot];
      if (j < 0) {
        table[slot] = i;
        remap[i] = distinct;
        firstOf[distinct++] = i;
        break;
      }
      if (p[3 * j] === p[3 * i] && p[3 * j + 1] === p[3 * i + 1] && p[3 * j + 2] === p[3 * i + 2]) {
        remap[i] = remap[j];
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  const positions = new Float64Array(distinct * 3);
  for (let k = 0; k < distinct; k++) {
    const i = firstOf[k];
    positions[3 * k] = p[3 * i];
    positions[3 * k + 1] = p[3 * i + 1];
    positions[3 * k + 2] = p[3 * i + 2];
  }
  return { positions, remap };
}
