/**
 * What every mesh reader shares: growable typed arrays, fan triangulation of polygons, the
 * size check done before anything is allocated, and the final validation (non-empty, finite
 * vertices, indices inside the vertex list) that turns bad input into one-line errors.
 */
import { InrError } from '../../core/errors';
import type { TriMesh } from '../../mesh/trimesh';

/** Largest vertex or triangle count a mesh may declare (the indices are uint32). */
const MAX_ELEMENTS = 0xffffffff;

export class GrowF64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) this.grow(3);
    const d = this.data;
    d[this.length] = a;
    d[this.length + 1] = b;
    d[this.length + 2] = c;
    this.length += 3;
  }
  private grow(extra: number): void {
    const next = new Float64Array(Math.max(this.data.length * 2, this.length + extra));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  done(): Float64Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

export class GrowU32 {
  data: Uint32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint32Array(Math.max(16, capacity));
  }
  push3(a: number, b: number, c: number): void {
    if (this.length + 3 > this.data.length) {
      const next = new Uint32Array(Math.max(this.data.length * 2, this.length + 3));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    const d = this.data;
    d[this.length] = a;
    d[this.length + 1] = b;
    d[this.length + 2] = c;
    this.length += 3;
  }
  done(): Uint32Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
}

/**
 * Triangles of one polygon face, fanned from its first corner: (v0, v_i, v_{i+1}). Exact for
 * convex polygons, which is what OFF/PLY/OBJ quads and n-gons almost always are.
 * Returns false (and adds nothing) for a face of fewer than three corners.
 */
export function pushFan(out: GrowU32, corners: ArrayLike<number>, n: number): boolean {
  if (n < 3) return false;
  const v0 = corners[0];
  for (let i = 1; i + 1 < n; i++) out.push3(v0, corners[i], corners[i + 1]);
  return true;
}

function plural(what: string): string {
  return what.endsWith('ex') ? `${what.slice(0, -2)}ices` : `${what}s`;
}

/**
 * Refuse a header whose counts cannot fit in the file: `counts` elements of at least
 * `minBytes` each must fit in `available` bytes. Done before allocating, so a corrupt count
 * (say 4 billion vertices in a 1 kB file) costs nothing.
 */
export function checkCounts(path: string, format: string, available: number, items: Array<{ what: string; count: number; minBytes: number }>): void {
  let need = 0;
  for (const it of items) {
    if (!Number.isInteger(it.count) || it.count < 0) throw new InrError('E_CORRUPT', `${format}: bad ${it.what} count '${it.count}' in the header`, path);
    if (it.count > MAX_ELEMENTS)
      throw new InrError('E_TOO_LARGE', `${format}: the header announces ${it.count} ${plural(it.what)}, more than a mesh can index (${MAX_ELEMENTS})`, path);
    need += it.count * it.minBytes;
  }
  if (need > available) {
    const list = items.map((it) => `${it.count} ${plural(it.what)}`).join(' and ');
    throw new InrError(
      'E_CORRUPT',
      `${format}: the header announces ${list}, which need at least ${need} bytes, but only ${available} follow (truncated file or corrupt header)`,
      path,
    );
  }
}

/**
 * The last step of every reader: a non-empty mesh with finite vertices and triangles that index
 * only existing vertices. Throws one-line InrErrors naming the file.
 */
export function finishMesh(path: string, format: string, positions: Float64Array, triangles: Uint32Array, name: string, units?: string): TriMesh {
  const nv = positions.length / 3;
  const nt = triangles.length / 3;
  if (nv === 0) throw new InrError('E_DATA', `${format}: the mesh has no vertices`, path);
  if (nt === 0) throw new InrError('E_DATA', `${format}: the mesh has no faces (${nv} vertices only: a point cloud?)`, path);
  for (let i = 0; i < positions.length; i++) {
    if (!Number.isFinite(positions[i])) {
      const v = Math.floor(i / 3);
      throw new InrError('E_CORRUPT', `${format}: vertex ${v} has a non-finite coordinate (${positions[3 * v]}, ${positions[3 * v + 1]}, ${positions[3 * v + 2]})`, path);
    }
  }
  for (let i = 0; i < triangles.length; i++) {
    if (triangles[i] >= nv) throw new InrError('E_CORRUPT', `${format}: a face uses vertex ${triangles[i]} but the mesh has only ${nv} vertices (0…${nv - 1})`, path);
  }
  return { positions, triangles, name, units };
}

/** A whitespace-separated token as a finite-or-not number; NaN for anything unparsable. */
export function toNumber(token: string | undefined): number {
  if (token === undefined || token === '') return NaN;
  return Number(token);
}

const LENGTH_UNITS = new Set([
  'nm',
  'um',
  'µm',
  'mm',
  'cm',
  'dm',
  'm',
  'km',
  'in',
  'inch',
  'inches',
  'ft',
  'feet',
  'mil',
  'micron',
  'microns',
  'millimeter',
  'millimeters',
  'millimetre',
  'millimetres',
  'centimeter',
  'centimeters',
  'centimetre',
  'centimetres',
  'meter',
  'meters',
  'metre',
  'metres',
]);

/**
 * The length unit a comment states (`# units mm`, `comment units: m`, `units=mm`), recognised
 * only when it is a known length unit, so free text ("units are arbitrary") is not misread.
 */
export function unitsFromComment(text: string): string | undefined {
  for (const m of text.matchAll(/\bunits?\s*[:=]?\s*([A-Za-zµ]+)/gi)) if (LENGTH_UNITS.has(m[1].toLowerCase())) return m[1];
  return undefined;
}
