/**
 * A triangle mesh: what the mesh readers produce, the voxeliser and the metrics consume, and
 * marching cubes (extract.ts) and the writers give back. Pure geometry, no I/O.
 *
 * Positions are x, y, z per vertex in the mesh's own units (float64, so welding and
 * bounding boxes never lose the file's precision); triangles are three vertex numbers each,
 * counter-clockwise seen from outside for a consistently oriented closed surface.
 */

export interface TriMesh {
  /** n × 3: x, y, z per vertex. */
  positions: Float64Array;
  /** m × 3 vertex numbers. */
  triangles: Uint32Array;
  /** Length unit of the positions when the file states one (`mm`, `m`); absent when unknown. */
  units?: string;
  /** A name for reports and provenance: the file's base name, or the solid's name. */
  name: string;
}

export function vertexCount(mesh: TriMesh): number {
  return mesh.positions.length / 3;
}

export function triangleCount(mesh: TriMesh): number {
  return mesh.triangles.length / 3;
}

export interface Bounds {
  min: [number, number, number];
  max: [number, number, number];
}

/** Axis-aligned bounding box of the vertices that triangles use (stray vertices are ignored). */
export function meshBounds(mesh: TriMesh): Bounds {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  const { positions: p, triangles: t } = mesh;
  for (let i = 0; i < t.length; i++) {
    const o = t[i] * 3;
    for (let a = 0; a < 3; a++) {
      const v = p[o + a];
      if (v < min[a]) min[a] = v;
      if (v > max[a]) max[a] = v;
    }
  }
  return { min, max };
}

/** Area of triangle t (half the norm of the edge cross product). */
export function triangleArea(mesh: TriMesh, t: number): number {
  const { positions: p, triangles: tri } = mesh;
  const a = tri[3 * t] * 3;
  const b = tri[3 * t + 1] * 3;
  const c = tri[3 * t + 2] * 3;
  const ux = p[b] - p[a],
    uy = p[b + 1] - p[a + 1],
    uz = p[b + 2] - p[a + 2];
  const wx = p[c] - p[a],
    wy = p[c + 1] - p[a + 1],
    wz = p[c + 2] - p[a + 2];
  return 0.5 * Math.hypot(uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx);
}

export function surfaceArea(mesh: TriMesh): number {
  let s = 0;
  for (let t = 0; t < triangleCount(mesh); t++) s += triangleArea(mesh, t);
  return s;
}

/**
 * Signed enclosed volume by the divergence theorem: Σ over triangles of det(a, b, c)/6, the
 * signed volumes of the tetrahedra from the origin. Positive for an outward-facing closed mesh;
 * meaningless for an open one.
 */
export function enclosedVolume(mesh: TriMesh): number {
  const { positions: p, triangles: t } = mesh;
  let v = 0;
  for (let i = 0; i < t.length; i += 3) {
    const a = t[i] * 3,
      b = t[i + 1] * 3,
      c = t[i + 2] * 3;
    v += p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) - p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c]) + p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c]);
  }
  return v / 6;
}

export interface MeshTopology {
  /** Distinct undirected edges. */
  edges: number;
  /** Edges used by exactly one triangle: the rims of holes. */
  boundaryEdges: number;
  /** Edges used by three or more triangles. */
  nonManifoldEdges: number;
  /** Edges used by two triangles in the same direction (the neighbours face opposite ways). */
  misorientedEdges: number;
  /** Triangles that repeat a vertex (zero area by construction). */
  degenerateTriangles: number;
  /** No boundary and no non-manifold edge: the surface encloses a volume. */
  closed: boolean;
  /** Closed and every edge shared by two triangles running opposite ways. */
  consistentlyOriented: boolean;
}

/**
 * Edge-use census: every triangle edge (a, b) is filed under min(a, b) with its other end and
 * its direction, in a compressed per-vertex table (two counting passes, no hashing), then each
 * vertex's short list is sorted and its runs counted. O(m log k) for k edges per vertex.
 */
export function meshTopology(mesh: TriMesh): MeshTopology {
  const nv = vertexCount(mesh);
  const tri = mesh.triangles;
  const m = tri.length / 3;
  const start = new Uint32Array(nv + 1);
  let degenerate = 0;
  const isDegenerate = (t: number) => tri[3 * t] === tri[3 * t + 1] || tri[3 * t + 1] === tri[3 * t + 2] || tri[3 * t] === tri[3 * t + 2];
  for (let t = 0; t < m; t++) {
    if (isDegenerate(t)) {
      degenerate++;
      continue;
    }
    for (let k = 0; k < 3; k++) {
      const a = tri[3 * t + k];
      const b = tri[3 * t + ((k + 1) % 3)];
      start[Math.min(a, b) + 1]++;
    }
  }
  for (let i = 0; i < nv; i++) start[i + 1] += start[i];
  const fill = start.slice(0, nv);
  // Other end × 2 + direction bit (1: stored from the larger end), so one sort groups by end.
  const other = new Float64Array(start[nv]);
  for (let t = 0; t < m; t++) {
    if (isDegenerate(t)) continue;
    for (let k = 0; k < 3; k++) {
      const a = tri[3 * t + k];
      const b = tri[3 * t + ((k + 1) % 3)];
      const lo = Math.min(a, b);
      other[fill[lo]++] = Math.max(a, b) * 2 + (a < b ? 0 : 1);
    }
  }
  let edges = 0,
    boundary = 0,
    nonManifold = 0,
    misoriented = 0;
  for (let v = 0; v < nv; v++) {
    const s = start[v],
      e = start[v + 1];
    if (e - s > 1) other.subarray(s, e).sort();
    let i = s;
    while (i < e) {
      const end = Math.floor(other[i] / 2);
      let j = i;
      let backward = 0;
      while (j < e && Math.floor(other[j] / 2) === end) backward += other[j++] % 2;
      const uses = j - i;
      edges++;
      if (uses === 1) boundary++;
      else if (uses > 2) nonManifold++;
      else if (backward !== 1) misoriented++;
      i = j;
    }
  }
  const closed = boundary === 0 && nonManifold === 0 && m > degenerate;
  return {
    edges,
    boundaryEdges: boundary,
    nonManifoldEdges: nonManifold,
    misorientedEdges: misoriented,
    degenerateTriangles: degenerate,
    closed,
    consistentlyOriented: closed && misoriented === 0,
  };
}

/** A one-line warning for a mesh that is not a closed surface, or undefined when it is. */
export function topologyWarning(t: MeshTopology): string | undefined {
  const parts: string[] = [];
  if (t.boundaryEdges) parts.push(`${t.boundaryEdges} boundary edge${t.boundaryEdges > 1 ? 's' : ''} (holes)`);
  if (t.nonManifoldEdges) parts.push(`${t.nonManifoldEdges} non-manifold edge${t.nonManifoldEdges > 1 ? 's' : ''}`);
  if (t.closed && t.misorientedEdges) parts.push(`${t.misorientedEdges} edge${t.misorientedEdges > 1 ? 's' : ''} between triangles facing opposite ways`);
  if (!parts.length) return undefined;
  return `the mesh is not a closed, consistently oriented surface: ${parts.join(', ')}; inside/outside is decided by a vote and winding numbers`;
}
