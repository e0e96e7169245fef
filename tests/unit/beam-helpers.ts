import type { FitInput } from '../../main/inr/elm/fit';

/** A channel-last 2-D input from f(y, x) → channel values. */
export function fieldOf(shape: [number, number], f: (y: number, x: number) => number[]): FitInput {
  const C = f(0, 0).length;
  const values = new Float32Array(shape[0] * shape[1] * C);
  for (let y = 0; y < shape[0]; y++)
    for (let x = 0; x < shape[1]; x++) {
      const v = f(y, x);
      for (let c = 0; c < C; c++) values[(y * shape[1] + x) * C + c] = v[c];
    }
  return { values, shape: [...shape], channels: C };
}

/** PSNR over all values with data range 1. */
export function psnr1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return 10 * Math.log10(1 / (s / a.length));
}
