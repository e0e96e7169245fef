/**
 * From instances to volumes: grouping by SeriesInstanceUID, splitting what does not stack, and
 * ordering slices by position (FORMATS §4.3). Pure functions over `DicomInstance` headers.
 *
 * 1. Every image frame becomes a `SliceRef` (single-frame files give one, multi-frame files one
 *    per frame with their per-frame geometry).
 * 2. Slices are grouped by SeriesInstanceUID and split by size, samples, echo, temporal
 *    position, b-value, ImageType and orientation (localisers share the series UID); each
 *    multi-frame object stays a volume of its own.
 * 3. Slices with geometry are sorted by s = IPP · (r × c), never by InstanceNumber or file name;
 *    the slice spacing is the median step of s. Repeated positions split the volume into
 *    phases; gaps that are whole multiples of the spacing become masked empty slices; a slice
 *    step that is not along the normal (gantry tilt) is kept as a sheared axis.
 * 4. Slices without geometry (CR, cine XA, US) keep their stored order (InstanceNumber, then
 *    frame) along a `frame` axis.
 */
import type { SeriesEntry } from '../../api/contract';
import { dirname } from 'node:path';
import { cross, dot, type DicomInstance, type Rescale, type Vec3, type WindowLevel } from './header';

/** One 2-D image: frame `frame` of `instance`, with its own geometry and scaling. */
export interface SliceRef {
  instance: DicomInstance;
  frame: number;
  position?: Vec3;
  orientation?: number[];
  pixelSpacing?: [number, number];
  rescale: Rescale;
  window?: WindowLevel;
}

/** A stack of slices that forms one Field. */
export interface DicomVolume {
  /** The SeriesInstanceUID, or `uid#2`, `uid#3`… for further volumes split from one series. */
  id: string;
  seriesUid: string;
  /** Ordered along the slice axis; `null` is a missing slice inside a regular grid (masked). */
  slots: Array<SliceRef | null>;
  /** `z`: positioned slices; `frame`: frames without geometry; `none`: one 2-D image. */
  axis: 'z' | 'frame' | 'none';
  rows: number;
  columns: number;
  /** Row direction cosines then column direction cosines. */
  orientation: number[];
  /** [row spacing, column spacing] = [Δy, Δx]. */
  pixelSpacing: [number, number];
  sliceSpacing: number;
  /** Unit step direction between slices (r × c unless the gantry was tilted). */
  sliceDirection: Vec3;
  origin: Vec3;
  /** Notes for the user: dropped duplicates, filled gaps, tilt, irregular spacing. */
  warnings: string[];
}

const IDENTITY_ORIENTATION = [1, 0, 0, 0, 1, 0];

/** Every frame of an instance as a slice, with per-frame geometry where the file has it. */
function expandSlices(inst: DicomInstance): SliceRef[] {
  const frames = inst.pixels?.frames ?? 0;
  const out: SliceRef[] = [];
  for (let k = 0; k < frames; k++) {
    const f = inst.frameInfo?.[k];
    out.push({
      instance: inst,
      frame: k,
      // A multi-frame object without per-frame positions has no position per frame.
      position: f?.position ?? (frames === 1 ? inst.position : undefined),
      orientation: f?.orientation ?? inst.orientation,
      pixelSpacing: f?.pixelSpacing ?? inst.pixelSpacing,
      rescale: f?.rescale ?? inst.rescale,
      window: f?.window ?? inst.windows[0],
    });
  }
  return out;
}

/** The attributes that must agree within one volume (besides orientation). */
function splitKey(s: SliceRef): string {
  const i = s.instance;
  const p = i.pixels!;
  const series = i.seriesUid || `(no series UID) ${dirname(i.path)}`;
  return [
    series,
    p.frames > 1 ? i.sopInstanceUid || i.path : '',
    `${p.rows}x${p.columns}x${p.samplesPerPixel}`,
    p.photometric === 'PALETTE COLOR' ? 'palette' : '',
    i.echoNumber ?? '',
    i.temporalPosition ?? '',
    i.bValue ?? '',
    i.imageType,
  ].join('|');
}

function sameOrientation(a: number[] | undefined, b: number[] | undefined): boolean {
  if (!a || !b) return a === b;
  for (let k = 0; k < 6; k++) if (Math.abs(a[k] - b[k]) > 1e-3) return false;
  return true;
}

/** Stable order for slices that have no geometry (or equal positions). */
function storedOrder(a: SliceRef, b: SliceRef): number {
  const ia = a.instance.instanceNumber ?? Infinity;
  const ib = b.instance.instanceNumber ?? Infinity;
  if (ia !== ib) return ia < ib ? -1 : 1;
  if (a.instance.path !== b.instance.path) return a.instance.path < b.instance.path ? -1 : 1;
  return a.frame - b.frame;
}

function median(v: number[]): number {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A partial volume: ordered slots before ids and labels are assigned. */
type Stack = Omit<DicomVolume, 'id' | 'seriesUid'>;

/** Split slices that share positions into phases, or drop exact repeats. */
function resolveDuplicates(sorted: Array<{ s: number; ref: SliceRef }>, tol: number, warnings: string[]): Array<Array<{ s: number; ref: SliceRef }>> {
  const groups: Array<Array<{ s: number; ref: SliceRef }>> = [];
  for (const e of sorted) {
    const g = groups[groups.length - 1];
    if (g && Math.abs(e.s - g[0].s) <= tol) g.push(e);
    else groups.push([e]);
  }
  if (groups.length === sorted.length) return [sorted];
  const m = groups[0].length;
  if (m > 1 && groups.every((g) => g.length === m)) {
    // Several phases (echoes, times, acquisitions) through the same positions.
    const byPhase = (a: { ref: SliceRef }, b: { ref: SliceRef }): number => {
      const aa = a.ref.instance.acquisitionNumber ?? 0;
      const ab = b.ref.instance.acquisitionNumber ?? 0;
      return aa !== ab ? aa - ab : storedOrder(a.ref, b.ref);
    };
    const phases = Array.from({ length: m }, (_, j) => groups.map((g) => [...g].sort(byPhase)[j]));
    warnings.push(`${m} images at every position: split into ${m} volumes`);
    return phases;
  }
  const dropped = sorted.length - groups.length;
  warnings.push(`${dropped} slice(s) at repeated positions ignored`);
  return [groups.map((g) => [...g].sort((a, b) => storedOrder(a.ref, b.ref))[0])];
}

/** Order positioned slices along the normal; spacing, gaps and tilt. */
function stackPositioned(refs: SliceRef[], orientation: number[]): Stack[] {
  const normal = cross(orientation.slice(0, 3), orientation.slice(3, 6));
  const entries = refs.map((ref) => ({ s: dot(ref.position!, normal), ref }));
  entries.sort((a, b) => a.s - b.s || storedOrder(a.ref, b.ref));
  const warnings: string[] = [];
  const phases = resolveDuplicates(entries, 0.01, warnings);
  return phases.map((phase) => stackOnePhase(phase, orientation, normal, [...warnings]));
}

function stackOnePhase(phase: Array<{ s: number; ref: SliceRef }>, orientation: number[], normal: Vec3, warnings: string[]): Stack {
  const first = phase[0].ref;
  const base = {
    rows: first.instance.pixels!.rows,
    columns: first.instance.pixels!.columns,
    orientation,
    pixelSpacing: first.pixelSpacing ?? ([1, 1] as [number, number]),
    origin: first.position!,
    warnings,
  };
  if (phase.length === 1) {
    const inst = first.instance;
    const thickness = inst.spacingBetweenSlices ?? inst.sliceThickness;
    return { ...base, slots: [first], axis: 'none', sliceSpacing: thickness && thickness > 0 ? thickness : 1, sliceDirection: normal };
  }
  const steps = phase.slice(1).map((e, i) => e.s - phase[i].s);
  const spacing = median(steps);
  const slots: Array<SliceRef | null> = [phase[0].ref];
  let irregular = false;
  let filled = 0;
  for (let i = 1; i < phase.length; i++) {
    const k = steps[i - 1] / spacing;
    const whole = Math.round(k);
    if (whole >= 2 && Math.abs(k - whole) < 0.1 && slots.length + whole <= 4 * phase.length) {
      for (let j = 1; j < whole; j++) slots.push(null);
      filled += whole - 1;
    } else if (Math.abs(k - 1) > 0.1) irregular = true;
    slots.push(phase[i].ref);
  }
  if (filled) warnings.push(`${filled} missing slice(s) inserted as masked gaps`);
  if (irregular) warnings.push('irregular slice spacing: the median step is used');
  // Gantry tilt: the step from slice to slice is not along the normal.
  const last = phase[phase.length - 1].ref.position!;
  const n = slots.length - 1;
  const step: Vec3 = [(last[0] - base.origin[0]) / n, (last[1] - base.origin[1]) / n, (last[2] - base.origin[2]) / n];
  const len = Math.hypot(...step);
  const unit: Vec3 = [step[0] / len, step[1] / len, step[2] / len];
  const off = Math.hypot(...cross(unit, normal));
  if (len > 0 && off > 0.01) {
    warnings.push(`slices are sheared (gantry tilt ≈ ${((Math.asin(Math.min(1, off)) * 180) / Math.PI).toFixed(1)}°)`);
    return { ...base, slots, axis: 'z', sliceSpacing: len, sliceDirection: unit };
  }
  return { ...base, slots, axis: 'z', sliceSpacing: spacing, sliceDirection: normal };
}

/** Slices without full geometry: stored order along a `frame` axis. */
function stackUnpositioned(refs: SliceRef[]): Stack {
  const sorted = [...refs].sort(storedOrder);
  const first = sorted[0];
  const orientation = first.orientation ?? IDENTITY_ORIENTATION;
  const inst = first.instance;
  const spacing = inst.spacingBetweenSlices ?? inst.sliceThickness;
  return {
    slots: sorted,
    axis: sorted.length === 1 ? 'none' : 'frame',
    rows: inst.pixels!.rows,
    columns: inst.pixels!.columns,
    orientation,
    pixelSpacing: first.pixelSpacing ?? [1, 1],
    sliceSpacing: spacing && spacing > 0 ? spacing : 1,
    sliceDirection: cross(orientation.slice(0, 3), orientation.slice(3, 6)),
    origin: first.position ?? inst.position ?? [0, 0, 0],
    warnings: [],
  };
}

/**
 * Group image instances into volumes. Non-images and instances with a known problem are left
 * out (the caller reports them). The result is sorted by patient, study, series number and id.
 */
export function buildVolumes(instances: DicomInstance[]): DicomVolume[] {
  const buckets = new Map<string, SliceRef[][]>(); // key → orientation clusters
  for (const inst of instances) {
    if (!inst.pixels || inst.problem) continue;
    for (const ref of expandSlices(inst)) {
      const key = splitKey(ref);
      const clusters = buckets.get(key) ?? [];
      const c = clusters.find((cl) => sameOrientation(cl[0].orientation, ref.orientation));
      if (c) c.push(ref);
      else clusters.push([ref]);
      buckets.set(key, clusters);
    }
  }
  const bySeries = new Map<string, Stack[]>();
  for (const clusters of buckets.values()) {
    for (const refs of clusters) {
      const inst = refs[0].instance;
      const seriesUid = inst.seriesUid || `(no series UID) ${dirname(inst.path)}`;
      const orientation = refs[0].orientation;
      const positioned = orientation && refs.every((r) => r.position);
      const stacks = positioned ? stackPositioned(refs, orientation) : [stackUnpositioned(refs)];
      bySeries.set(seriesUid, [...(bySeries.get(seriesUid) ?? []), ...stacks]);
    }
  }
  const volumes: DicomVolume[] = [];
  for (const [seriesUid, stacks] of bySeries) {
    // The largest part keeps the plain UID; the others get #2, #3… in a deterministic order.
    stacks.sort((a, b) => b.slots.length - a.slots.length || firstPath(a).localeCompare(firstPath(b)));
    stacks.forEach((s, i) => volumes.push({ ...s, id: i === 0 ? seriesUid : `${seriesUid}#${i + 1}`, seriesUid }));
  }
  return volumes.sort(compareVolumes);
}

function firstPath(s: Stack): string {
  const r = s.slots.find((x): x is SliceRef => x !== null)!;
  return `${r.instance.path}#${r.frame}`;
}

function compareVolumes(a: DicomVolume, b: DicomVolume): number {
  const ia = firstInstance(a);
  const ib = firstInstance(b);
  const keys = (i: DicomInstance, v: DicomVolume): Array<string | number> => [
    i.tags.PatientName ?? '',
    i.tags.PatientID ?? '',
    i.tags.StudyDate ?? '',
    i.studyUid,
    i.seriesNumber ?? Infinity,
    v.id,
  ];
  const ka = keys(ia, a);
  const kb = keys(ib, b);
  for (let k = 0; k < ka.length; k++) {
    if (ka[k] !== kb[k]) return ka[k] < kb[k] ? -1 : 1;
  }
  return 0;
}

/** The first real slice's instance: labels and provenance come from it. */
export function firstInstance(v: DicomVolume): DicomInstance {
  return v.slots.find((x): x is SliceRef => x !== null)!.instance;
}

/** The volume with the most slices (the default series to open). */
export function largestVolume(volumes: DicomVolume[]): DicomVolume | undefined {
  let best: DicomVolume | undefined;
  for (const v of volumes) if (!best || v.slots.length > best.slots.length) best = v;
  return best;
}

/** Pick a volume by id, or by SeriesInstanceUID (its largest part); undefined when absent. */
export function findVolume(volumes: DicomVolume[], id: string): DicomVolume | undefined {
  return volumes.find((v) => v.id === id) ?? largestVolume(volumes.filter((v) => v.seriesUid === id));
}

/** `Doe^John^^Dr` → `Doe John Dr`: a DICOM person name for display. */
function formatPersonName(pn: string | undefined): string {
  if (!pn) return '';
  return pn
    .split('=')[0]
    .split('^')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
}

/** `20010101` → `2001-01-01`. */
function formatDate(da: string | undefined): string {
  return da && /^\d{8}$/.test(da) ? `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}` : (da ?? '');
}

/** One row of the patient › study › series browser, with the extra keys the UI may group by. */
export interface DicomSeriesInfo extends SeriesEntry {
  seriesUid: string;
  patientId: string;
  studyUid: string;
  studyDate: string;
  seriesNumber?: number;
  files: number;
  axis: DicomVolume['axis'];
  transferSyntax: string;
  warnings: string[];
}

/** Describe a volume for the browser. */
export function describeVolume(v: DicomVolume): DicomSeriesInfo {
  const i = firstInstance(v);
  const name = formatPersonName(i.tags.PatientName);
  const id = i.tags.PatientID ?? '';
  const patient = name && id ? `${name} (${id})` : name || id || 'Unknown patient';
  const date = formatDate(i.tags.StudyDate);
  const study = [i.tags.StudyDescription, date].filter(Boolean).join(' · ') || i.studyUid || 'Unknown study';
  const part = v.id.includes('#') ? ` [part ${v.id.split('#').pop()}]` : '';
  const description = (i.tags.SeriesDescription || `${i.modality || 'DICOM'} series${i.seriesNumber !== undefined ? ` ${i.seriesNumber}` : ''}`) + part;
  const files = new Set(v.slots.flatMap((s) => (s ? [s.instance.path] : []))).size;
  return {
    uid: v.id,
    patient,
    study,
    description,
    modality: i.modality,
    slices: v.slots.length,
    rows: v.rows,
    columns: v.columns,
    seriesUid: v.seriesUid,
    patientId: id,
    studyUid: i.studyUid,
    studyDate: date,
    seriesNumber: i.seriesNumber,
    files,
    axis: v.axis,
    transferSyntax: i.transferSyntax,
    warnings: v.warnings,
  };
}
