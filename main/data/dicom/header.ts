/**
 * Header extraction: everything the series builder, the pixel decoder and the writer need from
 * one DICOM instance, as a plain object (`DicomInstance`) with no reference to the file's
 * bytes, so that folder indexes stay small and can be cached.
 *
 * Geometry comes from the classic attributes (ImagePositionPatient, ImageOrientationPatient,
 * PixelSpacing) or, for enhanced multi-frame objects, from the functional groups — per-frame
 * first, then shared (PS3.3 C.7.6.16). RT Dose frames are placed with GridFrameOffsetVector.
 */
import type { DataSet } from 'dicom-parser';
import type { ErrorCode } from '../../core/errors';
import { ensureFits, fieldBytes } from '../../core/limits';
import { cleanUid, float64, items, number, numbers, text, texts, uint16, vector } from './parse';
import { SOP, TAG, TS } from './tags';

export type Vec3 = [number, number, number];

/** Modality rescale: physical = stored · slope + intercept. */
export interface Rescale {
  slope: number;
  intercept: number;
  /** RescaleType (HU, US, …) when given. */
  type?: string;
}

export interface WindowLevel {
  center: number;
  width: number;
}

/** How the pixel data of an instance is laid out. */
export interface PixelFormat {
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  photometric: string;
  /** 0 pixel-interleaved, 1 colour planes. */
  planarConfiguration: number;
  /** Which element holds the pixels: PixelData, FloatPixelData or DoubleFloatPixelData. */
  pixelTag: string;
  /** PixelPaddingValue in stored units, when non-zero: such pixels are masked on read. */
  paddingValue?: number;
}

/** Per-frame geometry and scaling of a multi-frame instance (functional groups, RT dose grid). */
export interface FrameInfo {
  position?: Vec3;
  orientation?: number[];
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  rescale?: Rescale;
  window?: WindowLevel;
}

/** One DICOM file's header, reduced to what this module uses. */
export interface DicomInstance {
  path: string;
  transferSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string;
  studyUid: string;
  seriesUid: string;
  frameOfReferenceUid: string;
  modality: string;
  seriesNumber?: number;
  instanceNumber?: number;
  acquisitionNumber?: number;
  echoNumber?: number;
  temporalPosition?: number;
  bValue?: number;
  imageType: string;
  /** A DICOMDIR (media storage directory), not an image. */
  isDirectory: boolean;
  /** Absent when the instance holds no image (SR, RT plan, DICOMDIR, …). */
  pixels?: PixelFormat;
  /** Why this image cannot be read, when known from the header alone. */
  problem?: { code: ErrorCode; message: string };
  position?: Vec3;
  /** Row direction cosines (3) then column direction cosines (3). */
  orientation?: number[];
  /** [row spacing, column spacing] = [Δy, Δx] in mm. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  rescale: Rescale;
  windows: WindowLevel[];
  units?: string;
  /** Multi-frame only: geometry and scaling per frame, in stored frame order. */
  frameInfo?: FrameInfo[];
  /** Patient, study and series attributes by keyword: labels for the browser, copied by the writer. */
  tags: Record<string, string>;
}

/** Attributes kept verbatim in `DicomInstance.tags`. */
const KEPT_TAGS = [
  'PatientName',
  'PatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'OtherPatientIDs',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'StudyID',
  'AccessionNumber',
  'ReferringPhysicianName',
  'StudyDescription',
  'SeriesInstanceUID',
  'SeriesDate',
  'SeriesTime',
  'SeriesDescription',
  'SeriesNumber',
  'Modality',
  'BodyPartExamined',
  'Manufacturer',
  'ManufacturerModelName',
  'InstitutionName',
  'FrameOfReferenceUID',
  'PositionReferenceIndicator',
  'SOPClassUID',
  'PatientOrientation',
] as const satisfies ReadonlyArray<keyof typeof TAG>;

const SUPPORTED_PHOTOMETRIC = new Set(['MONOCHROME1', 'MONOCHROME2', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT', 'PALETTE COLOR']);

/** Cross product. */
export function cross(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** An IOP that is two (nearly) unit, (nearly) orthogonal vectors; normalised, else undefined. */
function checkOrientation(v: number[] | undefined): number[] | undefined {
  if (!v) return undefined;
  const r = v.slice(0, 3);
  const c = v.slice(3, 6);
  const nr = Math.hypot(...r);
  const nc = Math.hypot(...c);
  if (!(nr > 0.5 && nr < 1.5 && nc > 0.5 && nc < 1.5)) return undefined;
  if (Math.abs(dot(r, c) / (nr * nc)) > 0.01) return undefined;
  return [...r.map((x) => x / nr), ...c.map((x) => x / nc)];
}

function positiveSpacing(v: number[] | undefined): [number, number] | undefined {
  return v && v[0] > 0 && v[1] > 0 ? [v[0], v[1]] : undefined;
}

function optionalInt(ds: DataSet, tag: string): number | undefined {
  const v = number(ds, tag);
  return v !== undefined && Number.isInteger(v) ? v : undefined;
}

/** Window center/width pairs with a positive width. */
function readWindows(ds: DataSet): WindowLevel[] {
  const c = numbers(ds, TAG.WindowCenter);
  const w = numbers(ds, TAG.WindowWidth);
  const out: WindowLevel[] = [];
  for (let i = 0; i < Math.min(c.length, w.length); i++) {
    if (Number.isFinite(c[i]) && Number.isFinite(w[i]) && w[i] > 0) out.push({ center: c[i], width: w[i] });
  }
  return out;
}

/** RescaleSlope/Intercept/Type of a data set (or a Pixel Value Transformation item). */
function readRescale(ds: DataSet): Rescale | undefined {
  const slope = number(ds, TAG.RescaleSlope);
  const intercept = number(ds, TAG.RescaleIntercept);
  if (slope === undefined && intercept === undefined) return undefined;
  const type = text(ds, TAG.RescaleType) || undefined;
  return { slope: slope !== undefined && slope !== 0 ? slope : 1, intercept: intercept ?? 0, type };
}

/** The geometry and scaling in one functional-group item (or in a merge of per-frame and shared). */
function readFrameGroups(perFrame: DataSet | undefined, shared: DataSet | undefined): FrameInfo {
  const macro = (seq: string): DataSet | undefined => (perFrame && items(perFrame, seq)[0]) || (shared && items(shared, seq)[0]) || undefined;
  const info: FrameInfo = {};
  const pos = macro(TAG.PlanePositionSequence);
  const p = pos && vector(pos, TAG.ImagePositionPatient, 3);
  if (p) info.position = p as Vec3;
  const ori = macro(TAG.PlaneOrientationSequence);
  info.orientation = checkOrientation(ori && vector(ori, TAG.ImageOrientationPatient, 6));
  const pm = macro(TAG.PixelMeasuresSequence);
  if (pm) {
    info.pixelSpacing = positiveSpacing(vector(pm, TAG.PixelSpacing, 2));
    info.sliceThickness = number(pm, TAG.SliceThickness);
  }
  const pvt = macro(TAG.PixelValueTransformationSequence);
  if (pvt) info.rescale = readRescale(pvt);
  const voi = macro(TAG.FrameVOILUTSequence);
  if (voi) info.window = readWindows(voi)[0];
  return info;
}

/** Per-frame information of a multi-frame instance, or undefined when it has none. */
function readFrameInfo(ds: DataSet, frames: number, position: Vec3 | undefined, orientation: number[] | undefined): FrameInfo[] | undefined {
  const shared = items(ds, TAG.SharedFunctionalGroupsSequence)[0];
  const perFrame = items(ds, TAG.PerFrameFunctionalGroupsSequence);
  if (shared || perFrame.length) {
    const n = perFrame.length ? Math.min(frames, perFrame.length) : Math.min(frames, 1);
    const out: FrameInfo[] = [];
    for (let k = 0; k < n; k++) out.push(readFrameGroups(perFrame[k], shared));
    return out;
  }
  // RT Dose: frames are planes at GridFrameOffsetVector along the normal (PS3.3 C.8.8.3.2).
  const offsets = numbers(ds, TAG.GridFrameOffsetVector);
  if (position && orientation && offsets.length >= frames && frames > 1 && offsets.slice(0, frames).every(Number.isFinite)) {
    const n = cross(orientation.slice(0, 3), orientation.slice(3, 6));
    return offsets.slice(0, frames).map((o) => {
      const d = o - offsets[0];
      return { position: [position[0] + d * n[0], position[1] + d * n[1], position[2] + d * n[2]] as Vec3 };
    });
  }
  return undefined;
}

/** Physical units of the rescaled values, when the header says. */
function readUnits(ds: DataSet, modality: string, rescale: Rescale): string | undefined {
  const type = rescale.type?.toUpperCase();
  if (type && type !== 'US') return type === 'HU' ? 'HU' : rescale.type;
  if (modality === 'CT' && type !== 'US') return 'HU';
  if (modality === 'PT') {
    const u = text(ds, TAG.Units).toUpperCase();
    const map: Record<string, string> = { BQML: 'Bq/ml', CNTS: 'counts', GML: 'g/ml', PROPCNTS: 'counts', CM2ML: 'cm2/ml', NONE: '' };
    return map[u] || u || undefined;
  }
  if (modality === 'RTDOSE') {
    const u = text(ds, TAG.DoseUnits).toUpperCase();
    return u === 'GY' ? 'Gy' : u === 'RELATIVE' ? '%' : u || undefined;
  }
  return undefined;
}

/**
 * Memory reading an image needs, checked against the memory limit: the Float32 values of every
 * frame, their mask, one decoded frame in Float64 (three samples at most) and the file itself.
 * Returns the one-line refusal, or undefined when it fits.
 */
function checkImageMemory(columns: number, rows: number, frames: number, outSamples: number, fileBytes: number): string | undefined {
  const plane = columns * rows;
  const bytes = fieldBytes(plane * frames, outSamples) + plane * 3 * 8 + fileBytes;
  try {
    ensureFits(bytes, `the DICOM header claims ${columns}×${rows}×${frames}${outSamples > 1 ? '×3' : ''} samples (columns × rows × frames${outSamples > 1 ? ' × RGB' : ''})`);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Transfer syntaxes whose pixel data is stored uncompressed. */
const NATIVE_SYNTAXES = new Set<string>([TS.ImplicitLE, TS.ExplicitLE, TS.DeflatedLE, TS.ExplicitBE]);

/**
 * Pixel layout of an image instance, with the reason when it cannot be read. For native pixel
 * data the declared element length must hold every frame: a short one is refused here, before
 * any buffer for the image is allocated.
 */
function readPixelFormat(ds: DataSet, transferSyntax: string): { pixels?: PixelFormat; problem?: DicomInstance['problem'] } {
  const pixelTag = [TAG.PixelData, TAG.FloatPixelData, TAG.DoubleFloatPixelData].find((t) => ds.elements[t]);
  if (!pixelTag) return {};
  const rows = uint16(ds, TAG.Rows) ?? 0;
  const columns = uint16(ds, TAG.Columns) ?? 0;
  const framesText = text(ds, TAG.NumberOfFrames);
  const frames = framesText === '' ? 1 : Number(framesText);
  const samplesPerPixel = uint16(ds, TAG.SamplesPerPixel) ?? 1;
  const defaultBits = pixelTag === TAG.FloatPixelData ? 32 : pixelTag === TAG.DoubleFloatPixelData ? 64 : 0;
  const bitsAllocated = uint16(ds, TAG.BitsAllocated) ?? defaultBits;
  const bitsStored = uint16(ds, TAG.BitsStored) ?? bitsAllocated;
  const highBit = uint16(ds, TAG.HighBit) ?? bitsStored - 1;
  const pixelRepresentation = uint16(ds, TAG.PixelRepresentation) ?? 0;
  const photometric = (text(ds, TAG.PhotometricInterpretation) || (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).toUpperCase();
  const planarConfiguration = uint16(ds, TAG.PlanarConfiguration) ?? 0;
  const pixels: PixelFormat = {
    rows,
    columns,
    frames,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    photometric,
    planarConfiguration,
    pixelTag,
  };
  const corrupt = (message: string) => ({ pixels, problem: { code: 'E_CORRUPT' as const, message } });
  const unsupported = (message: string) => ({ pixels, problem: { code: 'E_UNSUPPORTED' as const, message } });
  if (rows === 0 || columns === 0) return corrupt(`image has no size (Rows ${rows}, Columns ${columns})`);
  if (!Number.isInteger(frames) || frames < 1) return corrupt(`invalid NumberOfFrames "${framesText.slice(0, 20)}"`);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) return unsupported(`${samplesPerPixel} samples per pixel`);
  const validBits = pixelTag === TAG.PixelData ? [1, 8, 16, 32] : [defaultBits];
  if (!validBits.includes(bitsAllocated)) return unsupported(`BitsAllocated ${bitsAllocated}`);
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
    return corrupt(`inconsistent BitsStored ${bitsStored} / HighBit ${highBit} for BitsAllocated ${bitsAllocated}`);
  }
  if (pixelRepresentation > 1) return corrupt(`invalid PixelRepresentation ${pixelRepresentation}`);
  if (!SUPPORTED_PHOTOMETRIC.has(photometric)) return unsupported(`photometric interpretation ${photometric}`);
  if ((samplesPerPixel === 3) !== ['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT'].includes(photometric)) {
    return corrupt(`${photometric} with ${samplesPerPixel} samples per pixel`);
  }
  // Refuse absurd sizes before anyone allocates for them.
  const outSamples = samplesPerPixel === 3 || photometric === 'PALETTE COLOR' ? 3 : 1;
  const tooLarge = checkImageMemory(columns, rows, frames, outSamples, ds.byteArray.length);
  if (tooLarge) return { pixels, problem: { code: 'E_TOO_LARGE', message: tooLarge } };
  const el = ds.elements[pixelTag];
  if (NATIVE_SYNTAXES.has(transferSyntax) && !el.encapsulatedPixelData && el.length !== 0xffffffff) {
    const samples = photometric === 'YBR_FULL_422' ? 2 : samplesPerPixel;
    const need = Math.ceil((rows * columns * samples * bitsAllocated * frames) / 8);
    if (el.length < need) {
      return corrupt(`pixel data truncated: ${el.length} bytes for ${frames} frame(s) of ${columns}×${rows}×${samples} at ${bitsAllocated} bits (${need} needed)`);
    }
  }
  // PixelPaddingValue marks pixels outside the scanned area (CT's −2000 outside the circle):
  // they are masked. A padding value of 0 is not: several MR vendors write 0, their ordinary
  // background, and masking it would turn the whole background into missing data.
  const pad = uint16(ds, TAG.PixelPaddingValue);
  if (pad !== undefined && pad !== 0 && samplesPerPixel === 1) {
    pixels.paddingValue = pixelRepresentation === 1 && bitsAllocated === 16 && pad >= 0x8000 ? pad - 0x10000 : pad;
  }
  return { pixels };
}

/** Reduce a parsed data set to a `DicomInstance`. Never throws on damaged values. */
export function readInstance(ds: DataSet, path: string, transferSyntax: string): DicomInstance {
  const sopClassUid = cleanUid(text(ds, TAG.SOPClassUID) || text(ds, TAG.MediaStorageSOPClassUID));
  const isDirectory = sopClassUid === SOP.MediaStorageDirectory || ds.elements[TAG.DirectoryRecordSequence] !== undefined;
  const modality = text(ds, TAG.Modality).toUpperCase();
  const imageType = texts(ds, TAG.ImageType).join('\\').toUpperCase();
  const format = isDirectory ? {} : readPixelFormat(ds, transferSyntax);
  const pixels = format.pixels;
  // Siemens mosaic (fMRI, DWI): one tile holds many slices, counted in a private CSA header.
  const mosaic = pixels && imageType.split('\\').includes('MOSAIC');
  const problem: DicomInstance['problem'] =
    format.problem ?? (mosaic ? { code: 'E_UNSUPPORTED', message: 'Siemens mosaic images are not supported (convert them with dcm2niix first)' } : undefined);
  const shared = items(ds, TAG.SharedFunctionalGroupsSequence)[0];
  const sharedInfo = shared ? readFrameGroups(undefined, shared) : {};
  const position = vector(ds, TAG.ImagePositionPatient, 3) as Vec3 | undefined;
  const orientation = checkOrientation(vector(ds, TAG.ImageOrientationPatient, 6)) ?? sharedInfo.orientation;
  const pixelSpacing = positiveSpacing(vector(ds, TAG.PixelSpacing, 2)) ?? sharedInfo.pixelSpacing ?? positiveSpacing(vector(ds, TAG.ImagerPixelSpacing, 2));
  let rescale = readRescale(ds) ?? sharedInfo.rescale ?? { slope: 1, intercept: 0 };
  const doseScaling = number(ds, TAG.DoseGridScaling);
  if (doseScaling !== undefined && doseScaling !== 0) rescale = { ...rescale, slope: rescale.slope * doseScaling };
  const windows = readWindows(ds);
  if (windows.length === 0 && sharedInfo.window) windows.push(sharedInfo.window);
  const frames = pixels?.frames ?? 1;
  const tags: Record<string, string> = {};
  for (const k of KEPT_TAGS) {
    const v = text(ds, TAG[k]);
    if (v) tags[k] = k.endsWith('UID') ? cleanUid(v) : v;
  }
  const bValue = float64(ds, TAG.DiffusionBValue);
  return {
    path,
    transferSyntax,
    sopClassUid,
    sopInstanceUid: cleanUid(text(ds, TAG.SOPInstanceUID) || text(ds, TAG.MediaStorageSOPInstanceUID)),
    studyUid: cleanUid(text(ds, TAG.StudyInstanceUID)),
    seriesUid: cleanUid(text(ds, TAG.SeriesInstanceUID)),
    frameOfReferenceUid: cleanUid(text(ds, TAG.FrameOfReferenceUID)),
    modality,
    seriesNumber: optionalInt(ds, TAG.SeriesNumber),
    instanceNumber: optionalInt(ds, TAG.InstanceNumber),
    acquisitionNumber: optionalInt(ds, TAG.AcquisitionNumber),
    echoNumber: optionalInt(ds, TAG.EchoNumbers),
    temporalPosition: optionalInt(ds, TAG.TemporalPositionIdentifier),
    bValue,
    imageType,
    isDirectory,
    pixels,
    problem,
    position: position && position.every(Number.isFinite) ? position : undefined,
    orientation,
    pixelSpacing,
    sliceThickness: number(ds, TAG.SliceThickness) ?? sharedInfo.sliceThickness,
    spacingBetweenSlices: number(ds, TAG.SpacingBetweenSlices),
    rescale,
    windows,
    units: readUnits(ds, modality, rescale),
    frameInfo: pixels ? readFrameInfo(ds, frames, position, orientation) : undefined,
    tags,
  };
}
