/**
 * Pan and zoom of a 2D view. A transform is the zoom (screen pixels per image pixel) and the
 * image point at the centre of the viewport, so one transform can be shared by views of
 * different sizes (linked compare views). `fit` means "recompute to fit the viewport".
 */
export interface ViewTransform {
  zoom: number;
  /** Image coordinates (pixels, continuous) at the viewport centre. */
  cx: number;
  cy: number;
  fit: boolean;
}

const MIN_ZOOM = 1 / 64;
const MAX_ZOOM = 64;

export interface Size {
  width: number;
  height: number;
}

export function fitTransform(image: Size, viewport: Size, margin = 0.96): ViewTransform {
  const z = Math.min(viewport.width / image.width, viewport.height / image.height) * margin;
  const zoom = Number.isFinite(z) && z > 0 ? clampZoom(z) : 1;
  return { zoom, cx: image.width / 2, cy: image.height / 2, fit: true };
}

function clampZoom(z: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/** Zoom by `factor` keeping the image point under screen point (px, py) fixed. */
export function zoomAt(t: ViewTransform, factor: number, px: number, py: number, viewport: Size): ViewTransform {
  const zoom = clampZoom(t.zoom * factor);
  const ix = t.cx + (px - viewport.width / 2) / t.zoom;
  const iy = t.cy + (py - viewport.height / 2) / t.zoom;
  return { zoom, cx: ix - (px - viewport.width / 2) / zoom, cy: iy - (py - viewport.height / 2) / zoom, fit: false };
}

/** Move the image by (dx, dy) screen pixels. */
export function panBy(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { zoom: t.zoom, cx: t.cx - dx / t.zoom, cy: t.cy - dy / t.zoom, fit: false };
}

/** One screen pixel per image pixel, centred where the view is centred now. */
export function actualSize(t: ViewTransform): ViewTransform {
  return { zoom: 1, cx: t.cx, cy: t.cy, fit: false };
}

/** Screen point (relative to the viewport's top-left) → continuous image coordinates. */
export function screenToImage(t: ViewTransform, px: number, py: number, viewport: Size): { x: number; y: number } {
  return { x: t.cx + (px - viewport.width / 2) / t.zoom, y: t.cy + (py - viewport.height / 2) / t.zoom };
}

/** The CSS transform placing an image canvas (transform-origin 0 0) in the viewport. */
export function cssTransform(t: ViewTransform, viewport: Size): string {
  const tx = viewport.width / 2 - t.cx * t.zoom;
  const ty = viewport.height / 2 - t.cy * t.zoom;
  return `translate(${tx}px, ${ty}px) scale(${t.zoom})`;
}

/**
 * How image pixels sit in a view: one pixel is 1 display unit wide and `aspect` units tall (the
 * physical row spacing over the column spacing); with `flipY` row 0 is at the bottom (z up in
 * coronal and sagittal planes, north up in a map whose latitude grows with the row), and with
 * `flipX` column 0 is at the right (a map whose longitude falls with the column). A
 * ViewTransform's centre is then in display units; with the default (square pixels, row 0 on
 * top, column 0 on the left) display units are image pixels.
 */
export interface PixelShape {
  aspect: number;
  flipY: boolean;
  flipX?: boolean;
}

export const SQUARE_PIXELS: PixelShape = { aspect: 1, flipY: false };

/** An image's height, or its size (needed to mirror columns). */
type ImageExtent = number | Size;

function extentOf(image: ImageExtent): Size {
  return typeof image === 'number' ? { width: 0, height: image } : image;
}

/** The image's size in display units. */
export function displaySize(image: Size, shape: PixelShape = SQUARE_PIXELS): Size {
  return { width: image.width, height: image.height * shape.aspect };
}

/** Image coordinates (pixels, continuous) → display units. `image`: its height, or its size when columns are mirrored. */
export function imageToDisplay(p: { x: number; y: number }, image: ImageExtent, shape: PixelShape = SQUARE_PIXELS): { x: number; y: number } {
  const { width, height } = extentOf(image);
  return { x: shape.flipX ? width - p.x : p.x, y: (shape.flipY ? height - p.y : p.y) * shape.aspect };
}

/** Display units → image coordinates (pixels, continuous). */
export function displayToImage(p: { x: number; y: number }, image: ImageExtent, shape: PixelShape = SQUARE_PIXELS): { x: number; y: number } {
  const { width, height } = extentOf(image);
  const y = p.y / shape.aspect;
  return { x: shape.flipX ? width - p.x : p.x, y: shape.flipY ? height - y : y };
}

/** Display units → screen point relative to the viewport's top-left. */
export function displayToScreen(t: ViewTransform, p: { x: number; y: number }, viewport: Size): { x: number; y: number } {
  return { x: viewport.width / 2 + (p.x - t.cx) * t.zoom, y: viewport.height / 2 + (p.y - t.cy) * t.zoom };
}

/**
 * The CSS transform placing an image canvas (transform-origin 0 0) in the viewport, for any
 * pixel shape: screen = translate + scale · image, with a negative scale along a mirrored axis.
 * With square pixels it equals `cssTransform`.
 */
export function cssTransformShaped(t: ViewTransform, viewport: Size, image: ImageExtent, shape: PixelShape = SQUARE_PIXELS): string {
  if (shape.aspect === 1 && !shape.flipY && !shape.flipX) return cssTransform(t, viewport);
  const { width, height } = extentOf(image);
  const tx = shape.flipX ? viewport.width / 2 + (width - t.cx) * t.zoom : viewport.width / 2 - t.cx * t.zoom;
  const sx = shape.flipX ? -t.zoom : t.zoom;
  const sy = t.zoom * shape.aspect;
  if (!shape.flipY) return `translate(${tx}px, ${viewport.height / 2 - t.cy * t.zoom}px) scale(${sx}, ${sy})`;
  const ty = viewport.height / 2 + (height * shape.aspect - t.cy) * t.zoom;
  return `translate(${tx}px, ${ty}px) scale(${sx}, ${-sy})`;
}
