/**
 * Fitting on a saved BEAM mesh (`--mesh mesh.json`): the same data and options rebuild the same
 * model; a mesh for another grid, or a file that is not a tiling of dyadic cells, is refused
 * with a clear error before any solve.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { beamMeshJson, fitBeam, parseMeshFile } from '../../main/inr/elm/beam/index';
import { InrError } from '../../main/core/errors';
import { createField } from '../../main/core/field';
import { fitRequest, runFitTask } from '../../main/tasks/fit';
import { validateRequest } from '../../main/api/validate';
import { fieldOf } from './beam-helpers';

const input = fieldOf([48, 40], (y, x) => (y < 24 ? [Math.sin(0.3 * x * (1 + y / 30)), 0.5] : [0.1 * x, Math.cos(0.2 * y)]));
const dir = mkdtempSync(join(tmpdir(), 'inr-beam-reuse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return `${(e as InrError).code}: ${(e as Error).message}`;
  }
  return 'none';
}

describe('BEAM on a saved mesh', () => {
  for (const strategy of ['split', 'capacity'] as const) {
    it(`rebuilds the same ${strategy} model from its mesh.json`, () => {
      const model = fitBeam(input, { budget: 3000, hidden: 12, freq: 1, strategy });
      const json = JSON.stringify(beamMeshJson(model));
      const again = fitBeam(input, { budget: 1, freq: 1, mesh: parseMeshFile(json, 'mesh.json') });
      expect(again.cells.map((c) => [c.lo, c.size])).toEqual(model.cells.map((c) => [c.lo, c.size]));
      expect(again.spec.layers.map((l) => l.hidden)).toEqual(model.spec.layers.map((l) => l.hidden));
      expect(Array.from(again.weights)).toEqual(Array.from(model.weights));
    });
  }

  it('refuses a mesh made for another grid, naming both shapes', () => {
    const model = fitBeam(input, { budget: 3000, hidden: 12, freq: 1 });
    const mesh = parseMeshFile(JSON.stringify(beamMeshJson(model)), 'm.json');
    const other = fieldOf([40, 48], () => [0, 1]);
    expect(codeOf(() => fitBeam(other, { budget: 1, mesh, meshPath: 'm.json' }))).toMatch(/^E_ARG: the mesh is for 48×40 data, but this dataset is 40×48/);
  });

  it('refuses files that are not a tiling of dyadic cells', () => {
    const one = (cells: unknown[]) => codeOf(() => fitBeam(input, { budget: 1, mesh: parseMeshFile(JSON.stringify({ shape: [48, 40], cells }), 'm.json') }));
    const cell = (lo: number[], size: number[], span?: number[]) => ({ lo, size, span, level: 1, norm: 1, hidden: 4 });
    expect(codeOf(() => parseMeshFile('{"shape":', 'm.json'))).toMatch(/^E_CORRUPT: not a BEAM mesh file/);
    expect(codeOf(() => parseMeshFile('{"shape":[48,40],"cells":[]}', 'm.json'))).toMatch(/^E_CORRUPT/);
    expect(codeOf(() => parseMeshFile('{"shape":[48,40],"cells":[{"lo":[0],"size":[4,4],"level":0,"norm":1,"hidden":4}]}', 'm.json'))).toMatch(/cell 0 needs/);
    // Half the grid.
    expect(one([cell([0, 0], [32, 40], [32, 64])])).toMatch(/^E_CORRUPT: .*uncovered/);
    // Overlapping cores.
    expect(one([cell([0, 0], [48, 40], [64, 64]), cell([0, 0], [32, 32])])).toMatch(/^E_CORRUPT: .*overlaps/);
    // Not dyadic: an origin that is not a multiple of the size.
    expect(one([cell([8, 0], [16, 16])])).toMatch(/^E_CORRUPT: .*not a dyadic box/);
    // The whole grid as one clipped 64×64 box is a valid mesh.
    expect(one([cell([0, 0], [48, 40], [64, 64])])).toBe('none');
  });

  it('reads --mesh through the fit task, and refuses it for other methods or a missing file', async () => {
    const values = new Float32Array(48 * 40);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i / 17) * 100;
    const field = createField({ axes: ['y', 'x'], shape: [48, 40], channels: ['v'], values, dtype: 'float32', provenance: { format: 'test', path: 't' } });
    const first = await runFitTask(field, { method: 'elm-beam', params: { budget: 2000, freq: 1 } });
    const path = join(dir, 'mesh.json');
    writeFileSync(path, JSON.stringify(beamMeshJson(first.model as Parameters<typeof beamMeshJson>[0])));
    const again = await runFitTask(field, fitRequest('elm-beam', { mesh: path, freq: '1' }, 'cli'));
    expect(again.report.params).toBe(first.report.params);
    expect(again.report.psnr).toBeCloseTo(first.report.psnr, 10);
    expect(() => fitRequest('elm', { mesh: path }, 'cli')).toThrow(/elm has no parameter 'mesh'/);
    // A request from the UI may not name a file to read.
    expect(() => validateRequest('startJob', { kind: 'fit', datasetId: 'ds-1', method: 'elm-beam', params: { mesh: path } })).toThrow(/command line only/);
    await expect(runFitTask(field, fitRequest('elm-beam', { mesh: join(dir, 'nope.json') }, 'cli'))).rejects.toThrow(/no such mesh file/);
  });
});
