/**
 * FFN: ReLU MLP on Gaussian Fourier features (Tancik et al., NeurIPS 2020), METHODS §4.
 *
 * γ(v) = [cos(2π·v·B), sin(2π·v·B)], B (d×m, stored so that v·B needs no transpose) with
 * entries ~ N(0, σ²), drawn once from the seed and frozen; m = 256, σ = 10 (natural images).
 * Then ReLU layers and a linear layer followed by a sigmoid; targets in [0,1]; coordinates in
 * [0,1). Init: Glorot-normal weights (METHODS §4 [code]); truncation and the N(0, 0.01²) biases
 * are JAX stax's Dense defaults, which the demo uses [inf: not re-checked against the notebook].
 * Tancik's image net has 3 ReLU layers of 256, i.e. W×h = 256×2 here.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { param, type Param } from './layers';
import { glorotNormal, normal } from './init';
import { disposeParams, mlpApply, requirePositive, widths, type Net } from './net';
import type { NetOptions } from './options';

export function buildFfn(rng: Rng, inDim: number, outDim: number, o: NetOptions): Net {
  const sigma = requirePositive('sigma', o.sigma ?? 10);
  const m = requirePositive('features', o.features ?? 256, true);
  // B first, so that it depends only on the seed, σ and m.
  const Bvals = normal(rng, inDim * m, sigma);
  for (let i = 0; i < Bvals.length; i++) Bvals[i] *= 2 * Math.PI;
  const B2pi = tf.tensor2d(Bvals, [inDim, m]);
  const dims = widths(2 * m, o.width, o.hidden, outDim);
  const layers: Array<{ W: Param; b: Param }> = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const W = param(`ffn${l}.W`, glorotNormal(rng, dims[l], dims[l + 1]), [dims[l], dims[l + 1]]);
    const b = param(`ffn${l}.b`, normal(rng, dims[l + 1], 0.01), [dims[l + 1]]);
    layers.push({ W, b });
  }
  const params = layers.flatMap((l) => [l.W, l.b]);
  return {
    method: 'ffn',
    inDim,
    outDim,
    featureDim: 2 * m,
    params,
    coords: 'unit',
    targetRange: [0, 1],
    prepare: (x) =>
      tf.tidy(() => {
        const proj = tf.matMul(x, B2pi);
        return tf.concat([tf.cos(proj), tf.sin(proj)], 1) as tf.Tensor2D;
      }),
    apply: (h, rec) => tf.sigmoid(mlpApply(h, layers, (z) => tf.relu(z), rec)) as tf.Tensor2D,
    info: { width: o.width, hidden: o.hidden, sigma, features: m },
    warnings: [],
    dispose: () => disposeParams(params, [B2pi]),
  };
}
