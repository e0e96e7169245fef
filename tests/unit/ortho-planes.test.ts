/**
 * The orthogonal planes of a volume (renderer/src/lib/orthoPlanes.ts) and the pixel shapes of
 * their views (renderer/src/lib/viewTransform.ts): which axes span each plane, the physical
 * aspect, z up, crosshair positions, clicks and slice steps, and the screen ↔ image mapping.
 */
import { describe, expect, it } from 'vitest';
import {
  centreOf,
  crosshairColors,
  crosshairIn,
  isVolume,
  physicalOf,
  pixelShape,
  planeCoordsOf,
  planeKey,
  planeRequest,
  planeSpec,
  pointAt,
  sliceLabelOf,
  stepPlane,
  PLANE_COLORS,
} from '../../renderer/src/lib/orthoPlanes';
import { formatPosition } from '../../renderer/src/lib/readout';
import {
  cssTransform,
  cssTransformShaped,
  displaySize,
  displayToImage,
  displayToScreen,
  fitTransform,
  imageToDisplay,
  screenToImage,
  type PixelShape,
} from '../../renderer/src/lib/viewTransform';

const CT = { shape: [40, 256, 200], axes: ['z', 'y', 'x'], spacing: [2.5, 0.8, 0.7], origin: [-50, -100, -70] };
const SERIES = { shape: [5, 40, 256, 200], axes: ['t', 'z', 'y', 'x'], spacing: [2, 2.5, 0.8, 0.7], origin: [0, -50, -100, -70] };

describe('orthogonal planes', () => {
  it('knows a volume: three or more axes, the last three with two samples or more', () => {
    expect(isVolume(CT)).toBe(true);
    expect(isVolume(SERIES)).toBe(true);
    expect(isVolume({ shape: [512, 512] })).toBe(false);
    expect(isVolume({ shape: [1, 512, 512] })).toBe(false); // one DICOM slice
    expect(isVolume({ shape: [4, 1, 512] })).toBe(false);
    expect(isVolume(null)).toBe(false);
  });

  it('spans axial (y, x), coronal (z, x) and sagittal (z, y), with z up in the last two', () => {
    expect(planeSpec(CT, 'axial')).toEqual({ name: 'axial', rowDim: 1, colDim: 2, fixedDim: 0, flipY: false });
    expect(planeSpec(CT, 'coronal')).toEqual({ name: 'coronal', rowDim: 0, colDim: 2, fixedDim: 1, flipY: true });
    expect(planeSpec(CT, 'sagittal')).toEqual({ name: 'sagittal', rowDim: 0, colDim: 1, fixedDim: 2, flipY: true });
    // A 4D series: the same planes over its last three axes; t stays put.
    expect(planeSpec(SERIES, 'sagittal')).toEqual({ name: 'sagittal', rowDim: 1, colDim: 2, fixedDim: 3, flipY: true });
    const at = [3, 20, 100, 90];
    expect(planeRequest(planeSpec(SERIES, 'coronal'), at)).toEqual({ plane: [1, 3], at });
  });

  it('gives each plane its physical pixel aspect, and square pixels for unrelated units', () => {
    expect(pixelShape(CT, planeSpec(CT, 'axial'))).toEqual({ aspect: 0.8 / 0.7, flipY: false });
    expect(pixelShape(CT, planeSpec(CT, 'coronal'))).toEqual({ aspect: 2.5 / 0.7, flipY: true });
    expect(pixelShape(CT, planeSpec(CT, 'sagittal'))).toEqual({ aspect: 2.5 / 0.8, flipY: true });
    // Hours against degrees: no meaningful aspect.
    const nc = { shape: [24, 90, 180], axes: ['time', 'lat', 'lon'], spacing: [3600, 2, 2], origin: [0, -89, 0] };
    expect(pixelShape(nc, planeSpec(nc, 'coronal')).aspect).toBe(1);
    // Zero or missing spacing: square.
    expect(pixelShape({ ...CT, spacing: [0, 1, 1] }, planeSpec(CT, 'coronal')).aspect).toBe(1);
  });

  it('keys a plane by every index but its own two axes', () => {
    const cor = planeSpec(CT, 'coronal');
    expect(planeKey(cor, [10, 50, 60])).toBe(planeKey(cor, [11, 50, 99])); // moving z or x keeps the coronal plane
    expect(planeKey(cor, [10, 50, 60])).not.toBe(planeKey(cor, [10, 51, 60]));
    const ax = planeSpec(SERIES, 'axial');
    expect(planeKey(ax, [1, 10, 5, 5])).not.toBe(planeKey(ax, [2, 10, 5, 5])); // another time point
  });

  it('puts the crosshair at the other planes, and moves it by clicks and slice steps', () => {
    const p = [10, 50, 60];
    const ax = planeSpec(CT, 'axial');
    const cor = planeSpec(CT, 'coronal');
    const sag = planeSpec(CT, 'sagittal');
    expect(crosshairIn(ax, p)).toEqual({ x: 60.5, y: 50.5 });
    expect(crosshairIn(cor, p)).toEqual({ x: 60.5, y: 10.5 });
    expect(crosshairIn(sag, p)).toEqual({ x: 50.5, y: 10.5 });
    // A click in the axial plane moves y and x, not z; clamped to the volume.
    expect(pointAt(CT, ax, p, 12.7, 33.2)).toEqual([10, 33, 12]);
    expect(pointAt(CT, ax, p, -4, 999)).toEqual([10, 255, 0]);
    expect(pointAt(CT, sag, p, 7.9, 39.99)).toEqual([39, 7, 60]);
    // Steps move a plane's own axis, clamped.
    expect(stepPlane(CT, cor, p, 3)).toEqual([10, 53, 60]);
    expect(stepPlane(CT, ax, p, -100)).toEqual([0, 50, 60]);
    expect(stepPlane(CT, sag, p, 1000)).toEqual([10, 50, 199]);
    // Each line has the colour of the plane it shows.
    expect(crosshairColors(ax, CT)).toEqual({ vertical: PLANE_COLORS.sagittal, horizontal: PLANE_COLORS.coronal });
    expect(crosshairColors(cor, CT)).toEqual({ vertical: PLANE_COLORS.sagittal, horizontal: PLANE_COLORS.axial });
    expect(crosshairColors(sag, CT)).toEqual({ vertical: PLANE_COLORS.coronal, horizontal: PLANE_COLORS.axial });
  });

  it('reads positions as indices and physical coordinates', () => {
    expect(centreOf(CT)).toEqual([19, 127, 99]);
    expect(centreOf(SERIES, [3, 7])).toEqual([3, 19, 127, 99]);
    expect(physicalOf(CT, [2, 10, 20])).toEqual([-45, -92, -56]);
    // Indices are 0-based everywhere (hover, crosshair, slice labels), with the axis's range.
    expect(sliceLabelOf(CT, planeSpec(CT, 'coronal'), [2, 10, 20])).toBe('y 10 [0–255]');
    const c = planeCoordsOf({ ...CT, format: 'nifti' }, planeSpec(CT, 'coronal'), [2, 10, 20]);
    expect(c).toMatchObject({ rowDim: 0, colDim: 2, at: [2, 10, 20] });
    // The coronal read-out: the voxel in storage order, then each axis's coordinate (x then z).
    expect(formatPosition({ x: 20, y: 2, values: [1] }, c)).toBe('[z 2, y 10, x 20]  (x -56.000, z -45.00)');
    // Without coordinates: the pixel's indices only.
    expect(formatPosition({ x: 1, y: 2, values: [1] })).toBe('[y 2, x 1]');
  });
});

describe('pixel shapes of a view', () => {
  const vp = { width: 400, height: 300 };
  const image = { width: 200, height: 40 };
  const shapes: PixelShape[] = [
    { aspect: 1, flipY: false },
    { aspect: 2.5, flipY: false },
    { aspect: 2.5, flipY: true },
    { aspect: 0.5, flipY: true },
  ];

  it('maps image → display → screen and back, for every shape', () => {
    for (const shape of shapes) {
      const t = fitTransform(displaySize(image, shape), vp);
      for (const p of [
        { x: 0, y: 0 },
        { x: 13.5, y: 7.25 },
        { x: 200, y: 40 },
      ]) {
        const d = imageToDisplay(p, image.height, shape);
        const s = displayToScreen(t, d, vp);
        const back = displayToImage(screenToImage(t, s.x, s.y, vp), image.height, shape);
        expect(back.x).toBeCloseTo(p.x, 9);
        expect(back.y).toBeCloseTo(p.y, 9);
      }
    }
  });

  it('fits the physical size, shows z up when flipped, and equals the plain transform for square pixels', () => {
    const flipped: PixelShape = { aspect: 2.5, flipY: true };
    const t = fitTransform(displaySize(image, flipped), vp);
    expect(t.zoom).toBeCloseTo(Math.min(400 / 200, 300 / 100) * 0.96, 9);
    // Row 0 (z = 0) below the last row on screen.
    const bottom = displayToScreen(t, imageToDisplay({ x: 0, y: 0 }, image.height, flipped), vp);
    const top = displayToScreen(t, imageToDisplay({ x: 0, y: 40 }, image.height, flipped), vp);
    expect(bottom.y).toBeGreaterThan(top.y);
    expect(bottom.y - top.y).toBeCloseTo(40 * 2.5 * t.zoom, 9);
    // The CSS transform puts canvas pixel (x, y) where the mapping says.
    const css = cssTransformShaped(t, vp, image.height, flipped);
    const m = /translate\(([-\d.e]+)px, ([-\d.e]+)px\) scale\(([-\d.e]+), ([-\d.e]+)\)/.exec(css)!;
    const [tx, ty, sx, sy] = m.slice(1).map(Number);
    for (const p of [
      { x: 3, y: 5 },
      { x: 200, y: 0 },
    ]) {
      const want = displayToScreen(t, imageToDisplay(p, image.height, flipped), vp);
      expect(tx + sx * p.x).toBeCloseTo(want.x, 6);
      expect(ty + sy * p.y).toBeCloseTo(want.y, 6);
    }
    const square = fitTransform(image, vp);
    expect(cssTransformShaped(square, vp, image.height)).toBe(cssTransform(square, vp));
  });
});
