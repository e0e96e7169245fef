/**
 * Orientation letters at the edges of slice views: the letter of each index direction in the
 * dataset's patient frame (LPS for DICOM, RAS for NIfTI), and the four edges of the main view and
 * of the axial, coronal and sagittal planes (the last two shown with z up).
 */
import { describe, expect, it } from 'vitest';
import type { DatasetOrientation } from '../../main/api/contract';
import { directionLetter, edgeLabelsOf, mainEdgeLabels, planeEdgeLabels } from '../../renderer/src/lib/orientation';
import { planeSpec, type PlaneName } from '../../renderer/src/lib/orthoPlanes';

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const RAS: DatasetOrientation = { frame: 'RAS', direction: IDENTITY };
const LPS: DatasetOrientation = { frame: 'LPS', direction: IDENTITY };

function planes(o: DatasetOrientation | undefined, shape = [10, 10, 10]) {
  const out = {} as Record<PlaneName, ReturnType<typeof planeEdgeLabels>>;
  for (const name of ['axial', 'coronal', 'sagittal'] as const) out[name] = planeEdgeLabels(o, planeSpec({ shape }, name), shape.length);
  return out;
}

describe('directionLetter', () => {
  it('names each index direction in the frame, both ways', () => {
    // Storage axes 0, 1, 2 = z, y, x; the direction's columns are x, y, z.
    expect([2, 1, 0].map((a) => directionLetter(RAS, a as 0 | 1 | 2, 1))).toEqual(['R', 'A', 'S']);
    expect([2, 1, 0].map((a) => directionLetter(RAS, a as 0 | 1 | 2, -1))).toEqual(['L', 'P', 'I']);
    expect([2, 1, 0].map((a) => directionLetter(LPS, a as 0 | 1 | 2, 1))).toEqual(['L', 'P', 'S']);
    expect([2, 1, 0].map((a) => directionLetter(LPS, a as 0 | 1 | 2, -1))).toEqual(['R', 'A', 'I']);
  });

  it('reads the column of the axis, not its row', () => {
    // x index runs toward patient Anterior, y index toward Right (a 90° turn about z), RAS.
    const turned: DatasetOrientation = { frame: 'RAS', direction: [0, 1, 0, 1, 0, 0, 0, 0, 1] };
    expect(directionLetter(turned, 2, 1)).toBe('A');
    expect(directionLetter(turned, 1, 1)).toBe('R');
    expect(directionLetter(turned, 0, -1)).toBe('I');
  });

  it('gives two letters for obliques, the larger share first, and one for small tilts', () => {
    const c = Math.cos(Math.PI / 6); // 30° about z: x index mostly Right, partly Anterior
    const s = Math.sin(Math.PI / 6);
    const oblique: DatasetOrientation = { frame: 'RAS', direction: [c, -s, 0, s, c, 0, 0, 0, 1] };
    expect(directionLetter(oblique, 2, 1)).toBe('RA');
    expect(directionLetter(oblique, 2, -1)).toBe('LP');
    expect(directionLetter(oblique, 1, 1)).toBe('AL');
    // 8° tilt (sin ≈ 0.14): one letter.
    const t = (8 * Math.PI) / 180;
    const tilted: DatasetOrientation = { frame: 'LPS', direction: [1, 0, 0, 0, Math.cos(t), -Math.sin(t), 0, Math.sin(t), Math.cos(t)] };
    expect(directionLetter(tilted, 1, 1)).toBe('P');
    expect(directionLetter(tilted, 0, 1)).toBe('S');
    // Unnormalised columns are normalised first.
    expect(directionLetter({ frame: 'RAS', direction: [-2, 0, 0, 0, 3, 0, 0, 0, 4] }, 2, 1)).toBe('L');
  });

  it('gives nothing without a usable direction', () => {
    expect(directionLetter(undefined, 2, 1)).toBe('');
    expect(directionLetter(null, 2, 1)).toBe('');
    expect(directionLetter({ frame: 'RAS', direction: [0, 0, 0, 0, 0, 0, 0, 0, 0] }, 2, 1)).toBe('');
    expect(directionLetter({ frame: 'RAS', direction: [1, 0, 0] }, 2, 1)).toBe('');
    expect(directionLetter({ frame: 'RAS', direction: [NaN, 0, 0, 0, 1, 0, 0, 0, 1] }, 2, 1)).toBe('');
  });
});

describe('edge labels of the views', () => {
  it('identity RAS: columns toward patient Right, axial rows toward Anterior', () => {
    const p = planes(RAS);
    expect(p.axial).toEqual({ left: 'L', right: 'R', top: 'P', bottom: 'A' });
    expect(mainEdgeLabels(RAS)).toEqual(p.axial);
    // z up in the coronal and sagittal views: Superior on top.
    expect(p.coronal).toEqual({ left: 'L', right: 'R', top: 'S', bottom: 'I' });
    expect(p.sagittal).toEqual({ left: 'P', right: 'A', top: 'S', bottom: 'I' });
  });

  it('identity LPS: columns toward patient Left', () => {
    const p = planes(LPS);
    expect(p.axial).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(p.coronal).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(p.sagittal).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
  });

  it('follows a rotated direction, and the flip', () => {
    // RAS with z index toward Inferior and x index toward Left (a 180° turn about y).
    const turned: DatasetOrientation = { frame: 'RAS', direction: [-1, 0, 0, 0, 1, 0, 0, 0, -1] };
    const p = planes(turned);
    expect(p.axial).toEqual({ left: 'R', right: 'L', top: 'P', bottom: 'A' });
    expect(p.coronal).toEqual({ left: 'R', right: 'L', top: 'I', bottom: 'S' });
    // Without the flip, increasing z runs down the screen: Inferior at the bottom.
    expect(edgeLabelsOf(turned, 0, 2, false)).toEqual({ left: 'R', right: 'L', top: 'S', bottom: 'I' });
    expect(edgeLabelsOf(turned, 0, 2, true)).toEqual(p.coronal);
  });

  it('uses the last three axes of a 4D series', () => {
    expect(planes(RAS, [5, 10, 12, 14]).sagittal).toEqual({ left: 'P', right: 'A', top: 'S', bottom: 'I' });
  });

  it('shows no letters without an orientation', () => {
    const p = planes(undefined);
    expect([p.axial, p.coronal, p.sagittal, mainEdgeLabels(undefined)]).toEqual([null, null, null, null]);
  });
});
