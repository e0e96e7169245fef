/**
 * Products of a tensor with one matrix per axis (mode products, Kolda & Bader, "Tensor
 * decompositions and applications", SIAM Review 51(3), 2009, §2.5): with a separable kernel a
 * fully observed tensor-grid support has covariance K = K_1 ⊗ … ⊗ K_d, and
 * (K_1 ⊗ … ⊗ K_d)·vec(Y) is Y multiplied by K_a along each axis a in turn — O(n·Σ s_a) instead
 * of O(n²). Tensors are row-major over the axes (last fastest) with C channels innermost.
 */

/**
 * out = Y ×_a M: along axis `a` of a tensor of `dims` (× C channels), replace the s = dims[a]
 * entries by M (r×s, row-major) times them. Returns the new tensor (dims with dims[a] = r).
 */
export function modeProduct(Y: Float64Array, dims: readonly number[], C: number, a: number, M: Float64Array, r: number): Float64Array {
  const s = dims[a];
  let outer = 1;
  for (let i = 0; i < a; i++) outer *= dims[i];
  let inner = C;
  for (let i = a + 1; i < dims.length; i++) inner *= dims[i];
  const out = new Float64Array(outer * r * inner);
  for (let o = 0; o < outer; o++) {
    const src = o * s * inner;
    const dst = o * r * inner;
    for (let i = 0; i < r; i++) {
      const row = i * s;
      const d = dst + i * inner;
      for (let k = 0; k < s; k++) {
        const m = M[row + k];
        if (m === 0) continue;
        const sk = src + k * inner;
        for (let j = 0; j < inner; j++) out[d + j] += m * Y[sk + j];
      }
    }
  }
  return out;
}

/** Y multiplied along every axis by its matrix: mats[a] is rows[a]×dims[a]. */
export function multiModeProduct(Y: Float64Array, dims: readonly number[], C: number, mats: readonly Float64Array[], rows: readonly number[]): Float64Array {
  let cur = Y;
  const d = dims.slice();
  for (let a = 0; a < dims.length; a++) {
    cur = modeProduct(cur, d, C, a, mats[a], rows[a]);
    d[a] = rows[a];
  }
  return cur;
}

/** The transpose of an r×s row-major matrix. */
export function transpose(M: Float64Array, r: number, s: number): Float64Array {
  const T = new Float64Array(r * s);
  for (let i = 0; i < r; i++) for (let j = 0; j < s; j++) T[j * r + i] = M[i * s + j];
  return T;
}
