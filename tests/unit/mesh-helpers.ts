/**
 * Small meshes the mesh tests build themselves: a unit cube (as quads and as triangles), a
 * tetrahedron and an icosphere, all outward-oriented, with their exact area and volume.
 */
import type { TriMesh } from '../../main/mesh/trimesh';

/** Cube [x0, x0+s]³…: 8 corners, 6 outward quads (counter-clockwise seen from outside). */
export function cubeQuads(s = 1, o: [number, number, number] = [0, 0, 0]): { positions: number[][]; quads: number[][] } {
  const positions: number[][] = [];
  for (let c = 0; c < 8; c++) positions.push([o[0] + (c & 1) * s, o[1] + ((c >> 1) & 1) * s, o[2] + ((c >> 2) & 1) * s]);
  // Corner c = x + 2y + 4z.
  const quads = [
    [0, 2, 3, 1], // z = 0, normal −z
    [4, 5, 7, 6], // z = 1, +z
    [0, 1, 5, 4], // y = 0, −y
    [2, 6, 7, 3], // y = 1, +y
    [0, 4, 6, 2], // x = 0, −x
    [1, 3, 7, 5], // x = 1, +x
  ];
  return { positions, quads };
}

export function cubeMesh(s = 1, o: [number, number, number] = [0, 0, 0]): TriMesh {
  const { positions, quads } = cubeQuads(s, o);
  const tris: number[] = [];
  for (const q of quads) tris.push(q[0], q[1], q[2], q[0], q[2], q[3]);
  return { positions: Float64Array.from(positions.flat()), triangles: Uint32Array.from(tris), name: 'cube' };
}

/** Tetrahedron (0,0,0), (1,0,0), (0,1,0), (0,0,1): volume 1/6. */
export function tetraMesh(): TriMesh {
  return {
    positions: Float64Array.from([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]),
    triangles: Uint32Array.from([0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]),
    name: 'tetra',
  };
}

/** Icosphere of radius r about c, `level` subdivisions (20·4^level triangles), outward. */
export function icosphere(level: number, r = 1, c: [number, number, number] = [0, 0, 0]): TriMesh {
  const t = (1 + Math.sqrt(5)) / 2;
  const verts: number[][] = [
    [-1, t, 0],
    [1, t, 0],
    [-1, -t, 0],
    [1, -t, 0],
    [0, -1, t],
    [0, 1, t],
    [0, -1, -t],
    [0, 1, -t],
    [t, 0, -1],
    [t, 0, 1],
    [-t, 0, -1],
    [-t, 0, 1],
  ].map((v) => {
    const l = Math.hypot(v[0], v[1], v[2]);
    return [v[0] / l, v[1] / l, v[2] / l];
  });
  let faces: number[][] = [
    [0, 11, 5],
    [0, 5, 1],
    [0, 1, 7],
    [0, 7, 10],
    [0, 10, 11],
    [1, 5, 9],
    [5, 11, 4],
    [11, 10, 2],
    [10, 7, 6],
    [7, 1, 8],
    [3, 9, 4],
    [3, 4, 2],
    [3, 2, 6],
    [3, 6, 8],
    [3, 8, 9],
    [4, 9, 5],
    [2, 4, 11],
    [6, 2, 10],
    [8, 6, 7],
    [9, 8, 1],
  ];
  for (let s = 0; s < level; s++) {
    const mid = new Map<string, number>();
    const midpoint = (a: number, b: number) => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      let m = mid.get(key);
      if (m === undefined) {
        const p = [0, 1, 2].map((k) => (verts[a][k] + verts[b][k]) / 2);
        const l = Math.hypot(p[0], p[1], p[2]);
        verts.push([p[0] / l, p[1] / l, p[2] / l]);
        m = verts.length - 1;
        mid.set(key, m);
      }
      return m;
    };
    const next: number[][] = [];
    for (const [a, b, cc] of faces) {
      const ab = midpoint(a, b),
        bc = midpoint(b, cc),
        ca = midpoint(cc, a);
      next.push([a, ab, ca], [b, bc, ab], [cc, ca, bc], [ab, bc, ca]);
    }
    faces = next;
  }
  return {
    positions: Float64Array.from(verts.flatMap((v) => [c[0] + r * v[0], c[1] + r * v[1], c[2] + r * v[2]])),
    triangles: Uint32Array.from(faces.flat()),
    name: 'icosphere',
  };
}

/** The mesh without the listed triangles (to punch holes). */
export function withoutTriangles(mesh: TriMesh, drop: number[]): TriMesh {
  const skip = new Set(drop);
  const tris: number[] = [];
  for (let t = 0; t < mesh.triangles.length / 3; t++) if (!skip.has(t)) tris.push(mesh.triangles[3 * t], mesh.triangles[3 * t + 1], mesh.triangles[3 * t + 2]);
  return { ...mesh, triangles: Uint32Array.from(tris) };
}
