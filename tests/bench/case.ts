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
// Let the worker threads load before the clock starts: a running app keeps its pool.
if (pool) await new Promise((r) => setTimeout(r, 1500));
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
