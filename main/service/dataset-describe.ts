/**
 * What the UI is told about a dataset beyond its shape and statistics, read from the Field the
 * reader produced (its geometry and provenance) and, for NetCDF, from the file's other variables:
 *
 * - `fileFormat`: the detected format (`NetCDF classic (CDF-1)`, `GeoTIFF (LZW)`, `NIfTI-1
 *   (gzip)`), not the reader's list of formats;
 * - `axisUnits`: units of each axis's spacing and origin;
 * - `crs`: a short name, geographic or projected, and its units (GeoTIFF geokeys; NetCDF CF
 *   `grid_mapping`, CF §5.6);
 * - `display`: the file's display hints (NetCDF `display_scale`/`display_min`/`display_max`,
 *   NIfTI `cal_min`/`cal_max`);
 * - `latLon`: the 2-D latitude/longitude variables a NetCDF variable names in `coordinates`
 *   (CF §5.2), over the last two axes.
 */
import type { DatasetInfo, DisplayHint } from '../api/contract';
import type { Field } from '../core/field';
import { withNetcdfDataset } from '../data/netcdf/index';
import type { NcAttributes, NcVariable } from '../data/netcdf/model';

type Meta = Record<string, unknown>;
type Attr = { type?: string; value?: unknown };

/** Largest curvilinear grid whose latitude/longitude are sent to the UI. */
const MAX_LATLON = 4 * 2 ** 20;

const TIFF_COMPRESSION: Record<number, string> = {
  1: 'uncompressed',
  5: 'LZW',
  7: 'JPEG',
  8: 'Deflate',
  32946: 'Deflate',
  32773: 'PackBits',
  34887: 'LERC',
  50000: 'ZSTD',
  50001: 'WebP',
};
const DICOM_SYNTAX: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR LE',
  '1.2.840.10008.1.2.1': 'explicit VR LE',
  '1.2.840.10008.1.2.1.99': 'deflated',
  '1.2.840.10008.1.2.2': 'explicit VR BE',
  '1.2.840.10008.1.2.4.50': 'JPEG baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG extended',
  '1.2.840.10008.1.2.4.57': 'JPEG lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE',
};
/** Short names of the CRSs most data come in. */
const EPSG_NAMES: Record<number, string> = { 4326: 'WGS 84', 4269: 'NAD83', 4258: 'ETRS89', 3857: 'Web Mercator' };
/** EPSG linear unit codes of GeoTIFF's ProjLinearUnitsGeoKey. */
const LINEAR_UNITS: Record<number, string> = { 9001: 'm', 9002: 'ft', 9003: 'US ft', 9036: 'km' };

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function attrText(attrs: Record<string, Attr> | undefined, name: string): string | undefined {
  const a = attrs?.[name];
  if (!a) return undefined;
  return typeof a.value === 'string' ? str(a.value) : undefined;
}

function attrNumber(attrs: Record<string, Attr> | undefined, name: string): number | undefined {
  const v = attrs?.[name]?.value;
  const n = Array.isArray(v) || ArrayBuffer.isView(v) ? Number((v as ArrayLike<number>)[0]) : typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The detected format, in the words of the file (not the reader's list of what it handles). */
function fileFormatOf(field: Field): string | undefined {
  const meta = (field.provenance.meta ?? {}) as Meta;
  switch (field.provenance.format) {
    case 'netcdf':
      return str(meta.fileFormat) ?? 'NetCDF';
    case 'geotiff': {
      const geo = field.geometry.crs || field.geometry.geoTransform ? 'GeoTIFF' : 'TIFF';
      const comp = TIFF_COMPRESSION[Number(meta.compression)];
      const parts = [meta.bigTiff ? 'BigTIFF' : '', comp && comp !== 'uncompressed' ? comp : ''].filter(Boolean);
      return parts.length ? `${geo} (${parts.join(', ')})` : geo;
    }
    case 'nifti': {
      const n = (meta.nifti ?? {}) as Meta;
      const version = Number(n.version) === 2 ? 'NIfTI-2' : 'NIfTI-1';
      return /\.gz$/i.test(field.provenance.path) ? `${version} (gzip)` : version;
    }
    case 'dicom': {
      const syntax = DICOM_SYNTAX[String(meta.transferSyntax ?? '')];
      return syntax ? `DICOM (${syntax})` : 'DICOM';
    }
    case 'png':
      return 'PNG';
    case 'jpeg':
      return meta.progressive ? 'JPEG (progressive)' : 'JPEG';
    default:
      return undefined;
  }
}

interface GeoKeys {
  keys?: Record<string, unknown>;
}

/** A short name for a GeoTIFF CRS: `WGS 84`, `UTM 25S`, else the citation cut to its first part. */
function shortCrsName(crs: NonNullable<Field['geometry']['crs']>): string | undefined {
  const keys = ((crs.geoKeys ?? {}) as GeoKeys).keys ?? {};
  const text = [crs.description, str(keys.GTCitationGeoKey), str(keys.GeogCitationGeoKey)].filter((s): s is string => !!s);
  for (const t of text) {
    const utm = /UTM\s+zone\s+(\d{1,2})\s*,?\s*([NS])?(?:orthern|outhern)?\s*(Hemisphere)?/i.exec(t);
    if (utm) {
      const hemi = utm[2] ? utm[2].toUpperCase() : /south/i.test(t) ? 'S' : /north/i.test(t) ? 'N' : '';
      return `UTM ${utm[1]}${hemi}`;
    }
  }
  if (crs.epsg && EPSG_NAMES[crs.epsg]) return EPSG_NAMES[crs.epsg];
  const first = text.find((t) => !/^EPSG:\d+$/.test(t) && !/^unknown$/i.test(t));
  return first ? first.split(/[|(]/)[0].trim().slice(0, 32) || undefined : crs.epsg ? `EPSG:${crs.epsg}` : undefined;
}

/** The CRS as the UI states it: GeoTIFF geokeys (model type, linear or angular units). */
function geotiffCrs(field: Field): DatasetInfo['crs'] {
  const crs = field.geometry.crs;
  if (!crs) return undefined;
  const keys = ((crs.geoKeys ?? {}) as GeoKeys).keys ?? {};
  const model = Number(keys.GTModelTypeGeoKey);
  const kind = model === 2 ? 'geographic' : model === 1 ? 'projected' : crs.epsg === 4326 || crs.epsg === 4269 ? 'geographic' : undefined;
  const units = kind === 'geographic' ? 'degrees' : kind === 'projected' ? (LINEAR_UNITS[Number(keys.ProjLinearUnitsGeoKey)] ?? 'm') : undefined;
  return { epsg: crs.epsg, description: crs.description, name: shortCrsName(crs), kind, units };
}

/** Units of every axis (spacing and origin), '' where unknown. */
function axisUnitsOf(field: Field, crs: DatasetInfo['crs']): string[] | undefined {
  const d = field.shape.length;
  const meta = (field.provenance.meta ?? {}) as Meta;
  switch (field.provenance.format) {
    case 'netcdf':
      return field.axes.map((a) => field.geometry.coordinates?.[a]?.units ?? '');
    case 'geotiff':
      return crs?.units ? field.axes.map((_, k) => (k >= d - 2 ? crs.units! : '')) : undefined;
    case 'dicom':
      return field.axes.map((_, k) => (k >= d - 3 ? 'mm' : ''));
    case 'nifti': {
      const n = (meta.nifti ?? {}) as Meta;
      // NIfTI-1 xyzt_units: 'unknown' is read as millimetres, as ITK, FSL and SPM read it.
      const space = str(n.spaceUnit);
      const u = !space || space === 'unknown' ? 'mm' : space === 'micron' ? 'µm' : space === 'meter' ? 'm' : space;
      const time = str(n.timeUnit);
      return field.axes.map((_, k) => (k >= d - 3 ? u : time && time !== 'unknown' ? time : ''));
    }
    case 'occupancy':
      // The grid's length unit (a mesh's or the volume's): the values are 0 and 1, with no unit.
      return field.units ? field.axes.map(() => field.units!) : undefined;
    default:
      return undefined;
  }
}

/** The file's display hints: NetCDF display_scale/min/max, NIfTI cal_min/cal_max. */
function displayHintOf(field: Field): DisplayHint | undefined {
  const meta = (field.provenance.meta ?? {}) as Meta;
  const out: DisplayHint = {};
  if (field.provenance.format === 'netcdf') {
    const attrs = meta.variableAttributes as Record<string, Attr> | undefined;
    const scale = attrText(attrs, 'display_scale')?.toLowerCase();
    if (scale === 'log' || scale === 'logarithmic' || scale === 'log10') out.scale = 'log';
    else if (scale === 'linear') out.scale = 'linear';
    const lo = attrNumber(attrs, 'display_min');
    const hi = attrNumber(attrs, 'display_max');
    if (lo !== undefined && hi !== undefined && hi > lo) Object.assign(out, { min: lo, max: hi });
  } else if (field.provenance.format === 'nifti') {
    const h = (((meta.nifti ?? {}) as Meta).header ?? {}) as Meta;
    const lo = Number(h.calMin);
    const hi = Number(h.calMax);
    if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) Object.assign(out, { min: lo, max: hi });
  }
  return Object.keys(out).length ? out : undefined;
}

/** CF grid mapping names that are angles on the ellipsoid (CF Appendix F). */
const GEOGRAPHIC_MAPPINGS = new Set(['latitude_longitude', 'rotated_latitude_longitude']);

/** The name inside the first `"…"` of a WKT string: `PROJCS["NAD83 / UTM zone 10N", …` → that name. */
function wktName(wkt: string | undefined): string | undefined {
  const m = wkt ? /^\s*\w+\s*\[\s*"([^"]+)"/.exec(wkt) : null;
  return m ? m[1] : undefined;
}

function decodeNumbers(raw: ArrayLike<number | bigint>, attrs: NcAttributes): Float64Array {
  const scale = attrNumber(attrs as Record<string, Attr>, 'scale_factor') ?? 1;
  const offset = attrNumber(attrs as Record<string, Attr>, 'add_offset') ?? 0;
  const fill = attrNumber(attrs as Record<string, Attr>, '_FillValue');
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = Number(raw[i]);
    out[i] = fill !== undefined && v === fill ? NaN : v * scale + offset;
  }
  return out;
}

function isLatitude(v: NcVariable): boolean {
  const units = attrText(v.attributes as Record<string, Attr>, 'units') ?? '';
  const std = attrText(v.attributes as Record<string, Attr>, 'standard_name') ?? '';
  return std === 'latitude' || /^degrees?_?n(orth)?$/i.test(units);
}

function isLongitude(v: NcVariable): boolean {
  const units = attrText(v.attributes as Record<string, Attr>, 'units') ?? '';
  const std = attrText(v.attributes as Record<string, Attr>, 'standard_name') ?? '';
  return std === 'longitude' || /^degrees?_?e(ast)?$/i.test(units);
}

/**
 * NetCDF: the CRS of the variable's CF grid_mapping, and its 2-D latitude/longitude variables.
 * Reads only those variables' attributes and the lat/lon hyperslab of the opened grid.
 */
async function netcdfGeo(field: Field, signal?: AbortSignal): Promise<Pick<DatasetInfo, 'crs' | 'latLon'>> {
  if (field.provenance.format !== 'netcdf' || field.shape.length < 2) return {};
  const meta = (field.provenance.meta ?? {}) as Meta;
  const attrs = meta.variableAttributes as Record<string, Attr> | undefined;
  const gridMapping = attrText(attrs, 'grid_mapping')?.split(/[\s:]+/)[0];
  const coordNames = (attrText(attrs, 'coordinates') ?? '').split(/\s+/).filter(Boolean);
  if (!gridMapping && coordNames.length === 0) return {};
  const d = field.shape.length;
  const rowDim = field.axes[d - 2];
  const colDim = field.axes[d - 1];
  const selection = (meta.selection ?? {}) as Record<string, { start?: number }>;
  return withNetcdfDataset(field.provenance.path, async (ds) => {
    const out: Pick<DatasetInfo, 'crs' | 'latLon'> = {};
    const gm = gridMapping ? ds.variables.find((v) => v.name === gridMapping) : undefined;
    if (gm) {
      const a = gm.attributes as Record<string, Attr>;
      const mapping = attrText(a, 'grid_mapping_name');
      const epsgText = attrText(a, 'epsg_code') ?? attrText(a, 'EPSG_code');
      const epsg = epsgText ? Number(/(\d+)\s*$/.exec(epsgText)?.[1]) : undefined;
      const wkt = attrText(a, 'crs_wkt') ?? attrText(a, 'spatial_ref');
      const kind = mapping ? (GEOGRAPHIC_MAPPINGS.has(mapping) ? 'geographic' : 'projected') : undefined;
      const xUnits = field.geometry.coordinates?.[colDim]?.units;
      out.crs = {
        ...(epsg && Number.isFinite(epsg) ? { epsg } : {}),
        ...(wkt ? { description: wktName(wkt) ?? mapping } : mapping ? { description: mapping } : {}),
        name: wktName(wkt) ?? (epsg ? EPSG_NAMES[epsg] : undefined) ?? mapping ?? gridMapping,
        ...(kind ? { kind } : {}),
        ...(kind === 'geographic' ? { units: 'degrees' } : xUnits ? { units: xUnits } : {}),
      };
    }
    const n = field.shape[d - 2] * field.shape[d - 1];
    if (coordNames.length && n <= MAX_LATLON) {
      const two = coordNames
        .map((name) => ds.variables.find((v) => v.name === name))
        .filter((v): v is NcVariable => !!v && v.dimensions.length === 2 && v.dimensions[0] === rowDim && v.dimensions[1] === colDim);
      const lat = two.find(isLatitude);
      const lon = two.find(isLongitude);
      if (lat && lon && !signal?.aborted) {
        const start = [selection[rowDim]?.start ?? 0, selection[colDim]?.start ?? 0];
        const count = [field.shape[d - 2], field.shape[d - 1]];
        const latRaw = await ds.read(lat, start, count);
        const lonRaw = await ds.read(lon, start, count);
        out.latLon = { lat: decodeNumbers(latRaw as ArrayLike<number>, lat.attributes), lon: decodeNumbers(lonRaw as ArrayLike<number>, lon.attributes) };
      }
    }
    return out;
  });
}

/** Everything of this module for one opened field. Failures reading the extras never fail the open. */
export async function describeExtras(field: Field, signal?: AbortSignal): Promise<Pick<DatasetInfo, 'fileFormat' | 'axisUnits' | 'crs' | 'display' | 'latLon'>> {
  let crs = field.provenance.format === 'geotiff' ? geotiffCrs(field) : undefined;
  let latLon: DatasetInfo['latLon'];
  if (field.provenance.format === 'netcdf') {
    try {
      const geo = await netcdfGeo(field, signal);
      crs = geo.crs;
      latLon = geo.latLon;
    } catch {
      // The grid mapping and 2-D coordinates are extras: the dataset opens without them.
    }
  }
  const out: Pick<DatasetInfo, 'fileFormat' | 'axisUnits' | 'crs' | 'display' | 'latLon'> = {};
  const fileFormat = fileFormatOf(field);
  if (fileFormat) out.fileFormat = fileFormat;
  const axisUnits = axisUnitsOf(field, crs);
  if (axisUnits) out.axisUnits = axisUnits;
  if (crs) out.crs = crs;
  const display = displayHintOf(field);
  if (display) out.display = display;
  if (latLon) out.latLon = latLon;
  return out;
}
