import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../../core/atomic';
import { InrError } from '../../core/errors';
import { sampleCount, type Field } from '../../core/field';
import { affinesClose, affineToQuatern, composeAffine, flipXY, type Affine } from './affine';
import { allocateComponents, HOST_LE, integerRange, typeByName, type NiftiType } from './datatypes';
import { encodeHeader, type NiftiHeader } from './header';

/**
 * NIfTI writer: a Field with axes (z, y, x) or (t, z, y, x) → single-file NIfTI-1 (or NIfTI-2
 * when a dimension passes 32767, or when asked), little-endian, `vox_offset` 352 (544 for
 * NIfTI-2) after a zero extension flag, gzipped when the name ends in `.gz`.
 *
 * What a NIfTI source carried is written back: datatype, scl_slope/scl_inter (values are
 * packed back to raw integers with them), qform and sform with their codes (verbatim while the
 * field's geometry still matches them, recomputed from the geometry otherwise), units and
 * display range. A field from elsewhere gets its affine from spacing, direction and origin,
 * written as sform and qform (quaternion + qfac) with code 2 (aligned), or 1 (scanner) for
 * DICOM, whose LPS patient space is turned into NIfTI's RAS by negating x and y (FORMATS.md §6.1).
 */
export interface NiftiWriteOptions {
  /** gzip the output; default: when the path ends in `.gz`. */
  gzip?: boolean;
  /** Header version; default 1, or 2 when a dimension does not fit NIfTI-1's int16. */
  version?: 1 | 2;
  /** Voxel type (`uint8`, `int16`, `float32`…); default the field's dtype when NIfTI has it, else float32. */
  dtype?: string;
  /** World space of the field's geometry; default LPS for DICOM sources, RAS otherwise. */
  space?: 'RAS' | 'LPS';
  /** Text for `descrip` (≤ 79 bytes). Never patient data. */
  description?: string;
}

/** What a field read from NIfTI carries for export. */
interface SourceMeta {
  header?: NiftiHeader;
  affine?: Affine;
}

/** The NIfTI header and affine a field was read with, when they look sound. */
function sourceMeta(field: Field): SourceMeta {
  const m = field.provenance.meta?.nifti as { header?: NiftiHeader; affine?: Affine } | undefined;
  if (!m || typeof m !== 'object') return {};
  const header = m.header && typeof m.header === 'object' && Array.isArray(m.header.dim) ? m.header : undefined;
  const affine = Array.isArray(m.affine) && m.affine.length === 12 ? m.affine : undefined;
  return { header, affine };
}

/** Axis sizes (nx, ny, nz, nt) of a field whose axes end in z, y, x (or y, x). */
function gridOf(field: Field, path: string): { nx: number; ny: number; nz: number; nt: number; hasT: boolean } {
  const s = field.shape;
  if (s.length < 2 || s.length > 4) throw new InrError('E_ARG', `NIfTI holds 2-D to 4-D fields; this one has axes ${field.axes.join(', ')}`, path);
  const [nx, ny] = [s[s.length - 1], s[s.length - 2]];
  const nz = s.length >= 3 ? s[s.length - 3] : 1;
  const nt = s.length === 4 ? s[0] : 1;
  return { nx, ny, nz, nt, hasT: s.length === 4 };
}

/** The voxel type to write and how channels map onto it. */
function chooseType(field: Field, opts: NiftiWriteOptions, path: string): { type: NiftiType; nu: number } {
  const C = field.channels.length;
  const wanted = typeByName(opts.dtype ?? field.dtype);
  if (wanted && wanted.components > 1) {
    if (wanted.components !== C) throw new InrError('E_ARG', `${wanted.name} needs ${wanted.components} channels, the field has ${C}`, path);
    return { type: wanted, nu: 1 };
  }
  if (opts.dtype && !wanted) throw new InrError('E_ARG', `NIfTI cannot store ${opts.dtype}`, path);
  return { type: wanted ?? (typeByName('float32') as NiftiType), nu: C };
}

/** Voxel → RAS affine of the field's geometry (spacing and origin listed in axis order). */
function fieldAffine(field: Field, space: 'RAS' | 'LPS'): Affine {
  const g = field.geometry;
  const d = field.shape.length;
  const sp = (k: number): number => (d - 1 - k >= 0 && Number.isFinite(g.spacing[d - 1 - k]) && g.spacing[d - 1 - k] !== 0 ? g.spacing[d - 1 - k] : 1);
  const or = (k: number): number => (d - 1 - k >= 0 && Number.isFinite(g.origin[d - 1 - k]) ? g.origin[d - 1 - k] : 0);
  const spacing = [sp(0), sp(1), d >= 3 ? sp(2) : 1];
  const origin = [or(0), or(1), d >= 3 ? or(2) : 0];
  const direction = Array.isArray(g.direction) && g.direction.length === 9 && g.direction.every(Number.isFinite) ? g.direction : [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const A = composeAffine(spacing, direction, origin);
  return space === 'LPS' ? flipXY(A) : A;
}

/** Build the header for `field`, reusing the source header's fields where they still hold. */
function buildHeader(field: Field, type: NiftiType, nu: number, opts: NiftiWriteOptions, path: string): NiftiHeader {
  const { nx, ny, nz, nt, hasT } = gridOf(field, path);
  const src = sourceMeta(field);
  const h0 = src.header;
  const space = opts.space ?? (field.provenance.format === 'dicom' ? 'LPS' : 'RAS');
  const affine = fieldAffine(field, space);
  const same = !!h0 && !!src.affine && affinesClose(affine, src.affine, 1e-5);
  const nd = nu > 1 ? 5 : hasT ? 4 : 3;
  const dims = [nd, nx, ny, nz, nt, nu, 1, 1];
  const version = opts.version ?? (dims.some((v) => v > 32767) ? 2 : (h0?.version ?? 1));
  if (version === 1 && dims.some((v) => v > 32767)) throw new InrError('E_ARG', 'a dimension exceeds 32767; write NIfTI-2', path);
  const q = affineToQuatern(affine);
  const code = field.provenance.format === 'dicom' ? 1 : 2;
  const g = field.geometry;
  const dt = hasT && Number.isFinite(g.spacing[0]) ? g.spacing[0] : (h0?.pixdim[4] ?? 0);
  const xyzt = h0?.xyztUnits ?? 2 | (hasT ? 8 : 0);
  const scl = h0 && (type.integer ? Number.isFinite(h0.sclSlope) : h0.sclSlope === 1 || h0.sclSlope === 0);
  const window = g.window;
  const header: NiftiHeader = {
    version,
    littleEndian: HOST_LE,
    magic: version === 1 ? 'n+1\0' : 'n+2\0',
    dimInfo: h0?.dimInfo ?? 0,
    dim: dims,
    intentP1: h0?.intentP1 ?? 0,
    intentP2: h0?.intentP2 ?? 0,
    intentP3: h0?.intentP3 ?? 0,
    intentCode: nu > 1 ? 1007 : (h0?.intentCode ?? 0),
    datatype: type.code,
    bitpix: type.bytes * type.components * 8,
    sliceStart: h0?.sliceStart ?? 0,
    pixdim: [...(same && h0 ? h0.pixdim.slice(0, 4) : [q.qfac, q.dx, q.dy, q.dz]), dt, ...(h0 ? h0.pixdim.slice(5, 8) : [0, 0, 0])],
    voxOffset: version === 1 ? 352 : 544,
    sclSlope: scl && h0 ? h0.sclSlope : 1,
    sclInter: scl && h0 ? h0.sclInter : 0,
    sliceEnd: h0?.sliceEnd ?? 0,
    sliceCode: h0?.sliceCode ?? 0,
    xyztUnits: xyzt,
    calMax: window ? window.center + window.width / 2 : 0,
    calMin: window ? window.center - window.width / 2 : 0,
    sliceDuration: h0?.sliceDuration ?? 0,
    toffset: hasT && Number.isFinite(g.origin[0]) ? g.origin[0] : (h0?.toffset ?? 0),
    descrip: opts.description ?? h0?.descrip ?? 'INR Studio',
    auxFile: h0?.auxFile ?? '',
    qformCode: h0 ? h0.qformCode : code,
    sformCode: h0 ? h0.sformCode : code,
    quaternB: same && h0 ? h0.quaternB : q.b,
    quaternC: same && h0 ? h0.quaternC : q.c,
    quaternD: same && h0 ? h0.quaternD : q.d,
    qoffsetX: same && h0 ? h0.qoffsetX : q.qx,
    qoffsetY: same && h0 ? h0.qoffsetY : q.qy,
    qoffsetZ: same && h0 ? h0.qoffsetZ : q.qz,
    srowX: same && h0 ? h0.srowX : affine.slice(0, 4),
    srowY: same && h0 ? h0.srowY : affine.slice(4, 8),
    srowZ: same && h0 ? h0.srowZ : affine.slice(8, 12),
    intentName: h0?.intentName ?? '',
  };
  // A geometry that changed keeps the source's codes only where they were set.
  if (h0 && !same) {
    header.qformCode = h0.qformCode || 0;
    header.sformCode = h0.sformCode || (h0.qformCode ? 0 : 2);
    if (!header.qformCode && !header.sformCode) header.sformCode = 2;
  }
  return header;
}

/**
 * Physical values → stored components: raw = (v − scl_inter) / scl_slope, rounded and clamped
 * for integer types. Masked voxels are NaN in float types and 0 (raw) in integer ones.
 * Channels beyond a single component go to dim[5] (component-slowest, as NIfTI orders them).
 */
function encodeVoxels(field: Field, h: NiftiHeader, type: NiftiType, nu: number): Uint8Array {
  const n = sampleCount(field.shape);
  const C = field.channels.length;
  const out = allocateComponents(type, n * C);
  const range = integerRange(type);
  const slope = type.components === 1 && h.sclSlope !== 0 && Number.isFinite(h.sclSlope) ? h.sclSlope : 1;
  const inter = slope !== 1 || h.sclInter !== 0 ? (Number.isFinite(h.sclInter) ? h.sclInter : 0) : 0;
  const { values, mask } = field;
  for (let i = 0; i < n; i++) {
    const valid = !mask || mask[i] !== 0;
    for (let c = 0; c < C; c++) {
      const v = values[i * C + c];
      const at = nu > 1 ? c * n + i : i * C + c;
      if (!valid || !Number.isFinite(v)) {
        out.set(at, range ? 0 : NaN);
        continue;
      }
      const raw = slope === 1 && inter === 0 ? v : (v - inter) / slope;
      out.set(at, range ? Math.min(range[1], Math.max(range[0], Math.round(raw))) : raw);
    }
  }
  return out.bytes;
}

/** Encode a field as uncompressed NIfTI bytes (header, zero extension flag, voxels). */
export function encodeNifti(field: Field, opts: NiftiWriteOptions = {}, path = '<memory>'): Uint8Array {
  if (!HOST_LE) throw new InrError('E_UNSUPPORTED', 'the NIfTI writer needs a little-endian host', path);
  if (sampleCount(field.shape) === 0 || field.channels.length === 0) throw new InrError('E_ARG', 'cannot write an empty field', path);
  const { type, nu } = chooseType(field, opts, path);
  const header = buildHeader(field, type, nu, opts, path);
  const head = encodeHeader(header);
  const voxels = encodeVoxels(field, header, type, nu);
  const out = new Uint8Array(header.voxOffset + voxels.byteLength);
  out.set(head, 0); // bytes head.length … voxOffset stay zero: the extension flag and padding
  out.set(voxels, header.voxOffset);
  return out;
}

/** Write a field as `.nii` or `.nii.gz` (by name, or `opts.gzip`), atomically. */
export function writeNifti(path: string, field: Field, opts: NiftiWriteOptions = {}): void {
  const raw = encodeNifti(field, opts, path);
  const gz = opts.gzip ?? /\.gz$/i.test(path);
  writeFileAtomic(path, gz ? gzipSync(raw, { level: 6 }) : raw);
}
