/**
 * The compute layer of the backpropagation INRs: one TensorFlow.js engine per process (or
 * worker thread), on the best backend this machine offers (DESIGN.md, "Compute"):
 *
 *   1. `tfjs-node-gpu`: @tensorflow/tfjs-node-gpu (CUDA), an optional dependency; its import is
 *      guarded so that a missing package, a missing libtensorflow or a CUDA load error falls
 *      through quietly.
 *   2. `webgpu`: @tensorflow/tfjs-backend-webgpu on the `webgpu` npm package (Dawn). Needs an
 *      adapter (Vulkan/Metal/D3D12); without one it falls through with the reason.
 *   3. `wasm`: @tensorflow/tfjs-backend-wasm, SIMD, single-threaded in Node. The .wasm binaries
 *      are read from the package's dist folder (or INR_TFJS_WASM_DIR).
 *   4. `cpu`: the plain JavaScript backend, always there.
 *
 * `useBackend('auto')` walks that order; `useBackend('wasm')` insists, and throws
 * InrError('E_BACKEND', reason) when the backend cannot start. `listBackends()` probes every
 * backend and says why each one is unavailable (for `inr-studio backends [--json]`).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { InrError } from '../../core/errors';

export const BACKEND_IDS = ['tfjs-node-gpu', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendId = (typeof BACKEND_IDS)[number];

export interface BackendStatus {
  id: BackendId;
  /** The name TensorFlow.js knows it by (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  tfName: string;
  available: boolean;
  /** Why it is unavailable, or a note on how it runs. */
  reason: string;
  /** Adapter or build details when available. */
  detail?: string;
}

export interface ActiveBackend {
  id: BackendId;
  tfName: string;
  /** One line for reports: `wasm (SIMD, 1 thread)`. */
  label: string;
}

const TF_NAME: Record<BackendId, string> = { 'tfjs-node-gpu': 'tensorflow', webgpu: 'webgpu', wasm: 'wasm', cpu: 'cpu' };
const probes = new Map<BackendId, Promise<BackendStatus>>();
let configured = false;

function configure(): void {
  if (configured) return;
  configured = true;
  // Quiet: no "looks like you are running TensorFlow.js in Node.js" banner on stdout/stderr, and
  // no debug-mode checks inside kernels.
  tf.enableProdMode();
}

function message(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0].slice(0, 300);
}

/** The folder holding tfjs-backend-wasm's .wasm binaries, as a path ending in a separator. */
export function wasmBinaryDir(): string {
  const env = process.env.INR_TFJS_WASM_DIR;
  if (env) return env.endsWith('/') || env.endsWith('\\') ? env : env + '/';
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkg), 'dist') + '/';
}

async function probeNodeGpu(): Promise<BackendStatus> {
  const base = { id: 'tfjs-node-gpu' as const, tfName: TF_NAME['tfjs-node-gpu'] };
  try {
    // A variable specifier keeps bundlers and tsc from resolving an optional package.
    const spec = '@tensorflow/tfjs-node-gpu';
    await import(/* @vite-ignore */ spec);
  } catch (err) {
    const code = (err as { code?: string })?.code;
    const reason =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
        ? '@tensorflow/tfjs-node-gpu is not installed (optional dependency)'
        : `@tensorflow/tfjs-node-gpu failed to load: ${message(err)}`;
    return { ...base, available: false, reason };
  }
  try {
    if (!tf.engine().registryFactory[base.tfName])
      return { ...base, available: false, reason: 'the tensorflow backend did not register (a second copy of @tensorflow/tfjs-core?)' };
    const ok = await tf.setBackend(base.tfName);
    if (!ok) return { ...base, available: false, reason: 'the tensorflow backend failed to initialise' };
    return { ...base, available: true, reason: 'CUDA through libtensorflow' };
  } catch (err) {
    return { ...base, available: false, reason: `the tensorflow backend failed to initialise: ${message(err)}` };
  }
}

/**
 * Why Dawn cannot find a GPU on this system, known without loading Dawn (which would print its
 * own multi-line warnings on stderr): on Linux Dawn reaches the GPU through the Vulkan loader,
 * so a missing libvulkan.so.1 rules the adapter out. The loader is looked up as Dawn's dlopen
 * would, through process.dlopen: "cannot open shared object file" means absent; a library that
 * opens (and is then refused as a Node addon) means present. Undefined: nothing known against it.
 */
export function gpuPreflight(platform: string = process.platform, dlopen: (name: string) => void = (name) => process.dlopen({ exports: {} }, name)): string | undefined {
  if (platform !== 'linux') return undefined;
  try {
    dlopen('libvulkan.so.1');
  } catch (err) {
    const m = message(err);
    if (/cannot open shared object|no such file/i.test(m)) return 'no Vulkan loader (libvulkan.so.1 not found): install libvulkan1 and a Vulkan driver for your GPU';
  }
  return undefined;
}

async function probeWebGpu(): Promise<BackendStatus> {
  const base = { id: 'webgpu' as const, tfName: TF_NAME.webgpu };
  const missing = gpuPreflight();
  if (missing) return { ...base, available: false, reason: missing };
  const g = globalThis as unknown as Record<string, unknown> & { navigator?: { gpu?: unknown } };
  let gpu: { requestAdapter(o?: unknown): Promise<unknown> } | undefined;
  try {
    const mod = (await import('webgpu')) as unknown as { create(flags: string[]): unknown; globals: Record<string, unknown> };
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in g)) g[k] = v;
    gpu = mod.create([]) as typeof gpu;
  } catch (err) {
    return { ...base, available: false, reason: `the webgpu package (Dawn) failed to load: ${message(err)}` };
  }
  let adapter: unknown;
  try {
    adapter = await gpu!.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ...base, available: false, reason: `requestAdapter failed: ${message(err)}` };
  }
  if (!adapter) {
    return { ...base, available: false, reason: 'no WebGPU adapter: Dawn found no Vulkan/Metal/D3D12 device (on Linux install libvulkan1 and a Vulkan driver)' };
  }
  const info = (adapter as { info?: { vendor?: string; architecture?: string; description?: string } }).info;
  const detail = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : undefined;
  // tfjs-backend-webgpu registers itself at import time only if navigator.gpu exists.
  const hadNavigator = Object.prototype.hasOwnProperty.call(globalThis, 'navigator');
  const nav = (g.navigator ?? {}) as { gpu?: unknown };
  try {
    if (!nav.gpu) {
      if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
      else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    }
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!tf.engine().registryFactory[base.tfName]) throw new Error('the webgpu backend did not register');
    const ok = await tf.setBackend(base.tfName);
    if (!ok) throw new Error('tf.setBackend("webgpu") returned false');
    return { ...base, available: true, reason: 'WebGPU through Dawn', detail };
  } catch (err) {
    if (!hadNavigator) delete (globalThis as { navigator?: unknown }).navigator;
    return { ...base, available: false, reason: `the webgpu backend failed to initialise: ${message(err)}`, detail };
  }
}

async function probeWasm(): Promise<BackendStatus> {
  const base = { id: 'wasm' as const, tfName: TF_NAME.wasm };
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') return { ...base, available: false, reason: 'this runtime has no WebAssembly' };
  let dir: string;
  try {
    dir = wasmBinaryDir();
  } catch (err) {
    return { ...base, available: false, reason: `@tensorflow/tfjs-backend-wasm not found: ${message(err)}` };
  }
  if (!existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm')) && !existsSync(join(dir, 'tfjs-backend-wasm.wasm'))) {
    return { ...base, available: false, reason: `no tfjs-backend-wasm binaries in ${dir}` };
  }
  try {
    // Must run before the wasm backend initialises; later calls are ignored by tfjs.
    if (!tf.findBackend(base.tfName)) setWasmPaths(dir);
    const ok = await tf.setBackend(base.tfName);
    if (!ok) return { ...base, available: false, reason: 'the wasm backend failed to initialise' };
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return { ...base, available: true, reason: `${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'}`, detail: dir };
  } catch (err) {
    return { ...base, available: false, reason: `the wasm backend failed to initialise: ${message(err)}` };
  }
}

async function probeCpu(): Promise<BackendStatus> {
  const base = { id: 'cpu' as const, tfName: TF_NAME.cpu };
  try {
    const ok = await tf.setBackend(base.tfName);
    return ok ? { ...base, available: true, reason: 'plain JavaScript (slowest)' } : { ...base, available: false, reason: 'the cpu backend failed to initialise' };
  } catch (err) {
    return { ...base, available: false, reason: `the cpu backend failed to initialise: ${message(err)}` };
  }
}

const PROBE: Record<BackendId, () => Promise<BackendStatus>> = { 'tfjs-node-gpu': probeNodeGpu, webgpu: probeWebGpu, wasm: probeWasm, cpu: probeCpu };

/** Probe one backend (once per process; the result is cached). Leaves the current backend selected as before. */
export async function probeBackend(id: BackendId): Promise<BackendStatus> {
  configure();
  let p = probes.get(id);
  if (!p) {
    p = (async () => {
      const before = currentTfName();
      const status = await PROBE[id]();
      if (before && before !== tf.getBackend() && tf.findBackend(before)) await tf.setBackend(before);
      return status;
    })();
    probes.set(id, p);
  }
  return p;
}

function currentTfName(): string | undefined {
  try {
    // tf.getBackend() would initialise the best registered backend; ask the engine instead.
    return (tf.engine() as unknown as { backendName?: string }).backendName ?? undefined;
  } catch {
    return undefined;
  }
}

/** Every backend with available true/false and a reason, in preference order. */
export async function listBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const id of BACKEND_IDS) out.push(await probeBackend(id));
  return out;
}

export function parseBackendId(name: string): BackendId | 'auto' {
  const n = name.trim().toLowerCase();
  if (n === 'auto' || n === '') return 'auto';
  const alias: Record<string, BackendId> = { tensorflow: 'tfjs-node-gpu', 'node-gpu': 'tfjs-node-gpu', cuda: 'tfjs-node-gpu', gpu: 'webgpu' };
  const id = (alias[n] ?? n) as BackendId;
  if (!(BACKEND_IDS as readonly string[]).includes(id)) {
    throw new InrError('E_ARG', `unknown backend '${name}' (available: auto, ${BACKEND_IDS.join(', ')})`);
  }
  return id;
}

/**
 * Select the compute backend: `auto` (default) takes the first available in the order above;
 * a named backend must start or this throws InrError('E_BACKEND', reason).
 */
export async function useBackend(requested: string = 'auto'): Promise<ActiveBackend> {
  const want = parseBackendId(requested);
  const order: BackendId[] = want === 'auto' ? [...BACKEND_IDS] : [want];
  const reasons: string[] = [];
  for (const id of order) {
    const s = await probeBackend(id);
    if (!s.available) {
      reasons.push(`${id}: ${s.reason}`);
      continue;
    }
    if (tf.getBackend() !== s.tfName) {
      const ok = await tf.setBackend(s.tfName);
      if (!ok) {
        reasons.push(`${id}: failed to switch to it`);
        continue;
      }
    }
    await tf.ready();
    return { id, tfName: s.tfName, label: `${id} (${s.reason}${s.detail && id === 'webgpu' ? `; ${s.detail}` : ''})` };
  }
  throw new InrError('E_BACKEND', want === 'auto' ? `no compute backend could start: ${reasons.join('; ')}` : `backend ${want} is unavailable: ${reasons[0] ?? 'unknown reason'}`);
}

export { tf };
