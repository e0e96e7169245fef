/**
 * SL2A-INR (Heidari et al., ICCV 2025; Iceage7/SL2A-INR), METHODS §8.
 *
 * LA block Ψ (d → W): Ψ(x)_o = Σ_i Σ_{k=0..K} a_{i,o,k}·T_k(tanh x_i), T_k(u) = cos(k·arccos u),
 * followed by LayerNorm(W) with affine parameters. No linear layer precedes the polynomials, so
 * the Chebyshev features Φ(x) (n × d(K+1)) are a fixed encoding (`prepare`, by the three-term
 * recurrence T_{k+1} = 2u·T_k − T_{k−1}, exact for |u| ≤ 1) and Ψ = Φ·A is one plain product.
 *
 * Fusion: z1 = LN(Ψ(x)); z_l = ReLU(((z_{l−1} ⊙ z1)·U_l)·V_l + b_l) for `hidden` low-rank layers
 * (U_l: W×r, V_l: r×W); output (z_L ⊙ z1)·W_out + b_out.
 *
 * Init [code]: A Xavier-uniform on (d, W, K+1), bound √(6/((d+W)(K+1))); U_l, V_l Kaiming-uniform
 * (a = √5) = U(±1/√fan_in); b_l ~ U(±1/√r); output PyTorch default; LayerNorm γ = 1, β = 0,
 * ε = 1e-5. Defaults: K = 256, r = 128, W = 256, 3 fusion layers (330,243 params at 2→3).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import { linear, param, type NtkRecorder, type Param } from './layers';
import { constant, torchDefaultBound, uniform } from './init';
import { denseSite, disposeParams, requirePositive, torchDense, type Net } from './net';
import type { NetOptions } from './options';

const LN_EPS = 1e-5;

/** Chebyshev features of tanh(x): n×d → n×d(K+1), column i(K+1)+k = T_k(tanh x_i). */
export function chebyshevFeatures(x: tf.Tensor2D, K: number): tf.Tensor2D {
  return tf.tidy(() => {
    const u = tf.tanh(x);
    const n = x.shape[0];
    const d = x.shape[1];
    const cols: tf.Tensor[] = [];
    for (let i = 0; i < d; i++) {
      const ui = tf.slice(u, [0, i], [n, 1]);
      const two = tf.mul(ui, 2);
      let prev: tf.Tensor = tf.onesLike(ui);
      let cur: tf.Tensor = ui;
      cols.push(prev);
      if (K >= 1) cols.push(cur);
      for (let k = 2; k <= K; k++) {
        const next = tf.sub(tf.mul(two, cur), prev);
        prev = cur;
        cur = next;
        cols.push(next);
      }
    }
    return tf.concat(cols, 1) as tf.Tensor2D;
  });
}

export function buildSl2a(rng: Rng, inDim: number, outDim: number, o: NetOptions): Net {
  const K = requirePositive('degree', o.degree ?? 256, true);
  const r = requirePositive('rank', o.rank ?? 128, true);
  const W = o.width;
  const F = inDim * (K + 1);
  const A = param('sl2a.cheby', uniform(rng, F * W, Math.sqrt(6 / ((inDim + W) * (K + 1)))), [F, W]);
  const gamma = param('sl2a.ln.gamma', constant(W, 1), [W]);
  const beta = param('sl2a.ln.beta', constant(W, 0), [W]);
  const fusion: Array<{ U: Param; V: Param; b: Param }> = [];
  for (let l = 0; l < o.hidden; l++) {
    const U = param(`sl2a${l}.U`, uniform(rng, W * r, torchDefaultBound(W)), [W, r]);
    const V = param(`sl2a${l}.V`, uniform(rng, r * W, torchDefaultBound(r)), [r, W]);
    const b = param(`sl2a${l}.b`, uniform(rng, W, torchDefaultBound(r)), [W]);
    fusion.push({ U, V, b });
  }
  const out = torchDense(rng, 'sl2a_out', W, outDim);
  const params: Param[] = [A, gamma, beta, ...fusion.flatMap((f) => [f.U, f.V, f.b]), out.W, out.b];

  const apply = (h: tf.Tensor2D, rec?: NtkRecorder): tf.Tensor2D => {
    let psi = linear(h, A.v as unknown as tf.Tensor2D, undefined, false);
    if (rec) {
      const p = rec.probe(psi);
      rec.matmul([{ x: h, probe: p.id }]);
      psi = p.y;
    }
    const { mean, variance } = tf.moments(psi, 1, true);
    const nrm = tf.div(tf.sub(psi, mean), tf.sqrt(tf.add(variance, LN_EPS))) as tf.Tensor2D;
    let z1 = tf.add(tf.mul(nrm, gamma.v), beta.v) as tf.Tensor2D;
    if (rec) {
      const p = rec.probe(z1);
      rec.elementwise(nrm, p.id);
      rec.elementwise(null, p.id);
      z1 = p.y;
    }
    let z = z1;
    for (const f of fusion) {
      const m = tf.mul(z, z1) as tf.Tensor2D;
      let t = linear(m, f.U.v as unknown as tf.Tensor2D);
      if (rec) {
        const p = rec.probe(t);
        rec.matmul([{ x: m, probe: p.id }]);
        t = p.y;
      }
      z = tf.relu(denseSite(t, f.V.v, f.b.v, rec, true));
    }
    return denseSite(tf.mul(z, z1) as tf.Tensor2D, out.W.v, out.b.v, rec, true);
  };

  return {
    method: 'sl2a',
    inDim,
    outDim,
    featureDim: F,
    params,
    coords: 'symmetric',
    targetRange: [0, 1],
    prepare: (x) => chebyshevFeatures(x, K),
    apply,
    info: { width: W, hidden: o.hidden, degree: K, rank: r },
    warnings: [],
    dispose: () => disposeParams(params),
  };
}
