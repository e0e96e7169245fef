/**
 * STL (stereolithography). Binary: an 80-byte header, a uint32 triangle count, then 50 bytes per
 * triangle (normal and three vertices as little-endian float32, a uint16 attribute). ASCII:
 * `solid name`, then `facet normal nx ny nz` / `outer loop` / `vertex x y z` … / `endloop` /
 * `endfacet` blocks, then `endsolid`. STL stores every triangle's corners separately; vertices
 * at exactly the same position are welded into one (weld.ts) so the mesh is indexed and its
 * topology can be checked. The stored normals are ignored: the winding defines the orientation.
 */
import { InrError } from '../../core/errors';
import type { TriMesh } from '../../mesh/trimesh';
import { GrowF64, GrowU32, checkCounts, finishMesh, pushFan, toNumber, unitsFromComment } from './build';
import { TokenReader } from './text';
import { weldExact } from './weld';

const STL_HEADER = 80;
const STL_RECORD = 50;

/** True when the bytes have exactly the size a binary STL's triangle count announces. */
export function isBinaryStlSize(head: Uint8Array, size: number): boolean {
  if (head.length < STL_HEADER + 4) return false;
  const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(STL_HEADER, true);
  return size === STL_HEADER + 4 + n * STL_RECORD;
}

export function parseBinaryStl(bytes: Uint8Array, path: string, name: string): TriMesh {
  if (bytes.length < STL_HEADER + 4) throw new InrError('E_CORRUPT', `STL: truncated: ${bytes.length} bytes, shorter than the 84-byte header`, path);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = dv.getUint32(STL_HEADER, true);
  checkCounts(path, 'STL', bytes.length - STL_HEADER - 4, [{ what: 'triangle', count: n, minBytes: STL_RECORD }]);
  const headerText = new TextDecoder('latin1').decode(bytes.subarray(0, STL_HEADER)).replace(/\0.*$/s, '');
  const soup = new Float64Array(n * 9);
  for (let t = 0; t < n; t++) {
    const o = STL_HEADER + 4 + t * STL_RECORD + 12;
    for (let k = 0; k < 9; k++) soup[9 * t + k] = dv.getFloat32(o + 4 * k, true);
  }
  return fromSoup(soup, path, name, unitsFromComment(headerText));
}

export function parseAsciiStl(text: string, path: string, name: string): TriMesh {
  const tok = new TokenReader(text);
  const first = tok.next();
  if (first?.toLowerCase() !== 'solid') throw new InrError('E_CORRUPT', "STL: an ASCII STL starts with 'solid'", path);
  const soup = new GrowF64(1024);
  const tris = new GrowU32(1024);
  const loop: number[] = [];
  let facets = 0;
  let inLoop = false;
  let ended = false;
  for (let t = tok.next(); t !== undefined; t = tok.next()) {
    const k = t.toLowerCase();
    if (k === 'vertex') {
      if (!inLoop) throw new InrError('E_CORRUPT', `STL: a vertex outside an 'outer loop' (facet ${facets})`, path);
      const x = toNumber(tok.next()),
        y = toNumber(tok.next()),
        z = toNumber(tok.next());
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
        throw new InrError('E_CORRUPT', `STL: facet ${facets} has a vertex that is not three finite numbers`, path);
      }
      loop.push(soup.length / 3);
      soup.push3(x, y, z);
    } else if (k === 'outer') {
      tok.next(); // 'loop'
      inLoop = true;
      loop.length = 0;
    } else if (k === 'endloop') {
      inLoop = false;
      pushFan(tris, loop, loop.length);
    } else if (k === 'endfacet') {
      facets++;
    } else if (k === 'endsolid') {
      ended = true;
      break;
    }
    // 'facet', 'normal' and the normal's numbers are skipped.
  }
  if (inLoop || !ended) throw new InrError('E_CORRUPT', `STL: truncated: the file ends ${inLoop ? 'inside a facet' : "without 'endsolid'"} after ${facets} facets`, path);
  // Polygons were fanned over soup vertex numbers; weld them like the binary triangles.
  const positions = soup.done();
  const triangles = tris.done();
  for (let i = 0; i < positions.length; i++) {
    if (!Number.isFinite(positions[i])) throw new InrError('E_CORRUPT', `STL: vertex ${Math.floor(i / 3)} has a non-finite coordinate`, path);
  }
  const w = weldExact(positions);
  for (let i = 0; i < triangles.length; i++) triangles[i] = w.remap[triangles[i]];
  return finishMesh(path, 'STL', w.positions, triangles, name);
}

/** Three corners per triangle, welded. */
function fromSoup(soup: Float64Array, path: string, name: string, units?: string): TriMesh {
  for (let i = 0; i < soup.length; i++) {
    if (!Number.isFinite(soup[i])) throw new InrError('E_CORRUPT', `STL: triangle ${Math.floor(i / 9)} has a non-finite coordinate`, path);
  }
  const w = weldExact(soup);
  return finishMesh(path, 'STL', w.positions, w.remap, name, units);
}
