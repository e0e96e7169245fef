/**
 * Options of the backpropagation INRs and their per-method defaults, each with its source
 * (METHODS.md tags: [code] official code, [paper], [2nd] second-hand, [inf] our choice).
 */
import { InrError } from '../../core/errors';
import type { Rng } from '../../core/rng';
import type { Net } from './net';
import { buildSiren } from './siren';
import { buildFfn } from './ffn';
import { buildGauss } from './gauss';
import { buildRelu } from './relu';
import { buildWire } from './wire';
import { buildSl2a } from './sl2a';
import { buildBwRelu } from './bwrelu';

export const NET_METHODS = ['siren', 'ffn', 'gauss', 'wire', 'sl2a', 'bwrelu', 'relu'] as const;
export type NetMethod = (typeof NET_METHODS)[number];

/** Architecture options (all optional at the API; `width` and `hidden` get method defaults). */
export interface NetOptions {
  width: number;
  /** h: hidden W→W layers (SL2A: fusion layers). */
  hidden: number;
  /** SIREN first-layer ω0; WIRE ω0. */
  omega0?: number;
  /** SIREN hidden-layer ω0 (default: omega0). */
  hiddenOmega0?: number;
  /** FFN Gaussian scale σ. */
  sigma?: number;
  /** FFN number of Fourier features m. */
  features?: number;
  /** GaussNet s (exp(−(s·z)²)); WIRE s0. (Not `scale`, which is the super-resolution factor of the task.) */
  s0?: number;
  /** SL2A Chebyshev degree K. */
  degree?: number;
  /** SL2A low-rank r. */
  rank?: number;
  /** BW-ReLU bandwidth c. */
  c?: number;
  learnC?: boolean;
  /** BW-ReLU weight scale of the wavelet layers. */
  initScale?: number;
}

export interface MethodDefaults {
  width: number;
  hidden: number;
  lr: number;
  /** LambdaLR γ: lr_t = lr_0·γ^{min(t/T,1)}. 1 = constant. */
  gamma: number;
  steps: number;
  /** IGA `end` (eigenvalues [0, end) equalised to λ_end). */
  igaEnd: number;
  source: string;
}

export const METHOD_DEFAULTS: Record<NetMethod, MethodDefaults> = {
  // [code] vsitzmann/siren: 256×3, lr 1e-4, ω0 30, no schedule. Steps: 2000 as the WIRE harness [inf].
  siren: { width: 256, hidden: 3, lr: 1e-4, gamma: 1, steps: 2000, igaEnd: 20, source: 'SIREN code: 256×3, Adam 1e-4, ω0 = 30' },
  // [code] Tancik demo: 3 ReLU layers of 256 (=256×2), Adam 1e-3, 2000 steps, σ 10, m 256.
  ffn: { width: 256, hidden: 2, lr: 1e-3, gamma: 1, steps: 2000, igaEnd: 20, source: 'Tancik et al. code: 256×2 + sigmoid, Adam 1e-3, 2000 steps, σ = 10, m = 256' },
  // [code] WIRE harness: 256×2, s 10, lr 1e-3 (range 1e-3–2e-3), 2000 steps, LambdaLR 0.1.
  gauss: { width: 256, hidden: 2, lr: 1e-3, gamma: 0.1, steps: 2000, igaEnd: 20, source: 'WIRE harness: 256×2, s = 10, Adam 1e-3, 2000 steps, γ 0.1' },
  // [code] WIRE image fitting: 256×2, ω0 20, s0 30, lr 5e-3, 2000 steps, γ 0.1.
  wire: { width: 256, hidden: 2, lr: 5e-3, gamma: 0.1, steps: 2000, igaEnd: 20, source: 'WIRE code (image fitting): 256×2, ω0 = 20, s0 = 30, Adam 5e-3, 2000 steps, γ 0.1' },
  // [code] SL2A training script: K 256, r 128, W 256, 3 fusion layers, lr 1e-3, LambdaLR 0.1. IGA end [inf].
  sl2a: { width: 256, hidden: 3, lr: 1e-3, gamma: 0.1, steps: 2000, igaEnd: 20, source: 'SL2A code: K = 256, r = 128, W = 256, 3 fusion layers, Adam 1e-3, γ 0.1' },
  // [code] relu-inrs image fitting: 300×3 wavelet layers (=300×2), c 9, lr 3e-3, 1000 steps. IGA end 25 as ReLU [inf].
  bwrelu: { width: 300, hidden: 2, lr: 3e-3, gamma: 1, steps: 1000, igaEnd: 25, source: 'relu-inrs code (image fitting): 3 wavelet layers of 300, c = 9, Adam 3e-3, 1000 steps' },
  // PyTorch-default ReLU MLP baseline; IGA code: 256×2, lr 1e-3 (5e-3 with IGA), end 25.
  relu: { width: 256, hidden: 2, lr: 1e-3, gamma: 1, steps: 2000, igaEnd: 25, source: 'IGA code baseline: 256×2, Adam 1e-3' },
};

export function parseNetMethod(name: string): NetMethod {
  const n = name.trim().toLowerCase().replace(/[-_ ]/g, '');
  const alias: Record<string, NetMethod> = { gaussnet: 'gauss', bw: 'bwrelu', bwrelu: 'bwrelu', sl2ainr: 'sl2a', fourier: 'ffn', pe: 'ffn' };
  const m = (alias[n] ?? n) as NetMethod;
  if (!(NET_METHODS as readonly string[]).includes(m)) throw new InrError('E_ARG', `unknown method '${name}' (backpropagation INRs: ${NET_METHODS.join(', ')})`);
  return m;
}

const BUILDERS: Record<NetMethod, (rng: Rng, inDim: number, outDim: number, o: NetOptions) => Net> = {
  siren: buildSiren,
  ffn: buildFfn,
  gauss: buildGauss,
  wire: buildWire,
  sl2a: buildSl2a,
  bwrelu: buildBwRelu,
  relu: buildRelu,
};

/** Build a net with its default architecture, overridden by `o`. All initial values come from `rng`. */
export function buildNet(method: NetMethod | string, rng: Rng, inDim: number, outDim: number, o: Partial<NetOptions> = {}): Net {
  const m = parseNetMethod(method);
  const d = METHOD_DEFAULTS[m];
  const width = o.width ?? d.width;
  const hidden = o.hidden ?? d.hidden;
  if (!(Number.isInteger(width) && width >= 1 && width <= 8192)) throw new InrError('E_ARG', `width must be an integer in [1, 8192], got ${width}`);
  if (!(Number.isInteger(hidden) && hidden >= 0 && hidden <= 64)) throw new InrError('E_ARG', `hidden layers must be an integer in [0, 64], got ${hidden}`);
  if (!(Number.isInteger(inDim) && inDim >= 1)) throw new InrError('E_ARG', `input dimension must be a positive integer, got ${inDim}`);
  if (!(Number.isInteger(outDim) && outDim >= 1)) throw new InrError('E_ARG', `output dimension must be a positive integer, got ${outDim}`);
  return BUILDERS[m](rng, inDim, outDim, { ...o, width, hidden });
}
