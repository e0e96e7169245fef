/**
 * Export a Field as a derived DICOM series (FORMATS §6.2): one explicit-VR-little-endian Part 10
 * file per slice, each written atomically.
 *
 * - New Study, Series and SOP Instance UIDs under `2.25.`; the source FrameOfReferenceUID is
 *   kept so the export overlays its source.
 * - Geometry per slice: ImagePositionPatient = origin + k·Δz·(slice direction),
 *   ImageOrientationPatient from the direction matrix, PixelSpacing [Δy, Δx], SliceThickness;
 *   RAS geometry (fields from NIfTI and other sources) is turned into DICOM's LPS.
 * - Values are stored as 16-bit integers: integer data that fits int16 (or uint16 with an
 *   intercept) exactly; anything else through a slope/intercept spanning the value range.
 *   Masked and non-finite samples get PixelPaddingValue (a reserved code: −32768 or 65535),
 *   which the reader masks again.
 * - Only a fixed set of source attributes is ever copied (`provenance.meta.tags`: patient,
 *   study and series attributes read by dicom/header.ts, plus the source UIDs), so private tags
 *   and anything else from the source never reach the export.
 * - `anonymize`: the whole data set and meta group of every file, as about to be written, go
 *   through the PS3.15 Annex E basic profile (anonymize.ts): patient, physician, institution
 *   and visit attributes removed or emptied, dates emptied or removed, every UID replaced by a
 *   keyed hash with the per-install secret (Study and Frame of Reference from the source's
 *   UIDs, so exports of one study stay together on this install; Series and SOP Instance from
 *   the source series and a digest of the written content, so re-exporting the same result
 *   gives the same files), no reference to the source series, no write date, and
 *   PatientIdentityRemoved YES with the De-identification Method attributes. The series
 *   description is the caller's or a fixed text, never the source's.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/atomic';
import { InrError } from '../../core/errors';
import type { Field } from '../../core/field';
import { installSecret } from '../../core/install-secret';
import { anonymizeDataset, deidentificationElements, uidMapper, type AnonymizeOptions } from './anonymize';
import { digestUid, encodePart10, formatDS, newUid, type DataElement } from './encode';
import { SOP, TAG, TS, type VR } from './tags';

export interface WriteDicomOptions {
  /**
   * De-identify every written file with the PS3.15 Annex E basic profile and replace all UIDs
   * by keyed hashes (per-install secret). Default false: the source's patient and study
   * attributes are copied.
   */
  anonymize?: boolean;
  /**
   * Series description; default: the source's (a fixed text when anonymising), marked derived
   * and not for diagnostic use. Written as given even when anonymising: put no patient data in it.
   */
  seriesDescription?: string;
  seriesNumber?: number;
  /** World space of the field's geometry; default LPS for DICOM sources, RAS otherwise. */
  space?: 'LPS' | 'RAS';
}

export interface WriteDicomResult {
  files: string[];
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** How values were stored: physical = stored · slope + intercept. */
  storage: { dtype: 'int16' | 'uint16'; slope: number; intercept: number; padding?: number };
}

/** Our implementation class UID (fixed) and version name, written in every file meta group. */
const IMPLEMENTATION_CLASS_UID = '2.25.160946224542186389417457390430437924561';
const IMPLEMENTATION_VERSION = 'INR_STUDIO_0_1';

/** Storage chosen for the values: type, rescale and optional padding value. */
export interface Quantisation {
  dtype: 'int16' | 'uint16';
  slope: number;
  intercept: number;
  padding?: number;
}

/**
 * Choose int16/uint16 storage and a rescale for the valid values, exact for integer data that
 * fits. `needsPadding` reserves one stored value for masked samples.
 */
export function chooseQuantisation(min: number, max: number, allIntegers: boolean, needsPadding: boolean): Quantisation {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { dtype: 'uint16', slope: 1, intercept: 0, padding: needsPadding ? 65535 : undefined };
  if (allIntegers) {
    if (min >= (needsPadding ? -32767 : -32768) && max <= 32767) return { dtype: 'int16', slope: 1, intercept: 0, padding: needsPadding ? -32768 : undefined };
    if (max - min <= (needsPadding ? 65534 : 65535)) return { dtype: 'uint16', slope: 1, intercept: min, padding: needsPadding ? 65535 : undefined };
  }
  // Span the range with the available codes; DS text limits slope and intercept to 16 characters.
  const codes = needsPadding ? 65534 : 65535;
  const span = max - min;
  const slope = Number(formatDS(span > 0 ? span / codes : 1));
  const intercept = Number(formatDS(min));
  return { dtype: 'uint16', slope, intercept, padding: needsPadding ? 65535 : undefined };
}

/** Stored integer for a physical value under a quantisation (clamped to the type's range). */
function quantise(v: number, q: Quantisation): number {
  const s = Math.round((v - q.intercept) / q.slope);
  const [lo, hi] = q.dtype === 'int16' ? [q.padding !== undefined ? -32767 : -32768, 32767] : [0, q.padding !== undefined ? 65534 : 65535];
  return s < lo ? lo : s > hi ? hi : s;
}

/** Today as DA and TM. */
function now(): { date: string; time: string } {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return { date: `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}`, time: `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}` };
}

/** Geometry of the field as DICOM sees it: slices, rows, columns, spacing, positions (LPS). */
interface SliceGeometry {
  slices: number;
  rows: number;
  columns: number;
  dz: number;
  dy: number;
  dx: number;
  /** ImagePositionPatient of the first slice. */
  origin: number[];
  /** Row cosine, column cosine and slice direction. */
  r: number[];
  c: number[];
  z: number[];
}

/**
 * Patient-space (LPS) geometry of a field. Field origins are listed in axis order (`[z, y, x]`
 * or `[y, x]`); a 2-D field from DICOM takes its out-of-plane coordinate from the source
 * position. Fields in RAS (NIfTI and other non-DICOM sources, unless `space` says otherwise)
 * have x and y negated.
 */
function sliceGeometry(field: Field, space: 'LPS' | 'RAS'): SliceGeometry {
  const { shape, axes } = field;
  if (shape.length < 2 || shape.length > 3) throw new InrError('E_ARG', `DICOM export needs a 2-D or 3-D field, not ${axes.join(',')}`);
  const [rows, columns] = shape.slice(-2);
  const slices = shape.length === 3 ? shape[0] : 1;
  if (rows < 1 || columns < 1 || rows > 65535 || columns > 65535) throw new InrError('E_ARG', `DICOM images are at most 65535×65535, not ${columns}×${rows}`);
  const g = field.geometry;
  const sp = g.spacing ?? [];
  const [dy, dx] = sp.slice(-2).map((s) => (Number.isFinite(s) && s > 0 ? s : 1));
  const dz = shape.length === 3 && Number.isFinite(sp[0]) && sp[0] > 0 ? sp[0] : 1;
  const d = g.direction && g.direction.length === 9 && g.direction.every(Number.isFinite) ? g.direction : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const o = (g.origin ?? []).map((v) => (Number.isFinite(v) ? v : 0));
  const source = (field.provenance.meta as { imagePositionPatient?: unknown } | undefined)?.imagePositionPatient;
  const sourceZ = Array.isArray(source) && typeof source[2] === 'number' ? source[2] : 0;
  const origin = shape.length === 3 ? [o[2] ?? 0, o[1] ?? 0, o[0] ?? 0] : [o[1] ?? 0, o[0] ?? 0, sourceZ];
  const flip = space === 'RAS' ? [-1, -1, 1] : [1, 1, 1]; // RAS → LPS: negate x and y
  const column = (j: number): number[] => [0, 1, 2].map((i) => flip[i] * d[i * 3 + j]);
  return { slices, rows, columns, dz, dy, dx, origin: origin.map((v, i) => flip[i] * v), r: column(0), c: column(1), z: column(2) };
}

/**
 * Attributes the written CT/MR/SC image IODs need present (Type 2) among those the basic
 * profile may remove: the anonymiser empties them instead (PS3.3 C.7.1.1, C.7.2.1, C.7.6.1).
 */
const WRITTEN_TYPE2 = new Set<string>([
  TAG.PatientName,
  TAG.PatientID,
  TAG.PatientBirthDate,
  TAG.PatientSex,
  TAG.StudyDate,
  TAG.StudyTime,
  TAG.ReferringPhysicianName,
  TAG.StudyID,
  TAG.AccessionNumber,
  TAG.ContentDate,
  TAG.ContentTime,
]);

/** Attributes the writer makes itself (never source text), left as they are when anonymising. */
const GENERATED = new Set<string>([TAG.SeriesDescription, TAG.DerivationDescription]);

/**
 * A digest of what is written (values, mask, geometry, options, source UIDs): when anonymising,
 * the derived Series and SOP Instance UIDs come from it, so they are reproducible per result.
 */
function contentKey(field: Field, parts: unknown): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ axes: field.axes, shape: field.shape, channels: field.channels, geometry: field.geometry, parts }));
  const v = field.values;
  h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (field.mask) h.update(new Uint8Array(field.mask.buffer, field.mask.byteOffset, field.mask.byteLength));
  return h.digest('hex');
}

/** Range of valid finite values and whether they are all integers. */
function valueRange(field: Field): { min: number; max: number; integers: boolean; masked: boolean } {
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  let masked = false;
  const { values, mask } = field;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((mask && !mask[i]) || !Number.isFinite(v)) {
      masked = true;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (integers && !Number.isInteger(v)) integers = false;
  }
  return { min, max, integers, masked };
}

/**
 * Write `field` as a derived DICOM series into `dir` (created if needed), one file per slice
 * named `IM00001.dcm`…. Returns the files and the UIDs and storage used.
 */
export async function writeDicomSeries(dir: string, field: Field, opts: WriteDicomOptions = {}): Promise<WriteDicomResult> {
  if (field.channels.length !== 1) {
    throw new InrError('E_ARG', `DICOM export writes one channel; this field has ${field.channels.length} (${field.channels.join(', ')})`);
  }
  const geo = sliceGeometry(field, opts.space ?? (field.provenance.format === 'dicom' ? 'LPS' : 'RAS'));
  const range = valueRange(field);
  const q = chooseQuantisation(range.min, range.max, range.integers, range.masked);
  const meta = (field.provenance.meta ?? {}) as Record<string, unknown>;
  const src = ((meta.tags as Record<string, string> | undefined) ?? {}) as Record<string, string>;
  const anon = Boolean(opts.anonymize);
  const modality = (typeof meta.modality === 'string' && meta.modality) || src.Modality || 'OT';
  const sopClassUid = modality === 'CT' ? SOP.CTImage : modality === 'MR' ? SOP.MRImage : modality === 'PT' ? SOP.PETImage : SOP.SecondaryCapture;
  const sourceFor = typeof meta.frameOfReferenceUid === 'string' && meta.frameOfReferenceUid ? meta.frameOfReferenceUid : '';
  const sourceStudy = typeof meta.studyInstanceUid === 'string' && meta.studyInstanceUid ? meta.studyInstanceUid : (src.StudyInstanceUID ?? '');
  const sourceSeries = typeof meta.seriesInstanceUid === 'string' ? meta.seriesInstanceUid : '';
  // Anonymising: UIDs before replacement are deterministic (source UIDs, or digests of the
  // content), then hashed with the install secret by the anonymiser like every other UID.
  const key = anon ? contentKey(field, { sourceStudy, sourceSeries, sourceFor, sopClassUid, d: opts.seriesDescription, n: opts.seriesNumber, s: opts.space }) : '';
  const derived = (what: string): string => (anon ? digestUid(`inr-studio:${what}:${key}`) : newUid());
  const studyUid = anon && sourceStudy ? sourceStudy : derived('study');
  const seriesUid = derived('series');
  const frameOfReference = sourceFor || derived('frame-of-reference');
  const { date, time } = now();
  const keep = (k: string): string => src[k] ?? '';
  const ownDescription = 'derived by INR Studio (not for diagnostic use)';
  const baseDescription = opts.seriesDescription ?? (anon || !src.SeriesDescription ? ownDescription : `${src.SeriesDescription} ${ownDescription}`);
  const sliceThickness = typeof meta.sliceThickness === 'number' && meta.sliceThickness > 0 ? meta.sliceThickness : geo.dz;
  const normal = [geo.r[1] * geo.c[2] - geo.r[2] * geo.c[1], geo.r[2] * geo.c[0] - geo.r[0] * geo.c[2], geo.r[0] * geo.c[1] - geo.r[1] * geo.c[0]];
  const el = (tag: string, vr: VR, value: DataElement['value']): DataElement => ({ tag, vr, value });
  const common: DataElement[] = [
    el(TAG.SpecificCharacterSet, 'CS', 'ISO_IR 192'),
    el(TAG.ImageType, 'CS', ['DERIVED', 'SECONDARY']),
    el(TAG.SOPClassUID, 'UI', sopClassUid),
    el(TAG.StudyDate, 'DA', keep('StudyDate')),
    el(TAG.SeriesDate, 'DA', date),
    el(TAG.ContentDate, 'DA', date),
    el(TAG.StudyTime, 'TM', keep('StudyTime')),
    el(TAG.SeriesTime, 'TM', time),
    el(TAG.ContentTime, 'TM', time),
    el(TAG.AccessionNumber, 'SH', keep('AccessionNumber')),
    el(TAG.Modality, 'CS', modality),
    el(TAG.Manufacturer, 'LO', 'INR Studio'),
    el(TAG.ReferringPhysicianName, 'PN', keep('ReferringPhysicianName')),
    el(TAG.StudyDescription, 'LO', keep('StudyDescription')),
    el(TAG.SeriesDescription, 'LO', baseDescription.slice(0, 64)),
    el(TAG.ManufacturerModelName, 'LO', 'INR Studio'),
    el(TAG.DerivationDescription, 'ST', 'Reconstructed or processed with INR Studio from the source series'),
    el(TAG.PatientName, 'PN', keep('PatientName')),
    el(TAG.PatientID, 'LO', keep('PatientID')),
    el(TAG.PatientBirthDate, 'DA', keep('PatientBirthDate')),
    el(TAG.PatientSex, 'CS', keep('PatientSex')),
    el(TAG.SliceThickness, 'DS', formatDS(sliceThickness)),
    el(TAG.SpacingBetweenSlices, 'DS', formatDS(geo.dz)),
    el(TAG.StudyInstanceUID, 'UI', studyUid),
    el(TAG.SeriesInstanceUID, 'UI', seriesUid),
    el(TAG.StudyID, 'SH', keep('StudyID')),
    el(TAG.SeriesNumber, 'IS', String(opts.seriesNumber ?? 1001)),
    el(TAG.PatientOrientation, 'CS', ''),
    el(TAG.ImageOrientationPatient, 'DS', [...geo.r, ...geo.c].map(formatDS)),
    el(TAG.FrameOfReferenceUID, 'UI', frameOfReference),
    el(TAG.PositionReferenceIndicator, 'LO', ''),
    el(TAG.SamplesPerPixel, 'US', [1]),
    el(TAG.PhotometricInterpretation, 'CS', 'MONOCHROME2'),
    el(TAG.Rows, 'US', [geo.rows]),
    el(TAG.Columns, 'US', [geo.columns]),
    el(TAG.PixelSpacing, 'DS', [formatDS(geo.dy), formatDS(geo.dx)]),
    el(TAG.BitsAllocated, 'US', [16]),
    el(TAG.BitsStored, 'US', [16]),
    el(TAG.HighBit, 'US', [15]),
    el(TAG.PixelRepresentation, 'US', [q.dtype === 'int16' ? 1 : 0]),
    el(TAG.RescaleIntercept, 'DS', formatDS(q.intercept)),
    el(TAG.RescaleSlope, 'DS', formatDS(q.slope)),
    el(TAG.RescaleType, 'LO', modality === 'CT' ? 'HU' : 'US'),
  ];
  // Copied alike in both modes: when anonymising, the profile decides what survives
  // (Institution Name and Patient's Age are removed, Body Part Examined is kept).
  if (src.InstitutionName) common.push(el(TAG.InstitutionName, 'LO', src.InstitutionName));
  if (src.PatientAge) common.push(el(TAG.PatientAge, 'AS', src.PatientAge));
  if (src.BodyPartExamined) common.push(el(TAG.BodyPartExamined, 'CS', src.BodyPartExamined));
  // The reference to the source series only in identified exports: its anonymised UID would
  // point at nothing the recipient has.
  if (!anon && sourceSeries) common.push(el(TAG.ReferencedSeriesSequence, 'SQ', [[el(TAG.SeriesInstanceUID, 'UI', sourceSeries)]]));
  if (modality === 'OT' || sopClassUid === SOP.SecondaryCapture) common.push(el(TAG.ConversionType, 'CS', 'WSD'));
  if (q.padding !== undefined) {
    common.push(q.dtype === 'int16' ? el(TAG.PixelPaddingValue, 'SS', [q.padding]) : el(TAG.PixelPaddingValue, 'US', [q.padding]));
  }
  const window = field.geometry.window;
  if (window && Number.isFinite(window.center) && window.width > 0) {
    common.push(el(TAG.WindowCenter, 'DS', formatDS(window.center)), el(TAG.WindowWidth, 'DS', formatDS(window.width)));
  }
  const profile: AnonymizeOptions | undefined = anon ? { uid: uidMapper(installSecret()), type2: WRITTEN_TYPE2, generated: GENERATED } : undefined;
  const plane = geo.rows * geo.columns;
  const files: string[] = [];
  for (let k = 0; k < geo.slices; k++) {
    const sopUid = derived(`instance:${k}`);
    const ipp = geo.origin.map((o, i) => o + k * geo.dz * geo.z[i]);
    const pixels = q.dtype === 'int16' ? new Int16Array(plane) : new Uint16Array(plane);
    for (let i = 0; i < plane; i++) {
      const j = k * plane + i;
      const v = field.values[j];
      const valid = Number.isFinite(v) && (!field.mask || field.mask[j] !== 0);
      pixels[i] = valid ? quantise(v, q) : (q.padding ?? 0);
    }
    let dataset: DataElement[] = [
      ...common,
      el(TAG.SOPInstanceUID, 'UI', sopUid),
      el(TAG.InstanceNumber, 'IS', String(k + 1)),
      el(TAG.ImagePositionPatient, 'DS', ipp.map(formatDS)),
      el(TAG.SliceLocation, 'DS', formatDS(ipp[0] * normal[0] + ipp[1] * normal[1] + ipp[2] * normal[2])),
      el(TAG.PixelData, 'OW', pixels),
    ];
    let metaGroup: DataElement[] = [
      el(TAG.FileMetaInformationVersion, 'OB', new Uint8Array([0, 1])),
      el(TAG.MediaStorageSOPClassUID, 'UI', sopClassUid),
      el(TAG.MediaStorageSOPInstanceUID, 'UI', sopUid),
      el(TAG.TransferSyntaxUID, 'UI', TS.ExplicitLE),
      el(TAG.ImplementationClassUID, 'UI', IMPLEMENTATION_CLASS_UID),
      el(TAG.ImplementationVersionName, 'SH', IMPLEMENTATION_VERSION),
    ];
    if (profile) {
      dataset = [...anonymizeDataset(dataset, profile), ...deidentificationElements()];
      metaGroup = anonymizeDataset(metaGroup, profile);
    }
    const file = join(dir, `IM${String(k + 1).padStart(5, '0')}.dcm`);
    try {
      writeFileAtomic(file, encodePart10(metaGroup, dataset));
    } catch (err) {
      throw new InrError('E_ARG', `cannot write DICOM file (${(err as { code?: string }).code ?? String(err)})`, file);
    }
    files.push(file);
  }
  return {
    files,
    studyInstanceUid: profile ? profile.uid(studyUid) : studyUid,
    seriesInstanceUid: profile ? profile.uid(seriesUid) : seriesUid,
    storage: { ...q },
  };
}
