/**
 * One fit through the engine service, as the UI runs it: open the dataset, start a fit job on
 * the runner's worker, wait for the result. Prints one JSON line with the wall time of the open
 * and of the job, and the process's peak RSS (worker threads share the process, so it covers the
 * job's decode and solve).
 *
 *   node --import tsx tests/bench/engine-fit.ts [path] [--method elm] [--budget P]
 */
import { EngineService } from '../../main/service/engine';
import { sample } from '../helpers/samples';

const args = process.argv.slice(2);
const flag = (k: string) => {
  const i = args.indexOf(`--${k}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const path = args[0] && !args[0].startsWith('--') ? args[0] : sample('volumes', 'ch2_colin27_T1_181x217x181_uint8.nii.gz');
const method = flag('method') ?? 'elm';
const params: Record<string, number> = {};
if (flag('budget')) params.budget = Number(flag('budget'));

const engine = new EngineService();
const c0 = process.cpuUsage();
const t0 = performance.now();
const info = await engine.open({ path });
const t1 = performance.now();
const done = new Promise<Record<string, unknown>>((resolve, reject) => {
  engine.onJobEvent((e) => {
    if (e.type === 'done') resolve(e.result as unknown as Record<string, unknown>);
    if (e.type === 'error') reject(new Error(e.error.message));
  });
});
await engine.startJob({ kind: 'fit', datasetId: info.id, method, params });
const result = (await done) as { metrics: Record<string, number> };
const t2 = performance.now();
await engine.close();
console.log(
  JSON.stringify({
    path,
    method,
    open_s: (t1 - t0) / 1000,
    job_s: (t2 - t1) / 1000,
    psnr: result.metrics.psnr,
    params: result.metrics.params,
    cpu_s: (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1e6,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  }),
);
