/**
 * `inr-studio occupancy` as a user runs it (issue 16 point 6 and its bad input): a mesh or a
 * volume in, an occupancy fit, a surface file, IoU and Chamfer/Hausdorff on a JSON line; bad
 * meshes and impossible resolutions end with one line and exit code 2.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMesh } from '../../main/data/mesh/index';
import { createField } from '../../main/core/field';
import { writeNifti } from '../../main/data/nifti/index';
import { openField } from '../../main/data/index';
import { evaluateElm } from '../../main/inr/elm/fit';
import { decodeModel } from '../../main/inr/elm/io';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { paramCount } from '../../main/inr/elm/model';
import { limiter, runCli, STACK_LINE } from '../helpers/spawn-cli';
import { sample } from '../helpers/samples';

let tmp: string;
const two = limiter(2);
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'inr-occ-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);

/** A CT-like n³ volume (int16 values, mm) from `value(x, y, z, i)`, written as NIfTI. */
async function writeCube(name: string, n: number, spacing: number, value: (x: number, y: number, z: number, i: number) => number): Promise<string> {
  const values = new Float32Array(n ** 3).map((_, i) => value(i % n, Math.floor(i / n) % n, Math.floor(i / n / n), i));
  const path = join(tmp, name);
  await writeNifti(
    path,
    createField({
      axes: ['z', 'y', 'x'],
      shape: [n, n, n],
      channels: ['ct'],
      values,
      dtype: 'int16',
      geometry: { spacing: [spacing, spacing, spacing] },
      units: 'mm',
      provenance: { format: 'nifti', path },
    }),
  );
  return path;
}

/** A ball of radius 10 voxels in a 32³ CT-like volume (HU), 2 mm voxels, written once. */
let ballPath: string | undefined;
async function ball(): Promise<string> {
  ballPath ??= await writeCube('ball.nii.gz', 32, 2, (x, y, z) => (Math.hypot(x - 15.5, y - 15.5, z - 15.5) < 10 ? 400 : -800));
  return ballPath;
}

/** A tube along z (radii 4 to 8 voxels, about 150 a slice, on 20 slices; open at both ends) and one bright voxel in a corner, 1 mm voxels. */
let tubePath: string | undefined;
async function tube(): Promise<string> {
  const n = 24;
  tubePath ??= await writeCube('tube.nii.gz', n, 1, (x, y, z, i) => {
    const r = Math.hypot(x - 11.5, y - 11.5);
    return (z >= 2 && z < 22 && r >= 4 && r < 8) || i === n ** 3 - 1 ? 500 : -900;
  });
  return tubePath;
}

describe('inr-studio occupancy', () => {
  it('fits the bunny at 64³ within 1 % of the voxels, writes its surface, and measures it against the mesh', async () => {
    const out = join(tmp, 'bunny');
    const r = await runCli(['occupancy', sample('meshes', 'bunny00.off'), '--res', '64', '--budget', '2600', '--hidden', '64', '--mesh-format', 'stl', '--out', out, '--json'], {
      timeoutMs: 300_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    expect(j.source).toBe('mesh');
    expect(j.shape[2]).toBe(64);
    expect(j.params_per_voxel).toBeLessThanOrEqual(0.01);
    expect(j.iou).toBeGreaterThan(0.85);
    expect(j.iou).toBeLessThanOrEqual(1);
    // The surface lies within a voxel of the mesh on average (a voxel: the longest extent / 59).
    const m = (await readMesh(sample('meshes', 'bunny00.off'))).mesh.positions;
    const extent = Math.max(
      ...[0, 1, 2].map((a) => {
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = a; i < m.length; i += 3) {
          lo = Math.min(lo, m[i]);
          hi = Math.max(hi, m[i]);
        }
        return hi - lo;
      }),
    );
    expect(j.chamfer).toBeGreaterThan(0);
    expect(j.chamfer).toBeLessThan(extent / 59);
    expect(j.hausdorff).toBeGreaterThanOrEqual(j.chamfer);
    expect(readdirSync(out).sort()).toEqual(['metrics.json', 'model.inr', 'occupancy-fit.nii.gz', 'surface.stl']);
    const surface = await readMesh(join(out, 'surface.stl'));
    expect(surface.mesh.triangles.length / 3).toBe(j.triangles);
  }, 400_000);

  it('gives each cell of a budgeted fit its own hidden size, and writes a model that reproduces the fit', async () => {
    const out = join(tmp, 'bunny-per-cell');
    const r = await runCli(['occupancy', sample('meshes', 'bunny00.off'), '--res', '48', '--budget', '1100', '--out', out, '--json'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    expect(j.params).toBeLessThanOrEqual(1100);
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    expect(metrics.mesh).toEqual(j.mesh);
    const sizes = metrics.mesh.cell_hidden;
    expect(sizes.min).toBeGreaterThanOrEqual(1);
    expect(sizes.max).toBeGreaterThan(sizes.min);
    expect(sizes.max).toBe(metrics.mesh.hidden);
    // The model file: the same params, and evaluated on the grid it gives the fit that was written.
    const { model } = decodeModel(new Uint8Array(readFileSync(join(out, 'model.inr'))));
    expect(model.spec.cellHidden).toHaveLength(model.mesh.count);
    expect(paramCount(model)).toBe(j.params);
    const fitted = await openField(join(out, 'occupancy-fit.nii.gz'));
    const again = evaluateElm(
      model,
      model.spec.shape.map((L) => sampleGrid(L)),
    );
    // The written fit has the source's 0/1 type: the same side of ½ everywhere.
    expect(again.length).toBe(fitted.values.length);
    let differ = 0;
    let inside = 0;
    for (let i = 0; i < again.length; i++) {
      if (again[i] >= 0.5 !== fitted.values[i] >= 0.5) differ++;
      if (fitted.values[i] >= 0.5) inside++;
    }
    expect(inside).toBeGreaterThan(1000);
    expect(differ).toBe(0);
  }, 400_000);

  it('makes occupancy from a volume by threshold and keeps its units', async () => {
    const path = await ball();
    const r = await runCli(['occupancy', path, '--threshold', '0', '--budget', '320', '--hidden', '40', '--out', join(tmp, 'ball'), '--json'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    expect(j.source).toBe('volume');
    expect(j.rule).toBe('value ≥ 0');
    expect(j.iou).toBeGreaterThan(0.85);
    // Distances in millimetres: within a voxel (2 mm) on average.
    expect(j.chamfer).toBeLessThan(2);
  }, 400_000);

  it('--res resamples a volume to cubic voxels before the threshold, in its units', async () => {
    const path = await ball();
    const r = await runCli(['occupancy', path, '--threshold', '0', '--res', '48', '--budget', '1100', '--hidden', '40', '--out', join(tmp, 'ball-48'), '--json'], {
      timeoutMs: 300_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    expect(j.shape).toEqual([48, 48, 48]);
    expect(j.rule).toBe('value ≥ 0, resampled trilinearly to 48×48×48 (48 along the longest side)');
    expect(j.iou).toBeGreaterThan(0.85);
    // The ball's 62 mm extent on 48 samples: voxels of 62/47 mm; distances still in millimetres.
    expect(j.chamfer).toBeLessThan(62 / 47);
  }, 400_000);

  it('--islands and --fill clean a volume before the fit: a speck dropped, an open tube made solid', async () => {
    const r = await runCli(
      ['occupancy', await tube(), '--threshold', '0', '--islands', '1', '--fill', '--budget', '2000', '--hidden', '40', '--out', join(tmp, 'tube'), '--json'],
      {
        timeoutMs: 300_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    // 20 slices of the disc r < 4 (52 voxels each) added; the speck dropped.
    expect(j.rule).toBe('value ≥ 0, the largest piece of 2 (1 voxels dropped), holes filled slice by slice (1040 voxels added)');
    expect(j.iou).toBeGreaterThan(0.85);
  }, 400_000);

  it('--smooth smooths a volume before the islands step: the speck is gone before pieces are counted', async () => {
    // The tube's wall is 4 voxels thick; σ 1 mm is one voxel here.
    const r = await runCli(
      ['occupancy', await tube(), '--threshold', '0', '--smooth', '1', '--islands', '1', '--budget', '2000', '--hidden', '40', '--out', join(tmp, 'tube-smooth'), '--json'],
      {
        timeoutMs: 300_000,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    expect(j.rule).toMatch(/^value ≥ 0, smoothed by a Gaussian of σ 1 mm \(0 voxels added, \d+ dropped\), the largest piece of 1 \(0 voxels dropped\)$/);
    // What smoothing dropped is the speck and the tube's sharp rims, a small part of its 20 × 150 voxels.
    const dropped = Number(/(\d+) dropped/.exec(j.rule)![1]);
    expect(dropped).toBeGreaterThanOrEqual(1);
    expect(dropped).toBeLessThan(0.2 * 20 * 150);
  }, 400_000);

  it('reports a fit that never reaches ½ as having no surface, with a warning, not an internal error', async () => {
    // One cell, one feature plus the affine terms: least squares on a centred ball (13 % inside)
    // stays near its mean, so nothing reaches ½ and marching cubes finds no surface.
    const out = join(tmp, 'flat');
    const r = await runCli(['occupancy', await ball(), '--threshold', '0', '--subdomains', '1', '--hidden', '1', '--out', out, '--json'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the fitted field never reaches 0\.5/);
    expect(r.stderr).not.toMatch(STACK_LINE);
    const j = last(r.stdout);
    expect(j.triangles).toBe(0);
    expect(j.iou).toBe(0);
    expect(j.chamfer).toBeNull();
    expect(j.hausdorff).toBeNull();
    expect(j.warnings).toHaveLength(1);
    expect(readdirSync(out).sort()).toEqual(['metrics.json', 'model.inr', 'occupancy-fit.nii.gz']);
  }, 400_000);

  describe('bad input: one line, exit code 2', () => {
    const cases: Record<string, [string[] | (() => string[]), RegExp]> = {
      'an empty mesh': [() => [write('empty.off', 'OFF\n0 0 0\n')], /empty|no (faces|triangles)/i],
      'NaN vertices': [() => [write('nan.off', 'OFF\n3 1 0\n0 0 0\nnan 1 0\n0 0 1\n3 0 1 2\n')], /NaN|not a (finite )?number|finite/i],
      'a face past the vertices': [() => [write('past.off', 'OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 7\n')], /vert(ex|ices)|index/i],
      'a resolution that does not fit in memory': [() => [sample('meshes', 'bunny00.off'), '--res', '4000', '--max-memory', '64M'], /memory limit/],
      'a volume resampled past memory': [() => [sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz'), '--res', '4000', '--max-memory', '64M'], /memory limit/],
      'a 2-D image': [() => [sample('images', 'camera.png')], /3-D volume/],
      '--islands 0': [() => [sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'), '--islands', '0'], /islands must be an integer/],
      '--fill on a mesh': [() => [sample('meshes', 'bunny00.off'), '--fill'], /apply to volumes/],
      '--smooth on a mesh': [() => [sample('meshes', 'bunny00.off'), '--smooth', '1'], /--smooth, --islands and --fill apply to volumes/],
      '--smooth 0': [() => [sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'), '--smooth', '0'], /--smooth must be a positive length/],
      '--smooth larger than the volume': [
        () => [sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'), '--smooth', '1e6'],
        /smoothing σ 1000000 is larger than the volume \(256 mm/,
      ],
      '--smooth that is not a number': [() => [sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'), '--smooth', '2mm'], /--smooth must be a positive length/],
    };
    function write(name: string, text: string): string {
      const p = join(tmp, name);
      writeFileSync(p, text);
      return p;
    }
    for (const [name, [args, msg]] of Object.entries(cases)) {
      it(
        name,
        async () => {
          const a = typeof args === 'function' ? args() : args;
          const r = await two(() => runCli(['occupancy', ...a, '--out', join(tmp, `bad-${name.replace(/\W+/g, '-')}`)], { timeoutMs: 120_000 }));
          expect(r.code, r.stderr).toBe(2);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
          expect(r.stderr).toMatch(msg);
          expect(r.stderr).not.toMatch(STACK_LINE);
        },
        200_000,
      );
    }
  });
});
