/**
 * Total-variation denoising (the proximal map of λ·TV), for the TV step of SART-TV:
 *   prox(b) = argmin_x ½‖x − b‖² + λ·Σ_pixels |∇x|   (isotropic TV, optionally with x ≥ 0),
 * solved on the dual by the fast gradient projection (FGP) of Beck & Teboulle ("Fast
 * gradient-based algorithms for constrained total variation image denoising and deblurring
 * problems", IEEE TIP 18(11), 2009):
 *   x = P_C(b − λ·∇ᵀp),  p ← Π_{|p|≤1}(r + ∇ x(r)/(8λ)),  with Nesterov momentum on r,
 * where ∇ is the forward-difference gradient (zero across the last row/column), ∇ᵀ its
 * adjoint, ‖∇‖² ≤ 8, P_C clamps at zero when `nonNegative`, and Π projects each pixel's
 * (p_y, p_x) onto the unit disk.
 */

/** (gy, gx) = ∇x: forward differences, zero across the last row / column. */
export function gradient(x: ArrayLike<number>, H: number, W: number, gy: Float64Array, gx: Float64Array): void {
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const k = i * W + j;
      gy[k] = i < H - 1 ? x[k + W] - x[k] : 0;
      gx[k] = j < W - 1 ? x[k + 1] - x[k] : 0;
    }
  }
}

/** out = ∇ᵀ(py, px): the adjoint of the forward-difference gradient (= −div). */
export function gradAdjoint(py: Float64Array, px: Float64Array, H: number, W: number, out: Float64Array): void {
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const k = i * W + j;
      let v = 0;
      if (i < H - 1) v -= py[k];
      if (i > 0) v += py[k - W];
      if (j < W - 1) v -= px[k];
      if (j > 0) v += px[k - 1];
      out[k] = v;
    }
  }
}

/** Isotropic total variation Σ |∇x| of an H×W image. */
export function totalVariation(x: ArrayLike<number>, H: number, W: number): number {
  let tv = 0;
  for (let i = 0; i < H; i++) {
    for (let j = 0; j < W; j++) {
      const k = i * W + j;
      const gy = i < H - 1 ? x[k + W] - x[k] : 0;
      const gx = j < W - 1 ? x[k + 1] - x[k] : 0;
      tv += Math.sqrt(gy * gy + gx * gx);
    }
  }
  return tv;
}

/** prox_{λ·TV}(b) in place into `out` (may alias b is not allowed). `iterations` FGP steps. */
export function tvProx(b: Float64Array, H: number, W: number, lambda: number, iterations = 20, nonNegative = false, out?: Float64Array): Float64Array {
  const n = H * W;
  const x = out ?? new Float64Array(n);
  if (!(lambda > 0) || iterations < 1) {
    for (let k = 0; k < n; k++) x[k] = nonNegative ? Math.max(0, b[k]) : b[k];
    return x;
  }
  const py = new Float64Array(n);
  const px = new Float64Array(n);
  const ry = new Float64Array(n);
  const rx = new Float64Array(n);
  const oy = new Float64Array(n);
  const ox = new Float64Array(n);
  const t = new Float64Array(n);
  let tk = 1;
  const step = 1 / (8 * lambda);
  for (let it = 0; it < iterations; it++) {
    // x(r) = P_C(b − λ ∇ᵀ r)
    gradAdjoint(ry, rx, H, W, t);
    for (let k = 0; k < n; k++) {
      const v = b[k] - lambda * t[k];
      x[k] = nonNegative && v < 0 ? 0 : v;
    }
    oy.set(py);
    ox.set(px);
    for (let i = 0; i < H; i++) {
      for (let j = 0; j < W; j++) {
        const k = i * W + j;
        const gy = i < H - 1 ? x[k + W] - x[k] : 0;
        const gx = j < W - 1 ? x[k + 1] - x[k] : 0;
        let qy = ry[k] + step * gy;
        let qx = rx[k] + step * gx;
        const norm = Math.sqrt(qy * qy + qx * qx);
        if (norm > 1) {
          qy /= norm;
          qx /= norm;
        }
        py[k] = qy;
        px[k] = qx;
      }
    }
    const tn = (1 + Math.sqrt(1 + 4 * tk * tk)) / 2;
    const m = (tk - 1) / tn;
    for (let k = 0; k < n; k++) {
      ry[k] = py[k] + m * (py[k] - oy[k]);
      rx[k] = px[k] + m * (px[k] - ox[k]);
    }
    tk = tn;
  }
  gradAdjoint(py, px, H, W, t);
  for (let k = 0; k < n; k++) {
    const v = b[k] - lambda * t[k];
    x[k] = nonNegative && v < 0 ? 0 : v;
  }
  return x;
}
