/**
 * File names and types for what the UI exports: a job's reconstruction (in the source's format),
 * its model, its BEAM mesh, the runs table as CSV and PNGs of the views. The engine may answer
 * another name for a download (several files come zipped); these are the suggestions the save
 * dialog starts from. Pure: no DOM.
 */
import type { ExportWhat, SurfaceFormat } from '../../../main/api/contract';

/** The extension the engine writes a reconstruction with, per source format (as main/data/writers.ts). */
const RECON_EXTENSION: Record<string, string> = {
  png: '.png',
  nifti: '.nii.gz',
  geotiff: '.tif',
  tiff: '.tif',
  netcdf: '.nc',
  netcdf4: '.nc',
  dicom: '',
  'dicom-folder': '',
};

/** `astronaut.png` → `astronaut`; `brain.nii.gz` → `brain`; a DICOM folder keeps its name. */
export function stem(name: string): string {
  const base = name.split(/[\\/]/).filter(Boolean).pop() ?? name;
  const s = base.replace(/\.(nii\.gz|tar\.gz)$/i, '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  return safeName(s || 'dataset');
}

/** Characters a file name may hold everywhere (Windows included): the rest become `_`. */
export function safeName(s: string): string {
  const out = s
    // eslint-disable-next-line no-control-regex -- control characters are exactly what a file name must not hold
    .replace(/[<>:"/\\|?*\u0000-\u001f]+/g, '_')
    .replace(/\s+/g, '_')
    .replace(/^\.+/, '');
  return out.slice(0, 120) || 'export';
}

/** `run3`, from `job-3`. */
function runTag(jobId: string): string {
  return safeName(jobId.replace(/^job-/, 'run'));
}

/**
 * The suggested name of a job's export: `<dataset>-<method>-run<n>` plus the extension. A
 * reconstruction takes the source format's extension (DICOM: a folder, no extension; formats
 * without a writer fall back to PNG for 2D, NIfTI for volumes); a surface, its mesh format's.
 */
export function exportName(
  what: ExportWhat,
  ds: { name: string; format: string; shape: readonly number[] },
  jobId: string,
  method = 'fit',
  modelExt = '.inr',
  surfaceFormat: SurfaceFormat = 'stl',
): string {
  const base = `${stem(ds.name)}-${safeName(method)}-${runTag(jobId)}`;
  switch (what) {
    case 'model':
      // The method's own model file (the registry's extension): `.inr` for ELM, `.json` for a net.
      return `${base}${modelExt}`;
    case 'mesh':
      return `${base}-mesh.json`;
    case 'surface':
      return `${base}-surface.${surfaceFormat}`;
    case 'reconstruction': {
      const ext = RECON_EXTENSION[ds.format] ?? (ds.shape.length >= 3 ? '.nii.gz' : '.png');
      return `${base}${ext}`;
    }
  }
}

export function csvName(datasetName: string): string {
  return `${stem(datasetName)}-runs.csv`;
}

/** `view-recon` + dataset → `astronaut-reconstruction.png`. */
export function viewPngName(datasetName: string | undefined, view: string): string {
  return `${stem(datasetName ?? 'view')}-${safeName(view.toLowerCase())}.png`;
}

/** A MIME type for a download, from the name's extension. */
export function mimeType(name: string): string {
  const n = name.toLowerCase();
  if (n.endsWith('.png')) return 'image/png';
  if (n.endsWith('.csv')) return 'text/csv';
  if (n.endsWith('.json')) return 'application/json';
  if (n.endsWith('.zip')) return 'application/zip';
  if (n.endsWith('.gz')) return 'application/gzip';
  if (n.endsWith('.tif') || n.endsWith('.tiff')) return 'image/tiff';
  if (n.endsWith('.nc')) return 'application/x-netcdf';
  if (n.endsWith('.stl')) return 'model/stl';
  if (n.endsWith('.obj')) return 'model/obj';
  return 'application/octet-stream';
}

export const EXPORT_LABELS: Record<ExportWhat, string> = {
  reconstruction: 'Reconstruction',
  model: 'Model (.inr)',
  mesh: 'BEAM mesh (.json)',
  surface: 'Surface',
};

/** The surface formats offered for an occupancy run, in menu order: STL for printing and CAD, PLY, OBJ. */
export const SURFACE_FORMATS: { format: SurfaceFormat; label: string }[] = [
  { format: 'stl', label: 'Surface (.stl)' },
  { format: 'ply', label: 'Surface (.ply)' },
  { format: 'obj', label: 'Surface (.obj)' },
];
