/**
 * Sine and cosine for tfjs-wasm's fast path. The wasm backend evaluates Sin and Cos with scalar
 * libm calls (≈45 ns an element on our 2-core CPU) while Multiply/Add/Round run vectorised
 * (≈0.3–0.6 ns): a SIREN step spent 60 % of its time in Sin and Cos. Here
 *
 *   k = round(x/2π),  r = x − k·C1 − k·C2  (Cody–Waite split of 2π, C1 = 6.28125 exact),
 *   sin x ≈ r·Σ_{j≤8} (−1)^j r^{2j}/(2j+1)!,   cos x ≈ Σ_{j≤8} (−1)^j r^{2j}/(2j)!,
 *
 * truncation below 3e-8 on |r| ≤ π; measured max error 5e-7 in float32 for |x| ≤ 200. The
 * gradient of each is the other, evaluated from the saved reduced argument. Other backends
 * (cpu, webgpu, tensorflow) keep their native kernels, which are fast there.
 */
import * as tf from '@tensorflow/tfjs';
import { custom } from './layers';

const INV_2PI = 1 / (2 * Math.PI);
const C1 = 6.28125;
const C2 = 2 * Math.PI - 6.28125;
const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
const SIN_COEFFS = Array.from({ length: 9 }, (_, j) => (j % 2 ? -1 : 1) / fact(2 * j + 1));
const COS_COEFFS = Array.from({ length: 9 }, (_, j) => (j % 2 ? -1 : 1) / fact(2 * j));

/** Whether the polynomial kernels are used (the wasm backend). */
export function polynomialTrig(): boolean {
  return tf.getBackend() === 'wasm';
}

/**
 * Runs `steps` in order, disposing each intermediate as soon as the next exists, so that a
 * chain of elementwise ops holds two n×W tensors at a time instead of all of them (the peak
 * memory of a 256×3 SIREN step halves).
 */
function chain(x: tf.Tensor, steps: Array<(t: tf.Tensor) => tf.Tensor>): tf.Tensor {
  let cur = x;
  for (const s of steps) {
    const next = s(cur);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur;
}

function reduce(x: tf.Tensor): tf.Tensor {
  const k = chain(x, [(t) => tf.mul(t, INV_2PI), (t) => tf.round(t)]);
  // The clip only acts where float32 has lost the argument (|x| ≳ 1e7): it keeps the
  // polynomials bounded there (native sin returns some value in [−1,1] as well).
  const r = chain(x, [
    (t) =>
      tf.sub(
        t,
        tf.tidy(() => tf.mul(k, C1)),
      ),
    (t) => tf.tidy(() => tf.sub(t, tf.mul(k, C2))),
    (t) => tf.clipByValue(t, -Math.PI, Math.PI),
  ]);
  k.dispose();
  return r;
}

function horner(r2: tf.Tensor, c: number[]): tf.Tensor {
  const steps: Array<(t: tf.Tensor) => tf.Tensor> = [(t) => tf.mul(t, c[c.length - 1]), (t) => tf.add(t, c[c.length - 2])];
  for (let i = c.length - 3; i >= 0; i--)
    steps.push(
      (t) => tf.mul(t, r2),
      (t) => tf.add(t, c[i]),
    );
  return chain(r2, steps);
}

function sinOfReduced(r: tf.Tensor): tf.Tensor {
  const r2 = tf.square(r);
  const p = horner(r2, SIN_COEFFS);
  r2.dispose();
  const s = tf.mul(p, r);
  p.dispose();
  return s;
}

function cosOfReduced(r: tf.Tensor): tf.Tensor {
  const r2 = tf.square(r);
  const p = horner(r2, COS_COEFFS);
  r2.dispose();
  return p;
}

type Saver = (t: tf.Tensor[]) => void;

const polySin = custom((x, save) => {
  const r = reduce(x as tf.Tensor);
  (save as Saver)([r]);
  return { value: sinOfReduced(r), gradFunc: (dy, [rs]) => [tf.mul(dy, cosOfReduced(rs))] };
});

const polyCos = custom((x, save) => {
  const r = reduce(x as tf.Tensor);
  (save as Saver)([r]);
  return { value: cosOfReduced(r), gradFunc: (dy, [rs]) => [tf.neg(tf.mul(dy, sinOfReduced(rs)))] };
});

export function sin<T extends tf.Tensor>(x: T): T {
  return (polynomialTrig() ? polySin(x) : tf.sin(x)) as T;
}

export function cos<T extends tf.Tensor>(x: T): T {
  return (polynomialTrig() ? polyCos(x) : tf.cos(x)) as T;
}
