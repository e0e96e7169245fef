/**
 * The method registry: every method the app offers, one module each. Adding a method is one
 * file plus one line here; the CLI flags, request validation, the UI's parameter form, the
 * runs-table labels and the export names all come from these entries.
 */
import type { MethodCatalog, MethodInfo } from '../api/contract';
import { InrError } from '../core/errors';
import { taskInfos } from '../tasks/common';
import { paramInfos } from './params';
import type { MethodDef } from './types';
import elm from './elm';
import elmBeam from './elm-beam';
import siren from './nets/siren';
import ffn from './nets/ffn';
import gauss from './nets/gauss';
import wire from './nets/wire';
import sl2a from './nets/sl2a';
import bwrelu from './nets/bwrelu';
import relu from './nets/relu';
import linear from './classical/linear';
import cubic from './classical/cubic';
import natural from './classical/natural';
import nconv from './classical/nconv';
import lanczos from './classical/lanczos';
import spline from './classical/spline';
import pchip from './classical/pchip';
import nearest from './classical/nearest';
import idw from './classical/idw';
import fbp from './ct/fbp';
import sart from './ct/sart';

export const METHODS: readonly MethodDef<never>[] = [
  elm,
  elmBeam,
  siren,
  ffn,
  gauss,
  wire,
  sl2a,
  bwrelu,
  relu,
  linear,
  cubic,
  natural,
  nconv,
  lanczos,
  spline,
  pchip,
  nearest,
  idw,
  fbp,
  sart,
].map((m) => m as unknown as MethodDef<never>);

const METHOD_IDS: readonly string[] = METHODS.map((m) => m.id);

/** The entry of `id`, or E_ARG naming the methods there are. */
export function methodDef(id: string): MethodDef<object> {
  const m = METHODS.find((x) => x.id === id);
  if (!m) throw new InrError('E_ARG', `unknown method '${id}' (available: ${METHOD_IDS.join(', ')})`);
  return m as unknown as MethodDef<object>;
}

function methodInfo(m: MethodDef<object>): MethodInfo {
  return {
    id: m.id,
    label: m.label,
    short: m.short,
    family: m.family,
    tasks: [...m.tasks],
    dims: { min: m.dims?.min ?? 1, max: m.dims?.max ?? 16 },
    params: paramInfos(m.params),
    model: m.model ? { ext: m.model.ext } : undefined,
    exports: ['reconstruction', ...(m.model ? (['model'] as const) : []), ...(m.exportsMesh ? (['mesh'] as const) : [])],
  };
}

/** The catalogue the UI builds its fit panel from. */
export function methodCatalog(): MethodCatalog {
  return { methods: METHODS.map((m) => methodInfo(m as unknown as MethodDef<object>)), tasks: taskInfos() };
}
