/**
 * The common shape of every backpropagation INR: a fixed input encoding (`prepare`, no trainable
 * parameter: identity, Fourier features, Chebyshev features), then a trainable map (`apply`)
 * that can record the sites the empirical NTK needs (layers.ts).
 *
 * Conventions (METHODS §0): "W×h" = input layer in→W, h hidden W→W layers, linear W→out.
 * Coordinates are [−1,1] corner-aligned with both ends included, except FFN ([0,1)).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { linear, param, type NtkRecorder, type Param } from './layers';
import { torchDefaultBound, uniform } from './init';
import { InrError } from '../../core/errors';

export interface Net {
  method: string;
  inDim: number;
  outDim: number;
  /** Columns of `prepare`'s output. */
  featureDim: number;
  params: Param[];
  /** Coordinate convention of the inputs the net expects. */
  coords: 'symmetric' | 'unit';
  /** Range the targets are mapped to before training. */
  targetRange: [number, number];
  /** Fixed (untrained) encoding of raw coordinates, n×inDim → n×featureDim. */
  prepare(x: tf.Tensor2D): tf.Tensor2D;
  /** The trainable map, n×featureDim → n×outDim. With a recorder, adds NTK probes. */
  apply(h: tf.Tensor2D, rec?: NtkRecorder): tf.Tensor2D;
  /** Settings worth reporting (ω0, σ, widths…). */
  info: Record<string, number | string | boolean>;
  warnings: string[];
  dispose(): void;
}

export function paramCount(net: Net): number {
  let n = 0;
  for (const p of net.params) n += p.v.size;
  return n;
}

export function disposeParams(params: Param[], extra: tf.Tensor[] = []): void {
  for (const p of params) p.v.dispose();
  for (const t of extra) t.dispose();
}

/**
 * A dense layer whose parameters take part in the eNTK: y = x·W + b (+ probe), recording a
 * matmul site for W and an elementwise site for b.
 */
export function denseSite(x: tf.Tensor2D, W: tf.Variable, b: tf.Variable | undefined, rec: NtkRecorder | undefined, inputGrad: boolean): tf.Tensor2D {
  const y = linear(x, W as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D | undefined, inputGrad);
  if (!rec) return y;
  const p = rec.probe(y);
  rec.matmul([{ x, probe: p.id }]);
  if (b) rec.elementwise(null, p.id);
  return p.y;
}

/** PyTorch-default dense parameters (W, b ~ U(±1/√n_in)), W stored [n_in, n_out]. */
export function torchDense(rng: Rng, name: string, nIn: number, nOut: number, weightBound?: number): { W: Param; b: Param } {
  const bw = weightBound ?? torchDefaultBound(nIn);
  const W = param(`${name}.W`, uniform(rng, nIn * nOut, bw), [nIn, nOut]);
  const b = param(`${name}.b`, uniform(rng, nOut, torchDefaultBound(nIn)), [nOut]);
  return { W, b };
}

/** Layer widths of a W×h net: [in, W, …(h times)…, W, out]. */
export function widths(inDim: number, width: number, hidden: number, outDim: number): number[] {
  return [inDim, ...new Array(hidden + 1).fill(width), outDim];
}

/**
 * A plain MLP with an elementwise activation after every layer but the last, built on
 * `denseSite`. `act(z, layer)` maps a pre-activation of layer `layer` (0 = first).
 */
export function mlpApply(h: tf.Tensor2D, layers: Array<{ W: Param; b: Param }>, act: (z: tf.Tensor2D, layer: number) => tf.Tensor2D, rec: NtkRecorder | undefined): tf.Tensor2D {
  let a = h;
  for (let l = 0; l < layers.length; l++) {
    const z = denseSite(a, layers[l].W.v, layers[l].b.v, rec, l > 0);
    a = l < layers.length - 1 ? act(z, l) : z;
  }
  return a;
}

export function requirePositive(name: string, v: number, integer = false): number {
  if (!(Number.isFinite(v) && v > 0) || (integer && !Number.isInteger(v))) {
    throw new InrError('E_ARG', `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  }
  return v;
}
