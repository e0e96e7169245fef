/**
 * Capacity per cell instead of splitting (METHODS.md §2.5, "alternative reading"): keep the mesh
 * and give each cell its own number of hidden nodes m_i.
 *
 * The bound of §2.3 charges cell i about |Ω_i|·B̂_i²/m_i (B̂_i = r_i·C_i in local units). Minimising
 * Σ_i |Ω_i|·B̂_i²/m_i at fixed Σ_i m_i (Lagrange: |Ω_i|·B̂_i²/m_i² = const) gives
 *   m_i ∝ (|Ω_i|^½·B̂_i)^p  with p = 1,
 * i.e. m_i ∝ B̂_i on a mesh of equal cells. p = 2 instead equalises the per-cell terms
 * |Ω_i|·B̂_i²/m_i themselves (m_i ∝ B̂_i² on equal cells, the first suggestion); both are
 * offered, p = 1 measured better (see the BEAM report).
 *
 * m_i is rounded to a power of two (a few distinct sizes keep the shared-factor batching),
 * clamped to [minHidden, the largest size the cell's support can determine and maxHidden], and
 * the scale is the largest one whose total params Σ (m_i + 1 + affine)·C stay within the budget
 * (bisection; the total is monotone in the scale).
 */

export interface CapacityOptions {
  budget: number;
  /** Parameters per cell besides the hidden nodes, per channel: 1 (mean) + (d + 1 if affine). */
  extraPerCell: number;
  channels: number;
  exponent: number;
  minHidden: number;
  /** Per cell: the largest hidden size its support supports. */
  maxHidden: readonly number[];
}

function largestPow2AtMost(x: number): number {
  return Math.pow(2, Math.floor(Math.log2(Math.max(1, x))));
}

/**
 * Hidden sizes per cell (powers of two) from the cells' weights |Ω_i|^½·B̂_i (pass the weights).
 * Returns undefined if even minHidden everywhere is over budget.
 */
export function assignCapacity(weights: readonly number[], opts: CapacityOptions): number[] | undefined {
  const { budget, extraPerCell, channels: C, exponent, minHidden: lo } = opts;
  const n = weights.length;
  const caps = opts.maxHidden.map((m) => Math.max(lo, largestPow2AtMost(m)));
  // log2 of the target before scaling: m_i = 2^round(log s + t_i), clamped.
  const t = weights.map((w) => (w > 0 ? exponent * Math.log2(w) : -Infinity));
  const logLo = Math.log2(lo);
  const sizeAt = (logScale: number, i: number) => {
    const e = Math.round(logScale + t[i]);
    return e <= logLo ? lo : Math.min(caps[i], Math.pow(2, e));
  };
  // Σ (m_i + extra)·C, inlined (it runs 60 times over every cell).
  const params = (logScale: number) => {
    let s = n * extraPerCell;
    for (let i = 0; i < n; i++) {
      const e = Math.round(logScale + t[i]);
      s += e <= logLo ? lo : Math.min(caps[i], e < 31 ? 2 ** e : Math.pow(2, e));
    }
    return s * C;
  };
  if (n * (lo + extraPerCell) * C > budget) return undefined;
  const finite = t.filter(Number.isFinite);
  if (finite.length === 0) return weights.map(() => lo);
  // Bracket: below a, every cell sits at lo; above b, every weighted cell is capped.
  let a = logLo - Math.max(...finite) - 1;
  let b = Math.log2(Math.max(...caps)) - Math.min(...finite) + 1;
  if (params(b) <= budget) a = b;
  else
    for (let it = 0; it < 60; it++) {
      const mid = (a + b) / 2;
      if (params(mid) <= budget) a = mid;
      else b = mid;
    }
  return weights.map((_, i) => sizeAt(a, i));
}
