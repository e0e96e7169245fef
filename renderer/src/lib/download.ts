/**
 * Saving bytes the renderer holds (a CSV, a PNG of a view, an export answered as bytes): a Blob
 * and an `<a download>`. In a browser that is a download; in Electron the shell's download
 * handling asks where to save it.
 */
import { mimeType } from './exportFiles';

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Let the download start before the URL goes.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveBytes(bytes: Uint8Array, name: string): void {
  // A copy into a plain ArrayBuffer: the bytes may view a larger (or shared) buffer.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  saveBlob(new Blob([copy.buffer], { type: mimeType(name) }), name);
}

export function saveText(text: string, name: string): void {
  saveBlob(new Blob([text], { type: `${mimeType(name)};charset=utf-8` }), name);
}

/** A canvas as PNG bytes. `prepare` runs first, in the same task (a WebGL view re-renders there). */
export function canvasPng(canvas: HTMLCanvasElement, prepare?: () => void): Promise<Blob> {
  return new Promise((resolve, reject) => {
    prepare?.();
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the view could not be encoded as PNG'))), 'image/png');
  });
}
