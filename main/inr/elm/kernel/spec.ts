/**
 * What a kernel-limit ELM needs besides the uniform mesh (model.ts `ElmSpec.kernel`).
 */
export interface KernelSpec {
  /** Matérn smoothness ν of the kernel (matern.ts). */
  nu: number;
  /** Candidate kernels; every cell weighs them by their cross-validated error. */
  candidates: KernelCandidate[];
  /** Candidate nuggets σ² (relative to a unit kernel variance); every cell and candidate picks one. */
  nuggets: number[];
  /** Samples beyond its core on each side that a cell's fit sees, per axis. */
  context: number[];
  /** Half-width of an input sample's pixel per axis: 0 = point samples, ½ = each sample averages its pixel. */
  pixel: number[];
  /**
   * How candidates are scored: 'loo' leave-one-out, 'gcv' generalised cross-validation, 'slice'
   * leave-one-slice-out along the first axis (the error of predicting a whole slice from the
   * others, what a through-plane resampling asks).
   */
  criterion: 'gcv' | 'loo' | 'slice';
  /**
   * Candidates within this relative margin of the best score share the cell: weights
   * exp(−(e_c − e_min)/(τ·e_min)) (1 = the best only when 0).
   */
  temperature: number;
}

/**
 * One candidate kernel, k(Δ) = Π_b k_ν((FΔ)_b / ℓ_b): separable along the rows of a frame F
 * (d×d, row-major; absent: the grid axes), one length per row, in samples.
 * - A rotated orthonormal frame orients an anisotropic kernel along an edge (a steering kernel:
 *   Takeda, Farsiu & Milanfar, IEEE TIP 16(2), 2007).
 * - `shear` (whole samples per sample of the first axis, one per axis, the first 0) makes
 *   F = I − s·e₀ᵀ: the kernel follows lines that drift by s per slice, a motion-compensated
 *   interpolation between slices (as frame-rate conversion does between video frames).
 * Frameless and sheared candidates keep the Kronecker structure of fully observed supports; a
 * rotated frame is solved densely and ignores pixel averaging.
 */
export interface KernelCandidate {
  lengths: number[];
  /** Matérn smoothness of this candidate (default: the spec's). */
  nu?: number;
  frame?: number[];
  shear?: number[];
}

/** The candidate's frame as a matrix (identity, a shear or its own), row-major. */
export function candidateFrame(c: KernelCandidate): number[] | undefined {
  if (c.frame) return c.frame;
  if (!c.shear || c.shear.every((s) => s === 0)) return undefined;
  const d = c.lengths.length;
  const F = new Array<number>(d * d).fill(0);
  for (let a = 0; a < d; a++) F[a * d + a] = 1;
  for (let a = 1; a < d; a++) F[a * d] = -c.shear[a];
  return F;
}

/** Why `ks` is not a usable kernel spec for data of `d` axes (a model file's header), or undefined. */
export function kernelSpecProblem(ks: unknown, d: number): string | undefined {
  const k = ks as Partial<KernelSpec> | undefined;
  if (!k || typeof k !== 'object') return 'kernel spec is not an object';
  const num = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
  const list = (v: unknown, n: number, lo: number, hi: number) => Array.isArray(v) && v.length === n && v.every((x) => num(x, lo, hi));
  if (!num(k.nu, 0.5, 2.5)) return 'kernel smoothness out of range';
  if (!Array.isArray(k.candidates) || k.candidates.length < 1 || k.candidates.length > 64) return 'kernel candidates missing';
  for (const c of k.candidates) {
    if (!c || !list(c.lengths, d, 1e-6, 1e6)) return 'kernel candidate lengths invalid';
    if (c.nu !== undefined && !num(c.nu, 0.5, 2.5)) return 'kernel candidate smoothness out of range';
    if (c.frame !== undefined && !list(c.frame, d * d, -1e6, 1e6)) return 'kernel candidate frame invalid';
    if (c.shear !== undefined && !(list(c.shear, d, -16, 16) && c.shear.every((s) => Number.isInteger(s)))) return 'kernel candidate shear invalid';
  }
  if (!Array.isArray(k.nuggets) || k.nuggets.length < 1 || k.nuggets.length > 16 || !k.nuggets.every((v) => num(v, 0, 1e6))) return 'kernel nuggets invalid';
  if (!list(k.context, d, 0, 64) || !k.context!.every((v) => Number.isInteger(v))) return 'kernel context invalid';
  if (!list(k.pixel, d, 0, 8)) return 'kernel pixel half-widths invalid';
  if (!['gcv', 'loo', 'slice'].includes(k.criterion as string)) return 'kernel criterion unknown';
  if (!num(k.temperature, 0, 1e3)) return 'kernel temperature invalid';
  return undefined;
}
