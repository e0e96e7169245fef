import { describe, expect, it } from 'vitest';
import { evaluateElm, fitElm } from '../../main/inr/elm/fit';
import { resolveElmSpec } from '../../main/inr/elm/config';
import { chooseFrequency } from '../../main/inr/elm/autofreq';
import { finerGrid, sampleGrid } from '../../main/inr/elm/mesh';
import { beamMeshJson, evaluateBeam, fitBeam, fitBeamBoth } from '../../main/inr/elm/beam/index';
import { createBeamModel, beamParamCount, type BeamCell, type BeamSpec } from '../../main/inr/elm/beam/model';
import { createModel } from '../../main/inr/elm/model';
import { solveBeam } from '../../main/inr/elm/beam/solve';
import { groupCells } from '../../main/inr/elm/beam/geometry';
import { InrError } from '../../main/core/errors';
import { fieldOf, psnr1 } from './beam-helpers';

const smooth2 = fieldOf([32, 32], (y, x) => [0.5 + 0.3 * Math.sin(0.2 * x + 0.1 * y), 0.4 + 0.2 * Math.cos(0.15 * y - 0.05 * x)]);
// A flat image with a chirp in one quadrant (METHODS.md §1.10 test 4).
const chirp = fieldOf([64, 64], (y, x) => (y < 32 && x < 32 ? [0.5 + 0.4 * Math.sin(0.004 * (x * x + y * y) * 6)] : [0.3 + 0.002 * x + 0.03 * Math.sin(0.05 * y)]));

function beamSpecLike(spec: ReturnType<typeof resolveElmSpec>): BeamSpec {
  return {
    method: 'elm-beam',
    shape: spec.shape,
    channels: spec.channels,
    overlap: spec.overlap,
    activation: spec.activation,
    seed: spec.seed,
    ridge: spec.ridge,
    affine: spec.affine,
    layers: [{ hidden: spec.hidden, omega: spec.omega }],
  };
}

describe('BEAM solve', () => {
  it('one cell equals a plain (one-subdomain) ELM, and a uniform dyadic mesh equals the uniform engine bit for bit', () => {
    for (const [n, w] of [
      [1, 32],
      [4, 8],
    ]) {
      const spec = resolveElmSpec([32, 32], 2, { subdomains: n, hidden: 24, overlap: 0.15 });
      const uniform = fitElm(smooth2, spec);
      const cells: BeamCell[] = [];
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) cells.push({ lo: [y * w, x * w], size: [w, w], level: Math.log2(32 / w), layer: 0, norm: 0 });
      const beam = createBeamModel(beamSpecLike(spec), cells);
      solveBeam(smooth2, beam);
      expect(beam.weights).toEqual(uniform.weights);
      const grids = [finerGrid(32, 2.5), finerGrid(32, 1.5)];
      expect(evaluateBeam(beam, grids)).toEqual(evaluateElm(uniform, grids));
    }
  });

  it('shares feature matrices and Gram factors between cells of equal size and sampling pattern', () => {
    const model = fitBeam(chirp, { budget: 60 * 20, hidden: 16, freq: 1, strategy: 'split', uniformStats: false });
    const groups = groupCells(model.spec, model.cells, [sampleGrid(64), sampleGrid(64)]);
    const sizes = new Set(model.cells.map((c) => c.size.join('x')));
    expect(sizes.size).toBeGreaterThan(1);
    expect(groups.length).toBeLessThanOrEqual(9 * sizes.size);
    expect(groups.length).toBeLessThan(model.cells.length / 2);
  });
});

describe('fitBeam', () => {
  it('beats the uniform mesh at the same params budget on a local chirp, within the budget', () => {
    const budget = 40 * 20; // 40 cells of 16 hidden nodes + 3 affine + mean, 1 channel
    const grids = [sampleGrid(64), sampleGrid(64)];
    const split = fitBeam(chirp, { budget, hidden: 16, strategy: 'split' });
    const model = fitBeam(chirp, { budget, hidden: 16 }); // default: per-cell capacity
    const pb = Math.min(psnr1(chirp.values, evaluateBeam(model, grids)), psnr1(chirp.values, evaluateBeam(split, grids)));
    let spec = resolveElmSpec([64, 64], 1, { budget, hidden: 16 });
    spec = { ...spec, omega: chooseFrequency(chirp, spec, { holdout: false }).omega };
    const uniform = fitElm(chirp, spec);
    expect(uniform.weights.length).toBeLessThanOrEqual(budget);
    const pu = psnr1(chirp.values, evaluateElm(uniform, grids));
    expect(pb).toBeGreaterThan(pu + 1);
    for (const m of [split, model]) {
      const s = m.stats!;
      expect(beamParamCount(m)).toBeLessThanOrEqual(budget);
      expect(s.params).toBe(beamParamCount(m));
    }
    // Splitting balances the norms themselves; per-cell capacity balances the norm per node.
    expect(split.stats!.balanceAfter).toBeLessThan(split.stats!.balanceUniform);
    expect(model.stats!.balanceLoad).toBeLessThan(model.stats!.balanceAfter);
  });

  it('spends the budget as the uniform chooser does, so both are compared at (nearly) the same params', () => {
    // Split stops at whole leaves: the leftover goes to more nodes per cell.
    const split = fitBeam(chirp, { budget: 1000, hidden: 16, freq: 1, strategy: 'split' });
    const m = split.spec.layers[0].hidden;
    expect(m).toBeGreaterThanOrEqual(16);
    expect(beamParamCount(split)).toBeLessThanOrEqual(1000);
    expect(beamParamCount(split) + split.cells.length).toBeGreaterThan(1000); // one more node per cell would not fit
    // The uniform chooser fills its budget too (benchmark shapes: images, 2-D+t, masked 4-D, volume).
    for (const [shape, C, budget] of [
      [[512, 512], 3, 200000],
      [[512, 512], 1, 70000],
      [[352, 349], 6, 200000],
      [[10, 9, 9], 1, 250],
      [[1, 1, 90, 180], 1, 5000],
      [[181, 217, 181], 1, 1000000],
    ] as [number[], number, number][]) {
      const spec = resolveElmSpec(shape, C, { budget });
      const params = createModel(spec).weights.length;
      expect(params).toBeLessThanOrEqual(budget);
      expect(params).toBeGreaterThan(0.98 * budget);
    }
  });

  it('times the mesh construction and the solve on it, in wall and CPU seconds', () => {
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    const model = fitBeam(chirp, { budget: 40 * 20, hidden: 16 });
    const wall = (performance.now() - w0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    const { seconds, cpuSeconds } = model.stats!;
    // The phases are parts of the call: together they take some time, and no more than the call did.
    for (const [t, total] of [
      [seconds, wall],
      [cpuSeconds!, cpu],
    ] as const) {
      expect(t.mesh + t.freq + t.solve).toBeGreaterThan(0);
      expect(t.mesh + t.freq + t.solve + t.stats).toBeLessThanOrEqual(total + 0.01);
    }
    // Without uniformStats the balance "before" is the dyadic start mesh's (no extra pass).
    expect(model.stats!.uniformMesh).toBe('dyadic');
    expect(model.stats!.balanceUniform).toBe(model.stats!.balanceStart);
    const withUniform = fitBeam(chirp, { budget: 40 * 20, hidden: 16, uniformStats: true });
    expect(withUniform.stats!.uniformMesh).toBe('elm');
    expect(withUniform.stats!.balanceUniform).toBeGreaterThan(1);
  });

  it('returns both strategies (split and per-cell capacity) for the benchmark', () => {
    const both = fitBeamBoth(chirp, { budget: 40 * 20, hidden: 16, freq: 1, uniformStats: false });
    for (const r of [both.split, both.capacity]) {
      expect(beamParamCount(r.model)).toBeLessThanOrEqual(40 * 20);
      expect(Number.isFinite(r.mse)).toBe(true);
    }
    expect(both.split.model.stats!.strategy).toBe('split');
    expect(both.capacity.model.stats!.strategy).toBe('capacity');
    expect(new Set(both.capacity.model.spec.layers.map((l) => l.hidden)).size).toBeGreaterThan(1);
    expect(both.best).toBe(both.winner === 'split' ? both.split.model : both.capacity.model);
  });

  it('rejects a budget below one cell and other bad arguments with E_ARG', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof InrError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => fitBeam(chirp, { budget: 4 }))).toBe('E_ARG');
    expect(code(() => fitBeam(chirp, { budget: 100, hidden: 200 }))).toBe('E_ARG');
    expect(code(() => fitBeam(chirp, { budget: NaN }))).toBe('E_ARG');
    expect(code(() => fitBeam(chirp, { budget: 1000, overlap: 2 }))).toBe('E_ARG');
    expect(code(() => fitBeam(chirp, { budget: 1000, strategy: 'nope' as 'split' }))).toBe('E_ARG');
    expect(code(() => fitBeam({ ...chirp, shape: [64, 63] }, { budget: 1000 }))).toBe('E_ARG');
    // A budget of a few params still gives one small cell.
    const tiny = fitBeam(chirp, { budget: 12, uniformStats: false });
    expect(tiny.cells).toHaveLength(1);
    expect(beamParamCount(tiny)).toBeLessThanOrEqual(12);
  });

  it('falls back to one cell on constant or entirely masked data, never loops', () => {
    const flat = fieldOf([64, 64], () => [0.25, 0.75]);
    const m = fitBeam(flat, { budget: 1e6, hidden: 16 });
    expect(m.cells).toHaveLength(1);
    const rec = evaluateBeam(m, [sampleGrid(64), sampleGrid(64)]);
    for (let i = 0; i < rec.length; i++) expect(Math.abs(rec[i] - (i % 2 ? 0.75 : 0.25))).toBeLessThan(1e-6);
    for (const strategy of ['split', 'capacity', 'hybrid'] as const) {
      const none = fitBeam({ ...chirp, mask: new Uint8Array(64 * 64) }, { budget: 1e5, hidden: 16, strategy });
      expect(none.cells).toHaveLength(1);
      const r = evaluateBeam(none, [sampleGrid(64), sampleGrid(64)]);
      expect(r.every((v) => v === 0)).toBe(true);
    }
  });

  it('fits only observed samples (inpainting) and reports progress; cancellation aborts', () => {
    const mask = new Uint8Array(64 * 64);
    for (let i = 0; i < mask.length; i++) mask[i] = i % 3 ? 1 : 0;
    const stages = new Set<string>();
    const m = fitBeam({ ...chirp, mask }, { budget: 40 * 20, hidden: 16, holdout: true, uniformStats: false }, { onProgress: (s) => stages.add(s) });
    expect(stages.has('building mesh')).toBe(true);
    expect(stages.has('solving subdomains')).toBe(true);
    const rec = evaluateBeam(m, [sampleGrid(64), sampleGrid(64)]);
    const held = [];
    const truth = [];
    for (let i = 0; i < mask.length; i++)
      if (!mask[i]) {
        held.push(rec[i]);
        truth.push(chirp.values[i]);
      }
    expect(psnr1(held, truth)).toBeGreaterThan(18);
    expect(() =>
      fitBeam(
        chirp,
        { budget: 800 },
        {
          checkCancel: () => {
            throw new InrError('E_CANCELLED', 'cancelled by the user');
          },
        },
      ),
    ).toThrow(/cancelled/);
  });

  it('fits volumes on an octree, and keeps time frames whole when that axis may not split', () => {
    const shape = [8, 24, 24];
    const n = shape[0] * shape[1] * shape[2];
    const values = new Float32Array(n);
    for (let t = 0; t < 8; t++)
      for (let y = 0; y < 24; y++)
        for (let x = 0; x < 24; x++) {
          const r2 = (y - 6) ** 2 + (x - 6) ** 2;
          values[(t * 24 + y) * 24 + x] = 0.3 + 0.5 * Math.exp(-r2 / 8) * Math.cos(0.6 * t + 0.3 * x);
        }
    const input = { values, shape, channels: 1 };
    const grids = shape.map(sampleGrid);
    for (const strategy of ['split', 'capacity'] as const) {
      const model = fitBeam(input, { budget: 3000, hidden: 16, strategy, uniformStats: false });
      expect(beamParamCount(model)).toBeLessThanOrEqual(3000);
      expect(psnr1(values, evaluateBeam(model, grids))).toBeGreaterThan(25);
    }
    const frames = fitBeam(input, { budget: 3000, hidden: 16, strategy: 'split', splitAxes: [false, true, true], uniformStats: false });
    expect(frames.cells.every((c) => c.size[0] === 8)).toBe(true);
    expect(frames.cells.length).toBeGreaterThan(1);
  });

  it('describes its mesh for the viewer: cores tile the grid', () => {
    const model = fitBeam(chirp, { budget: 40 * 20, hidden: 16, freq: 1, strategy: 'split' });
    const json = beamMeshJson(model);
    expect(json.cells).toHaveLength(model.cells.length);
    expect(json.cells.reduce((s, c) => s + c.size[0] * c.size[1], 0)).toBe(64 * 64);
    for (const c of json.cells) {
      expect(c.lo.length).toBe(2);
      expect(Number.isFinite(c.norm)).toBe(true);
      expect(c.hidden).toBe(16);
    }
    expect(json.balance!.after).toBeLessThan(json.balance!.start);
  });
});
