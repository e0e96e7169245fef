/** `inr-studio spectral-bias`: the spectral-bias analysis of a method (METHODS.md §13). */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic';
import { spectralBias, writeSpectralHeatmap, spectralTarget, relativeErrors, SPECTRAL_BINS } from '../inr/nets/spectral';
import { fitElm, evaluateElm } from '../inr/elm/fit';
import { resolveElmSpec } from '../inr/elm/config';
import { sampleGrid } from '../inr/elm/mesh';
import { parse, UsageError } from './args';

/**
 * Spectral-bias analysis: fit 2·round((sin3πx + sin5πx + sin7πx + sin9πx)/2) on 300 samples and
 * report the relative error at 3, 5, 7 and 9 (×π) against training step — or, for ELM-INR,
 * against the number of hidden nodes (one closed-form solve per point).
 */
export async function spectral(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    method: { type: 'string' },
    steps: { type: 'string' },
    lr: { type: 'string' },
    iga: { type: 'boolean' },
    backend: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
    out: { type: 'string' },
  });
  if (positionals.length) throw new UsageError('spectral-bias takes no path');
  const method = values.method ?? 'relu';
  const num = (k: 'steps' | 'lr' | 'seed') => {
    const v = values[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${k} must be a positive number, got '${v}'`);
    return n;
  };
  let result: { bins: number[]; error: number[][]; steps: number[]; axis: string; method: string; [k: string]: unknown };
  if (method === 'elm') {
    const { x, y } = spectralTarget();
    const hiddens = [2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128];
    const values32 = Float32Array.from(y);
    const error: number[][] = SPECTRAL_BINS.map(() => []);
    for (const m of hiddens) {
      const spec = resolveElmSpec([x.length], 1, { subdomains: 1, hidden: m, seed: num('seed') ?? 1 });
      const model = fitElm({ values: values32, shape: [x.length], channels: 1 }, spec);
      const pred = evaluateElm(model, [sampleGrid(x.length)]);
      relativeErrors(pred, y, SPECTRAL_BINS).forEach((e, b) => error[b].push(e));
    }
    result = { protocol: 'FR', method: 'elm', axis: 'hidden nodes (one solve each)', bins: [...SPECTRAL_BINS], steps: hiddens, error };
  } else {
    const r = await spectralBias({ method, steps: num('steps'), lr: num('lr'), seed: num('seed'), backend: values.backend, ...(values.iga ? { iga: true } : {}) } as Parameters<
      typeof spectralBias
    >[0]);
    result = { ...r, axis: 'training step' } as typeof result;
  }
  if (values.out) {
    const dir = resolve(values.out);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, 'spectral.json'), JSON.stringify(result) + '\n');
    writeSpectralHeatmap(join(dir, 'spectral.png'), result);
  }
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`spectral bias of ${result.method}: relative error per frequency against ${result.axis}`);
    console.log(`  ${'at'.padStart(8)}  ${result.bins.map((b) => `${b}π`.padStart(7)).join('')}`);
    result.steps.forEach((s, i) => console.log(`  ${String(s).padStart(8)}  ${result.error.map((e) => e[i].toFixed(3).padStart(7)).join('')}`));
  }
}
