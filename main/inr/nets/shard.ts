/**
 * One shard of a data-parallel training step (team.ts): the loss and gradient of a net on a
 * part of the batch, and the flat layout in which replicas exchange parameters and gradients.
 *
 * The step's loss is the mean squared error over the batch of B samples and C channels,
 *   L = (1/(B·C)) Σ_b Σ_c (f(x_b)_c − y_bc)² = Σ_t L_t,   L_t = (1/(B·C)) Σ_{b ∈ shard t} Σ_c (…)²,
 * so ∇L = Σ_t ∇L_t: each replica computes its shard's L_t and ∇L_t with the global scale
 * 1/(B·C), and the sum over shards — in shard order, so that the result depends on the number of
 * shards only, never on timing — is the full batch's gradient (up to float32 rounding).
 */
import * as tf from '@tensorflow/tfjs';
import type { Net } from './net';

/** The trainable variables of a net in a fixed order, and where each starts in a flat vector. */
export interface ParamLayout {
  vars: tf.Variable[];
  offsets: number[];
  /** Total trainable values. */
  size: number;
}

export function paramLayout(net: Net): ParamLayout {
  const vars = net.params.filter((p) => p.v.trainable).map((p) => p.v);
  const offsets: number[] = [];
  let size = 0;
  for (const v of vars) {
    offsets.push(size);
    size += v.size;
  }
  return { vars, offsets, size };
}

/** Copy the variables' values into `out` (flat, layout order). Synchronous: CPU backends only. */
export function readParams(layout: ParamLayout, out: Float32Array): void {
  layout.vars.forEach((v, i) => out.set(v.dataSync() as Float32Array, layout.offsets[i]));
}

/** Set the variables from `src` (flat, layout order). */
export function writeParams(layout: ParamLayout, src: Float32Array): void {
  tf.tidy(() => layout.vars.forEach((v, i) => v.assign(tf.tensor(src.subarray(layout.offsets[i], layout.offsets[i] + v.size), v.shape, 'float32'))));
}

/**
 * L_t and ∇L_t on the shard (features `h`, targets `y`) with the batch's scale 1/(B·C): the
 * gradient goes to `g` (flat, layout order), the loss is returned.
 */
export function shardGradients(net: Net, layout: ParamLayout, h: tf.Tensor2D, y: tf.Tensor2D, scale: number, g: Float32Array): number {
  const { value, grads } = tf.tidy(() => tf.variableGrads(() => tf.mul(tf.sum(tf.squaredDifference(net.apply(h), y)), scale) as tf.Scalar, layout.vars));
  try {
    layout.vars.forEach((v, i) => g.set(grads[v.name].dataSync() as Float32Array, layout.offsets[i]));
    return value.dataSync()[0];
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
  }
}

/**
 * Σ_t of the shards' gradients, in shard order: `parts` holds T rows of `layout.size`. Returns
 * the sum as tensors keyed by variable name (what an optimizer applies).
 */
export function sumGradients(layout: ParamLayout, parts: Float32Array, shards: number): tf.NamedTensorMap {
  const P = layout.size;
  const sum = new Float32Array(P);
  sum.set(parts.subarray(0, P));
  for (let t = 1; t < shards; t++) {
    const o = t * P;
    for (let i = 0; i < P; i++) sum[i] += parts[o + i];
  }
  const out: tf.NamedTensorMap = {};
  layout.vars.forEach((v, i) => (out[v.name] = tf.tensor(sum.subarray(layout.offsets[i], layout.offsets[i] + v.size), v.shape, 'float32')));
  return out;
}

/** Rows [a, b) of a batch of B split into T shards: shard t gets ⌊t·B/T⌋ … ⌊(t+1)·B/T⌋. */
export function shardRange(B: number, T: number, t: number): [number, number] {
  return [Math.floor((t * B) / T), Math.floor(((t + 1) * B) / T)];
}
