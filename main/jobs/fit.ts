/**
 * The 'fit' job: fit the chosen method to a dataset the engine already holds, reconstruct,
 * measure, and encode the model as its method's file. Runs in a runner worker; the field's values
 * arrive in shared memory, so nothing is decoded or copied again.
 */
import { basename } from 'node:path';
import type { BeamMeshInfo, MethodParams, TaskRequest } from '../api/contract';
import { sampleCount, type Field } from '../core/field';
import { InrError } from '../core/errors';
import { runFitTask, type FitReport } from '../tasks/fit';
import type { JobContext } from './types';

export interface FitJobParams {
  field: Field;
  method: string;
  task?: TaskRequest;
  params?: MethodParams;
  /** prod(shape) entries, 1 = keep this sample out of the fit (a brushed inpainting mask). */
  hide?: Uint8Array;
}

export interface FitJobResult {
  reconstruction: Float32Array;
  /** Resampling tasks: the field on the finer grid. */
  upsampled?: { shape: number[]; spacing: number[]; origin: number[]; values: Float32Array };
  /** CT: the sinogram the method reconstructed from (views × detector bins) and its angles in degrees. */
  sinogram?: { shape: number[]; angles: number[]; pixelSize: number; values: Float32Array };
  /** The fitted model as its method's file (absent for methods without a model). */
  model?: { name: string; bytes: Uint8Array };
  mesh?: BeamMeshInfo & { json: string };
  report: FitReport;
  metrics: Record<string, number>;
  summary: Record<string, number | string | boolean>;
}

/** The brushed mask as the fit's mask: 1 = use, with a clear error for a mask of another dataset. */
function useMask(hide: Uint8Array, n: number): Uint8Array {
  if (hide.length !== n) throw new InrError('E_ARG', `the inpainting mask has ${hide.length} samples, the data ${n}; it was drawn on another dataset`);
  const use = new Uint8Array(n);
  let hidden = 0;
  for (let i = 0; i < n; i++) {
    use[i] = hide[i] ? 0 : 1;
    hidden += hide[i] ? 1 : 0;
  }
  if (hidden === 0) throw new InrError('E_ARG', 'the inpainting mask is empty: paint the region to fill in, or hide a random fraction');
  return use;
}

export async function fitJob(p: FitJobParams, ctx: JobContext): Promise<FitJobResult> {
  const { field } = p;
  const mask = p.hide ? useMask(p.hide, sampleCount(field.shape)) : undefined;
  const started = Date.now();
  const r = await runFitTask(
    field,
    { method: p.method, params: p.params, task: p.task, mask },
    {
      signal: ctx.signal,
      onProgress: (stage, fraction, metrics) => ctx.progress(stage, fraction, { ...metrics, elapsed: (Date.now() - started) / 1000 }),
    },
  );
  const rep = r.report;
  const metrics: Record<string, number> = { psnr: rep.psnr, rmse: rep.rmse, mae: rep.mae, seconds: rep.seconds, params: rep.params };
  if (rep.ssim !== undefined) metrics.ssim = rep.ssim;
  if (rep.psnr_unobserved !== undefined) metrics.psnr_unobserved = rep.psnr_unobserved;
  if (rep.iou !== undefined) metrics.iou = rep.iou;
  ctx.progress('saving', 0.99);
  const codec = r.method.model;
  const model =
    codec && r.model !== undefined
      ? {
          name: `model${codec.ext}`,
          bytes: codec.encode(r.model, {
            axes: field.axes,
            channels: field.channels,
            units: field.units,
            dtype: field.dtype,
            geometry: field.geometry,
            source: basename(field.provenance.path),
          }),
        }
      : undefined;
  const up = r.upsampled;
  ctx.progress('done', 1, { psnr: rep.psnr, elapsed: rep.seconds });
  return {
    reconstruction: r.reconstruction.values,
    upsampled: up ? { shape: up.shape, spacing: up.geometry.spacing, origin: up.geometry.origin, values: up.values } : undefined,
    sinogram: r.sinogram
      ? { shape: r.sinogram.shape, angles: r.sinogram.geometry.coordinates?.angle?.values ?? [], pixelSize: r.sinogram.geometry.spacing[1], values: r.sinogram.values }
      : undefined,
    model,
    mesh: r.mesh ? { ...r.mesh.info, json: r.mesh.json } : undefined,
    report: rep,
    metrics,
    summary: {
      method: rep.method,
      task: rep.task,
      backend: rep.backend,
      params: rep.params,
      cells: rep.beam ? `${rep.beam.cells} adaptive` : rep.mesh ? rep.mesh.cells.join('×') : '—',
      hidden: rep.mesh?.hidden ?? Number(rep.net?.width ?? 0),
    },
  };
}
