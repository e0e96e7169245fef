/**
 * Diagnostics of a BEAM fit: how balanced the local Barron norms are on the uniform mesh the
 * budget would give, on the final mesh, and per unit of capacity; and the in-sample error.
 */
import { resolveElmSpec } from '../config';
import type { FitInput } from '../fit';
import { sampleGrid, uniformMesh } from '../mesh';
import { evaluateBeam } from './evaluate';
import type { BeamModel } from './model';
import type { Prepared } from './options';
import { boxNorms, type NormBox } from './norms';
import { balanceOf } from './refine';

/**
 * max/mean of B̂ over the uniform ELM mesh the uniform engine builds for the same budget
 * (config.ts `resolveElmSpec`, with the user's hidden size if one was given).
 */
export function uniformBalance(p: Prepared): number {
  let cells: number[];
  try {
    cells = resolveElmSpec(p.input.shape, p.C, { budget: p.opts.budget, hidden: p.opts.hidden, overlap: p.overlap, affine: p.base.affine }).cells;
  } catch {
    return NaN;
  }
  const mesh = uniformMesh(p.input.shape, cells, p.overlap);
  const boxes: NormBox[] = [];
  const support = mesh.axes.map((ax) => ax.width + 2 * ax.margin);
  const k = mesh.axes.map(() => 0);
  for (let id = 0; id < mesh.count; id++) {
    const lo = mesh.axes.map((ax, a) => k[a] * ax.width);
    const count = mesh.axes.map((ax, a) => Math.min(ax.width, ax.length - lo[a]));
    boxes.push({ lo, count, support });
    for (let a = k.length - 1; a >= 0; a--) {
      if (++k[a] < mesh.axes[a].cells) break;
      k[a] = 0;
    }
  }
  const norms = boxNorms(p.input, boxes, p.opts.barron);
  return balanceOf(Array.from(norms));
}

/**
 * max/mean over cells of B̂_i·√(m̄/m_i), m̄ the mean hidden size: the norm per unit of capacity,
 * which the per-cell-capacity strategies balance (equal to balanceAfter when every m_i is equal).
 */
export function loadBalance(model: BeamModel): number {
  const ms = model.cells.map((c) => model.spec.layers[c.layer].hidden);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return balanceOf(model.cells.map((c, i) => c.norm * Math.sqrt(mean / ms[i])));
}

/** Mean squared error of the blended model over the observed samples (in-sample). */
export function trainingMse(input: FitInput, model: BeamModel): number {
  return reconstructionMse(
    input,
    evaluateBeam(
      model,
      input.shape.map((L) => sampleGrid(L)),
    ),
  );
}

/** Mean squared error of a reconstruction on the sample grid over the observed samples. */
export function reconstructionMse(input: FitInput, rec: Float32Array): number {
  const { values, channels: C, mask } = input;
  let sse = 0;
  let n = 0;
  for (let i = 0; i < rec.length; i++) {
    if (mask && !mask[Math.floor(i / C)]) continue;
    if (!Number.isFinite(values[i])) continue;
    sse += (rec[i] - values[i]) ** 2;
    n++;
  }
  return n ? sse / n : NaN;
}
