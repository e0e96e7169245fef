/**
 * Building blocks shared by the nets: the dense layer on tfjs-wasm's fast path, parameter
 * creation, and the recorder that lets one backward pass produce the empirical NTK (METHODS §12).
 *
 * Fast path: weights are stored [n_in, n_out], so the forward pass is the plain product x·W.
 * TF.js's own matMul gradient uses transpose flags (dy·Wᵀ, xᵀ·dy), which run 10–40× slower on
 * tfjs-wasm than an explicit transpose followed by a plain product (DESIGN.md, measured here
 * too: 4096×256×256 takes ~280 ms with a flag against ~35 ms transposed first). `linear` is
 * therefore a customGrad op whose backward pass transposes explicitly.
 */
import * as tf from '@tensorflow/tfjs';

type Saver = (tensors: tf.Tensor[]) => void;

/** Σ over rows as 1ᵀ·dy: a plain product is ~20× faster on tfjs-wasm than Sum over axis 0. */
function colSum(dy: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [dy.shape[1]]);
}
type CustomFn = (...args: Array<tf.Tensor | Saver>) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/**
 * tf.customGrad with both bodies run inside tf.tidy. TF.js does not tidy a custom op's
 * intermediates: in the forward pass they live until the end of the differentiated function, and
 * in the backward pass until the end of backpropagation, which exhausted wasm memory on 256²
 * images. Saved tensors are cloned and kept by the engine, so they survive the tidy.
 */
export function custom(f: CustomFn): (...args: tf.Tensor[]) => tf.Tensor {
  const g = (...args: Array<tf.Tensor | Saver>) => {
    let gradFunc!: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
    const value = tf.tidy(() => {
      const r = f(...args);
      gradFunc = r.gradFunc;
      return r.value;
    });
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) };
  };
  return tf.customGrad(g as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor;
}

/** x·W + b with explicit transposes in the backward pass; gradients for x, W and b. */
const linearFull = custom((x, W, b, save) => {
  (save as Saver)([x as tf.Tensor, W as tf.Tensor]);
  const value = tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b as tf.Tensor);
  return {
    value,
    gradFunc: (dy, [xs, Ws]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(Ws as tf.Tensor2D)),
      tf.matMul(tf.transpose(xs as tf.Tensor2D), dy as tf.Tensor2D),
      colSum(dy as tf.Tensor2D),
    ],
  };
});

/** x·W with explicit transposes; gradients for x and W. */
const linearNoBias = custom((x, W, save) => {
  (save as Saver)([x as tf.Tensor, W as tf.Tensor]);
  const value = tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D);
  return {
    value,
    gradFunc: (dy, [xs, Ws]) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(Ws as tf.Tensor2D)), tf.matMul(tf.transpose(xs as tf.Tensor2D), dy as tf.Tensor2D)],
  };
});

/**
 * A dense layer y = x·W (+ b). With `inputGrad: false` (first layers, whose input is the fixed
 * coordinate encoding) the useless dy·Wᵀ product is skipped and x receives no gradient.
 */
export function linear(x: tf.Tensor2D, W: tf.Tensor2D, b?: tf.Tensor1D, inputGrad = true): tf.Tensor2D {
  if (inputGrad) return (b ? linearFull(x, W, b) : linearNoBias(x, W)) as tf.Tensor2D;
  // x is not an input of the op, but saving it keeps it alive until the backward pass even when
  // it was created inside the differentiated function (engine.saveTensorsForBackwardMode).
  if (b) {
    const f = custom((Wi, bi, save) => {
      (save as Saver)([x]);
      const value = tf.add(tf.matMul(x, Wi as tf.Tensor2D), bi as tf.Tensor);
      return { value, gradFunc: (dy, [xs]) => [tf.matMul(tf.transpose(xs as tf.Tensor2D), dy as tf.Tensor2D), colSum(dy as tf.Tensor2D)] };
    });
    return f(W, b) as tf.Tensor2D;
  }
  const f = custom((Wi, save) => {
    (save as Saver)([x]);
    return { value: tf.matMul(x, Wi as tf.Tensor2D), gradFunc: (dy, [xs]) => [tf.matMul(tf.transpose(xs as tf.Tensor2D), dy as tf.Tensor2D)] };
  });
  return f(W) as tf.Tensor2D;
}

/** A named trainable parameter. */
export interface Param {
  name: string;
  v: tf.Variable;
}

export function param(name: string, values: Float32Array, shape: number[], trainable = true): Param {
  const init = tf.tensor(values, shape, 'float32');
  const v = tf.variable(init, trainable);
  init.dispose();
  return { name, v };
}

// ---------------------------------------------------------------------------------------------
// Empirical NTK by one backward pass (METHODS §12, "TF.js eNTK").
//
// Every parameter of these nets enters the output through a site of one of three kinds, and the
// nets map each sample independently (no batch coupling; LayerNorm normalises features):
//   matmul:      y[:, cols] += Σ_t s_t · X_t · P        (P a weight matrix shared by the terms)
//   elementwise: y[:, cols]  = p ⊙ U (+ …)               (p a vector: LayerNorm gain, bias: U = 1)
//   scalar:      y           = c · U                     (c one scalar, e.g. a learnable scale;
//                                                        every use of the same c is one site)
// A zero "probe" tensor is added to each such y. One reverse pass of S = Σ_i Σ_c f_c(x_i)/√C
// with respect to the probes gives G = ∂f(x_i)/∂y_i for every sample at once, and the
// per-sample parameter gradients are Σ_t s_t X_t[i] ⊗ G_t[i] (matmul), U[i] ⊙ G[i]
// (elementwise) and Σ_k U[i,k] G[i,k] (scalar). Their inner products give K = J·Jᵀ without
// ever forming J: for a matmul site, K_ij += Σ_{t,u} s_t s_u (X_t X_uᵀ)_ij (G_t G_uᵀ)_ij,
// which for a plain dense layer is the identity (δ_i·δ_j)(a_i·a_j + 1) of METHODS §12.
// ---------------------------------------------------------------------------------------------

export interface MatmulTerm {
  /** Input rows X_t; null = a bias (a column of ones). */
  x: tf.Tensor2D | null;
  probe: number;
  cols?: [number, number];
  sign?: 1 | -1;
}

type Site =
  | { kind: 'matmul'; terms: MatmulTerm[] }
  | { kind: 'elementwise'; u: tf.Tensor2D | null; probe: number; cols?: [number, number] }
  | { kind: 'scalar'; key: object; terms: Array<{ u: tf.Tensor2D; probe: number }> };

export class NtkRecorder {
  /** Probe widths found by a discovery pass. */
  readonly widths: number[] = [];
  readonly sites: Site[] = [];
  private kept: tf.Tensor[] = [];
  private next = 0;

  /** Discovery mode when `probes` is undefined: records widths and adds nothing. */
  constructor(private readonly probes?: tf.Tensor2D[]) {}

  /** Add the next probe to y (the pre-activation where parameters enter); returns its index and y + P. */
  probe(y: tf.Tensor2D): { y: tf.Tensor2D; id: number } {
    const id = this.next++;
    if (!this.probes) {
      this.widths.push(y.shape[1]);
      return { y, id };
    }
    const p = this.probes[id];
    if (!p || p.shape[1] !== y.shape[1] || p.shape[0] !== y.shape[0]) throw new Error(`NTK probe ${id} does not match ${y.shape}`);
    return { y: tf.add(y, p), id };
  }

  private keep<T extends tf.Tensor | null>(t: T): T {
    if (!t || !this.probes) return t;
    const c = tf.keep(t.clone()) as T;
    this.kept.push(c as tf.Tensor);
    return c;
  }

  matmul(terms: MatmulTerm[]): void {
    if (!this.probes) return;
    this.sites.push({ kind: 'matmul', terms: terms.map((t) => ({ ...t, x: this.keep(t.x) })) });
  }

  elementwise(u: tf.Tensor2D | null, probe: number, cols?: [number, number]): void {
    if (!this.probes) return;
    this.sites.push({ kind: 'elementwise', u: this.keep(u), probe, cols });
  }

  /** A use of the scalar parameter `key` (y = key·u at probe); uses of one key share a site. */
  scalar(key: object, u: tf.Tensor2D, probe: number): void {
    if (!this.probes) return;
    let site = this.sites.find((s) => s.kind === 'scalar' && s.key === key) as Extract<Site, { kind: 'scalar' }> | undefined;
    if (!site) {
      site = { kind: 'scalar', key, terms: [] };
      this.sites.push(site);
    }
    site.terms.push({ u: this.keep(u), probe });
  }

  dispose(): void {
    for (const t of this.kept) t.dispose();
    this.kept = [];
  }
}

function colsOf(g: tf.Tensor2D, cols?: [number, number]): tf.Tensor2D {
  return cols ? (tf.slice(g, [0, cols[0]], [g.shape[0], cols[1] - cols[0]]) as tf.Tensor2D) : g;
}

/** A·Bᵀ with an explicit transpose (the fast path). */
function gram(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(a, tf.transpose(b));
}

/** Assemble K (n×n) from the recorded sites and the probe gradients G. */
export function assembleNtk(rec: NtkRecorder, G: tf.Tensor2D[], n: number): tf.Tensor2D {
  return tf.tidy(() => {
    let K: tf.Tensor2D = tf.zeros([n, n]);
    for (const s of rec.sites) {
      if (s.kind === 'matmul') {
        const gs = s.terms.map((t) => colsOf(G[t.probe], t.cols));
        for (let a = 0; a < s.terms.length; a++) {
          for (let b = 0; b < s.terms.length; b++) {
            const ta = s.terms[a];
            const tb = s.terms[b];
            const sign = (ta.sign ?? 1) * (tb.sign ?? 1);
            let term = gram(gs[a], gs[b]);
            if (ta.x && tb.x) term = tf.mul(term, gram(ta.x, tb.x));
            else if (ta.x || tb.x) {
              // Bias against a weight sharing one parameter: not produced by these nets.
              throw new Error('mixed bias/weight terms in one matmul site');
            }
            K = sign === 1 ? tf.add(K, term) : tf.sub(K, term);
          }
        }
      } else if (s.kind === 'elementwise') {
        const g = colsOf(G[s.probe], s.cols);
        const e = s.u ? tf.mul(s.u, g) : g;
        K = tf.add(K, gram(e as tf.Tensor2D, e as tf.Tensor2D));
      } else {
        // Per-sample gradient of the scalar: Σ over its uses of Σ_k U[i,k]·G[i,k].
        let a: tf.Tensor2D = tf.zeros([n, 1]);
        for (const t of s.terms) a = tf.add(a, tf.reshape(tf.sum(tf.mul(t.u, G[t.probe]), 1), [n, 1]));
        K = tf.add(K, gram(a, a));
      }
    }
    return K;
  });
}
