/**
 * Where resampled slices are written (issue 14 point 2). Through-plane ×K on N slices at spacing Δ
 * writes (N − 1)·K + 1 slices at z₀ + iΔ/K along the slice normal: the acquired positions and
 * K − 1 new ones between each pair, nothing beyond the first and last. Super-resolution ×K splits
 * each voxel into K per axis, so the first new sample sits (K − 1)/(2K) of a voxel before the
 * first source sample, along each (possibly oblique) axis.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dicomParser from 'dicom-parser';
import { openField } from '../../main/data/index';
import { writeLikeSource } from '../../main/data/writers';
import { runFitTask } from '../../main/tasks/fit';
import { sample } from '../helpers/samples';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'inr-geom-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** ImagePositionPatient of every written slice, in InstanceNumber order. */
function positions(dir: string): number[][] {
  return readdirSync(dir)
    .map((f) => dicomParser.parseDicom(new Uint8Array(readFileSync(join(dir, f)))))
    .map((ds) => ({ n: Number(ds.string('x00200013')), p: ds.string('x00200032')!.split('\\').map(Number) }))
    .sort((a, b) => a.n - b.n)
    .map((s) => s.p);
}

const sub = (a: number[], b: number[]) => a.map((v, i) => v - b[i]);
const norm = (a: number[]) => Math.hypot(...a);

describe('resampled geometry', () => {
  it('through-plane ×2 on an oblique DICOM series: the acquired slices and one between each pair', async () => {
    const series = sample('dicom', 'mr-series');
    const src = await openField(series);
    // The source as the engine models it: the first slice's position, the slice spacing Δ and the
    // slice normal n (direction's z column). Writing the source itself gives z₀ + kΔn.
    const dir0 = await writeLikeSource(tmp, 'source', src);
    const source = positions(dir0);
    const d = src.geometry.direction!;
    const n = [d[2], d[5], d[8]];
    const delta = src.geometry.spacing[0];
    for (let k = 0; k < source.length; k++) for (let c = 0; c < 3; c++) expect(source[k][c]).toBeCloseTo(source[0][c] + k * delta * n[c], 3);
    const r = await runFitTask(src, { method: 'linear', task: { kind: 'interp', zscale: 2 } });
    const dir = await writeLikeSource(tmp, 'interp', r.upsampled!);
    const written = positions(dir);
    expect(written.length).toBe(2 * (source.length - 1) + 1);
    // The acquired slices keep their positions, a new one half way between each pair: z₀ + iΔ/2.
    for (let i = 0; i < written.length; i++) for (let c = 0; c < 3; c++) expect(written[i][c]).toBeCloseTo(source[0][c] + (i * delta * n[c]) / 2, 3);
    for (let k = 0; k < source.length; k++) for (let c = 0; c < 3; c++) expect(written[2 * k][c]).toBeCloseTo(source[k][c], 3);
    expect(norm(sub(written.at(-1)!, source.at(-1)!))).toBeLessThan(1e-3);
  }, 300_000);

  it('super-resolution ×2 on the oblique series starts a quarter voxel before the source along every axis', async () => {
    const src = await openField(sample('dicom', 'mr-series'));
    const r = await runFitTask(src, { method: 'nearest', task: { kind: 'superres', scale: 2 } });
    const dir = await writeLikeSource(tmp, 'sr', r.upsampled!);
    const written = positions(dir);
    expect(written.length).toBe(40);
    const acquired = (src.provenance.meta as { positions: number[][] }).positions;
    const d = src.geometry.direction!;
    const [dz, dy, dx] = src.geometry.spacing;
    // Columns of the direction: the x, y and z index axes in LPS.
    const expected = [0, 1, 2].map((i) => acquired[0][i] - 0.25 * (dx * d[3 * i] + dy * d[3 * i + 1] + dz * d[3 * i + 2]));
    for (let c = 0; c < 3; c++) expect(written[0][c]).toBeCloseTo(expected[c], 3);
    expect(norm(sub(written[1], written[0]))).toBeCloseTo(dz / 2, 3);
  }, 300_000);

  it('through-plane ×2 on a NIfTI volume keeps the first slice and halves the slice spacing in the affine', async () => {
    const src = await openField(sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'));
    const r = await runFitTask(src, { method: 'linear', task: { kind: 'interp', zscale: 2 } });
    expect(r.upsampled!.shape).toEqual([2 * 255 + 1, 128, 128]);
    const path = await writeLikeSource(tmp, 'stent-interp', r.upsampled!);
    const back = await openField(path);
    expect(back.shape).toEqual([511, 128, 128]);
    expect(back.geometry.spacing[0]).toBeCloseTo(src.geometry.spacing[0] / 2, 6);
    expect(back.geometry.spacing.slice(1)).toEqual(src.geometry.spacing.slice(1));
    for (let a = 0; a < 3; a++) expect(back.geometry.origin[a]).toBeCloseTo(src.geometry.origin[a], 6);
    // The last written slice is the last acquired one.
    const per = 128 * 128;
    const last = back.values.subarray(510 * per, 511 * per);
    const acquired = src.values.subarray(255 * per, 256 * per);
    let maxDiff = 0;
    for (let i = 0; i < per; i++) maxDiff = Math.max(maxDiff, Math.abs(last[i] - acquired[i]));
    expect(maxDiff).toBeLessThan(1e-3);
  }, 300_000);
});
