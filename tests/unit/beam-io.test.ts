import { describe, expect, it } from 'vitest';
import { decodeBeamModel, encodeBeamModel, readModelMethod } from '../../main/inr/elm/beam/io';
import { evaluateBeam, fitBeam } from '../../main/inr/elm/beam/index';
import { encodeModel } from '../../main/inr/elm/io';
import { fitElm } from '../../main/inr/elm/fit';
import { resolveElmSpec } from '../../main/inr/elm/config';
import { finerGrid } from '../../main/inr/elm/mesh';
import { InrError } from '../../main/core/errors';
import type { ModelFieldInfo } from '../../main/inr/elm/io';
import { fieldOf } from './beam-helpers';

const field: ModelFieldInfo = { axes: ['y', 'x'], channels: ['a', 'b'], dtype: 'float32', geometry: { spacing: [1, 1], origin: [0, 0] } };
const input = fieldOf([48, 40], (y, x) => (y < 24 ? [Math.sin(0.3 * x * (1 + y / 30)), 0.5] : [0.1 * x, Math.cos(0.2 * y)]));

describe('BEAM model file', () => {
  for (const strategy of ['split', 'capacity'] as const) {
    it(`reloads a ${strategy} model bit for bit`, () => {
      const model = fitBeam(input, { budget: 30 * 2 * 20, hidden: 16, freq: 1, strategy, uniformStats: false });
      const bytes = encodeBeamModel(model, field);
      expect(readModelMethod(bytes)).toBe('elm-beam');
      const back = decodeBeamModel(bytes);
      expect(back.field).toEqual(field);
      expect(back.model.spec).toEqual(model.spec);
      expect(back.model.cells).toEqual(model.cells);
      expect(back.model.weights).toEqual(model.weights);
      const grids = [finerGrid(48, 1.7), finerGrid(40, 2)];
      const a = evaluateBeam(model, grids);
      const b = evaluateBeam(back.model, grids);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    });
  }

  it('rejects corrupt files and uniform-model files with typed errors', () => {
    const model = fitBeam(input, { budget: 2000, hidden: 8, freq: 1, uniformStats: false });
    const bytes = encodeBeamModel(model, field);
    const code = (b: Uint8Array) => {
      try {
        decodeBeamModel(b, 'm.inr');
      } catch (e) {
        return (e as InrError).code;
      }
      return 'none';
    };
    expect(code(bytes.subarray(0, 10))).toBe('E_CORRUPT');
    expect(code(bytes.subarray(0, bytes.length - 4))).toBe('E_CORRUPT');
    const bad = bytes.slice();
    bad[3] = 0;
    expect(code(bad)).toBe('E_CORRUPT');
    // A cell size that is not a power of two.
    const text = new TextDecoder().decode(bytes.subarray(16, 16 + new DataView(bytes.buffer).getUint32(12, true)));
    const broken = text.replace('"size":[', '"size":[3,');
    const hdr = new TextEncoder().encode(broken.padEnd(Math.ceil(broken.length / 8) * 8, ' '));
    const out = new Uint8Array(16 + hdr.length + model.weights.byteLength);
    out.set(bytes.subarray(0, 16));
    new DataView(out.buffer).setUint32(12, hdr.length, true);
    out.set(hdr, 16);
    out.set(bytes.subarray(16 + text.length), 16 + hdr.length);
    expect(code(out)).toBe('E_CORRUPT');
    const uniform = encodeModel(fitElm(input, resolveElmSpec([48, 40], 2, { subdomains: 2, hidden: 8 })), field);
    expect(readModelMethod(uniform)).toBe('elm');
    expect(code(uniform)).toBe('E_CORRUPT');
  });
});
