/**
 * Exact geometric predicates for points with integer coordinates (pixel centres).
 *
 * orient(a, b, c) = (b−a) × (c−a) = (bx−ax)(cy−ay) − (by−ay)(cx−ax): > 0 when a, b, c turn
 *   counter-clockwise (x right, y up), 0 when collinear.
 * incircle(a, b, c, d) = | adx ady adx²+ady² ; bdx bdy … ; cdx cdy … | with adx = ax−dx …:
 *   > 0 when d lies strictly inside the circle through the counter-clockwise a, b, c.
 *
 * Exactness. With |coordinates| < 2^15 every difference is below 2^16, so the 2×2 minors and the
 * lifts (dx²+dy²) are integers below 2^33: exact in float64. Only the final three products
 * lift·minor (up to 2^66) can round. Each minor m is split as m = h·2^17 + l (|l| < 2^17,
 * |h| < 2^16), so Σ lift·h < 2^51 and Σ lift·l < 2^52 are exact, and the sign of
 * H·2^17 + L is the sign of the determinant (a correctly rounded sum never changes sign and is
 * 0 only when the exact sum is). No error-bound filter or BigInt is needed.
 */

/** Coordinates must stay below this in magnitude for the predicates to be exact. */
export const EXACT_COORD_LIMIT = 32768;

export function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

const SPLIT = 131072; // 2^17

/** Sign-exact incircle determinant (see the file comment); the magnitude is approximate. */
export function incircle(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): number {
  const adx = ax - dx;
  const ady = ay - dy;
  const bdx = bx - dx;
  const bdy = by - dy;
  const cdx = cx - dx;
  const cdy = cy - dy;
  const alift = adx * adx + ady * ady;
  const blift = bdx * bdx + bdy * bdy;
  const clift = cdx * cdx + cdy * cdy;
  const bc = bdx * cdy - cdx * bdy;
  const ca = cdx * ady - adx * cdy;
  const ab = adx * bdy - bdx * ady;
  const bch = Math.trunc(bc / SPLIT);
  const cah = Math.trunc(ca / SPLIT);
  const abh = Math.trunc(ab / SPLIT);
  const hi = alift * bch + blift * cah + clift * abh;
  const lo = alift * (bc - bch * SPLIT) + blift * (ca - cah * SPLIT) + clift * (ab - abh * SPLIT);
  return hi * SPLIT + lo;
}
