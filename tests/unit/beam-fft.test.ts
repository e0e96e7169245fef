import { describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng';
import { dft, fft, fftNd } from '../../main/inr/elm/beam/fft';

function random(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('BEAM FFT', () => {
  it('matches a reference DFT for powers of two, short odd lengths (direct) and long ones (Bluestein)', () => {
    const rng = new Rng(3);
    for (const n of [1, 2, 3, 5, 8, 12, 17, 31, 47, 49, 64, 100, 127]) {
      const re = random(rng, n);
      const im = random(rng, n);
      const ref = dft(re, im);
      fft(re, im);
      expect(maxAbsDiff(re, ref.re)).toBeLessThan(1e-10 * n);
      expect(maxAbsDiff(im, ref.im)).toBeLessThan(1e-10 * n);
    }
  });

  it('computes separable N-D transforms (2-D and 3-D against a direct sum)', () => {
    const rng = new Rng(4);
    for (const shape of [
      [6, 8],
      [4, 3, 5],
    ]) {
      const N = shape.reduce((a, b) => a * b, 1);
      const re = random(rng, N);
      const im = new Float64Array(N);
      const x = re.slice();
      fftNd(re, im, shape);
      // Direct N-D DFT at a few bins.
      const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, q) => p * q, 1));
      for (let k = 0; k < N; k += 7) {
        const kk = shape.map((n, a) => Math.floor(k / strides[a]) % n);
        let sr = 0;
        let si = 0;
        for (let i = 0; i < N; i++) {
          let ph = 0;
          shape.forEach((n, a) => (ph += (kk[a] * (Math.floor(i / strides[a]) % n)) / n));
          sr += x[i] * Math.cos(-2 * Math.PI * ph);
          si += x[i] * Math.sin(-2 * Math.PI * ph);
        }
        expect(Math.abs(re[k] - sr)).toBeLessThan(1e-9);
        expect(Math.abs(im[k] - si)).toBeLessThan(1e-9);
      }
    }
  });
});
