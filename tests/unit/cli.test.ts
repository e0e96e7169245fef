import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sample } from '../helpers/samples';

const bin = fileURLToPath(new URL('../../bin/inr-studio.js', import.meta.url));
let tmp: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function lastJson(stdout: string) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'inr-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('inr-studio info', () => {
  it('describes astronaut.png, and --json ends with one JSON object', () => {
    const path = sample('images', 'astronaut.png');
    const text = cli('info', path);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/PNG image/);
    expect(text.stdout).toMatch(/512 × 512/);
    const r = cli('info', path, '--json');
    expect(r.code).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.format).toBe('png');
    expect(j.shape).toEqual([512, 512]);
    expect(j.axes).toEqual(['y', 'x']);
    expect(j.channels).toEqual(['R', 'G', 'B']);
    expect(j.dtype).toBe('uint8');
    expect(j.maskedFraction).toBe(0);
    expect(j.range[0][1]).toBeLessThanOrEqual(255);
  });

  it('opens the bundled demo when no path is given', () => {
    const j = lastJson(cli('info', '--json').stdout);
    expect(j.shape).toEqual([512, 512]);
    expect(j.path).toMatch(/resources[\\/]demo[\\/]astronaut\.png$/);
  });

  describe('bad input: one line naming the file and the reason, exit code 2', () => {
    const cases: Record<string, () => string> = {
      'a missing path': () => join(tmp, 'no-such-file.dcm'),
      'a directory with nothing readable': () => {
        const d = join(tmp, 'empty-dir');
        mkdirSync(d, { recursive: true });
        writeFileSync(join(d, 'notes.bin'), Buffer.from([1, 2, 3, 0, 5]));
        return d;
      },
      'a truncated PNG': () => {
        const p = join(tmp, 'truncated.png');
        const bytes = readFileSync(sample('images', 'camera.png'));
        writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 3)));
        return p;
      },
      'a text file': () => {
        const p = join(tmp, 'readme.txt');
        writeFileSync(p, 'These are my notes about the scan.\nNothing to see here.\n');
        return p;
      },
    };
    for (const [name, make] of Object.entries(cases)) {
      it(name, () => {
        const path = make();
        const r = cli('info', path);
        expect(r.code).toBe(2);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(path);
        expect(lines[0]).not.toMatch(/\bat .*\(|Error:/);
        expect(r.stdout).toBe('');
      });
    }
  });
});

describe('inr-studio fit', () => {
  it('fits camera.png with ELM-INR and writes reconstruction, model and metrics', () => {
    const out = join(tmp, 'fit-camera');
    const r = cli('fit', sample('images', 'camera.png'), '--method', 'elm', '--budget', '60000', '--out', out, '--json', '--threads', '2');
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    for (const k of ['method', 'task', 'backend', 'shape', 'params', 'seconds', 'psnr', 'ssim']) expect(j).toHaveProperty(k);
    expect(j.method).toBe('elm');
    expect(j.task).toBe('fit');
    expect(j.shape).toEqual([512, 512]);
    expect(j.params).toBeLessThanOrEqual(60000);
    expect(j.psnr).toBeGreaterThan(22);
    expect(j.ssim).toBeGreaterThan(0.5);
    expect(existsSync(join(out, 'reconstruction.png'))).toBe(true);
    expect(existsSync(join(out, 'model.inr'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')).psnr).toBeCloseTo(j.psnr, 10);
  });

  it('fits with the BEAM adaptive mesh and writes the mesh for the viewer', () => {
    const out = join(tmp, 'beam');
    const r = cli('fit', sample('images', 'camera.png'), '--method', 'elm-beam', '--budget', '30000', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.method).toBe('elm-beam');
    expect(j.params).toBeLessThanOrEqual(30000);
    expect(j.beam.balance_before).toBeGreaterThan(0);
    expect(j.beam.balance_after).toBeGreaterThan(0);
    const mesh = JSON.parse(readFileSync(join(out, 'mesh.json'), 'utf8'));
    expect(mesh.cells.length).toBe(j.beam.cells);
    expect(mesh.cells[0]).toHaveProperty('norm');
    expect(mesh.cells[0]).toHaveProperty('level');
  });

  it('reports psnr_unobserved when samples are dropped', () => {
    const r = cli('fit', sample('images', 'camera.png'), '--drop', '0.5', '--budget', '60000', '--out', join(tmp, 'drop'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r.stdout);
    expect(j.task).toBe('inpaint');
    expect(j.psnr_unobserved).toBeGreaterThan(20);
  });

  const bad: [string, string[], RegExp][] = [
    ['an unknown method', ['--method', 'nerf'], /unknown method 'nerf'/],
    ['an unknown flag', ['--colour', 'red'], /Unknown option '--colour'/i],
    ['zero hidden nodes', ['--hidden', '0'], /elm: parameter 'hidden' must be in \[1, 8192\], got 0/],
    ['negative subdomains', ['--subdomains=-4'], /parameter 'subdomains' must be in \[1, 4096\], got -4/],
    ['a budget too small for one subdomain', ['--budget', '3'], /too small for one subdomain/],
    ['a drop that hides everything', ['--drop', '1'], /drop must be a number in \[0, 0.99\], got 1/],
    ['a parameter of another method', ['--steps', '100'], /elm has no parameter 'steps'/],
    ['a hidden size beyond the bound', ['--hidden', '100000000'], /parameter 'hidden' must be in \[1, 8192\]/],
    ['two tasks at once', ['--scale', '2', '--zscale', '2'], /not scale and zscale/],
    ['through-plane on 2D data', ['--zscale', '2'], /needs a volume/],
    ['a factor that is not a number', ['--scale', 'big'], /scale must be a number/],
  ];
  for (const [name, args, msg] of bad) {
    it(`rejects ${name} with a clear error`, () => {
      const r = cli('fit', sample('images', 'camera.png'), ...args, '--out', join(tmp, 'bad'));
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    });
  }
});
