import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { InrError, asReadError } from '../../core/errors';
import { createField, type Field, type Geometry } from '../../core/field';
import { dimsText, ensureFits, fieldBytes } from '../../core/limits';
import { affinesClose, decomposeAffine, quaternToAffine, srowsToAffine, type Affine } from './affine';
import { componentArray, typeByCode, UNSUPPORTED_TYPES, type NiftiType } from './datatypes';
import { gunzipAll, gunzipHead, isGzip } from './gzip';
import { decodeHeader, detectNifti, HEADER_SIZE, type NiftiHeader } from './header';

/**
 * NIfTI-1/-2 reader (`.nii`, `.nii.gz`; detected by content, nifti1.h / nifti2.h).
 *
 * Axes: NIfTI stores x fastest, then y, z, t, so a volume is a Field with axes (z, y, x) and a
 * series (t, z, y, x) without any reordering. Values are `scl_slope · raw + scl_inter` when
 * scl_slope ≠ 0 (not for RGB). A 5th dimension (vector intent) becomes channels, as do the
 * components of RGB24/RGBA32/complex voxels. NaN voxels are masked.
 *
 * Geometry: the affine is the sform when sform_code > 0, else the qform when qform_code > 0,
 * else pixdim alone (nifti1.h methods 3, 2, 1). `geometry.spacing`/`origin` follow the axes
 * (origin = world position of voxel 0, listed z, y, x); `geometry.direction` is row-major 3×3
 * with columns the i, j, k (x, y, z index) directions in RAS+. Both transforms, their codes and
 * the whole header are kept in `provenance.meta.nifti` for export.
 */
export interface NiftiReadOptions {
  /** `{ t: n }` reads volume n of a series (axes z, y, x); `{ t: [a, b] }` volumes a…b−1. */
  index?: Record<string, number | [number, number]>;
}

/** Whatever holds the voxel bytes: a buffer, or a file read on demand. */
type ByteRange = (offset: number, length: number) => Uint8Array;

/** What a header says about the Field it describes. */
interface VolumePlan {
  type: NiftiType;
  nx: number;
  ny: number;
  nz: number;
  nt: number;
  /** Components along dim[5] (vector intent), 1 when absent. */
  nu: number;
  t0: number;
  t1: number;
  /** Keep the t axis (4-D input without a single-volume selection). */
  keepT: boolean;
  /** Byte length of all voxel data the file must hold. */
  totalBytes: number;
  voxOffset: number;
}

/** E_CORRUPT with the "corrupt NIfTI" prefix. */
function corrupt(msg: string, path?: string): InrError {
  return new InrError('E_CORRUPT', `corrupt NIfTI: ${msg}`, path);
}

/** True when the first bytes are NIfTI, raw or inside gzip. Never throws. */
export function isNifti(head: Uint8Array): boolean {
  try {
    const bytes = isGzip(head) ? gunzipHead(head, HEADER_SIZE[1]) : head;
    return detectNifti(bytes) !== null;
  } catch {
    return false;
  }
}

/** Check a header's dimensions, type and offset; work out the shape and the bytes needed. */
function planVolume(h: NiftiHeader, opts: NiftiReadOptions, path?: string): VolumePlan {
  if (h.magic.startsWith('ni')) {
    throw new InrError('E_UNSUPPORTED', 'two-file NIfTI (.hdr + .img) is not supported; convert it to a single .nii', path);
  }
  const type = typeByCode(h.datatype);
  if (!type) {
    const known = UNSUPPORTED_TYPES[h.datatype];
    if (known) throw new InrError('E_UNSUPPORTED', `NIfTI datatype ${known} is not supported`, path);
    throw corrupt(`unknown datatype code ${h.datatype}`, path);
  }
  const nd = h.dim[0];
  if (!Number.isInteger(nd) || nd < 1 || nd > 7) throw corrupt(`dim[0] = ${nd}, must be 1…7`, path);
  const size = (i: number): number => (i <= nd ? h.dim[i] : 1);
  for (let i = 1; i <= nd; i++) {
    if (!Number.isSafeInteger(h.dim[i]) || h.dim[i] < 1) throw corrupt(`dim[${i}] = ${h.dim[i]}`, path);
  }
  if (size(6) > 1 || size(7) > 1) throw new InrError('E_UNSUPPORTED', `NIfTI with 6 or 7 dimensions (dim = ${h.dim.slice(1, nd + 1).join(' × ')})`, path);
  const [nx, ny, nz, nt, nu] = [size(1), size(2), size(3), size(4), size(5)];
  if (nu > 1 && type.components > 1) throw new InrError('E_UNSUPPORTED', `vector NIfTI of ${type.name} voxels`, path);
  const sel = opts.index?.t;
  let [t0, t1] = [0, nt];
  if (typeof sel === 'number') [t0, t1] = [sel, sel + 1];
  else if (Array.isArray(sel)) [t0, t1] = sel;
  if (!(Number.isInteger(t0) && Number.isInteger(t1) && t0 >= 0 && t1 <= nt && t1 > t0)) {
    throw new InrError('E_ARG', `time index ${JSON.stringify(sel)} outside 0…${nt - 1}`, path);
  }
  const totalBytes = nx * ny * nz * nt * nu * type.components * type.bytes;
  const minOffset = h.version === 1 ? 348 : 540;
  // Some writers leave vox_offset 0 in single files; the data then follows the header and the
  // 4-byte extension flag (nifti1.h: "vox_offset … should be 352 for a .nii file").
  const voxOffset = h.voxOffset === 0 ? minOffset + 4 : h.voxOffset;
  if (!Number.isInteger(voxOffset) || voxOffset < minOffset) throw corrupt(`vox_offset ${h.voxOffset} (must be an integer ≥ ${minOffset})`, path);
  return { type, nx, ny, nz, nt, nu, t0, t1, keepT: typeof sel !== 'number' && nt > 1, totalBytes, voxOffset };
}

/**
 * Refuse, before anything is allocated or inflated, a volume whose decode would not fit the
 * memory limit: the file held in memory (`heldBytes`: the .nii.gz, or 0 for a .nii read
 * piecewise), the voxel bytes (the whole inflated stream for .nii.gz, the selected volumes
 * otherwise), the Float32 values and the mask.
 */
function checkMemory(p: VolumePlan, heldBytes: number, gz: boolean, path?: string): void {
  const C = Math.max(p.nu, p.type.components);
  const samples = (p.t1 - p.t0) * p.nz * p.ny * p.nx;
  const voxelBytes = gz ? p.voxOffset + p.totalBytes : samples * p.nu * p.type.components * p.type.bytes;
  const dims = p.nt > 1 || p.nu > 1 ? [p.nx, p.ny, p.nz, p.nt, ...(p.nu > 1 ? [p.nu] : [])] : [p.nx, p.ny, p.nz];
  const claim = `the NIfTI header claims ${dimsText(dims)} ${p.type.name} voxels`;
  ensureFits(heldBytes + voxelBytes + fieldBytes(samples, C), claim, path);
  if (samples * C >= 2 ** 32) throw new InrError('E_TOO_LARGE', `${claim}: more than 2^32 values in one array`, path);
  if (gz && voxelBytes + (1 << 20) >= 2 ** 32 - 2)
    throw new InrError('E_TOO_LARGE', `${claim}: more than 4 GiB to inflate into one buffer; decompress the file to .nii first`, path);
}

/** Voxel bytes → Float32 channel-last values, scaled, with NaN voxels masked. */
function decodeVoxels(h: NiftiHeader, p: VolumePlan, read: ByteRange, path?: string): { values: Float32Array; mask?: Uint8Array } {
  const { type } = p;
  const V = p.nx * p.ny * p.nz;
  const T = p.t1 - p.t0;
  const K = type.components;
  const C = Math.max(p.nu, K);
  const n = T * V;
  const values = new Float32Array(n * C);
  const scaled = type.name !== 'rgb24' && type.name !== 'rgba32' && Number.isFinite(h.sclSlope) && h.sclSlope !== 0;
  const slope = scaled ? h.sclSlope : 1;
  const inter = scaled && Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const identity = slope === 1 && inter === 0;
  // One run of components per vector component u (just one run when there is no dim[5]).
  for (let u = 0; u < p.nu; u++) {
    const first = (u * p.nt + p.t0) * V * K;
    const count = n * K;
    const bytes = read(p.voxOffset + first * type.bytes, count * type.bytes);
    if (bytes.length < count * type.bytes) {
      throw corrupt(`voxel data truncated: needs ${p.voxOffset + p.totalBytes} bytes after decompression, has fewer`, path);
    }
    const comp = componentArray(bytes, type, count, h.littleEndian);
    const big = comp instanceof BigInt64Array || comp instanceof BigUint64Array;
    for (let i = 0; i < count; i++) {
      const raw = big ? Number((comp as BigInt64Array)[i]) : (comp as ArrayLike<number>)[i];
      const at = p.nu > 1 ? i * C + u : i;
      values[at] = identity ? raw : raw * slope + inter;
    }
  }
  let mask: Uint8Array | undefined;
  if (!type.integer || !identity) {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < C; c++) {
        if (values[i * C + c] !== values[i * C + c]) {
          mask ??= new Uint8Array(n).fill(1);
          mask[i] = 0;
        }
      }
    }
  }
  return { values, mask };
}

/** The transforms a header defines, and which one is the geometry (sform > qform > pixdim). */
export function headerTransforms(h: NiftiHeader): { affine: Affine; source: 'sform' | 'qform' | 'pixdim'; qform?: Affine; sform?: Affine; warnings: string[] } {
  const warnings: string[] = [];
  const finite = (a: number[]): boolean => a.every(Number.isFinite);
  const qform =
    h.qformCode > 0
      ? quaternToAffine({
          b: h.quaternB,
          c: h.quaternC,
          d: h.quaternD,
          qx: h.qoffsetX,
          qy: h.qoffsetY,
          qz: h.qoffsetZ,
          dx: h.pixdim[1],
          dy: h.pixdim[2],
          dz: h.pixdim[3],
          qfac: h.pixdim[0],
        })
      : undefined;
  const sform = h.sformCode > 0 ? srowsToAffine(h.srowX, h.srowY, h.srowZ) : undefined;
  const okQ = qform && finite(qform) ? qform : undefined;
  const okS = sform && finite(sform) ? sform : undefined;
  if (qform && !okQ) warnings.push('qform is not finite; ignored');
  if (sform && !okS) warnings.push('sform is not finite; ignored');
  if (okQ && okS && !affinesClose(okQ, okS, 1e-3)) warnings.push('qform and sform disagree; the sform is used');
  if (okS) return { affine: okS, source: 'sform', qform: okQ, sform: okS, warnings };
  if (okQ) return { affine: okQ, source: 'qform', qform: okQ, sform: okS, warnings };
  const px = (i: number): number => (Number.isFinite(h.pixdim[i]) && h.pixdim[i] > 0 ? h.pixdim[i] : 1);
  return { affine: [px(1), 0, 0, 0, 0, px(2), 0, 0, 0, 0, px(3), 0], source: 'pixdim', warnings };
}

/** xyzt_units & 7 (nifti1.h NIFTI_UNITS_*): spatial unit. */
const SPACE_UNITS: Record<number, string> = { 1: 'm', 2: 'mm', 3: 'um' };
/** xyzt_units & 0x38: temporal unit. */
const TIME_UNITS: Record<number, string> = { 8: 's', 16: 'ms', 24: 'us', 32: 'Hz', 40: 'ppm', 48: 'rad/s' };

/** Build the Field of a checked header and its voxel bytes. */
function buildField(h: NiftiHeader, p: VolumePlan, read: ByteRange, path: string): Field {
  const { values, mask } = decodeVoxels(h, p, read, path);
  const tf = headerTransforms(h);
  const { spacing, direction, translation } = decomposeAffine(tf.affine);
  const [tx, ty, tz] = translation;
  const dt = Number.isFinite(h.pixdim[4]) && h.pixdim[4] > 0 ? h.pixdim[4] : 1;
  const toffset = Number.isFinite(h.toffset) ? h.toffset : 0;
  const geometry: Partial<Geometry> = p.keepT
    ? { spacing: [dt, spacing[2], spacing[1], spacing[0]], origin: [toffset + p.t0 * dt, tz, ty, tx], direction }
    : { spacing: [spacing[2], spacing[1], spacing[0]], origin: [tz, ty, tx], direction };
  if (h.calMax > h.calMin && Number.isFinite(h.calMax) && Number.isFinite(h.calMin)) {
    geometry.window = { center: (h.calMax + h.calMin) / 2, width: h.calMax - h.calMin };
  }
  const C = Math.max(p.nu, p.type.components);
  const channels = p.type.channels ?? (p.nu > 1 ? Array.from({ length: C }, (_, i) => `c${i + 1}`) : ['value']);
  const T = p.t1 - p.t0;
  return createField({
    axes: p.keepT ? ['t', 'z', 'y', 'x'] : ['z', 'y', 'x'],
    shape: p.keepT ? [T, p.nz, p.ny, p.nx] : [p.nz, p.ny, p.nx],
    channels,
    values,
    mask,
    dtype: p.type.name,
    geometry,
    provenance: {
      format: 'nifti',
      path,
      meta: {
        nifti: {
          header: h,
          version: h.version,
          datatype: p.type.name,
          affine: tf.affine,
          affineSource: tf.source,
          qformCode: h.qformCode,
          sformCode: h.sformCode,
          qform: tf.qform,
          sform: tf.sform,
          sclSlope: h.sclSlope,
          sclInter: h.sclInter,
          spaceUnit: SPACE_UNITS[h.xyztUnits & 7] ?? 'unknown',
          timeUnit: TIME_UNITS[h.xyztUnits & 0x38],
          timeRange: [p.t0, p.t1],
          warnings: tf.warnings,
        },
      },
    },
  });
}

/** Decode a NIfTI file held in memory (raw or gzipped). */
export function decodeNifti(bytes: Uint8Array, path = '<memory>', opts: NiftiReadOptions = {}): Field {
  try {
    const gz = isGzip(bytes);
    let head: Uint8Array;
    try {
      head = gz ? gunzipHead(bytes, HEADER_SIZE[2]) : bytes;
    } catch (err) {
      throw corrupt(`cannot inflate the gzip header (${err instanceof Error ? err.message : String(err)})`, path);
    }
    const h = decodeHeader(head, path);
    const plan = planVolume(h, opts, path);
    checkMemory(plan, bytes.length, gz, path);
    const data = gz ? gunzipAll(bytes, plan.voxOffset + plan.totalBytes + (1 << 20), path) : bytes;
    if (data.length < plan.voxOffset + plan.totalBytes) {
      throw corrupt(`file holds ${data.length} bytes, the header needs ${plan.voxOffset + plan.totalBytes}: truncated?`, path);
    }
    return buildField(h, plan, (o, n) => data.subarray(o, o + n), path);
  } catch (err) {
    throw asReadError(err, path, 'NIfTI');
  }
}

/**
 * Read a NIfTI file. Uncompressed files are read piecewise: the header first, then only the
 * voxels asked for; gzipped ones are inflated whole after their header was checked.
 */
export async function readNiftiFile(path: string, opts: NiftiReadOptions = {}): Promise<Field> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new InrError('E_NOT_FOUND', 'no such file', path);
    throw asReadError(err, path, 'NIfTI');
  }
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, 1024));
    readSync(fd, head, 0, head.length, 0);
    if (isGzip(head)) {
      // Check the header's claim before the compressed file is even read into memory (a
      // header that does not inflate from the first 64 KiB is left to decodeNifti's errors).
      const start = new Uint8Array(Math.min(size, 65536));
      readSync(fd, start, 0, start.length, 0);
      let inner: NiftiHeader | undefined;
      try {
        inner = decodeHeader(gunzipHead(start, HEADER_SIZE[2]), path);
      } catch {
        inner = undefined;
      }
      if (inner) checkMemory(planVolume(inner, opts, path), size, true, path);
      return decodeNifti(await readFile(path), path, opts);
    }
    const h = decodeHeader(head, path);
    const plan = planVolume(h, opts, path);
    checkMemory(plan, 0, false, path);
    if (size < plan.voxOffset + plan.totalBytes) {
      throw corrupt(`file holds ${size} bytes, the header needs ${plan.voxOffset + plan.totalBytes}: truncated?`, path);
    }
    const read: ByteRange = (offset, length) => {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const k = readSync(fd, buf, done, Math.min(length - done, 1 << 30), offset + done);
        if (k === 0) break;
        done += k;
      }
      return buf.subarray(0, done);
    };
    return buildField(h, plan, read, path);
  } catch (err) {
    throw asReadError(err, path, 'NIfTI');
  } finally {
    closeSync(fd);
  }
}
