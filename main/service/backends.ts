/**
 * The compute backends of the backpropagation nets as the UI states them before a run: which
 * ones start on this machine (main/inr/nets/backend.ts probes them), GPU or CPU, the threads a
 * CPU backend uses, and the float32 matrix-product rate measured here, so the Fit panel can say
 * "wasm, 1 thread, about 40 min" before a long training starts.
 *
 * Rate: the best of three 256×256 by 256×256 products after one warm-up, 2·n³ flops each. It is
 * measured once per process and cached; the backend selected before is selected again after.
 */
import type { BackendInfo } from '../api/contract';
import { listBackends, tf, type BackendStatus } from '../inr/nets/backend';

const N = 256;
let cached: Promise<BackendInfo[]> | undefined;

/** Threads one fit uses on a CPU backend: tfjs in Node runs wasm single-threaded, and cpu is plain JavaScript. */
function threadsOf(s: BackendStatus): number | undefined {
  if (s.id === 'cpu') return 1;
  if (s.id === 'wasm') return /multi-threaded/.test(s.reason) ? undefined : 1;
  return undefined;
}

async function measureGflops(tfName: string): Promise<number | undefined> {
  try {
    if (!(await tf.setBackend(tfName))) return undefined;
    await tf.ready();
    const a = tf.randomUniform([N, N]);
    const b = tf.randomUniform([N, N]);
    let best = Infinity;
    for (let k = 0; k < 4; k++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      const dt = performance.now() - t0;
      c.dispose();
      if (k > 0) best = Math.min(best, dt);
    }
    a.dispose();
    b.dispose();
    return best > 0 && Number.isFinite(best) ? (2 * N ** 3) / (best * 1e-3) / 1e9 : undefined;
  } catch {
    return undefined;
  }
}

async function probe(): Promise<BackendInfo[]> {
  const before = (tf.engine() as unknown as { backendName?: string }).backendName;
  const list = await listBackends();
  const out: BackendInfo[] = [];
  for (const s of list) {
    const device = s.id === 'wasm' || s.id === 'cpu' ? 'cpu' : 'gpu';
    const info: BackendInfo = { id: s.id, available: s.available, reason: s.reason, device };
    const threads = threadsOf(s);
    if (threads !== undefined) info.threads = threads;
    if (s.available) {
      const g = await measureGflops(s.tfName);
      if (g !== undefined) info.gflops = g;
    }
    out.push(info);
  }
  if (before && tf.findBackend(before)) await tf.setBackend(before);
  return out;
}

/** Every backend, in the order `auto` tries them; probed and measured once per process. */
export function backendInfos(): Promise<BackendInfo[]> {
  cached ??= probe().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
