import { openField } from '../../main/data/index';
import { fitBeam, evaluateBeam } from '../../main/inr/elm/beam/index';
import { sampleGrid } from '../../main/inr/elm/mesh';
import { psnr } from '../../main/metrics/index';
const [name, budgetS, ...rest] = process.argv.slice(2);
const kv = Object.fromEntries(rest.map((s) => s.split('=')).map(([k, v]) => [k, v === 'false' ? false : v === 'true' ? true : isNaN(Number(v)) ? v : Number(v)]));
const field = await openField('/work/shared/data/images/' + name);
const input = { values: field.values, shape: field.shape, channels: field.channels.length };
const t0 = performance.now();
const model = fitBeam(input, { budget: Number(budgetS), ...kv } as any);
const t1 = performance.now();
const rec = evaluateBeam(model, field.shape.map(sampleGrid));
const t2 = performance.now();
const p = psnr(field.values, rec, { dataRange: 255, channels: input.channels });
const hist: Record<string, number> = {};
for (const c of model.cells) { const k = c.size.join('x') + '/' + model.spec.layers[c.layer].hidden; hist[k] = (hist[k] ?? 0) + 1; }
console.log(JSON.stringify({ name, budget: budgetS, kv, psnr: +p.toFixed(3), fit: +((t1 - t0) / 1000).toFixed(2), evals: +((t2 - t1) / 1000).toFixed(2), stats: { ...model.stats, freqScores: undefined }, hist }));
