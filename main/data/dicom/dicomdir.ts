/**
 * DICOMDIR (PS3.10 §8, PS3.3 F.3): the index of a file-set, as a patient › study › series ›
 * image tree with resolved file paths.
 *
 * Records are linked by byte offsets (first record of the root, next sibling, first child). The
 * tree is walked by those offsets, guarding against cycles; when the offsets are missing or
 * point nowhere, records are nested by their order (PATIENT, then its STUDYs, …), which is how
 * every writer lays them out. Records of unknown type pass their children through, so studies
 * under a broken patient record still appear (under "unknown patient").
 *
 * The DICOMDIR only labels and locates; images are still read from their own headers.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DataSet, Element } from 'dicom-parser';
import { InrError } from '../../core/errors';
import { cleanUid, number, parseDicomBytes, text, texts, uint32 } from './parse';
import { TAG } from './tags';

export interface DicomDirImage {
  /** ReferencedFileID joined with `/`. */
  fileId: string;
  /** Absolute path of the referenced file. */
  path: string;
  sopInstanceUid: string;
  recordType: string;
  instanceNumber?: number;
}

export interface DicomDirSeries {
  uid: string;
  modality: string;
  number?: number;
  description: string;
  images: DicomDirImage[];
}

export interface DicomDirStudy {
  uid: string;
  date: string;
  description: string;
  id: string;
  series: DicomDirSeries[];
}

export interface DicomDirPatient {
  id: string;
  name: string;
  studies: DicomDirStudy[];
}

export interface DicomDir {
  path: string;
  fileSetId: string;
  patients: DicomDirPatient[];
  warnings: string[];
}

interface Record {
  offset: number;
  type: string;
  ds: DataSet;
}

const LEAF_TYPES_WITHOUT_FILE = new Set(['PATIENT', 'STUDY', 'SERIES']);

/** Build the tree from a parsed DICOMDIR data set; `path` is the DICOMDIR file. */
export function readDicomDirDataSet(ds: DataSet, path: string): DicomDir {
  const seq: Element | undefined = ds.elements[TAG.DirectoryRecordSequence];
  if (!seq || !Array.isArray(seq.items)) throw new InrError('E_CORRUPT', 'DICOMDIR has no directory record sequence', path);
  const records: Record[] = seq.items.flatMap((it) =>
    it.dataSet ? [{ offset: it.dataOffset - 8, type: text(it.dataSet, TAG.DirectoryRecordType).toUpperCase(), ds: it.dataSet }] : [],
  );
  const base = dirname(path);
  const out: DicomDir = { path, fileSetId: text(ds, TAG.FileSetID), patients: [], warnings: [] };
  const byOffset = new Map(records.map((r) => [r.offset, r]));
  const root = uint32(ds, TAG.RootDirectoryFirstRecord);
  const builder = new TreeBuilder(out, base);
  // Chains start at records nothing points to; a root pointer into the middle of a chain
  // (seen in damaged file-sets) is ignored in favour of those heads.
  const referenced = new Set<number>();
  for (const r of records) {
    for (const t of [TAG.NextDirectoryRecordOffset, TAG.LowerLevelDirectoryOffset]) {
      const off = uint32(r.ds, t);
      if (off) referenced.add(off);
    }
  }
  const heads = records.filter((r) => !referenced.has(r.offset)).map((r) => r.offset);
  const starts = root !== undefined && byOffset.has(root) && !referenced.has(root) ? [root, ...heads.filter((h) => h !== root)] : heads;
  if (starts.length > 0) {
    // A missing next/lower offset means 0: no sibling, no children.
    const visited = new Set<number>();
    const walk = (first: number, ctx: Context): void => {
      for (let off = first; off !== 0;) {
        const r = byOffset.get(off);
        if (!r || visited.has(off)) {
          if (r) out.warnings.push('DICOMDIR record links form a cycle');
          else out.warnings.push(`DICOMDIR offset ${off} points to no record`);
          return;
        }
        visited.add(off);
        const child = builder.add(r, ctx);
        const lower = uint32(r.ds, TAG.LowerLevelDirectoryOffset) ?? 0;
        if (lower) walk(lower, child);
        off = uint32(r.ds, TAG.NextDirectoryRecordOffset) ?? 0;
      }
    };
    for (const s of starts) if (!visited.has(s)) walk(s, {});
    if (visited.size < records.length) out.warnings.push(`${records.length - visited.size} DICOMDIR record(s) not linked from the root`);
  } else {
    out.warnings.push('DICOMDIR record offsets missing: records nested by order');
    let ctx: Context = {};
    for (const r of records) {
      // In order: a PATIENT resets the context, a STUDY resets series, and so on.
      const level = ['PATIENT', 'STUDY', 'SERIES'].indexOf(r.type);
      const parent: Context = level === 0 ? {} : level === 1 ? { patient: ctx.patient } : level === 2 ? { patient: ctx.patient, study: ctx.study } : ctx;
      const child = builder.add(r, parent);
      if (level >= 0) ctx = child;
    }
  }
  return out;
}

interface Context {
  patient?: DicomDirPatient;
  study?: DicomDirStudy;
  series?: DicomDirSeries;
}

/** Adds records to the tree, creating "unknown" parents for orphans. */
class TreeBuilder {
  constructor(
    private readonly dir: DicomDir,
    private readonly base: string,
  ) {}

  private patientOf(ctx: Context): DicomDirPatient {
    if (ctx.patient) return ctx.patient;
    let p = this.dir.patients.find((x) => x.id === '' && x.name === '');
    if (!p) {
      p = { id: '', name: '', studies: [] };
      this.dir.patients.push(p);
    }
    return p;
  }

  private studyOf(ctx: Context): DicomDirStudy {
    if (ctx.study) return ctx.study;
    const p = this.patientOf(ctx);
    let s = p.studies.find((x) => x.uid === '');
    if (!s) {
      s = { uid: '', date: '', description: '', id: '', series: [] };
      p.studies.push(s);
    }
    return s;
  }

  private seriesOf(ctx: Context): DicomDirSeries {
    if (ctx.series) return ctx.series;
    const st = this.studyOf(ctx);
    let s = st.series.find((x) => x.uid === '');
    if (!s) {
      s = { uid: '', modality: '', description: '', images: [] };
      st.series.push(s);
    }
    return s;
  }

  /** Add one record under `ctx`; returns the context for its children. */
  add(r: Record, ctx: Context): Context {
    const ds = r.ds;
    switch (r.type) {
      case 'PATIENT': {
        const patient: DicomDirPatient = { id: text(ds, TAG.PatientID), name: text(ds, TAG.PatientName), studies: [] };
        this.dir.patients.push(patient);
        return { patient };
      }
      case 'STUDY': {
        const study: DicomDirStudy = {
          uid: cleanUid(text(ds, TAG.StudyInstanceUID)),
          date: text(ds, TAG.StudyDate),
          description: text(ds, TAG.StudyDescription),
          id: text(ds, TAG.StudyID),
          series: [],
        };
        const patient = this.patientOf(ctx);
        patient.studies.push(study);
        return { patient, study };
      }
      case 'SERIES': {
        const series: DicomDirSeries = {
          uid: cleanUid(text(ds, TAG.SeriesInstanceUID)),
          modality: text(ds, TAG.Modality),
          number: number(ds, TAG.SeriesNumber),
          description: text(ds, TAG.SeriesDescription),
          images: [],
        };
        const study = this.studyOf(ctx);
        study.series.push(series);
        return { patient: ctx.patient, study, series };
      }
      default: {
        const fileId = texts(ds, TAG.ReferencedFileID).filter(Boolean);
        if (fileId.length === 0 || LEAF_TYPES_WITHOUT_FILE.has(r.type)) return ctx; // unknown container: pass through
        // ReferencedFileID components are path parts; never let them climb out of the file-set.
        if (fileId.some((c) => c === '..' || c.includes('/') || c.includes('\0'))) {
          this.dir.warnings.push(`ignored unsafe ReferencedFileID ${fileId.join('\\')}`);
          return ctx;
        }
        this.seriesOf(ctx).images.push({
          fileId: fileId.join('/'),
          path: join(this.base, ...fileId),
          sopInstanceUid: cleanUid(text(ds, TAG.ReferencedSOPInstanceUIDInFile)),
          recordType: r.type,
          instanceNumber: number(ds, TAG.InstanceNumber),
        });
        return ctx;
      }
    }
  }
}

/** Read and parse a DICOMDIR file. */
export async function readDicomDir(path: string): Promise<DicomDir> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InrError('E_NOT_FOUND', `cannot read DICOMDIR (${(err as { code?: string }).code ?? String(err)})`, path);
  }
  const parsed = parseDicomBytes(bytes, path);
  return readDicomDirDataSet(parsed.dataSet, path);
}

/** All image paths a DICOMDIR references, in record order. */
export function dicomDirFiles(dir: DicomDir): string[] {
  return dir.patients.flatMap((p) => p.studies.flatMap((s) => s.series.flatMap((se) => se.images.map((i) => i.path))));
}
