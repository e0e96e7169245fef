/**
 * Export of a job's output: the reconstruction in the source's format (a DICOM series as a
 * folder, zipped for a download), the model file of its method, BEAM's mesh, or, for an
 * occupancy grid, the fitted field's ½-level surface (marching cubes, mesh/extract.ts) as STL,
 * PLY, OBJ or OFF in the grid's units, as `inr-studio occupancy` writes it. With a path the
 * engine writes there, atomically (a folder is built beside it and renamed into place, so a
 * target that existed is replaced whole, never mixed); without one it answers the bytes.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { zipSync } from 'fflate';
import type { ExportRequest, ExportResult, SurfaceFormat } from '../api/contract';
import { writeFileAtomic } from '../core/atomic';
import { InrError, cancelled } from '../core/errors';
import type { Field } from '../core/field';
import { writeLikeSource, writerFor } from '../data/writers';
import { encodeMesh } from '../data/mesh/write';
import { extractSurface, fieldGeometry } from '../mesh/extract';
import type { StoredResult } from './jobs';

export interface ExportSource {
  /** The dataset's display name (`astronaut.png`, a series folder). */
  name: string;
  /** Whether the source carries patient attributes (then DICOM exports are de-identified by default). */
  patientData: boolean;
  /** A scratch folder for downloads. */
  scratch: string;
}

export async function exportResult(src: ExportSource, r: StoredResult, req: ExportRequest, signal?: AbortSignal): Promise<ExportResult> {
  const stem = `${src.name.replace(/\.(nii\.gz|[^.]*)$/i, '')}-${r.method}`;
  if (req.what === 'model' || req.what === 'mesh') {
    if (req.what === 'mesh' && !r.mesh) throw new InrError('E_ARG', `job ${req.jobId} has no adaptive mesh (only ELM+BEAM fits have one)`);
    if (req.what === 'model' && !r.model) throw new InrError('E_ARG', `job ${req.jobId} (${r.method}) keeps no model`);
    const bytes = req.what === 'model' ? r.model!.bytes : new TextEncoder().encode(r.mesh!.json);
    const name = req.what === 'model' ? `${stem}-${r.model!.name}` : `${stem}-mesh.json`;
    if (req.path) {
      writeFileAtomic(req.path, bytes);
      return { name: basename(req.path), path: req.path, files: 1 };
    }
    return { name, bytes, files: 1 };
  }
  if (req.what === 'surface') {
    const bytes = surfaceBytes(r, req.format ?? 'stl', `${src.name} (${r.method})`);
    if (req.path) {
      writeFileAtomic(req.path, bytes);
      return { name: basename(req.path), path: req.path, files: 1 };
    }
    return { name: `${stem}-surface.${req.format ?? 'stl'}`, bytes, files: 1 };
  }
  // The task's output: the resampled field of a super-resolution or through-plane task, else the reconstruction.
  const field = r.upsampled ?? r.reconstruction;
  const anonymize = req.anonymize ?? src.patientData;
  if (req.path) return { name: basename(req.path), path: req.path, files: await writeTo(req.path, field, anonymize, signal) };
  const dir = mkdtempSync(join(src.scratch, 'export-'));
  try {
    const written = await writeLikeSource(dir, `${stem}-${r.upsampled ? 'upsampled' : 'reconstruction'}`, field, { anonymize });
    if (signal?.aborted) throw cancelled();
    if (!statSync(written).isDirectory()) return { name: basename(written), bytes: new Uint8Array(readFileSync(written)), files: 1 };
    const files: Record<string, Uint8Array> = {};
    for (const f of listFiles(written)) files[`${basename(written)}/${relative(written, f).split('\\').join('/')}`] = new Uint8Array(readFileSync(f));
    return { name: `${basename(written)}.zip`, bytes: zipSync(files, { level: 0 }), files: Object.keys(files).length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ½ level of an occupancy fit (the resampled grid of a super-resolution, else the reconstruction) as a mesh file. */
function surfaceBytes(r: StoredResult, format: SurfaceFormat, name: string): Uint8Array {
  const field = r.upsampled ?? r.reconstruction;
  if (field.provenance.format !== 'occupancy' || field.shape.length !== 3)
    throw new InrError('E_ARG', 'only the fit of a 3-D occupancy grid (a mesh, or a volume opened as its occupancy) has a surface to export');
  const surface = extractSurface(field.values, fieldGeometry(field), { level: 0.5, name, units: field.units });
  if (surface.triangles.length === 0) throw new InrError('E_DATA', 'the fitted field never reaches 0.5: there is no surface to export (train longer, or give a larger budget)');
  return encodeMesh(surface, format);
}

/** Write `field` at `target` in its source's format; a folder (DICOM) is built aside and renamed in. */
async function writeTo(target: string, field: Field, anonymize: boolean, signal?: AbortSignal): Promise<number> {
  const w = writerFor(field.provenance.format);
  if (!w) throw new InrError('E_UNSUPPORTED', `no writer for ${field.provenance.format} data`);
  if (w.extension) {
    await w.write(target, field, { anonymize });
    return 1;
  }
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.`));
  try {
    const out = join(staging, 'series');
    await w.write(out, field, { anonymize });
    if (signal?.aborted) throw cancelled();
    rmSync(target, { recursive: true, force: true });
    renameSync(out, target);
    return listFiles(target).length;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function listFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}
