/**
 * IGA: inductive gradient adjustment (Shi et al., ICML 2025; LabShuHangGU/IGA-INR), METHODS §12.
 *
 * Per step:
 *   1. Tile the grid into P×P (P^d) patches, the groups. In each group take the observed sample
 *      with the largest Σ_c |f − y|.
 *   2. Empirical NTK on those n points, K = J·Jᵀ, for the scalar output Σ_c f_c/√C, by one
 *      backward pass (layers.ts: no vmap in TF.js).
 *   3. Eigendecompose K (float64 Jacobi, eigen.ts), eigenvalues descending. For i in [start,end)
 *      replace λ_i by λ_end, stopping at the first λ_i ≤ 0:
 *        S = I − Σ_i (1 − λ_end/λ_i)·v_i v_iᵀ.
 *   4. Generalise to every sample as the paper does: with samples stored group-contiguously,
 *      r′_{g,p} = Σ_h S_{g,h}·r_{h,p} for every within-patch position p and channel, i.e.
 *      R′ = S·R with R the n × (P^d·C) residual matrix (missing positions contribute 0).
 *   5. Surrogate loss L′ = (2/(N·C))·fᵀ·stopgrad(r′): its gradient (2/(N·C))·JᵀS·r replaces
 *      that of the MSE; Adam is unchanged, and the plain MSE is what is logged.
 *
 * Note: the official image script indexes the selected points as a[:, max_indices, :], which
 * gives each group the sum of the gradients at every group's argmax position; this file follows
 * the paper and METHODS (one point per group).
 */
import * as tf from '@tensorflow/tfjs';
import { InrError } from '../../core/errors';
import { jacobiEigen, type Eigen } from './eigen';
import { assembleNtk, custom, NtkRecorder } from './layers';
import type { Net } from './net';

const probeWidths = new WeakMap<Net, number[]>();

/**
 * Empirical NTK of `net` on prepared inputs `h` (n × featureDim): K_ij = ⟨∂F(x_i)/∂θ, ∂F(x_j)/∂θ⟩
 * with F = Σ_c f_c/√C, over the net's trainable parameters. Returns float32 values widened to
 * float64, n×n row-major.
 */
export async function empiricalNtk(net: Net, h: tf.Tensor2D): Promise<Float64Array> {
  const n = h.shape[0];
  let widths = probeWidths.get(net);
  if (!widths) {
    const rec = new NtkRecorder();
    tf.tidy(() => {
      net.apply(tf.slice(h, [0, 0], [1, h.shape[1]]) as tf.Tensor2D, rec);
    });
    widths = rec.widths;
    probeWidths.set(net, widths);
  }
  const probes = widths.map((w) => tf.zeros([n, w]) as tf.Tensor2D);
  const rec = new NtkRecorder(probes);
  let K: tf.Tensor2D | undefined;
  try {
    K = tf.tidy(() => {
      const scale = 1 / Math.sqrt(net.outDim);
      const G = tf.grads((..._ps: tf.Tensor[]) => tf.mul(tf.sum(net.apply(h, rec)), scale))(probes) as tf.Tensor2D[];
      return assembleNtk(rec, G, n);
    });
    return Float64Array.from(await K.data());
  } finally {
    K?.dispose();
    rec.dispose();
    for (const p of probes) p.dispose();
  }
}

export interface IgaTransform {
  /** n×n row-major, float64. */
  S: Float64Array;
  eig: Eigen;
  /** How many eigenvalues were replaced. */
  replaced: number;
  /** The eigenvalue they were set to (λ_end). */
  target: number;
}

/**
 * S = I − Σ_{i∈[start,end)} (1 − λ_end/λ_i) v_i v_iᵀ, eigenvalues descending, stopping at the first
 * λ_i ≤ 0 as the official code does. `end` is clamped to n−1. When λ_end ≤ 0 no eigenvalue is
 * replaced ([inf]: the code would flip signs there) and S = I.
 */
export function igaTransform(K: ArrayLike<number>, n: number, start: number, end: number, eig?: Eigen): IgaTransform {
  const e = eig ?? jacobiEigen(K, n);
  const endC = Math.min(end, n - 1);
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) S[i * n + i] = 1;
  const target = e.values[endC];
  let replaced = 0;
  if (target > 0) {
    for (let i = Math.max(0, start); i < endC; i++) {
      const li = e.values[i];
      if (li <= 0) break;
      const w = 1 - target / li;
      for (let a = 0; a < n; a++) {
        const va = w * e.vectors[a * n + i];
        if (va === 0) continue;
        for (let b = 0; b < n; b++) S[a * n + b] -= va * e.vectors[b * n + i];
      }
      replaced++;
    }
  }
  return { S, eig: e, replaced, target };
}

/** The patch grouping of training rows, group-contiguous. */
export interface IgaGroups {
  patch: number;
  /** Non-empty groups (rows of S). */
  groups: number;
  /** Slots per group: patch^d. */
  slots: number;
  /** Training row → compact group index. */
  groupOf: Int32Array;
  /** Training row → slot in the group-ordered matrix (group·slots + position). */
  slotOf: Int32Array;
  /** Group-ordered slot → training row, or `rows` (a zero pad row) where no observed sample sits. */
  order: Int32Array;
  rows: number;
}

/**
 * Group the training rows by patch. `index[t]` is the flat sample index (row-major over `shape`)
 * of training row t. With no `patch`, P starts at 32 and halves (down to 2) until there are at
 * least 2·(end+1) non-empty groups, so that the eigenvalue equalisation has room [inf].
 */
export function igaGroups(shape: number[], index: Int32Array, end: number, patch?: number): IgaGroups {
  const tryP = (P: number): IgaGroups => {
    const d = shape.length;
    const per = shape.map((L) => Math.ceil(L / P));
    const slots = P ** d;
    const rows = index.length;
    const groupFull = new Int32Array(rows);
    const pos = new Int32Array(rows);
    const coord = new Array<number>(d);
    for (let t = 0; t < rows; t++) {
      let f = index[t];
      for (let a = d - 1; a >= 0; a--) {
        coord[a] = f % shape[a];
        f = Math.floor(f / shape[a]);
      }
      let g = 0;
      let p = 0;
      for (let a = 0; a < d; a++) {
        g = g * per[a] + Math.floor(coord[a] / P);
        p = p * P + (coord[a] % P);
      }
      groupFull[t] = g;
      pos[t] = p;
    }
    const compact = new Map<number, number>();
    const sortedGroups = Array.from(new Set(groupFull)).sort((a, b) => a - b);
    sortedGroups.forEach((g, i) => compact.set(g, i));
    const groups = sortedGroups.length;
    const groupOf = new Int32Array(rows);
    const slotOf = new Int32Array(rows);
    const order = new Int32Array(groups * slots).fill(rows);
    for (let t = 0; t < rows; t++) {
      const g = compact.get(groupFull[t])!;
      groupOf[t] = g;
      slotOf[t] = g * slots + pos[t];
      order[slotOf[t]] = t;
    }
    return { patch: P, groups, slots, groupOf, slotOf, order, rows };
  };
  if (patch !== undefined) return tryP(patch);
  let P = 32;
  let g = tryP(P);
  while (g.groups < 2 * (end + 1) && P > 2) {
    P /= 2;
    g = tryP(P);
  }
  return g;
}

/** Per group, the training row with the largest Σ_c |f − y| (pred, target: rows × C). */
export function selectGroupMaxima(groups: IgaGroups, pred: ArrayLike<number>, target: ArrayLike<number>, C: number): Int32Array {
  const best = new Float64Array(groups.groups).fill(-1);
  const sel = new Int32Array(groups.groups).fill(-1);
  for (let t = 0; t < groups.rows; t++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.abs(pred[t * C + c] - target[t * C + c]);
    if (!(s <= Infinity)) s = Infinity; // NaN: pick it, the step will fail loudly anyway
    const g = groups.groupOf[t];
    if (s > best[g]) {
      best[g] = s;
      sel[g] = t;
    }
  }
  return sel;
}

/**
 * The IGA-adjusted residual r′ = unpermute(S · permute(r)) on the device. `r` is rows × C;
 * `S` n×n (float32 tensor); `order`/`slotOf` int32 tensors from `igaGroups`.
 */
export function adjustResidual(r: tf.Tensor2D, S: tf.Tensor2D, order: tf.Tensor1D, slotOf: tf.Tensor1D, groups: IgaGroups): tf.Tensor2D {
  return tf.tidy(() => {
    const C = r.shape[1];
    const padded = tf.concat([r, tf.zeros([1, C])], 0);
    const R = tf.reshape(tf.gather(padded, order), [groups.groups, groups.slots * C]) as tf.Tensor2D;
    const Rp = tf.reshape(tf.matMul(S, R), [groups.groups * groups.slots, C]);
    return tf.gather(Rp, slotOf) as tf.Tensor2D;
  });
}

/** What the adjustment needs on the device: S (groups × groups) and the grouping's index tensors. */
export interface IgaAdjust {
  S: tf.Tensor2D;
  order: tf.Tensor1D;
  slotOf: tf.Tensor1D;
  groups: IgaGroups;
}

/**
 * The identity on the net's output `out` (rows × C) whose backward pass applies S across the
 * groups: any loss L(igaGradient(out)) then trains with ∂L/∂θ = Jᵀ·S·∂L/∂out. With the MSE this is
 * IGA's surrogate; behind a linear forward operator (CT: L = ‖A·out − s‖²) it adjusts the
 * back-projected residual Aᵀ(A·out − s), the per-pixel gradient the image task's r stands for.
 */
export function igaGradient(out: tf.Tensor2D, adj: IgaAdjust): tf.Tensor2D {
  const f = custom((o) => ({
    value: tf.clone(o as tf.Tensor),
    gradFunc: (dy) => adjustResidual(dy as tf.Tensor2D, adj.S, adj.order, adj.slotOf, adj.groups),
  }));
  return f(out) as tf.Tensor2D;
}

/**
 * One rebuild of IGA's transform: the empirical NTK of `net` on the rows `sel` of its prepared
 * inputs `h` (one per group, from `selectGroupMaxima`), and S for eigenvalues [start, end), as a
 * float32 tensor the caller owns.
 */
export async function igaUpdate(
  net: Net,
  h: tf.Tensor2D,
  sel: Int32Array,
  groups: IgaGroups,
  start: number,
  end: number,
  step: number,
): Promise<{ S: tf.Tensor2D; replaced: number }> {
  const selT = tf.tensor1d(sel, 'int32');
  const hSel = tf.gather(h, selT) as tf.Tensor2D;
  selT.dispose();
  let K: Float64Array;
  try {
    K = await empiricalNtk(net, hSel);
  } finally {
    hSel.dispose();
  }
  if (!K.every(Number.isFinite)) throw new InrError('E_NUMERIC', `the NTK became NaN at step ${step}: try a smaller learning rate or ω0`);
  const tr = igaTransform(K, groups.groups, start, end);
  return { S: tf.tensor2d(Float32Array.from(tr.S), [groups.groups, groups.groups]), replaced: tr.replaced };
}
