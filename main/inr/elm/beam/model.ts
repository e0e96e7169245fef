/**
 * A BEAM model: an ELM-INR (Cho & Park, arXiv:2602.07603) on an adaptive 2^k-tree mesh. It holds
 * the leaves of the tree (nominal box, level, estimated Barron norm, which hidden layer), the
 * hidden layers (seed and frequency scales only; the weights are regenerated) and, per cell,
 * the output weights β and channel means, exactly as the uniform model stores them (model.ts).
 *
 * Stored parameters are counted like the uniform engine's params: per cell
 * (featureCount + 1)·C with featureCount = hidden (+ d + 1 affine columns), summed over cells.
 * The cell list itself (origin, size, level, layer per cell) is mesh metadata, like the uniform
 * model's cell counts, and is not counted (2d + 2 numbers per cell).
 */
import { InrError } from '../../../core/errors';
import type { Activation } from '../features';

/** One hidden layer σ(W·x̂ + b): m nodes, W ~ N(0, ω_a²) per axis, regenerated from the spec's seed. */
export interface BeamLayer {
  hidden: number;
  omega: number[];
}

export interface BeamSpec {
  method: 'elm-beam';
  /** Sample grid of the fitted data. */
  shape: number[];
  channels: number;
  /** Overlap margin per side as a fraction of each cell's width. */
  overlap: number;
  activation: Activation;
  seed: number;
  /** Relative ridge ε: λ = ε·tr(HᵀH)/m per subdomain. */
  ridge: number;
  /** The local coordinates and a constant are extra linear features. */
  affine: boolean;
  /** Hidden layers; cells refer to them by index (several only with per-cell capacity). */
  layers: BeamLayer[];
  /** Band fit of a 0/1 target in the final solve (ELM's `ElmSpec.band`); absent: least squares. */
  band?: number;
}

/** A leaf of the mesh. */
export interface BeamCell {
  /** Nominal origin per axis in samples (a multiple of `size`). */
  lo: number[];
  /** Nominal size per axis in samples (a power of two); the core is clipped to the grid. */
  size: number[];
  level: number;
  /** Index into spec.layers. */
  layer: number;
  /** Estimated local Barron norm B̂ (barron.ts). */
  norm: number;
}

/** Diagnostics of the mesh construction, kept with the model. */
export interface BeamStats {
  strategy: 'split' | 'capacity' | 'hybrid';
  /**
   * max/mean of B̂ over the cells of a uniform mesh at the same budget: the uniform ELM engine's
   * mesh (config.ts) with `uniformStats`, else the dyadic uniform mesh BEAM starts from
   * (= balanceStart, no extra pass over the data). `uniformMesh` says which.
   */
  balanceUniform: number;
  uniformMesh?: 'elm' | 'dyadic';
  /** max/mean of B̂ over the cells of the dyadic uniform starting mesh. */
  balanceStart: number;
  /** max/mean of B̂ over the final cells. */
  balanceAfter: number;
  /** max/mean of B̂_i·√(m̄/m_i) over the final cells: the norm per unit of capacity. */
  balanceLoad: number;
  budget: number;
  params: number;
  cells: number;
  splits: number;
  merges: number;
  /** Why the refinement loop stopped. */
  stop: string;
  freq: number;
  freqScores?: Record<string, number>;
  /**
   * Wall seconds per phase (index.ts `finish`): mesh construction (from the fit's start: checks,
   * strategy, tree, norms, refinement or capacity), frequency probe, least-squares solve, and
   * these statistics. The mesh's cost relative to solving it is mesh / (freq + solve).
   */
  seconds: { mesh: number; freq: number; solve: number; stats: number };
  /** The same phases in CPU seconds of the process (all threads: JIT and GC included). */
  cpuSeconds?: { mesh: number; freq: number; solve: number; stats: number };
}

/** The mesh part of a BEAM run's report (metrics.json `beam`), the same for every task. */
export function beamReport(st: BeamStats) {
  return {
    strategy: st.strategy,
    cells: st.cells,
    balance_before: st.balanceUniform,
    balance_after: st.balanceAfter,
    balance_load: st.balanceLoad,
    splits: st.splits,
    merges: st.merges,
    seconds_mesh: st.seconds.mesh,
    seconds_freq: st.seconds.freq,
    seconds_solve: st.seconds.solve,
  };
}

export interface BeamModel {
  spec: BeamSpec;
  cells: BeamCell[];
  /** Start of each cell's weights in `weights` (cells + 1 entries). */
  offsets: Int32Array;
  /** Per cell, row-major: β (features×channels) then the channel means (channels). */
  weights: Float32Array;
  stats?: BeamStats;
}

export function featureCountOf(spec: BeamSpec, layer: number): number {
  return spec.layers[layer].hidden + (spec.affine ? spec.shape.length + 1 : 0);
}

function weightsPerCellOf(spec: BeamSpec, layer: number): number {
  return (featureCountOf(spec, layer) + 1) * spec.channels;
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Check a spec and its cells (also the decoder's defence against malformed files). */
function validateBeam(spec: BeamSpec, cells: BeamCell[]): void {
  const bad = (why: string): never => {
    throw new InrError('E_ARG', `invalid BEAM model: ${why}`);
  };
  const d = spec.shape?.length ?? 0;
  if (d < 1 || !spec.shape.every((L) => Number.isInteger(L) && L >= 1)) bad('shape');
  if (!Number.isInteger(spec.channels) || spec.channels < 1) bad('channels');
  if (!(spec.overlap >= 0 && spec.overlap <= 1)) bad('overlap');
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) bad('no hidden layers');
  for (const l of spec.layers) {
    if (!Number.isInteger(l.hidden) || l.hidden < 1 || l.hidden > 65536) bad(`hidden size ${l.hidden}`);
    if (!Array.isArray(l.omega) || l.omega.length !== d || !l.omega.every(Number.isFinite)) bad('omega');
  }
  if (!Array.isArray(cells) || cells.length === 0) bad('no cells');
  for (const c of cells) {
    if (c.lo?.length !== d || c.size?.length !== d) bad('cell dimensions');
    for (let a = 0; a < d; a++) {
      if (!isPow2(c.size[a])) bad(`cell size ${c.size[a]} is not a power of two`);
      if (!Number.isInteger(c.lo[a]) || c.lo[a] < 0 || c.lo[a] % c.size[a] !== 0 || c.lo[a] >= spec.shape[a]) bad(`cell origin ${c.lo[a]}`);
    }
    if (!Number.isInteger(c.layer) || c.layer < 0 || c.layer >= spec.layers.length) bad(`layer index ${c.layer}`);
  }
}

export function createBeamModel(spec: BeamSpec, cells: BeamCell[], weights?: Float32Array): BeamModel {
  validateBeam(spec, cells);
  const offsets = new Int32Array(cells.length + 1);
  for (let i = 0; i < cells.length; i++) offsets[i + 1] = offsets[i] + weightsPerCellOf(spec, cells[i].layer);
  const n = offsets[cells.length];
  if (weights && weights.length !== n) throw new InrError('E_ARG', `invalid BEAM model: ${weights.length} weights, expected ${n}`);
  return { spec, cells, offsets, weights: weights ?? new Float32Array(n) };
}

/** Stored numbers that reproduce the reconstruction: all per-cell weights. */
export function beamParamCount(model: BeamModel): number {
  return model.weights.length;
}
