/** The inpainting brush's mask (renderer/src/lib/brushMask.ts). */
import { describe, expect, it } from 'vitest';
import { assembleHide, countSet, layerPixels, paintDisc, paintStroke, planeSize, sampleCount, sliceNumber, sliceOffset } from '../../renderer/src/lib/brushMask';

describe('slice index math', () => {
  it('numbers slices row-major over the leading axes', () => {
    expect(sliceNumber([4, 5], [])).toBe(0);
    expect(sliceNumber([7, 4, 5], [3])).toBe(3);
    expect(sliceNumber([2, 3, 4, 5], [1, 2])).toBe(1 * 3 + 2);
    expect(sliceOffset([7, 4, 5], [3])).toBe(3 * 20);
    expect(sliceOffset([2, 3, 4, 5], [1, 2])).toBe(5 * 20);
    expect(planeSize([9])).toEqual({ height: 1, width: 9 });
    expect(sampleCount([2, 3, 4])).toBe(24);
  });
  it('refuses an index outside the axis', () => {
    expect(() => sliceNumber([7, 4, 5], [7])).toThrow(RangeError);
    expect(() => sliceNumber([7, 4, 5], [-1])).toThrow(RangeError);
    expect(() => sliceNumber([7, 4, 5], [1.5])).toThrow(RangeError);
  });
});

describe('painting', () => {
  it('a disc covers the pixel centres within the radius', () => {
    const w = 20;
    const h = 10;
    const layer = new Uint8Array(w * h);
    const n = paintDisc(layer, w, h, 10, 5, 3, 1);
    expect(n).toBe(countSet(layer));
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const inside = (x + 0.5 - 10) ** 2 + (y + 0.5 - 5) ** 2 <= 9;
        if (inside) expect(layer[y * w + x]).toBe(1);
      }
    expect(n).toBeGreaterThan(20); // ≈ π·3²
    expect(n).toBeLessThan(36);
    // Painting the same disc again changes nothing; erasing restores zero.
    expect(paintDisc(layer, w, h, 10, 5, 3, 1)).toBe(0);
    expect(paintDisc(layer, w, h, 10, 5, 3, 0)).toBe(n);
    expect(countSet(layer)).toBe(0);
  });

  it('a tiny brush still paints the pixel under it; discs are clipped at the edges', () => {
    const layer = new Uint8Array(4 * 4);
    expect(paintDisc(layer, 4, 4, 2.9, 1.1, 0.1, 1)).toBe(1);
    expect(layer[1 * 4 + 2]).toBe(1);
    const edge = new Uint8Array(4 * 4);
    paintDisc(edge, 4, 4, 0, 0, 2, 1);
    expect(countSet(edge)).toBeGreaterThan(0);
    expect(paintDisc(new Uint8Array(16), 4, 4, -50, -50, 2, 1)).toBe(0);
  });

  it('a stroke leaves no gaps between its ends', () => {
    const w = 100;
    const layer = new Uint8Array(w * 10);
    paintStroke(layer, w, 10, 5, 5, 95, 5, 2, 1);
    for (let x = 5; x < 95; x++) expect(layer[5 * w + x]).toBe(1);
    expect(layer[5 * w + 99]).toBe(0);
  });
});

describe('the hide mask', () => {
  it('puts each painted layer at its slice and nothing elsewhere', () => {
    const shape = [3, 2, 4];
    const a = new Uint8Array(8);
    a[0] = 1;
    a[7] = 1;
    const b = new Uint8Array(8);
    b[5] = 1;
    const hide = assembleHide(
      shape,
      new Map([
        [0, a],
        [2, b],
      ]),
    )!;
    expect(hide.length).toBe(24);
    expect([...hide].map((v, i) => (v ? i : -1)).filter((i) => i >= 0)).toEqual([0, 7, 16 + 5]);
  });
  it('is undefined when nothing is painted (empty layers included)', () => {
    expect(assembleHide([2, 4], new Map())).toBeUndefined();
    expect(assembleHide([2, 4], new Map([[0, new Uint8Array(8)]]))).toBeUndefined();
  });
  it('refuses a layer of the wrong size or slice', () => {
    expect(() => assembleHide([2, 4], new Map([[0, new Uint8Array(7).fill(1)]]))).toThrow(/pixels/);
    expect(() => assembleHide([3, 2, 4], new Map([[3, new Uint8Array(8).fill(1)]]))).toThrow(/outside/);
  });
  it('overlay pixels: painted opaque in the colour, the rest transparent', () => {
    const px = layerPixels(Uint8Array.from([1, 0]), [10, 20, 30]);
    expect([...px]).toEqual([10, 20, 30, 255, 0, 0, 0, 0]);
  });
});
