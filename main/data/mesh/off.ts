/**
 * OFF (Object File Format, Geomview): a keyword line (`OFF`, or `COFF`/`NOFF`/`CNOFF`/`STOFF`
 * when vertices carry colours, normals or texture coordinates), then `nv nf ne`, then nv vertex
 * lines whose first three numbers are x y z, then nf face lines `n i1 … in [colour]`. `#` starts
 * a comment. Polygons are fanned into triangles. Binary OFF and the 4-D/n-D variants are refused.
 */
import { InrError } from '../../core/errors';
import type { TriMesh } from '../../mesh/trimesh';
import { GrowU32, checkCounts, finishMesh, pushFan, toNumber, unitsFromComment } from './build';
import { LineReader } from './text';

const KEYWORD = /^(ST)?(C)?(N)?(4)?(n)?OFF$/;

export function parseOff(text: string, path: string, name: string): TriMesh {
  const lines = new LineReader(text);
  let units: string | undefined;
  const onComment = (c: string) => {
    units ??= unitsFromComment(c);
  };
  let tokens = lines.nextTokens(onComment);
  if (!tokens) throw new InrError('E_CORRUPT', 'OFF: the file is empty', path);
  const kw = KEYWORD.exec(tokens[0]);
  if (!kw) throw new InrError('E_CORRUPT', `OFF: the first line should be 'OFF', found '${tokens[0].slice(0, 20)}'`, path);
  if (kw[4] || kw[5]) throw new InrError('E_UNSUPPORTED', `OFF: the ${tokens[0]} variant (4-D or n-D vertices) is not supported`, path);
  if (tokens[1]?.toUpperCase() === 'BINARY') throw new InrError('E_UNSUPPORTED', 'OFF: binary OFF is not supported; save it as text OFF, PLY or STL', path);
  // The counts follow the keyword on the same line or on the next one.
  let counts = tokens.slice(1);
  if (counts.length === 0) {
    tokens = lines.nextTokens(onComment);
    if (!tokens) throw new InrError('E_CORRUPT', 'OFF: truncated after the keyword (no vertex and face counts)', path);
    counts = tokens;
  }
  const nv = toNumber(counts[0]);
  const nf = toNumber(counts[1]);
  if (!Number.isInteger(nv) || !Number.isInteger(nf) || nv < 0 || nf < 0) {
    throw new InrError('E_CORRUPT', `OFF: bad vertex/face counts '${counts.slice(0, 3).join(' ')}'`, path);
  }
  // A vertex line is at least "0 0 0\n" (6 characters), a face line at least "0\n".
  checkCounts(path, 'OFF', lines.remaining() + 1, [
    { what: 'vertex', count: nv, minBytes: 6 },
    { what: 'face', count: nf, minBytes: 2 },
  ]);
  // Per-vertex extras (colour, normal, texture) are skipped: only the first three numbers count.
  const positions = new Float64Array(nv * 3);
  for (let v = 0; v < nv; v++) {
    const t = lines.nextTokens(onComment);
    if (!t) throw new InrError('E_CORRUPT', `OFF: truncated: the header announces ${nv} vertices, the file ends after ${v}`, path);
    if (t.length < 3) throw new InrError('E_CORRUPT', `OFF: vertex ${v} (line ${lines.line}) has ${t.length} coordinate(s), expected 3`, path);
    const x = toNumber(t[0]),
      y = toNumber(t[1]),
      z = toNumber(t[2]);
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw new InrError('E_CORRUPT', `OFF: vertex ${v} (line ${lines.line}) is not three finite numbers: '${t.slice(0, 3).join(' ')}'`, path);
    }
    positions[3 * v] = x;
    positions[3 * v + 1] = y;
    positions[3 * v + 2] = z;
  }
  const tris = new GrowU32(Math.min(nf, 1 << 24) * 3);
  const corners: number[] = [];
  for (let f = 0; f < nf; f++) {
    const t = lines.nextTokens(onComment);
    if (!t) throw new InrError('E_CORRUPT', `OFF: truncated: the header announces ${nf} faces, the file ends after ${f}`, path);
    const n = toNumber(t[0]);
    if (!Number.isInteger(n) || n < 0 || t.length < n + 1) {
      throw new InrError('E_CORRUPT', `OFF: face ${f} (line ${lines.line}) is malformed: '${t.slice(0, 8).join(' ')}${t.length > 8 ? ' …' : ''}'`, path);
    }
    corners.length = 0;
    for (let i = 1; i <= n; i++) {
      const k = toNumber(t[i]);
      if (!Number.isInteger(k) || k < 0 || k >= nv) {
        throw new InrError('E_CORRUPT', `OFF: face ${f} (line ${lines.line}) uses vertex '${t[i]}' but the mesh has ${nv} vertices (0…${nv - 1})`, path);
      }
      corners.push(k);
    }
    pushFan(tris, corners, n);
  }
  return finishMesh(path, 'OFF', positions, tris.done(), name, units);
}
