/**
 * The Clough–Tocher C¹ cubic element on one triangle (Clough & Tocher 1965; Bézier form after
 * Farin, "Triangular Bernstein–Bézier patches", CAGD 3 (1986)), from values f_k and gradients g_k
 * at the vertices P0, P1, P2 (counter-clockwise).
 *
 * The triangle is split at its centroid S into three sub-triangles; on each the interpolant is a
 * cubic in Bernstein–Bézier form. Sub-triangle k is (P_i, P_j, S) with i = k+1, j = k+2 (mod 3);
 * its ten coefficients a_pqr sit at the domain points (p·P_i + q·P_j + r·S)/3:
 *   a300 = f_i, a030 = f_j                                   (values)
 *   a210 = f_i + g_i·(P_j−P_i)/3, a120 = f_j + g_j·(P_i−P_j)/3  (tangent plane at the vertices,
 *   a201 = f_i + g_i·(S−P_i)/3,   a021 = f_j + g_j·(S−P_j)/3    so C¹ at every vertex)
 *   a111 = E_k        from the cross-boundary derivative on the outer edge P_iP_j (below)
 *   a102 = Q_i, a012 = Q_j, a003 = S_f
 * C¹ across the inner edge P_i–S (the two sub-triangles' fourth points satisfy
 * P' = 3S − P_i − P_j, i.e. barycentric (−1, −1, 3)) gives
 *   Q_i = (E_{i+1} + E_{i+2} + R_i)/3   (R_i = a201 of vertex i),   S_f = (Q_0 + Q_1 + Q_2)/3.
 * Outer edges: the derivative normal to the edge is made linear along it (it then depends on
 * the two end gradients only, so neighbouring triangles agree and the surface is C¹ across
 * edges). With u = S − M (M the edge midpoint) and τ = P_j − P_i, the derivative along u is a
 * quadratic with Bézier coefficients d_m = 3(−½a_{m+e_i} − ½a_{m+e_j} + a_{m+e_S}), and
 * u = c_t τ + (normal part) with c_t = u·τ/τ·τ; linear normal part ⇔
 *   d1 = ½(d0 + d2) + c_t (τ1 − ½(τ0 + τ2)),  τ0..2 = 3(a210−a300), 3(a120−a210), 3(a030−a120),
 * with d0 = g_i·u, d2 = g_j·u, and then a111 = d1/3 + ½(a210 + a120).
 * Exact for quadratics when the gradients are (tangent planes and a linear normal derivative
 * are exact for them), hence for linear functions.
 */

/** Number of coefficients per triangle and channel. */
export const CT_COEFFS = 19;

/**
 * The 19 coefficients of the element, written at out[o … o+18]:
 * f0..2 | along edge k→k+1 (3) | along edge k→k−1 (3) | towards S (3) | E0..2 | Q0..2 | S.
 */
export function ctCoefficients(
  px: ArrayLike<number>,
  py: ArrayLike<number>,
  f: ArrayLike<number>,
  gx: ArrayLike<number>,
  gy: ArrayLike<number>,
  out: Float64Array,
  o: number,
): void {
  const sx = (px[0] + px[1] + px[2]) / 3;
  const sy = (py[0] + py[1] + py[2]) / 3;
  for (let k = 0; k < 3; k++) {
    const n = (k + 1) % 3;
    const p = (k + 2) % 3;
    out[o + k] = f[k];
    out[o + 3 + k] = f[k] + (gx[k] * (px[n] - px[k]) + gy[k] * (py[n] - py[k])) / 3;
    out[o + 6 + k] = f[k] + (gx[k] * (px[p] - px[k]) + gy[k] * (py[p] - py[k])) / 3;
    out[o + 9 + k] = f[k] + (gx[k] * (sx - px[k]) + gy[k] * (sy - py[k])) / 3;
  }
  for (let k = 0; k < 3; k++) {
    const i = (k + 1) % 3;
    const j = (k + 2) % 3;
    const a300 = out[o + i];
    const a030 = out[o + j];
    const a210 = out[o + 3 + i]; // i towards i+1 = j
    const a120 = out[o + 6 + j]; // j towards j−1 = i
    const ux = sx - (px[i] + px[j]) / 2;
    const uy = sy - (py[i] + py[j]) / 2;
    const tx = px[j] - px[i];
    const ty = py[j] - py[i];
    const ct = (ux * tx + uy * ty) / (tx * tx + ty * ty);
    const d0 = gx[i] * ux + gy[i] * uy;
    const d2 = gx[j] * ux + gy[j] * uy;
    const t0 = 3 * (a210 - a300);
    const t1 = 3 * (a120 - a210);
    const t2 = 3 * (a030 - a120);
    const d1 = 0.5 * (d0 + d2) + ct * (t1 - 0.5 * (t0 + t2));
    out[o + 12 + k] = d1 / 3 + 0.5 * (a210 + a120);
  }
  for (let i = 0; i < 3; i++) out[o + 15 + i] = (out[o + 12 + ((i + 1) % 3)] + out[o + 12 + ((i + 2) % 3)] + out[o + 9 + i]) / 3;
  out[o + 18] = (out[o + 15] + out[o + 16] + out[o + 17]) / 3;
}

/** Value of the element with coefficients at c[o…] at barycentric coordinates (l0, l1, l2). */
export function ctEvaluate(c: Float64Array, o: number, l0: number, l1: number, l2: number): number {
  // Sub-triangle: opposite the vertex with the smallest barycentric coordinate.
  let k: number;
  let lk: number;
  let li: number;
  let lj: number;
  if (l0 <= l1 && l0 <= l2) {
    k = 0;
    lk = l0;
    li = l1;
    lj = l2;
  } else if (l1 <= l2) {
    k = 1;
    lk = l1;
    li = l2;
    lj = l0;
  } else {
    k = 2;
    lk = l2;
    li = l0;
    lj = l1;
  }
  const i = (k + 1) % 3;
  const j = (k + 2) % 3;
  const s = 3 * lk;
  const u = li - lk;
  const v = lj - lk;
  const a300 = c[o + i];
  const a030 = c[o + j];
  const a210 = c[o + 3 + i];
  const a120 = c[o + 6 + j];
  const a201 = c[o + 9 + i];
  const a021 = c[o + 9 + j];
  const a111 = c[o + 12 + k];
  const a102 = c[o + 15 + i];
  const a012 = c[o + 15 + j];
  const a003 = c[o + 18];
  return (
    a300 * u * u * u +
    a030 * v * v * v +
    a003 * s * s * s +
    3 * (a210 * u * u * v + a120 * u * v * v + a201 * u * u * s + a021 * v * v * s + a102 * u * s * s + a012 * v * s * s) +
    6 * a111 * u * v * s
  );
}
