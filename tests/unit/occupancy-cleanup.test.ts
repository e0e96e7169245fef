/**
 * Clean-up of an occupancy grid made from a volume (main/mesh/cleanup.ts): the largest pieces
 * (26-connected) and holes filled slice by slice, on small grids whose answer is known and on the
 * Otsu occupancy of the Colin27 head.
 */
import { describe, expect, it } from 'vitest';
import { InrError } from '../../main/core/errors';
import { createField, type Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { cleanOccupancy, fillSliceHoles, labelPieces } from '../../main/mesh/cleanup';
import { occupancyFromVolume } from '../../main/mesh/occupancy';
import { sample } from '../helpers/samples';

function grid(shape: [number, number, number], on: (x: number, y: number, z: number) => boolean): Uint8Array {
  const [nz, ny, nx] = shape;
  const g = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) g[(z * ny + y) * nx + x] = on(x, y, z) ? 1 : 0;
  return g;
}

function field(shape: [number, number, number], g: Uint8Array): Field {
  return createField({
    axes: ['z', 'y', 'x'],
    shape,
    channels: ['occupancy'],
    values: Float32Array.from(g),
    dtype: 'uint8',
    geometry: { spacing: [1, 1, 1] },
    provenance: { format: 'occupancy', path: '/grid', meta: { rule: 'value ≥ 1' } },
  });
}

const count = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + (v >= 0.5 ? 1 : 0), 0);

describe('pieces (26-connected)', () => {
  it('voxels touching by a corner are one piece; a gap of one voxel makes two', () => {
    const corner = grid([3, 3, 3], (x, y, z) => (x === 0 && y === 0 && z === 0) || (x === 1 && y === 1 && z === 1));
    expect(labelPieces(corner, [3, 3, 3]).sizes).toEqual([2]);
    const apart = grid([3, 3, 3], (x, y, z) => (x === 0 && y === 0 && z === 0) || (x === 2 && y === 2 && z === 2));
    expect(labelPieces(apart, [3, 3, 3]).sizes).toEqual([1, 1]);
    // A slab across the whole grid is one piece of every voxel in it.
    const slab = grid([5, 7, 9], (_x, y) => y === 3);
    expect(labelPieces(slab, [5, 7, 9]).sizes).toEqual([45]);
  });
});

describe('holes filled slice by slice', () => {
  it('fills a ring, not a ring broken to the border, and the cavity of a hollow cube', () => {
    const shape: [number, number, number] = [1, 9, 9];
    const ring = (x: number, y: number) => Math.max(Math.abs(x - 4), Math.abs(y - 4)) === 2;
    const closed = grid(shape, ring);
    expect(fillSliceHoles(closed, shape)).toBe(9);
    expect(count(closed)).toBe(25);
    // A gap in the ring joins its inside to the outside through an edge-sharing path.
    const open = grid(shape, (x, y) => ring(x, y) && !(x === 4 && y === 2));
    expect(fillSliceHoles(open, shape)).toBe(0);
    // Background that touches the inside only by a corner is not a way out: a diagonal gap stays closed.
    const diag = grid(shape, (x, y) => Math.abs(x - 4) + Math.abs(y - 4) === 2);
    expect(fillSliceHoles(diag, shape)).toBe(5);
    const cube: [number, number, number] = [6, 6, 6];
    const hollow = grid(cube, (x, y, z) => Math.min(x, y, z) >= 1 && Math.max(x, y, z) <= 4 && !(Math.min(x, y, z) >= 2 && Math.max(x, y, z) <= 3));
    expect(fillSliceHoles(hollow, cube)).toBe(8);
  });

  it('closes a tube open at both ends, which a 3-D fill would leave hollow', () => {
    const shape: [number, number, number] = [10, 15, 15];
    const tube = grid(shape, (x, y) => {
      const r = Math.hypot(x - 7, y - 7);
      return r >= 3 && r < 6;
    });
    const before = count(tube);
    const filled = fillSliceHoles(tube, shape);
    const disc = grid([1, 15, 15], (x, y) => Math.hypot(x - 7, y - 7) < 3);
    expect(filled).toBe(10 * count(disc));
    expect(count(tube)).toBe(before + filled);
  });
});

describe('cleanOccupancy', () => {
  it('keeps the largest pieces, fills, records what it did, and leaves its input alone', () => {
    const shape: [number, number, number] = [8, 12, 12];
    const g = grid(shape, (x, y, z) => {
      const ring = Math.max(Math.abs(x - 5), Math.abs(y - 5)) === 3 && z >= 1 && z <= 6;
      const speck = x === 11 && y === 11 && z === 7;
      const bar = x === 0 && y <= 3 && z === 0;
      return ring || speck || bar;
    });
    const f = field(shape, g);
    const copy = Float32Array.from(f.values);
    const one = cleanOccupancy(f, { islands: 1, fill: true });
    expect(one.pieces).toBe(3);
    expect(one.removed).toBe(5);
    expect(one.filled).toBe(6 * 25);
    expect(one.inside).toBe(6 * 49);
    expect(one.field.provenance.meta?.cleanup).toEqual({ islands: 1, fill: true, pieces: 3, removed: 5, filled: 150 });
    expect(one.field.provenance.meta?.rule).toBe('value ≥ 1');
    expect(f.values).toEqual(copy);
    const two = cleanOccupancy(f, { islands: 2 });
    expect(two.removed).toBe(1);
    expect(two.inside).toBe(count(copy) - 1);
    // More islands than pieces keeps them all.
    expect(cleanOccupancy(f, { islands: 10 }).removed).toBe(0);
  });

  it('refuses a count that is not a positive integer, and a fill that leaves nothing outside', () => {
    const shape: [number, number, number] = [3, 5, 5];
    const edge = field(
      shape,
      grid(shape, (x, y) => x === 0 || y === 0 || x === 4 || y === 4),
    );
    for (const islands of [0, 1.5, -2])
      expect(() => cleanOccupancy(edge, { islands })).toThrow(expect.objectContaining({ code: 'E_ARG', message: expect.stringMatching(/positive integer/) }));
    expect(() => cleanOccupancy(edge, { fill: true })).toThrow(InrError);
    expect(() => cleanOccupancy(edge, { fill: true })).toThrow(/every voxel is inside/);
  });

  it('turns the Otsu threshold of the Colin27 head into the solid head', async () => {
    const mr = await openField(sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'));
    const otsu = occupancyFromVolume(mr, { threshold: 'otsu' });
    const head = cleanOccupancy(otsu.field, { islands: 1, fill: true });
    const n = otsu.field.values.length;
    // The threshold keeps the scalp and the brain but not the dark skull and CSF between them.
    expect(otsu.inside / n).toBeLessThan(0.46);
    expect(head.inside / n).toBeGreaterThan(0.53);
    // Specks outside the head are dropped; every voxel the fill adds was outside the threshold.
    expect(head.pieces).toBeGreaterThan(10);
    expect(head.removed).toBeLessThan(0.01 * otsu.inside);
    expect(head.inside).toBe(otsu.inside - head.removed + head.filled);
    // The result is clean: one piece, and no hole left in any slice.
    expect(labelPieces(Uint8Array.from(head.field.values), head.field.shape).sizes).toHaveLength(1);
    expect(fillSliceHoles(Uint8Array.from(head.field.values), head.field.shape)).toBe(0);
  });
});
