/**
 * Occupancy fields: a 0/1 grid as a `Field` the fitters take (axes z, y, x; one channel
 * `occupancy`; dtype `uint8`; geometry in the source's units; provenance format `occupancy`),
 * made from a voxelised mesh (voxelize.ts), from a CT/MR volume by a threshold (a value, or
 * Otsu's, iso-level.ts), or from a label map (labels ≥ 1, or a given set).
 */
import { InrError } from '../core/errors';
import { sampleCount, type Field } from '../core/field';
import { dimsText, ensureFits } from '../core/limits';
import { resampleGrid } from '../classical/resample';
import { cleanOccupancy } from './cleanup';
import { finiteSpan, otsuLevel } from './iso-level';
import type { OccupancyGrid, VoxelizeStats } from './voxelize';

const OCCUPANCY_CHANNEL = 'occupancy';

/** A voxelised mesh as a Field. `path` is the mesh file (provenance). */
export function occupancyField(grid: OccupancyGrid, path: string, meta: { stats?: VoxelizeStats; format?: string } = {}): Field {
  const values = new Float32Array(grid.data.length);
  for (let i = 0; i < values.length; i++) values[i] = grid.data[i];
  return {
    axes: ['z', 'y', 'x'],
    shape: [...grid.shape],
    channels: [OCCUPANCY_CHANNEL],
    values,
    dtype: 'uint8',
    geometry: { spacing: [...grid.spacing], origin: [...grid.origin] },
    units: grid.units,
    provenance: {
      format: 'occupancy',
      path,
      meta: { source: grid.name, sourceFormat: meta.format, rule: 'inside the mesh (ray-parity vote, winding numbers where undecided)', voxelize: meta.stats },
    },
  };
}

/** The 0/1 values of an occupancy Field (channel 0 ≥ ½) as bytes. */
export function occupancyBytes(field: Field): Uint8Array {
  const C = field.channels.length;
  const n = sampleCount(field.shape);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = field.values[i * C] >= 0.5 ? 1 : 0;
  return out;
}

export type ThresholdRule = { threshold: number | 'otsu' } | { labels: 'positive' | readonly number[] };

function singleChannel(field: Field, what: string): void {
  if (field.channels.length !== 1)
    throw new InrError('E_DATA', `${what} needs a single-channel volume, this one has ${field.channels.length} channels (${field.channels.join(', ')})`, field.provenance.path);
  if (field.shape.length !== 3)
    throw new InrError('E_DATA', `${what} needs a 3-D volume, this one has ${field.shape.length} axes (${field.axes.join(', ')})`, field.provenance.path);
}

/**
 * Occupancy of a volume: `value ≥ threshold` (a number, or Otsu's threshold over the finite
 * samples), or `round(value) ∈ labels` (labels: every label ≥ 1, or a list). NaN and masked
 * samples are outside. The result keeps the source's shape, axes and geometry (direction too).
 */
export function occupancyFromVolume(field: Field, rule: ThresholdRule): { field: Field; threshold?: number; inside: number } {
  const what = 'threshold' in rule ? 'occupancy by threshold' : 'occupancy from labels';
  singleChannel(field, what);
  const src = field.values;
  const n = src.length;
  const mask = field.mask;
  const values = new Float32Array(n);
  let inside = 0;
  let threshold: number | undefined;
  let description: string;
  if ('threshold' in rule) {
    if (rule.threshold === 'otsu') {
      const span = finiteSpan(src);
      if (!span) throw new InrError('E_DATA', 'the volume has no finite sample to threshold', field.provenance.path);
      threshold = otsuLevel(src, 256, span);
      if (!(span.max > span.min)) throw new InrError('E_DATA', `the volume is constant (${span.min}): Otsu's threshold separates nothing`, field.provenance.path);
      description = `value ≥ ${threshold} (Otsu)`;
    } else {
      threshold = rule.threshold;
      if (!Number.isFinite(threshold)) throw new InrError('E_ARG', `the threshold must be a finite number, got ${threshold}`);
      description = `value ≥ ${threshold}`;
    }
    const t = threshold;
    for (let i = 0; i < n; i++) {
      const on = src[i] >= t && (!mask || mask[i] === 1) ? 1 : 0;
      values[i] = on;
      inside += on;
    }
  } else {
    const set = rule.labels === 'positive' ? undefined : new Set(rule.labels.map((l) => Math.round(l)));
    if (set && set.size === 0) throw new InrError('E_ARG', 'give at least one label');
    description = set ? `label ∈ {${[...set].join(', ')}}` : 'label ≥ 1';
    for (let i = 0; i < n; i++) {
      const v = src[i];
      const l = Math.round(v);
      const on = Number.isFinite(v) && (!mask || mask[i] === 1) && (set ? set.has(l) : l >= 1) ? 1 : 0;
      values[i] = on;
      inside += on;
    }
  }
  if (inside === 0) throw new InrError('E_DATA', `${what}: no voxel satisfies ${description}`, field.provenance.path);
  if (inside === n) throw new InrError('E_DATA', `${what}: every voxel satisfies ${description}; nothing is outside`, field.provenance.path);
  const out: Field = {
    axes: [...field.axes],
    shape: [...field.shape],
    channels: [OCCUPANCY_CHANNEL],
    values,
    dtype: 'uint8',
    geometry: { ...field.geometry, window: undefined },
    units: lengthUnitsOf(field),
    provenance: { format: 'occupancy', path: field.provenance.path, meta: { source: field.provenance.path, sourceFormat: field.provenance.format, rule: description, threshold } },
  };
  return { field: out, threshold, inside };
}

/**
 * A volume resampled to cubic voxels with `res` samples along its longest physical side (as a
 * mesh is voxelised at `--res`), before it is made occupancy: trilinear for intensities, so the
 * threshold's surface is that of the interpolated volume, nearest for label maps. The grid keeps
 * the first sample and the direction; along each axis it runs from the first sample in steps of
 * h = longest extent / (res − 1) and stops at the last sample inside the scanned range (no
 * extrapolation). A mask is carried by nearest sample.
 */
export function resampleVolume(field: Field, res: number, method: 'linear' | 'nearest'): Field {
  singleChannel(field, 'resampling a volume');
  if (!(Number.isInteger(res) && res >= 2)) throw new InrError('E_ARG', `the resolution must be an integer ≥ 2, got ${res}`);
  const sp = field.geometry.spacing.map((s) => (Number.isFinite(s) && s !== 0 ? s : 1));
  const extent = field.shape.map((L, a) => (L - 1) * Math.abs(sp[a]));
  const longest = Math.max(...extent);
  if (!(longest > 0)) throw new InrError('E_DATA', 'the volume has one sample along every axis; there is nothing to resample', field.provenance.path);
  const h = longest / (res - 1);
  const grids = field.shape.map((_, a) => ({ start: 0, step: h / Math.abs(sp[a]), count: Math.floor(extent[a] / h + 1e-9) + 1 }));
  const shape = grids.map((g) => g.count);
  const n = shape.reduce((x, y) => x * y, 1);
  // The resampled values (float32), one float64 line buffer per axis pass, and the occupancy after.
  ensureFits(n * 16, `a ${dimsText(shape)} grid (${res} samples along the longest side)`, field.provenance.path, 'to resample the volume');
  const values = resampleGrid(method, field.values, field.shape, 1, grids);
  let mask: Uint8Array | undefined;
  if (field.mask) {
    const m = resampleGrid('nearest', Float32Array.from(field.mask), field.shape, 1, grids);
    mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) mask[i] = m[i] >= 0.5 ? 1 : 0;
  }
  return {
    ...field,
    shape,
    values,
    mask,
    dtype: method === 'linear' ? 'float32' : field.dtype,
    geometry: { ...field.geometry, spacing: sp.map((s) => Math.sign(s) * h) },
  };
}

/** How a volume becomes occupancy: the CLI's `--res`, `--threshold`/`--labels`, `--smooth`, `--islands`, `--fill`. */
export interface VolumeOccupancyOptions {
  /** A value, or 'otsu' (the default when no labels are given). */
  threshold?: number | 'otsu';
  /** A label map's labels: every label ≥ 1, or a list. */
  labels?: 'positive' | number[];
  /** Resample first to cubic voxels, this many along the longest side. */
  res?: number;
  /** Smooth by a Gaussian of this σ in the volume's length units (cleanup.ts). */
  smooth?: number;
  /** Keep this many of the largest pieces (cleanup.ts). */
  islands?: number;
  /** Fill the holes slice by slice (cleanup.ts). */
  fill?: boolean;
}

/**
 * A volume made occupancy in the order the options read: resampled (trilinear; a label map by
 * nearest sample), thresholded or selected by label, then cleaned. `rule` says each step in
 * words (the CLI's report, the dataset's provenance `meta.rule`).
 */
export function volumeOccupancy(source: Field, opts: VolumeOccupancyOptions): { field: Field; rule: string; threshold?: number } {
  if (opts.threshold !== undefined && opts.labels !== undefined) throw new InrError('E_ARG', 'give a threshold or labels, not both');
  const byLabel = opts.labels !== undefined;
  const volume = opts.res !== undefined ? resampleVolume(source, opts.res, byLabel ? 'nearest' : 'linear') : source;
  const r = occupancyFromVolume(volume, byLabel ? { labels: opts.labels! } : { threshold: opts.threshold ?? 'otsu' });
  let field = r.field;
  let rule = byLabel
    ? `labels ${opts.labels === 'positive' ? '≥ 1' : opts.labels!.join(',')}`
    : `value ≥ ${Number(r.threshold!.toPrecision(6))}${opts.threshold === undefined || opts.threshold === 'otsu' ? ' (Otsu)' : ''}`;
  if (opts.res !== undefined) rule += `, resampled ${byLabel ? 'by nearest sample' : 'trilinearly'} to ${field.shape.join('×')} (${opts.res} along the longest side)`;
  if (opts.smooth !== undefined || opts.islands !== undefined || opts.fill) {
    const c = cleanOccupancy(field, { smooth: opts.smooth, islands: opts.islands, fill: opts.fill });
    field = c.field;
    if (opts.smooth !== undefined)
      rule += `, smoothed by a Gaussian of σ ${opts.smooth}${field.units ? ` ${field.units}` : ''} (${c.smoothAdded} voxels added, ${c.smoothRemoved} dropped)`;
    if (opts.islands !== undefined) rule += `, the ${opts.islands === 1 ? 'largest piece' : `${opts.islands} largest pieces`} of ${c.pieces} (${c.removed} voxels dropped)`;
    if (opts.fill) rule += `, holes filled slice by slice (${c.filled} voxels added)`;
  }
  field = { ...field, provenance: { ...field.provenance, meta: { ...field.provenance.meta, rule } } };
  return { field, rule, threshold: r.threshold };
}

/**
 * The length unit of a volume's geometry: NIfTI states it (xyzt_units: m, mm, um; unknown is
 * taken as mm, as most tools do), DICOM positions are in mm; other sources: unknown.
 */
function lengthUnitsOf(field: Field): string | undefined {
  const f = field.provenance.format.toLowerCase();
  if (f.startsWith('dicom')) return 'mm';
  if (f === 'nifti') {
    const u = (field.provenance.meta?.nifti as { spaceUnit?: string } | undefined)?.spaceUnit;
    return u && u !== 'unknown' ? u : 'mm';
  }
  return undefined;
}
