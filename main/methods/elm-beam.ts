/**
 * ELM-INR on the BEAM adaptive mesh: cells refined where the local Barron norm is high and
 * coarsened where it is low, under a parameter budget (main/inr/elm/beam). With no budget, it
 * spends what the uniform mesh of the same options would store, so the two compare at equal size.
 * On the CT task the mesh is built on a first SART-TV reconstruction from the sinogram and the
 * output weights are solved through the projector as ELM's (main/ct/beam-ct.ts; with no budget,
 * ELM-CT's default: 2 stored parameters per pixel).
 */
import { readFileSync } from 'node:fs';
import type { BeamParams } from '../api/contract';
import { InrError } from '../core/errors';
import { resolveElmSpec } from '../inr/elm/config';
import { createModel, type ElmModel } from '../inr/elm/model';
import { encodeModel } from '../inr/elm/io';
import { sampleGrid } from '../inr/elm/mesh';
import {
  fitBeamParallel,
  evaluateBeamParallel,
  beamParamCount,
  beamMeshJson,
  beamReport,
  encodeBeamModel,
  parseMeshFile,
  type BeamMeshFile,
  type BeamModel,
} from '../inr/elm/beam/index';
import {
  BAND_PARAM,
  ELM_CT_PARAMS,
  ELM_SHARED_PARAMS,
  KERNEL_PARAMS,
  defaultBudget,
  featuresParam,
  fillHoles,
  resolveBand,
  runKernel,
  usesKernel,
  type BandParams,
  type ElmCtParams,
  type KernelParams,
} from './elm';
import { runBeamCt } from './ct/inr-ct';
import { defineMethod, type MethodHooks, type MethodInput, type ParamSpecs } from './types';

/** BEAM's parameters, the local model as ELM's, and on the CT task the image prior and its strength as for ELM. */
type BeamMethodParams = BeamParams & ElmCtParams & KernelParams & BandParams;

const PARAMS: ParamSpecs<BeamMethodParams> = {
  ...ELM_CT_PARAMS,
  budget: {
    type: 'int',
    label: 'Param budget',
    min: 2,
    max: 1e9,
    step: 10000,
    auto: 'as many as the uniform mesh would use',
    help: 'Most stored parameters the adaptive mesh may use. Blank: as many as the uniform mesh would use (CT: 2 per pixel, as ELM).',
  },
  hidden: {
    type: 'int',
    label: 'Hidden nodes m',
    min: 1,
    max: 8192,
    step: 16,
    auto: 'chosen per strategy',
    advanced: true,
    help: 'Hidden nodes per cell (split), or the base size (capacity). Blank: chosen from the budget.',
  },
  strategy: {
    type: 'enum',
    label: 'Strategy',
    values: ['auto', 'split', 'capacity', 'hybrid', 'best'],
    default: 'auto',
    advanced: true,
    help: 'split: refine cells where the Barron norm is high; capacity: give such cells more nodes; hybrid: split then capacity; best: fit both, keep the lower training error (not on CT, which has no training error to compare).',
  },
  mesh: { type: 'path', label: 'Mesh file', help: 'Fit on the mesh saved in this mesh.json (from an earlier ELM+BEAM fit) instead of building one.' },
  ...ELM_SHARED_PARAMS,
  features: featuresParam(
    'random: the adaptive mesh of random features, whose capacity the budget sets and BEAM balances; kernel: their kernel limit as ELM uses it (kernels chosen per cell by cross-validation, every observed sample a parameter), which has no capacity to balance, so its cells are uniform. auto: kernel for inpainting and resampling (unless the budget is below the observed values), random for representation.',
    ['fit', 'inpaint', 'superres', 'interp'],
  ),
  ...KERNEL_PARAMS,
  band: BAND_PARAM,
};

function readMeshFile(path: string): BeamMeshFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InrError(code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_ARG', code === 'ENOENT' ? 'no such mesh file' : `cannot read the mesh file (${code})`, path);
  }
  return parseMeshFile(text, path);
}

/**
 * Inpainting and resampling with the kernel limit (issue 14): the kernel model stores every
 * observed sample and chooses its kernel per cell by cross-validation, so there is no capacity
 * for an adaptive mesh to balance; the fit is ELM's kernel run, and the report says so.
 */
async function runBeamKernel(input: MethodInput<BeamMethodParams>, hooks: MethodHooks) {
  const out = await runKernel(input, hooks);
  const { params } = input;
  const unused = [params.strategy !== undefined && params.strategy !== 'auto' ? 'strategy' : undefined, params.mesh !== undefined ? 'mesh' : undefined].filter(
    (k): k is string => k !== undefined,
  );
  const warnings = [...(out.extras?.warnings ?? [])];
  if (unused.length)
    warnings.push(
      `${unused.join(', ')} shape${unused.length === 1 ? 's' : ''} the adaptive mesh of random features; this run used the kernel limit, which has none (features=random uses it)`,
    );
  return {
    ...out,
    extras: {
      ...out.extras,
      mesh: { ...out.extras!.mesh!, adaptive: 'none: the kernel limit stores the observed samples and has no capacity to balance (features=random builds the BEAM mesh)' },
      warnings: warnings.length ? warnings : undefined,
    },
  };
}

async function run(input: MethodInput<BeamMethodParams>, hooks: MethodHooks) {
  if (input.task.kind === 'ct') return runBeamCt(input, hooks, input.params.mesh ? readMeshFile(input.params.mesh) : undefined);
  if (usesKernel(input.params, input)) return runBeamKernel(input, hooks);
  const { field, params } = input;
  const C = field.channels.length;
  const uniform = resolveElmSpec(field.shape, C, {
    budget: params.budget,
    hidden: params.hidden,
    overlap: params.overlap,
    activation: params.activation,
    freq: params.freq,
    ridge: params.ridge,
    seed: params.seed,
  });
  const filled = fillHoles(field, input.observed, uniform.cells, uniform.overlap, uniform.hidden + (uniform.affine ? field.shape.length + 1 : 0), hooks);
  const values = filled?.values ?? field.values;
  const mask = filled?.mask ?? input.observed;
  const allObserved = filled ? mask.every((v) => v === 1) : input.allObserved;
  const band = resolveBand(params.band, field, values, allObserved ? undefined : mask);
  // Default: what the uniform mesh would store, never more than the data values (issue 14).
  const budget = params.budget ?? Math.min(createModel(uniform).weights.length, defaultBudget(input));
  // The probe, the solve and the reconstruction run on the process's ELM pool (bit for bit the
  // one-thread result); the mesh is built here, checking `signal` between its steps.
  const pool = hooks.pool();
  await new Promise((r) => setImmediate(r));
  const model = await fitBeamParallel(
    pool,
    { values, shape: field.shape, channels: C, mask: allObserved ? undefined : mask },
    {
      budget,
      hidden: params.hidden,
      overlap: params.overlap,
      activation: params.activation,
      freq: params.freq,
      ridge: params.ridge,
      seed: params.seed,
      strategy: params.strategy,
      mesh: params.mesh ? readMeshFile(params.mesh) : undefined,
      meshPath: params.mesh,
      holdout: input.holdout,
      band: band > 0 ? band : undefined,
    },
    { onProgress: (s, f) => hooks.onProgress(s, 0.05 + 0.6 * f), signal: hooks.signal },
  );
  const fittedAt = performance.now();
  const reconstruction = await evaluateBeamParallel(
    pool,
    model,
    field.shape.map((L) => sampleGrid(L)),
    {
      signal: hooks.signal,
      onProgress: (s, f) => hooks.onProgress(s, 0.65 + 0.25 * f),
    },
  );
  let upsampled: Float32Array | undefined;
  if (input.grids) {
    hooks.onProgress('resampling', 0.9);
    upsampled = await evaluateBeamParallel(pool, model, input.grids, { signal: hooks.signal });
  }
  const st = model.stats;
  if (!st) throw new InrError('E_INTERNAL', 'BEAM returned no mesh statistics');
  const meshJson = beamMeshJson(model);
  return {
    reconstruction,
    upsampled,
    model,
    params: beamParamCount(model),
    backend: `js-float64 (${pool.size} thread${pool.size > 1 ? 's' : ''})`,
    fittedAt,
    mesh: { info: { shape: meshJson.shape, cells: meshJson.cells }, json: JSON.stringify(meshJson) + '\n' },
    extras: {
      mesh: {
        cells: [st.cells],
        hidden: model.spec.layers[0]?.hidden ?? 0,
        overlap: model.spec.overlap,
        activation: model.spec.activation,
        omega: model.spec.layers[0]?.omega ?? [],
        seed: model.spec.seed,
        ridge: model.spec.ridge,
        freq: st.freq,
        freq_scores: st.freqScores,
        hole_fill: filled ? true : undefined,
        band: band > 0 ? band : undefined,
      },
      beam: beamReport(st),
    },
  };
}

export default defineMethod<BeamMethodParams>({
  id: 'elm-beam',
  label: 'ELM-INR + BEAM (adaptive mesh)',
  short: 'ELM+BEAM',
  family: 'elm',
  tasks: ['fit', 'inpaint', 'superres', 'interp', 'ct'],
  params: PARAMS,
  check(params, _field, task) {
    if (task.kind === 'ct' && params.strategy === 'best')
      throw new InrError('E_ARG', '--strategy best compares training errors, which CT does not have: choose auto, split, capacity or hybrid');
  },
  run,
  // A kernel-limit run's model is ELM's (the observed samples and the kernel spec).
  model: { ext: '.inr', encode: (m, info) => ((m as ElmModel).spec.kernel ? encodeModel(m as ElmModel, info) : encodeBeamModel(m as BeamModel, info)) },
  exportsMesh: true,
});
