/**
 * Large holes in the observed data (an inpainting mask painted with a brush, a cloud, a land
 * mask) break local models: a cell whose support holds fewer observed samples than it has
 * unknowns is under-determined, so it predicts nothing useful inside the hole and extrapolates
 * wildly from the hole's rim. Random drop-outs never do this, because every cell keeps a share of
 * its samples; a painted region does as soon as it is wider than about one cell.
 *
 * The remedy: fill the holes first with a smooth push–pull interpolation of the observed samples,
 * then fit the mesh to the observed samples plus that fill. The fitted model alone is the result
 * (its `.inr` file reproduces the reconstruction); the fill is a smooth prior inside the holes.
 * (A coarser ELM mesh as the filler was tried first: its cells straddling a hole extrapolate
 * from one side and gave fills worse than the mean.)
 */
import { uniformMesh, type AxisLayout } from './mesh';

/** Observed samples per cell support of a uniform mesh (cells row-major, like `cellIndex`). */
export function observedPerCell(mask: Uint8Array, shape: number[], cells: number[], overlap: number): Float64Array {
  const mesh = uniformMesh(shape, cells, overlap);
  const d = shape.length;
  // Per axis, the cells whose support covers each sample index (at most a few).
  const covers = mesh.axes.map((ax) => axisCovers(ax));
  const counts = new Float64Array(mesh.count);
  const idx = new Array<number>(d).fill(0);
  const n = mask.length;
  for (let i = 0; i < n; i++) {
    if (mask[i]) addCombinations(covers, idx, mesh.axes, counts);
    // advance the multi-index
    for (let a = d - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return counts;
}

function axisCovers(ax: AxisLayout): number[][] {
  const out: number[][] = [];
  for (let p = 0; p < ax.length; p++) {
    const list: number[] = [];
    for (let k = 0; k < ax.cells; k++) {
      const t = p - k * ax.width;
      if (t > -ax.margin - 0.5 && t < ax.width - 0.5 + ax.margin) list.push(k);
    }
    out.push(list);
  }
  return out;
}

function addCombinations(covers: number[][][], idx: number[], axes: AxisLayout[], counts: Float64Array): void {
  const d = idx.length;
  const lists = idx.map((p, a) => covers[a][p]);
  const pos = new Array<number>(d).fill(0);
  for (;;) {
    let id = 0;
    for (let a = 0; a < d; a++) id = id * axes[a].cells + lists[a][pos[a]];
    counts[id]++;
    let a = d - 1;
    while (a >= 0 && ++pos[a] >= lists[a].length) pos[a--] = 0;
    if (a < 0) return;
  }
}

/** True where some cell of the mesh sees fewer observed samples than `unknowns` (its feature count). */
export function hasUnderdeterminedCells(mask: Uint8Array, shape: number[], cells: number[], overlap: number, unknowns: number): boolean {
  const counts = observedPerCell(mask, shape, cells, overlap);
  for (const c of counts) if (c < unknowns) return true;
  return false;
}

/**
 * Fill the unobserved samples by push–pull interpolation (Gortler et al., "The Lumigraph", 1996):
 * pull — halve every axis, each coarse sample the weight-averaged mean of its children, with
 * weight min(1, Σ children's weights), until no sample is empty; push — back down, every sample
 * keeps w·(its own value) + (1 − w)·(the coarser level linearly interpolated). Observed samples
 * (w = 1) keep their values exactly; holes get a smooth surface that meets their rim. O(N) and
 * robust at any hole size, unlike extrapolating a local model.
 */
export function pushPullFill(values: Float32Array, shape: number[], channels: number, mask: Uint8Array): Float32Array {
  const w0 = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) w0[i] = mask[i] ? 1 : 0;
  return pushPull(Float32Array.from(values), w0, shape, channels);
}

function pushPull(v: Float32Array, w: Float32Array, shape: number[], C: number): Float32Array {
  const n = w.length;
  let empty = false;
  for (let i = 0; i < n; i++)
    if (w[i] < 1) {
      empty = true;
      break;
    }
  if (!empty || shape.every((L) => L === 1)) {
    // Normalise: observed means stay; an all-empty field (never passed here) would stay 0.
    return v;
  }
  // Pull: pairwise sums of w·v and w along each axis in turn.
  let wv = new Float32Array(n * C);
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) wv[i * C + c] = w[i] * v[i * C + c];
  let ww = w.slice();
  let cur = shape.slice();
  for (let a = 0; a < shape.length; a++) {
    if (cur[a] === 1) continue;
    const next = cur.slice();
    next[a] = Math.ceil(cur[a] / 2);
    const outer = cur.slice(0, a).reduce((p, q) => p * q, 1);
    const inner = cur.slice(a + 1).reduce((p, q) => p * q, 1);
    const m = next.reduce((p, q) => p * q, 1);
    const nwv = new Float32Array(m * C);
    const nww = new Float32Array(m);
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < cur[a]; k++) {
        const src = (o * cur[a] + k) * inner;
        const dst = (o * next[a] + (k >> 1)) * inner;
        for (let j = 0; j < inner; j++) {
          nww[dst + j] += ww[src + j];
          for (let c = 0; c < C; c++) nwv[(dst + j) * C + c] += wv[(src + j) * C + c];
        }
      }
    wv = nwv;
    ww = nww;
    cur = next;
  }
  const m = ww.length;
  const cv = new Float32Array(m * C);
  const cw = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    if (ww[i] > 0) for (let c = 0; c < C; c++) cv[i * C + c] = wv[i * C + c] / ww[i];
    cw[i] = Math.min(1, ww[i]);
  }
  const coarse = pushPull(cv, cw, cur, C);
  // Push: linear interpolation of the coarse level back to this one, axis by axis.
  let up = coarse;
  let at = cur.slice();
  for (let a = shape.length - 1; a >= 0; a--) {
    if (at[a] === shape[a]) continue;
    const next = at.slice();
    next[a] = shape[a];
    const outer = at.slice(0, a).reduce((p, q) => p * q, 1);
    const inner = at.slice(a + 1).reduce((p, q) => p * q, 1);
    const out = new Float32Array(next.reduce((p, q) => p * q, 1) * C);
    const Lc = at[a];
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < shape[a]; k++) {
        // Fine sample k sits at coarse coordinate (k + ½)/2 − ½.
        const t = Math.min(Lc - 1, Math.max(0, (k + 0.5) / 2 - 0.5));
        const k0 = Math.floor(t);
        const k1 = Math.min(Lc - 1, k0 + 1);
        const f = t - k0;
        const s0 = (o * Lc + k0) * inner;
        const s1 = (o * Lc + k1) * inner;
        const d = (o * shape[a] + k) * inner;
        for (let j = 0; j < inner; j++) for (let c = 0; c < C; c++) out[(d + j) * C + c] = (1 - f) * up[(s0 + j) * C + c] + f * up[(s1 + j) * C + c];
      }
    up = out;
    at = next;
  }
  const res = new Float32Array(n * C);
  for (let i = 0; i < n; i++) {
    const wi = Math.min(1, w[i]);
    for (let c = 0; c < C; c++) {
      const own = w[i] > 0 ? v[i * C + c] : 0;
      res[i * C + c] = wi * own + (1 - wi) * up[i * C + c];
    }
  }
  return res;
}

/** Inclusive prefix sums of a 0/1 mask over every axis (a summed-area table, Crow 1984). */
export function prefixCounts(mask: Uint8Array, shape: readonly number[]): Float64Array {
  const S = Float64Array.from(mask);
  const d = shape.length;
  for (let a = 0; a < d; a++) {
    const L = shape[a];
    const inner = shape.slice(a + 1).reduce((x, y) => x * y, 1);
    const outer = S.length / (L * inner);
    for (let o = 0; o < outer; o++)
      for (let k = 1; k < L; k++) {
        const row = (o * L + k) * inner;
        const prev = row - inner;
        for (let j = 0; j < inner; j++) S[row + j] += S[prev + j];
      }
  }
  return S;
}

/** How many set samples of the prefix-summed mask lie in the box Π_a [lo_a, hi_a). */
export function boxCount(S: Float64Array, shape: readonly number[], lo: readonly number[], hi: readonly number[]): number {
  const d = shape.length;
  if (lo.some((v, a) => v >= hi[a])) return 0;
  let total = 0;
  for (let corner = 0; corner < 1 << d; corner++) {
    let f = 0;
    let sign = 1;
    let skip = false;
    for (let a = 0; a < d; a++) {
      const upper = (corner >> a) & 1;
      const idx = upper ? hi[a] - 1 : lo[a] - 1;
      if (idx < 0) {
        skip = true;
        break;
      }
      if (!upper) sign = -sign;
      f = f * shape[a] + idx;
    }
    if (!skip) total += sign * S[f];
  }
  return total;
}
