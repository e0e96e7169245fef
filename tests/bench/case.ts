/**
 * One benchmark case, run in its own process so its peak RSS is its own:
 *   node --import tsx tests/bench/case.ts '{"kind":"fit","path":…,"options":{…}}'
 * Prints one JSON line.
 */
import { openField } from '../../main/data/index';
import { fitRequest, runFitTask } from '../../main/tasks/fit';
import { ElmPool } from '../../main/inr/elm/parallel';
import type { BeamModel } from '../../main/inr/elm/beam/index';
import { beamPhases } from './beam-compare';

interface CaseSpec {
  kind: 'fit' | 'load';
  /** Use only the central crop of this size on the last two axes (e.g. 256 for camera at 256²). */
  crop?: number;
  path: string;
  method?: string;
  options?: Record<string, number | string>;
  open?: Record<string, unknown>;
}

const spec = JSON.parse(process.argv[2]) as CaseSpec;
const threads = spec.options?.threads !== undefined ? Number(spec.options.threads) : undefined;
const pool = spec.kind === 'fit' ? new ElmPool(threads).warm() : undefined;
// Load the worker threads' code before the clock starts (a running app keeps its pool): one tiny
// fit runs on every thread.
if (pool) {
  const { resolveElmSpec } = await import('../../main/inr/elm/config');
  const shape = [8 * pool.size, 8];
  const spec = resolveElmSpec(shape, 1, { subdomains: [pool.size, 1], hidden: 4 });
  await pool.fit({ values: new Float32Array(shape[0] * shape[1]), shape, channels: 1 }, spec);
}
const t0 = performance.now();
let field = await openField(spec.path, spec.open ?? {});
if (spec.crop) field = centralCrop(field, spec.crop);
const tLoad = performance.now();
let out: Record<string, unknown> = { load_seconds: (tLoad - t0) / 1000, shape: field.shape, channels: field.channels.length };
if (spec.kind === 'fit') {
  const history: Array<{ seconds: number; psnr: number }> = [];
  const r = await runFitTask(field, fitRequest(spec.method ?? 'elm', spec.options ?? {}, 'cli'), {
    pool,
    onProgress: (_s, _f, m) => {
      const t = m?.seconds ?? m?.elapsed;
      if (m && typeof m.psnr === 'number' && Number.isFinite(m.psnr) && typeof t === 'number') history.push({ seconds: t, psnr: m.psnr });
    },
  });
  const rep = r.report;
  out = {
    ...out,
    seconds: (performance.now() - t0) / 1000,
    seconds_fit: rep.seconds_fit,
    seconds_reconstruct: rep.seconds_reconstruct,
    psnr: rep.psnr,
    ssim: rep.ssim,
    psnr_unobserved: rep.psnr_unobserved,
    params: rep.params,
    params_per_value: rep.params_per_value,
    mesh: rep.mesh,
    beam: rep.beam,
    // BEAM: mesh construction against the solve on it (beam-compare.ts `beamPhases`).
    beam_phases: spec.method === 'elm-beam' ? beamPhases((r.model as BeamModel).stats!) : undefined,
    net: rep.net,
    steps_per_second: rep.training?.steps_per_second,
    steps_run: rep.training?.steps_run,
    psnr_history: history.length ? history : undefined,
    backend: rep.backend,
  };
  await pool!.close();
}
out.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));

function centralCrop(f: Awaited<ReturnType<typeof openField>>, size: number) {
  const d = f.shape.length;
  const [H, W] = [f.shape[d - 2], f.shape[d - 1]];
  const h = Math.min(size, H);
  const w = Math.min(size, W);
  const y0 = Math.floor((H - h) / 2);
  const x0 = Math.floor((W - w) / 2);
  const C = f.channels.length;
  const lead = f.shape.slice(0, d - 2).reduce((a, b) => a * b, 1);
  const values = new Float32Array(lead * h * w * C);
  for (let l = 0; l < lead; l++)
    for (let y = 0; y < h; y++) {
      const src = ((l * H + y0 + y) * W + x0) * C;
      values.set(f.values.subarray(src, src + w * C), (l * h + y) * w * C);
    }
  return { ...f, shape: [...f.shape.slice(0, d - 2), h, w], values, mask: undefined };
}
