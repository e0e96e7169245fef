/**
 * Mesh readers and writers (main/data/mesh): OFF, PLY (ASCII, binary little and big endian),
 * STL (ASCII, binary), OBJ on the shared bunny and on small meshes written here by hand;
 * sniffing by content; round trips through the writers; one-line errors on bad input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InrError } from '../../main/core/errors';
import { parseMesh, readMesh, sniffMesh } from '../../main/data/mesh/index';
import { encodeMesh, writeMesh } from '../../main/data/mesh/write';
import { enclosedVolume, meshTopology, surfaceArea, type TriMesh } from '../../main/mesh/trimesh';
import { sample } from '../helpers/samples';
import { cubeMesh, cubeQuads, tetraMesh, withoutTriangles } from './mesh-helpers';

const dir = mkdtempSync(join(tmpdir(), 'inr-mesh-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, data: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** Expect an InrError with `code`, a one-line message naming the file. */
async function rejects(p: string, code: string, pattern?: RegExp): Promise<InrError> {
  let err: unknown;
  try {
    await readMesh(p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InrError);
  const e = err as InrError;
  expect(e.code).toBe(code);
  expect(e.path).toBe(p);
  expect(e.toLine()).not.toContain('\n');
  expect(e.toLine().startsWith(p)).toBe(true);
  if (pattern) expect(e.message).toMatch(pattern);
  return e;
}

/** A unit cube read back: 8 corners, 12 triangles, closed, outward, volume 1, area 6. */
function expectUnitCube(m: TriMesh): void {
  expect(m.positions.length / 3).toBe(8);
  expect(m.triangles.length / 3).toBe(12);
  const t = meshTopology(m);
  expect(t.closed).toBe(true);
  expect(t.consistentlyOriented).toBe(true);
  expect(enclosedVolume(m)).toBeCloseTo(1, 12);
  expect(surfaceArea(m)).toBeCloseTo(6, 12);
}

const cube = cubeQuads();
const cubeOff = ['OFF', '# a unit cube, units mm', '8 6 12', ...cube.positions.map((p) => p.join(' ')), ...cube.quads.map((q) => `4 ${q.join(' ')}`)].join('\n') + '\n';

describe('OFF', () => {
  it('reads the shared bunny: the counts its header declares, a closed genus-0 surface', async () => {
    const p = sample('meshes', 'bunny00.off');
    const text = readFileSync(p, 'utf8');
    const lines = text.split('\n');
    const [nv, nf] = lines[1].trim().split(/\s+/).map(Number);
    const first = lines
      .find((l, i) => i > 1 && l.trim())!
      .trim()
      .split(/\s+/)
      .map(Number);
    const r = await readMesh(p);
    expect(r.format).toBe('off');
    expect(r.mesh.positions.length / 3).toBe(nv);
    expect(r.mesh.triangles.length / 3).toBe(nf);
    expect(Array.from(r.mesh.positions.subarray(0, 3))).toEqual(first);
    expect(r.mesh.name).toBe('bunny00.off');
    // Euler: V − E + F = 2 for a closed genus-0 surface, and E = 3F/2.
    expect(r.topology.edges).toBe((3 * nf) / 2);
    expect(nv - r.topology.edges + nf).toBe(2);
    expect(r.topology.closed).toBe(true);
    expect(r.warnings).toEqual([]);
    expect(enclosedVolume(r.mesh)).toBeGreaterThan(0);
  });

  it('fans quads into triangles and picks up the units comment', () => {
    const r = parseMesh(new TextEncoder().encode(cubeOff), 'cube.off');
    expectUnitCube(r.mesh);
    expect(r.mesh.units).toBe('mm');
  });

  it('takes the counts on the keyword line, skips vertex colours and comments', () => {
    const text = 'COFF 4 4 0\n0 0 0 255 0 0 255\n1 0 0 0 255 0 255 # red\n\n0 1 0 0 0 255 255\n0 0 1 9 9 9 255\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3 0.5 0.5 0.5\n';
    const m = parseMesh(new TextEncoder().encode(text), 't.off').mesh;
    expect(enclosedVolume(m)).toBeCloseTo(enclosedVolume(tetraMesh()), 12);
  });
});

/** A PLY of the cube: extra vertex properties, a list face element with a flag, and an extra element to skip. */
function cubePly(format: 'ascii' | 'binary_little_endian' | 'binary_big_endian'): Uint8Array {
  const header = [
    'ply',
    `format ${format} 1.0`,
    'comment units: mm',
    'element vertex 8',
    'property float x',
    'property uchar red',
    'property double y',
    'property float z',
    'property float nx',
    'element face 6',
    'property uchar flags',
    'property list uchar int vertex_indices',
    'element material 2',
    'property list ushort float coeffs',
    'property int id',
    'end_header',
    '',
  ].join('\n');
  if (format === 'ascii') {
    const body = [...cube.positions.map((p) => `${p[0]} 7 ${p[1]} ${p[2]} 0.5`), ...cube.quads.map((q) => `1 4 ${q.join(' ')}`), '2 0.1 0.2 5', '0 6'].join('\n');
    return new TextEncoder().encode(header + body + '\n');
  }
  const le = format === 'binary_little_endian';
  const head = new TextEncoder().encode(header);
  const size = 8 * (4 + 1 + 8 + 4 + 4) + 6 * (1 + 1 + 16) + (2 + 8 + 4) + (2 + 4);
  const out = new Uint8Array(head.length + size);
  out.set(head);
  const dv = new DataView(out.buffer);
  let o = head.length;
  for (const p of cube.positions) {
    dv.setFloat32(o, p[0], le);
    dv.setUint8(o + 4, 7);
    dv.setFloat64(o + 5, p[1], le);
    dv.setFloat32(o + 13, p[2], le);
    dv.setFloat32(o + 17, 0.5, le);
    o += 21;
  }
  for (const q of cube.quads) {
    dv.setUint8(o, 1);
    dv.setUint8(o + 1, 4);
    q.forEach((v, k) => dv.setInt32(o + 2 + 4 * k, v, le));
    o += 18;
  }
  dv.setUint16(o, 2, le);
  dv.setFloat32(o + 2, 0.1, le);
  dv.setFloat32(o + 6, 0.2, le);
  dv.setInt32(o + 10, 5, le);
  o += 14;
  dv.setUint16(o, 0, le);
  dv.setInt32(o + 2, 6, le);
  return out;
}

describe('PLY', () => {
  for (const format of ['ascii', 'binary_little_endian', 'binary_big_endian'] as const) {
    it(`reads ${format}: x, y, z of mixed types, quads fanned, other properties and elements skipped`, async () => {
      const r = await readMesh(put(`cube-${format}.ply`, cubePly(format)));
      expect(r.format).toBe('ply');
      expectUnitCube(r.mesh);
      expect(r.mesh.units).toBe('mm');
    });
  }

  it('reports a binary body cut short as truncated', async () => {
    const full = cubePly('binary_little_endian');
    await rejects(put('cut.ply', full.subarray(0, full.length - 30)), 'E_CORRUPT', /truncated|only \d+ follow/);
  });

  it('refuses a vertex count the file cannot hold, before reading', async () => {
    const text = 'ply\nformat binary_little_endian 1.0\nelement vertex 3000000000\nproperty float x\nproperty float y\nproperty float z\nend_header\n\0\0\0\0';
    await rejects(put('huge.ply', text), 'E_CORRUPT', /3000000000 vertices.*only \d+ follow/);
  });

  it('refuses a face index past the vertices', async () => {
    const text =
      'ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n';
    await rejects(put('index.ply', text), 'E_CORRUPT', /vertex 3 .*3 vertices/);
  });
});

describe('STL', () => {
  const tri = cubeMesh();

  function asciiStl(m: TriMesh): string {
    const lines = ['solid cube'];
    for (let t = 0; t < m.triangles.length / 3; t++) {
      lines.push('  facet normal 0 0 0', '    outer loop');
      for (let k = 0; k < 3; k++) {
        const v = m.triangles[3 * t + k];
        lines.push(`      vertex ${m.positions[3 * v]} ${m.positions[3 * v + 1]} ${m.positions[3 * v + 2]}`);
      }
      lines.push('    endloop', '  endfacet');
    }
    lines.push('endsolid cube');
    return lines.join('\n') + '\n';
  }

  it('reads ASCII STL and welds the repeated corners back to 8 vertices', async () => {
    const r = await readMesh(put('cube-ascii.stl', asciiStl(tri)));
    expect(r.format).toBe('stl-ascii');
    expectUnitCube(r.mesh);
  });

  it('reads binary STL, even when its header starts with "solid"', async () => {
    const bytes = encodeMesh(tri, 'stl');
    bytes.set(new TextEncoder().encode('solid but binary'), 0);
    const r = await readMesh(put('cube-solid-header.bin', bytes));
    expect(r.format).toBe('stl-binary');
    expectUnitCube(r.mesh);
  });

  it('reports a binary STL shorter than its triangle count as truncated', async () => {
    const bytes = encodeMesh(tri, 'stl');
    await rejects(put('cut.stl', bytes.subarray(0, bytes.length - 50)), 'E_CORRUPT', /12 triangles.*only 550 follow/);
  });

  it('refuses NaN corners and a file that ends inside a facet', async () => {
    const bad = asciiStl(tri).replace('vertex 0 0 0', 'vertex nan 0 0');
    await rejects(put('nan.stl', bad), 'E_CORRUPT', /finite/);
    const text = asciiStl(tri);
    await rejects(put('cut-ascii.stl', text.slice(0, text.indexOf('endloop', 300))), 'E_CORRUPT', /truncated/);
  });
});

describe('OBJ', () => {
  it('reads v/vt/vn corner forms, negative indices and quads, ignoring the rest', async () => {
    const lines = ['# units mm', 'mtllib cube.mtl', 'o cube', ...cube.positions.map((p) => `v ${p.join(' ')}`), 'vt 0 0', 'vn 0 0 1', 'g sides', 'usemtl grey', 's off'];
    // First three faces absolute with slashes; the rest relative to the 8 vertices so far.
    cube.quads.forEach((q, i) => {
      if (i === 0) lines.push(`f ${q.map((v) => `${v + 1}/1`).join(' ')}`);
      else if (i === 1) lines.push(`f ${q.map((v) => `${v + 1}//1`).join(' ')}`);
      else if (i === 2) lines.push(`f ${q.map((v) => `${v + 1}/1/1`).join(' ')}`);
      else lines.push(`f ${q.map((v) => `${v - 8}`).join(' ')}`);
    });
    lines.push('l 1 2');
    const r = await readMesh(put('cube.obj', lines.join('\r\n')));
    expect(r.format).toBe('obj');
    expectUnitCube(r.mesh);
    expect(r.mesh.units).toBe('mm');
  });

  it('refuses a face that reaches before the first vertex', async () => {
    await rejects(put('neg.obj', 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf -1 -2 -4\n'), 'E_CORRUPT', /-4/);
  });
});

describe('sniffing by content', () => {
  it('reads a PLY named .stl as PLY and an OFF named .obj as OFF', async () => {
    expect((await readMesh(put('really-ply.stl', cubePly('binary_big_endian')))).format).toBe('ply');
    expect((await readMesh(put('really-off.obj', cubeOff))).format).toBe('off');
  });

  it('names no format for an image or random text', () => {
    const png = readFileSync(sample('images', 'camera.png'));
    expect(sniffMesh(png.subarray(0, 1024), png.length, 'camera.png')).toBeUndefined();
    expect(sniffMesh(new TextEncoder().encode('hello world\n'), 12, 'x.txt')).toBeUndefined();
  });
});

describe('bad input', () => {
  it('an empty mesh, a NaN vertex, an index past the vertices, a truncated file, an absurd count', async () => {
    await rejects(put('empty.off', 'OFF\n0 0 0\n'), 'E_DATA', /no vertices/);
    await rejects(put('points.off', 'OFF\n3 0 0\n0 0 0\n1 0 0\n0 1 0\n'), 'E_DATA', /no faces/);
    await rejects(put('nan.off', 'OFF\n3 1 0\n0 0 0\nnan 0 0\n0 1 0\n3 0 1 2\n'), 'E_CORRUPT', /vertex 1 .*finite/);
    await rejects(put('inf.obj', 'v 0 0 0\nv Infinity 0 0\nv 0 1 0\nf 1 2 3\n'), 'E_CORRUPT', /finite/);
    await rejects(put('past.off', 'OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n'), 'E_CORRUPT', /vertex '3'.*3 vertices/);
    await rejects(put('past.obj', 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n'), 'E_CORRUPT', /vertex 8 .*3 vertices/);
    await rejects(put('cut.off', cubeOff.slice(0, cubeOff.indexOf('4 0 2 3 1'))), 'E_CORRUPT', /6 faces.*truncated/);
    await rejects(put('cut2.off', cubeOff.slice(0, cubeOff.indexOf('4 1 3 7 5'))), 'E_CORRUPT', /truncated: .*6 faces, the file ends after 5/);
    await rejects(put('absurd.off', 'OFF\n5000000000 1 0\n0 0 0\n'), 'E_TOO_LARGE', /5000000000/);
    await rejects(put('absurd2.off', 'OFF\n2000000 1 0\n0 0 0\n'), 'E_CORRUPT', /2000000 vertices .*only \d+ follow/);
    await rejects(put('zero.stl', new Uint8Array(0)), 'E_CORRUPT', /empty/);
    await rejects(join(dir, 'missing.ply'), 'E_NOT_FOUND');
    await rejects(put('notmesh.txt', 'just some words\nand more\n'), 'E_FORMAT');
  });

  it('reports holes: a cube without one face has 4 boundary edges and a warning', () => {
    const open = withoutTriangles(cubeMesh(), [0, 1]);
    const r = parseMesh(encodeMesh(open, 'ply'), 'open.ply');
    expect(r.topology.boundaryEdges).toBe(4);
    expect(r.topology.closed).toBe(false);
    expect(r.warnings.join()).toMatch(/4 boundary edges/);
  });
});

describe('writers', () => {
  it('round-trip the bunny through PLY, STL, OBJ and OFF with its units', async () => {
    const src = (await readMesh(sample('meshes', 'bunny00.off'))).mesh;
    const mesh: TriMesh = { ...src, units: 'mm' };
    for (const ext of ['ply', 'stl', 'obj', 'off'] as const) {
      const p = join(dir, `bunny-out.${ext}`);
      writeMesh(p, mesh);
      const back = await readMesh(p);
      expect(back.format.startsWith(ext)).toBe(true);
      expect(back.mesh.units).toBe('mm');
      expect(back.mesh.triangles.length).toBe(mesh.triangles.length);
      expect(back.mesh.positions.length).toBe(mesh.positions.length);
      expect(back.topology.closed).toBe(true);
      // Binary PLY and STL store float32; OBJ and OFF write the shortest exact decimal.
      const tol = ext === 'ply' || ext === 'stl' ? 1e-7 : 0;
      let worst = 0;
      // STL welds vertices in order of first use, so compare triangle corners, not vertex lists.
      for (let i = 0; i < mesh.triangles.length; i++) {
        for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(back.mesh.positions[3 * back.mesh.triangles[i] + k] - mesh.positions[3 * mesh.triangles[i] + k]));
      }
      expect(worst).toBeLessThanOrEqual(tol);
    }
  });

  it('PLY as double is exact; a mesh without triangles is refused', async () => {
    const m: TriMesh = { ...tetraMesh(), positions: Float64Array.from([0, 0, 0, 0.1, 0, 0, 0, 1 / 3, 0, 0, 0, Math.PI]) };
    const p = join(dir, 'tetra.ply');
    writeMesh(p, m, 'ply', { double: true });
    const back = (await readMesh(p)).mesh;
    expect(Array.from(back.positions)).toEqual(Array.from(m.positions));
    expect(() => writeMesh(join(dir, 'none.stl'), { ...m, triangles: new Uint32Array(0) })).toThrow(/no triangles/);
    expect(() => writeMesh(join(dir, 'bad.xyz'), m)).toThrow(/\.ply, \.stl, \.obj or \.off/);
  });
});
