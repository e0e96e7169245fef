/**
 * Hilbert-curve order of 2-D integer points, so that consecutive insertions into the Delaunay
 * triangulation are close in space and each point location walks only a few triangles.
 *
 * Key: the index d of (x, y) along the Hilbert curve filling the 2^k × 2^k square (the classical
 * bit-by-bit conversion: at each level s = 2^(k−1) … 1 the quadrant (rx, ry) adds s²·((3·rx) ⊕ ry),
 * then the square is rotated/reflected so that the sub-curve starts at the origin again).
 * Coordinates above 2^16 are shifted down (the order is a heuristic, not a correctness matter).
 */

function hilbertKey(x: number, y: number, bits: number): number {
  let d = 0;
  for (let s = 1 << (bits - 1); s > 0; s >>>= 1) {
    const rx = (x & s) !== 0 ? 1 : 0;
    const ry = (y & s) !== 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - (x & (s - 1));
        y = s - 1 - (y & (s - 1));
      }
      const t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

/**
 * Indices 0…n−1 of the points (xs[i], ys[i]) (non-negative integers) sorted along the Hilbert
 * curve: keys are computed once, then a two-pass LSD radix sort on 16-bit digits.
 */
export function hilbertOrder(xs: ArrayLike<number>, ys: ArrayLike<number>): Uint32Array {
  const n = xs.length;
  let maxc = 1;
  for (let i = 0; i < n; i++) maxc = Math.max(maxc, xs[i], ys[i]);
  let bits = 1;
  while (1 << bits <= maxc && bits < 30) bits++;
  const shift = Math.max(0, bits - 16);
  bits -= shift;
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = hilbertKey(xs[i] >>> shift, ys[i] >>> shift, bits) >>> 0;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let tmp = new Uint32Array(n);
  const count = new Uint32Array(65537);
  for (const sh of [0, 16]) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[((keys[order[i]] >>> sh) & 0xffff) + 1]++;
    for (let b = 0; b < 65536; b++) count[b + 1] += count[b];
    for (let i = 0; i < n; i++) tmp[count[(keys[order[i]] >>> sh) & 0xffff]++] = order[i];
    const t = order;
    order = tmp;
    tmp = t;
  }
  return order;
}
