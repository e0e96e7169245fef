/**
 * BW-ReLU: second-order B-spline wavelet built from ReLUs (Shenouda, Zhou & Nowak, 2024;
 * joeshenouda/relu-inrs), METHODS §9.
 *
 * ψ_c(z) = (1/6)·[R(u) − 8R(u−½) + 23R(u−1) − 32R(u−3/2) + 23R(u−2) − 8R(u−5/2) + R(u−3)],
 * u = c·z: one neuron is 7 tied ReLUs. The forward pass is that sum of ReLUs (vectorised on
 * wasm); the backward pass is a customGrad with ψ′(u) = Σ_k a_k·step(u − k/2), which avoids the
 * 7 ReLU gradients (each a cast, a step and a product).
 *
 * Net [code]: L = hidden+1 wavelet layers, then a linear layer; PyTorch default init with the
 * wavelet layers' weights scaled by `initScale` (1). c = 9 for image fitting (3 for CT and SR);
 * c may be learnable (`learnC`).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { custom, param, type NtkRecorder, type Param } from './layers';
import { denseSite, disposeParams, requirePositive, torchDense, widths, type Net } from './net';
import type { NetOptions } from './options';

export const BW_COEFFS = [1, -8, 23, -32, 23, -8, 1].map((a) => a / 6);

/** Reference evaluation of ψ(u) (for tests). */
export function bwPsi(u: number): number {
  let s = 0;
  for (let k = 0; k < 7; k++) s += BW_COEFFS[k] * Math.max(0, u - k / 2);
  return s;
}

type Saver = (t: tf.Tensor[]) => void;

/** Σ_k a_k·g(u − k/2), freeing each term as it is added (7 terms would otherwise coexist). */
function sumOfKnots(u: tf.Tensor, g: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  let acc = tf.tidy(() => tf.mul(g(u), BW_COEFFS[0]));
  for (let k = 1; k < 7; k++) {
    const term = tf.tidy(() => tf.mul(g(tf.sub(u, k / 2)), BW_COEFFS[k]));
    const next = tf.add(acc, term);
    acc.dispose();
    term.dispose();
    acc = next;
  }
  return acc;
}
/** ψ(u) elementwise, with dψ/du = Σ_k a_k·step(u − k/2). */
const psi = custom((uu, save) => {
  const u = uu as tf.Tensor;
  (save as Saver)([u]);
  return {
    value: sumOfKnots(u, tf.relu),
    gradFunc: (dy, [us]) => {
      const d = sumOfKnots(us, tf.step);
      return [tf.mul(dy, d)];
    },
  };
});

export function bwWavelet(u: tf.Tensor): tf.Tensor {
  return psi(u);
}

export function buildBwRelu(rng: Rng, inDim: number, outDim: number, o: NetOptions): Net {
  const c0 = requirePositive('c', o.c ?? 9);
  const initScale = requirePositive('initScale', o.initScale ?? 1);
  const dims = widths(inDim, o.width, o.hidden, outDim);
  const layers: Array<{ W: Param; b: Param }> = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const d = torchDense(rng, `bw${l}`, dims[l], dims[l + 1]);
    if (initScale !== 1 && l + 2 < dims.length) tf.tidy(() => d.W.v.assign(tf.mul(d.W.v, initScale)));
    layers.push(d);
  }
  const c = param('bw.c', new Float32Array([c0]), [], Boolean(o.learnC));
  const params = [...layers.flatMap((l) => [l.W, l.b]), ...(o.learnC ? [c] : [])];
  const apply = (h: tf.Tensor2D, rec?: NtkRecorder): tf.Tensor2D => {
    let a = h;
    for (let l = 0; l < layers.length; l++) {
      const z = denseSite(a, layers[l].W.v, layers[l].b.v, rec, l > 0);
      if (l === layers.length - 1) return z;
      let u = (o.learnC ? tf.mul(z, c.v) : tf.mul(z, c0)) as tf.Tensor2D;
      if (rec && o.learnC) {
        const p = rec.probe(u);
        rec.scalar(c, z, p.id);
        u = p.y;
      }
      a = psi(u) as tf.Tensor2D;
    }
    return a;
  };
  return {
    method: 'bwrelu',
    inDim,
    outDim,
    featureDim: inDim,
    params,
    coords: 'symmetric',
    targetRange: [0, 1],
    prepare: (x) => x,
    apply,
    info: { width: o.width, hidden: o.hidden, wavelet_layers: o.hidden + 1, c: c0, learn_c: Boolean(o.learnC), init_scale: initScale },
    warnings: [],
    dispose: () => disposeParams(params, o.learnC ? [] : [c.v]),
  };
}
