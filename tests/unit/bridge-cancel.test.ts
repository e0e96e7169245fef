/**
 * Long engine calls over the bridge take a cancel (issue 12 point 6): a `{ cancel: id }` frame
 * aborts the call of that id, which then answers E_CANCELLED; other calls are not touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { decodeMessage, encodeMessage, type WireResponse } from '../../main/api/wire';
import { EngineService } from '../../main/service/engine';
import { sample } from '../helpers/samples';

let bridge: Bridge;
let ws: WebSocket;
const replies = new Map<number, (r: WireResponse) => void>();

function request(id: number, method: string, args: unknown): Promise<WireResponse> {
  return new Promise((resolve) => {
    replies.set(id, resolve);
    ws.send(encodeMessage({ id, method, args }));
  });
}

beforeAll(async () => {
  bridge = await startBridge({ port: 0, engine: new EngineService({ mode: 'browser' }) });
  ws = new WebSocket(bridge.socketUrl);
  ws.binaryType = 'arraybuffer';
  await new Promise((r) => ws.once('open', r));
  ws.on('message', (data) => {
    const msg = decodeMessage(new Uint8Array(data as ArrayBuffer)) as WireResponse | { event: unknown };
    if ('id' in msg) replies.get(msg.id)?.(msg);
  });
});

afterAll(async () => {
  ws.close();
  await bridge.close();
  await bridge.engine.close();
});

describe('cancelling a call over the bridge', () => {
  it('aborts an open in flight, and the same dataset still opens afterwards', async () => {
    const path = sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz');
    const pending = request(1, 'open', { path });
    ws.send(encodeMessage({ cancel: 1 }));
    const r = await pending;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('E_CANCELLED');
    const again = await request(2, 'open', { path });
    expect(again.ok).toBe(true);
  });

  it('aborts a volume request of an open dataset', async () => {
    const open = await request(3, 'open', { path: sample('volumes', 'stent_ct_128x128x256_int16.nii.gz') });
    expect(open.ok).toBe(true);
    const datasetId = (open as { result: { id: string } }).result.id;
    const pending = request(4, 'getVolume', { datasetId, maxVoxels: 2 ** 22 });
    ws.send(encodeMessage({ cancel: 4 }));
    const r = await pending;
    expect(!r.ok && r.error.code).toBe('E_CANCELLED');
    // Without a cancel the same request answers the volume.
    const ok = await request(5, 'getVolume', { datasetId, maxVoxels: 2 ** 16 });
    expect(ok.ok).toBe(true);
  });
});
