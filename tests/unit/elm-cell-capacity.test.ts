/**
 * Per-cell capacity on an occupancy (main/inr/elm: config.ts `spendPerCell`, fit.ts `edgeSamples`,
 * `supportCounts` and the fit's per-cell columns, features.ts `byFrequency`, model.ts `cellHidden`,
 * io.ts): the budget goes to the cells the surface crosses, in proportion to the surface each holds.
 * Checked on grids whose surfaces are known, through the model file, and on the voxelised bunny.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readMesh } from '../../main/data/mesh/index';
import { resolveElmSpec, spendOnMixedCells, spendPerCell } from '../../main/inr/elm/config';
import { byFrequency, hiddenLayer } from '../../main/inr/elm/features';
import { edgeSamples, evaluateElm, fitElm, flatCells, supportCounts } from '../../main/inr/elm/fit';
import { decodeModel, encodeModel } from '../../main/inr/elm/io';
import { sampleGrid, uniformMesh } from '../../main/inr/elm/mesh';
import { cellHiddenOf, isFlatCell, paramCount, weightsPerCell } from '../../main/inr/elm/model';
import { closeProcessPool } from '../../main/inr/elm/parallel';
import { occupancyIoU } from '../../main/mesh/metrics';
import { voxelizeMesh } from '../../main/mesh/voxelize';
import { grid, headerOf, OCCUPANCY_FIELD as FIELD, withHeader } from '../helpers/occupancy-grid';
import { sample } from '../helpers/samples';

afterAll(async () => {
  await closeProcessPool();
});

/** A ball of radius 4.5 in the first half of a 12×12×24 grid, and two cells per axis but four along x. */
function ballFit(cellHidden?: () => number[]) {
  const shape = [12, 12, 24];
  const values = grid(shape, (x, y, z) => Math.hypot(x - 6, y - 6, z - 6) < 4.5);
  let spec = { ...resolveElmSpec(shape, 1, { subdomains: [2, 2, 4], hidden: 24 }), band: 0.25 };
  if (cellHidden) spec = { ...spec, cellHidden: cellHidden() };
  return { shape, values, spec, model: fitElm({ values, shape, channels: 1 }, spec) };
}

describe('the surface of an occupancy', () => {
  it('marks the voxels on either side of it, and counts them per support', () => {
    // A 2×2×2 cube in a 6×6×6 grid: its 8 voxels and the 24 outside voxels touching its faces.
    const shape = [6, 6, 6];
    const values = grid(shape, (x, y, z) => x >= 2 && x < 4 && y >= 2 && y < 4 && z >= 2 && z < 4);
    const edges = edgeSamples({ values, shape, channels: 1 });
    expect(edges.reduce((a, b) => a + b, 0)).toBe(32);
    expect(edges[(2 * 6 + 2) * 6 + 2]).toBe(1); // a cube voxel
    expect(edges[(2 * 6 + 2) * 6 + 1]).toBe(1); // its face neighbour
    expect(edges[(1 * 6 + 1) * 6 + 1]).toBe(0); // its corner neighbour
    // Unobserved and non-finite samples are no surface: hide the cube and nothing is marked.
    const mask = Uint8Array.from(values, (v) => (v ? 0 : 1));
    expect(edgeSamples({ values, shape, channels: 1, mask }).reduce((a, b) => a + b, 0)).toBe(0);
    expect(edgeSamples({ values: values.map((v) => (v ? NaN : 0)), shape, channels: 1 }).reduce((a, b) => a + b, 0)).toBe(0);
    // Per support: written out cell by cell against the mesh's own spans.
    const mesh = uniformMesh(shape, [2, 2, 3], 0.15);
    const { marked, size } = supportCounts(mesh, shape, edges);
    const inSupport = (a: number, k: number, i: number) => {
      const ax = mesh.axes[a];
      return i > k * ax.width - ax.margin - 0.5 && i < k * ax.width + ax.width - 0.5 + ax.margin;
    };
    for (let kz = 0; kz < 2; kz++)
      for (let ky = 0; ky < 2; ky++)
        for (let kx = 0; kx < 3; kx++) {
          let n = 0;
          let s = 0;
          for (let z = 0; z < 6; z++)
            for (let y = 0; y < 6; y++)
              for (let x = 0; x < 6; x++)
                if (inSupport(0, kz, z) && inSupport(1, ky, y) && inSupport(2, kx, x)) {
                  n++;
                  s += edges[(z * 6 + y) * 6 + x];
                }
          const id = (kz * 2 + ky) * 3 + kx;
          expect(size[id], `cell ${id}`).toBe(n);
          expect(marked[id], `cell ${id}`).toBe(s);
        }
  });
});

/** Per-cell hidden sizes for ballFit: every size on the mixed cells (the first two along x), 0 included (affine terms only). */
const SIZES = () => Array.from({ length: 16 }, (_, id) => [0, 24, 5, 12][(id + (id >> 2)) % 4]);

describe('per-cell capacity', () => {
  it('orders a hidden layer by frequency without changing its nodes', () => {
    const layer = hiddenLayer(3, 50, [4, 2, 1], 'sine');
    const ordered = byFrequency(layer);
    const norm = (W: Float64Array, j: number) => W[3 * j] ** 2 + W[3 * j + 1] ** 2 + W[3 * j + 2] ** 2;
    for (let j = 1; j < 50; j++) expect(norm(ordered.W, j)).toBeGreaterThanOrEqual(norm(ordered.W, j - 1));
    const key = (W: Float64Array, b: Float64Array, j: number) => `${W[3 * j]},${W[3 * j + 1]},${W[3 * j + 2]},${b[j]}`;
    const nodes = (l: typeof layer) => Array.from({ length: 50 }, (_, j) => key(l.W, l.b, j)).sort();
    expect(nodes(ordered)).toEqual(nodes(layer));
  });

  it('fits each cell on its own first nodes, counts and stores only those, and reads back bit for bit', () => {
    const { shape, spec, model } = ballFit(SIZES);
    const per = weightsPerCell(spec);
    let expected = 0;
    let mixed = 0;
    for (let id = 0; id < model.mesh.count; id++) {
      const mh = cellHiddenOf(spec, id);
      // β beyond the cell's own nodes is exactly zero; its affine part and mean are after them.
      for (let j = mh; j < spec.hidden; j++) expect(model.weights[id * per + j]).toBe(0);
      if (isFlatCell(model, id)) expected += 1;
      else {
        mixed++;
        expected += mh + 5 + 1;
        // A cell with nodes uses them: some β among its first nodes is not zero.
        if (mh > 0) expect(Array.from(model.weights.subarray(id * per, id * per + mh)).some((v) => v !== 0)).toBe(true);
      }
    }
    expect(mixed).toBeGreaterThan(0);
    expect(paramCount(model)).toBe(expected);
    // The file: the sizes in the header, the weights each cell stores in the block.
    const bytes = encodeModel(model, FIELD);
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    expect(bytes.length).toBe(16 + headerLength + 4 * (paramCount(model) - mixed));
    const back = decodeModel(bytes).model;
    expect(back.weights).toEqual(model.weights);
    const grids = shape.map((L) => sampleGrid(L));
    expect(evaluateElm(back, grids)).toEqual(evaluateElm(model, grids));
  });

  it('refuses a model file whose hidden sizes do not fit its spec or weights', () => {
    const { spec, model } = ballFit(SIZES);
    const bytes = encodeModel(model, FIELD);
    const header = headerOf(bytes) as { spec: { cellHidden: number[] } };
    const rewrite = (cellHidden: unknown) => withHeader(bytes, { ...header, spec: { ...header.spec, cellHidden } });
    const sizes = header.spec.cellHidden as number[];
    const corrupt = expect.objectContaining({ code: 'E_CORRUPT' });
    expect(() => decodeModel(rewrite(sizes.slice(1)), 'm.inr')).toThrow(corrupt);
    expect(() => decodeModel(rewrite(sizes.map((m) => (m === 5 ? spec.hidden + 1 : m))), 'm.inr')).toThrow(corrupt);
    expect(() => decodeModel(rewrite(sizes.map((m) => (m === 5 ? 2.5 : m))), 'm.inr')).toThrow(corrupt);
    // Sizes that fit the spec but not the weights: one cell more nodes than were stored.
    expect(() => decodeModel(rewrite(sizes.map((m) => (m === 5 ? 6 : m))), 'm.inr')).toThrow(
      expect.objectContaining({ code: 'E_CORRUPT', message: expect.stringMatching(/fewer weights/) }),
    );
  });

  it('spends the budget on the surface: more nodes where more of it is, within the budget', async () => {
    const bunny = await readMesh(sample('meshes', 'bunny00.off'));
    const { grid: g } = voxelizeMesh(bunny.mesh, { resolution: 96 });
    const input = { values: Float32Array.from(g.data), shape: g.shape, channels: 1 };
    const budget = Math.floor(0.01 * g.data.length);
    const base = spendOnMixedCells(resolveElmSpec(g.shape, 1, { budget }), input, budget).spec;
    const { spec, flat } = spendPerCell(base, input, budget);
    expect(spec.cells).toEqual(base.cells);
    const mesh = uniformMesh(g.shape, spec.cells, spec.overlap);
    const flags = flatCells(input, mesh);
    const { marked, size } = supportCounts(mesh, g.shape, edgeSamples(input));
    const sizes = spec.cellHidden!;
    expect(flat).toBe(flags.reduce((a, b) => a + b, 0));
    let params = flat;
    const mixed: number[] = [];
    for (let id = 0; id < mesh.count; id++) {
      if (flags[id]) expect(sizes[id]).toBe(0);
      else {
        mixed.push(id);
        expect(sizes[id]).toBeGreaterThanOrEqual(Math.min(8, spec.hidden));
        params += sizes[id] + 5 + 1;
      }
    }
    expect(Math.max(...sizes)).toBe(spec.hidden);
    expect(new Set(mixed.map((id) => sizes[id])).size).toBeGreaterThan(5);
    // Within the budget, and filled to less than what one node more on every mixed cell would cost.
    expect(params).toBeLessThanOrEqual(budget);
    expect(budget - params).toBeLessThan(mixed.length);
    // Monotone in the surface a cell holds, among the cells with whole supports (one cap for all).
    const whole = Math.max(...size);
    const order = mixed.filter((id) => size[id] === whole).sort((a, b) => marked[a] - marked[b]);
    expect(order.length).toBeGreaterThan(10);
    for (let i = 1; i < order.length; i++) expect(sizes[order[i]]).toBeGreaterThanOrEqual(sizes[order[i - 1]]);
    // The fit: within the budget, and closer to the bunny than the same mesh with one size for every mixed cell.
    const band = { band: 0.25 };
    const grids = g.shape.map((L) => sampleGrid(L));
    const perCell = fitElm(input, { ...spec, ...band });
    const uniform = fitElm(input, { ...base, ...band });
    expect(paramCount(perCell)).toBe(params);
    expect(paramCount(uniform)).toBeLessThanOrEqual(budget);
    const iou = (m: typeof perCell) => occupancyIoU(evaluateElm(m, grids), input.values).iou;
    const [a, b] = [iou(perCell), iou(uniform)];
    expect(a).toBeGreaterThan(b);
    // Nothing to move: a grid without a surface comes back as it was.
    const empty = { ...input, values: new Float32Array(input.values.length) };
    expect(spendPerCell(base, empty, budget)).toEqual({ spec: base, flat: mesh.count });
  }, 120_000);
});
