/** The BEAM mesh overlay (renderer/src/lib/meshOverlay.ts). */
import { describe, expect, it } from 'vitest';
import type { BeamMeshInfo } from '../../main/api/contract';
import { cellsInSlice, normAt, normColor, normPosition, normScale, outlineCells } from '../../renderer/src/lib/meshOverlay';

const cell = (lo: number[], size: number[], norm: number, level = 1) => ({ lo, size, level, norm, hidden: 32 });

describe('cells in a slice', () => {
  it('2D: every cell, x from the last axis and y from the one before', () => {
    const mesh: BeamMeshInfo = { shape: [64, 128], cells: [cell([0, 0], [32, 64], 1), cell([32, 64], [32, 64], 2)] };
    expect(cellsInSlice(mesh, [])).toEqual([
      { x: 0, y: 0, w: 64, h: 32, norm: 1, level: 1, hidden: 32 },
      { x: 64, y: 32, w: 64, h: 32, norm: 2, level: 1, hidden: 32 },
    ]);
  });

  it('3D: only the cells whose z extent holds the slice', () => {
    const mesh: BeamMeshInfo = {
      shape: [10, 8, 8],
      cells: [cell([0, 0, 0], [5, 8, 8], 1), cell([5, 0, 0], [5, 4, 8], 2), cell([5, 4, 0], [5, 4, 8], 3)],
    };
    expect(cellsInSlice(mesh, [4]).map((r) => r.norm)).toEqual([1]);
    expect(cellsInSlice(mesh, [5]).map((r) => r.norm)).toEqual([2, 3]);
    expect(cellsInSlice(mesh, [9]).map((r) => [r.y, r.h])).toEqual([
      [0, 4],
      [4, 4],
    ]);
    expect(cellsInSlice(mesh, [10])).toEqual([]);
  });

  it('skips cells whose dimension does not match the mesh', () => {
    const mesh: BeamMeshInfo = { shape: [8, 8], cells: [cell([0], [8], 1), cell([0, 0], [8, 8], 2)] };
    expect(cellsInSlice(mesh, []).map((r) => r.norm)).toEqual([2]);
  });
});

describe('norm colours', () => {
  it('linear over a narrow spread, logarithmic over decades', () => {
    const lin = normScale({ shape: [4, 4], cells: [cell([0, 0], [2, 2], 2), cell([2, 2], [2, 2], 6)] })!;
    expect(lin).toEqual({ lo: 2, hi: 6, log: false });
    expect(normPosition(4, lin)).toBeCloseTo(0.5);
    const log = normScale({ shape: [4, 4], cells: [cell([0, 0], [2, 2], 1), cell([2, 2], [2, 2], 1000)] })!;
    expect(log).toEqual({ lo: 1, hi: 1000, log: true });
    expect(normPosition(Math.sqrt(1000), log)).toBeCloseTo(0.5);
    expect(normAt(0.5, log)).toBeCloseTo(Math.sqrt(1000));
    expect(normAt(1, lin)).toBe(6);
  });
  it('zero norms (flat regions) sit at the bottom of a log scale over the positive ones', () => {
    const s = normScale({ shape: [4, 4], cells: [cell([0, 0], [2, 2], 0), cell([0, 2], [2, 2], 2), cell([2, 2], [2, 2], 2000)] })!;
    expect(s).toEqual({ lo: 2, hi: 2000, log: true });
    expect(normPosition(0, s)).toBe(0);
    // A few numerically-zero norms do not stretch the scale: it spans the 2nd–98th percentiles.
    const cells = Array.from({ length: 100 }, (_, i) => cell([0, 0], [1, 1], i === 0 ? 1e-17 : 10 + i * 10));
    const robust = normScale({ shape: [4, 4], cells })!;
    expect(robust.log).toBe(true);
    expect(robust.lo).toBe(30); // index round(0.02 · 99) = 2 of 1e-17, 20, 30, … 1000
    expect(robust.hi).toBe(980); // index 97
    expect(normPosition(1e-17, robust)).toBe(0);
    expect(normPosition(1000, robust)).toBe(1);
    // Zero and small positive norms on a narrow scale stay linear.
    expect(normScale({ shape: [4, 4], cells: [cell([0, 0], [2, 2], 0), cell([2, 2], [2, 2], 5)] })).toEqual({ lo: 0, hi: 5, log: false });
  });

  it('outlines cells only when they are large enough on screen', () => {
    const rects = cellsInSlice({ shape: [64, 64], cells: [cell([0, 0], [8, 8], 1), cell([8, 8], [8, 16], 1), cell([0, 32], [32, 32], 1)] }, []);
    expect(outlineCells(rects, 1)).toBe(true); // median side 8 px
    expect(outlineCells(rects, 0.5)).toBe(false); // 4 px: a heat map instead
    expect(outlineCells([], 4)).toBe(false);
  });

  it('clamps and colours through viridis ends', () => {
    const s = { lo: 0, hi: 1, log: false };
    expect(normPosition(-5, s)).toBe(0);
    expect(normPosition(5, s)).toBe(1);
    expect(normColor(0, s)).not.toBe(normColor(1, s));
    expect(normColor(0, s)).toMatch(/^rgb\(\d+, \d+, \d+\)$/);
    expect(normPosition(3, { lo: 3, hi: 3, log: false })).toBe(0.5);
    expect(normScale({ shape: [2, 2], cells: [] })).toBeNull();
  });
});
