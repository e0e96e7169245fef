/**
 * Fitting and evaluating ELM-INR (Cho & Park, arXiv:2602.07603): overlapping subdomains, each
 * with a closed-form ridge ELM on local coordinates, blended by a partition of unity.
 *
 * Cells whose supports see the same pattern of query positions share their local coordinates,
 * hence their feature matrix H and, when fully observed, their Gram HᵀH and its Cholesky
 * factor. On a uniform mesh that leaves a handful of distinct "patches" (interior, edges,
 * corners), so a fit costs a few Gram factorisations plus, per cell, one HᵀY and one Hβ — a
 * cell whose samples are partly masked gets its own Gram over its observed rows.
 *
 * A spec with `kernel` is the local ELMs' kernel limit instead (kernel/): its "fit" keeps the
 * observed samples, and each cell is solved where the model is evaluated. A spec with `pixel`
 * treats samples as pixel averages: the hidden columns get their box factors (features.ts).
 * A spec with `cellHidden` (per-cell capacity, config.ts `spendPerCell`) gives each cell its own
 * number of nodes, the first ones of a layer ordered by frequency (`elmLayer`).
 */
import { InrError } from '../../core/errors';
import { boxFactors, byFrequency, featureMatrix, hiddenLayer, scaleColumns, type HiddenLayer } from './features';
import { atb, atbRows, choleskySolve, factorRidge, gramUpper, gramUpperRows, symmetrize, trace, type Factor } from './linalg';
import { cellIndex, cellSpan, localCoord, sampleGrid, type AxisGrid, type CellSpan, type UniformMesh } from './mesh';
import { cellHiddenOf, createModel, featureCount, weightsPerCell, type ElmModel, type ElmSpec } from './model';
import { axisWindow } from './pou';
import { kernelModel } from './kernel/fit';
import { accumulateKernelElm, evaluateKernelPoints } from './kernel/evaluate';

export interface Progress {
  (stage: string, fraction: number): void;
}

export interface FitInput {
  /** prod(shape)×C, channel-last. */
  values: Float32Array;
  shape: number[];
  channels: number;
  /** 1 = observed. Absent: all observed. */
  mask?: Uint8Array;
}

export interface FitHooks {
  onProgress?: Progress;
  /** Called between cells; throws to abort. */
  checkCancel?: () => void;
  /** Only fit these cells (parallel workers); the others keep zero weights and no gap filling is done. */
  cells?: number[];
}

/**
 * Box factors of the hidden columns for pixels of half-width `halfSamples[a]` (in samples) on the
 * mesh's local coordinates (one sample = 2/(w + 2h) local units), or undefined for point samples.
 */
function pixelFactors(layer: HiddenLayer, mesh: UniformMesh, halfSamples: readonly number[] | undefined): Float64Array | undefined {
  if (!halfSamples) return undefined;
  return boxFactors(
    layer,
    mesh.axes.map((ax, a) => ((halfSamples[a] ?? 0) * 2) / (ax.width + 2 * ax.margin)),
  );
}

/** The spec's hidden layer; with per-cell capacity ordered by frequency, so a cell's first nodes are its lowest (features.ts `byFrequency`). */
export function elmLayer(spec: ElmSpec): HiddenLayer {
  const layer = hiddenLayer(spec.seed, spec.hidden, spec.omega, spec.activation, spec.nu);
  return spec.cellHidden ? byFrequency(layer) : layer;
}

/** A group of cells sharing their local sampling pattern. */
interface Patch {
  spans: CellSpan[];
  coords: Float64Array[];
  rows: number;
}

/** Per axis, per cell index k: which queries of the grid fall in that cell's support. */
function axisSpans(mesh: UniformMesh, grids: AxisGrid[]): CellSpan[][] {
  return mesh.axes.map((ax, a) => Array.from({ length: ax.cells }, (_, k) => cellSpan(ax, grids[a], k)));
}

function patchKey(spans: CellSpan[]): string {
  return spans.map((s) => `${s.j1 - s.j0}@${s.t0.toFixed(9)}`).join('|');
}

function makePatch(mesh: UniformMesh, grids: AxisGrid[], spans: CellSpan[]): Patch {
  const coords = spans.map((s, a) => {
    const n = s.j1 - s.j0;
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = localCoord(mesh.axes[a], s.t0 + i * grids[a].step);
    return c;
  });
  return { spans, coords, rows: coords.reduce((n, c) => n * c.length, 1) };
}

/** Flat indices (into a grid of `counts` per axis) of the rows of a cell's support, row-major. */
function rowIndices(spans: CellSpan[], counts: number[], out: Int32Array): void {
  const d = spans.length;
  const strides = new Array<number>(d);
  let s = 1;
  for (let a = d - 1; a >= 0; a--) {
    strides[a] = s;
    s *= counts[a];
  }
  const idx = spans.map((sp) => sp.j0);
  let r = 0;
  const total = out.length;
  while (r < total) {
    let flat = 0;
    for (let a = 0; a < d; a++) flat += idx[a] * strides[a];
    out[r++] = flat;
    let a = d - 1;
    while (a >= 0) {
      idx[a]++;
      if (idx[a] < spans[a].j1) break;
      idx[a] = spans[a].j0;
      a--;
    }
  }
}

/** Group the cells (optionally a range of them) by patch. */
function groupCells(mesh: UniformMesh, grids: AxisGrid[], subset?: number[]) {
  const spansPerAxis = axisSpans(mesh, grids);
  const groups = new Map<string, { patch: Patch; cells: number[] }>();
  const k: number[] = [];
  const ids = subset ?? Array.from({ length: mesh.count }, (_, i) => i);
  for (const id of ids) {
    cellIndex(mesh, id, k);
    const spans = k.map((ki, a) => spansPerAxis[a][ki]);
    const key = patchKey(spans);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { patch: makePatch(mesh, grids, spans), cells: [] }));
    g.cells.push(id);
  }
  return groups;
}

function cellSpans(mesh: UniformMesh, grids: AxisGrid[], spansPerAxis: CellSpan[][], id: number): CellSpan[] {
  const k = cellIndex(mesh, id);
  return k.map((ki, a) => spansPerAxis[a][ki]);
}

function factorGram(G: Float64Array, m: number, eps: number): Factor {
  symmetrize(G, m);
  const tr = trace(G, m);
  return factorRidge(G, m, (eps * tr) / m);
}

/** out[r] = H_r · v for the `count` rows listed in `rows` (H row-major, m columns). */
function rowProducts(H: Float64Array, m: number, rows: Int32Array, count: number, v: Float64Array, out: Float64Array): void {
  for (let q = 0; q < count; q++) {
    const r = rows[q];
    let s = 0;
    for (let j = 0; j < m; j++) s += H[r * m + j] * v[j];
    out[r] = s;
  }
}

/** Most Newton steps of a band fit; it usually stops earlier, when its active rows settle. */
const BAND_STEPS = 10;

/**
 * The band fit of a 0/1 target (an occupancy): starting from the least-squares β, minimise
 * λ‖β‖² + Σ_r dist(f_r, [y_r − δ, y_r + δ])² over the cell's observed rows, the squared distance of
 * each prediction to a band of half-width δ around its class value. Rows inside their band cost
 * nothing, so the capacity least squares spends pinning the flat inside and outside to exactly
 * 1 and 0 goes to the surface instead; the band keeps the values bounded, so neighbouring cells'
 * fits still blend. The loss is convex and piecewise quadratic: each step solves the least
 * squares of the rows outside their band (targets: the nearest band edge), then an exact line
 * search along the step (finite Newton, Keerthi & DeCoste, JMLR 6, 2005), until a full step
 * leaves the active rows as they were (or BAND_STEPS). Of the iterates
 * (least squares included) the one misclassifying the fewest rows at ½ is kept. λ is the least
 * squares' own (its factor's ridge). Y holds the centred targets (y − mean); β is read from and
 * written to w[o…], the mean at w[o + m].
 */
function bandRefine(H: Float64Array, N: number, m: number, Y: Float64Array, observed: Int32Array, nObs: number, w: Float32Array, o: number, lambda: number, delta: number): void {
  const mu = w[o + m];
  const act = new Int32Array(nObs);
  const inside = new Uint8Array(N);
  const lo = new Float64Array(N);
  const hi = new Float64Array(N);
  for (let q = 0; q < nObs; q++) {
    const r = observed[q];
    inside[r] = Y[r] + mu > 0.5 ? 1 : 0;
    lo[r] = inside[r] - delta - mu;
    hi[r] = inside[r] + delta - mu;
  }
  const beta = new Float64Array(m);
  for (let j = 0; j < m; j++) beta[j] = w[o + j];
  const f = new Float64Array(N);
  const g = new Float64Array(N);
  const T = new Float64Array(N);
  const R = new Float64Array(m);
  const d = new Float64Array(m);
  // The Gram of the active rows, kept across steps: only rows entering or leaving the active set
  // change it, far fewer than the active rows once the first steps have moved the fit.
  const G = new Float64Array(m * m);
  const Gout = new Float64Array(m * m);
  const inG = new Uint8Array(N);
  const enter = new Int32Array(nObs);
  const leave = new Int32Array(nObs);
  rowProducts(H, m, observed, nObs, beta, f);
  let bestWrong = Infinity;
  const best = new Float64Array(m);
  let fullStep = false;
  for (let it = 0; it <= BAND_STEPS; it++) {
    let na = 0;
    let ne = 0;
    let nl = 0;
    let wrong = 0;
    for (let q = 0; q < nObs; q++) {
      const r = observed[q];
      const s = f[r];
      const active = s < lo[r] || s > hi[r];
      if (active) {
        T[r] = s < lo[r] ? lo[r] : hi[r];
        act[na++] = r;
      }
      if (active && !inG[r]) enter[ne++] = r;
      else if (!active && inG[r]) leave[nl++] = r;
      if (inside[r] !== (s + mu >= 0.5 ? 1 : 0)) wrong++;
    }
    if (wrong < bestWrong) {
      bestWrong = wrong;
      best.set(beta);
    }
    // Converged: a full Newton step that left the active set as it was lands on its minimum.
    if (na === 0 || it === BAND_STEPS || (fullStep && ne === 0 && nl === 0)) break;
    if (ne + nl < na) {
      gramUpperRows(H, m, enter, ne, G);
      if (nl > 0) {
        Gout.fill(0);
        gramUpperRows(H, m, leave, nl, Gout);
        for (let j = 0; j < m; j++) for (let k = j; k < m; k++) G[j * m + k] -= Gout[j * m + k];
      }
    } else {
      G.fill(0);
      gramUpperRows(H, m, act, na, G);
    }
    for (let i = 0; i < ne; i++) inG[enter[i]] = 1;
    for (let i = 0; i < nl; i++) inG[leave[i]] = 0;
    symmetrize(G, m);
    const fa = factorRidge(G, m, lambda);
    atbRows(H, m, act, na, T, 1, R);
    choleskySolve(fa, R, 1);
    let bd = 0;
    let dd = 0;
    for (let j = 0; j < m; j++) {
      d[j] = R[j] - beta[j];
      bd += beta[j] * d[j];
      dd += d[j] * d[j];
    }
    rowProducts(H, m, observed, nObs, d, g);
    const slope = (t: number) => {
      let s = lambda * (bd + t * dd);
      for (let q = 0; q < nObs; q++) {
        const r = observed[q];
        const x = f[r] + t * g[r];
        if (x < lo[r]) s -= g[r] * (lo[r] - x);
        else if (x > hi[r]) s -= g[r] * (hi[r] - x);
      }
      return s;
    };
    let t = 1;
    if (slope(1) > 0) {
      let a0 = 0;
      let a1 = 1;
      for (let k = 0; k < 30; k++) {
        const mid = (a0 + a1) / 2;
        if (slope(mid) > 0) a1 = mid;
        else a0 = mid;
      }
      t = (a0 + a1) / 2;
    }
    for (let j = 0; j < m; j++) beta[j] += t * d[j];
    for (let q = 0; q < nObs; q++) f[observed[q]] += t * g[observed[q]];
    fullStep = t === 1;
  }
  for (let j = 0; j < m; j++) w[o + j] = best[j];
}

/**
 * One cell's least squares, shared by the uniform mesh and BEAM. `mean` holds the sums of the
 * observed rows of Y (N × C); Y is centred on their mean, then (H_oᵀH_o + λI)β = H_oᵀY_o is
 * solved over the observed rows o (all N: the Gram factor of a fully observed cell is `shared`
 * between cells of one sampling pattern, made on first use). Writes β (m × C) and then the mean
 * (C) at out[o…]; returns the shared factor. `R` is m × C scratch. With `band` > 0 on one
 * channel of 0/1 targets the least squares is the start of the band fit (`bandRefine`).
 */
export function solveLocal(
  H: Float64Array,
  N: number,
  m: number,
  Y: Float64Array,
  C: number,
  observed: Int32Array,
  nObs: number,
  mean: Float64Array,
  ridge: number,
  shared: Factor | undefined,
  R: Float64Array,
  out: Float32Array,
  o: number,
  band = 0,
): Factor | undefined {
  for (let c = 0; c < C; c++) mean[c] /= nObs;
  for (let r = 0; r < N; r++) for (let c = 0; c < C; c++) Y[r * C + c] -= mean[c];
  let f: Factor;
  if (nObs === N) {
    if (!shared) {
      const G = new Float64Array(m * m);
      gramUpper(H, m, 0, N, G);
      shared = factorGram(G, m, ridge);
    }
    f = shared;
    atb(H, N, m, Y, C, R);
  } else {
    const G = new Float64Array(m * m);
    gramUpperRows(H, m, observed, nObs, G);
    f = factorGram(G, m, ridge);
    atbRows(H, m, observed, nObs, Y, C, R);
  }
  choleskySolve(f, R, C);
  for (let i = 0; i < m * C; i++) out[o + i] = R[i];
  for (let c = 0; c < C; c++) out[o + m * C + c] = mean[c];
  if (band > 0 && C === 1 && Number.isFinite(f.ridge)) bandRefine(H, N, m, Y, observed, nObs, out, o, f.ridge, band);
  return shared;
}

/**
 * Fit the output weights of every cell. The hidden layer is regenerated from `spec.seed`.
 * Returns the model; its weights are rounded to float32, which is what is stored and evaluated.
 */
export function fitElm(input: FitInput, spec: ElmSpec, hooks: FitHooks = {}): ElmModel {
  if (spec.kernel) return kernelModel(input, spec);
  const { values, shape, channels: C, mask } = input;
  const model = createModel(spec);
  const { mesh } = model;
  const m = featureCount(spec);
  const layer = elmLayer(spec);
  const grids = shape.map((L) => sampleGrid(L));
  const groups = groupCells(mesh, grids, hooks.cells);
  const totalCells = [...groups.values()].reduce((n, g) => n + g.cells.length, 0);
  const per = weightsPerCell(spec);
  const spansPerAxis = axisSpans(mesh, grids);
  let done = 0;
  let lastReport = 0;

  const inputBox = pixelFactors(layer, mesh, spec.pixel);
  const sizes = spec.cellHidden;
  // Per-cell capacity: a cell's columns are its first hidden nodes and the affine ones.
  const scratch = sizes ? new Float32Array(per) : undefined;
  for (const { patch, cells } of groups.values()) {
    const N = patch.rows;
    const H = featureMatrix(layer, patch.coords, spec.affine);
    if (inputBox) scaleColumns(H, m, inputBox);
    let shared: Factor | undefined;
    const rows = new Int32Array(N);
    const observed = new Int32Array(N);
    const Y = new Float64Array(N * C);
    const R = new Float64Array(m * C);
    const mean = new Float64Array(C);
    // Cells of one hidden size in turn, so each size's columns are gathered (and its factor shared) once.
    let own = { hidden: spec.hidden, H, m };
    for (const id of sizes ? [...cells].sort((a, b) => sizes[a] - sizes[b]) : cells) {
      hooks.checkCancel?.();
      if (sizes && sizes[id] !== own.hidden) {
        own = { hidden: sizes[id], H: sizes[id] === spec.hidden ? H : leadingColumns(H, N, m, spec.hidden, sizes[id]), m: m - spec.hidden + sizes[id] };
        shared = undefined;
      }
      rowIndices(cellSpans(mesh, grids, spansPerAxis, id), shape, rows);
      // Gather the cell's samples; find the observed ones (mask and finite values).
      let nObs = 0;
      mean.fill(0);
      for (let r = 0; r < N; r++) {
        const s = rows[r];
        let ok = !mask || mask[s] === 1;
        for (let c = 0; c < C; c++) {
          const v = values[s * C + c];
          Y[r * C + c] = v;
          if (!Number.isFinite(v)) ok = false;
        }
        if (ok) {
          observed[nObs++] = r;
          for (let c = 0; c < C; c++) mean[c] += Y[r * C + c];
        }
      }
      const w = model.weights;
      const o = id * per;
      if (nObs > 0 && isFlat(Y, C, observed, nObs)) {
        // One value per channel over the whole support: the mean alone reproduces it, β stays zero (model.ts, flat cells).
        w.fill(0, o, o + per);
        for (let c = 0; c < C; c++) w[o + m * C + c] = Y[observed[0] * C + c];
      } else if (nObs === 0) {
        // Nothing observed in this support: the cell predicts zero offset; neighbours' windows cover it where they can.
        w.fill(0, o, o + per);
        for (let c = 0; c < C; c++) w[o + m * C + c] = NaN;
      } else if (own.m === m) {
        shared = solveLocal(H, N, m, Y, C, observed, nObs, mean, spec.ridge, shared, R, w, o, spec.band);
      } else if (own.m === 0) {
        // No columns at all (no hidden node, no affine terms): the mean alone.
        w.fill(0, o, o + per);
        for (let c = 0; c < C; c++) w[o + m * C + c] = mean[c] / nObs;
      } else {
        shared = solveLocal(own.H, N, own.m, Y, C, observed, nObs, mean, spec.ridge, shared, R, scratch!, 0, spec.band);
        // Back to the full layout: zero β for the nodes the cell does not use.
        const k = own.hidden * C;
        w.fill(0, o, o + per);
        w.set(scratch!.subarray(0, k), o);
        w.set(scratch!.subarray(k, (own.m + 1) * C), o + spec.hidden * C);
      }
      done++;
      if (hooks.onProgress && done - lastReport >= Math.max(1, totalCells / 50)) {
        lastReport = done;
        hooks.onProgress('solving subdomains', done / totalCells);
      }
    }
  }
  if (!hooks.cells) fillEmptyCells(model);
  return model;
}

/** The columns a cell with `k` of the `hidden` nodes uses: H's first k, then its affine ones (N rows, m columns). */
function leadingColumns(H: Float64Array, N: number, m: number, hidden: number, k: number): Float64Array {
  const mk = m - hidden + k;
  const out = new Float64Array(N * mk);
  for (let r = 0; r < N; r++) {
    out.set(H.subarray(r * m, r * m + k), r * mk);
    out.set(H.subarray(r * m + hidden, r * m + m), r * mk + k);
  }
  return out;
}

/** Whether the observed rows of Y hold one value per channel. */
function isFlat(Y: Float64Array, C: number, observed: Int32Array, nObs: number): boolean {
  const r0 = observed[0] * C;
  for (let i = 1; i < nObs; i++) {
    const r = observed[i] * C;
    for (let c = 0; c < C; c++) if (Y[r + c] !== Y[r0 + c]) return false;
  }
  return true;
}

/**
 * Per cell of `mesh`, 1 where the observed samples of its support (mask and finite values, as the
 * fit takes them) hold one value per channel: a flat cell, which the fit stores as its mean only.
 * Cells with no observed sample are not flat. Linear in the supports' samples.
 */
export function flatCells(input: FitInput, mesh: UniformMesh): Uint8Array {
  const { values, shape, channels: C, mask } = input;
  const grids = shape.map((L) => sampleGrid(L));
  const spansPerAxis = axisSpans(mesh, grids);
  const rows = new Int32Array(spansPerAxis.reduce((n, spans) => n * Math.max(...spans.map((sp) => sp.j1 - sp.j0)), 1));
  const first = new Float64Array(C);
  const out = new Uint8Array(mesh.count);
  for (let id = 0; id < mesh.count; id++) {
    const spans = cellSpans(mesh, grids, spansPerAxis, id);
    const r = rows.subarray(
      0,
      spans.reduce((n, sp) => n * (sp.j1 - sp.j0), 1),
    );
    rowIndices(spans, shape, r);
    let seen = false;
    let flat = true;
    for (let i = 0; i < r.length && flat; i++) {
      const s = r[i];
      if (mask && mask[s] !== 1) continue;
      let finite = true;
      for (let c = 0; c < C; c++) if (!Number.isFinite(values[s * C + c])) finite = false;
      if (!finite) continue;
      if (!seen) {
        for (let c = 0; c < C; c++) first[c] = values[s * C + c];
        seen = true;
      } else for (let c = 0; c < C; c++) if (values[s * C + c] !== first[c]) flat = false;
    }
    out[id] = seen && flat ? 1 : 0;
  }
  return out;
}

/**
 * Per sample, 1 where its value differs from an observed 6-neighbour's (any channel, both observed
 * and finite): on an occupancy grid, the voxels on either side of its surface.
 */
export function edgeSamples(input: FitInput): Uint8Array {
  const { values, shape, channels: C, mask } = input;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n);
  const ok = (s: number) => {
    if (mask && mask[s] !== 1) return false;
    for (let c = 0; c < C; c++) if (!Number.isFinite(values[s * C + c])) return false;
    return true;
  };
  let stride = 1;
  for (let a = shape.length - 1; a >= 0; a--) {
    const L = shape[a];
    for (let s = 0; s < n; s++) {
      if (Math.floor(s / stride) % L === L - 1) continue;
      const t = s + stride;
      let differs = false;
      for (let c = 0; c < C && !differs; c++) differs = values[s * C + c] !== values[t * C + c];
      if (differs && ok(s) && ok(t)) out[s] = out[t] = 1;
    }
    stride *= L;
  }
  return out;
}

/** Per cell of `mesh`, how many samples of its support are marked (`marks`, one byte per sample), and the support's size. */
export function supportCounts(mesh: UniformMesh, shape: number[], marks: Uint8Array): { marked: Float64Array; size: Float64Array } {
  const grids = shape.map((L) => sampleGrid(L));
  const spansPerAxis = axisSpans(mesh, grids);
  const marked = new Float64Array(mesh.count);
  const size = new Float64Array(mesh.count);
  const rows = new Int32Array(spansPerAxis.reduce((n, spans) => n * Math.max(...spans.map((sp) => sp.j1 - sp.j0)), 1));
  for (let id = 0; id < mesh.count; id++) {
    const spans = cellSpans(mesh, grids, spansPerAxis, id);
    const r = rows.subarray(
      0,
      spans.reduce((n, sp) => n * (sp.j1 - sp.j0), 1),
    );
    rowIndices(spans, shape, r);
    let k = 0;
    for (let i = 0; i < r.length; i++) k += marks[r[i]];
    marked[id] = k;
    size[id] = r.length;
  }
  return { marked, size };
}

/** Cells with no observed sample get the mean of all observed cells' means (never NaN). */
export function fillEmptyCells(model: ElmModel): void {
  if (model.spec.kernel) return;
  const { spec, weights } = model;
  const C = spec.channels;
  const per = weightsPerCell(spec);
  const base = featureCount(spec) * C;
  const sum = new Float64Array(C);
  let n = 0;
  for (let id = 0; id < model.mesh.count; id++) {
    const v = weights[id * per + base];
    if (Number.isNaN(v)) continue;
    for (let c = 0; c < C; c++) sum[c] += weights[id * per + base + c];
    n++;
  }
  for (let id = 0; id < model.mesh.count; id++) {
    if (!Number.isNaN(weights[id * per + base])) continue;
    for (let c = 0; c < C; c++) weights[id * per + base + c] = n ? sum[c] / n : 0;
  }
}

export interface EvalHooks {
  onProgress?: Progress;
  checkCancel?: () => void;
  /** Only accumulate these cells' contributions (parallel workers). */
  cells?: number[];
}

/**
 * Evaluate the model on the tensor grid `grids` (one AxisGrid per axis, in sample-index units):
 * u(x) = Σ_i φ_i(x)·u_i(x) with Shepard-normalised windows. Returns prod(counts)×C values.
 */
export function evaluateElm(model: ElmModel, grids: AxisGrid[], hooks: EvalHooks = {}): Float32Array {
  const acc = accumulateElm(model, grids, hooks);
  return normalizeAccumulator(acc.sum, acc.weight, model.spec.channels);
}

export interface Accumulator {
  /** Σ w_i·u_i per query and channel. */
  sum: Float64Array;
  /** Σ w_i per query. */
  weight: Float64Array;
}

/** The unnormalised blend: parallel workers each accumulate their cells, then the sums are added. */
export function accumulateElm(model: ElmModel, grids: AxisGrid[], hooks: EvalHooks = {}, into?: Accumulator): Accumulator {
  const { spec, mesh, weights } = model;
  if (grids.length !== spec.shape.length) throw new InrError('E_ARG', `the model has ${spec.shape.length} axes, the query grid ${grids.length}`);
  if (spec.kernel) return accumulateKernelElm(model, grids, hooks, into);
  const C = spec.channels;
  const m = featureCount(spec);
  const per = weightsPerCell(spec);
  const counts = grids.map((g) => g.count);
  const total = counts.reduce((n, c) => n * c, 1);
  const sum = into?.sum ?? new Float64Array(total * C);
  const weight = into?.weight ?? new Float64Array(total);
  const layer: HiddenLayer = elmLayer(spec);
  const groups = groupCells(mesh, grids, hooks.cells);
  const spansPerAxis = axisSpans(mesh, grids);
  const totalCells = [...groups.values()].reduce((n, g) => n + g.cells.length, 0);
  let done = 0;
  let lastReport = 0;
  const beta = new Float64Array(m * C);

  // Area pixels: an output sample averages the representation over its own pixel (half a step).
  const outputBox = pixelFactors(layer, mesh, spec.pixel?.some((h) => h > 0) ? grids.map((g) => g.step / 2) : undefined);
  for (const { patch, cells } of groups.values()) {
    const N = patch.rows;
    const H = featureMatrix(layer, patch.coords, spec.affine);
    if (outputBox) scaleColumns(H, m, outputBox);
    // Window of this patch: product over axes of the per-axis ramps.
    const axisW = patch.spans.map((s, a) => {
      const ax = mesh.axes[a];
      const n = s.j1 - s.j0;
      const wv = new Float64Array(n);
      for (let i = 0; i < n; i++) wv[i] = axisWindow(s.t0 + i * grids[a].step, ax.width, ax.margin);
      return wv;
    });
    const win = tensorProduct(axisW);
    const rows = new Int32Array(N);
    for (const id of cells) {
      hooks.checkCancel?.();
      rowIndices(cellSpans(mesh, grids, spansPerAxis, id), counts, rows);
      const o = id * per;
      // The cell's own hidden nodes (per-cell capacity: β is zero beyond them), then the affine columns.
      const mh = cellHiddenOf(spec, id);
      // βᵀ, channel-major, so each output is a unit-stride dot product with a row of H.
      for (let j = 0; j < m; j++) for (let c = 0; c < C; c++) beta[c * m + j] = weights[o + j * C + c];
      for (let r = 0; r < N; r++) {
        const wr = win[r];
        if (wr === 0) continue;
        const s = rows[r];
        const ho = r * m;
        for (let c = 0; c < C; c++) {
          const bo = c * m;
          let u0 = 0;
          let u1 = 0;
          let j = 0;
          for (; j + 1 < mh; j += 2) {
            u0 += H[ho + j] * beta[bo + j];
            u1 += H[ho + j + 1] * beta[bo + j + 1];
          }
          if (j < mh) u0 += H[ho + j] * beta[bo + j];
          for (j = spec.hidden; j < m; j++) u1 += H[ho + j] * beta[bo + j];
          sum[s * C + c] += wr * (weights[o + m * C + c] + u0 + u1);
        }
        weight[s] += wr;
      }
      done++;
      if (hooks.onProgress && done - lastReport >= Math.max(1, totalCells / 50)) {
        lastReport = done;
        hooks.onProgress('reconstructing', done / totalCells);
      }
    }
  }
  return { sum, weight };
}

export function normalizeAccumulator(sum: Float64Array, weight: Float64Array, C: number): Float32Array {
  const out = new Float32Array(sum.length);
  for (let s = 0; s < weight.length; s++) {
    const w = weight[s];
    for (let c = 0; c < C; c++) out[s * C + c] = w > 0 ? sum[s * C + c] / w : NaN;
  }
  return out;
}

function tensorProduct(parts: Float64Array[]): Float64Array {
  let out = new Float64Array([1]);
  for (const p of parts) {
    const next = new Float64Array(out.length * p.length);
    for (let i = 0; i < out.length; i++) for (let j = 0; j < p.length; j++) next[i * p.length + j] = out[i] * p[j];
    out = next;
  }
  return out;
}

/** The unnormalised window sum Σ_i w_i on a grid (for tests of the partition of unity). */
export function windowSum(mesh: UniformMesh, grids: AxisGrid[]): Float64Array {
  const counts = grids.map((g) => g.count);
  const total = counts.reduce((n, c) => n * c, 1);
  const weight = new Float64Array(total);
  const groups = groupCells(mesh, grids);
  const spansPerAxis = axisSpans(mesh, grids);
  for (const { patch, cells } of groups.values()) {
    const win = tensorProduct(
      patch.spans.map((s, a) => {
        const n = s.j1 - s.j0;
        const wv = new Float64Array(n);
        for (let i = 0; i < n; i++) wv[i] = axisWindow(s.t0 + i * grids[a].step, mesh.axes[a].width, mesh.axes[a].margin);
        return wv;
      }),
    );
    const rows = new Int32Array(patch.rows);
    for (const id of cells) {
      rowIndices(cellSpans(mesh, grids, spansPerAxis, id), counts, rows);
      for (let r = 0; r < rows.length; r++) weight[rows[r]] += win[r];
    }
  }
  return weight;
}

/**
 * Evaluate the model at scattered points: `points` holds n×d coordinates in sample-index units
 * (sample i of an axis sits at i; any real value, also between samples). Each point blends the
 * cells whose supports contain it (at most 3 per axis for overlap ≤ 1). Returns n×C values.
 */
export function evaluatePoints(model: ElmModel, points: Float64Array): Float32Array {
  if (model.spec.kernel) return evaluateKernelPoints(model, points);
  const { spec, mesh, weights } = model;
  const d = spec.shape.length;
  const C = spec.channels;
  const n = Math.floor(points.length / d);
  const m = featureCount(spec);
  const per = weightsPerCell(spec);
  const layer = elmLayer(spec);
  const out = new Float32Array(n * C);
  const cand: number[][] = Array.from({ length: d }, () => []);
  const xhat = new Float64Array(d);
  const h = new Float64Array(m);
  const acc = new Float64Array(C);
  for (let p = 0; p < n; p++) {
    for (let a = 0; a < d; a++) {
      const ax = mesh.axes[a];
      const x = points[p * d + a];
      const k0 = Math.floor((x + 0.5) / ax.width);
      cand[a].length = 0;
      for (let k = k0 - 1; k <= k0 + 1; k++) {
        if (k < 0 || k >= ax.cells) continue;
        const t = x - k * ax.width;
        if (t > -ax.margin - 0.5 && t < ax.width - 0.5 + ax.margin) cand[a].push(k);
      }
    }
    acc.fill(0);
    let wsum = 0;
    const idx = new Array<number>(d).fill(0);
    if (cand.every((c) => c.length > 0)) {
      for (;;) {
        let wgt = 1;
        let id = 0;
        for (let a = 0; a < d; a++) {
          const ax = mesh.axes[a];
          const k = cand[a][idx[a]];
          const t = points[p * d + a] - k * ax.width;
          wgt *= axisWindow(t, ax.width, ax.margin);
          xhat[a] = localCoord(ax, t);
          id = id * ax.cells + k;
        }
        if (wgt > 0) {
          for (let j = 0; j < spec.hidden; j++) {
            let z = layer.b[j];
            for (let a = 0; a < d; a++) z += layer.W[j * d + a] * xhat[a];
            h[j] = spec.activation === 'sine' ? Math.sin(z) : spec.activation === 'tanh' ? Math.tanh(z) : Math.exp(-0.5 * z * z);
          }
          if (spec.affine) {
            for (let a = 0; a < d; a++) h[spec.hidden + a] = xhat[a];
            h[spec.hidden + d] = 1;
          }
          const o = id * per;
          for (let c = 0; c < C; c++) {
            let u = weights[o + m * C + c];
            for (let j = 0; j < m; j++) u += h[j] * weights[o + j * C + c];
            acc[c] += wgt * u;
          }
          wsum += wgt;
        }
        let a = d - 1;
        while (a >= 0 && ++idx[a] >= cand[a].length) idx[a--] = 0;
        if (a < 0) break;
      }
    }
    for (let c = 0; c < C; c++) out[p * C + c] = wsum > 0 ? acc[c] / wsum : NaN;
  }
  return out;
}
