/**
 * Fitting on a saved mesh: `fit --method elm-beam --mesh mesh.json` reuses the cells (and per-cell
 * hidden sizes) a previous BEAM fit wrote, instead of building a mesh. This makes a mesh chosen on
 * one field reusable on another of the same grid (the next time step, another channel, a
 * denoised version) and makes runs comparable cell for cell.
 *
 * The file is what `beamMeshJson` writes. It is checked before any solve: the grid must be the
 * data's, and the cells must be dyadic boxes whose cores tile the grid exactly once.
 */
import { InrError } from '../../../core/errors';
import type { BeamCell } from './model';
import type { MeshPlan } from './plans';
import type { BeamNode } from './tree';

export interface BeamMeshFile {
  shape: number[];
  overlap?: number;
  /** `norm` is null where JSON could not hold it (NaN: a cell with no observed sample). */
  cells: { lo: number[]; size: number[]; span?: number[]; level: number; norm: number | null; hidden: number }[];
}

const isInt = (v: unknown, min = 0): v is number => Number.isInteger(v) && (v as number) >= min;
const isPow2 = (v: number) => v >= 1 && (v & (v - 1)) === 0;

/** Parse and check the structure of a mesh file (E_CORRUPT when it is not one). */
export function parseMeshFile(text: string, path: string): BeamMeshFile {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (err) {
    throw new InrError('E_CORRUPT', `not a BEAM mesh file: ${(err as Error).message}`, path);
  }
  const o = j as Partial<BeamMeshFile>;
  if (!o || !Array.isArray(o.shape) || !o.shape.every((L) => isInt(L, 1)) || !Array.isArray(o.cells) || o.cells.length === 0) {
    throw new InrError('E_CORRUPT', 'not a BEAM mesh file: it needs "shape" and a non-empty "cells" list', path);
  }
  const d = o.shape.length;
  o.cells.forEach((c, k) => {
    const ok =
      c &&
      Array.isArray(c.lo) &&
      Array.isArray(c.size) &&
      c.lo.length === d &&
      c.size.length === d &&
      c.lo.every((v) => isInt(v)) &&
      c.size.every((v) => isInt(v, 1)) &&
      (c.span === undefined || (Array.isArray(c.span) && c.span.length === d && c.span.every((v) => isInt(v, 1) && isPow2(v)))) &&
      isInt(c.hidden, 1) &&
      isInt(c.level) &&
      (typeof c.norm === 'number' || c.norm === null);
    if (!ok) throw new InrError('E_CORRUPT', `BEAM mesh file: cell ${k} needs lo, size (${d} integers each), level, norm and hidden`, path);
  });
  return o as BeamMeshFile;
}

/**
 * The mesh plan of a saved mesh on data of `shape`. E_ARG when the mesh belongs to another grid;
 * E_CORRUPT when its cells are not dyadic boxes tiling the grid once.
 */
export function planFromMesh(mesh: BeamMeshFile, shape: readonly number[], path: string): MeshPlan {
  if (mesh.shape.length !== shape.length || mesh.shape.some((L, a) => L !== shape[a])) {
    throw new InrError(
      'E_ARG',
      `the mesh is for ${mesh.shape.join('×')} data, but this dataset is ${shape.join('×')}: fit a mesh on this grid, or leave out the mesh parameter`,
      path,
    );
  }
  const d = shape.length;
  const n = shape.reduce((a, b) => a * b, 1);
  const covered = new Uint8Array(n);
  const hiddens = [...new Set(mesh.cells.map((c) => c.hidden))].sort((a, b) => a - b);
  const cells: BeamCell[] = mesh.cells.map((c, k) => {
    // `size` is the core clipped to the grid; `span` the nominal (power-of-two) box. Files
    // without `span` are from cells that are never clipped, or give it as the next power of two.
    const span = c.span ?? c.size.map((s) => 2 ** Math.ceil(Math.log2(s)));
    for (let a = 0; a < d; a++) {
      const clipped = Math.min(shape[a], c.lo[a] + span[a]) - c.lo[a];
      if (!isPow2(span[a]) || c.lo[a] % span[a] !== 0 || c.lo[a] >= shape[a] || clipped !== c.size[a]) {
        throw new InrError('E_CORRUPT', `BEAM mesh file: cell ${k} is not a dyadic box of the ${shape.join('×')} grid`, path);
      }
    }
    markCore(covered, shape, c.lo, c.size, k, path);
    return { lo: c.lo.slice(), size: span, level: c.level, layer: hiddens.indexOf(c.hidden), norm: c.norm ?? NaN };
  });
  for (let i = 0; i < n; i++) {
    if (covered[i] !== 1) throw new InrError('E_CORRUPT', 'BEAM mesh file: its cells leave part of the grid uncovered', path);
  }
  const start: BeamNode[] = cells.map((c, id) => ({
    id,
    lo: c.lo,
    size: c.size,
    level: c.level,
    parent: null,
    children: null,
    cached: null,
    norm: c.norm,
    samples: mesh.cells[id].size.reduce((a, b) => a * b, 1),
  }));
  return { cells, hiddens, start, splits: 0, merges: 0, stop: 'mesh from file' };
}

function markCore(covered: Uint8Array, shape: readonly number[], lo: number[], count: number[], k: number, path: string): void {
  const d = shape.length;
  const idx = lo.slice();
  for (;;) {
    let flat = 0;
    for (let a = 0; a < d; a++) flat = flat * shape[a] + idx[a];
    if (covered[flat]) throw new InrError('E_CORRUPT', `BEAM mesh file: cell ${k} overlaps another cell's core`, path);
    covered[flat] = 1;
    let a = d - 1;
    for (; a >= 0; a--) {
      if (++idx[a] < lo[a] + count[a]) break;
      idx[a] = lo[a];
    }
    if (a < 0) return;
  }
}
