/**
 * Filtered back-projection: the classical CT reconstruction every scanner ships, with ramp
 * (Ram–Lak), Shepp–Logan, cosine or Hann filters (main/ct/fbp.ts).
 */
import { fbp, FBP_FILTERS, type FbpFilter } from '../../ct/fbp';
import { InrError } from '../../core/errors';
import { defineMethod, type MethodHooks, type MethodInput, type ParamSpecs } from '../types';

interface FbpParams {
  filter?: FbpFilter;
}

const PARAMS: ParamSpecs<FbpParams> = {
  filter: {
    type: 'enum',
    label: 'Filter',
    values: FBP_FILTERS,
    default: 'ramp',
    help: 'The ramp filter’s window: ramp (Ram–Lak) keeps every frequency; Shepp–Logan, cosine and Hann damp the highest ones, trading sharpness for less noise and fewer streaks.',
  },
};

async function run(input: MethodInput<FbpParams>, hooks: MethodHooks) {
  const ct = input.ct;
  if (!ct) throw new InrError('E_INTERNAL', 'fbp: a CT task without its sinogram');
  hooks.onProgress('filtered back-projection', 0.1);
  await new Promise((r) => setImmediate(r));
  const image = fbp(ct.geometry, ct.sinogram, { filter: input.params.filter ?? 'ramp' });
  return { reconstruction: Float32Array.from(image), params: 0, backend: 'js-float64 (1 thread)', fittedAt: performance.now() };
}

export default defineMethod<FbpParams>({
  id: 'fbp',
  label: 'Filtered back-projection (FBP)',
  short: 'FBP',
  family: 'classical',
  tasks: ['ct'],
  params: PARAMS,
  run,
});
