/**
 * Run the real CLI (`node bin/inr-studio.js …`) as a child process with a wall-clock bound and
 * measure its peak resident memory.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child)
 * when it is installed; otherwise the child's `VmHWM` is read from /proc every 20 ms (the
 * kernel's high-water mark, so a peak between two reads is still seen, unless the process
 * exits in between: then the last reading stands). `rssMethod` says which one was used.
 *
 * A run that passes its bound is killed with its whole process group (SIGKILL) and reported
 * with `timedOut`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/inr-studio.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set size of the CLI process, MB (NaN when it could not be measured). */
  peakMB: number;
  rssMethod: 'gnu-time' | 'proc-vmhwm';
  ms: number;
  timedOut: boolean;
}

function gnuTimeWorks(): boolean {
  return existsSync(GNU_TIME);
}

/** Run `inr-studio ARGS` with `env` added to (or, for `undefined` values, removed from) the environment. */
export function runCli(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs: number; cwd?: string }): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const useTime = gnuTimeWorks();
  const dir = mkdtempSync(join(tmpdir(), 'inr-cli-rss-'));
  const rssFile = join(dir, 'rss');
  const cmd = useTime ? GNU_TIME : process.execPath;
  const argv = useTime ? ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...args] : [CLI, ...args];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, cwd: opts.cwd ?? dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    let hwmKB = 0;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
          } catch {
            /* exited */
          }
        }, 20);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      let peakKB = hwmKB;
      if (useTime) {
        // GNU time may write "Command exited with non-zero status N" before the figure.
        const lines = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n') : [];
        peakKB = Number(lines[lines.length - 1]);
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal, stdout, stderr, peakMB: peakKB / 1024, rssMethod: useTime ? 'gnu-time' : 'proc-vmhwm', ms: performance.now() - t0, timedOut });
    });
  });
}

/** Run async jobs at most `n` at a time (the CLI runs are CPU-heavy; CI machines have 2 cores). */
export function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** A stack trace line (`    at fn (file:line:col)`), which the CLI must never print. */
export const STACK_LINE = /^\s+at .+[:(]/m;
