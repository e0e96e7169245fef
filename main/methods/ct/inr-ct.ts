/**
 * The INRs on the CT task: the reconstruction is the INR on the pixel grid, fitted so that its
 * projection matches the sinogram. ELM-INR solves for its output weights in closed form through
 * the projector (float64 CG on the normal equations, a total-variation prior by reweighting,
 * strengths chosen on held-out views: main/ct/elm-ct.ts), on a uniform mesh or on a BEAM adaptive
 * mesh built from a first SART-TV reconstruction (main/ct/beam-ct.ts); the nets train through the projector
 * as a TensorFlow.js op (main/ct/net-ct.ts). The ELM and net method modules call these.
 */
import type { BeamParams, ElmParams, NetParams } from '../../api/contract';
import { InrError } from '../../core/errors';
import { beamCt, type BeamCtOptions } from '../../ct/beam-ct';
import { elmCt, type ElmCtParams } from '../../ct/elm-ct';
import { beamMeshJson, beamReport } from '../../inr/elm/beam/index';
import { trainNetCt } from '../../ct/net-ct';
import type { NetMethod } from '../../inr/nets/options';
import type { CtProblem, MethodHooks, MethodInput, MethodOutput } from '../types';

function problem(input: MethodInput<unknown>) {
  if (!input.ct) throw new InrError('E_INTERNAL', 'a CT task without its sinogram');
  return input.ct;
}

/** What ELM-CT and BEAM-CT report of their solve through the projector. */
function solverReport(s: Pick<ElmCtParams, 'prior' | 'smooth' | 'lambda' | 'cgIterations' | 'validation' | 'seconds'>, ct: CtProblem) {
  return {
    prior: s.prior,
    smooth: s.smooth,
    lambda: s.lambda,
    ray_weights: ct.weights ? 'expected counts' : 'none',
    cg_iterations: s.cgIterations,
    validation: s.validation,
    seconds: s.seconds,
  };
}

/** ELM's parameters on the CT task: the image prior of the closed-form solve and its strength (blank: chosen on held-out views). */
export interface ElmCtTaskParams extends ElmParams {
  prior?: 'tv' | 'smooth' | 'none';
  smooth?: number;
}

export async function runElmCt(input: MethodInput<ElmCtTaskParams>, hooks: MethodHooks): Promise<MethodOutput> {
  const ct = problem(input);
  const p = input.params;
  await new Promise((r) => setImmediate(r));
  const r = await elmCt(
    ct.sinogram,
    ct.angles,
    ct.shape,
    {
      budget: p.budget,
      hidden: p.hidden,
      subdomains: p.subdomains,
      overlap: p.overlap,
      freq: p.freq,
      ridge: p.ridge,
      seed: p.seed,
      prior: p.prior,
      smooth: p.smooth,
      rayWeights: ct.weights,
      detectors: ct.geometry.detectors,
      pixelSize: ct.geometry.pixelSize,
    },
    { onProgress: hooks.onProgress, signal: hooks.signal },
  );
  const s = r.params;
  return {
    reconstruction: r.image,
    model: r.model,
    params: s.params,
    backend: 'js-float64 (1 thread)',
    fittedAt: performance.now(),
    extras: {
      mesh: {
        cells: s.cells,
        hidden: s.hidden,
        overlap: r.model.spec.overlap,
        activation: r.model.spec.activation,
        omega: r.model.spec.omega,
        seed: r.model.spec.seed,
        ridge: s.ridge,
        freq: s.freq,
      },
      solver: solverReport(s, ct),
    },
  };
}

/** ELM+BEAM's parameters on the CT task: BEAM's, plus the image prior and its strength as for ELM. */
export interface BeamCtTaskParams extends BeamParams {
  prior?: 'tv' | 'smooth' | 'none';
  smooth?: number;
}

/** ELM+BEAM on the CT task; `mesh` is the parsed mesh.json of the `mesh` parameter, if given. */
export async function runBeamCt(input: MethodInput<BeamCtTaskParams>, hooks: MethodHooks, mesh?: BeamCtOptions['mesh']): Promise<MethodOutput> {
  const ct = problem(input);
  const p = input.params;
  await new Promise((r) => setImmediate(r));
  const r = await beamCt(
    ct.sinogram,
    ct.angles,
    ct.shape,
    {
      budget: p.budget,
      hidden: p.hidden,
      overlap: p.overlap,
      activation: p.activation,
      freq: p.freq,
      ridge: p.ridge,
      seed: p.seed,
      strategy: p.strategy,
      rayWeights: ct.weights,
      mesh,
      meshPath: p.mesh,
      prior: p.prior,
      smooth: p.smooth,
      detectors: ct.geometry.detectors,
      pixelSize: ct.geometry.pixelSize,
    },
    { onProgress: hooks.onProgress, signal: hooks.signal },
  );
  const s = r.params;
  const model = r.model;
  const st = model.stats!;
  const meshJson = beamMeshJson(model);
  return {
    reconstruction: r.image,
    model,
    params: s.params,
    backend: 'js-float64 (1 thread)',
    fittedAt: performance.now(),
    mesh: { info: { shape: meshJson.shape, cells: meshJson.cells }, json: JSON.stringify(meshJson) + '\n' },
    extras: {
      mesh: {
        cells: [s.cells],
        hidden: model.spec.layers[0]?.hidden ?? 0,
        overlap: model.spec.overlap,
        activation: model.spec.activation,
        omega: model.spec.layers[0]?.omega ?? [],
        seed: model.spec.seed,
        ridge: s.ridge,
        freq: s.freq,
      },
      beam: beamReport(st),
      solver: {
        ...solverReport(s, ct),
        mesh_from: s.pilot.method,
        seconds_first_reconstruction: s.pilot.seconds,
        hidden_sizes: s.hidden,
      },
    },
  };
}

export async function runNetCt(method: NetMethod, input: MethodInput<NetParams>, hooks: MethodHooks): Promise<MethodOutput> {
  const ct = problem(input);
  const { layers, ...p } = input.params;
  const r = await trainNetCt(
    method,
    ct.sinogram,
    ct.angles,
    ct.shape,
    { ...p, hidden: layers, detectors: ct.geometry.detectors, pixelSize: ct.geometry.pixelSize },
    { onProgress: hooks.onProgress, signal: hooks.signal },
  );
  const t = r.report;
  return {
    reconstruction: r.image,
    model: r.model,
    params: t.params,
    backend: t.backend,
    fittedAt: performance.now(),
    extras: {
      training: {
        steps: t.steps,
        steps_run: t.stepsRun,
        lr: t.lr,
        gamma: t.gamma,
        loss_final: t.lossFinal,
        loss_best: t.lossBest,
        best_step: t.bestStep,
        stopped: t.stopped,
        selected: t.selected,
        steps_per_second: t.stepsPerSecond,
        projector: t.projector,
        precondition: t.precondition,
        ...(t.iga ? { iga: t.iga } : {}),
      },
    },
  };
}
