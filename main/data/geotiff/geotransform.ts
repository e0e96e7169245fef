/**
 * The raster → model affine of a GeoTIFF, as a GDAL-style geotransform
 * `[x0, dx, rx, y0, ry, dy]`: the model coordinate of pixel corner (col, row) is
 * `(x0 + col·dx + row·rx, y0 + col·ry + row·dy)`.
 *
 * GeoTIFF stores it as ModelPixelScale + one ModelTiepoint, or as a 4×4 ModelTransformation
 * (OGC GeoTIFF 1.1 §7.3, "raster to model transformation"). With PixelIsPoint
 * (GTRasterTypeGeoKey = 2) the tiepoint names a pixel centre, so the corner lies half a pixel
 * up and left, exactly as GDAL's GTiff driver shifts it.
 */
export type GeoTransform = [number, number, number, number, number, number];

/** The three GeoTIFF model tags (33550, 33922, 34264), raw. */
export interface ModelTags {
  pixelScale?: number[];
  tiepoints?: number[];
  transformation?: number[];
}

/**
 * The geotransform from the model tags, or undefined when there is none (no tags, or several
 * tiepoints without a scale: ground control points, not an affine).
 */
export function geoTransformFromTags(tags: ModelTags, pixelIsPoint: boolean): GeoTransform | undefined {
  let gt: GeoTransform | undefined;
  const { pixelScale: s, tiepoints: t, transformation: m } = tags;
  if (m && m.length >= 16) {
    gt = [m[3], m[0], m[1], m[7], m[4], m[5]];
  } else if (s && s.length >= 2 && t && t.length >= 6) {
    const [i, j, , x, y] = t;
    gt = [x - i * s[0], s[0], 0, y + j * s[1], 0, -s[1]];
  }
  if (!gt || !gt.every(Number.isFinite)) return undefined;
  if (pixelIsPoint) {
    gt[0] -= 0.5 * (gt[1] + gt[2]);
    gt[3] -= 0.5 * (gt[4] + gt[5]);
  }
  return gt;
}

/**
 * Model tags for a geotransform: scale + tiepoint for north-up grids, ModelTransformation when
 * the grid is rotated, sheared or not north-up.
 */
export function tagsFromGeoTransform(gt: readonly number[], pixelIsPoint: boolean): ModelTags {
  const [x0, dx, rx, y0, ry, dy] = gt;
  const px = pixelIsPoint ? x0 + 0.5 * (dx + rx) : x0;
  const py = pixelIsPoint ? y0 + 0.5 * (ry + dy) : y0;
  if (rx === 0 && ry === 0 && dx > 0 && dy < 0) {
    return { pixelScale: [dx, -dy, 0], tiepoints: [0, 0, 0, px, py, 0] };
  }
  return { transformation: [dx, rx, 0, px, ry, dy, 0, py, 0, 0, 0, 0, 0, 0, 0, 1] };
}

/** Geotransform of an overview `w × h` of a `W × H` image with geotransform `gt`. */
export function scaleGeoTransform(gt: readonly number[], W: number, H: number, w: number, h: number): GeoTransform {
  const fx = W / w;
  const fy = H / h;
  return [gt[0], gt[1] * fx, gt[2] * fy, gt[3], gt[4] * fx, gt[5] * fy];
}

/**
 * Field geometry for axes (y, x) from a geotransform: the signed spacing per axis
 * `[dy, dx]` and the model coordinate of the first pixel's centre `[y, x]`.
 * Rotation terms do not fit spacing/origin; the geotransform stays the authority.
 */
export function axisGeometry(gt: readonly number[]): { spacing: number[]; origin: number[] } {
  const [x0, dx, rx, y0, ry, dy] = gt;
  return {
    spacing: [dy, dx],
    origin: [y0 + 0.5 * (ry + dy), x0 + 0.5 * (dx + rx)],
  };
}
