/**
 * Who may drive the engine through the bridge (issue 13 point 8, issue 19 point 2, issue 20
 * point 4): a WebSocket needs the per-launch token, our Host and our Origin (or none); a browser
 * may not export to a path (it downloads); uploads and messages are capped; bad frames close one
 * socket, never the server.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EngineService } from '../../main/service/engine';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { checkSocketRequest, isAllowedOrigin, newToken, tokenMatches } from '../../main/bridge/guards';
import { MAX_MESSAGE_BYTES, MAX_UPLOAD_BYTES } from '../../main/bridge/limits';
import { decodeMessage, encodeMessage, type WireResponse } from '../../main/api/wire';
import { MAX_MESSAGE_BYTES as CLIENT_MAX_MESSAGE_BYTES, bridgeSocketUrl } from '../../renderer/src/api/bridge';
import { sample } from '../helpers/samples';

/**
 * A stand-in engine that does what the real one does with an export path (writes there) and
 * records every call, so a test can tell whether a request got through the bridge at all.
 */
class RecordingEngine {
  calls: { method: string; args: unknown }[] = [];
  onJobEvent() {
    return () => undefined;
  }
  async capabilities() {
    this.calls.push({ method: 'capabilities', args: undefined });
    return { mode: 'browser', nativeDialogs: false, version: 'test' };
  }
  async exportResult(args: { path?: string }) {
    this.calls.push({ method: 'exportResult', args });
    if (args.path) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(args.path, 'written by the engine');
      return { name: 'x', path: args.path, files: 1 };
    }
    return { name: 'x.png', bytes: new Uint8Array([1, 2, 3]), files: 1 };
  }
  async open(args: unknown) {
    this.calls.push({ method: 'open', args });
    return { id: 'ds-1' };
  }
  async close() {}
}

let dir: string;
let engine: RecordingEngine;
let bridge: Bridge;

/** Opens a socket; resolves with it, or with the HTTP status the upgrade was refused with. */
function connect(url: string, opts: WebSocket.ClientOptions = {}): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, opts);
    ws.binaryType = 'arraybuffer';
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.once('error', () => resolve({ status: -1 }));
  });
}

let nextId = 1;
function call(ws: WebSocket, method: string, args?: unknown): Promise<WireResponse> {
  const id = nextId++;
  return new Promise((resolve) => {
    const onMessage = (data: ArrayBuffer) => {
      const msg = decodeMessage(data) as WireResponse;
      if (msg.id !== id) return;
      ws.off('message', onMessage);
      resolve(msg);
    };
    ws.on('message', onMessage);
    ws.send(encodeMessage({ id, method, args }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'inr-bridge-auth-'));
  engine = new RecordingEngine();
  bridge = await startBridge({ port: 0, engine: engine as unknown as EngineService, maxMessageBytes: 2 ** 20, limits: { maxUploadBytes: 2 ** 16, maxUploadFiles: 3 } });
});

afterAll(async () => {
  await bridge?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the token, the Host and the Origin', () => {
  it('prints a page address that carries the token, and a socket address that does too', () => {
    expect(bridge.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/?token=${bridge.token}`);
    // What the page derives from that address is the address the server accepts.
    const page = new URL(bridge.url);
    expect(bridgeSocketUrl({ protocol: page.protocol, host: page.host, search: page.search, hash: page.hash })).toEqual({ url: bridge.socketUrl, token: bridge.token });
    expect(bridgeSocketUrl({ protocol: 'http:', host: page.host, search: '', hash: `#token=${bridge.token}` }).url).toBe(bridge.socketUrl);
    expect(bridgeSocketUrl({ protocol: 'http:', host: page.host, search: '', hash: '' })).toEqual({ url: `ws://${page.host}/ws`, token: undefined });
  });

  it('draws a new token at every launch and compares tokens exactly', () => {
    const a = newToken();
    expect(newToken()).not.toBe(a);
    expect(tokenMatches(a, a)).toBe(true);
    for (const wrong of [a.slice(0, -1), a + 'x', a.toUpperCase() === a ? a.toLowerCase() : a.toUpperCase(), '', undefined, 42, ['x'], 'x'.repeat(5000)]) {
      expect(tokenMatches(wrong, a)).toBe(false);
    }
  });

  it('refuses a client without the token, or with a wrong one', async () => {
    const base = `ws://127.0.0.1:${bridge.port}/ws`;
    expect((await connect(base)).status).toBe(401);
    expect((await connect(`${base}?token=`)).status).toBe(401);
    // One character off (never the token itself: its last character may be 'A').
    const wrong = bridge.token.slice(0, -1) + (bridge.token.endsWith('A') ? 'B' : 'A');
    expect((await connect(`${base}?token=${wrong}`)).status).toBe(401);
    expect((await connect(`${base}?tok=${bridge.token}`)).status).toBe(401);
    expect((await connect(`ws://127.0.0.1:${bridge.port}/other?token=${bridge.token}`)).status).toBe(404);
    expect(engine.calls).toEqual([]);
  });

  it('refuses a wrong Host (DNS rebinding) or another page’s Origin, even with the token', async () => {
    expect((await connect(bridge.socketUrl, { headers: { host: `evil.example:${bridge.port}` } })).status).toBe(403);
    expect((await connect(bridge.socketUrl, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await connect(bridge.socketUrl, { origin: 'null' })).status).toBe(403);
    expect((await connect(bridge.socketUrl, { origin: `http://127.0.0.1:${bridge.port + 1}` })).status).toBe(403);
    expect(isAllowedOrigin(undefined, 1)).toBe(true);
    expect(checkSocketRequest({ url: `/ws?token=${bridge.token}`, host: `127.0.0.1:${bridge.port}` }, bridge.port, bridge.token)).toEqual({ ok: true });
    expect(engine.calls).toEqual([]);
  });

  it('answers a client with the token, from no page or from its own page', async () => {
    for (const opts of [{}, { origin: bridge.origin }, { origin: `http://localhost:${bridge.port}`, headers: { host: `localhost:${bridge.port}` } }]) {
      const { ws, status } = await connect(bridge.socketUrl, opts);
      expect(status).toBeUndefined();
      const r = await call(ws!, 'capabilities');
      expect(r).toMatchObject({ ok: true, result: { mode: 'browser' } });
      ws!.close();
    }
  });
});

describe('what a browser may ask', () => {
  it('refuses an export to a path nobody picked, and writes nothing; a download still works', async () => {
    const target = join(dir, 'authorized_keys');
    const { ws } = await connect(bridge.socketUrl);
    const before = engine.calls.length;
    const r = await call(ws!, 'exportResult', { datasetId: 'ds-1', jobId: 'job-1', what: 'model', path: target });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : `${r.error.code} ${r.error.message}`).toMatch(/^E_ARG .*refused/);
    expect(existsSync(target)).toBe(false);
    expect(engine.calls.length).toBe(before); // the engine never saw it
    const d = await call(ws!, 'exportResult', { datasetId: 'ds-1', jobId: 'job-1', what: 'model' });
    expect(d).toMatchObject({ ok: true, result: { name: 'x.png', files: 1 } });
    ws!.close();
  });

  it('caps uploads in bytes and in files', async () => {
    const { ws } = await connect(bridge.socketUrl);
    const big = await call(ws!, 'open', { upload: { name: 'big.png', bytes: new Uint8Array(2 ** 16 + 1) } });
    expect(big.ok ? '' : big.error.code).toBe('E_TOO_LARGE');
    const many = await call(ws!, 'open', { uploadFolder: { name: 'series', files: [1, 2, 3, 4].map((i) => ({ path: `f${i}.dcm`, bytes: new Uint8Array(1) })) } });
    expect(many.ok ? '' : many.error.code).toBe('E_TOO_LARGE');
    const heavy = await call(ws!, 'open', { uploadFolder: { name: 'series', files: [1, 2].map((i) => ({ path: `f${i}.dcm`, bytes: new Uint8Array(2 ** 15 + 1) })) } });
    expect(heavy.ok ? '' : heavy.error.code).toBe('E_TOO_LARGE');
    const fine = await call(ws!, 'open', { upload: { name: 'small.png', bytes: new Uint8Array(16) } });
    expect(fine.ok).toBe(true);
    ws!.close();
  });

  it('closes a socket that sends a frame over the message cap, and keeps serving others', async () => {
    const { ws } = await connect(bridge.socketUrl);
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)));
    ws!.send(new Uint8Array(2 ** 20 + 1));
    expect(await closed).toBe(1009); // "message too big"
    const { ws: other } = await connect(bridge.socketUrl);
    expect((await call(other!, 'capabilities')).ok).toBe(true);
    other!.close();
  });

  it('ignores frames that are not requests, and survives a frame the protocol forbids', async () => {
    const { ws } = await connect(bridge.socketUrl);
    for (const junk of ['null', '42', '"x"', '{"id":"1"}', '{', '[]', '{"id":1e400}']) ws!.send(junk);
    ws!.send(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    ws!.send(encodeMessage(null));
    const bad = await call(ws!, 'nonsense', {});
    expect(bad.ok ? '' : bad.error.code).toBe('E_ARG');
    // A raw frame with reserved bits and an unknown opcode: ws answers 1002 and closes this socket.
    const closed = new Promise<void>((resolve) => ws!.once('close', () => resolve()));
    (ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0xf3, 0x80, 0, 0, 0, 0]));
    await closed;
    const { ws: other } = await connect(bridge.socketUrl);
    expect((await call(other!, 'capabilities')).ok).toBe(true);
    other!.close();
  });
});

describe('limits', () => {
  it('keeps the message and upload caps well below 2 GiB, and the page’s copy in step', () => {
    expect(MAX_MESSAGE_BYTES).toBe(512 * 2 ** 20);
    expect(MAX_UPLOAD_BYTES).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(CLIENT_MAX_MESSAGE_BYTES).toBe(MAX_MESSAGE_BYTES);
  });
});

describe('the real engine behind the token', () => {
  it('opens a path the user typed, over a socket with the token', async () => {
    const real = await startBridge({ port: 0 });
    try {
      const { ws } = await connect(real.socketUrl, { origin: real.origin });
      const r = await call(ws!, 'open', { path: sample('images', 'phantom.png') });
      expect(r).toMatchObject({ ok: true, result: { shape: [400, 400], format: 'png' } });
      const refused = await call(ws!, 'exportResult', {
        datasetId: r.ok ? (r.result as { id: string }).id : '',
        jobId: 'job-1',
        what: 'reconstruction',
        path: join(dir, 'out.png'),
      });
      expect(refused.ok).toBe(false);
      expect(existsSync(join(dir, 'out.png'))).toBe(false);
      ws!.close();
    } finally {
      await real.close();
    }
  });
});
