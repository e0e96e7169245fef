/**
 * Encapsulated pixel data (PS3.5 A.4): find the bytes of frame k among the fragments.
 *
 * Uses the Basic Offset Table when it has one entry per frame. Without it, one fragment per
 * frame is assumed when the counts agree; a single-frame object takes all its fragments; and
 * otherwise fragments are grouped at frame-start markers (JPEG SOI, JPEG 2000 SOC or the JP2
 * signature), since one frame may span several fragments.
 */
import type { DataSet, Element, Fragment } from 'dicom-parser';
import { InrError } from '../../../core/errors';

/** True when the bytes begin a JPEG, JPEG-LS or JPEG 2000 codestream (or a JP2 file). */
function startsFrame(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  if (b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f)) return true;
  return b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0x0c && b.length >= 8 && b[4] === 0x6a && b[5] === 0x50;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The bytes of frame `frame` (0-based) of `frames`, from the fragments of `el`. */
export function encapsulatedFrame(ds: DataSet, el: Element, frame: number, frames: number, path: string): Uint8Array {
  const fragments: Fragment[] = el.fragments ?? [];
  if (fragments.length === 0) throw new InrError('E_CORRUPT', 'encapsulated pixel data has no fragments', path);
  const size = ds.byteArray.length;
  const bytesOf = (f: Fragment): Uint8Array => {
    if (f.position < 0 || f.length < 0 || f.position + f.length > size) {
      throw new InrError('E_CORRUPT', 'pixel data fragment runs past the end of the file (truncated?)', path);
    }
    return ds.byteArray.subarray(f.position, f.position + f.length);
  };
  if (frame < 0 || frame >= frames) throw new InrError('E_ARG', `frame ${frame} out of range 0…${frames - 1}`, path);
  if (frames === 1) return concat(fragments.map(bytesOf));
  const bot = el.basicOffsetTable ?? [];
  if (bot.length === frames) {
    const start = bot[frame];
    const end = frame + 1 < frames ? bot[frame + 1] : Infinity;
    const parts = fragments.filter((f) => f.offset >= start && f.offset < end);
    if (parts.length === 0 || parts[0].offset !== start) {
      throw new InrError('E_CORRUPT', `basic offset table points between fragments (frame ${frame + 1})`, path);
    }
    return concat(parts.map(bytesOf));
  }
  if (fragments.length === frames) return bytesOf(fragments[frame]);
  // Group fragments into frames at codestream start markers.
  const starts: number[] = [];
  fragments.forEach((f, i) => {
    if (startsFrame(bytesOf(f).subarray(0, 8))) starts.push(i);
  });
  if (starts.length !== frames || starts[0] !== 0) {
    throw new InrError('E_CORRUPT', `cannot map ${fragments.length} pixel data fragments to ${frames} frames`, path);
  }
  const first = starts[frame];
  const last = frame + 1 < frames ? starts[frame + 1] : fragments.length;
  return concat(fragments.slice(first, last).map(bytesOf));
}
