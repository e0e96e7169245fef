/**
 * Which mesh format a file holds, from its first bytes and its size, never from the extension
 * alone: `ply` + newline; an OFF keyword line; a binary STL whose triangle count matches the file
 * size exactly; ASCII STL (`solid` followed by `facet`/`endsolid`); OBJ (text whose first
 * statement is an OBJ keyword). The extension only breaks the tie for a binary STL whose size
 * does not match (then the reader reports the truncation).
 */
import { isBinaryStlSize } from './stl';

export type MeshFormat = 'off' | 'ply' | 'stl-binary' | 'stl-ascii' | 'obj';

export const MESH_FORMAT_LABELS: Record<MeshFormat, string> = {
  off: 'OFF mesh',
  ply: 'PLY mesh',
  'stl-binary': 'STL mesh (binary)',
  'stl-ascii': 'STL mesh (ASCII)',
  obj: 'OBJ mesh',
};

const OBJ_KEYS = new Set(['v', 'vt', 'vn', 'vp', 'f', 'o', 'g', 's', 'l', 'p', 'usemtl', 'mtllib']);

function ascii(head: Uint8Array, n = head.length): string {
  let s = '';
  for (let i = 0; i < Math.min(n, head.length); i++) s += String.fromCharCode(head[i]);
  return s;
}

function isText(head: Uint8Array): boolean {
  for (const b of head) if (b === 0) return false;
  return true;
}

/** The mesh format of a file starting with `head` (≥ 512 bytes unless the file is shorter) of `size` bytes, if any. */
export function sniffMesh(head: Uint8Array, size: number, path = ''): MeshFormat | undefined {
  const s = ascii(head, 1024);
  if (/^ply\r?\n/.test(s)) return 'ply';
  if (/^\s*(ST)?C?N?4?n?OFF(\s|$)/.test(s) || /^\s*(#[^\n]*\n\s*)+(ST)?C?N?OFF(\s|$)/.test(s)) return 'off';
  if (isBinaryStlSize(head, size)) return 'stl-binary';
  const text = isText(head.subarray(0, 1024));
  if (text && /^\s*solid\b/i.test(s) && (/\bfacet\b/i.test(s) || /\bendsolid\b/i.test(s))) return 'stl-ascii';
  if (text) {
    for (const line of s.split(/\r?\n/)) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      return OBJ_KEYS.has(t.split(/\s+/)[0]) ? 'obj' : undefined;
    }
    // Only comments in the first kilobyte: trust the extension.
    if (/\.obj$/i.test(path)) return 'obj';
  }
  if (/\.stl$/i.test(path) && size >= 84 && !text) return 'stl-binary';
  return undefined;
}
