/**
 * Explicit weight initialisers, all drawn from a seeded `Rng` so that a fit is reproducible
 * from its seed. TF.js/Keras defaults (Glorot-uniform weights, zero biases) are wrong for every
 * method here (METHODS §0), so each net states its own initialiser.
 *
 * Weights are stored [n_in, n_out] (row = input unit), so a layer is the plain product x·W and
 * needs no transpose on tfjs-wasm's fast path. Draw order is row-major over that layout.
 */
import type { Rng } from '../../core/rng';

/** U(−b, b) of `count` values. */
export function uniform(rng: Rng, count: number, bound: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

/** N(0, std²) of `count` values. */
export function normal(rng: Rng, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.normal() * std;
  return out;
}

/**
 * Normal truncated at ±2 standard deviations (redrawn), rescaled so that the truncated draw
 * has standard deviation `std`, as JAX's and Keras' variance-scaling "truncated_normal" does
 * (0.87962566103423978 is the std of a unit normal truncated to [−2, 2]).
 */
function truncatedNormal(rng: Rng, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  const s = std / 0.8796256610342398;
  for (let i = 0; i < count; i++) {
    let z = rng.normal();
    while (z < -2 || z > 2) z = rng.normal();
    out[i] = z * s;
  }
  return out;
}

/** PyTorch's nn.Linear default: W, b ~ U(±1/√n_in) (kaiming_uniform with a = √5). */
export function torchDefaultBound(nIn: number): number {
  return 1 / Math.sqrt(nIn);
}

/** Glorot (Xavier) normal, truncated as in JAX/stax `glorot_normal`: std = √(2/(n_in+n_out)). */
export function glorotNormal(rng: Rng, nIn: number, nOut: number): Float32Array {
  return truncatedNormal(rng, nIn * nOut, Math.sqrt(2 / (nIn + nOut)));
}

/** Constant fill. */
export function constant(count: number, value: number): Float32Array {
  return new Float32Array(count).fill(value);
}
