/**
 * A classical baseline as a method of the registry: what every viewer already does (scattered
 * interpolation for holes, convolution kernels for resampling), so each INR run can be judged
 * against it in the same table and chart. The numerics and their table of tasks, dimensions and
 * parameters are in main/classical.
 */
import type { BaselineParams } from '../../api/contract';
import { InrError } from '../../core/errors';
import { classicalMethod, inpaint, resample, type ClassicalMethodId, type ClassicalParam } from '../../classical/index';
import { defineMethod, type MethodDef, type MethodHooks, type MethodInput, type ParamSpecs } from '../types';

async function run(id: ClassicalMethodId, input: MethodInput<BaselineParams>, hooks: MethodHooks) {
  const { field, params, task } = input;
  const C = field.channels.length;
  const h = { signal: hooks.signal, onProgress: (stage: string, f: number) => hooks.onProgress(stage, 0.05 + 0.85 * f) };
  // Yield once so that a cancel issued right away is seen; the kernels run synchronously.
  await new Promise((r) => setImmediate(r));
  if (task.kind === 'inpaint') {
    const reconstruction = input.allObserved ? field.values.slice() : inpaint(id, field.values, field.shape, C, input.observed, h, params);
    return { reconstruction, params: 0, backend: 'js (1 thread)', fittedAt: performance.now() };
  }
  if (!input.grids) throw new InrError('E_INTERNAL', `${id}: a resampling task without its grid`);
  const reconstruction = field.values.slice();
  const fittedAt = performance.now();
  const upsampled = resample(id, field.values, field.shape, C, input.grids, h, { observed: input.allObserved ? undefined : input.observed });
  return { reconstruction, upsampled, params: 0, backend: 'js (1 thread)', fittedAt };
}

/** The registry entry of the baseline `id`, from its row in the table of main/classical. */
export function baselineMethod(id: ClassicalMethodId): MethodDef<BaselineParams> {
  const info = classicalMethod(id);
  if (!info) throw new InrError('E_INTERNAL', `no classical method '${id}'`);
  const params: Record<string, ClassicalParam> = { ...info.params };
  return defineMethod<BaselineParams>({
    id,
    label: info.label,
    short: info.short,
    family: 'classical',
    tasks: info.tasks,
    params: params as unknown as ParamSpecs<BaselineParams>,
    hints: { budget: `${id} is an interpolation: it stores no parameters`, hidden: `${id} is an interpolation: it has no hidden nodes` },
    run: (input, hooks) => run(id, input, hooks),
  });
}
