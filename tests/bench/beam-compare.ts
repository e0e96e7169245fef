/**
 * BEAM against the uniform ELM mesh at equal params budget, one fit per process:
 *   node --import tsx tests/bench/beam-compare.ts <image> <budget> <uniform|split|capacity|hybrid> [threads]
 * Prints one JSON line: PSNR (data range 255 for 8-bit images, as the fit task), params, seconds.
 */
import { openField } from '../../main/data/index';
import { runFitTask } from '../../main/tasks/fit';
import { evaluateBeam, fitBeam } from '../../main/inr/elm/beam/index';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { fieldMetrics, dataRangeOf } from '../../main/metrics/index';
import { sample } from '../helpers/samples';

const [image, budgetArg, method, threads] = process.argv.slice(2);
const budget = Number(budgetArg);
const field = await openField(sample('images', image));
const dataRange = field.dtype === 'uint8' ? 255 : dataRangeOf(field) || 1;
let out: Record<string, unknown>;
if (method === 'uniform') {
  const r = await runFitTask(field, { method: 'elm', budget, threads: Number(threads ?? 1) });
  out = { psnr: r.report.psnr, ssim: r.report.ssim, params: r.report.params, seconds: r.report.seconds, seconds_fit: r.report.seconds_fit, mesh: { cells: r.report.mesh?.cells, hidden: r.report.mesh?.hidden, freq: r.report.mesh?.freq } };
} else {
  const t0 = performance.now();
  const model = fitBeam({ values: field.values, shape: field.shape, channels: field.channels.length }, { budget, strategy: method as 'split' }, {});
  const t1 = performance.now();
  const values = evaluateBeam(model, field.shape.map(sampleGrid));
  const t2 = performance.now();
  const m = fieldMetrics(field, { ...field, values }, { dataRange });
  const sizes: Record<string, number> = {};
  for (const c of model.cells) {
    const k = `${c.size.join('x')}/${model.spec.layers[c.layer].hidden}`;
    sizes[k] = (sizes[k] ?? 0) + 1;
  }
  out = { psnr: m.psnr, ssim: m.ssim, params: model.weights.length, seconds: (t2 - t0) / 1000, seconds_fit: (t1 - t0) / 1000, stats: { ...model.stats, freqScores: undefined }, cells: sizes };
}
console.log(JSON.stringify({ image, budget, method, ...out }));
