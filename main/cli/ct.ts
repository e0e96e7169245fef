/**
 * `inr-studio ct <path>`: sparse-view CT.
 *
 * - From a 2-D image or CT slice (a volume with `--slice K`): its parallel-beam sinogram is
 *   simulated with `--views N` over 180° (`--limited-angle DEG`), Poisson noise with
 *   `--photons I0`; the method reconstructs the slice and is scored against it (PSNR, SSIM).
 * - From a measured sinogram (`--sinogram`, a TIFF or NetCDF with rows = views; angles from
 *   `--angles a,b,…` in degrees, `--angles equal`, or the file's angle coordinate): the method
 *   reconstructs it; with no ground truth the report gives the sinogram residual.
 *
 * Writes the slice in the source's format, the sinogram (NetCDF, angles as a coordinate),
 * the model, ELM+BEAM's adaptive mesh (mesh.json) and metrics.json, all at once.
 */
import { basename, join, resolve } from 'node:path';
import { InrError } from '../core/errors';
import type { Field } from '../core/field';
import { writeFileAtomic } from '../core/atomic';
import { OutputFolder } from '../core/output-folder';
import { planeOf } from '../core/sampling';
import { openField } from '../data/index';
import { writeLikeSource } from '../data/writers';
import { writeNetcdfClassic } from '../data/netcdf/index';
import { countWeights, geometryForSinogram, sinogramField, sinogramFromField } from '../ct/sinogram';
import { fitRequest, runCtFromSinogram, runFitTask } from '../tasks/fit';
import { parse, UsageError } from './args';
import { onInterrupt, parameterFlags, positiveInt, switchArgs } from './fit';

const FLAGS = {
  method: { type: 'string' },
  slice: { type: 'string' },
  sinogram: { type: 'boolean' },
  counts: { type: 'boolean' },
  angles: { type: 'string' },
  size: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Slice k of the first axis of a volume, as a 2-D field with the volume's in-plane geometry. */
function sliceOfVolume(f: Field, k: number): Field {
  if (!(k >= 0 && k < f.shape[0])) throw new UsageError(`--slice ${k} is outside the volume's ${f.shape[0]} slices (0-based)`);
  const at = f.shape.map(() => 0);
  at[0] = k;
  const d = f.shape.length;
  const plane = planeOf(f, [d - 2, d - 1], at);
  return {
    ...f,
    axes: f.axes.slice(-2),
    shape: [plane.height, plane.width],
    values: plane.values,
    mask: plane.mask,
    geometry: { ...f.geometry, spacing: f.geometry.spacing.slice(-2), origin: f.geometry.origin.slice(-2), direction: undefined, coordinates: undefined },
    provenance: { ...f.provenance, meta: { ...f.provenance.meta, slice: k } },
  };
}

/**
 * The slice to scan as one channel: a single-slice volume loses its slice axis, and an RGB image
 * whose three channels are equal (a gray picture stored as RGB) keeps one of them.
 */
function asSlice(f: Field): Field {
  let g = f;
  while (g.shape.length > 2 && g.shape[0] === 1)
    g = {
      ...g,
      axes: g.axes.slice(1),
      shape: g.shape.slice(1),
      geometry: { ...g.geometry, spacing: g.geometry.spacing.slice(1), origin: g.geometry.origin.slice(1), direction: undefined },
    };
  const C = g.channels.length;
  if (C > 1) {
    const n = g.values.length / C;
    for (let i = 0; i < n; i++)
      for (let c = 1; c < C; c++)
        if (g.values[i * C + c] !== g.values[i * C])
          throw new InrError('E_ARG', `CT reconstructs one channel; this image has ${C} (${g.channels.join(', ')}) that differ`, g.provenance.path);
    g = { ...g, channels: [g.channels[0]], values: Float32Array.from({ length: n }, (_, i) => g.values[i * C]) };
  }
  return g;
}

export async function ct(argv: string[]): Promise<void> {
  const { flags, switches } = parameterFlags();
  for (const k of ['drop', 'scale', 'zscale']) delete flags[k];
  const { values, positionals } = parse(switchArgs(argv, switches), { ...flags, ...FLAGS });
  if (positionals.length !== 1) throw new UsageError('ct takes one path: a 2-D image or slice, a volume with --slice K, or a sinogram with --sinogram');
  const path = resolve(positionals[0]);
  const method = values.method ?? 'elm';
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && !(k in FLAGS)) options[k] = v as string;
  if (values.sinogram && (options.views !== undefined || options.photons !== undefined || options['limited-angle'] !== undefined)) {
    throw new UsageError('--views, --photons and --limited-angle simulate a scan; a measured sinogram (--sinogram) brings its own views');
  }
  if (values.counts && !values.sinogram)
    throw new UsageError('--counts describes a measured sinogram (--sinogram); a simulated noisy scan (--photons) is weighted by its counts already');
  if (!values.sinogram) options.views ??= '60';
  const request = fitRequest(method, options, 'cli');
  if (values.counts && request.method !== 'elm' && request.method !== 'elm-beam')
    throw new UsageError(`--counts weights the rays of ELM-INR's solve (elm, elm-beam); ${request.method} does not use ray weights`);
  const outDir = resolve(values.out ?? join('inr-output', `${basename(path).replace(/\.[^.]*$/, '')}-ct-${request.method}`));
  const out = new OutputFolder(outDir, Boolean(values.force));
  if (values.threads !== undefined) await (await import('../inr/elm/parallel')).setProcessThreads(positiveInt('threads', values.threads));

  const ac = new AbortController();
  const stop = onInterrupt(() => ac.abort());
  try {
    let reconstruction: Field;
    let sinogram: Field;
    let model: unknown;
    /** ELM+BEAM: the adaptive mesh (mesh.json, reusable with --mesh). */
    let meshJson: string | undefined;
    let codec: { ext: string; encode(m: unknown, i: never): Uint8Array } | undefined;
    let report: Record<string, unknown>;
    const source = await openField(path);
    if (values.sinogram) {
      const angles = values.angles === undefined ? undefined : values.angles === 'equal' ? ('equal' as const) : values.angles.split(',').map((a) => Number(a));
      if (Array.isArray(angles) && angles.some((a) => !Number.isFinite(a))) throw new UsageError(`--angles takes degrees separated by commas, or 'equal'; got '${values.angles}'`);
      const input = sinogramFromField(source, { angles });
      let size: { height: number; width: number } | undefined;
      if (values.size !== undefined) {
        const m = /^(\d+)(?:[x×](\d+))?$/.exec(values.size);
        if (!m) throw new UsageError(`--size takes N or HxW pixels, got '${values.size}'`);
        size = { height: Number(m[1]), width: Number(m[2] ?? m[1]) };
      }
      const geometry = geometryForSinogram(input, size);
      // --counts: the sinogram is −ln(I/I0), so each ray's expected count is ∝ e^(−p): weight by it (PWLS).
      const problem = {
        sinogram: input.sinogram,
        angles: input.angles,
        geometry,
        shape: [geometry.height, geometry.width] as [number, number],
        weights: values.counts ? countWeights(input.sinogram, 1) : undefined,
      };
      const r = await runCtFromSinogram(problem, source.provenance, request, { signal: ac.signal });
      reconstruction = r.reconstruction;
      sinogram = sinogramField(input.sinogram, geometry, source.provenance);
      model = r.model;
      codec = r.method.model;
      report = { ...r.report, input: basename(path), angles_from: input.anglesFrom };
    } else {
      let field = asSlice(source);
      if (field.shape.length === 3) {
        if (values.slice === undefined) throw new UsageError(`${basename(path)} is a volume of ${source.shape[0]} slices: pick one with --slice K (0-based)`);
        field = asSlice(sliceOfVolume(field, Number(values.slice)));
      } else if (values.slice !== undefined) throw new UsageError('--slice picks a slice of a volume; this dataset is 2-D');
      const r = await runFitTask(field, request, { signal: ac.signal });
      reconstruction = r.reconstruction;
      sinogram = r.sinogram!;
      model = r.model;
      meshJson = r.mesh?.json;
      codec = r.method.model;
      const rep = r.report;
      report = { ...rep, views: rep.ct?.views, photons: rep.ct?.photons ?? null, limited_angle: rep.ct?.limited_angle, input: basename(path) };
    }
    const staging = out.begin();
    await writeLikeSource(staging, 'reconstruction', reconstruction);
    writeNetcdfClassic(join(staging, 'sinogram.nc'), { ...sinogram, provenance: { format: 'netcdf', path: join(staging, 'sinogram.nc') } });
    if (codec && model !== undefined) {
      const info = {
        axes: reconstruction.axes,
        channels: reconstruction.channels,
        units: reconstruction.units,
        dtype: reconstruction.dtype,
        geometry: reconstruction.geometry,
        source: basename(path),
      };
      writeFileAtomic(join(staging, `model${codec.ext}`), codec.encode(model, info as never));
    }
    if (meshJson) writeFileAtomic(join(staging, 'mesh.json'), meshJson);
    writeFileAtomic(join(staging, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
    if (ac.signal.aborted) throw new InrError('E_CANCELLED', 'interrupted');
    out.commit();
    if (values.json) console.log(JSON.stringify(report));
    else {
      const psnr = report.psnr as number | undefined;
      console.log(
        [
          `${basename(path)}: ${String(report.method)} CT from ${String(report.views)} views${report.photons ? `, I0 = ${String(report.photons)}` : ''}`,
          psnr !== undefined
            ? `  PSNR       ${psnr.toFixed(2)} dB   SSIM ${(report.ssim as number).toFixed(4)}`
            : `  residual   ${(report.residual as number).toExponential(3)} (‖Ax − s‖/‖s‖)`,
          `  params     ${String(report.params)}`,
          `  time       ${(report.seconds as number).toFixed(2)} s (${String(report.backend)})`,
          `  written    ${outDir}`,
        ].join('\n'),
      );
    }
  } finally {
    out.abandon();
    stop();
  }
}
