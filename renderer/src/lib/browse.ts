/**
 * The dataset browser's model: what a dataset's listing offers to open, arranged the way users
 * know it from DICOM browsers (patient › study › series), NetCDF variable pickers and a raster's
 * band list. Pure functions on the API's listing types, no DOM.
 */
import type { DatasetInfo, SeriesEntry, VariableEntry } from '../../../main/api/contract';
import { baseName } from './format';

export interface StudyGroup {
  study: string;
  series: SeriesEntry[];
}

export interface PatientGroup {
  patient: string;
  studies: StudyGroup[];
  /** Series over all studies. */
  count: number;
}

const UNNAMED_PATIENT = '(no patient)';
const UNNAMED_STUDY = '(no study)';

/**
 * Series grouped by patient, then by study, in the order they first appear (the engine lists
 * series in a stable order: study, then series number). Blank names share one group each.
 */
export function groupSeries(series: readonly SeriesEntry[]): PatientGroup[] {
  const patients: PatientGroup[] = [];
  const byPatient = new Map<string, PatientGroup>();
  for (const s of series) {
    const pName = s.patient.trim() || UNNAMED_PATIENT;
    let p = byPatient.get(pName);
    if (!p) {
      p = { patient: pName, studies: [], count: 0 };
      byPatient.set(pName, p);
      patients.push(p);
    }
    const sName = s.study.trim() || UNNAMED_STUDY;
    let st = p.studies.find((x) => x.study === sName);
    if (!st) {
      st = { study: sName, series: [] };
      p.studies.push(st);
    }
    st.series.push(s);
    p.count++;
  }
  return patients;
}

/** `256×256 · 20 slices`, or `1 image` for a single slice. */
export function seriesSize(s: Pick<SeriesEntry, 'slices' | 'rows' | 'columns'>): string {
  const n = s.slices === 1 ? '1 image' : `${s.slices} slices`;
  return `${s.rows}×${s.columns} · ${n}`;
}

/**
 * A coordinate variable: one dimension named after itself (`lat(lat)`, `time(time)`). It labels
 * an axis of the data variables and is not a field to open on its own.
 */
export function isCoordinateVariable(v: Pick<VariableEntry, 'name' | 'dimensions'>): boolean {
  return v.dimensions.length === 1 && v.dimensions[0] === v.name;
}

/** Data variables (what can be opened) apart from coordinate variables (listed for reference). */
export function splitVariables(vars: readonly VariableEntry[]): { data: VariableEntry[]; coordinates: VariableEntry[] } {
  const data: VariableEntry[] = [];
  const coordinates: VariableEntry[] = [];
  for (const v of vars) (isCoordinateVariable(v) ? coordinates : data).push(v);
  return { data, coordinates };
}

/** `(time 10, level 2, latitude 9, longitude 9)`: dimensions with their lengths, ncdump style. */
export function variableDimensions(v: Pick<VariableEntry, 'dimensions' | 'shape'>): string {
  return `(${v.dimensions.map((d, i) => (v.shape[i] !== undefined ? `${d} ${v.shape[i]}` : d)).join(', ')})`;
}

export interface CompositePreset {
  id: string;
  label: string;
  title: string;
  /** Channel indices shown as R, G, B. */
  channels: [number, number, number];
}

/**
 * Landsat 7 ETM+ composites for a 6+ band raster. A six-band ETM+ stack holds the reflective
 * bands 1, 2, 3, 4, 5 and 7 (the thermal band 6 is left out), so its sixth channel is band 7;
 * with seven or more channels the bands are taken as numbered 1…7. Fewer than six: none.
 */
export function landsatPresets(channelCount: number): CompositePreset[] {
  if (channelCount < 6) return [];
  const b = (n: number): number => (n === 7 && channelCount === 6 ? 5 : n - 1);
  return [
    { id: '321', label: '3-2-1', title: 'Natural colour: bands 3, 2, 1 as red, green, blue', channels: [b(3), b(2), b(1)] },
    { id: '432', label: '4-3-2', title: 'False colour (vegetation red): bands 4, 3, 2', channels: [b(4), b(3), b(2)] },
    { id: '742', label: '7-4-2', title: 'Short-wave infrared: bands 7, 4, 2', channels: [b(7), b(4), b(2)] },
  ];
}

/** The preset whose channels are exactly these, if any. */
export function matchingPreset(presets: readonly CompositePreset[], channels: readonly number[]): CompositePreset | undefined {
  return presets.find((p) => p.channels.every((c, i) => c === channels[i]));
}

type Listed = Pick<DatasetInfo, 'selection' | 'listing' | 'shape' | 'channels'>;

/**
 * The UID of the series on view: the one asked for, else the only series, else the only one
 * whose size matches the open volume (the engine's default choice). Undefined when unsure.
 */
export function openSeriesUid(info: Listed): string | undefined {
  if (info.selection?.series) return info.selection.series;
  const list = info.listing?.series;
  if (!list?.length) return undefined;
  if (list.length === 1) return list[0].uid;
  const d = info.shape.length;
  const slices = d >= 3 ? info.shape[d - 3] : 1;
  const fits = list.filter((s) => s.rows === info.shape[d - 2] && s.columns === info.shape[d - 1] && s.slices === slices);
  return fits.length === 1 ? fits[0].uid : undefined;
}

/** The NetCDF variable on view: the one asked for, else the single channel a variable became. */
export function openVariableName(info: Listed): string | undefined {
  if (info.selection?.variable) return info.selection.variable;
  const vars = info.listing?.variables;
  if (!vars?.length || info.channels.length !== 1) return undefined;
  return vars.some((v) => v.name === info.channels[0]) ? info.channels[0] : undefined;
}

/**
 * What the recent list and the busy indicator call an opened dataset: the file or folder name
 * and the series description or variable. Never the patient's name or ID.
 */
export function sourceLabel(path: string, info: Listed): string {
  const name = baseName(path.replace(/[\\/]+$/, '')) || path;
  const uid = openSeriesUid(info);
  const series = uid ? info.listing?.series?.find((s) => s.uid === uid) : undefined;
  if (series) return `${name} · ${series.description || series.modality || 'series'}`;
  const variable = openVariableName(info);
  if (variable && (info.listing?.variables?.length ?? 0) > 1) return `${name} · ${variable}`;
  return name;
}
