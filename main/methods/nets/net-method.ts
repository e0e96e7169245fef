/**
 * What every backpropagation net shares as a method of the registry: the training and IGA
 * parameters, the run function (train on the observed samples, evaluate everywhere) and the
 * JSON model file. Each net's module adds its architecture parameters and defaults.
 */
import type { NetParams } from '../../api/contract';
import { METHOD_DEFAULTS, type NetMethod } from '../../inr/nets/options';
import { BACKEND_IDS } from '../../inr/nets/backend';
import { DEFAULT_BATCH, fitNet, type NetModel } from '../../inr/nets/task';
import { encodeNetModel } from '../../inr/nets/io';
import { runNetCt } from '../ct/inr-ct';
import { defineMethod, type MethodDef, type MethodHooks, type MethodInput, type NumberSpec, type ParamSpecs } from '../types';

type Arch = 'omega0' | 'hiddenOmega0' | 'sigma' | 'features' | 's0' | 'degree' | 'rank' | 'c' | 'learnC' | 'initScale';
type Training = Omit<NetParams, Arch>;

function trainingParams(method: NetMethod): ParamSpecs<Training> {
  const d = METHOD_DEFAULTS[method];
  return {
    steps: {
      type: 'int',
      label: 'Steps',
      min: 1,
      max: 1_000_000,
      step: 100,
      default: d.steps,
      help: 'Adam steps. On a CPU each full-batch step on a 512² image takes seconds: ELM-INR is the fast path there.',
    },
    lr: { type: 'number', label: 'Learning rate', min: 1e-7, max: 1, step: 1e-4, default: d.lr, advanced: true, help: 'Adam learning rate (the method’s published default).' },
    gamma: {
      type: 'number',
      label: 'LR decay γ',
      min: 1e-4,
      max: 1,
      step: 0.05,
      default: d.gamma,
      advanced: true,
      help: 'LambdaLR: the learning rate falls to γ·lr by the last step (1 = constant).',
    },
    batch: {
      type: 'int',
      label: 'Batch size',
      min: 0,
      max: 1 << 26,
      step: 1024,
      auto: `minibatches of ${DEFAULT_BATCH} (2^16) samples, or the full batch when the field is smaller`,
      advanced: true,
      // Through the CT projector every step needs the whole image.
      tasks: ['fit', 'inpaint', 'superres', 'interp'],
      help: `Samples per Adam step. Blank: shuffled minibatches of ${DEFAULT_BATCH} (2^16, a 256² image per step, as the SIREN/FFN image experiments), or the whole field when it has fewer samples; lowered with a warning when a step would not fit the backend's memory. 0: always the full batch (the memory limit then fails the fit).`,
    },
    patience: {
      type: 'int',
      label: 'Patience',
      min: 0,
      max: 1_000_000,
      step: 10,
      advanced: true,
      auto: 'no early stop',
      help: 'Stop after this many steps without a relative improvement of min-delta.',
    },
    minDelta: { type: 'number', label: 'Min delta', min: 0, max: 1, step: 1e-4, advanced: true, auto: '1e-4', help: 'Relative loss improvement that resets the patience.' },
    targetPsnr: { type: 'number', label: 'Target PSNR', min: 0, max: 200, step: 1, advanced: true, auto: 'none', help: 'Stop once the training PSNR reaches this (dB).' },
    maxSeconds: { type: 'number', label: 'Time limit (s)', min: 0.01, max: 1e7, step: 10, advanced: true, auto: 'none', help: 'Stop training after this many seconds.' },
    keepBest: { type: 'bool', label: 'Keep best', default: true, advanced: true, help: 'Keep the parameters of the lowest training loss (full batch only).' },
    seed: { type: 'int', label: 'Seed', min: 0, max: 2 ** 31 - 1, step: 1, default: 1, advanced: true, help: 'Seed of the initial weights, the minibatches and a random drop.' },
    backend: {
      type: 'enum',
      label: 'Backend',
      values: ['auto', ...BACKEND_IDS],
      default: 'auto',
      advanced: true,
      help: 'Where the net trains: CUDA (tfjs-node-gpu), WebGPU, wasm or plain JS; auto takes the first that works.',
    },
    width: { type: 'int', label: 'Width', min: 1, max: 4096, step: 32, default: d.width, advanced: true, help: 'Units per hidden layer.' },
    layers: { type: 'int', label: 'Hidden layers', min: 0, max: 64, step: 1, default: d.hidden, advanced: true, help: 'Hidden W→W layers.' },
    loss: {
      type: 'enum',
      label: 'Loss',
      values: ['mse', 'bce'],
      default: 'mse',
      advanced: true,
      // Through the CT projector the loss is the sinogram's squared error; a per-pixel 0/1 target does not exist there.
      tasks: ['fit', 'inpaint', 'superres', 'interp'],
      help: 'mse: mean squared error. bce: binary cross-entropy for 0/1 targets such as occupancy; the output is read as a logit and passed through a sigmoid when evaluated. Not with IGA, not on the CT task.',
    },
    iga: {
      type: 'bool',
      label: 'IGA',
      default: false,
      help: 'Inductive gradient adjustment: equalise the top eigenvalues of the empirical NTK on a few sampled points, so high frequencies train sooner. On CT the per-pixel residual is the back-projected sinogram residual. Costs extra time per step.',
    },
    igaStart: { type: 'int', label: 'IGA start', min: 0, max: 100_000, step: 1, default: 0, advanced: true, help: 'First eigenvalue index IGA equalises.' },
    igaEnd: { type: 'int', label: 'IGA end', min: 1, max: 100_000, step: 1, default: d.igaEnd, advanced: true, help: 'Eigenvalues [start, end) are raised to λ_end.' },
    igaPatch: {
      type: 'int',
      label: 'IGA patch',
      min: 1,
      max: 4096,
      step: 1,
      auto: 'from the data size',
      advanced: true,
      help: 'Patch side of the NTK sampling: one point (the largest residual) per patch.',
    },
    precondition: {
      type: 'enum',
      label: 'CT preconditioner',
      values: ['none', 'ramp'],
      default: 'none',
      advanced: true,
      tasks: ['ct'],
      help: 'CT: ramp weights the sinogram residual by the ramp filter of filtered back-projection, so the image’s high frequencies train about as fast as its low ones (the plain projection loss damps them like 1/|ω|). The loss shown stays the plain one.',
    },
    igaEvery: { type: 'int', label: 'IGA every', min: 1, max: 100_000, step: 1, default: 1, advanced: true, help: 'Rebuild the IGA transform every this many steps.' },
  };
}

const ARCH_HELP: { [K in Arch]-?: Omit<NumberSpec, 'default'> | { type: 'bool'; label: string; help: string; advanced: true } } = {
  omega0: { type: 'number', label: 'ω0', min: 1e-3, max: 1e4, step: 1, advanced: true, help: 'Frequency of the first layer’s sine (SIREN) or of the Gabor wavelet (WIRE).' },
  hiddenOmega0: { type: 'number', label: 'Hidden ω0', min: 1e-3, max: 1e4, step: 1, advanced: true, auto: 'ω0', help: 'Frequency of the hidden layers’ sines.' },
  sigma: { type: 'number', label: 'Fourier σ', min: 1e-3, max: 1e4, step: 1, advanced: true, help: 'Scale of the Gaussian Fourier features.' },
  features: { type: 'int', label: 'Fourier features', min: 1, max: 8192, step: 16, advanced: true, help: 'Number of random Fourier features m.' },
  s0: { type: 'number', label: 's0', min: 1e-3, max: 1e4, step: 1, advanced: true, help: 'Width parameter of the Gaussian (GaussNet) or of the Gabor envelope (WIRE).' },
  degree: { type: 'int', label: 'Chebyshev degree K', min: 1, max: 1024, step: 1, advanced: true, help: 'Degree of the learnable Chebyshev activation.' },
  rank: { type: 'int', label: 'Low rank r', min: 1, max: 4096, step: 1, advanced: true, help: 'Rank of the first layer’s factorised weights.' },
  c: { type: 'number', label: 'Bandwidth c', min: 1e-3, max: 1e4, step: 1, advanced: true, help: 'Scale of the B-spline wavelet’s argument.' },
  learnC: { type: 'bool', label: 'Learn c', advanced: true, help: 'Train the bandwidth c with the weights.' },
  initScale: { type: 'number', label: 'Init scale', min: 1e-4, max: 100, step: 0.1, advanced: true, help: 'Scale of the wavelet layers’ initial weights.' },
};

/** A net's architecture parameters with their defaults. */
export type ArchDefaults = Partial<Record<Arch, number | boolean>>;

async function run(method: NetMethod, input: MethodInput<NetParams>, hooks: MethodHooks) {
  const { field, params } = input;
  const { layers, ...rest } = params;
  const r = await fitNet(
    {
      shape: field.shape,
      channels: field.channels.length,
      values: field.values,
      mask: input.observed,
      codeRange8: field.dtype === 'uint8' && field.provenance.format !== 'occupancy',
    },
    // On the CPU (wasm), every thread of the process's pool size trains a share of each batch.
    { ...rest, method, hidden: layers, threads: hooks.pool().size },
    { onProgress: hooks.onProgress, signal: hooks.signal },
    input.grids,
  );
  return {
    reconstruction: r.reconstruction,
    upsampled: r.upsampled,
    model: r.model,
    params: r.params,
    backend: r.backend,
    fittedAt: r.fittedAt,
    extras: { net: r.net, training: { ...r.training }, warnings: r.warnings },
  };
}

/** The registry entry of one net. */
export function netMethod(method: NetMethod, label: string, short: string, arch: ArchDefaults): MethodDef<NetParams> {
  const archSpecs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(arch)) archSpecs[k] = { ...ARCH_HELP[k as Arch], ...(v === undefined ? {} : { default: v }) };
  return defineMethod<NetParams>({
    id: method,
    label,
    short,
    family: 'net',
    tasks: ['fit', 'inpaint', 'superres', 'interp', 'ct'],
    params: { ...trainingParams(method), ...archSpecs } as ParamSpecs<NetParams>,
    hints: { hidden: `hidden is ELM's hidden-node count; for ${method} use width W and layers H (hidden W→W layers)` },
    // CT: trained through the projector (main/ct/net-ct.ts), full batch.
    run: (input, hooks) => (input.task.kind === 'ct' ? runNetCt(method, input, hooks) : run(method, input, hooks)),
    model: { ext: '.json', encode: (m, info) => new TextEncoder().encode(encodeNetModel(m as NetModel, { field: info })) },
  });
}
