/**
 * How runs are compared: which runs the PSNR chart hides, and whether the BEAM mesh of the
 * compared run is drawn over the source and reconstruction views.
 */
import { computed, ref } from 'vue';
import type { BeamMeshInfo } from '../api';
import { cellsInSlice, normScale, type MeshRect, type NormScale } from '../lib/meshOverlay';
import { jobs } from './jobs';
import { compareResampled, layout, resultJobId, sliceIndex } from './session';

/** Runs left out of the chart (by job id). */
export const hiddenRuns = ref<Set<string>>(new Set());

export function toggleRun(jobId: string): void {
  const next = new Set(hiddenRuns.value);
  if (next.has(jobId)) next.delete(jobId);
  else next.add(jobId);
  hiddenRuns.value = next;
}

/** The BEAM mesh overlay: off until asked for (it covers the image it explains). */
export const showMesh = ref(false);

/** The mesh of the compared run, if it has one (ELM+BEAM). */
export const resultMesh = computed<BeamMeshInfo | undefined>(() => jobs.value.find((j) => j.jobId === resultJobId.value)?.result?.mesh);

/** The mesh cells meeting the shown slice, with the colour scale, while the overlay is on. */
export const meshOverlay = computed<{ rects: MeshRect[]; scale: NormScale; cells: number } | null>(() => {
  const mesh = resultMesh.value;
  if (!mesh || !showMesh.value || layout.value !== 'compare' || compareResampled.value) return null;
  const scale = normScale(mesh);
  if (!scale) return null;
  return { rects: cellsInSlice(mesh, sliceIndex.value), scale, cells: mesh.cells.length };
});
