/**
 * The kernel limit of the local ELMs. Random sine features whose frequencies follow a Student-t
 * law (features.ts `nu`) converge, as their number m → ∞, to kernel ridge regression with the
 * Matérn kernel; the kernel ELM (Huang, Zhou, Ding & Zhang, "Extreme learning machine for
 * regression and multiclass classification", IEEE TSMC-B 42(2), 2012) solves that limit
 * directly: α = (K + σ²I)⁻¹(y − ȳ) over a cell's context samples, u_i(x) = ȳ + Σ_j α_j k(x, x_j).
 * Finite random features stay far below it where they must interpolate (their Monte-Carlo kernel
 * error, of order 1/√m, swamps a small nugget), which inpainting and resampling ask for.
 *
 * Each cell of the uniform mesh fits the samples of its context (its core grown by
 * `spec.kernel.context` samples per side) and is blended by the same partition of unity as the
 * random-feature ELM. Per cell, the candidate kernels (lengths, orientations, shears) and the
 * nugget are scored by cross-validation on the cell's own samples (cell.ts): nothing is tuned on
 * the samples being predicted.
 *
 * A kernel machine is its training set: the model's stored parameters are the observed samples
 * (NaN where a sample is not observed), and each cell's α is solved where the model is evaluated
 * (evaluate.ts), so a fit stores no more numbers than the data it saw.
 */
import { createModel, type ElmModel, type ElmSpec } from '../model';
import type { FitInput } from '../fit';

/** The model of a kernel-limit ELM: the spec and the observed samples. */
export function kernelModel(input: FitInput, spec: ElmSpec): ElmModel {
  const { values, mask, channels: C } = input;
  const w = Float32Array.from(values);
  if (mask) for (let i = 0; i < mask.length; i++) if (!mask[i]) for (let c = 0; c < C; c++) w[i * C + c] = NaN;
  return createModel(spec, w);
}
