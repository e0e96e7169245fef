/**
 * Signed distance to an occupancy boundary, and the smoothed occupancy built from it: a target
 * that a smooth regressor (ELM-INR's sine features) fits far better than a 0/1 step, with the
 * same ½ level set.
 *
 * Exact squared Euclidean distance transform of a binary grid (P. F. Felzenszwalb and D. P.
 * Huttenlocher, "Distance transforms of sampled functions", Theory of Computing 8, 2012): along
 * each axis in turn, D(p) = min_q (p − q)² + f(q) is the lower envelope of parabolas rooted at
 * the samples, found in one sweep; three sweeps give the 3-D transform in O(n).
 *
 * The signed distance, in voxels, puts the surface halfway between an inside and an outside
 * sample: inside d = √D_out − ½ (D_out: to the nearest outside voxel), outside d = −(√D_in − ½).
 * The smoothed occupancy is s = ½ (1 + tanh(d / w)) for a transition half-width w voxels, so
 * s > ½ exactly where the voxel is occupied.
 */

/** In-place 1-D squared distance transform of f[o + k·stride], k < n (scratch v, z, d sized ≥ n(+1)). */
function edt1d(f: Float32Array, o: number, stride: number, n: number, v: Int32Array, z: Float64Array, d: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[o + q * stride];
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    for (;;) {
      const p = v[k];
      const s = (fq + q * q - (f[o + p * stride] + p * p)) / (2 * (q - p));
      if (s <= z[k]) {
        k--;
        if (k < 0) break;
        continue;
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Infinity;
      break;
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
    }
  }
  if (k < 0) return; // no finite sample on this line: all stay infinite
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const p = v[j];
    d[q] = (q - p) * (q - p) + f[o + p * stride];
  }
  for (let q = 0; q < n; q++) f[o + q * stride] = d[q];
}

/** Squared distance (voxels²) from every voxel to the nearest voxel whose occupancy equals `target`. */
export function squaredDistanceTo(occ: Uint8Array, shape: readonly [number, number, number], target: 0 | 1): Float32Array {
  const [nz, ny, nx] = shape;
  const f = new Float32Array(occ.length);
  for (let i = 0; i < occ.length; i++) f[i] = occ[i] === target ? 0 : Infinity;
  const n = Math.max(nx, ny, nz);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const d = new Float64Array(n);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) edt1d(f, (k * ny + j) * nx, 1, nx, v, z, d);
  for (let k = 0; k < nz; k++) for (let i = 0; i < nx; i++) edt1d(f, k * ny * nx + i, nx, ny, v, z, d);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) edt1d(f, j * nx + i, nx * ny, nz, v, z, d);
  return f;
}

/** Signed distance in voxels, positive inside (see the file comment); ±Infinity when one class is empty. */
export function signedDistance(occ: Uint8Array, shape: readonly [number, number, number]): Float32Array {
  const toOutside = squaredDistanceTo(occ, shape, 0);
  const toInside = squaredDistanceTo(occ, shape, 1);
  const out = toOutside;
  for (let i = 0; i < occ.length; i++) out[i] = occ[i] ? Math.sqrt(toOutside[i]) - 0.5 : -(Math.sqrt(toInside[i]) - 0.5);
  return out;
}

/** ½ (1 + tanh(d / width)) of the signed distance: a smooth 0→1 ramp across the surface, > ½ exactly inside. */
export function smoothOccupancy(occ: Uint8Array, shape: readonly [number, number, number], width: number): Float32Array {
  if (!(width > 0) || !Number.isFinite(width)) throw new RangeError(`smoothOccupancy: width must be positive, got ${width}`);
  const d = signedDistance(occ, shape);
  for (let i = 0; i < d.length; i++) d[i] = 0.5 * (1 + Math.tanh(d[i] / width));
  return d;
}
