import { Tag } from './tags';

/**
 * GeoKeys: the GeoTIFF CRS description (OGC GeoTIFF 1.1, 19-008r4, §7.1.3 "GeoKeyDirectoryTag"
 * and Annex A key list). The directory is a SHORT array: a header (KeyDirectoryVersion 1,
 * KeyRevision 1, MinorRevision, NumberOfKeys), then per key (KeyID, TIFFTagLocation, Count,
 * ValueOffset). Location 0 means the value is the SHORT in ValueOffset; 34736 points into
 * GeoDoubleParams, 34737 into GeoAsciiParams (strings end with `|`).
 *
 * We keep the three tags raw, so that export writes exactly what came in (user-defined CRSs
 * live in the double and ASCII parameters), plus a decoded name → value view for display.
 */

type KeyType = 'short' | 'double' | 'ascii';

/** Key id → [name, value type], names as geotiff.js and libgeotiff spell them. */
const KEYS: Record<number, [string, KeyType]> = {
  1024: ['GTModelTypeGeoKey', 'short'],
  1025: ['GTRasterTypeGeoKey', 'short'],
  1026: ['GTCitationGeoKey', 'ascii'],
  2048: ['GeographicTypeGeoKey', 'short'],
  2049: ['GeogCitationGeoKey', 'ascii'],
  2050: ['GeogGeodeticDatumGeoKey', 'short'],
  2051: ['GeogPrimeMeridianGeoKey', 'short'],
  2052: ['GeogLinearUnitsGeoKey', 'short'],
  2053: ['GeogLinearUnitSizeGeoKey', 'double'],
  2054: ['GeogAngularUnitsGeoKey', 'short'],
  2055: ['GeogAngularUnitSizeGeoKey', 'double'],
  2056: ['GeogEllipsoidGeoKey', 'short'],
  2057: ['GeogSemiMajorAxisGeoKey', 'double'],
  2058: ['GeogSemiMinorAxisGeoKey', 'double'],
  2059: ['GeogInvFlatteningGeoKey', 'double'],
  2060: ['GeogAzimuthUnitsGeoKey', 'short'],
  2061: ['GeogPrimeMeridianLongGeoKey', 'double'],
  2062: ['GeogTOWGS84GeoKey', 'double'],
  3072: ['ProjectedCSTypeGeoKey', 'short'],
  3073: ['PCSCitationGeoKey', 'ascii'],
  3074: ['ProjectionGeoKey', 'short'],
  3075: ['ProjCoordTransGeoKey', 'short'],
  3076: ['ProjLinearUnitsGeoKey', 'short'],
  3077: ['ProjLinearUnitSizeGeoKey', 'double'],
  3078: ['ProjStdParallel1GeoKey', 'double'],
  3079: ['ProjStdParallel2GeoKey', 'double'],
  3080: ['ProjNatOriginLongGeoKey', 'double'],
  3081: ['ProjNatOriginLatGeoKey', 'double'],
  3082: ['ProjFalseEastingGeoKey', 'double'],
  3083: ['ProjFalseNorthingGeoKey', 'double'],
  3084: ['ProjFalseOriginLongGeoKey', 'double'],
  3085: ['ProjFalseOriginLatGeoKey', 'double'],
  3086: ['ProjFalseOriginEastingGeoKey', 'double'],
  3087: ['ProjFalseOriginNorthingGeoKey', 'double'],
  3088: ['ProjCenterLongGeoKey', 'double'],
  3089: ['ProjCenterLatGeoKey', 'double'],
  3090: ['ProjCenterEastingGeoKey', 'double'],
  3091: ['ProjCenterNorthingGeoKey', 'double'],
  3092: ['ProjScaleAtNatOriginGeoKey', 'double'],
  3093: ['ProjScaleAtCenterGeoKey', 'double'],
  3094: ['ProjAzimuthAngleGeoKey', 'double'],
  3095: ['ProjStraightVertPoleLongGeoKey', 'double'],
  3096: ['ProjRectifiedGridAngleGeoKey', 'double'],
  4096: ['VerticalCSTypeGeoKey', 'short'],
  4097: ['VerticalCitationGeoKey', 'ascii'],
  4098: ['VerticalDatumGeoKey', 'short'],
  4099: ['VerticalUnitsGeoKey', 'short'],
};

/** Key name → key id, the inverse of KEYS. */
const ID_BY_NAME: Record<string, number> = Object.fromEntries(Object.entries(KEYS).map(([id, [name]]) => [name, Number(id)]));

export type GeoKeyValue = number | number[] | string;

/** What `geometry.crs.geoKeys` holds for a GeoTIFF: the raw tags and their decoded view. */
export interface GeoKeysRecord {
  /** GeoKeyDirectoryTag (34735), verbatim. */
  directory: number[];
  /** GeoDoubleParamsTag (34736), verbatim. */
  doubleParams: number[];
  /** GeoAsciiParamsTag (34737), verbatim (without the final NUL). */
  asciiParams: string;
  /** Decoded keys by name (`ProjectedCSTypeGeoKey: 31985`, `GeogCitationGeoKey: '…'`). */
  keys: Record<string, GeoKeyValue>;
}

/** The user-defined sentinel of every GeoKey code (GeoTIFF 1.1 §7.5). */
const USER_DEFINED = 32767;

/**
 * Decode a GeoKey directory. Keys whose references fall outside the parameter tags are skipped
 * (a damaged key must not lose the rest); the raw arrays are kept whole either way.
 */
export function decodeGeoKeys(directory: number[], doubleParams: number[] = [], asciiParams = ''): GeoKeysRecord {
  const keys: Record<string, GeoKeyValue> = {};
  const n = directory.length >= 4 ? directory[3] : 0;
  for (let k = 0; k < n && 4 + 4 * k + 3 < directory.length; k++) {
    const [id, location, count, offset] = directory.slice(4 + 4 * k, 8 + 4 * k);
    const name = KEYS[id]?.[0] ?? `GeoKey${id}`;
    if (location === 0) keys[name] = offset;
    else if (location === Tag.GeoDoubleParams && offset + count <= doubleParams.length) {
      const v = doubleParams.slice(offset, offset + count);
      keys[name] = count === 1 ? v[0] : v;
    } else if (location === Tag.GeoAsciiParams && offset + count <= asciiParams.length + 1) {
      keys[name] = asciiParams.slice(offset, offset + count).replace(/\|$/, '');
    }
  }
  return { directory: [...directory], doubleParams: [...doubleParams], asciiParams, keys };
}

/**
 * Encode named keys as the three GeoTIFF tags (keys sorted by id, as §7.1.3 requires).
 * Used when a field carries a CRS but no raw directory (an EPSG code from another format).
 */
export function encodeGeoKeys(keys: Record<string, GeoKeyValue>): Pick<GeoKeysRecord, 'directory' | 'doubleParams' | 'asciiParams'> {
  const entries = Object.entries(keys)
    .map(([name, value]) => ({ id: ID_BY_NAME[name] ?? Number(/^GeoKey(\d+)$/.exec(name)?.[1]), value }))
    .filter((e) => Number.isInteger(e.id) && e.id > 0 && e.id < 65536)
    .sort((a, b) => a.id - b.id);
  const directory = [1, 1, 0, entries.length];
  const doubleParams: number[] = [];
  let asciiParams = '';
  for (const { id, value } of entries) {
    const type = KEYS[id]?.[1] ?? (typeof value === 'string' ? 'ascii' : Number.isInteger(value) && !Array.isArray(value) ? 'short' : 'double');
    if (type === 'ascii' || typeof value === 'string') {
      const text = `${String(value)}|`;
      directory.push(id, Tag.GeoAsciiParams, text.length, asciiParams.length);
      asciiParams += text;
    } else if (type === 'short' && typeof value === 'number') {
      directory.push(id, 0, 1, value & 0xffff);
    } else {
      const v = Array.isArray(value) ? value : [value];
      directory.push(id, Tag.GeoDoubleParams, v.length, doubleParams.length);
      doubleParams.push(...v);
    }
  }
  return { directory, doubleParams, asciiParams };
}

/**
 * GeoKeys for a bare EPSG code. Geographic 2-D CRSs sit in EPSG's 4000–4999 block (4326,
 * 4258, 4269…); everything else is taken as projected. Raster type is PixelIsArea.
 */
export function geoKeysForEpsg(epsg: number): Record<string, GeoKeyValue> {
  const geographic = epsg >= 4000 && epsg < 5000;
  return geographic ? { GTModelTypeGeoKey: 2, GTRasterTypeGeoKey: 1, GeographicTypeGeoKey: epsg } : { GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: epsg };
}

/** EPSG code of the CRS, when the keys name one (1024–32766); undefined for user-defined CRSs. */
export function epsgOf(keys: Record<string, GeoKeyValue>): number | undefined {
  const isCode = (v: unknown): v is number => typeof v === 'number' && v >= 1024 && v < USER_DEFINED;
  const model = keys.GTModelTypeGeoKey;
  if (model !== 2 && isCode(keys.ProjectedCSTypeGeoKey)) return keys.ProjectedCSTypeGeoKey;
  if (model === 2 || keys.ProjectedCSTypeGeoKey === undefined) {
    if (isCode(keys.GeographicTypeGeoKey)) return keys.GeographicTypeGeoKey;
  }
  return undefined;
}

/** A one-line description for display: the citation, else `EPSG:n`, else `user-defined`. */
export function describeCrs(keys: Record<string, GeoKeyValue>): string {
  const citation = [keys.GTCitationGeoKey, keys.PCSCitationGeoKey, keys.GeogCitationGeoKey].find((v) => typeof v === 'string' && v.length > 0 && v.toLowerCase() !== 'unknown');
  const epsg = epsgOf(keys);
  if (typeof citation === 'string') return epsg ? `${citation} (EPSG:${epsg})` : citation;
  if (epsg) return `EPSG:${epsg}`;
  return 'user-defined CRS';
}

/** PixelIsPoint raster space (GTRasterTypeGeoKey = 2, GeoTIFF 1.1 §7.2.2). */
export function isPixelIsPoint(keys: Record<string, GeoKeyValue> | undefined): boolean {
  return keys?.GTRasterTypeGeoKey === 2;
}

/** Validate something that claims to be a GeoKeysRecord (it may come from JSON). */
export function asGeoKeysRecord(v: unknown): GeoKeysRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<GeoKeysRecord>;
  const shorts = Array.isArray(r.directory) && r.directory.length >= 4 && r.directory.every((x) => Number.isInteger(x) && x >= 0 && x < 65536);
  if (!shorts) return undefined;
  return {
    directory: r.directory as number[],
    doubleParams: Array.isArray(r.doubleParams) ? r.doubleParams.filter((x): x is number => typeof x === 'number') : [],
    asciiParams: typeof r.asciiParams === 'string' ? r.asciiParams : '',
    keys: r.keys && typeof r.keys === 'object' ? (r.keys as Record<string, GeoKeyValue>) : {},
  };
}
