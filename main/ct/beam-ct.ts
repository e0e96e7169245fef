/**
 * ELM-INR on a BEAM adaptive mesh for sparse-view CT: the image is the BEAM model u = Φβ
 * (main/inr/elm/beam: a 2^k-tree of overlapping cells, refined where the local Barron norm is
 * high, coarsened where it is low, under a budget of stored parameters), and its output weights
 * are solved through the projector exactly as the uniform ELM-CT's (elm-ct.ts): problem (1) there,
 * the same image prior (TV by reweighted least squares, or smooth, or none), the same held-out
 * choice of its strength (one view in five) and of the frequency scale ('auto'), the same
 * block-Jacobi PCG (elm-solve.ts) on the basis of the BEAM mesh (elm-basis.ts `beamBasis`).
 *
 * BEAM needs the image's local spectral content, which the sinogram does not give directly, so
 * the mesh is built on a first reconstruction from the sinogram alone — SART-TV by default
 * (iterative.ts; 20 sweeps, TV weight 0.005 of the range, the bench's SART-TV), or FBP —, never
 * from a ground truth: the Barron norms of the mesh loop (barron.ts, norms.ts) are those of the
 * pilot image, and no ELM is fitted to it (the mesh loop fits none; the pilot is only read for its
 * local spectra).
 *
 * Cell sizes: BEAM's direct fits keep ≥ 1.5 support samples per feature, so that each cell's
 * least squares is determined by its own samples. Through the projector no cell is fitted to its
 * own samples — all weights are determined together by the projections and the image prior —
 * and the uniform ELM-CT's default mesh has about 1.2 samples per feature; BEAM-CT's default is
 * 0.75 (`minSamplesFactor`). With 1.5, the cells that 2 parameters per pixel afford could not
 * get the hidden sizes the budget gives them, and BEAM's capacity strategy, which its 'auto' then
 * picks, would have little to move: at 0.75 'auto' is per-cell capacity on 8-pixel cells, hidden
 * sizes per cell growing with the pilot's local Barron norms (16 to 128 nodes on camera.png). Measured on
 * camera.png and a seeded random-ellipse phantom (128², 60 views; never on the bench images):
 * capacity 32.19 / 52.79 dB, split with 32 nodes on 4–8-pixel cells 32.02 / 52.86, the uniform
 * 8-pixel mesh at the same parameters 32.10 / 52.82 — the adaptive mesh itself moves ±0.1 dB here.
 *
 * Budget: stored parameters as for ELM-CT (defaultBudget: 2 per pixel with an image prior),
 * counted like every BEAM model (Σ_cells (features + 1)). The result carries the BEAM model (per
 * cell β, channel mean 0, float32), which the BEAM .inr writer stores; `image` is that stored
 * model evaluated on the pixel grid (evaluateBeam).
 */
import { InrError } from '../core/errors';
import type { Activation } from '../inr/elm/features';
import type { FitInput } from '../inr/elm/fit';
import { sampleGrid } from '../inr/elm/mesh';
import { evaluateBeam } from '../inr/elm/beam/evaluate';
import { beamParamCount, type BeamModel } from '../inr/elm/beam/model';
import type { BeamMeshFile } from '../inr/elm/beam/reuse';
import type { BeamStrategyOption } from '../inr/elm/beam/options';
import { clock, planFit, probeStart, withStats } from '../inr/elm/beam/phases';
import { beamBasis, beamBasisModel } from './elm-basis';
import { checkCtInput, solveThroughProjector, type ElmCtOptions, type ElmCtParams } from './elm-ct';
import { fbp } from './fbp';
import { checkCancelled, type CtHooks } from './hooks';
import { sart, SART_DEFAULTS } from './iterative';

export type BeamCtPilot = 'sart-tv' | 'fbp';

export interface BeamCtOptions extends Omit<ElmCtOptions, 'subdomains'> {
  /** BEAM strategy (default 'auto', BEAM's own rule); 'best' is refused (it compares training errors, which CT has not). */
  strategy?: BeamStrategyOption;
  /** Fit on this saved mesh (mesh.json of an earlier ELM+BEAM run) instead of building one. */
  mesh?: BeamMeshFile;
  meshPath?: string;
  activation?: Activation;
  /** The first reconstruction the mesh is built on (default 'sart-tv'). */
  pilot?: BeamCtPilot;
  /** A cell's support must hold ≥ this × its feature count pixels (default 0.75; BEAM's direct fits use 1.5). */
  minSamplesFactor?: number;
}

const BEAM_CT_DEFAULTS = { pilot: 'sart-tv' as BeamCtPilot, pilotTv: 0.005, minSamplesFactor: 0.75 };

export interface BeamCtParams extends Omit<ElmCtParams, 'cells' | 'hidden'> {
  strategy: 'split' | 'capacity' | 'hybrid';
  /** Number of cells of the adaptive mesh. */
  cells: number;
  /** Hidden size per layer (one, or several with per-cell capacity). */
  hidden: number[];
  pilot: { method: BeamCtPilot; seconds: number };
  /** max/mean of the pilot's B̂ over the dyadic uniform start and over the final cells. */
  balance: { start: number; after: number };
  splits: number;
  merges: number;
}

export interface BeamCtResult {
  /** H×W, row-major: the stored BEAM model evaluated on the pixel grid. */
  image: Float32Array;
  params: BeamCtParams;
  model: BeamModel;
}

/**
 * Reconstruct an H×W slice from a sinogram (views × bins, row-major) measured at `angles`
 * (radians) with ELM-INR on a BEAM mesh, solved through the projector (see the file comment).
 */
export async function beamCt(
  sinogram: ArrayLike<number>,
  angles: ArrayLike<number>,
  shape: [number, number],
  opts: BeamCtOptions = {},
  hooks: CtHooks = {},
): Promise<BeamCtResult> {
  const t0 = performance.now();
  const start = clock();
  const [H, W] = shape;
  const s = checkCtInput(sinogram, angles, shape, opts);
  const pilotMethod = opts.pilot ?? BEAM_CT_DEFAULTS.pilot;
  if (pilotMethod !== 'sart-tv' && pilotMethod !== 'fbp') throw new InrError('E_ARG', `unknown first reconstruction '${String(pilotMethod)}' (choose sart-tv or fbp)`);
  const strategy = opts.strategy ?? 'auto';
  if (strategy === 'best') throw new InrError('E_ARG', "strategy 'best' compares training errors, which CT does not have: choose auto, split, capacity or hybrid");
  const factor = opts.minSamplesFactor ?? BEAM_CT_DEFAULTS.minSamplesFactor;
  if (!(factor > 0) || !Number.isFinite(factor)) throw new InrError('E_ARG', `minSamplesFactor must be positive, got ${factor}`);
  const progress = hooks.onProgress ?? (() => {});

  // 1. The first reconstruction, from the sinogram only.
  progress(`ELM+BEAM: first reconstruction for the mesh (${pilotMethod === 'fbp' ? 'FBP' : 'SART-TV'})`, 0.01);
  const tp = performance.now();
  const pilot =
    pilotMethod === 'fbp'
      ? fbp(s.g, sinogram)
      : sart(s.g, sinogram, { iterations: SART_DEFAULTS.iterations, tv: BEAM_CT_DEFAULTS.pilotTv }, { signal: hooks.signal, checkCancel: hooks.checkCancel }).image;
  const pilotSeconds = (performance.now() - tp) / 1000;
  checkCancelled(hooks);

  // 2. BEAM's mesh on it (no ELM is fitted to the pilot).
  progress('ELM+BEAM: building the adaptive mesh', 0.04);
  const input: FitInput = { values: Float32Array.from(pilot), shape: [H, W], channels: 1 };
  const planned = planFit(
    input,
    {
      budget: opts.budget ?? s.budget,
      hidden: opts.hidden,
      overlap: opts.overlap,
      activation: opts.activation,
      ridge: s.ridge,
      seed: opts.seed,
      freq: 1,
      strategy,
      mesh: opts.mesh,
      meshPath: opts.meshPath,
      minSamplesFactor: factor,
    },
    {
      checkCancel: () => checkCancelled(hooks),
    },
    start,
  );
  if (planned === 'best') throw new InrError('E_INTERNAL', "BEAM-CT: strategy 'best' reached the planner");
  const layersFor = probeStart(planned).layersFor;

  // 3. The output weights through the projector, as ELM-CT.
  const c0 = clock();
  const sol = await solveThroughProjector(s, (freq) => beamBasis({ ...planned.p.base, layers: layersFor(freq) }, planned.plan.cells), hooks, 'ELM+BEAM');
  const c1 = clock();
  const model = withStats(planned, beamBasisModel(sol.B, sol.beta), sol.freq, sol.validation.freq, c0, c0, c1);
  progress('ELM+BEAM: evaluating the model', 0.97);
  const image = evaluateBeam(model, [sampleGrid(H), sampleGrid(W)]);
  const t1 = performance.now();
  const { prior } = s;
  const st = model.stats!;
  const setup = c0.wall - start.wall + sol.seconds.setup;
  const params: BeamCtParams = {
    prior,
    smooth: prior === 'none' ? 0 : sol.strength,
    ridge: prior === 'none' ? sol.strength : s.ridge,
    freq: sol.freq,
    lambda: sol.lambda,
    strategy: st.strategy,
    cells: model.cells.length,
    hidden: model.spec.layers.map((l) => l.hidden),
    params: beamParamCount(model),
    validation: sol.validation,
    cgIterations: sol.cgIterations,
    pilot: { method: pilotMethod, seconds: pilotSeconds },
    balance: { start: st.balanceStart, after: st.balanceAfter },
    splits: st.splits,
    merges: st.merges,
    seconds: { setup, select: sol.seconds.select, solve: (t1 - t0) / 1000 - setup - sol.seconds.select, total: (t1 - t0) / 1000 },
  };
  progress('done', 1, { seconds: params.seconds.total });
  return { image, params, model };
}
