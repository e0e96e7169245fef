/**
 * SART: the simultaneous algebraic reconstruction technique, view by view, with an optional
 * total-variation step after each sweep (SART-TV) and a non-negativity clamp (main/ct/iterative.ts).
 */
import { sart, SART_DEFAULTS } from '../../ct/iterative';
import { InrError } from '../../core/errors';
import { defineMethod, type MethodHooks, type MethodInput, type ParamSpecs } from '../types';

interface SartParams {
  iterations?: number;
  relaxation?: number;
  tv?: number;
  nonNegative?: boolean;
}

const PARAMS: ParamSpecs<SartParams> = {
  iterations: { type: 'int', label: 'Sweeps', min: 1, max: 1000, step: 5, default: SART_DEFAULTS.iterations, help: 'Sweeps over all views.' },
  relaxation: {
    type: 'number',
    label: 'Relaxation ω',
    min: 0.01,
    max: 1.99,
    step: 0.05,
    default: SART_DEFAULTS.relaxation,
    advanced: true,
    help: 'Step of each view’s correction, in (0, 2).',
  },
  tv: {
    type: 'number',
    label: 'TV weight',
    min: 0,
    max: 1,
    step: 0.001,
    default: SART_DEFAULTS.tv,
    help: 'Total-variation denoising after each sweep, as a fraction of the image’s value range (0: plain SART; about 0.005 suits few or noisy views).',
  },
  nonNegative: { type: 'bool', label: 'Non-negative', default: false, advanced: true, help: 'Clamp attenuation at zero after every view.' },
};

async function run(input: MethodInput<SartParams>, hooks: MethodHooks) {
  const ct = input.ct;
  if (!ct) throw new InrError('E_INTERNAL', 'sart: a CT task without its sinogram');
  await new Promise((r) => setImmediate(r));
  const p = input.params;
  const r = sart(
    ct.geometry,
    ct.sinogram,
    { iterations: p.iterations, relaxation: p.relaxation, tv: p.tv, nonNegative: p.nonNegative },
    { onProgress: hooks.onProgress, signal: hooks.signal },
  );
  return {
    reconstruction: Float32Array.from(r.image),
    params: 0,
    backend: 'js-float64 (1 thread)',
    fittedAt: performance.now(),
    extras: { solver: { iterations: r.iterations, residual: r.residuals.at(-1) } },
  };
}

export default defineMethod<SartParams>({
  id: 'sart',
  label: 'SART (iterative; TV optional)',
  short: 'SART',
  family: 'classical',
  tasks: ['ct'],
  params: PARAMS,
  run,
});
