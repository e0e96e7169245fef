/**
 * Pixels covered by the triangles of a triangulation of pixel centres, with their barycentric
 * coordinates. Everything is exact integer arithmetic: pixel q lies in the closed triangle
 * (a, b, c) (counter-clockwise) when wa = orient(b, c, q), wb = orient(c, a, q) and
 * wc = orient(a, b, q) are all ≥ 0; its barycentric coordinates are w/area2, area2 = wa+wb+wc.
 * Each pixel is visited once (the first triangle that covers it wins; on a shared edge every
 * covering triangle gives the same value for a continuous interpolant).
 */
import type { Triangulation } from './delaunay';

/**
 * Visit each pixel of the W-wide plane covered by a triangle and not yet `done` (plane-local
 * flags, set here as pixels are visited). `begin(t)` runs before the first pixel of triangle t;
 * `visit(t, pixel, la, lb, lc)` gets the pixel's flat plane index and barycentric coordinates
 * with respect to the triangle's vertices in their stored order.
 */
export function rasterTriangles(
  tri: Triangulation,
  W: number,
  done: Uint8Array,
  begin: (t: number) => void,
  visit: (t: number, pixel: number, la: number, lb: number, lc: number) => void,
  tick?: (f: number) => void,
): void {
  const { xs, ys, triangles } = tri;
  const T = triangles.length / 3;
  for (let t = 0; t < T; t++) {
    if (tick && (t & 1023) === 0) tick(t / T);
    const a = triangles[3 * t];
    const b = triangles[3 * t + 1];
    const c = triangles[3 * t + 2];
    const ax = xs[a];
    const ay = ys[a];
    const bx = xs[b];
    const by = ys[b];
    const cx = xs[c];
    const cy = ys[c];
    const x0 = Math.min(ax, bx, cx);
    const x1 = Math.max(ax, bx, cx);
    const y0 = Math.min(ay, by, cy);
    const y1 = Math.max(ay, by, cy);
    const area2 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    const inv = 1 / area2;
    let begun = false;
    for (let y = y0; y <= y1; y++) {
      // w as affine functions of x along the row: w = w(x0) + x·dw/dx.
      let wa = (cx - bx) * (y - by) - (cy - by) * (x0 - bx);
      let wb = (ax - cx) * (y - cy) - (ay - cy) * (x0 - cx);
      let wc = (bx - ax) * (y - ay) - (by - ay) * (x0 - ax);
      const da = -(cy - by);
      const db = -(ay - cy);
      const dc = -(by - ay);
      const row = y * W;
      for (let x = x0; x <= x1; x++, wa += da, wb += db, wc += dc) {
        if (wa < 0 || wb < 0 || wc < 0) continue;
        const pix = row + x;
        if (done[pix]) continue;
        done[pix] = 1;
        if (!begun) {
          begin(t);
          begun = true;
        }
        visit(t, pix, wa * inv, wb * inv, wc * inv);
      }
    }
  }
}
