/**
 * Mesh files in: one entry point, `readMesh(path)`, that sniffs the format from the bytes
 * (sniff.ts), parses it into a `TriMesh`, and reports the surface's topology so the caller can
 * warn about holes. Every failure is a one-line `InrError` naming the file. Inputs are only read.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { InrError, asReadError } from '../../core/errors';
import { meshTopology, topologyWarning, type MeshTopology, type TriMesh } from '../../mesh/trimesh';
import { parseOff } from './off';
import { parsePly } from './ply';
import { parseAsciiStl, parseBinaryStl } from './stl';
import { parseObj } from './obj';
import { MESH_FORMAT_LABELS, sniffMesh, type MeshFormat } from './sniff';
import { decodeText } from './text';

export { sniffMesh, MESH_FORMAT_LABELS, type MeshFormat } from './sniff';

/** Mesh files larger than this are refused (text formats must also fit in one JS string). */
const MAX_MESH_BYTES = 1 << 30;

export interface MeshFile {
  mesh: TriMesh;
  format: MeshFormat;
  topology: MeshTopology;
  /** Things the caller should tell the user (holes, non-manifold edges); empty for a clean closed mesh. */
  warnings: string[];
}

/** Parse mesh bytes already in memory (`path` names the file in errors). */
export function parseMesh(bytes: Uint8Array, path: string, format?: MeshFormat): MeshFile {
  const fmt = format ?? sniffMesh(bytes.subarray(0, 1024), bytes.length, path);
  if (!fmt) throw new InrError('E_FORMAT', 'not a mesh file (supported: OFF, PLY, STL, OBJ)', path);
  const name = basename(path);
  let mesh: TriMesh;
  try {
    switch (fmt) {
      case 'off':
        mesh = parseOff(decodeText(bytes), path, name);
        break;
      case 'ply':
        mesh = parsePly(bytes, path, name);
        break;
      case 'stl-binary':
        mesh = parseBinaryStl(bytes, path, name);
        break;
      case 'stl-ascii':
        mesh = parseAsciiStl(decodeText(bytes), path, name);
        break;
      case 'obj':
        mesh = parseObj(decodeText(bytes), path, name);
        break;
    }
  } catch (err) {
    throw asReadError(err, path, MESH_FORMAT_LABELS[fmt]);
  }
  const topology = meshTopology(mesh);
  const warning = topologyWarning(topology);
  return { mesh, format: fmt, topology, warnings: warning ? [warning] : [] };
}

/** Read a mesh file (OFF, PLY, STL, OBJ; format sniffed from the content). */
export async function readMesh(path: string): Promise<MeshFile> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new InrError('E_FORMAT', 'not a regular file', path);
    size = st.size;
  } catch (err) {
    if (err instanceof InrError) throw err;
    throw new InrError('E_NOT_FOUND', 'no such file', path);
  }
  if (size === 0) throw new InrError('E_CORRUPT', 'the file is empty', path);
  if (size > MAX_MESH_BYTES) throw new InrError('E_TOO_LARGE', `the mesh file is ${(size / 2 ** 20).toFixed(0)} MB, over the ${MAX_MESH_BYTES / 2 ** 20} MB limit`, path);
  let bytes: Uint8Array;
  try {
    const buf = await readFile(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw asReadError(err, path, 'mesh');
  }
  return parseMesh(bytes, path);
}
