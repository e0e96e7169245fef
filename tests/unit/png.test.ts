import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng, encodePng, writePng } from '../../main/data/png';
import { openField } from '../../main/data/index';
import { createField } from '../../main/core/field';
import { sample } from '../helpers/samples';

describe('PNG', () => {
  for (const name of ['astronaut.png', 'camera.png', 'phantom.png']) {
    it(`round-trips ${name} exactly (read, write 8-bit, read again)`, async () => {
      const path = sample('images', name);
      const a = await openField(path);
      expect(a.dtype).toBe('uint8');
      const dir = mkdtempSync(join(tmpdir(), 'inr-png-'));
      try {
        const out = join(dir, name);
        writePng(out, a);
        const b = decodePng(readFileSync(out), out);
        expect(b.shape).toEqual(a.shape);
        expect(b.channels).toEqual(a.channels);
        expect(Buffer.from(b.values.buffer).equals(Buffer.from(a.values.buffer))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('writes and reads 16-bit PNG with full precision', () => {
    const w = 37;
    const h = 23;
    const values = new Float32Array(w * h);
    for (let i = 0; i < values.length; i++) values[i] = (i * 2741) % 65536;
    const f = createField({ axes: ['y', 'x'], shape: [h, w], channels: ['gray'], values, dtype: 'uint16', provenance: { format: 'png', path: 'x' } });
    const back = decodePng(encodePng(f, { bitDepth: 16 }), 'mem.png');
    expect(back.dtype).toBe('uint16');
    expect(Array.from(back.values)).toEqual(Array.from(values));
  });

  it('maps float data into the chosen range and marks masked samples transparent', () => {
    const values = Float32Array.from([-1, 0, 1, 0.5]);
    const mask = Uint8Array.from([1, 1, 1, 0]);
    const f = createField({ axes: ['y', 'x'], shape: [2, 2], channels: ['v'], values, mask, dtype: 'float32', provenance: { format: 'test', path: 'x' } });
    const back = decodePng(encodePng(f, { range: [-1, 1] }), 'mem.png');
    expect(Array.from(back.values.subarray(0, 3))).toEqual([0, 128, 255]);
    expect(Array.from(back.mask!)).toEqual([1, 1, 1, 0]);
  });

  it('writes slices of a volume', () => {
    const values = new Float32Array(3 * 4 * 5).map((_, i) => i);
    const f = createField({ axes: ['z', 'y', 'x'], shape: [3, 4, 5], channels: ['v'], values, dtype: 'float32', provenance: { format: 'test', path: 'x' } });
    const back = decodePng(encodePng(f, { sliceIndex: [2], range: [0, 59] }), 'mem.png');
    expect(back.shape).toEqual([4, 5]);
    expect(back.values[0]).toBe(Math.round((40 / 59) * 255));
  });
});
