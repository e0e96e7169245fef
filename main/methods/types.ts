/**
 * What a method of the registry declares: its id and labels, the tasks it does, its parameters
 * (type, default, range, help), its run function and its model file. The CLI flags, the payload
 * validation, the UI's parameter form, the runs-table labels and the export names all derive
 * from these entries (main/methods/registry.ts).
 */
import type { BeamMeshInfo, MethodInfo, ParamInfo, TaskKind } from '../api/contract';
import type { Field } from '../core/field';
import type { AxisGrid } from '../inr/elm/mesh';
import type { ElmPool } from '../inr/elm/parallel';
import type { FitExtras } from '../tasks/common';
import type { ParallelGeometry } from '../ct/radon';
import type { ModelFieldInfo } from '../inr/elm/io';

export type { ModelFieldInfo };

type Common = {
  label: string;
  help: string;
  advanced?: boolean;
  /** Only for these tasks (every task of the method when absent); given for another task it is refused. */
  tasks?: readonly TaskKind[];
};

export type NumberSpec = Common & {
  type: 'int' | 'number';
  min: number;
  max: number;
  step: number;
  default?: number;
  /** What a blank value means (the engine chooses). */
  auto?: string;
  /** The upper bound is also a memory bound: the message says so. */
};
export type ListSpec = Common & { type: 'int-list'; min: number; max: number; default?: number[]; auto?: string };
export type BoolSpec = Common & { type: 'bool'; default: boolean };
export type EnumSpec<T extends string = string> = Common & { type: 'enum'; values: readonly T[]; default: T };
/** A file path: the command line only (a request from the UI may not name files to read). */
export type PathSpec = Common & { type: 'path' };

export type ParamSpec<T> = [T] extends [boolean]
  ? BoolSpec
  : [T] extends [number]
    ? NumberSpec
    : [T] extends [readonly number[]]
      ? ListSpec
      : [T] extends [string]
        ? string extends T
          ? PathSpec
          : EnumSpec<T>
        : never;

/** One spec for every parameter of `P`, keyed by its name. */
export type ParamSpecs<P> = { [K in keyof P]-?: ParamSpec<NonNullable<P[K]>> };

export type AnySpec = NumberSpec | ListSpec | BoolSpec | EnumSpec | PathSpec;

/** The task as the method sees it: its kind and, for resampling, the output grid. */
export interface ResolvedTask {
  kind: TaskKind;
  drop?: number;
  scale?: number;
  zscale?: number;
  /** A resampling scored against the data: the method sees the reduced data (tasks/common.ts `checkSetup`). */
  check?: boolean;
  /** CT: views, incident photons (noise) and angular range in degrees. */
  views?: number;
  photons?: number;
  limitedAngle?: number;
}

/** A CT task's measurements: the sinogram (views × detector bins, row-major) and its geometry. */
export interface CtProblem {
  sinogram: Float64Array;
  /** Radians. */
  angles: Float64Array;
  geometry: ParallelGeometry;
  /** The slice to reconstruct: rows × columns. */
  shape: [number, number];
  /**
   * Statistical weights of the sinogram entries (their expected photon counts, mean 1; sinogram.ts
   * `countWeights`), known for a simulated noisy scan or a measured one given with `--counts`:
   * ELM-INR and ELM+BEAM then solve penalised weighted least squares.
   */
  weights?: Float64Array;
}

export interface MethodInput<P> {
  field: Field;
  params: P;
  task: ResolvedTask;
  /** prod(shape) entries, 1 = the method may use this sample (observed, finite, not hidden). */
  observed: Uint8Array;
  allObserved: boolean;
  /** The grids of a super-resolution or through-plane resampling (one per axis). */
  grids?: AxisGrid[];
  /** True when some samples are held out (inpainting) or the output is resampled: fit for generalisation. */
  holdout: boolean;
  /** The CT task's sinogram; the method reconstructs `field`'s grid from it (never from `field.values`). */
  ct?: CtProblem;
}

export interface MethodHooks {
  onProgress: (stage: string, fraction: number, metrics?: Record<string, number>) => void;
  signal?: AbortSignal;
  /** The process's ELM thread pool. */
  pool: () => ElmPool;
}

export interface MethodOutput {
  /** On the source grid, channel-last like the source. */
  reconstruction: Float32Array;
  /** On `input.grids`, when the task resamples. */
  upsampled?: Float32Array;
  /** What `model.encode` stores. */
  model?: unknown;
  params: number;
  backend: string;
  /** performance.now() when fitting ended and evaluation began. */
  fittedAt: number;
  /** Method-specific report sections (mesh, BEAM statistics, training record, warnings). */
  extras?: FitExtras;
  /** BEAM: the adaptive mesh, for the overlay and as mesh.json. */
  mesh?: { info: BeamMeshInfo; json: string };
}

export interface ModelCodec {
  /** With the dot: `.inr`, `.json`. */
  ext: string;
  encode(model: unknown, field: ModelFieldInfo): Uint8Array;
}

export interface MethodDef<P = object> {
  id: string;
  label: string;
  short: string;
  family: MethodInfo['family'];
  tasks: readonly TaskKind[];
  dims?: { min?: number; max?: number };
  params: ParamSpecs<P>;
  /** Words for a parameter a user may expect here but that belongs to other methods. */
  hints?: Record<string, string>;
  /** Checks across parameters and the data, before any work (ranges are checked already). */
  check?(params: P, field: Field, task: ResolvedTask): void;
  run(input: MethodInput<P>, hooks: MethodHooks): Promise<MethodOutput>;
  model?: ModelCodec;
  /** BEAM: the mesh can be exported too. */
  exportsMesh?: boolean;
}

/** Type-check a method's entry against its parameter interface. */
export function defineMethod<P>(def: MethodDef<P>): MethodDef<P> {
  return def;
}

export type { ParamInfo };
