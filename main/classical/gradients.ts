/**
 * Vertex gradients for the Clough–Tocher interpolant: Nielson's minimum-curvature estimate on
 * the edges of the triangulation (G. M. Nielson, "A method for interpolating scattered data based
 * upon a minimum norm network", Math. Comp. 40 (1983); the estimate scipy's CloughTocher2D uses).
 *
 * Along each edge e = x_j − x_i (length L) the data are joined by the cubic Hermite curve with the
 * end values f_i, f_j and end slopes g_i·e, g_j·e (per unit of the parameter t ∈ [0, 1]). Its
 * curvature energy ∫ (d²f/ds²)² ds = L⁻³ ∫₀¹ p''(t)² dt with
 *   p''(t) = (12t−6)(f_i−f_j) + (6t−4) g_i·e + (6t−2) g_j·e.
 * The gradients minimise the sum of these energies over all edges. Setting the derivative with
 * respect to g_i to zero (∫(12t−6)(6t−4) = 6, ∫(6t−4)² = 4, ∫(6t−2)(6t−4) = 2):
 *   (Σ_j 4 e eᵀ/L³) g_i = −Σ_j (6 (f_i − f_j) + 2 g_j·e) e / L³,
 * a 2×2 system per vertex, solved by Gauss–Seidel sweeps. The 2×2 matrix depends on the
 * geometry only, so it is inverted once. Linear data give zero energy at the true gradient, so
 * linear functions are reproduced exactly.
 *
 * Start: a weighted least-squares plane through each vertex's neighbours (weights 1/L²), which
 * is already close; sweeps stop when no gradient changes by more than `tol` (relative to
 * max(1, |g|)) or after `maxSweeps`.
 */
import type { Triangulation } from './delaunay';

export interface GradientOptions {
  maxSweeps?: number;
  tol?: number;
  /** Over-relaxation factor for the sweeps (1 = plain Gauss–Seidel). */
  omega?: number;
}

/** Undirected edges of a triangulation as a CSR neighbour list per point. */
function vertexNeighbours(tri: Triangulation): { start: Int32Array; list: Int32Array } {
  const n = tri.xs.length;
  const { triangles, neighbours } = tri;
  const T = triangles.length / 3;
  const deg = new Int32Array(n + 1);
  const each = (fn: (u: number, v: number) => void) => {
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < 3; i++) {
        const u = triangles[3 * t + ((i + 1) % 3)];
        const v = triangles[3 * t + ((i + 2) % 3)];
        // Interior edges appear in two triangles: count them once (from the lower index).
        if (neighbours[3 * t + i] >= 0 && u > v) continue;
        fn(u, v);
      }
    }
  };
  each((u, v) => {
    deg[u + 1]++;
    deg[v + 1]++;
  });
  for (let i = 0; i < n; i++) deg[i + 1] += deg[i];
  const fill = deg.slice(0, n);
  const list = new Int32Array(deg[n]);
  each((u, v) => {
    list[fill[u]++] = v;
    list[fill[v]++] = u;
  });
  return { start: deg, list };
}

/**
 * Gradients (∂f/∂x, ∂f/∂y) of C channels at every vertex: out[(i·C + c)·2 + {0, 1}].
 * `f(i, c)` reads the datum of point i, channel c.
 */
export function estimateGradients(tri: Triangulation, C: number, f: (i: number, c: number) => number, opts: GradientOptions = {}, tick?: (fr: number) => void): Float64Array {
  const n = tri.xs.length;
  const { xs, ys } = tri;
  const { start, list } = vertexNeighbours(tri);
  const maxSweeps = opts.maxSweeps ?? 400;
  const tol = opts.tol ?? 1e-6;
  const omega = opts.omega ?? 1;
  const data = new Float64Array(n * C);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) data[i * C + c] = f(i, c);
  const g = new Float64Array(n * C * 2);
  // Per vertex: inverse of Σ 4 e eᵀ / L³ (energy) and the start from weighted least squares.
  const inv = new Float64Array(n * 3); // [a, b, d] of the symmetric inverse
  for (let i = 0; i < n; i++) {
    let q00 = 0;
    let q01 = 0;
    let q11 = 0;
    let m00 = 0;
    let m01 = 0;
    let m11 = 0;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = list[k];
      const ex = xs[j] - xs[i];
      const ey = ys[j] - ys[i];
      const L2 = ex * ex + ey * ey;
      const w3 = 4 / (L2 * Math.sqrt(L2));
      q00 += w3 * ex * ex;
      q01 += w3 * ex * ey;
      q11 += w3 * ey * ey;
      const w2 = 1 / L2;
      m00 += w2 * ex * ex;
      m01 += w2 * ex * ey;
      m11 += w2 * ey * ey;
    }
    const det = q00 * q11 - q01 * q01;
    if (det > 0) {
      inv[3 * i] = q11 / det;
      inv[3 * i + 1] = -q01 / det;
      inv[3 * i + 2] = q00 / det;
    }
    const mdet = m00 * m11 - m01 * m01;
    if (!(mdet > 0)) continue;
    for (let c = 0; c < C; c++) {
      let rx = 0;
      let ry = 0;
      const fi = data[i * C + c];
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = list[k];
        const ex = xs[j] - xs[i];
        const ey = ys[j] - ys[i];
        const w2 = 1 / (ex * ex + ey * ey);
        const df = data[j * C + c] - fi;
        rx += w2 * ex * df;
        ry += w2 * ey * df;
      }
      g[(i * C + c) * 2] = (m11 * rx - m01 * ry) / mdet;
      g[(i * C + c) * 2 + 1] = (m00 * ry - m01 * rx) / mdet;
    }
  }
  // Per directed edge (CSR entry): e and 1/L³.
  const m = list.length;
  const exs = new Float64Array(m);
  const eys = new Float64Array(m);
  const ews = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = list[k];
      const ex = xs[j] - xs[i];
      const ey = ys[j] - ys[i];
      const L2 = ex * ex + ey * ey;
      exs[k] = ex;
      eys[k] = ey;
      ews[k] = 1 / (L2 * Math.sqrt(L2));
    }
  }
  const sx = new Float64Array(C);
  const sy = new Float64Array(C);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      const ia = inv[3 * i];
      const ib = inv[3 * i + 1];
      const id = inv[3 * i + 2];
      if (ia === 0 && ib === 0 && id === 0) continue;
      sx.fill(0);
      sy.fill(0);
      for (let k = start[i]; k < start[i + 1]; k++) {
        const j = list[k];
        const ex = exs[k];
        const ey = eys[k];
        const w = ews[k];
        for (let c = 0; c < C; c++) {
          const gj = (j * C + c) * 2;
          const r = w * (6 * (data[i * C + c] - data[j * C + c]) + 2 * (g[gj] * ex + g[gj + 1] * ey));
          sx[c] += r * ex;
          sy[c] += r * ey;
        }
      }
      for (let c = 0; c < C; c++) {
        const gi = (i * C + c) * 2;
        const nx = -(ia * sx[c] + ib * sy[c]);
        const ny = -(ib * sx[c] + id * sy[c]);
        const ux = g[gi] + omega * (nx - g[gi]);
        const uy = g[gi + 1] + omega * (ny - g[gi + 1]);
        const d = Math.max(Math.abs(ux - g[gi]), Math.abs(uy - g[gi + 1])) / Math.max(1, Math.abs(ux), Math.abs(uy));
        if (d > change) change = d;
        g[gi] = ux;
        g[gi + 1] = uy;
      }
    }
    tick?.((sweep + 1) / maxSweeps);
    if (change < tol) break;
  }
  return g;
}
