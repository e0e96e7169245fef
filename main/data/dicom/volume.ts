/**
 * Volumes to Fields: decode every slice of a `DicomVolume`, apply the rescale of each slice,
 * and attach geometry, display window, units and the provenance a writer needs.
 *
 * Geometry (FORMATS §4.3.6), in DICOM patient space (LPS, mm):
 * - axes `z,y,x` (`frame,y,x` without positions, `y,x` for one image);
 * - spacing `[slice, row, column]`, in axis order like every Field;
 * - origin = ImagePositionPatient of the first slice, listed in axis order too: `[z, y, x]`
 *   (`[y, x]` for one image), as the other readers and writers list it; the full 3-vector of
 *   every slice is in `provenance.meta.positions`;
 * - direction = row-major 3×3 whose columns are the x (row cosine), y (column cosine) and
 *   slice directions.
 */
import { readFile } from 'node:fs/promises';
import { cancelled, InrError } from '../../core/errors';
import { createField, type Field, type Geometry } from '../../core/field';
import { decodeFrame, type PixelSource } from './decode';
import type { DicomInstance } from './header';
import { parseDicomBytes } from './parse';
import { ensureFits, fieldBytes } from '../../core/limits';
import { describeVolume, firstInstance, type DicomSeriesInfo, type DicomVolume, type SliceRef } from './series';
import { TAG } from './tags';

/** How a volume reader gets file bytes (from disk by default, from memory in tests). */
export type ByteLoader = (path: string) => Promise<Uint8Array>;

export interface ReadOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  load?: ByteLoader;
}

const loadFromDisk: ByteLoader = async (path) => {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new InrError(code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_CORRUPT', `cannot read file (${code ?? String(err)})`, path);
  }
};

/** Axes, shape, channels, dtype and geometry of a volume, known before any pixel is decoded. */
export interface VolumeLayout {
  axes: string[];
  shape: number[];
  channels: string[];
  dtype: string;
  units?: string;
  geometry: Geometry;
}

/** Output samples per pixel: 3 for colour and palette images. */
function outputSamples(inst: DicomInstance): number {
  const p = inst.pixels!;
  return p.samplesPerPixel === 3 || p.photometric === 'PALETTE COLOR' ? 3 : 1;
}

/** Storage type in the source: uint8…int32, float32/float64. */
function storageType(inst: DicomInstance): string {
  const p = inst.pixels!;
  if (p.pixelTag === TAG.FloatPixelData) return 'float32';
  if (p.pixelTag === TAG.DoubleFloatPixelData) return 'float64';
  if (p.photometric === 'PALETTE COLOR') return 'uint16';
  if (p.bitsAllocated === 1) return 'uint8';
  return `${p.pixelRepresentation === 1 ? 'int' : 'uint'}${p.bitsAllocated}`;
}

/** A patient-space position listed in axis order: `[z, y, x]`, or `[y, x]` for a 2-D image. */
function originInAxisOrder(p: readonly number[], twoD: boolean): number[] {
  return twoD ? [p[1], p[0]] : [p[2], p[1], p[0]];
}

/** Layout of the Field a volume becomes. */
export function volumeLayout(v: DicomVolume): VolumeLayout {
  const inst = firstInstance(v);
  const C = outputSamples(inst);
  const [r, c] = [v.orientation.slice(0, 3), v.orientation.slice(3, 6)];
  const z = v.sliceDirection;
  const direction = [r[0], c[0], z[0], r[1], c[1], z[1], r[2], c[2], z[2]];
  const [dy, dx] = v.pixelSpacing;
  const window = v.slots.find((s) => s?.window)?.window ?? inst.windows[0];
  const geometry: Geometry = {
    spacing: v.axis === 'none' ? [dy, dx] : [v.sliceSpacing, dy, dx],
    origin: originInAxisOrder(v.origin, v.axis === 'none'),
    direction,
    ...(window && C === 1 ? { window: { ...window } } : {}),
  };
  return {
    axes: v.axis === 'none' ? ['y', 'x'] : [v.axis, 'y', 'x'],
    shape: v.axis === 'none' ? [v.rows, v.columns] : [v.slots.length, v.rows, v.columns],
    channels: C === 3 ? ['R', 'G', 'B'] : ['value'],
    dtype: storageType(inst),
    units: C === 1 ? inst.units : undefined,
    geometry,
  };
}

/** Refuse volumes whose decode would not fit the memory limit, before allocating. */
function checkSize(v: DicomVolume, path: string): void {
  const C = outputSamples(firstInstance(v));
  const plane = v.rows * v.columns;
  const bytes = fieldBytes(plane * v.slots.length, C) + plane * 3 * 8;
  ensureFits(bytes, `the DICOM series claims ${v.columns}×${v.rows}×${v.slots.length}${C > 1 ? `×${C}` : ''} samples (columns × rows × slices${C > 1 ? ' × RGB' : ''})`, path);
}

/**
 * Each fragment of encapsulated pixel data holds data of one frame only (PS3.5 A.4): fewer
 * fragments than NumberOfFrames is a frame count the file cannot back. Checked on the first
 * file before the volume is allocated (the header scan stops before the pixel data).
 */
function checkFragments(src: PixelSource): void {
  const el = src.dataSet.elements[src.pixels.pixelTag];
  const fragments = el?.encapsulatedPixelData ? (el.fragments?.length ?? 0) : undefined;
  if (fragments !== undefined && fragments < src.pixels.frames) {
    throw new InrError('E_CORRUPT', `NumberOfFrames says ${src.pixels.frames} frames, the encapsulated pixel data hold ${fragments} fragment(s)`, src.path);
  }
}

/** Parses each file once while slices are read in order. */
class SourceCache {
  private path = '';
  private source: PixelSource | undefined;
  constructor(private readonly load: ByteLoader) {}

  async get(inst: DicomInstance): Promise<PixelSource> {
    if (this.source && this.path === inst.path) return this.source;
    const parsed = parseDicomBytes(await this.load(inst.path), inst.path);
    this.path = inst.path;
    this.source = { dataSet: parsed.dataSet, transferSyntax: parsed.transferSyntax, pixels: inst.pixels!, path: inst.path };
    return this.source;
  }
}

/**
 * Decode one slot into `values`/`mask` at sample offset `at`, applying its rescale; masks
 * padding pixels. Returns false when the slot is a gap.
 */
async function fillSlot(slot: SliceRef | null, cache: SourceCache, values: Float32Array, mask: Uint8Array | undefined, at: number, C: number): Promise<boolean> {
  if (!slot) return false;
  const src = await cache.get(slot.instance);
  const frame = await decodeFrame(src, slot.frame);
  const { slope, intercept } = C === 1 ? slot.rescale : { slope: 1, intercept: 0 };
  const pad = C === 1 ? slot.instance.pixels!.paddingValue : undefined;
  const v = frame.values;
  const n = v.length;
  const px = slot.instance.pixels!;
  if (frame.samples !== C || n !== px.rows * px.columns * C) {
    throw new InrError('E_CORRUPT', 'decoded slice does not match the series layout', slot.instance.path);
  }
  for (let i = 0; i < n; i++) values[at + i] = v[i] * slope + intercept;
  if (pad !== undefined && mask) {
    for (let i = 0; i < n; i++) if (v[i] === pad) mask[at / C + i] = 0;
  }
  return true;
}

/** Provenance metadata: what a writer needs to write the same kind of series back. */
function volumeMeta(v: DicomVolume, info: DicomSeriesInfo): Record<string, unknown> {
  const inst = firstInstance(v);
  const p = inst.pixels!;
  const real = v.slots.filter((s): s is SliceRef => s !== null);
  const r0 = real[0].rescale;
  return {
    volumeId: v.id,
    seriesInstanceUid: v.seriesUid,
    studyInstanceUid: inst.studyUid,
    frameOfReferenceUid: inst.frameOfReferenceUid,
    sopClassUid: inst.sopClassUid,
    modality: inst.modality,
    transferSyntax: inst.transferSyntax,
    tags: { ...inst.tags },
    rescale: { ...r0 },
    rescaleVaries: real.some((s) => s.rescale.slope !== r0.slope || s.rescale.intercept !== r0.intercept),
    bitsAllocated: p.bitsAllocated,
    bitsStored: p.bitsStored,
    pixelRepresentation: p.pixelRepresentation,
    photometric: p.photometric,
    pixelSpacing: [...v.pixelSpacing],
    sliceThickness: inst.sliceThickness,
    orientation: [...v.orientation],
    axis: v.axis,
    imagePositionPatient: [...v.origin],
    positions: v.slots.map((s) => (s?.position ? [...s.position] : null)),
    sopInstanceUids: v.slots.map((s) => (s ? s.instance.sopInstanceUid : null)),
    frames: v.slots.map((s) => (s ? s.frame : null)),
    windowPresets: inst.windows.map((w) => ({ ...w })),
    warnings: [...v.warnings],
    files: info.files,
  };
}

/** Decode a whole volume into a Field. */
export async function readVolume(v: DicomVolume, opts: ReadOptions = {}): Promise<Field> {
  const inst = firstInstance(v);
  checkSize(v, inst.path);
  const cache = new SourceCache(opts.load ?? loadFromDisk);
  const first = v.slots.find((s): s is SliceRef => s !== null);
  if (first) checkFragments(await cache.get(first.instance));
  const layout = volumeLayout(v);
  const C = layout.channels.length;
  const plane = v.rows * v.columns;
  const values = new Float32Array(plane * v.slots.length * C);
  const needsMask = v.slots.some((s) => s === null) || v.slots.some((s) => s?.instance.pixels?.paddingValue !== undefined);
  const mask = needsMask ? new Uint8Array(plane * v.slots.length).fill(1) : undefined;
  for (let k = 0; k < v.slots.length; k++) {
    if (opts.signal?.aborted) throw cancelled();
    const ok = await fillSlot(v.slots[k], cache, values, mask, k * plane * C, C);
    if (!ok && mask) mask.fill(0, k * plane, (k + 1) * plane);
    opts.onProgress?.((k + 1) / v.slots.length);
  }
  const info = describeVolume(v);
  return createField({
    ...layout,
    values,
    mask: mask && mask.includes(0) ? mask : undefined,
    provenance: { format: 'dicom', path: inst.path, meta: volumeMeta(v, info) },
  });
}

/** Decode slice `k` of a volume as a 2-D Field (`y,x`) placed at that slice's position. */
export async function readVolumeSlice(v: DicomVolume, k: number, opts: ReadOptions = {}): Promise<Field> {
  const inst = firstInstance(v);
  if (!Number.isInteger(k) || k < 0 || k >= v.slots.length) {
    throw new InrError('E_ARG', `slice ${k} out of range 0…${v.slots.length - 1}`, inst.path);
  }
  const layout = volumeLayout(v);
  const C = layout.channels.length;
  const plane = v.rows * v.columns;
  const values = new Float32Array(plane * C);
  const slot = v.slots[k];
  const mask = slot === null || slot.instance.pixels?.paddingValue !== undefined ? new Uint8Array(plane).fill(1) : undefined;
  const ok = await fillSlot(slot, new SourceCache(opts.load ?? loadFromDisk), values, mask, 0, C);
  if (!ok && mask) mask.fill(0);
  const step = v.axis === 'none' ? 0 : k * v.sliceSpacing;
  const origin = slot?.position ?? (v.origin.map((o, i) => o + step * v.sliceDirection[i]) as number[]);
  const info = describeVolume(v);
  return createField({
    axes: ['y', 'x'],
    shape: [v.rows, v.columns],
    channels: layout.channels,
    values,
    mask: mask && mask.includes(0) ? mask : undefined,
    dtype: layout.dtype,
    units: layout.units,
    geometry: {
      spacing: [...v.pixelSpacing],
      origin: originInAxisOrder(origin, true),
      direction: layout.geometry.direction,
      ...(slot?.window && C === 1 ? { window: { ...slot.window } } : layout.geometry.window ? { window: layout.geometry.window } : {}),
    },
    provenance: { format: 'dicom', path: slot?.instance.path ?? inst.path, meta: { ...volumeMeta(v, info), slice: k, imagePositionPatient: [...origin] } },
  });
}
