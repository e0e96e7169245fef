/**
 * Wavefront OBJ, geometry only: `v x y z [w]` lines give vertices, `f` lines give polygons whose
 * corners are `i`, `i/t`, `i//n` or `i/t/n` (1-based; negative numbers count back from the last
 * vertex defined so far). Polygons are fanned into triangles. Texture coordinates, normals,
 * groups, materials, smoothing, lines and points are ignored; a trailing `\` joins lines.
 */
import { InrError } from '../../core/errors';
import type { TriMesh } from '../../mesh/trimesh';
import { GrowF64, GrowU32, finishMesh, pushFan, toNumber, unitsFromComment } from './build';
import { LineReader } from './text';

export function parseObj(text: string, path: string, name: string): TriMesh {
  const lines = new LineReader(text);
  const pos = new GrowF64(4096);
  const tris = new GrowU32(8192);
  const corners: number[] = [];
  let units: string | undefined;
  const onComment = (c: string) => {
    units ??= unitsFromComment(c);
  };
  for (let t = lines.nextTokens(onComment); t !== undefined; t = lines.nextTokens(onComment)) {
    // Line continuation: a token '\' at the end joins the next line.
    while (t[t.length - 1] === '\\') {
      const more = lines.nextTokens(onComment);
      t = t.slice(0, -1).concat(more ?? []);
      if (!more) break;
    }
    const key = t[0];
    if (key === 'v') {
      const x = toNumber(t[1]),
        y = toNumber(t[2]),
        z = toNumber(t[3]);
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
        throw new InrError('E_CORRUPT', `OBJ: vertex ${pos.length / 3 + 1} (line ${lines.line}) is not three finite numbers: '${t.slice(1, 4).join(' ')}'`, path);
      }
      pos.push3(x, y, z);
    } else if (key === 'f') {
      const nv = pos.length / 3;
      corners.length = 0;
      for (let i = 1; i < t.length; i++) {
        const s = t[i];
        const slash = s.indexOf('/');
        const k = toNumber(slash >= 0 ? s.slice(0, slash) : s);
        if (!Number.isInteger(k) || k === 0) throw new InrError('E_CORRUPT', `OBJ: face corner '${s}' (line ${lines.line}) is not a vertex number`, path);
        // Relative corners must reach back into the vertices so far; absolute ones are checked
        // against the whole vertex list at the end (some writers put faces first).
        const idx = k > 0 ? k - 1 : nv + k;
        if (idx < 0 || idx >= 0xffffffff) throw new InrError('E_CORRUPT', `OBJ: face on line ${lines.line} uses vertex ${k} but only ${nv} vertices are defined before it`, path);
        corners.push(idx);
      }
      pushFan(tris, corners, corners.length);
    }
    // vt, vn, vp, o, g, s, usemtl, mtllib, l, p, … are ignored.
  }
  return finishMesh(path, 'OBJ', pos.done(), tris.done(), name, units);
}
