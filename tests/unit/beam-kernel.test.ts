/**
 * ELM+BEAM on prediction tasks (issue 14 point 4): by default (`features: auto`) inpainting and
 * resampling use the kernel limit as ELM does, since the kernel model stores every observed
 * sample and leaves BEAM no capacity to balance; `features: random` keeps the adaptive mesh.
 */
import { describe, expect, it } from 'vitest';
import { openField } from '../../main/data/index';
import type { Field } from '../../main/core/field';
import { fitRequest, runFitTask } from '../../main/tasks/fit';
import { decodeModel, type ModelFieldInfo } from '../../main/inr/elm/io';
import { readModelMethod } from '../../main/inr/elm/beam/index';
import { methodDef } from '../../main/methods/registry';
import { sample } from '../helpers/samples';

/** A size × size crop of camera.png from (top, left). */
async function cameraCrop(size: number, top = 120, left = 200): Promise<Field> {
  const f = await openField(sample('images', 'camera.png'), {});
  const C = f.channels.length;
  const values = new Float32Array(size * size * C);
  for (let i = 0; i < size; i++) for (let j = 0; j < size * C; j++) values[i * size * C + j] = f.values[((top + i) * f.shape[1] + left) * C + j];
  return { ...f, shape: [size, size], values, mask: undefined };
}

const info = (f: Field): ModelFieldInfo => ({ axes: f.axes, channels: f.channels, dtype: f.dtype, geometry: f.geometry });

describe('ELM+BEAM with the kernel limit', () => {
  it('inpaints as ELM does by default, says the mesh is not adaptive, and saves the kernel model', async () => {
    const field = await cameraCrop(96);
    const beam = await runFitTask(field, fitRequest('elm-beam', { drop: 0.7 }, 'cli'));
    const elm = await runFitTask(field, fitRequest('elm', { drop: 0.7 }, 'cli'));
    expect(beam.reconstruction.values).toEqual(elm.reconstruction.values);
    expect(beam.report.psnr_unobserved).toBe(elm.report.psnr_unobserved);
    const mesh = beam.report.mesh as { adaptive?: string; activation: string };
    expect(mesh.adaptive).toMatch(/kernel limit/);
    expect(mesh.activation).toMatch(/^kernel/);
    expect(beam.report.beam).toBeUndefined();
    expect(beam.mesh).toBeUndefined();
    const bytes = methodDef('elm-beam').model!.encode(beam.model, info(field));
    expect(readModelMethod(bytes)).toBe('elm');
    expect(decodeModel(bytes).model.spec.kernel).toBeDefined();
  });

  it('builds the adaptive mesh with features random, within the budget', async () => {
    const field = await cameraCrop(96);
    const r = await runFitTask(field, fitRequest('elm-beam', { drop: 0.7, features: 'random', budget: 2000 }, 'cli'));
    expect(r.report.beam).toBeDefined();
    expect(r.report.params).toBeLessThanOrEqual(2000);
    expect((r.report.mesh as { adaptive?: string }).adaptive).toBeUndefined();
    expect(r.mesh?.json).toBeDefined();
    expect(readModelMethod(methodDef('elm-beam').model!.encode(r.model, info(field)))).toBe('elm-beam');
  });

  it('super-resolves with the kernel limit and its detail, and warns that a strategy set for the mesh went unused', async () => {
    const field = await cameraCrop(128);
    const beam = await runFitTask(field, fitRequest('elm-beam', { scale: 2, check: true, strategy: 'split' }, 'cli'));
    const elm = await runFitTask(field, fitRequest('elm', { scale: 2, check: true }, 'cli'));
    expect(beam.report.psnr).toBe(elm.report.psnr);
    expect((beam.report.mesh as { detail?: unknown[] }).detail).toHaveLength(1);
    expect(beam.report.warnings?.join(' ')).toMatch(/strategy.*kernel limit/);
    expect(elm.report.warnings ?? []).toEqual([]);
  });

  it('refuses the local model on the CT task', async () => {
    const field = await cameraCrop(32);
    await expect(runFitTask(field, fitRequest('elm-beam', { views: 8, features: 'kernel' }, 'cli'))).rejects.toThrow(/features/);
  });
});
