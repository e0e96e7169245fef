/**
 * Flat cells (main/inr/elm: fit.ts `flatCells`, model.ts `isFlatCell`/`paramCount`, io.ts, and
 * config.ts `spendOnMixedCells`): a cell whose support holds one value stores its mean alone, so an
 * occupancy fitted to a budget spends it on the cells its surface crosses. Checked on grids whose
 * flat cells are known, through the model file, and on the voxelised bunny and a smoothed stent CT.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InrError } from '../../main/core/errors';
import { openField } from '../../main/data/index';
import { readMesh } from '../../main/data/mesh/index';
import { resolveElmSpec, spendOnMixedCells } from '../../main/inr/elm/config';
import { evaluateElm, fitElm, flatCells } from '../../main/inr/elm/fit';
import { decodeModel, encodeModel } from '../../main/inr/elm/io';
import { sampleGrid, uniformMesh } from '../../main/inr/elm/mesh';
import { createModel, isFlatCell, paramCount, weightsPerCell } from '../../main/inr/elm/model';
import { closeProcessPool } from '../../main/inr/elm/parallel';
import { occupancyIoU } from '../../main/mesh/metrics';
import { occupancyField, volumeOccupancy } from '../../main/mesh/occupancy';
import { voxelizeMesh } from '../../main/mesh/voxelize';
import { runFitTask } from '../../main/tasks/fit';
import { grid, headerOf, OCCUPANCY_FIELD as FIELD, withHeader } from '../helpers/occupancy-grid';
import { sample } from '../helpers/samples';

afterAll(async () => {
  await closeProcessPool();
});

describe('flat cells', () => {
  it('are the cells whose observed support holds one value', () => {
    // A half-space x < 10 on 8×8×20 with 4 cells along x (cores of 4.75 samples, supports about
    // 6 samples wide): the second and third cells' supports reach both sides of x = 9.5.
    const shape = [8, 8, 20];
    const values = grid(shape, (x) => x < 10);
    const mesh = uniformMesh(shape, [1, 1, 4], 0.15);
    expect(Array.from(flatCells({ values, shape, channels: 1 }, mesh))).toEqual([1, 0, 0, 1]);
    // Unobserved samples do not count: hide x ≥ 10 and the cells that see any sample see ones only;
    // the last one sees none, and a cell with nothing observed is not flat.
    const mask = new Uint8Array(values.length).map((_, i) => (i % 20 < 10 ? 1 : 0));
    expect(Array.from(flatCells({ values, shape, channels: 1, mask }, mesh))).toEqual([1, 1, 1, 0]);
    // Nor do NaNs.
    const nan = values.map((v, i) => (i % 20 >= 10 ? NaN : v));
    expect(Array.from(flatCells({ values: nan, shape, channels: 1 }, mesh))).toEqual([1, 1, 1, 0]);
  });

  it('are fitted exactly by their mean, counted as one param each, and stored so', () => {
    const shape = [12, 12, 24];
    const values = grid(shape, (x, y, z) => Math.hypot(x - 6, y - 6, z - 6) < 4.5);
    const spec = { ...resolveElmSpec(shape, 1, { subdomains: [2, 2, 4], hidden: 20 }), band: 0.25 };
    const model = fitElm({ values, shape, channels: 1 }, spec);
    const per = weightsPerCell(spec);
    const flags = flatCells({ values, shape, channels: 1 }, model.mesh);
    let flat = 0;
    for (let id = 0; id < model.mesh.count; id++) {
      expect(isFlatCell(model, id), `cell ${id}`).toBe(flags[id] === 1);
      if (flags[id]) {
        flat++;
        // All outside here: the ball sits in the first cells along x.
        expect(model.weights[id * per + per - 1]).toBe(0);
      }
    }
    expect(flat).toBeGreaterThan(0);
    expect(flat).toBeLessThan(model.mesh.count);
    expect(paramCount(model)).toBe((model.mesh.count - flat) * per + flat);
    // Where only flat cells reach, the reconstruction is their value exactly.
    const rec = evaluateElm(
      model,
      shape.map((L) => sampleGrid(L)),
    );
    expect(rec[(6 * 12 + 6) * 24 + 23]).toBe(0);
    // The file holds the params and no more; reading it back gives the same weights.
    const bytes = encodeModel(model, FIELD);
    const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
    expect(bytes.length).toBe(16 + headerLength + 4 * paramCount(model));
    const back = decodeModel(bytes).model;
    expect(back.weights).toEqual(model.weights);
    expect(paramCount(back)).toBe(paramCount(model));
    // A model without flat cells is stored as before: every weight, no mask.
    const dense = createModel(spec, new Float32Array(model.weights.length).fill(0.5));
    const denseBytes = encodeModel(dense, FIELD);
    expect(new TextDecoder().decode(denseBytes.subarray(16, 16 + new DataView(denseBytes.buffer, denseBytes.byteOffset).getUint32(12, true)))).not.toMatch(/"flat"/);
    expect(decodeModel(denseBytes).model.weights).toEqual(dense.weights);
  });

  it('refuses a model file whose flat-cell mask does not match its weights', () => {
    const shape = [12, 12, 24];
    const values = grid(shape, (x, y, z) => Math.hypot(x - 6, y - 6, z - 6) < 4.5);
    const model = fitElm({ values, shape, channels: 1 }, resolveElmSpec(shape, 1, { subdomains: [2, 2, 4], hidden: 20 }));
    const bytes = encodeModel(model, FIELD);
    const header = headerOf(bytes) as { flat: string };
    expect(typeof header.flat).toBe('string');
    // Another mask of the same length: every cell flat, so the weights are too many.
    const rewrite = (flat: string) => withHeader(bytes, { ...header, flat });
    const allFlat = Buffer.from(new Uint8Array(Buffer.from(header.flat, 'base64').length).fill(0xff)).toString('base64');
    expect(() => decodeModel(rewrite(allFlat), 'm.inr')).toThrow(
      expect.objectContaining({ code: 'E_CORRUPT', message: expect.stringMatching(/more weights than the flat-cell mask/) }),
    );
    expect(() => decodeModel(rewrite('AA=='), 'm.inr')).toThrow(InrError);
    expect(() => decodeModel(rewrite('AA=='), 'm.inr')).toThrow(/flat-cell mask has the wrong length/);
  });
});

describe('a budget spent on the mixed cells', () => {
  it('refines the mesh of an occupancy within the budget, and leaves a field without flat cells alone', async () => {
    const bunny = await readMesh(sample('meshes', 'bunny00.off'));
    const { grid: g } = voxelizeMesh(bunny.mesh, { resolution: 96 });
    const input = { values: Float32Array.from(g.data), shape: g.shape, channels: 1 };
    const budget = Math.floor(0.01 * g.data.length);
    const chosen = resolveElmSpec(g.shape, 1, { budget });
    const { spec, flat } = spendOnMixedCells(chosen, input, budget);
    const cells = (c: number[]) => c.reduce((a, b) => a * b, 1);
    expect(flat).toBeGreaterThan(0);
    expect(cells(spec.cells)).toBeGreaterThan(cells(chosen.cells));
    expect(spec.hidden).toBeGreaterThanOrEqual(chosen.hidden);
    const flags = flatCells(input, uniformMesh(g.shape, spec.cells, spec.overlap));
    expect(flags.reduce((a, b) => a + b, 0)).toBe(flat);
    const per = weightsPerCell(spec);
    const params = (cells(spec.cells) - flat) * per + flat;
    expect(params).toBeLessThanOrEqual(budget);
    // Filled: less than one more mixed cell's worth, or one more hidden node per mixed cell, is left.
    expect(budget - params).toBeLessThan(Math.max(per, cells(spec.cells) - flat));
    // Noise has no flat cell: the chooser's spec comes back as it was.
    let s = 7;
    const noise = input.values.map(() => ((s = (s * 16807) % 2147483647) & 1 ? 1 : 0));
    expect(spendOnMixedCells(chosen, { ...input, values: noise }, budget)).toEqual({ spec: chosen, flat: 0 });
  }, 60_000);

  it('fits the bunny at 64³ to 1 % of the voxels: the params stay within it, IoU higher than all cells mixed', async () => {
    const bunny = await readMesh(sample('meshes', 'bunny00.off'));
    const { grid: g, stats } = voxelizeMesh(bunny.mesh, { resolution: 64 });
    const occ = occupancyField(g, 'bunny00.off', { stats, format: bunny.format });
    const budget = Math.floor(0.01 * occ.values.length);
    const r = await runFitTask(occ, { method: 'elm', params: { budget } });
    expect(r.report.params).toBeLessThanOrEqual(budget);
    expect(r.report.mesh?.flat_cells).toBeGreaterThan(0);
    // The same fit on the chooser's own mesh and hidden size (every cell paid in full).
    const chooser = resolveElmSpec(occ.shape, 1, { budget });
    const plain = await runFitTask(occ, { method: 'elm', params: { subdomains: chooser.cells, hidden: chooser.hidden } });
    expect(plain.report.params).toBeLessThanOrEqual(budget);
    const iou = occupancyIoU(r.reconstruction.values, occ.values).iou;
    expect(iou).toBeGreaterThan(occupancyIoU(plain.reconstruction.values, occ.values).iou);
  }, 300_000);

  it('reaches IoU ≥ 0.97 on the stent CT smoothed by 2 mm, at 1 % of its voxels', async () => {
    const ct = await openField(sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'));
    const occ = volumeOccupancy(ct, { threshold: 'otsu', smooth: 2, islands: 1, fill: true }).field;
    const budget = Math.floor(0.01 * occ.values.length);
    const r = await runFitTask(occ, { method: 'elm', params: { budget } });
    expect(r.report.params).toBeLessThanOrEqual(budget);
    expect(occupancyIoU(r.reconstruction.values, occ.values).iou).toBeGreaterThanOrEqual(0.97);
  }, 300_000);
});
