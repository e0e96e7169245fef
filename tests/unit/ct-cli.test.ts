/**
 * `inr-studio ct` as a user runs it (issue 15 point 5 and its bad input): a slice in, its
 * simulated sinogram reconstructed by the chosen method, the slice written in the source format
 * with the sinogram and a JSON line; a measured sinogram reconstructs from its own angles.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createField } from '../../main/core/field';
import { openField } from '../../main/data/index';
import { writeNifti } from '../../main/data/nifti/index';
import { decodeBeamModel, evaluateBeam, beamParamCount, readModelMethod } from '../../main/inr/elm/beam/index';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { CLI, limiter, runCli, STACK_LINE } from '../helpers/spawn-cli';
import { sample } from '../helpers/samples';
import { phantom } from '../helpers/phantom';

let tmp: string;
let slice: string;
const two = limiter(2);
const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'inr-ct-'));
  // The Shepp–Logan phantom (gray PNG) averaged down to 64², as a float NIfTI slice.
  const n = 64;
  const v = Float32Array.from(await phantom(n));
  slice = join(tmp, 'phantom64.nii.gz');
  await writeNifti(slice, createField({ axes: ['y', 'x'], shape: [n, n], channels: ['mu'], values: v, dtype: 'float32', provenance: { format: 'nifti', path: slice } }));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('inr-studio ct', () => {
  it('reconstructs a slice from 30 simulated views with FBP and SART, SART closer to the truth', async () => {
    const [fbp, sart] = await Promise.all(
      ['fbp', 'sart'].map((m) => two(() => runCli(['ct', slice, '--method', m, '--views', '30', '--out', join(tmp, m), '--json'], { timeoutMs: 180_000 }))),
    );
    for (const r of [fbp, sart]) expect(r.code, r.stderr).toBe(0);
    const jf = last(fbp.stdout);
    const js = last(sart.stdout);
    for (const j of [jf, js]) for (const k of ['method', 'views', 'psnr', 'ssim', 'seconds', 'params']) expect(j).toHaveProperty(k);
    expect(jf.views).toBe(30);
    expect(jf.params).toBe(0);
    expect(js.psnr).toBeGreaterThan(jf.psnr);
    // The slice comes back in the source's format and grid.
    const rec = await openField(join(tmp, 'fbp', 'reconstruction.nii.gz'));
    expect(rec.shape.slice(-2)).toEqual([64, 64]);
  }, 400_000);

  it('reconstructs with ELM-INR in closed form through the projector, closer to the truth than FBP, and stores its model', async () => {
    const r = await runCli(['ct', slice, '--method', 'elm', '--views', '30', '--out', join(tmp, 'elm'), '--json'], { timeoutMs: 400_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    const fbp = JSON.parse(readFileSync(join(tmp, 'fbp', 'metrics.json'), 'utf8'));
    expect(j.psnr).toBeGreaterThan(fbp.psnr);
    expect(j.params).toBeGreaterThan(0);
    expect(j.solver.prior).toBe('tv');
    expect(
      readFileSync(join(tmp, 'elm', 'model.inr'))
        .subarray(0, 8)
        .toString(),
    ).toBe('INRMODEL');
  }, 500_000);

  it('reconstructs with ELM-INR on a BEAM mesh (built from a first reconstruction), above FBP, storing the BEAM model it evaluates and its mesh', async () => {
    const r = await runCli(['ct', slice, '--method', 'elm-beam', '--views', '30', '--out', join(tmp, 'elm-beam'), '--json'], { timeoutMs: 400_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    const fbp = JSON.parse(readFileSync(join(tmp, 'fbp', 'metrics.json'), 'utf8'));
    expect(j.method).toBe('elm-beam');
    expect(j.views).toBe(30);
    expect(j.psnr).toBeGreaterThan(fbp.psnr + 5);
    expect(j.params).toBeGreaterThan(0);
    expect(j.params).toBeLessThanOrEqual(2 * 64 * 64);
    expect(j.solver.prior).toBe('tv');
    expect(j.solver.mesh_from).toBe('sart-tv');
    expect(j.beam.cells).toBeGreaterThan(1);
    // The stored file is a BEAM model; evaluated on the pixel grid it is the written slice.
    const bytes = new Uint8Array(readFileSync(join(tmp, 'elm-beam', 'model.inr')));
    expect(readModelMethod(bytes)).toBe('elm-beam');
    const { model } = decodeBeamModel(bytes);
    expect(beamParamCount(model)).toBe(j.params);
    const rec = await openField(join(tmp, 'elm-beam', 'reconstruction.nii.gz'));
    const mine = evaluateBeam(model, [sampleGrid(64), sampleGrid(64)]);
    expect(Array.from(rec.values)).toEqual(Array.from(mine));
    const mesh = JSON.parse(readFileSync(join(tmp, 'elm-beam', 'mesh.json'), 'utf8'));
    expect(mesh.cells).toHaveLength(model.cells.length);
  }, 500_000);

  it('trains a net through the projector with IGA and the ramp preconditioner, reporting the transform of IGA (patches, replaced eigenvalues)', async () => {
    const r = await two(() =>
      runCli(
        [
          'ct',
          slice,
          '--method',
          'siren',
          '--iga',
          '--precondition',
          'ramp',
          '--steps',
          '4',
          '--width',
          '32',
          '--layers',
          '1',
          '--views',
          '30',
          '--out',
          join(tmp, 'siren-iga'),
          '--json',
        ],
        {
          timeoutMs: 200_000,
        },
      ),
    );
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    expect(j.method).toBe('siren');
    expect(j.training.steps_run).toBe(4);
    expect(j.training.precondition).toBe('ramp');
    expect(j.training.iga).toMatchObject({ start: 0, end: 20, every: 1 });
    expect(j.training.iga.groups).toBeGreaterThanOrEqual(42);
    expect(j.training.iga.replacedLast).toBeGreaterThan(0);
  }, 300_000);

  it('weights the rays of a noisy scan by their expected counts: simulated (--photons) and measured (--counts); not on a clean one', async () => {
    const [noisy, clean] = await Promise.all(
      [['--photons', '1e4'], []].map((extra, i) =>
        two(() => runCli(['ct', slice, '--method', 'elm', '--views', '30', ...extra, '--out', join(tmp, `elm-weights-${i}`), '--json'], { timeoutMs: 400_000 })),
      ),
    );
    for (const r of [noisy, clean]) expect(r.code, r.stderr).toBe(0);
    expect(last(noisy.stdout).solver.ray_weights).toBe('expected counts');
    expect(last(clean.stdout).solver.ray_weights).toBe('none');
    const measured = await runCli(
      ['ct', join(tmp, 'elm-weights-0', 'sinogram.nc'), '--sinogram', '--counts', '--method', 'elm', '--size', '64', '--out', join(tmp, 'elm-weights-m'), '--json'],
      {
        timeoutMs: 400_000,
      },
    );
    expect(measured.code, measured.stderr).toBe(0);
    expect(last(measured.stdout).solver.ray_weights).toBe('expected counts');
  }, 600_000);

  it('reconstructs a measured sinogram from its own angles: the same image as from the simulation', async () => {
    const r = await runCli(['ct', join(tmp, 'fbp', 'sinogram.nc'), '--sinogram', '--method', 'fbp', '--size', '64', '--out', join(tmp, 'measured'), '--json'], {
      timeoutMs: 180_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const j = last(r.stdout);
    expect(j.views).toBe(30);
    expect(j.angles_from).toBe('file');
    expect(j.residual).toBeGreaterThan(0);
    expect(j.residual).toBeLessThan(0.2);
    const a = await openField(join(tmp, 'fbp', 'reconstruction.nii.gz'));
    const b = await openField(join(tmp, 'measured', 'reconstruction.nc'));
    let d = 0;
    for (let i = 0; i < a.values.length; i++) d = Math.max(d, Math.abs(a.values[i] - b.values[i]));
    expect(d).toBeLessThan(1e-4);
    expect(JSON.parse(readFileSync(join(tmp, 'measured', 'metrics.json'), 'utf8')).method).toBe('fbp');
  }, 400_000);

  it('stops an ELM-INR solve at Ctrl-C: exit 130 at once, nothing written', async () => {
    // camera.png at 512², 30 views: the solve takes over a minute here; the signal comes 10 s in.
    const out = join(tmp, 'interrupted');
    const child = spawn(process.execPath, [CLI, 'ct', sample('images', 'camera.png'), '--method', 'elm', '--views', '30', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let sentAt = 0;
    const timer = setTimeout(() => {
      sentAt = performance.now();
      child.kill('SIGINT');
    }, 10_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, sig) => resolve([c, sig])));
    clearTimeout(timer);
    const latency = (performance.now() - sentAt) / 1000;
    expect(sentAt, 'the solve ended before the signal').toBeGreaterThan(0);
    expect(signal).toBeNull();
    expect(code, stderr).toBe(130);
    expect(stderr.trim()).toBe('inr-studio: interrupted; nothing was written');
    // Between PCG iterations, not at the end of the solve (which was still a minute away).
    expect(latency).toBeLessThan(15);
    expect(existsSync(out)).toBe(false);
  }, 200_000);

  describe('bad input: one line, exit code 2', () => {
    const cases: Array<[string, () => string[], RegExp]> = [
      ['zero views', () => [slice, '--views', '0'], /views must be a number in \[1, 3600\]/],
      ['angles that do not match the sinogram', () => [join(tmp, 'fbp', 'sinogram.nc'), '--sinogram', '--angles', '0,90', '--method', 'fbp'], /30 rows \(views\) but 2 angles/],
      ['a volume without --slice', () => [sample('volumes', 'stent_ct_128x128x256_int16.nii.gz'), '--method', 'fbp'], /pick one with --slice/],
      ['a colour image', () => [sample('images', 'astronaut.png'), '--method', 'fbp'], /one channel/],
      ['a method that does not reconstruct CT', () => [slice, '--method', 'cubic'], /cannot ct from sparse views|does not reconstruct CT/i],
      ['--counts on a simulated scan', () => [slice, '--counts', '--photons', '1e4'], /--counts describes a measured sinogram/],
      ['--counts for a method that does not weight rays', () => [join(tmp, 'fbp', 'sinogram.nc'), '--sinogram', '--counts', '--method', 'sart'], /sart does not use ray weights/],
      [
        'a minibatch (every step needs the whole image)',
        () => [slice, '--method', 'siren', '--batch', '256', '--steps', '2'],
        /parameter 'batch' applies to the fit, inpaint, superres, interp task only/,
      ],
      // The sinogram's squared error is the loss through the projector; a 0/1 cross-entropy is refused, not ignored.
      ['the cross-entropy loss', () => [slice, '--method', 'siren', '--loss', 'bce', '--steps', '2'], /parameter 'loss' applies to the fit, inpaint, superres, interp task only/],
      // A full-batch net step on 512² pixels (about 6 GiB on wasm) used to crash inside tfjs-wasm.
      ['a net too large for the engine', () => [sample('images', 'camera.png'), '--method', 'siren', '--views', '30', '--steps', '5'], /GiB budget of the (wasm|cpu) backend/],
    ];
    for (const [name, args, msg] of cases) {
      it(
        name,
        async () => {
          const r = await two(() => runCli(['ct', ...args(), '--out', join(tmp, `bad-${name.replace(/\W+/g, '-')}`)], { timeoutMs: 120_000 }));
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
