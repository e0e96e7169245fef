/**
 * SIREN (Sitzmann et al., NeurIPS 2020; vsitzmann/siren), METHODS §3.
 *
 * Layer: y = sin(ω0·(x·W + b)), the bias scaled too; linear output. ω0 = 30 for the first and
 * hidden layers. Init [code]: first layer W ~ U(±1/n_in) (the code, not the paper's √, see
 * vsitzmann/siren#4); hidden and output W ~ U(±√(6/n_in)/ω0); biases PyTorch default
 * U(±1/√n_in). Targets in [−1,1].
 */
import * as tf from '@tensorflow/tfjs';
import { sin } from './fastmath';
import type { Rng } from '../../core/rng';
import { param, type Param } from './layers';
import { torchDefaultBound, uniform } from './init';
import { disposeParams, mlpApply, requirePositive, widths, type Net } from './net';
import type { NetOptions } from './options';

export function buildSiren(rng: Rng, inDim: number, outDim: number, o: NetOptions): Net {
  const w0 = requirePositive('omega0', o.omega0 ?? 30);
  const wh = requirePositive('hiddenOmega0', o.hiddenOmega0 ?? w0);
  const dims = widths(inDim, o.width, o.hidden, outDim);
  const layers: Array<{ W: Param; b: Param }> = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    const nIn = dims[l];
    const nOut = dims[l + 1];
    const bound = l === 0 ? 1 / nIn : Math.sqrt(6 / nIn) / wh;
    const W = param(`siren${l}.W`, uniform(rng, nIn * nOut, bound), [nIn, nOut]);
    const b = param(`siren${l}.b`, uniform(rng, nOut, torchDefaultBound(nIn)), [nOut]);
    layers.push({ W, b });
  }
  const params = layers.flatMap((l) => [l.W, l.b]);
  return {
    method: 'siren',
    inDim,
    outDim,
    featureDim: inDim,
    params,
    coords: 'symmetric',
    targetRange: [-1, 1],
    prepare: (x) => x,
    apply: (h, rec) => mlpApply(h, layers, (z, l) => sin(tf.mul(z, l === 0 ? w0 : wh) as tf.Tensor2D), rec),
    info: { width: o.width, hidden: o.hidden, omega0: w0, hidden_omega0: wh },
    warnings: [],
    dispose: () => disposeParams(params),
  };
}
