/**
 * No noise (issue 13 point 7, issue 17): commands that never use the GPU write nothing from Dawn
 * or Vulkan on stderr, and `backends` explains a missing GPU in one readable line per backend —
 * on Linux without a Vulkan loader Dawn is not even loaded (backend.ts `gpuPreflight`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BACKEND_IDS, gpuPreflight } from '../../main/inr/nets/backend';
import { sample } from '../helpers/samples';

const bin = fileURLToPath(new URL('../../bin/inr-studio.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'inr-quiet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What Dawn and the Vulkan loader print when they find no device. */
const NOISE = /vulkan|dawn|BackendVk|\.cpp:\d+|libvulkan/i;

describe('the GPU preflight', () => {
  const missing = () => {
    throw new Error('libvulkan.so.1: cannot open shared object file: No such file or directory');
  };
  const present = () => {
    throw new Error("Module did not self-register: 'libvulkan.so.1'.");
  };

  it('rules out WebGPU on Linux without a Vulkan loader, in one line that says what to install', () => {
    const reason = gpuPreflight('linux', missing);
    expect(reason).toMatch(/^no Vulkan loader \(libvulkan\.so\.1 not found\): install libvulkan1/);
    expect(reason).not.toMatch(/\n/);
  });

  it('lets Dawn look where the loader is there, and on other systems', () => {
    expect(gpuPreflight('linux', present)).toBeUndefined();
    expect(gpuPreflight('linux', () => {})).toBeUndefined();
    expect(gpuPreflight('darwin', missing)).toBeUndefined();
    expect(gpuPreflight('win32', missing)).toBeUndefined();
  });
});

describe('stderr of the command line', () => {
  it('backends: one line per backend on stdout, and no Dawn or Vulkan output on stderr', () => {
    const r = cli('backends');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(BACKEND_IDS.length);
    BACKEND_IDS.forEach((id, i) => expect(lines[i]).toMatch(new RegExp(`^(yes|no)\\s+${id}\\s+\\S`)));
    expect(r.stderr).not.toMatch(NOISE);
    const webgpu = lines.find((l) => /\swebgpu\s/.test(l))!;
    if (webgpu.startsWith('no')) expect(webgpu).toMatch(/install|adapter|failed/);
  }, 120_000);

  it('info and an ELM fit write nothing on stderr', () => {
    const png = sample('images', 'phantom.png');
    const info = cli('info', png);
    expect(info.code).toBe(0);
    expect(info.stderr).toBe('');
    const fit = cli('fit', png, '--method', 'elm', '--budget', '4000', '--out', join(tmp, 'elm'));
    expect(fit.code).toBe(0);
    expect(fit.stderr).not.toMatch(NOISE);
  }, 120_000);
});
