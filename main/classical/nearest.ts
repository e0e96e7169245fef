/**
 * Nearest observed sample in N-D: the exact Euclidean feature transform (squared distances in
 * sample-index units), computed axis by axis with the lower envelope of parabolas of
 * Felzenszwalb & Huttenlocher ("Distance transforms of sampled functions", Theory of Computing
 * 8, 2012). Pass a along axis a computes, per line, D'(p) = min_q (p−q)² + D(q) and carries the
 * source index of the minimising q, so after the last axis every sample knows an observed sample
 * at minimal Euclidean distance (ties broken by the envelope order). O(N·d).
 */
import { InrError } from '../core/errors';
import { type ClassicalHooks, stage } from './hooks';

/**
 * For each sample, the flat index of a nearest observed sample (itself when observed).
 * Throws E_DATA when nothing is observed.
 */
function nearestObserved(shape: readonly number[], observed: Uint8Array, hooks: ClassicalHooks = {}): Int32Array {
  const N = observed.length;
  const dist = new Float64Array(N);
  const feat = new Int32Array(N);
  let any = false;
  for (let i = 0; i < N; i++) {
    if (observed[i]) {
      feat[i] = i;
      any = true;
    } else {
      dist[i] = Infinity;
      feat[i] = -1;
    }
  }
  if (!any) throw new InrError('E_DATA', 'no observed sample to fill from');
  const d = shape.length;
  const maxL = Math.max(1, ...shape);
  const f = new Float64Array(maxL);
  const fi = new Int32Array(maxL);
  const v = new Int32Array(maxL);
  const z = new Float64Array(maxL + 1);
  const tick = stage(hooks, 'nearest samples', 0, 1);
  for (let a = 0; a < d; a++) {
    const L = shape[a];
    if (L === 1) continue;
    let inner = 1;
    for (let b = a + 1; b < d; b++) inner *= shape[b];
    const outer = N / (L * inner);
    for (let o = 0; o < outer; o++) {
      if ((o & 255) === 0) tick((a + o / outer) / d);
      for (let r = 0; r < inner; r++) {
        const base = o * L * inner + r;
        let k = -1;
        for (let q = 0; q < L; q++) {
          const idx = base + q * inner;
          f[q] = dist[idx];
          fi[q] = feat[idx];
          if (f[q] === Infinity) continue;
          if (k < 0) {
            k = 0;
            v[0] = q;
            z[0] = -Infinity;
            z[1] = Infinity;
            continue;
          }
          let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * (q - v[k]));
          while (s <= z[k]) {
            k--;
            s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * (q - v[k]));
          }
          k++;
          v[k] = q;
          z[k] = s;
          z[k + 1] = Infinity;
        }
        if (k < 0) continue; // nothing observed on this line yet
        let j = 0;
        for (let p = 0; p < L; p++) {
          while (z[j + 1] < p) j++;
          const q = v[j];
          const idx = base + p * inner;
          dist[idx] = (p - q) * (p - q) + f[q];
          feat[idx] = fi[q];
        }
      }
    }
  }
  tick(1);
  return feat;
}

/** Copy into every unfilled sample (filled[i] = 0) the channels of its nearest observed sample. */
export function fillNearest(values: Float32Array, C: number, shape: readonly number[], observed: Uint8Array, filled: Uint8Array, hooks: ClassicalHooks = {}): void {
  let missing = false;
  for (let i = 0; i < filled.length; i++) if (!filled[i]) missing = true;
  if (!missing) return;
  const feat = nearestObserved(shape, observed, hooks);
  for (let i = 0; i < filled.length; i++) {
    if (filled[i]) continue;
    const s = feat[i];
    for (let c = 0; c < C; c++) values[i * C + c] = values[s * C + c];
    filled[i] = 1;
  }
}
