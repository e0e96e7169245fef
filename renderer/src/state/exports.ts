/**
 * Exports of a run: the engine writes the reconstruction, the model or the BEAM mesh. In
 * Electron a save dialog picks the place and the engine writes there; in a browser the engine
 * answers the bytes and the UI downloads them. The metrics CSV is built here from the runs.
 */
import { ref, watch } from 'vue';
import { api } from '../api';
import type { ExportWhat, SurfaceFormat } from '../api';
import { csvName, exportName, EXPORT_LABELS, SURFACE_FORMATS } from '../lib/exportFiles';
import { saveBytes, saveText } from '../lib/download';
import { metricsCsv, type RunLike } from '../lib/runs';
import { reportError } from './banners';
import { capabilities, dataset } from './session';
import { panel } from './catalog';

/** What is being exported now, and the last outcome, for the menu's status line. */
export const exporting = ref<string | null>(null);
export const lastExport = ref<{ text: string; ok: boolean } | null>(null);

/** Export one output of a finished job. Returns where it went (a path or a download name), or undefined. */
/**
 * De-identify DICOM reconstructions on export (PS3.15 Annex E). On by default for a source with
 * patient attributes; the Export menu's switch changes it.
 */
export const anonymize = ref(true);
watch(
  dataset,
  (ds, old) => {
    anonymize.value = ds?.patientData === true;
    // The last export's line belongs to the dataset it was made from.
    if (ds?.id !== old?.id) lastExport.value = null;
  },
  { immediate: true },
);

export async function exportRun(run: { jobId: string; number?: number; method?: string }, what: ExportWhat, format?: SurfaceFormat): Promise<string | undefined> {
  const ds = dataset.value;
  if (!ds) return undefined;
  const { jobId, method } = run;
  const modelExt = panel.value.methods.find((m) => m.id === method)?.modelExt;
  // Named by the run's number in its dataset, as the runs table shows it.
  const suggested = exportName(what, ds, run.number !== undefined ? `run${run.number}` : jobId, method, modelExt, format);
  const deid = what === 'reconstruction' && ds.format === 'dicom' ? { anonymize: anonymize.value } : {};
  const extra = what === 'surface' && format ? { ...deid, format } : deid;
  const label = (what === 'surface' && SURFACE_FORMATS.find((s) => s.format === (format ?? 'stl'))?.label) || EXPORT_LABELS[what];
  exporting.value = label;
  try {
    const native = capabilities.value?.nativeDialogs === true;
    let path: string | null = null;
    try {
      path = await api.pickSavePath({ suggestedName: suggested });
    } catch (err) {
      // Without a native dialog the answer does not matter: the bytes are downloaded.
      if (native) throw err;
    }
    if (path) {
      const r = await api.exportResult({ datasetId: ds.id, jobId, what, path, ...extra });
      const where = r.path ?? path;
      lastExport.value = { text: `${label} saved to ${where}${r.files > 1 ? ` (${r.files} files)` : ''}`, ok: true };
      return where;
    }
    if (native) {
      // A native dialog that came back empty: the user cancelled.
      lastExport.value = null;
      return undefined;
    }
    const r = await api.exportResult({ datasetId: ds.id, jobId, what, ...extra });
    if (!r.bytes) throw Object.assign(new Error('the engine answered no bytes for the download'), { code: 'E_INTERNAL' });
    const name = r.name || suggested;
    saveBytes(r.bytes, name);
    lastExport.value = { text: `${label}: downloaded ${name}${r.files > 1 ? ` (${r.files} files)` : ''}`, ok: true };
    return name;
  } catch (err) {
    lastExport.value = { text: `${label} failed`, ok: false };
    reportError(err, `Could not export the ${label.replace(/ \(.*\)$/, '').toLowerCase()}`);
    return undefined;
  } finally {
    exporting.value = null;
  }
}

/** The runs table as CSV, downloaded. */
export function exportCsv(runs: readonly RunLike[]): string | undefined {
  const ds = dataset.value;
  if (!ds || !runs.length) return undefined;
  const name = csvName(ds.name);
  try {
    saveText(metricsCsv(runs), name);
    lastExport.value = { text: `Metrics: downloaded ${name}`, ok: true };
    return name;
  } catch (err) {
    reportError(err, 'Could not save the metrics CSV');
    return undefined;
  }
}
