/**
 * The partition of unity. Each cell has a window w_i(x) = Π_axes r(e_left)·r(e_right), where
 * e is the signed distance (in samples) from the cell's core edge, positive inside, and
 *   r(e) = 1                       for e ≥ h,
 *        = cos²(π/4 · (1 − e/h))   for |e| < h,
 *        = 0                       for e ≤ −h,
 * a C¹ ramp of half-width h (the overlap margin). Since r(e) + r(−e) = cos²a + sin²a = 1, the
 * windows of two neighbours already sum to one across a shared edge; on domain borders, meshes
 * with a short last cell or adaptive meshes they do not, so the blend always uses Shepard
 * normalisation φ_i = w_i / Σ_j w_j, which sums to one exactly wherever some w_j > 0.
 * Every sample lies in its own cell's core, where that window is ≥ ½, so the sum never vanishes.
 */
export function ramp(e: number, h: number): number {
  if (h <= 0) return e > 0 ? 1 : e === 0 ? 0.5 : 0;
  if (e >= h) return 1;
  if (e <= -h) return 0;
  const c = Math.cos((Math.PI / 4) * (1 - e / h));
  return c * c;
}

/** Window of a cell of core width `width` along one axis, at relative position t. */
export function axisWindow(t: number, width: number, h: number): number {
  return ramp(t + 0.5, h) * ramp(width - 0.5 - t, h);
}
