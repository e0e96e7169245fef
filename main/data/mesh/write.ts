/**
 * Mesh files out: binary little-endian PLY, binary STL, OBJ and OFF, written atomically (temp
 * file, then rename). The length unit travels in a comment (`comment units mm` in PLY,
 * `# units mm` in OBJ/OFF, `units=mm` in the STL header), which the readers pick up again.
 * Encoders are pure (mesh in, bytes out); `writeMesh` adds the file.
 */
import { extname } from 'node:path';
import { InrError } from '../../core/errors';
import { writeFileAtomic } from '../../core/atomic';
import type { TriMesh } from '../../mesh/trimesh';

export type MeshWriteFormat = 'ply' | 'stl' | 'obj' | 'off';
/** Every format `encodeMesh` writes. */
export const MESH_WRITE_FORMATS: readonly string[] = ['ply', 'stl', 'obj', 'off'] satisfies MeshWriteFormat[];

export interface MeshWriteOptions {
  /** PLY: store coordinates as float64 (`double`) instead of float32. Default false. */
  double?: boolean;
}

function safeComment(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

/** Binary little-endian PLY: `vertex` (x, y, z as float or double) and `face` (uchar count, uint indices). */
function encodePly(mesh: TriMesh, opts: MeshWriteOptions = {}): Uint8Array {
  const nv = mesh.positions.length / 3;
  const nt = mesh.triangles.length / 3;
  const type = opts.double ? 'double' : 'float';
  const lines = ['ply', 'format binary_little_endian 1.0', `comment written by INR Studio: ${safeComment(mesh.name)}`];
  if (mesh.units) lines.push(`comment units ${safeComment(mesh.units)}`);
  lines.push(
    `element vertex ${nv}`,
    `property ${type} x`,
    `property ${type} y`,
    `property ${type} z`,
    `element face ${nt}`,
    'property list uchar uint vertex_indices',
    'end_header',
    '',
  );
  const header = new TextEncoder().encode(lines.join('\n'));
  const vb = opts.double ? 24 : 12;
  const out = new Uint8Array(header.length + nv * vb + nt * 13);
  out.set(header);
  const dv = new DataView(out.buffer);
  let o = header.length;
  const p = mesh.positions;
  for (let i = 0; i < p.length; i++, o += vb / 3) {
    if (opts.double) dv.setFloat64(o, p[i], true);
    else dv.setFloat32(o, p[i], true);
  }
  const t = mesh.triangles;
  for (let i = 0; i < nt; i++) {
    dv.setUint8(o, 3);
    dv.setUint32(o + 1, t[3 * i], true);
    dv.setUint32(o + 5, t[3 * i + 1], true);
    dv.setUint32(o + 9, t[3 * i + 2], true);
    o += 13;
  }
  return out;
}

/** Binary STL: an 80-byte header naming the units, then per triangle its unit normal, corners and a zero attribute. */
function encodeStl(mesh: TriMesh): Uint8Array {
  const nt = mesh.triangles.length / 3;
  const out = new Uint8Array(84 + 50 * nt);
  const head = `INR Studio mesh${mesh.units ? ` units=${safeComment(mesh.units)}` : ''}`.slice(0, 80);
  // Never start the header with "solid": some readers then take the file for ASCII STL.
  for (let i = 0; i < head.length; i++) out[i] = head.charCodeAt(i) & 0x7f;
  const dv = new DataView(out.buffer);
  dv.setUint32(80, nt, true);
  const p = mesh.positions;
  const t = mesh.triangles;
  for (let i = 0; i < nt; i++) {
    const a = 3 * t[3 * i],
      b = 3 * t[3 * i + 1],
      c = 3 * t[3 * i + 2];
    const ux = p[b] - p[a],
      uy = p[b + 1] - p[a + 1],
      uz = p[b + 2] - p[a + 2];
    const wx = p[c] - p[a],
      wy = p[c + 1] - p[a + 1],
      wz = p[c + 2] - p[a + 2];
    let nx = uy * wz - uz * wy,
      ny = uz * wx - ux * wz,
      nz = ux * wy - uy * wx;
    const len = Math.hypot(nx, ny, nz);
    if (len > 0) {
      nx /= len;
      ny /= len;
      nz /= len;
    }
    const o = 84 + 50 * i;
    const vals = [nx, ny, nz, p[a], p[a + 1], p[a + 2], p[b], p[b + 1], p[b + 2], p[c], p[c + 1], p[c + 2]];
    for (let k = 0; k < 12; k++) dv.setFloat32(o + 4 * k, vals[k], true);
  }
  return out;
}

/** Build a text file from many small pieces without one giant string concatenation per line. */
function textChunks(write: (push: (s: string) => void) => void): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let buf: string[] = [];
  let len = 0;
  const push = (s: string) => {
    buf.push(s);
    len += s.length;
    if (len > 1 << 20) {
      parts.push(enc.encode(buf.join('')));
      buf = [];
      len = 0;
    }
  };
  write(push);
  parts.push(enc.encode(buf.join('')));
  const total = parts.reduce((n, x) => n + x.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

/** OBJ: `v x y z` (shortest round-trip decimal) and 1-based `f a b c`. */
function encodeObj(mesh: TriMesh): Uint8Array {
  return textChunks((push) => {
    push(`# written by INR Studio: ${safeComment(mesh.name)}\n`);
    if (mesh.units) push(`# units ${safeComment(mesh.units)}\n`);
    push(`o ${safeComment(mesh.name).replace(/\s+/g, '_') || 'mesh'}\n`);
    const p = mesh.positions;
    for (let i = 0; i < p.length; i += 3) push(`v ${p[i]} ${p[i + 1]} ${p[i + 2]}\n`);
    const t = mesh.triangles;
    for (let i = 0; i < t.length; i += 3) push(`f ${t[i] + 1} ${t[i + 1] + 1} ${t[i + 2] + 1}\n`);
  });
}

/** OFF: keyword, counts, vertices, `3 a b c` faces. */
function encodeOff(mesh: TriMesh): Uint8Array {
  return textChunks((push) => {
    push('OFF\n');
    push(`# written by INR Studio: ${safeComment(mesh.name)}\n`);
    if (mesh.units) push(`# units ${safeComment(mesh.units)}\n`);
    push(`${mesh.positions.length / 3} ${mesh.triangles.length / 3} 0\n`);
    const p = mesh.positions;
    for (let i = 0; i < p.length; i += 3) push(`${p[i]} ${p[i + 1]} ${p[i + 2]}\n`);
    const t = mesh.triangles;
    for (let i = 0; i < t.length; i += 3) push(`3 ${t[i]} ${t[i + 1]} ${t[i + 2]}\n`);
  });
}

function meshFormatOf(path: string): MeshWriteFormat {
  const ext = extname(path).toLowerCase().slice(1);
  if (MESH_WRITE_FORMATS.includes(ext)) return ext as MeshWriteFormat;
  throw new InrError('E_ARG', `cannot tell the mesh format from '${extname(path) || '(no extension)'}': use .ply, .stl, .obj or .off`, path);
}

export function encodeMesh(mesh: TriMesh, format: MeshWriteFormat, opts: MeshWriteOptions = {}): Uint8Array {
  switch (format) {
    case 'ply':
      return encodePly(mesh, opts);
    case 'stl':
      return encodeStl(mesh);
    case 'obj':
      return encodeObj(mesh);
    case 'off':
      return encodeOff(mesh);
  }
}

/** Write `mesh` to `path` atomically, in the format its extension names unless `format` is given. */
export function writeMesh(path: string, mesh: TriMesh, format: MeshWriteFormat = meshFormatOf(path), opts: MeshWriteOptions = {}): void {
  if (mesh.triangles.length === 0) throw new InrError('E_DATA', 'the mesh to write has no triangles', path);
  writeFileAtomic(path, encodeMesh(mesh, format, opts));
}
