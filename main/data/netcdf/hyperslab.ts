/**
 * Hyperslabs (NUG: "start" and "count" vectors, one entry per dimension) over row-major arrays:
 * the contiguous runs a selection is made of, and copying a selection out of a full array.
 */
import { InrError } from '../../core/errors';
import type { RawArray } from './model';

/** Throw E_ARG unless `start`/`count` select a non-empty hyperslab within `shape`. */
export function assertSelection(shape: readonly number[], start: readonly number[], count: readonly number[], what: string): void {
  const ok =
    start.length === shape.length &&
    count.length === shape.length &&
    shape.every((s, i) => Number.isInteger(start[i]) && Number.isInteger(count[i]) && start[i] >= 0 && count[i] >= 1 && start[i] + count[i] <= s);
  if (!ok) throw new InrError('E_ARG', `selection start ${JSON.stringify(start)} count ${JSON.stringify(count)} is outside ${what} ${JSON.stringify(shape)}`);
}

/** Strides in elements of a row-major array of `shape`. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/**
 * Calls `fn(srcOffset, dstOffset, length)` for each contiguous run of the hyperslab, in order.
 * Trailing dimensions that are selected whole merge into longer runs.
 */
export function forEachRun(shape: readonly number[], start: readonly number[], count: readonly number[], fn: (src: number, dst: number, length: number) => void): void {
  const r = shape.length;
  if (r === 0) {
    fn(0, 0, 1);
    return;
  }
  if (count.some((c) => c === 0)) return;
  const st = strides(shape);
  let k = r - 1;
  while (k > 0 && start[k] === 0 && count[k] === shape[k]) k--;
  const runLength = count[k] * st[k];
  const idx = new Array<number>(k).fill(0);
  let dst = 0;
  for (;;) {
    let src = start[k] * st[k];
    for (let j = 0; j < k; j++) src += (start[j] + idx[j]) * st[j];
    fn(src, dst, runLength);
    dst += runLength;
    let j = k - 1;
    while (j >= 0 && ++idx[j] === count[j]) idx[j--] = 0;
    if (j < 0) return;
  }
}

/** A new array of the same type as `a` with `n` elements. */
function allocLike<T extends RawArray>(a: T, n: number): T {
  const Ctor = a.constructor as new (n: number) => T;
  return new Ctor(n);
}

/** Copy the hyperslab `start`/`count` out of `src`, a full row-major array of `shape`. */
export function extractHyperslab<T extends RawArray>(src: T, shape: readonly number[], start: readonly number[], count: readonly number[]): T {
  let n = 1;
  for (const c of count) n *= c;
  const out = allocLike(src, n);
  copyRuns(src, out, shape, start, count);
  return out;
}

type Settable = { set(values: ArrayLike<number>, offset: number): void };
type Sliceable = { subarray(begin: number, end: number): ArrayLike<number> };

/**
 * Copy the hyperslab out of `src` into `dst` (which holds exactly the selection). `srcBase` is the
 * element index in the full array where `src` begins, for a source that is only part of it.
 */
export function copyRuns(src: RawArray, dst: RawArray, shape: readonly number[], start: readonly number[], count: readonly number[], srcBase = 0): void {
  const from = src as unknown as Sliceable;
  const to = dst as unknown as Settable;
  forEachRun(shape, start, count, (s, d, len) => to.set(from.subarray(s - srcBase, s - srcBase + len), d));
}

/** Element index of the first and past-the-last element a hyperslab touches. */
export function hyperslabBounds(shape: readonly number[], start: readonly number[], count: readonly number[]): { first: number; end: number } {
  const st = strides(shape);
  let first = 0;
  let last = 0;
  for (let j = 0; j < shape.length; j++) {
    first += start[j] * st[j];
    last += (start[j] + count[j] - 1) * st[j];
  }
  return { first, end: last + 1 };
}
