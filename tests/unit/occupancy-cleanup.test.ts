/**
 * Clean-up of an occupancy grid made from a volume (main/mesh/cleanup.ts): Gaussian smoothing, the
 * largest pieces (26-connected) and holes filled slice by slice, on small grids whose answer is known and on the
 * Otsu occupancy of the Colin27 head.
 */
import { describe, expect, it } from 'vitest';
import { InrError } from '../../main/core/errors';
import { createField, type Field } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { cleanOccupancy, fillSliceHoles, labelPieces, smoothOccupancy } from '../../main/mesh/cleanup';
import { occupancyFromVolume, volumeOccupancy } from '../../main/mesh/occupancy';
import { sample } from '../helpers/samples';

function grid(shape: [number, number, number], on: (x: number, y: number, z: number) => boolean): Uint8Array {
  const [nz, ny, nx] = shape;
  const g = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) g[(z * ny + y) * nx + x] = on(x, y, z) ? 1 : 0;
  return g;
}

function field(shape: [number, number, number], g: Uint8Array, spacing = [1, 1, 1]): Field {
  return createField({
    axes: ['z', 'y', 'x'],
    shape,
    channels: ['occupancy'],
    values: Float32Array.from(g),
    dtype: 'uint8',
    geometry: { spacing },
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

describe('Gaussian smoothing', () => {
  it('drops a speck and a thin wire, keeps a flat boundary where it is, and does not shrink a shape cut by the grid edge', () => {
    const shape: [number, number, number] = [9, 9, 9];
    const speck = grid(shape, (x, y, z) => x === 4 && y === 4 && z === 4);
    // σ = 1 voxel: the blur at the speck is (0.399)³ ≈ 0.064, far below ½.
    expect(smoothOccupancy(speck, shape, [1, 1, 1])).toEqual({ added: 0, removed: 1 });
    expect(count(speck)).toBe(0);
    // A half-space's plane boundary: the symmetric blur is above ½ on its inside row and below on the outside one.
    const half = grid(shape, (x) => x < 4);
    const before = Uint8Array.from(half);
    expect(smoothOccupancy(half, shape, [2, 2, 2])).toEqual({ added: 0, removed: 0 });
    expect(half).toEqual(before);
    // A slab against the edge x = 0, two voxels thick: beyond the edge the blur sees the slab again.
    const slab = grid(shape, (x) => x < 2);
    expect(smoothOccupancy(slab, shape, [1, 1, 1])).toEqual({ added: 0, removed: 0 });
    // A one-voxel wire along z (the edge repeats it along its length): kept at σ 0.5, gone at σ 2 across it.
    const wire = () => grid(shape, (x, y) => x === 4 && y === 4);
    const thin = wire();
    expect(smoothOccupancy(thin, shape, [0, 0.5, 0.5])).toEqual({ added: 0, removed: 0 });
    const wide = wire();
    expect(smoothOccupancy(wide, shape, [0, 2, 2])).toEqual({ added: 0, removed: 9 });
  });

  it('makes a ragged ball round: its noisy boundary voxels go, its inside stays', () => {
    const shape: [number, number, number] = [24, 24, 24];
    const r = (x: number, y: number, z: number) => Math.hypot(x - 11.5, y - 11.5, z - 11.5);
    const ball = grid(shape, (x, y, z) => r(x, y, z) < 8);
    // Flip one boundary-shell voxel in five (a fixed pattern): bumps outside, pits inside.
    const ragged = grid(shape, (x, y, z) => {
      const d = r(x, y, z);
      const flip = Math.abs(d - 8) < 1 && (x * 7 + y * 13 + z * 3) % 5 === 0;
      return d < 8 !== flip;
    });
    const wrong = (g: Uint8Array) => g.reduce((s, v, i) => s + (v !== ball[i] ? 1 : 0), 0);
    const before = wrong(ragged);
    expect(before).toBeGreaterThan(300);
    // σ of one voxel: a clean ball of radius 8 keeps every voxel; the ragged one loses most of its error.
    expect(smoothOccupancy(Uint8Array.from(ball), shape, [1, 1, 1])).toEqual({ added: 0, removed: 0 });
    smoothOccupancy(ragged, shape, [1, 1, 1]);
    expect(wrong(ragged)).toBeLessThan(before / 2);
    // Far inside and far outside nothing changed.
    for (let i = 0; i < ball.length; i++) {
      const z = Math.floor(i / 576);
      const y = Math.floor(i / 24) % 24;
      const d = r(i % 24, y, z);
      if (d < 5 || d > 11) expect(ragged[i]).toBe(ball[i]);
    }
  });

  it('repeats the edge value beyond the grid, also when the kernel is longer than an axis', () => {
    // Rows of 9 samples along x; σ 4 samples reaches 12 past each sample, beyond both ends.
    const shape: [number, number, number] = [1, 1, 9];
    const rows = [
      [1, 1, 1, 0, 0, 0, 0, 0, 0],
      [0, 1, 1, 1, 1, 0, 1, 0, 0],
      [1, 0, 0, 0, 1, 1, 1, 1, 0],
    ];
    for (const row of rows) {
      const sigma = 4;
      let sum = 0;
      const w = (k: number) => Math.exp((-0.5 * k * k) / (sigma * sigma));
      for (let k = -12; k <= 12; k++) sum += w(k);
      // The blur written out: every tap, the index clamped to the grid.
      const want = row.map((_, t) => {
        let acc = 0;
        for (let k = -12; k <= 12; k++) acc += w(k) * row[Math.max(0, Math.min(8, t + k))];
        return acc / sum >= 0.5 ? 1 : 0;
      });
      const got = Uint8Array.from(row);
      smoothOccupancy(got, shape, [0, 0, sigma]);
      expect(Array.from(got), row.join('')).toEqual(want);
    }
  });

  it('takes σ in the grid’s length units, through its spacing', () => {
    // A one-voxel wire along z, and a slab (x ≥ 7) whose flat face smoothing keeps.
    const shape: [number, number, number] = [6, 12, 12];
    const g = grid(shape, (x, y) => (x === 2 && y === 2) || x >= 7);
    // σ 0.5 mm is 2 voxels across the wire at 0.25 mm spacing: the wire goes; at 2 mm, ¼ voxel: it stays.
    const fine = cleanOccupancy(field(shape, g, [1, 0.25, 0.25]), { smooth: 0.5 });
    expect([fine.smoothAdded, fine.smoothRemoved]).toEqual([0, 6]);
    expect(fine.field.provenance.meta?.cleanup).toEqual({ smooth: 0.5, smoothAdded: 0, smoothRemoved: 6, removed: 0, filled: 0 });
    const coarse = cleanOccupancy(field(shape, g, [1, 2, 2]), { smooth: 0.5 });
    expect([coarse.smoothAdded, coarse.smoothRemoved]).toEqual([0, 0]);
    expect(coarse.inside).toBe(count(g));
  });

  it('refuses a σ that is not a positive length, and says when smoothing left nothing inside', () => {
    const shape: [number, number, number] = [5, 5, 5];
    const speck = field(
      shape,
      grid(shape, (x, y, z) => x === 2 && y === 2 && z === 2),
    );
    for (const smooth of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => cleanOccupancy(speck, { smooth })).toThrow(expect.objectContaining({ code: 'E_ARG', message: expect.stringMatching(/positive length/) }));
    expect(() => cleanOccupancy(speck, { smooth: 1 })).toThrow(/no voxel inside after smoothing/);
    // Beyond the volume's own size a σ means nothing (and would cost without bound).
    expect(() => cleanOccupancy(speck, { smooth: 5.5 })).toThrow(
      expect.objectContaining({ code: 'E_ARG', message: expect.stringMatching(/larger than the volume \(5 along its longest side\)/) }),
    );
  });

  it('is worded in the volume’s rule, before the islands and the fill', () => {
    // A CT-like cube of 2 mm voxels: a bright block and one bright speck.
    const shape: [number, number, number] = [10, 10, 10];
    const ct = createField({
      axes: ['z', 'y', 'x'],
      shape,
      channels: ['ct'],
      values: Float32Array.from(
        grid(shape, (x, y, z) => (x >= 3 && x < 8 && y >= 3 && y < 8 && z >= 3 && z < 8) || (x === 1 && y === 8 && z === 5)),
        (v) => (v ? 400 : -800),
      ),
      dtype: 'int16',
      geometry: { spacing: [2, 2, 2] },
      units: 'HU',
      provenance: { format: 'nifti', path: '/ct.nii.gz' },
    });
    // σ 2 mm, one voxel: the speck (blur ≈ 0.06) is smoothed away, so one piece is left for the islands step.
    const r = volumeOccupancy(ct, { threshold: 0, smooth: 2, islands: 1 });
    expect(r.rule).toMatch(/^value ≥ 0, smoothed by a Gaussian of σ 2 mm \(\d+ voxels added, \d+ dropped\), the largest piece of 1 \(0 voxels dropped\)$/);
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
    expect(one.field.provenance.meta?.cleanup).toEqual({ islands: 1, fill: true, smoothAdded: 0, smoothRemoved: 0, pieces: 3, removed: 5, filled: 150 });
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
