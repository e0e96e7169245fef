/**
 * Plain ReLU MLP, the spectral-bias baseline (METHODS §13, §15 "ReLU"): PyTorch default init
 * (W, b ~ U(±1/√n_in)), linear output, coordinates [−1,1], targets [0,1].
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { disposeParams, mlpApply, torchDense, widths, type Net } from './net';
import type { NetOptions } from './options';
import type { Param } from './layers';

export function buildRelu(rng: Rng, inDim: number, outDim: number, o: NetOptions): Net {
  const dims = widths(inDim, o.width, o.hidden, outDim);
  const layers: Array<{ W: Param; b: Param }> = [];
  for (let l = 0; l + 1 < dims.length; l++) layers.push(torchDense(rng, `relu${l}`, dims[l], dims[l + 1]));
  const params = layers.flatMap((l) => [l.W, l.b]);
  return {
    method: 'relu',
    inDim,
    outDim,
    featureDim: inDim,
    params,
    coords: 'symmetric',
    targetRange: [0, 1],
    prepare: (x) => x,
    apply: (h, rec) => mlpApply(h, layers, (z) => tf.relu(z), rec),
    info: { width: o.width, hidden: o.hidden },
    warnings: [],
    dispose: () => disposeParams(params),
  };
}
