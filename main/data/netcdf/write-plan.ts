/**
 * What to write for a Field, independent of the container (classic or NetCDF-4): CF-1.8
 * content as FORMATS.md §6.5 lists it.
 *
 * - One dimension per axis, each with a coordinate variable (CF §1.3, §4): the Field's
 *   `geometry.coordinates` when they match the axis, times rebuilt from ISO strings when only
 *   those are usable, else `origin + i · spacing`. Coordinate attributes of a NetCDF source
 *   (long_name, standard_name, axis, positive, calendar) are carried over.
 * - One data variable per channel, float by default, with `units`, `long_name`,
 *   `standard_name`, `_FillValue` (NetCDF's default float fill) where samples are masked or NaN.
 * - Axes the source selection dropped (one level, one time) come back as scalar coordinate
 *   variables named in the data variable's `coordinates` attribute (CF §5.7).
 * - Global attributes: those of a NetCDF source, `Conventions = "CF-1.8"`, a `history` line
 *   naming INR Studio prepended to the old history (NUG "Attribute Conventions"), and the source
 *   format and file name.
 */
import { basename } from 'node:path';
import { InrError } from '../../core/errors';
import { sampleCount, type Field } from '../../core/field';
import { DEFAULT_FILL } from './cf';
import { isTimeUnits, isoToUnixMs } from './cf-time';
import type { PlannedVariable, WritePlan } from './hdf5-protocol';
import type { NcAttribute, NcAttributes, NcDimension } from './model';

export interface NetcdfWriteOptions {
  /** Storage type of the data variables. Default `float` (exact for Field values). */
  type?: 'float' | 'double';
  /** Extra global attributes (title, institution, …). */
  attributes?: Record<string, string | number | number[]>;
  /** What the history line says was done. Default: "written from <source file>". */
  history?: string;
}

/** Variable attributes of a source worth keeping; packing and masking ones never are. */
const KEPT_VARIABLE_ATTRIBUTES = ['long_name', 'standard_name', 'cell_methods', 'comment', 'description', 'source', 'references'];
const KEPT_COORDINATE_ATTRIBUTES = ['long_name', 'standard_name', 'axis', 'positive', 'calendar'];
const DROPPED_GLOBAL_ATTRIBUTES = new Set([
  'Conventions',
  'history',
  '_NCProperties',
  '_Format',
  '_IsNetcdf4',
  '_SuperblockVersion',
  'inr_studio_source_format',
  'inr_studio_source_file',
]);

/**
 * A valid, unique NetCDF name (NUG "Names": no '/', no control characters, no trailing space,
 * starting with a letter, digit, underscore or non-ASCII character).
 */
function safeName(raw: string, taken: Set<string>): string {
  // eslint-disable-next-line no-control-regex -- control characters are what a NetCDF name must not hold
  let name = raw.replace(/[\u0000-\u001f\u007f/]/g, '_').replace(/\s+$/, '');
  if (!/^[\p{L}\p{N}_]/u.test(name)) name = `v_${name}`;
  let unique = name;
  for (let k = 2; taken.has(unique); k++) unique = `${name}_${k}`;
  taken.add(unique);
  return unique;
}

interface SourceMeta {
  variable?: string;
  variableAttributes?: NcAttributes;
  coordinateAttributes?: Record<string, NcAttributes>;
  globalAttributes?: NcAttributes;
  selection?: Record<string, { index?: number; value?: number; units?: string; iso?: string }>;
}

function pick(attrs: NcAttributes | undefined, names: string[]): NcAttributes {
  const out: NcAttributes = {};
  for (const n of names) if (attrs?.[n]) out[n] = attrs[n];
  return out;
}

function text(value: string): NcAttribute {
  return { type: 'char', value };
}

/** Coordinate values and attributes for axis `i` of the field. */
function axisCoordinates(field: Field, i: number, meta: SourceMeta): { values: Float64Array; attributes: NcAttributes } {
  const axis = field.axes[i];
  const n = field.shape[i];
  const c = field.geometry.coordinates?.[axis];
  const attributes = pick(meta.coordinateAttributes?.[axis], KEPT_COORDINATE_ATTRIBUTES);
  const valuesOk = c?.values.length === n && c.values.every(Number.isFinite);
  const isoOk = c?.iso?.length === n && c.iso.every((s) => Number.isFinite(isoToUnixMs(s)));
  if (c && isoOk && !(valuesOk && isTimeUnits(c.units))) {
    // Dates without usable numbers: store them as seconds since 1970 (proleptic Gregorian).
    attributes.units = text('seconds since 1970-01-01 00:00:00');
    attributes.calendar = text('proleptic_gregorian');
    return { values: Float64Array.from(c.iso as string[], (s) => isoToUnixMs(s) / 1000), attributes };
  }
  if (c && valuesOk) {
    if (c.units) attributes.units = text(c.units);
    return { values: Float64Array.from(c.values), attributes };
  }
  const o = field.geometry.origin[i] ?? 0;
  const s = field.geometry.spacing[i] ?? 1;
  if (c?.units) attributes.units = text(c.units);
  return { values: Float64Array.from({ length: n }, (_, k) => o + k * s), attributes };
}

/** Build the write plan of a Field. */
export function planFromField(field: Field, opts: NetcdfWriteOptions = {}): WritePlan {
  const n = sampleCount(field.shape);
  if (n === 0) throw new InrError('E_ARG', 'cannot write an empty field');
  if (field.axes.length !== field.shape.length) throw new InrError('E_ARG', 'field axes and shape disagree');
  const meta: SourceMeta = field.provenance.format === 'netcdf' ? ((field.provenance.meta ?? {}) as SourceMeta) : {};
  const taken = new Set<string>();
  const dimensions: NcDimension[] = [];
  const variables: PlannedVariable[] = [];

  // Dimensions and their coordinate variables.
  const dimNames = field.axes.map((axis, i) => {
    const name = safeName(axis, taken);
    dimensions.push({ name, size: field.shape[i] });
    const { values, attributes } = axisCoordinates(field, i, meta);
    variables.push({ name, dimensions: [name], type: 'double', attributes, data: values });
    return name;
  });

  // Scalar coordinates of the axes the source selection dropped.
  const scalars: string[] = [];
  for (const [dim, s] of Object.entries(meta.selection ?? {})) {
    if (s.index === undefined || typeof s.value !== 'number' || field.axes.includes(dim)) continue;
    const name = safeName(dim, taken);
    const attributes = pick(meta.coordinateAttributes?.[dim], KEPT_COORDINATE_ATTRIBUTES);
    if (s.units) attributes.units = text(s.units);
    variables.push({ name, dimensions: [], type: 'double', attributes, data: Float64Array.of(s.value) });
    scalars.push(name);
  }

  // One data variable per channel.
  const C = field.channels.length;
  const type = opts.type ?? 'float';
  const fill = DEFAULT_FILL[type] as number;
  field.channels.forEach((channel, c) => {
    const data = type === 'float' ? new Float32Array(n) : new Float64Array(n);
    let filled = 0;
    for (let i = 0; i < n; i++) {
      const v = field.values[i * C + c];
      if ((field.mask && !field.mask[i]) || Number.isNaN(v)) {
        data[i] = fill;
        filled++;
      } else data[i] = v;
    }
    const fromSource = C === 1 || channel === meta.variable;
    const attributes: NcAttributes = fromSource ? pick(meta.variableAttributes, KEPT_VARIABLE_ATTRIBUTES) : {};
    if (!attributes.long_name) attributes.long_name = text(channel);
    if (field.units) attributes.units = text(field.units);
    if (filled > 0) attributes._FillValue = { type, value: [fill] };
    if (scalars.length) attributes.coordinates = text(scalars.join(' '));
    variables.push({ name: safeName(channel, taken), dimensions: dimNames, type, attributes, data });
  });

  return { dimensions, variables, attributes: globalAttributes(field, meta, opts) };
}

function globalAttributes(field: Field, meta: SourceMeta, opts: NetcdfWriteOptions): NcAttributes {
  const out: NcAttributes = {};
  for (const [k, a] of Object.entries(meta.globalAttributes ?? {})) if (!DROPPED_GLOBAL_ATTRIBUTES.has(k)) out[k] = a;
  out.Conventions = text('CF-1.8');
  const source = field.provenance.path ? basename(field.provenance.path) : undefined;
  const line = `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} INR Studio: ${opts.history ?? `written from ${source ?? 'memory'} (${field.provenance.format})`}`;
  const old = meta.globalAttributes?.history?.value;
  out.history = text(typeof old === 'string' && old ? `${line}\n${old}` : line);
  out.inr_studio_source_format = text(field.provenance.format);
  // File names of medical sources may carry patient names: never write them.
  if (source && field.provenance.format !== 'dicom') out.inr_studio_source_file = text(source);
  for (const [k, v] of Object.entries(opts.attributes ?? {})) {
    out[k] = typeof v === 'string' ? text(v) : { type: 'double', value: Array.isArray(v) ? v : [v] };
  }
  return out;
}
