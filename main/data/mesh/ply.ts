/**
 * PLY (Stanford polygon format, G. Turk 1994): a text header `ply`, `format ascii|
 * binary_little_endian|binary_big_endian 1.0`, then `element <name> <count>` blocks each
 * followed by its `property <type> <name>` or `property list <count type> <item type> <name>`
 * lines, up to `end_header`. The body holds the elements in header order: whitespace-separated
 * numbers (ascii) or packed values (binary). We read the `vertex` element's x, y, z (any scalar
 * type) and the `face` element's `vertex_indices` (or `vertex_index`) list, fanning polygons
 * into triangles; every other element and property is skipped.
 */
import { InrError } from '../../core/errors';
import type { TriMesh } from '../../mesh/trimesh';
import { GrowU32, checkCounts, finishMesh, pushFan, toNumber, unitsFromComment } from './build';
import { TokenReader, decodeText } from './text';

type Scalar = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

const SCALARS: Record<string, Scalar> = {
  char: 'int8',
  int8: 'int8',
  uchar: 'uint8',
  uint8: 'uint8',
  short: 'int16',
  int16: 'int16',
  ushort: 'uint16',
  uint16: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  uint32: 'uint32',
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
};

const SIZE: Record<Scalar, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8 };

interface Property {
  name: string;
  type: Scalar;
  /** List properties: the type of the leading count. */
  countType?: Scalar;
}

interface Element {
  name: string;
  count: number;
  props: Property[];
}

interface Header {
  format: 'ascii' | 'binary_little_endian' | 'binary_big_endian';
  elements: Element[];
  /** Byte offset of the body. */
  bodyOffset: number;
  units?: string;
}

/** Read a scalar of `type` at `o`. */
function readScalar(dv: DataView, o: number, type: Scalar, le: boolean): number {
  switch (type) {
    case 'int8':
      return dv.getInt8(o);
    case 'uint8':
      return dv.getUint8(o);
    case 'int16':
      return dv.getInt16(o, le);
    case 'uint16':
      return dv.getUint16(o, le);
    case 'int32':
      return dv.getInt32(o, le);
    case 'uint32':
      return dv.getUint32(o, le);
    case 'float32':
      return dv.getFloat32(o, le);
    case 'float64':
      return dv.getFloat64(o, le);
  }
}

/** Find `end_header` and parse the lines before it. */
function parseHeader(bytes: Uint8Array, path: string): Header {
  // The header is ASCII; look for its end in the first 1 MB at most.
  const limit = Math.min(bytes.length, 1 << 20);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, limit));
  const m = /end_header[ \t]*\r?\n/.exec(head);
  if (!m) {
    throw new InrError('E_CORRUPT', bytes.length <= limit ? 'PLY: truncated header (no end_header line)' : 'PLY: no end_header in the first megabyte', path);
  }
  const bodyOffset = m.index + m[0].length;
  const lines = head.slice(0, m.index).split(/\r?\n/);
  if (lines[0].trim() !== 'ply') throw new InrError('E_CORRUPT', "PLY: the file does not start with 'ply'", path);
  let format: Header['format'] | undefined;
  let units: string | undefined;
  const elements: Element[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const t = line.split(/\s+/);
    const where = `header line ${i + 1}`;
    switch (t[0]) {
      case 'format':
        if (t[1] !== 'ascii' && t[1] !== 'binary_little_endian' && t[1] !== 'binary_big_endian') {
          throw new InrError('E_UNSUPPORTED', `PLY: unknown format '${t[1]}' (${where})`, path);
        }
        format = t[1];
        break;
      case 'comment':
      case 'obj_info':
        units ??= unitsFromComment(line.slice(t[0].length));
        break;
      case 'element': {
        const count = toNumber(t[2]);
        if (!t[1] || !Number.isInteger(count) || count < 0) throw new InrError('E_CORRUPT', `PLY: bad element line '${line.slice(0, 60)}' (${where})`, path);
        elements.push({ name: t[1], count, props: [] });
        break;
      }
      case 'property': {
        const el = elements[elements.length - 1];
        if (!el) throw new InrError('E_CORRUPT', `PLY: a property before any element (${where})`, path);
        if (t[1] === 'list') {
          const countType = SCALARS[t[2]];
          const type = SCALARS[t[3]];
          if (!countType || !type || !t[4]) throw new InrError('E_CORRUPT', `PLY: bad list property '${line.slice(0, 60)}' (${where})`, path);
          if (countType === 'float32' || countType === 'float64') throw new InrError('E_CORRUPT', `PLY: a list count cannot be a float (${where})`, path);
          el.props.push({ name: t[4], type, countType });
        } else {
          const type = SCALARS[t[1]];
          if (!type || !t[2]) throw new InrError('E_CORRUPT', `PLY: bad property '${line.slice(0, 60)}' (${where})`, path);
          el.props.push({ name: t[2], type });
        }
        break;
      }
      default:
        // Unknown header keywords are tolerated, as most PLY readers do.
        break;
    }
  }
  if (!format) throw new InrError('E_CORRUPT', 'PLY: the header has no format line', path);
  return { format, elements, bodyOffset, units };
}

interface Roles {
  vertex?: Element;
  face?: Element;
  /** Index of x, y, z among the vertex properties. */
  xyz: [number, number, number];
  /** Index of the face's index list among its properties. */
  list: number;
}

function roles(h: Header, path: string): Roles {
  const vertex = h.elements.find((e) => e.name === 'vertex');
  const face = h.elements.find((e) => e.name === 'face');
  if (!vertex) throw new InrError('E_DATA', 'PLY: no vertex element', path);
  const xyz = ['x', 'y', 'z'].map((n) => vertex.props.findIndex((p) => p.name === n && !p.countType)) as [number, number, number];
  if (xyz.some((i) => i < 0)) throw new InrError('E_CORRUPT', 'PLY: the vertex element has no scalar x, y and z properties', path);
  let list = -1;
  if (face) {
    list = face.props.findIndex((p) => p.countType && (p.name === 'vertex_indices' || p.name === 'vertex_index'));
    if (list < 0) list = face.props.findIndex((p) => p.countType !== undefined);
    if (list < 0) throw new InrError('E_CORRUPT', 'PLY: the face element has no vertex index list', path);
    const t = face.props[list].type;
    if (t === 'float32' || t === 'float64') throw new InrError('E_CORRUPT', 'PLY: face vertex indices are floats', path);
  }
  return { vertex, face, xyz, list };
}

export function parsePly(bytes: Uint8Array, path: string, name: string): TriMesh {
  const h = parseHeader(bytes, path);
  const r = roles(h, path);
  const available = bytes.length - h.bodyOffset;
  if (h.format === 'ascii') {
    // Each value takes at least one character and one separator.
    checkCounts(
      path,
      'PLY',
      available + 1,
      h.elements.map((e) => ({ what: e.name, count: e.count, minBytes: 2 * e.props.length })),
    );
    return readAscii(decodeText(bytes.subarray(h.bodyOffset)), h, r, path, name);
  }
  checkCounts(
    path,
    'PLY',
    available,
    h.elements.map((e) => ({ what: e.name, count: e.count, minBytes: e.props.reduce((s, p) => s + SIZE[p.countType ?? p.type], 0) })),
  );
  return readBinary(bytes, h, r, path, name);
}

function readAscii(body: string, h: Header, r: Roles, path: string, name: string): TriMesh {
  const tok = new TokenReader(body);
  const positions = new Float64Array(r.vertex!.count * 3);
  const tris = new GrowU32(Math.min(r.face?.count ?? 0, 1 << 24) * 3);
  const corners: number[] = [];
  const need = (el: Element, i: number): number => {
    const s = tok.next();
    if (s === undefined) throw new InrError('E_CORRUPT', `PLY: truncated: the header announces ${el.count} ${el.name} items, the file ends in item ${i}`, path);
    const v = toNumber(s);
    if (Number.isNaN(v) && !/^[+-]?nan$/i.test(s)) throw new InrError('E_CORRUPT', `PLY: '${s.slice(0, 20)}' in ${el.name} ${i} is not a number`, path);
    return v;
  };
  for (const el of h.elements) {
    for (let i = 0; i < el.count; i++) {
      for (let k = 0; k < el.props.length; k++) {
        const p = el.props[k];
        if (p.countType) {
          const n = need(el, i);
          if (!Number.isInteger(n) || n < 0) throw new InrError('E_CORRUPT', `PLY: bad list length '${n}' in ${el.name} ${i}`, path);
          const isFace = el === r.face && k === r.list;
          if (isFace) corners.length = 0;
          for (let j = 0; j < n; j++) {
            const v = need(el, i);
            if (isFace) corners.push(checkIndex(v, r.vertex!.count, i, path));
          }
          if (isFace) pushFan(tris, corners, n);
        } else {
          const v = need(el, i);
          if (el === r.vertex) {
            const a = r.xyz.indexOf(k);
            if (a >= 0) positions[3 * i + a] = v;
          }
        }
      }
    }
  }
  return finishMesh(path, 'PLY', positions, tris.done(), name, h.units);
}

function checkIndex(v: number, nv: number, face: number, path: string): number {
  if (!Number.isInteger(v) || v < 0 || v >= nv) throw new InrError('E_CORRUPT', `PLY: face ${face} uses vertex ${v} but the mesh has ${nv} vertices (0…${nv - 1})`, path);
  return v;
}

function readBinary(bytes: Uint8Array, h: Header, r: Roles, path: string, name: string): TriMesh {
  const le = h.format === 'binary_little_endian';
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength;
  let o = h.bodyOffset;
  const positions = new Float64Array(r.vertex!.count * 3);
  const tris = new GrowU32(Math.min(r.face?.count ?? 0, 1 << 24) * 3);
  const corners: number[] = [];
  const truncated = (el: Element, i: number) => new InrError('E_CORRUPT', `PLY: truncated: the header announces ${el.count} ${el.name} items, the file ends in item ${i}`, path);
  for (const el of h.elements) {
    const fixed = el.props.every((p) => !p.countType);
    if (fixed) {
      // Fixed-size records: the offsets of x, y, z inside a record are constant.
      const offs: number[] = [];
      let rec = 0;
      for (const p of el.props) {
        offs.push(rec);
        rec += SIZE[p.type];
      }
      if (o + rec * el.count > end) throw truncated(el, Math.floor((end - o) / Math.max(1, rec)));
      if (el === r.vertex) {
        const [ix, iy, iz] = r.xyz;
        const p = el.props;
        for (let i = 0; i < el.count; i++) {
          const b = o + i * rec;
          positions[3 * i] = readScalar(dv, b + offs[ix], p[ix].type, le);
          positions[3 * i + 1] = readScalar(dv, b + offs[iy], p[iy].type, le);
          positions[3 * i + 2] = readScalar(dv, b + offs[iz], p[iz].type, le);
        }
      }
      o += rec * el.count;
      continue;
    }
    for (let i = 0; i < el.count; i++) {
      for (let k = 0; k < el.props.length; k++) {
        const p = el.props[k];
        if (p.countType) {
          if (o + SIZE[p.countType] > end) throw truncated(el, i);
          const n = readScalar(dv, o, p.countType, le);
          o += SIZE[p.countType];
          if (n < 0) throw new InrError('E_CORRUPT', `PLY: negative list length in ${el.name} ${i}`, path);
          const size = SIZE[p.type];
          if (o + n * size > end) throw truncated(el, i);
          if (el === r.face && k === r.list) {
            corners.length = 0;
            for (let j = 0; j < n; j++) corners.push(checkIndex(readScalar(dv, o + j * size, p.type, le), r.vertex!.count, i, path));
            pushFan(tris, corners, n);
          }
          o += n * size;
        } else {
          const size = SIZE[p.type];
          if (o + size > end) throw truncated(el, i);
          if (el === r.vertex) {
            const a = r.xyz.indexOf(k);
            if (a >= 0) positions[3 * i + a] = readScalar(dv, o, p.type, le);
          }
          o += size;
        }
      }
    }
  }
  return finishMesh(path, 'PLY', positions, tris.done(), name, h.units);
}
