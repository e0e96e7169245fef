/**
 * Zero network at run time (issue 13 point 6): a real fit through the CLI, and the bridge
 * serving the UI and running a fit, both as child processes under a guard
 * (tests/helpers/net-guard.cjs, preloaded through NODE_OPTIONS so it runs in every thread and
 * every Node child) that records every outgoing connection, DNS query, HTTP request, fetch and
 * UDP send, and refuses any that is not loopback. A control run first proves the guard is on and
 * catches a deliberate attempt, also from a worker thread.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeMessage, encodeMessage } from '../../main/api/wire';
import { sample } from '../helpers/samples';

const ROOT = resolve('.');
const GUARD = join(ROOT, 'tests', 'helpers', 'net-guard.cjs');

interface Attempt {
  kind: string;
  host: string | null;
  port: number | null;
  loopback: boolean;
  pid: number;
  thread: number;
}

let dir: string;
let image: string;

/** The environment of a guarded child: the guard in NODE_OPTIONS (children and workers inherit it), its log in `log`. */
function guardedEnv(log: string): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: `--require=${GUARD}`, INR_NET_GUARD_LOG: log };
}

function readLog(log: string): Attempt[] {
  let text: string;
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Attempt);
}

/** Runs a child to its end; rejects after `timeoutMs`. */
function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`timed out after ${timeoutMs} ms: node ${args.join(' ')}\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'inr-no-network-'));
  // A 64×64 crop of the real camera image keeps the fits short.
  const src = PNG.sync.read(readFileSync(sample('images', 'camera.png')));
  const crop = new PNG({ width: 64, height: 64 });
  PNG.bitblt(src, crop, 200, 200, 64, 64, 0, 0);
  image = join(dir, 'camera-64.png');
  writeFileSync(image, PNG.sync.write(crop));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the network guard', () => {
  it('is active in the main thread and in workers, records loopback, and refuses anything else', async () => {
    const log = join(dir, 'control.jsonl');
    const code = `
      const net = require('node:net'), dns = require('node:dns'), http = require('node:http'), dgram = require('node:dgram');
      const { Worker } = require('node:worker_threads');
      const { once } = require('node:events');
      (async () => {
        const out = {};
        try { net.connect(80, '10.255.255.1').on('error', () => {}); out.connect = 'not refused'; } catch (e) { out.connect = e.code; }
        try { await fetch('http://10.255.255.1/'); out.fetch = 'not refused'; } catch (e) { out.fetch = e.code; }
        try { await dns.promises.lookup('example.com'); out.dns = 'not refused'; } catch (e) { out.dns = e.code; }
        try { http.get('http://203.0.113.5/').on('error', () => {}); out.http = 'not refused'; } catch (e) { out.http = e.code; }
        try { dgram.createSocket('udp4').send('x', 53, '192.0.2.1'); out.udp = 'not refused'; } catch (e) { out.udp = e.code; }
        const srv = net.createServer((s) => s.end()).listen(0, '127.0.0.1');
        await once(srv, 'listening');
        const c = net.connect(srv.address().port, '127.0.0.1');
        await once(c, 'connect');
        out.loopback = 'connected';
        c.destroy(); srv.close();
        const w = new Worker("require('node:net').connect(80, '10.255.255.1')", { eval: true });
        const [err] = await once(w, 'error');
        out.worker = err.code;
        console.log(JSON.stringify(out));
      })();
    `;
    const r = await run(['-e', code], guardedEnv(log), 30_000);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim())).toEqual({
      connect: 'ENETUNREACH',
      fetch: 'ENETUNREACH',
      dns: 'ENETUNREACH',
      http: 'ENETUNREACH',
      udp: 'ENETUNREACH',
      loopback: 'connected',
      worker: 'ENETUNREACH',
    });
    const attempts = readLog(log);
    const outside = attempts.filter((a) => !a.loopback);
    expect(outside.map((a) => `${a.thread === 0 ? 'main' : 'worker'} ${a.kind} ${a.host}`).sort()).toEqual([
      'main connect 10.255.255.1',
      'main dns.promises.lookup example.com',
      'main fetch 10.255.255.1',
      'main http.get 203.0.113.5',
      'main udp 192.0.2.1',
      'worker connect 10.255.255.1',
    ]);
    expect(attempts.some((a) => a.kind === 'connect' && a.host === '127.0.0.1' && a.loopback)).toBe(true);
  });
});

describe('no network at run time', () => {
  it('a real ELM fit through the CLI opens no socket beyond loopback', async () => {
    const log = join(dir, 'cli.jsonl');
    const out = join(dir, 'cli-out');
    const r = await run(['bin/inr-studio.js', 'fit', image, '--method', 'elm', '--hidden', '32', '--threads', '2', '--json', '--out', out], guardedEnv(log), 120_000);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as { method: string; psnr: number; shape: number[] };
    expect(report.method).toBe('elm');
    expect(report.shape).toEqual([64, 64]);
    expect(report.psnr).toBeGreaterThan(15);
    const attempts = readLog(log);
    // The guard ran in the CLI and in its worker threads.
    const guarded = new Set(attempts.filter((a) => a.kind === 'guard').map((a) => `${a.pid}/${a.thread}`));
    expect(guarded.size).toBeGreaterThan(1);
    expect(attempts.filter((a) => !a.loopback)).toEqual([]);
  });

  it('the bridge serving the UI and running a fit opens no socket beyond loopback', async () => {
    const log = join(dir, 'bridge.jsonl');
    const web = join(dir, 'web');
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>INR Studio</title>');
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/bridge/serve.ts', '--port', '0', '--static', web], {
      cwd: ROOT,
      env: guardedEnv(log),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    try {
      const url = await new Promise<string>((res, rej) => {
        let out = '';
        const timer = setTimeout(() => rej(new Error(`the bridge printed no URL: ${stderr}`)), 60_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            res(m[1]);
          }
        });
      });
      const page = new URL(url);
      const html = await fetch(url);
      expect(html.status).toBe(200);
      const ws = new WebSocket(`ws://${page.host}/ws?token=${page.searchParams.get('token')}`, { origin: page.origin });
      ws.binaryType = 'arraybuffer';
      await new Promise((res, rej) => {
        ws.once('open', res);
        ws.once('error', rej);
      });
      const events: { type: string; jobId: string }[] = [];
      const replies = new Map<number, (v: { ok: boolean; result?: unknown; error?: unknown }) => void>();
      ws.on('message', (d: ArrayBuffer) => {
        const m = decodeMessage(d) as { id?: number; event?: { type: string; jobId: string } };
        if (m.event) events.push(m.event);
        else if (m.id !== undefined) replies.get(m.id)?.(m as never);
      });
      let id = 0;
      const call = (method: string, args?: unknown) =>
        new Promise<{ ok: boolean; result?: unknown; error?: unknown }>((res) => {
          replies.set(++id, res);
          ws.send(encodeMessage({ id, method, args }));
        });
      const opened = await call('open', { path: image });
      expect(opened.ok, JSON.stringify(opened.error)).toBe(true);
      const datasetId = (opened.result as { id: string }).id;
      const job = await call('startJob', { kind: 'fit', datasetId, method: 'elm', params: { hidden: 32 } });
      expect(job.ok, JSON.stringify(job.error)).toBe(true);
      const jobId = (job.result as { jobId: string }).jobId;
      await expect.poll(() => events.find((e) => e.jobId === jobId && (e.type === 'done' || e.type === 'error'))?.type, { timeout: 90_000, interval: 200 }).toBe('done');
      const exported = await call('exportResult', { datasetId, jobId, what: 'reconstruction' });
      expect(exported.ok, JSON.stringify(exported.error)).toBe(true);
      ws.close();
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    const attempts = readLog(log);
    expect(attempts.some((a) => a.kind === 'guard' && a.thread === 0)).toBe(true);
    expect(attempts.filter((a) => !a.loopback)).toEqual([]);
  });
});
