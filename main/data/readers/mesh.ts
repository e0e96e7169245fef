/**
 * Triangle meshes (OFF, PLY, STL, OBJ) open as occupancy volumes: the mesh is voxelised on its
 * padded bounding box at `res` samples along the longest axis (default 256) and becomes a 0/1
 * Field with the mesh's units, so every method fits it and every view shows it.
 */
import { statSync } from 'node:fs';
import { InrError } from '../../core/errors';
import { ensureFits } from '../../core/limits';
import { DEFAULT_RESOLUTION, meshGrid, voxelizeMesh } from '../../mesh/voxelize';
import { meshBounds } from '../../mesh/trimesh';
import { occupancyField } from '../../mesh/occupancy';
import { MESH_FORMAT_LABELS, readMesh, sniffMesh } from '../mesh/index';
import type { Reader } from '../registry';

export const meshReader: Reader = {
  format: 'occupancy',
  label: 'Triangle mesh (OFF, PLY, STL, OBJ) as an occupancy grid',
  sniff(head, path) {
    let size = head.length;
    try {
      size = statSync(path).size;
    } catch {
      /* sniffing a head alone */
    }
    return sniffMesh(head, size, path) !== undefined;
  },
  async read(path, opts) {
    const res = opts.res ?? DEFAULT_RESOLUTION;
    if (!(Number.isInteger(res) && res >= 8 && res <= 4096)) throw new InrError('E_ARG', `the occupancy resolution must be an integer in [8, 4096], got ${res}`, path);
    const file = await readMesh(path);
    const grid = meshGrid(meshBounds(file.mesh), res);
    const voxels = grid.shape[0] * grid.shape[1] * grid.shape[2];
    // One byte a voxel to voxelise, four for the Field.
    ensureFits(voxels * 5, `an occupancy grid of ${grid.shape[2]} × ${grid.shape[1]} × ${grid.shape[0]} voxels at resolution ${res}`, path, 'to voxelise');
    const { grid: occ, stats } = voxelizeMesh(file.mesh, { resolution: res, signal: opts.signal });
    const field = occupancyField(occ, path, { stats, format: MESH_FORMAT_LABELS[file.format] });
    field.provenance.meta = { ...field.provenance.meta, vertices: file.mesh.positions.length / 3, triangles: file.mesh.triangles.length / 3, warnings: file.warnings };
    return field;
  },
};
