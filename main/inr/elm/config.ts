/**
 * Choosing an ELM-INR configuration: defaults, the data-driven frequency scale, and the
 * largest mesh that fits a parameter budget.
 */
import { InrError } from '../../core/errors';
import { ACTIVATIONS, type Activation } from './features';
import { edgeSamples, flatCells, supportCounts, type FitInput } from './fit';
import { uniformMesh, type UniformMesh } from './mesh';
import type { ElmSpec } from './model';

export interface ElmOptions {
  /** Cells per axis: one number for every axis, or one per axis. */
  subdomains?: number | number[];
  /** Hidden nodes per subdomain (m). */
  hidden?: number;
  /** Overlap margin per side, as a fraction of the cell width (0–1). */
  overlap?: number;
  activation?: Activation;
  /** Multiplier of the data-driven frequency scale (1 = default). */
  freq?: number;
  /** Relative ridge ε (λ = ε·tr(HᵀH)/m). */
  ridge?: number;
  seed?: number;
  /** Upper bound on stored parameters; picks the mesh (and hidden size if not given). */
  budget?: number;
  /** Add the local coordinates as linear features (exact on affine fields). Default true. */
  affine?: boolean;
}

export const ELM_DEFAULTS = { hidden: 64, overlap: 0.15, activation: 'sine' as Activation, freq: 1, ridge: 1e-6, seed: 1 };

/** The hidden sizes a budget chooses among when none is given, narrowest first. */
export const BUDGET_HIDDEN: readonly number[] = [64, 128, 256, 512];

/**
 * Data-driven frequency scale per axis. Random Fourier features with m nodes in d dimensions
 * resolve about m^(1/d) frequencies per axis, so the weight spread is set to
 * ω = 0.3·π·m^(1/d) radians per local unit (tuned on astronaut, camera and Colin27), and never
 * above the local Nyquist rate π·(S−1)/2 of an axis whose support holds only S samples
 * (short time axes, thin slabs): beyond it the features alias and the fit oscillates.
 */
export function defaultOmega(supportSamples: number[], hidden: number, freq = 1): number[] {
  const d = supportSamples.filter((s) => s > 1).length || 1;
  const base = 0.3 * Math.PI * Math.pow(hidden, 1 / d) * freq;
  return supportSamples.map((S) => (S > 1 ? Math.min(base, (Math.PI * (S - 1)) / 2) : 0));
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new InrError('E_ARG', `${name} must be a positive integer, got ${v}`);
  return v;
}

/** Smallest isotropic cell width (in samples) whose mesh fits `budget`, with m hidden nodes. */
function cellsForBudget(shape: number[], channels: number, hidden: number, budget: number, affine: boolean): number[] | undefined {
  const perCell = (hidden + 1 + (affine ? shape.length + 1 : 0)) * channels;
  if (perCell > budget) return undefined;
  const maxLen = Math.max(...shape);
  for (let w = 1; w <= maxLen; w++) {
    const cells = shape.map((L) => Math.ceil(L / Math.min(w, L)));
    const n = cells.reduce((a, b) => a * b, 1);
    if (n * perCell <= budget) return cells;
  }
  return shape.map(() => 1);
}

/**
 * The hidden size that spends the budget on a chosen mesh: the whole-cell widths above leave up
 * to (w/(w−1))^d of the budget unused, so the nodes per cell grow to ⌊budget/(cells·C)⌋ − 1 −
 * affine (with `flat` cells storing C means each, ⌊(budget − flat·C)/(mixed·C)⌋ − 1 − affine) — never below `hidden`, and never beyond what the smallest full support determines
 * (≥ 1.5 samples per feature, as BEAM's cells; METHODS.md §1.4 "N_i ≥ 1.5–2·m").
 */
function fillHidden(shape: number[], cells: number[], channels: number, hidden: number, budget: number, overlap: number, affine: boolean, flat = 0): number {
  const d = shape.length;
  const extra = 1 + (affine ? d + 1 : 0);
  const mesh = uniformMesh(shape, cells, overlap);
  const mixed = cells.reduce((a, b) => a * b, 1) - flat;
  if (mixed <= 0) return hidden;
  const fill = Math.floor((budget - flat * channels) / (mixed * channels)) - extra;
  const support = supportSamples(mesh).reduce((a, b) => a * b, 1);
  const determined = Math.floor(support / 1.5) - (extra - 1);
  return Math.max(hidden, Math.min(fill, determined));
}

/** Samples per axis in a full support of `mesh` (a cell with its overlap margins). */
function supportSamples(mesh: UniformMesh): number[] {
  return mesh.axes.map((ax) => Math.min(ax.length, Math.floor(ax.width + 2 * ax.margin + 1)));
}

/** Three or more axes longer than one sample: the budget rules for volumes apply. */
export function isVolumetric(shape: readonly number[]): boolean {
  return shape.filter((L) => L > 1).length >= 3;
}

/** Resolve user options into a full spec for data of `shape` × `channels`. */
export function resolveElmSpec(shape: number[], channels: number, opts: ElmOptions = {}): ElmSpec {
  const d = shape.length;
  const overlap = opts.overlap ?? ELM_DEFAULTS.overlap;
  if (!(overlap >= 0 && overlap <= 1)) throw new InrError('E_ARG', `overlap must be between 0 and 1, got ${overlap}`);
  const activation = opts.activation ?? ELM_DEFAULTS.activation;
  if (!ACTIVATIONS.includes(activation)) throw new InrError('E_ARG', `unknown activation '${activation}' (choose ${ACTIVATIONS.join(', ')})`);
  const ridge = opts.ridge ?? ELM_DEFAULTS.ridge;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new InrError('E_ARG', `ridge must be ≥ 0, got ${ridge}`);
  const freq = opts.freq ?? ELM_DEFAULTS.freq;
  if (!(freq > 0) || !Number.isFinite(freq)) throw new InrError('E_ARG', `freq must be positive, got ${freq}`);
  const seed = opts.seed ?? ELM_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0) throw new InrError('E_ARG', `seed must be a non-negative integer, got ${seed}`);
  let hidden = opts.hidden !== undefined ? positiveInt('hidden', opts.hidden) : undefined;
  const affine = opts.affine ?? true;

  let cells: number[];
  if (opts.subdomains !== undefined) {
    const s = opts.subdomains;
    cells = Array.isArray(s) ? (s.length === 1 ? shape.map(() => s[0]) : s) : shape.map(() => s);
    if (cells.length !== d) throw new InrError('E_ARG', `subdomains needs 1 or ${d} numbers (one per axis), got ${cells.length}`);
    cells.forEach((c) => positiveInt('subdomains', c));
    hidden ??= ELM_DEFAULTS.hidden;
    if (opts.budget !== undefined) {
      const n = cells.reduce((a, b) => a * Math.min(b, Infinity), 1);
      const params = n * (hidden + 1 + (affine ? d + 1 : 0)) * channels;
      if (params > opts.budget) throw new InrError('E_ARG', `subdomains ${cells.join('x')} with hidden ${hidden} stores ${params} params, over budget ${opts.budget}`);
    }
  } else if (opts.budget !== undefined) {
    const budget = opts.budget;
    if (!(budget > 0) || !Number.isFinite(budget)) throw new InrError('E_ARG', `budget must be positive, got ${budget}`);
    const candidates = hidden ? [hidden] : BUDGET_HIDDEN;
    const total = shape.reduce((a, b) => a * b, 1);
    const volumetric = isVolumetric(shape);
    let chosen: { hidden: number; cells: number[] } | undefined;
    let best: { hidden: number; cells: number[]; params: number } | undefined;
    let narrowest: { hidden: number; cells: number[] } | undefined;
    for (const m of candidates) {
      const c = cellsForBudget(shape, channels, m, budget, affine);
      if (!c) continue;
      narrowest ??= { hidden: m, cells: c };
      const n = c.reduce((a, b) => a * b, 1);
      // The smallest width whose cells are not too large for it wins; else the fullest use of the budget.
      if (total / n <= 16 * m) {
        chosen = { hidden: m, cells: c };
        break;
      }
      const params = n * (m + 1 + (affine ? d + 1 : 0)) * channels;
      if (!best || params > best.params) best = { hidden: m, cells: c, params };
    }
    // In 3-D (three or more axes longer than one sample), below the budgets where some width's
    // cells are small enough (about 6.5 % of the values), the narrowest width that fits wins
    // instead: fillHidden then spends the budget on it, so every width stores about the same
    // params, and the fit's cost is the Gram products, voxels·(1 + 2·overlap)^d·m², plus the
    // solves, cells·m³ ≈ budget·m², both growing as m². "The fullest use" jumps between widths
    // as the whole-cell count ⌈L/w⌉^3 moves (m = 65 at 2 % of Colin27's voxels, 277 at 1 %, 135
    // at 5 %). On the bunny at 256³ and 1 % the narrow layout (m = 71) reached IoU 0.9900 in
    // 14.5 CPU-s against 0.9906 in 31.6 CPU-s for m = 129; on small grids it costs a little IoU
    // (0.900 against 0.921 at 64³) for far less time (docs/BENCHMARKS.md, 3D occupancy).
    // Images and 2-D+channels fields keep the rule above.
    if (!chosen && volumetric) chosen = narrowest;
    chosen ??= best;
    if (!chosen) {
      // Tiny budgets: one cell with as many nodes as fit.
      const m = Math.floor(budget / channels) - 1 - (affine ? d + 1 : 0);
      if (m < 1) throw new InrError('E_ARG', `budget ${budget} is too small for one subdomain (needs at least ${2 * channels} params for ${channels} channel(s))`);
      chosen = { hidden: m, cells: shape.map(() => 1) };
    }
    hidden = chosen.hidden;
    cells = chosen.cells;
    if (opts.hidden === undefined) hidden = fillHidden(shape, cells, channels, hidden, budget, overlap, affine);
  } else {
    hidden ??= ELM_DEFAULTS.hidden;
    // Cores of about 2m samples: roughly half a stored parameter per value.
    const active = shape.filter((L) => L > 1).length || 1;
    const w = Math.max(2, Math.round(Math.pow(2 * hidden, 1 / active)));
    cells = shape.map((L) => Math.max(1, Math.ceil(L / w)));
  }
  const mesh = uniformMesh(shape, cells, overlap);
  const support = supportSamples(mesh);
  return {
    method: 'elm',
    shape: [...shape],
    cells: mesh.axes.map((ax) => ax.cells),
    overlap,
    hidden,
    activation,
    omega: defaultOmega(support, hidden, freq),
    seed,
    ridge,
    channels,
    affine,
  };
}

/**
 * A budget spent on the cells that need it. A flat cell (its support holds one value, as most of
 * an occupancy grid's cells do: all outside or all inside) stores its mean alone (model.ts), so a
 * layout's params are mixed·(m + d + 2)·C + flat·C. Starting from the chooser's `spec` (its mesh
 * and hidden size for `budget` as if every cell were mixed), the mesh is refined, the same factor
 * on every axis, while the params stay within the budget; then `fillHidden` grows the hidden size
 * to spend what is left.
 * Returns `spec` itself where no cell is flat. Each layout tried costs one pass over its supports.
 */
export function spendOnMixedCells(spec: ElmSpec, input: FitInput, budget: number, freq = 1): { spec: ElmSpec; flat: number } {
  const { shape, channels: C } = input;
  const d = shape.length;
  const extra = 1 + (spec.affine ? d + 1 : 0);
  const count = (cells: number[]) => {
    const mesh = uniformMesh(shape, cells, spec.overlap);
    const flags = flatCells(input, mesh);
    let flat = 0;
    for (const f of flags) flat += f;
    return { mesh, cells: mesh.axes.map((ax) => ax.cells), n: mesh.count, flat };
  };
  const start = count(spec.cells);
  if (start.flat === 0) return { spec, flat: 0 };
  const params = (l: { n: number; flat: number }, m: number) => (l.n - l.flat) * (m + extra) * C + l.flat * C;
  let best = start;
  for (let f = 1.1; f < 64; f *= 1.1) {
    const cells = spec.cells.map((c, a) => Math.min(shape[a], Math.max(1, Math.round(c * f))));
    if (cells.every((c, a) => c === best.cells[a])) continue;
    const l = count(cells);
    if (params(l, spec.hidden) > budget) break;
    best = l;
    if (cells.every((c, a) => c === shape[a])) break;
  }
  const hidden = fillHidden(shape, best.cells, C, spec.hidden, budget, spec.overlap, spec.affine, best.flat);
  const support = supportSamples(best.mesh);
  return { spec: { ...spec, cells: best.cells, hidden, omega: defaultOmega(support, hidden, freq) }, flat: best.flat };
}

/** Fewest hidden nodes per-cell capacity gives a mixed cell (BEAM's capacity strategy uses the same floor). */
const MIN_CELL_HIDDEN = 8;
/** Most hidden nodes per-cell capacity gives a cell, as a multiple of the uniform size it replaces (bounds a cell's m³ solve). */
const MAX_CELL_HIDDEN_FACTOR = 4;

/**
 * Per-cell capacity on an occupancy: the budget goes where the surface is. On `spec`'s mesh, a
 * flat cell stores its mean (as in `spendOnMixedCells`) and a mixed cell i gets
 *   m_i ∝ e_i
 * hidden nodes, e_i the voxels of its support on the surface (a voxel whose value differs from a
 * 6-neighbour's), clamped to [8, the nodes its support determines and 4× the uniform size], with
 * the largest scale whose params Σ (m_i + d + 2)·C + 1 (its size) + flat·C stay within the budget.
 * The exponent 1 is the Lagrange optimum of Σ e_i/m_i (an error that grows with the surface a
 * cell holds and falls as its nodes) at fixed Σ m_i, as BEAM's capacity strategy reads its
 * Barron-norm bound (beam/capacity.ts); the surface count stands in for the norm because a 0/1
 * grid's spectrum is the surface's. The cells use the first m_i of `hidden` = max m_i nodes
 * (model.ts `cellHidden`). Returns `spec` unchanged where there is nothing to move (no mixed
 * cell, or the floor of 8 nodes already over budget).
 */
export function spendPerCell(spec: ElmSpec, input: FitInput, budget: number, freq = 1): { spec: ElmSpec; flat: number } {
  const { shape, channels: C } = input;
  const mesh = uniformMesh(shape, spec.cells, spec.overlap);
  const flags = flatCells(input, mesh);
  const { marked, size } = supportCounts(mesh, shape, edgeSamples(input));
  const extra = 1 + (spec.affine ? shape.length + 1 : 0);
  const mixed: number[] = [];
  let flat = 0;
  for (let id = 0; id < mesh.count; id++) {
    if (flags[id]) flat++;
    else mixed.push(id);
  }
  if (mixed.length === 0) return { spec, flat };
  const cap = mixed.map((id) => Math.max(1, Math.min(MAX_CELL_HIDDEN_FACTOR * spec.hidden, Math.floor(size[id] / 1.5) - (extra - 1))));
  const lo = cap.map((c) => Math.min(MIN_CELL_HIDDEN, c));
  const sizes = (scale: number) => mixed.map((id, i) => Math.max(lo[i], Math.min(cap[i], Math.round(scale * marked[id]))));
  const params = (ms: number[]) => ms.reduce((t, m) => t + (m + extra) * C + 1, 0) + flat * C;
  if (params(lo) > budget) return { spec, flat };
  let a = 0;
  let b = 1;
  while (params(sizes(b)) <= budget && b < 1e9) b *= 2;
  for (let k = 0; k < 60; k++) {
    const mid = (a + b) / 2;
    if (params(sizes(mid)) <= budget) a = mid;
    else b = mid;
  }
  const ms = sizes(a);
  const cellHidden = new Array<number>(mesh.count).fill(0);
  mixed.forEach((id, i) => (cellHidden[id] = ms[i]));
  const hidden = Math.max(...ms);
  return { spec: { ...spec, hidden, cellHidden, omega: defaultOmega(supportSamples(mesh), hidden, freq) }, flat };
}
