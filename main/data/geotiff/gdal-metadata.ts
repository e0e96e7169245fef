/**
 * GDAL's private TIFF tags (GDAL GTiff driver documentation, "Metadata" and "Nodata value"):
 * - GDAL_METADATA (42112): XML `<GDALMetadata><Item name="…" sample="0" role="…">v</Item>…`;
 *   items with a `sample` attribute belong to that band (0-based). Band names are
 *   `DESCRIPTION` (role `description`), scaling `SCALE`/`OFFSET` (roles `scale`/`offset`):
 *   physical value = raw × scale + offset.
 * - GDAL_NODATA (42113): one ASCII number for all bands, `nan` allowed.
 */

export interface GdalMetadata {
  /** Dataset-level items (no `sample` attribute). */
  dataset: Record<string, string>;
  /** Per-band items, index = sample. */
  bands: Array<Record<string, string>>;
}

/** The five predefined XML entities. */
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Resolve XML entities and character references. */
function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[e.toLowerCase()] ?? '';
  });
}

/** Escape text for an XML element or attribute. */
function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The value of attribute `name` in an element's attribute text. */
function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? unescapeXml(m[2] ?? m[3] ?? '') : undefined;
}

/** Parse GDAL_METADATA XML for `bands` samples. Unknown or malformed items are skipped. */
export function parseGdalMetadata(xml: string, bands: number): GdalMetadata {
  const out: GdalMetadata = { dataset: {}, bands: Array.from({ length: bands }, () => ({})) };
  const item = /<Item\b([^>]*)>([\s\S]*?)<\/Item>/g;
  let m: RegExpExecArray | null;
  while ((m = item.exec(xml)) !== null) {
    const name = attribute(m[1], 'name');
    if (!name) continue;
    const value = unescapeXml(m[2]);
    const sample = attribute(m[1], 'sample');
    if (sample === undefined) out.dataset[name] = value;
    else {
      const i = Number(sample);
      if (Number.isInteger(i) && i >= 0 && i < bands) out.bands[i][name] = value;
    }
  }
  return out;
}

/** Band names, scales and offsets out of parsed metadata (defaults: undefined, 1, 0). */
export function bandInfo(md: GdalMetadata | undefined, bands: number): { names: Array<string | undefined>; scales: number[]; offsets: number[] } {
  const num = (v: string | undefined, d: number): number => {
    const x = v === undefined || v.trim() === '' ? NaN : Number(v);
    return Number.isFinite(x) ? x : d;
  };
  const names: Array<string | undefined> = [];
  const scales: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < bands; i++) {
    const b = md?.bands[i] ?? {};
    const name = b.DESCRIPTION?.trim();
    names.push(name ? name : undefined);
    scales.push(num(b.SCALE, 1));
    offsets.push(num(b.OFFSET, 0));
  }
  return { names, scales, offsets };
}

/** GDAL_METADATA XML with band descriptions and, where not identity, scale and offset. */
export function formatGdalMetadata(names: Array<string | undefined>, scales?: number[], offsets?: number[]): string | undefined {
  const items: string[] = [];
  names.forEach((name, i) => {
    if (name) items.push(`  <Item name="DESCRIPTION" sample="${i}" role="description">${escapeXml(name)}</Item>`);
    const s = scales?.[i] ?? 1;
    const o = offsets?.[i] ?? 0;
    if (s !== 1 || o !== 0) {
      items.push(`  <Item name="OFFSET" sample="${i}" role="offset">${o}</Item>`);
      items.push(`  <Item name="SCALE" sample="${i}" role="scale">${s}</Item>`);
    }
  });
  return items.length ? `<GDALMetadata>\n${items.join('\n')}\n</GDALMetadata>\n` : undefined;
}

/** Parse GDAL_NODATA text: a number, `nan`, `inf`, `-inf`; null when it is none of these. */
export function parseNoData(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.replace(/\0/g, '').trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === '') return null;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

/** GDAL_NODATA text for a value (GDAL writes `nan` and shortest round-trip decimals). */
export function formatNoData(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}
