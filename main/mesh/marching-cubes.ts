/**
 * Marching cubes (W. E. Lorensen and H. E. Cline, "Marching cubes: a high resolution 3D surface
 * construction algorithm", SIGGRAPH 1987) on a regular 3D grid of samples.
 *
 * Every cube of eight neighbouring samples is classified by which corners lie above the
 * threshold ("inside"); the surface crosses each edge joining an inside and an outside corner,
 * at the linearly interpolated point. The polygons per case come from a table of 256 cases.
 * Instead of typing that table in, it is derived below from one rule: on each face of the cube
 * the surface crosses between the inside and outside corners, and on a face whose inside corners
 * sit diagonally (the ambiguous case) the inside corners are kept apart. Because the rule reads
 * only a face's own four corners, the two cubes sharing a face always cut it the same way, so
 * the surface has no cracks: away from the grid's border and from NaN samples it is closed.
 *
 * Triangles wind counter-clockwise seen from the low-value side, so their normals point from
 * high values to low (out of a bright object). Vertices on a grid edge are shared by all the
 * cubes around it (the mesh is indexed), and vertex normals are the area-weighted sums of the
 * face normals around each vertex.
 *
 * Pure: typed arrays in, typed arrays out, no DOM and no Node imports. One implementation for
 * the whole product: the renderer's isosurface worker (renderer/src/lib/isoMesherCore.ts) and the
 * engine's occupancy meshing (main/mesh/extract.ts) both import it from here.
 */

/** A cube corner `c` sits at offset (c & 1, (c >> 1) & 1, (c >> 2) & 1) along (x, y, z). */
const CORNER_OFFSETS: ReadonlyArray<readonly [number, number, number]> = Array.from({ length: 8 }, (_, c) => [c & 1, (c >> 1) & 1, (c >> 2) & 1] as const);

/** The 12 cube edges: the two corners (the first the lower one) and the axis (0 x, 1 y, 2 z). */
export const CUBE_EDGES: ReadonlyArray<readonly [number, number, number]> = (() => {
  const edges: [number, number, number][] = [];
  for (let axis = 0; axis < 3; axis++) {
    for (let c = 0; c < 8; c++) if (!(c & (1 << axis))) edges.push([c, c | (1 << axis), axis]);
  }
  return edges;
})();

function edgeBetween(a: number, b: number): number {
  return CUBE_EDGES.findIndex(([c0, c1]) => (c0 === a && c1 === b) || (c0 === b && c1 === a));
}

/** True when two cube edges lie on one face of the cube. */
function onCommonFace(e1: number, e2: number): boolean {
  const faces = (e: number) => {
    const [c0, , axis] = CUBE_EDGES[e];
    return [0, 1, 2].filter((b) => b !== axis).map((b) => b * 2 + ((c0 >> b) & 1));
  };
  const f2 = faces(e2);
  return faces(e1).some((f) => f2.includes(f));
}

/** The 6 faces: corners in cyclic order, and the outward normal. */
const CUBE_FACES: ReadonlyArray<{ corners: number[]; normal: [number, number, number] }> = (() => {
  const faces: { corners: number[]; normal: [number, number, number] }[] = [];
  for (let axis = 0; axis < 3; axis++) {
    const u = 1 << ((axis + 1) % 3);
    const w = 1 << ((axis + 2) % 3);
    for (const side of [0, 1]) {
      const base = side ? 1 << axis : 0;
      const normal: [number, number, number] = [0, 0, 0];
      normal[axis] = side ? 1 : -1;
      faces.push({ corners: [base, base | u, base | u | w, base | w], normal });
    }
  }
  return faces;
})();

function edgeMidpoint(e: number): [number, number, number] {
  const [a, b] = CUBE_EDGES[e];
  const p = CORNER_OFFSETS[a];
  const q = CORNER_OFFSETS[b];
  return [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2, (p[2] + q[2]) / 2];
}

/**
 * The crossing segments on one face for a corner classification, directed so that, seen from
 * outside the cube, the inside corners lie to the right of the segment. (Chained around the cube,
 * those segments then run counter-clockwise around the surface seen from the outside corners.)
 */
function faceSegments(face: { corners: number[]; normal: [number, number, number] }, inside: (c: number) => boolean): [number, number][] {
  const k = face.corners;
  const ins = k.map(inside);
  const crossings: number[] = [];
  for (let i = 0; i < 4; i++) if (ins[i] !== ins[(i + 1) % 4]) crossings.push(i);
  if (crossings.length === 0) return [];
  const pairs: { e1: number; e2: number; cut: number | null }[] = [];
  if (crossings.length === 4) {
    // Ambiguous: inside corners diagonal. Cut off each inside corner on its own.
    for (let i = 0; i < 4; i++) {
      if (!ins[i]) continue;
      const prev = (i + 3) % 4;
      const next = (i + 1) % 4;
      pairs.push({ e1: edgeBetween(k[prev], k[i]), e2: edgeBetween(k[i], k[next]), cut: k[i] });
    }
  } else {
    const [i, j] = crossings; // edges (k[i], k[i+1]) and (k[j], k[j+1])
    const e1 = edgeBetween(k[i], k[(i + 1) % 4]);
    const e2 = edgeBetween(k[j], k[(j + 1) % 4]);
    // Adjacent crossing edges cut off the corner between them; opposite ones split the face in two.
    const shared = CUBE_EDGES[e1].slice(0, 2).find((c) => CUBE_EDGES[e2][0] === c || CUBE_EDGES[e2][1] === c);
    pairs.push({ e1, e2, cut: shared ?? null });
  }
  const n = face.normal;
  return pairs.map(({ e1, e2, cut }) => {
    // A reference corner and whether it is inside: the cut-off corner, or any inside corner.
    const ref = cut ?? k[ins.findIndex(Boolean)];
    const refInside = inside(ref);
    const a = edgeMidpoint(e1);
    const b = edgeMidpoint(e2);
    const p = CORNER_OFFSETS[ref];
    const d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const r = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
    const cross = [d[1] * r[2] - d[2] * r[1], d[2] * r[0] - d[0] * r[2], d[0] * r[1] - d[1] * r[0]];
    const side = cross[0] * n[0] + cross[1] * n[1] + cross[2] * n[2];
    // Inside to the right seen from outside ⇔ (d × (inside − a)) · n < 0.
    const forward = refInside ? side < 0 : side > 0;
    return forward ? ([e1, e2] as [number, number]) : ([e2, e1] as [number, number]);
  });
}

/**
 * The case table: for each of the 256 corner classifications (bit c set = corner c inside), the
 * triangles as triples of edge numbers. Built once from the face rule above: the directed face
 * segments chain into closed loops around the cube, and each loop is fanned into triangles.
 */
export const CASE_TRIANGLES: ReadonlyArray<Uint8Array> = (() => {
  const table: Uint8Array[] = [];
  for (let cube = 0; cube < 256; cube++) {
    const inside = (c: number) => ((cube >> c) & 1) === 1;
    const next = new Map<number, number>();
    for (const face of CUBE_FACES) {
      for (const [a, b] of faceSegments(face, inside)) {
        if (next.has(a)) throw new Error(`marching cubes table: edge ${a} leaves twice in case ${cube}`);
        next.set(a, b);
      }
    }
    const tris: number[] = [];
    const seen = new Set<number>();
    for (const start of [...next.keys()].sort((p, q) => p - q)) {
      if (seen.has(start)) continue;
      const loop: number[] = [];
      let e = start;
      while (!seen.has(e)) {
        seen.add(e);
        loop.push(e);
        const f = next.get(e);
        if (f === undefined) throw new Error(`marching cubes table: open loop in case ${cube}`);
        e = f;
      }
      if (e !== start) throw new Error(`marching cubes table: tangled loop in case ${cube}`);
      // Fan from a corner whose diagonals all cross the cube's interior: a diagonal lying on a
      // face could be drawn by the neighbouring cube too, and the surface would pinch there.
      const n = loop.length;
      const apex = loop.findIndex((_, s) => loop.every((q, k) => k === s || k === (s + 1) % n || k === (s + n - 1) % n || !onCommonFace(loop[s], q)));
      if (apex < 0) throw new Error(`marching cubes table: no interior fan in case ${cube}`);
      for (let i = 1; i + 1 < n; i++) tris.push(loop[apex], loop[(apex + i) % n], loop[(apex + i + 1) % n]);
    }
    table.push(Uint8Array.from(tris));
  }
  return table;
})();

export interface IsoMesh {
  /** x, y, z per vertex in physical units: x along the fastest axis, z along the slowest. */
  positions: Float32Array;
  /** Unit normals per vertex, pointing from high values to low. */
  normals: Float32Array;
  /** Three vertex numbers per triangle. */
  indices: Uint32Array;
  vertexCount: number;
  triangleCount: number;
  /** True when the surface stopped at `maxTriangles`. */
  truncated: boolean;
}

export interface MarchingCubesOptions {
  /** Physical size of one sample along [slowest, middle, fastest] (z, y, x); default 1. */
  spacing?: readonly [number, number, number];
  /** Stop (and flag `truncated`) past this many triangles; default 8 million. */
  maxTriangles?: number;
  /** Called now and then with the fraction of the volume done. */
  onProgress?: (fraction: number) => void;
}

/** A growable typed array. */
class Grow<T extends Float32Array | Uint32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const bigger = this.make(Math.max(this.data.length * 2, this.length + extra));
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }
  done(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/**
 * The isosurface `value = level` of a volume of `shape` = [nz, ny, nx] samples, fastest axis
 * last. Samples above `level` are inside. Cubes touching a NaN sample (masked data) make no
 * triangles, so the surface stops at the mask.
 */
export function marchingCubes(values: ArrayLike<number>, shape: readonly [number, number, number], level: number, options: MarchingCubesOptions = {}): IsoMesh {
  const [nz, ny, nx] = shape;
  if (!(nz >= 0 && ny >= 0 && nx >= 0) || values.length !== nz * ny * nx) {
    throw new RangeError(`marchingCubes: ${values.length} values do not fill a ${nz}×${ny}×${nx} grid`);
  }
  const [sz, sy, sx] = options.spacing ?? [1, 1, 1];
  const maxTriangles = options.maxTriangles ?? 8_000_000;
  const positions = new Grow(new Float32Array(3 * 4096), (n) => new Float32Array(n));
  const indices = new Grow(new Uint32Array(3 * 8192), (n) => new Uint32Array(n));
  let truncated = false;

  if (nz < 2 || ny < 2 || nx < 2 || !Number.isFinite(level)) return finish(positions, indices, false);

  const plane = nx * ny;
  // Vertex numbers of the edges owned by each grid point (−1: none yet). x and y edges in the
  // cube's lower (0) and upper (1) plane; z edges between the two.
  let xLow = new Int32Array(plane).fill(-1);
  let xHigh = new Int32Array(plane).fill(-1);
  let yLow = new Int32Array(plane).fill(-1);
  let yHigh = new Int32Array(plane).fill(-1);
  const zMid = new Int32Array(plane);
  const cornerOffset = CORNER_OFFSETS.map(([dx, dy, dz]) => dx + dy * nx + dz * plane);
  const v = new Float64Array(8);
  const edgeVertex = new Int32Array(12);

  const vertexOn = (e: number, x: number, y: number, z: number): number => {
    const [c0, c1, axis] = CUBE_EDGES[e];
    const [dx, dy, dz] = CORNER_OFFSETS[c0];
    const at = (y + dy) * nx + (x + dx);
    const cache = axis === 2 ? zMid : axis === 0 ? (dz ? xHigh : xLow) : dz ? yHigh : yLow;
    const known = cache[at];
    if (known >= 0) return known;
    const a = v[c0];
    const b = v[c1];
    const t = b === a ? 0.5 : (level - a) / (b - a);
    const px = x + dx + (axis === 0 ? t : 0);
    const py = y + dy + (axis === 1 ? t : 0);
    const pz = z + dz + (axis === 2 ? t : 0);
    positions.reserve(3);
    const id = positions.length / 3;
    positions.data[positions.length++] = px * sx;
    positions.data[positions.length++] = py * sy;
    positions.data[positions.length++] = pz * sz;
    cache[at] = id;
    return id;
  };

  outer: for (let z = 0; z < nz - 1; z++) {
    if (z > 0) {
      [xLow, xHigh] = [xHigh, xLow];
      [yLow, yHigh] = [yHigh, yLow];
      xHigh.fill(-1);
      yHigh.fill(-1);
    }
    zMid.fill(-1);
    for (let y = 0; y < ny - 1; y++) {
      let base = z * plane + y * nx;
      for (let x = 0; x < nx - 1; x++, base++) {
        let cube = 0;
        let finite = true;
        for (let c = 0; c < 8; c++) {
          const s = values[base + cornerOffset[c]];
          if (s !== s) {
            finite = false;
            break;
          }
          v[c] = s;
          if (s > level) cube |= 1 << c;
        }
        if (!finite || cube === 0 || cube === 255) continue;
        const tris = CASE_TRIANGLES[cube];
        if (indices.length / 3 + tris.length / 3 > maxTriangles) {
          truncated = true;
          break outer;
        }
        edgeVertex.fill(-1);
        indices.reserve(tris.length);
        for (let i = 0; i < tris.length; i++) {
          const e = tris[i];
          if (edgeVertex[e] < 0) edgeVertex[e] = vertexOn(e, x, y, z);
          indices.data[indices.length++] = edgeVertex[e];
        }
      }
    }
    if (options.onProgress && (z & 7) === 7) options.onProgress((z + 1) / (nz - 1));
  }
  return finish(positions, indices, truncated);
}

function finish(positionsG: Grow<Float32Array>, indicesG: Grow<Uint32Array>, truncated: boolean): IsoMesh {
  const positions = positionsG.done();
  const indices = indicesG.done();
  const normals = vertexNormals(positions, indices);
  return { positions, normals, indices, vertexCount: positions.length / 3, triangleCount: indices.length / 3, truncated };
}

/** Area-weighted vertex normals from the triangles' winding, normalised (zero where isolated). */
function vertexNormals(positions: Float32Array, indices: Uint32Array): Float32Array {
  const n = new Float32Array(positions.length);
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t] * 3;
    const b = indices[t + 1] * 3;
    const c = indices[t + 2] * 3;
    const ux = positions[b] - positions[a];
    const uy = positions[b + 1] - positions[a + 1];
    const uz = positions[b + 2] - positions[a + 2];
    const wx = positions[c] - positions[a];
    const wy = positions[c + 1] - positions[a + 1];
    const wz = positions[c + 2] - positions[a + 2];
    const fx = uy * wz - uz * wy;
    const fy = uz * wx - ux * wz;
    const fz = ux * wy - uy * wx;
    for (const k of [a, b, c]) {
      n[k] += fx;
      n[k + 1] += fy;
      n[k + 2] += fz;
    }
  }
  for (let i = 0; i < n.length; i += 3) {
    const len = Math.hypot(n[i], n[i + 1], n[i + 2]);
    if (len > 0) {
      n[i] /= len;
      n[i + 1] /= len;
      n[i + 2] /= len;
    }
  }
  return n;
}

/** Total area of a triangle mesh. */
export function meshArea(positions: ArrayLike<number>, indices: ArrayLike<number>): number {
  let area = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t] * 3;
    const b = indices[t + 1] * 3;
    const c = indices[t + 2] * 3;
    const ux = positions[b] - positions[a];
    const uy = positions[b + 1] - positions[a + 1];
    const uz = positions[b + 2] - positions[a + 2];
    const wx = positions[c] - positions[a];
    const wy = positions[c + 1] - positions[a + 1];
    const wz = positions[c + 2] - positions[a + 2];
    area += Math.hypot(uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx) / 2;
  }
  return area;
}

/**
 * Signed volume enclosed by a closed mesh (divergence theorem: the sum of the tetrahedra from the
 * origin to each triangle). Positive when the triangles face outwards.
 */
export function meshVolume(positions: ArrayLike<number>, indices: ArrayLike<number>): number {
  let vol = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t] * 3;
    const b = indices[t + 1] * 3;
    const c = indices[t + 2] * 3;
    const ax = positions[a],
      ay = positions[a + 1],
      az = positions[a + 2];
    const bx = positions[b],
      by = positions[b + 1],
      bz = positions[b + 2];
    const cx = positions[c],
      cy = positions[c + 1],
      cz = positions[c + 2];
    vol += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
  }
  return vol / 6;
}
