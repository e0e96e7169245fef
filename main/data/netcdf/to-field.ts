/**
 * From an opened NetCDF dataset to a `Field`: pick the variable, apply the `index` selection,
 * read that hyperslab only, CF-decode it, and attach the coordinate variables of its axes.
 *
 * - Default variable: the largest numeric non-coordinate variable with ≥ 2 dimensions (first on
 *   ties), never a coordinate variable (CF §1.3: a 1-D variable named like its dimension), a
 *   `bounds` variable or an auxiliary coordinate named in a `coordinates` attribute.
 * - `index`: per dimension name, an index (the axis is dropped from the Field) or a [start, end)
 *   range (the axis is kept, shortened).
 * - Geometry: coordinate values (scale/offset applied) and units per kept axis; CF time axes also
 *   get ISO strings (cf-time.ts); origin/spacing come from regular coordinates, index space
 *   (origin 0, spacing 1) otherwise.
 */
import { InrError, cancelled } from '../../core/errors';
import { createField, type Field, type Geometry } from '../../core/field';
import type { DatasetListing, OpenOptions } from '../registry';
import { cfDecode, cfDecoding, cfUnpack } from './cf';
import { decodeTimes, isTimeUnits } from './cf-time';
import { ensureFits, formatBytes } from '../../core/limits';
import { FIELD_DTYPE, LIMITS, TYPE_SIZE, attrNumber, attrText, product, type NcAttributes, type NcDataset, type NcVariable } from './model';

const NUMERIC = new Set(['byte', 'short', 'int', 'float', 'double', 'ubyte', 'ushort', 'uint', 'int64', 'uint64']);

export function isCoordinateVariable(v: NcVariable): boolean {
  return v.dimensions.length === 1 && (v.dimensions[0] === v.name || v.name.endsWith(`/${v.dimensions[0]}`));
}

function isNumeric(v: NcVariable): boolean {
  return v.type !== undefined && NUMERIC.has(v.type);
}

/** Names other variables use as bounds, auxiliary coordinates or grid mappings. */
function ancillaryNames(ds: NcDataset): Set<string> {
  const names = new Set<string>();
  for (const v of ds.variables) {
    for (const key of ['bounds', 'coordinates', 'grid_mapping', 'ancillary_variables', 'climatology']) {
      for (const n of (attrText(v.attributes, key) ?? '').split(/[\s:]+/)) if (n) names.add(n);
    }
  }
  return names;
}

/** The variable to read: the named one, or the default choice. */
function chooseVariable(ds: NcDataset, name?: string, path?: string): NcVariable {
  if (name !== undefined) {
    const v = ds.variables.find((x) => x.name === name);
    if (!v) {
      const names = ds.variables.map((x) => x.name);
      throw new InrError('E_ARG', `no variable "${name}" (variables: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''})`, path);
    }
    if (!isNumeric(v)) throw new InrError('E_UNSUPPORTED', `variable "${name}" is ${v.type ?? 'of an unsupported HDF5 type'}, not numeric`, path);
    return v;
  }
  const ancillary = ancillaryNames(ds);
  const candidates = ds.variables.filter((v) => isNumeric(v) && !isCoordinateVariable(v) && !ancillary.has(v.name));
  const pick = (list: NcVariable[]): NcVariable | undefined =>
    list.reduce<NcVariable | undefined>((best, v) => (!best || product(v.shape) > product(best.shape) ? v : best), undefined);
  const chosen = pick(candidates.filter((v) => v.dimensions.length >= 2)) ?? pick(candidates.filter((v) => v.dimensions.length >= 1));
  if (!chosen) throw new InrError('E_DATA', 'the file holds no data variable (only coordinates or text)', path);
  return chosen;
}

export interface Selection {
  start: number[];
  count: number[];
  /** Indices (into the variable's dimensions) of the axes the Field keeps. */
  kept: number[];
}

/** Turn `OpenOptions.index` into a hyperslab of `v`, validating every entry. */
function selectionFor(v: NcVariable, index: OpenOptions['index'] = {}, path?: string): Selection {
  for (const dim of Object.keys(index)) {
    if (!v.dimensions.includes(dim)) {
      throw new InrError('E_ARG', `variable "${v.name}" has no dimension "${dim}" (it has ${v.dimensions.join(', ') || 'none'})`, path);
    }
  }
  const start: number[] = [];
  const count: number[] = [];
  const kept: number[] = [];
  v.dimensions.forEach((dim, i) => {
    const size = v.shape[i];
    const sel = index[dim];
    if (sel === undefined) {
      start.push(0);
      count.push(size);
      kept.push(i);
    } else if (typeof sel === 'number') {
      if (!Number.isInteger(sel) || sel < 0 || sel >= size) throw new InrError('E_ARG', `index ${sel} is outside dimension "${dim}" (0…${size - 1})`, path);
      start.push(sel);
      count.push(1);
    } else if (Array.isArray(sel) && sel.length === 2 && sel.every(Number.isInteger) && sel[0] >= 0 && sel[0] < sel[1] && sel[1] <= size) {
      start.push(sel[0]);
      count.push(sel[1] - sel[0]);
      kept.push(i);
    } else {
      throw new InrError('E_ARG', `range ${JSON.stringify(sel)} is not a [start, end) range within dimension "${dim}" (size ${size})`, path);
    }
  });
  return { start, count, kept };
}

interface AxisCoordinates {
  values: number[];
  units?: string;
  iso?: string[];
  note?: string;
  attributes: NcAttributes;
}

/**
 * The coordinate variable of dimension `dim` of `v`: in v's group, else in an enclosing group
 * (NetCDF-4 dimensions are visible in sub-groups; NUG "Groups").
 */
function coordinateVariable(ds: NcDataset, v: NcVariable, dim: string): NcVariable | undefined {
  const parts = v.name.split('/').slice(0, -1);
  for (let k = parts.length; k >= 0; k--) {
    const name = [...parts.slice(0, k), dim].join('/');
    const cv = ds.variables.find((x) => x.name === name && isCoordinateVariable(x) && isNumeric(x));
    if (cv) return cv;
  }
  return undefined;
}

/** The coordinate variable of a dimension, decoded over [start, start + count). */
async function readCoordinates(ds: NcDataset, v: NcVariable, dim: string, start: number, count: number): Promise<AxisCoordinates | undefined> {
  const cv = coordinateVariable(ds, v, dim);
  if (!cv || count > LIMITS.maxCoordinateValues) return undefined;
  const raw = await ds.read(cv, [start], [count]);
  if (raw.length !== count) return undefined;
  const values = cfUnpack(raw, cv.attributes);
  const units = attrText(cv.attributes, 'units');
  const out: AxisCoordinates = { values, units, attributes: cv.attributes };
  if (isTimeUnits(units)) {
    const t = decodeTimes(values, units as string, attrText(cv.attributes, 'calendar'));
    out.iso = t.iso;
    out.note = t.note;
  }
  return out;
}

/** Origin and spacing of regularly spaced coordinates (to 0.1 % of a step), else undefined. */
function regularSpacing(values: readonly number[]): { origin: number; spacing: number } | undefined {
  const n = values.length;
  if (n === 0 || !values.every(Number.isFinite)) return undefined;
  if (n === 1) return { origin: values[0], spacing: 1 };
  const step = (values[n - 1] - values[0]) / (n - 1);
  if (step === 0) return undefined;
  for (let i = 1; i < n; i++) if (Math.abs(values[i] - values[i - 1] - step) > 1e-3 * Math.abs(step)) return undefined;
  return { origin: values[0], spacing: step };
}

interface AxesGeometry {
  spacing: number[];
  origin: number[];
  coordinates: NonNullable<Geometry['coordinates']>;
  coordinateAttributes: Record<string, NcAttributes>;
  /** Per dimension the selection made: `{index, value, units, iso}` or `{start, end}`. */
  selection: Record<string, Record<string, unknown>>;
  irregular: string[];
  notes: string[];
}

/** Coordinates, origin and spacing of the kept axes; what was selected on every axis. */
async function axesGeometry(ds: NcDataset, v: NcVariable, sel: Selection): Promise<AxesGeometry> {
  const g: AxesGeometry = { spacing: [], origin: [], coordinates: {}, coordinateAttributes: {}, selection: {}, irregular: [], notes: [] };
  for (let i = 0; i < v.dimensions.length; i++) {
    const dim = v.dimensions[i];
    const c = await readCoordinates(ds, v, dim, sel.start[i], sel.count[i]);
    if (c) g.coordinateAttributes[dim] = c.attributes;
    if (c?.note) g.notes.push(`${dim}: ${c.note}`);
    if (!sel.kept.includes(i)) {
      const fixed: Record<string, unknown> = { index: sel.start[i] };
      if (c) fixed.value = c.values[0];
      if (c?.units !== undefined) fixed.units = c.units;
      if (c?.iso) fixed.iso = c.iso[0];
      g.selection[dim] = fixed;
      continue;
    }
    if (sel.count[i] !== v.shape[i]) g.selection[dim] = { start: sel.start[i], end: sel.start[i] + sel.count[i] };
    const regular = c ? regularSpacing(c.values) : undefined;
    if (c) {
      g.coordinates[dim] = { values: c.values, ...(c.units !== undefined ? { units: c.units } : {}), ...(c.iso ? { iso: c.iso } : {}) };
      if (!regular) g.irregular.push(dim);
    }
    g.origin.push(regular?.origin ?? 0);
    g.spacing.push(regular?.spacing ?? 1);
  }
  return g;
}

/** Read the variable chosen by `opts` into a Field. */
export async function readField(ds: NcDataset, path: string, opts: OpenOptions = {}): Promise<Field> {
  const v = chooseVariable(ds, opts.variable, path);
  const sel = selectionFor(v, opts.index, path);
  const n = product(sel.count);
  if (n === 0) throw new InrError('E_DATA', `variable "${v.name}" holds no data (a dimension has length 0)`, path);
  // The raw values (twice for NetCDF-4: in the HDF5 worker's heap and as the copy handed over),
  // the Float32 values and the mask.
  const typeBytes = v.type ? TYPE_SIZE[v.type] : 8;
  const need = n * ((ds.formatLabel.includes('HDF5') ? 2 : 1) * typeBytes + 5);
  const dims = sel.count.map((c, i) => `${v.dimensions[i]} ${c}`).join(' × ');
  ensureFits(need, `the header gives variable "${v.name}" (${v.type ?? 'unknown type'}${dims ? `, ${dims}` : ''}): ${n} values`, path);
  if (n * typeBytes > LIMITS.maxReadBytes) {
    throw new InrError(
      'E_TOO_LARGE',
      `variable "${v.name}" selects ${formatBytes(n * typeBytes)} of data, more than one read can hold (${formatBytes(LIMITS.maxReadBytes)}); choose a range with --index, e.g. one time step`,
      path,
    );
  }
  if (opts.signal?.aborted) throw cancelled();
  const raw = await ds.read(v, sel.start, sel.count);
  if (raw.length !== n) throw new InrError('E_CORRUPT', `variable "${v.name}": read ${raw.length} values, expected ${n}`, path);
  if (opts.signal?.aborted) throw cancelled();

  const decoding = cfDecoding(v.type as NonNullable<NcVariable['type']>, v.attributes);
  const { values, mask } = cfDecode(raw, decoding);
  const g = await axesGeometry(ds, v, sel);
  const notes = [...(ds.notes ?? []), ...g.notes];
  const scale = attrNumber(v.attributes, 'scale_factor');
  const offset = attrNumber(v.attributes, 'add_offset');
  return createField({
    axes: sel.kept.map((i) => v.dimensions[i]),
    shape: sel.kept.map((i) => sel.count[i]),
    channels: [v.name],
    values,
    mask,
    dtype: FIELD_DTYPE[decoding.storage],
    units: attrText(v.attributes, 'units'),
    geometry: { spacing: g.spacing, origin: g.origin, coordinates: g.coordinates },
    provenance: {
      format: 'netcdf',
      path,
      meta: {
        fileFormat: ds.formatLabel,
        variable: v.name,
        longName: attrText(v.attributes, 'long_name'),
        standardName: attrText(v.attributes, 'standard_name'),
        dimensions: v.dimensions,
        shape: v.shape,
        selection: g.selection,
        ...(scale !== undefined || offset !== undefined ? { packing: { scaleFactor: scale ?? 1, addOffset: offset ?? 0, storage: decoding.storage } } : {}),
        variableAttributes: v.attributes,
        coordinateAttributes: g.coordinateAttributes,
        globalAttributes: ds.attributes,
        ...(g.irregular.length ? { irregularAxes: g.irregular } : {}),
        ...(notes.length ? { notes } : {}),
      },
    },
  });
}

/** The variable picker's rows: name, dimensions, shape, units, long_name. */
export function listVariables(ds: NcDataset): DatasetListing {
  return {
    variables: ds.variables.map((v) => ({
      name: v.name,
      dimensions: v.dimensions,
      shape: v.shape,
      ...(attrText(v.attributes, 'units') !== undefined ? { units: attrText(v.attributes, 'units') } : {}),
      ...(attrText(v.attributes, 'long_name') !== undefined ? { longName: attrText(v.attributes, 'long_name') } : {}),
    })),
  };
}
