/**
 * One benchmark case, run in its own process so its peak RSS is its own:
 *   node --import tsx tests/bench/case.ts '{"kind":"fit","path":…,"options":{…}}'
 * Prints one JSON line.
 */
import { openField } from '../../main/data/index';
import { runFitTask } from '../../main/tasks/fit';
import { taskOptions } from '../../main/jobs/fit';
import { ElmPool } from '../../main/inr/elm/parallel';

interface CaseSpec {
  kind: 'fit' | 'load';
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
const field = await openField(spec.path, spec.open ?? {});
const tLoad = performance.now();
let out: Record<string, unknown> = { load_seconds: (tLoad - t0) / 1000, shape: field.shape, channels: field.channels.length };
if (spec.kind === 'fit') {
  const r = await runFitTask(field, taskOptions(spec.method ?? 'elm', spec.options ?? {}), { pool });
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
    backend: rep.backend,
  };
  await pool!.close();
}
out.peak_rss_mb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
