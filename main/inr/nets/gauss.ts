/**
 * GaussNet (Ramasinghe & Lucey, ECCV 2022), METHODS §5: activation exp(−(s·z)²) with
 * z = x·W + b as in the benchmark codes (s = 1/(a√2) of the paper's exp(−z²/(2a²))); linear
 * output; PyTorch default init. s = 10 (WIRE harness) by default; 30 in the FINER/SL2A harnesses.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { disposeParams, mlpApply, requirePositive, torchDense, widths, type Net } from './net';
import type { NetOptions } from './options';
import type { Param } from './layers';

export function buildGauss(rng: Rng, inDim: number, outDim: number, o: NetOptions): Net {
  const s = requirePositive('s0', o.s0 ?? 10);
  const dims = widths(inDim, o.width, o.hidden, outDim);
  const layers: Array<{ W: Param; b: Param }> = [];
  for (let l = 0; l + 1 < dims.length; l++) layers.push(torchDense(rng, `gauss${l}`, dims[l], dims[l + 1]));
  const params = layers.flatMap((l) => [l.W, l.b]);
  return {
    method: 'gauss',
    inDim,
    outDim,
    featureDim: inDim,
    params,
    coords: 'symmetric',
    targetRange: [0, 1],
    prepare: (x) => x,
    apply: (h, rec) => mlpApply(h, layers, (z) => tf.exp(tf.neg(tf.square(tf.mul(z, s)))) as tf.Tensor2D, rec),
    info: { width: o.width, hidden: o.hidden, s0: s },
    warnings: [],
    dispose: () => disposeParams(params),
  };
}
