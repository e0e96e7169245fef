/**
 * `inr-studio occupancy <mesh|volume>`: an occupancy field fitted, meshed and measured.
 *
 * - A mesh (OFF, PLY, STL, OBJ) is voxelised at `--res N` (default 256) samples along its longest
 *   axis; a CT/MR volume becomes occupancy by `--threshold V|otsu` (default Otsu) or `--labels`,
 *   on its own grid, or with `--res N` on cubic voxels, N along its longest side (resampled
 *   trilinearly, labels by nearest sample). `--smooth S` smooths it by a Gaussian of σ S in the
 *   volume's length units, `--islands N` keeps its N largest pieces and `--fill` fills its holes
 *   slice by slice (cleanup.ts), in that order, before the fit.
 * - Any method that fits (ELM, ELM+BEAM, the nets) fits the 0/1 grid; the surface is the
 *   fitted field's ½ level, extracted by marching cubes on a grid `--mesh-scale K` times finer
 *   (the model queried at that resolution), in the source's units.
 * - IoU on the grid; Chamfer and Hausdorff distances (sampled points, k-d tree) between the
 *   extracted surface and the input mesh, or, for a volume, the surface of its occupancy.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { MAX_ISLANDS } from '../api/contract';
import { InrError } from '../core/errors';
import { ensureFits } from '../core/limits';
import type { Field } from '../core/field';
import { OutputFolder } from '../core/output-folder';
import { openField } from '../data/index';
import { readMesh, sniffMesh } from '../data/mesh/index';
import { encodeMesh, MESH_WRITE_FORMATS, type MeshWriteFormat } from '../data/mesh/write';
import { writeFileAtomic } from '../core/atomic';
import { extractSurface, fieldGeometry } from '../mesh/extract';
import { surfaceDistances } from '../mesh/metrics';
import { volumeOccupancy, type VolumeOccupancyOptions } from '../mesh/occupancy';
import type { TriMesh } from '../mesh/trimesh';
import { fitRequest, runFitTask } from '../tasks/fit';
import { writeLikeSource } from '../data/writers';
import { parse, UsageError } from './args';
import { onInterrupt, parameterFlags, positiveInt, switchArgs } from './fit';

const FLAGS = {
  method: { type: 'string' },
  res: { type: 'string' },
  threshold: { type: 'string' },
  labels: { type: 'string' },
  smooth: { type: 'string' },
  islands: { type: 'string' },
  fill: { type: 'boolean' },
  'mesh-scale': { type: 'string' },
  'mesh-format': { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** A positive finite length (a Gaussian σ in the volume's units). */
function positiveLength(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive length in the volume's units, got '${v}'`);
  return n;
}

function isMeshFile(path: string): boolean {
  try {
    const st = statSync(path);
    if (!st.isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(1024);
      const n = readSync(fd, head, 0, 1024, 0);
      return sniffMesh(head.subarray(0, n), st.size, path) !== undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export async function occupancy(argv: string[]): Promise<void> {
  const { flags, switches } = parameterFlags();
  for (const k of ['drop', 'scale', 'zscale']) delete flags[k];
  const { values, positionals } = parse(switchArgs(argv, switches), { ...flags, ...FLAGS });
  if (positionals.length !== 1) throw new UsageError('occupancy takes one path: a mesh (OFF, PLY, STL, OBJ) or a volume');
  const path = resolve(positionals[0]);
  const method = values.method ?? 'elm';
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && !(k in FLAGS)) options[k] = v as string;
  const request = fitRequest(method, options, 'cli');
  const res = values.res !== undefined ? positiveInt('res', values.res, 4096) : 256;
  const meshScale = values['mesh-scale'] !== undefined ? Number(values['mesh-scale']) : 1;
  if (!(meshScale >= 1 && meshScale <= 8)) throw new UsageError(`--mesh-scale must be a number in [1, 8], got '${values['mesh-scale']}'`);
  const format = (values['mesh-format'] ?? 'ply') as MeshWriteFormat;
  if (!MESH_WRITE_FORMATS.includes(format)) throw new UsageError(`--mesh-format must be ply, stl, obj or off, got '${format}'`);
  const outDir = resolve(values.out ?? join('inr-output', `${basename(path).replace(/\.[^.]*$/, '')}-occupancy-${request.method}`));
  const out = new OutputFolder(outDir, Boolean(values.force));
  if (values.threads !== undefined) await (await import('../inr/elm/parallel')).setProcessThreads(positiveInt('threads', values.threads));

  // The occupancy grid and the reference surface.
  const t0 = performance.now();
  const fromMesh = isMeshFile(path);
  let occ: Field;
  let reference: TriMesh | undefined;
  let rule: string;
  if (fromMesh) {
    if (values.threshold !== undefined || values.labels !== undefined) throw new UsageError('--threshold and --labels apply to volumes; a mesh is voxelised by its inside');
    if (values.smooth !== undefined || values.islands !== undefined || values.fill)
      throw new UsageError('--smooth, --islands and --fill apply to volumes; a voxelised mesh is its inside already');
    occ = await openField(path, { res });
    reference = (await readMesh(path)).mesh;
    rule = `inside the mesh, ${res} voxels along the longest axis`;
  } else {
    const labels = values.labels;
    const opts: VolumeOccupancyOptions = {
      res: values.res !== undefined ? res : undefined,
      ...(labels !== undefined
        ? { labels: labels === 'all' || labels === '' ? 'positive' : labels.split(',').map((s) => Number(s)) }
        : { threshold: values.threshold === undefined || values.threshold === 'otsu' ? 'otsu' : Number(values.threshold) }),
      smooth: values.smooth !== undefined ? positiveLength('smooth', values.smooth) : undefined,
      islands: values.islands !== undefined ? positiveInt('islands', values.islands, MAX_ISLANDS) : undefined,
      fill: values.fill,
    };
    const r = volumeOccupancy(await openField(path), opts);
    occ = r.field;
    rule = r.rule;
    reference = extractSurface(occ.values, fieldGeometry(occ), { name: basename(path), units: occ.units });
  }
  if (occ.shape.length !== 3) throw new InrError('E_DATA', `occupancy needs a 3-D volume; this one has ${occ.shape.length} axes`, path);
  const voxels = occ.shape[0] * occ.shape[1] * occ.shape[2];
  ensureFits(voxels * meshScale ** 3 * 12, `a surface extracted on ${Math.round(voxels * meshScale ** 3).toLocaleString('en-US')} samples`, path, 'to query the model');
  const tGrid = performance.now();

  const ac = new AbortController();
  const stop = onInterrupt(() => ac.abort());
  try {
    const r = await runFitTask(occ, { ...request, task: meshScale > 1 ? { kind: 'superres', scale: meshScale } : { kind: 'fit' } }, { signal: ac.signal });
    const query = r.upsampled ?? r.reconstruction;
    const surface = extractSurface(query.values, fieldGeometry(query), { level: 0.5, name: `${basename(path)} (${request.method})`, units: occ.units });
    // A fit that never reaches ½ (a net stopped early, a tiny budget) has no surface to measure.
    const empty = surface.triangles.length === 0;
    const d = empty ? undefined : surfaceDistances(reference, surface);
    const warnings = empty ? [`the fitted field never reaches 0.5: there is no surface to extract or measure (train longer, or give a larger budget)`] : [];
    const tEnd = performance.now();
    const rep = r.report;
    const report = {
      method: rep.method,
      input: basename(path),
      source: fromMesh ? 'mesh' : 'volume',
      rule,
      shape: occ.shape,
      units: occ.units,
      iou: rep.iou,
      chamfer: d?.chamfer ?? null,
      hausdorff: d?.hausdorff ?? null,
      surface_samples: d?.samples ?? 0,
      sample_spacing: d?.sampleSpacing ?? null,
      params: rep.params,
      band: rep.mesh?.band ?? null,
      // ELM: the mesh, hidden sizes, flat cells and per-cell capacity of the fit.
      mesh: rep.mesh ?? null,
      params_per_voxel: rep.params / voxels,
      mesh_scale: meshScale,
      triangles: surface.triangles.length / 3,
      seconds: (tEnd - t0) / 1000,
      seconds_grid: (tGrid - t0) / 1000,
      seconds_fit: rep.seconds,
      backend: rep.backend,
      psnr: rep.psnr,
      warnings,
    };
    const staging = out.begin();
    if (!empty) writeFileAtomic(join(staging, `surface.${format}`), encodeMesh(surface, format));
    await writeLikeSource(staging, 'occupancy-fit', r.reconstruction);
    if (r.method.model && r.model !== undefined) {
      const info = { axes: occ.axes, channels: occ.channels, units: occ.units, dtype: occ.dtype, geometry: occ.geometry, source: basename(path) };
      writeFileAtomic(join(staging, `model${r.method.model.ext}`), r.method.model.encode(r.model, info));
    }
    writeFileAtomic(join(staging, 'metrics.json'), JSON.stringify(report, null, 2) + '\n');
    if (ac.signal.aborted) throw new InrError('E_CANCELLED', 'interrupted');
    out.commit();
    for (const w of warnings) process.stderr.write(`inr-studio: warning: ${w}\n`);
    if (values.json) console.log(JSON.stringify(report));
    else
      console.log(
        [
          `${basename(path)}: ${rep.method} occupancy on ${occ.shape.join('×')} (${rule})`,
          `  params     ${rep.params} (${(100 * report.params_per_voxel).toFixed(2)} % of the voxels)`,
          `  IoU        ${rep.iou?.toFixed(4)}`,
          d ? `  Chamfer    ${d.chamfer.toPrecision(4)}   Hausdorff ${d.hausdorff.toPrecision(4)}${occ.units ? ` ${occ.units}` : ''} (mesh units)` : '  Chamfer    – (no surface)',
          `  surface    ${report.triangles} triangles, marching cubes at ×${meshScale}`,
          `  time       ${report.seconds.toFixed(2)} s (${rep.backend})`,
          `  written    ${outDir}`,
        ].join('\n'),
      );
  } finally {
    out.abandon();
    stop();
  }
}
