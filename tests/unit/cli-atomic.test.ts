/**
 * `fit --out DIR` as a batch job sees it (issue 13 point 4, issue 20 point 2): interrupted at any
 * moment by SIGINT or SIGTERM, the folder holds the previous complete results or the new complete
 * ones, never a mix or a partial file; a folder that holds results is refused without --force,
 * and --force replaces it whole (no slice of an earlier DICOM series survives).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dicomParser from 'dicom-parser';
import { sample } from '../helpers/samples';

const bin = fileURLToPath(new URL('../../bin/inr-studio.js', import.meta.url));
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'inr-atomic-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 180_000 });
}

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else out.set(`${rel}${e.name}`, readFileSync(p));
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out;
}

/** Start a fit, send `signal` after `ms`, and wait for the exit. */
function interrupted(args: string[], ms: number, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(signal), ms);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stderr });
    });
  });
}

describe('fit --out is all or nothing', () => {
  it('keeps the previous results whole, or puts the new ones in whole, whenever it is interrupted', async () => {
    const out = join(tmp, 'camera');
    const image = sample('images', 'camera.png');
    const first = run(['fit', image, '--method', 'elm', '--budget', '20000', '--out', out, '--json']);
    expect(first.status, first.stderr).toBe(0);
    const before = snapshot(out);
    expect([...before.keys()].sort()).toEqual(['metrics.json', 'model.inr', 'reconstruction.png']);
    // A second fit into the same folder is refused without --force, and changes nothing.
    const refused = run(['fit', image, '--method', 'elm', '--budget', '30000', '--out', out]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/already holds results.*--force/);
    expect(snapshot(out)).toEqual(before);
    // The same with --force, interrupted at moments spread over reading, fitting and writing.
    const t0 = Date.now();
    const full = run(['fit', image, '--method', 'elm', '--budget', '30000', '--out', join(tmp, 'timing'), '--json']);
    expect(full.status, full.stderr).toBe(0);
    const duration = Date.now() - t0;
    const after = snapshot(join(tmp, 'timing'));
    let replaced = 0;
    let kept = 0;
    for (const [i, f] of [0.1, 0.35, 0.6, 0.8, 0.95, 1.1].entries()) {
      const sig: NodeJS.Signals = i % 2 ? 'SIGTERM' : 'SIGINT';
      const r = await interrupted(['fit', image, '--method', 'elm', '--budget', '30000', '--out', out, '--force'], Math.round(f * duration), sig);
      const now = snapshot(out);
      if (r.code === 0) {
        // It finished before the signal: the new results, complete.
        expect([...now.keys()].sort()).toEqual([...after.keys()].sort());
        expect(now.get('reconstruction.png')).toEqual(after.get('reconstruction.png'));
        replaced++;
      } else {
        // Handled (exit 130/143 after a one-line note), or ended by the signal itself while the
        // program was still loading (nothing started yet).
        if (r.signal === null) expect(r.code, r.stderr).toBe(sig === 'SIGINT' ? 130 : 143);
        else expect(r.signal).toBe(sig);
        expect(r.stderr).not.toMatch(/\bat .*\(/);
        // Interrupted: exactly what was there (the first results, or an earlier run's complete new ones).
        const same =
          [...now.keys()].sort().join() === [...before.keys()].sort().join() &&
          (now.get('model.inr')!.equals(before.get('model.inr')!) || now.get('model.inr')!.equals(after.get('model.inr')!));
        expect(same).toBe(true);
        kept++;
      }
      // Nothing half-written is left beside the folder either.
      expect(readdirSync(dirname(out)).filter((n) => n.startsWith('.camera.'))).toEqual([]);
    }
    expect(kept).toBeGreaterThan(0);
    expect(replaced + kept).toBe(6);
  }, 600_000);

  it('replaces a DICOM result folder whole with --force: no slice of the earlier series is left', () => {
    const out = join(tmp, 'mr');
    const series = sample('dicom', 'mr-series');
    const a = run(['fit', series, '--method', 'elm', '--budget', '8000', '--out', out]);
    expect(a.status, a.stderr).toBe(0);
    const b = run(['fit', series, '--method', 'elm', '--budget', '8000', '--seed', '7', '--out', out, '--force']);
    expect(b.status, b.stderr).toBe(0);
    const dir = join(out, 'reconstruction');
    const files = readdirSync(dir);
    expect(files.length).toBe(20);
    const uids = new Set(files.map((f) => dicomParser.parseDicom(new Uint8Array(readFileSync(join(dir, f)))).string('x0020000e')));
    expect(uids.size).toBe(1);
  }, 600_000);
});
