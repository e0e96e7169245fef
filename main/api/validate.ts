/**
 * Payload validation for every request that crosses a process boundary (IPC or WebSocket).
 * Nothing from the renderer is trusted: each method's arguments are checked for shape and
 * bounds before the engine sees them.
 */
import { InrError } from '../core/errors';
import { MAX_ISLANDS, METHOD_NAMES, type MethodName } from './contract';
import { methodDef } from '../methods/registry';
import { parseParams } from '../methods/params';
import { MESH_WRITE_FORMATS } from '../data/mesh/write';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}
function bad(method: string, why: string): never {
  throw new InrError('E_ARG', `invalid ${method} request: ${why}`);
}
function optString(method: string, o: Obj, k: string, max = 4096): void {
  if (o[k] !== undefined && (typeof o[k] !== 'string' || (o[k] as string).length > max)) bad(method, `${k} must be a string`);
}
function onlyKeys(method: string, o: Obj, keys: string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(method, `unknown field '${k}'`);
}
function isIndexMap(v: unknown): boolean {
  if (!isObj(v)) return false;
  return Object.values(v).every((x) => (Number.isInteger(x) && (x as number) >= 0) || (Array.isArray(x) && x.length === 2 && x.every((y) => Number.isInteger(y) && y >= 0)));
}

function isIndexList(v: unknown): boolean {
  return Array.isArray(v) && v.length <= 64 && v.every((x) => Number.isInteger(x) && x >= 0);
}
function isPlainName(n: string): boolean {
  return n.length > 0 && n.length <= 255 && !/[\\/\0]|^\.\.?$/.test(n);
}

const TASK_KEYS: Record<string, string[]> = { fit: [], inpaint: ['drop'], superres: ['scale', 'check'], interp: ['zscale', 'check'], ct: ['views', 'photons', 'limitedAngle'] };

function checkTask(t: unknown): void {
  if (!isObj(t) || typeof t.kind !== 'string' || !(t.kind in TASK_KEYS)) bad('startJob', `task must be { kind: ${Object.keys(TASK_KEYS).join(' | ')} }`);
  const keys = TASK_KEYS[t.kind as string];
  onlyKeys('startJob', t, ['kind', ...keys]);
  for (const k of keys) {
    if (k === 'check') {
      if (t.check !== undefined && typeof t.check !== 'boolean') bad('startJob', 'task check must be a boolean');
    } else if (t[k] !== undefined && !(typeof t[k] === 'number' && Number.isFinite(t[k]))) bad('startJob', `task ${k} must be a finite number`);
  }
  if ((t.kind === 'superres' || t.kind === 'interp' || t.kind === 'ct') && t[keys[0]] === undefined) bad('startJob', `task ${t.kind} needs ${keys[0]}`);
}

function checkOccupancy(o: unknown): void {
  const m = 'open';
  if (!isObj(o)) bad(m, 'occupancy must be an object');
  onlyKeys(m, o, ['threshold', 'labels', 'res', 'smooth', 'islands', 'fill']);
  if (o.threshold !== undefined && o.threshold !== 'otsu' && !(typeof o.threshold === 'number' && Number.isFinite(o.threshold)))
    bad(m, "occupancy threshold must be a finite number or 'otsu'");
  if (
    o.labels !== undefined &&
    o.labels !== 'positive' &&
    !(Array.isArray(o.labels) && o.labels.length >= 1 && o.labels.length <= 4096 && o.labels.every((l) => Number.isFinite(l)))
  )
    bad(m, "occupancy labels must be 'positive' or a list of numbers");
  if (o.threshold !== undefined && o.labels !== undefined) bad(m, 'occupancy takes a threshold or labels, not both');
  if (o.res !== undefined && !(Number.isInteger(o.res) && (o.res as number) >= 8 && (o.res as number) <= 4096)) bad(m, 'occupancy res must be an integer in [8, 4096]');
  if (o.smooth !== undefined && !(typeof o.smooth === 'number' && Number.isFinite(o.smooth) && o.smooth > 0)) bad(m, 'occupancy smooth must be a positive length');
  if (o.islands !== undefined && !(Number.isInteger(o.islands) && (o.islands as number) >= 1 && (o.islands as number) <= MAX_ISLANDS))
    bad(m, `occupancy islands must be an integer in [1, ${MAX_ISLANDS}]`);
  if (o.fill !== undefined && typeof o.fill !== 'boolean') bad(m, 'occupancy fill must be a boolean');
}

/** `output` names one of a job's outputs, and only with `resultOf`. */
function checkOutput(method: string, o: Obj): void {
  if (o.output === undefined) return;
  if (o.output !== 'reconstruction' && o.output !== 'resampled' && o.output !== 'sinogram') bad(method, `output must be 'reconstruction', 'resampled' or 'sinogram'`);
  if (o.resultOf === undefined) bad(method, 'output needs resultOf');
}

function isMethod(m: unknown): m is MethodName {
  return typeof m === 'string' && (METHOD_NAMES as readonly string[]).includes(m);
}

/** Throws E_ARG unless `args` is a well-formed payload for `method`. */
export function validateRequest(method: unknown, args: unknown): asserts method is MethodName {
  if (!isMethod(method)) throw new InrError('E_ARG', `unknown request '${String(method).slice(0, 64)}'`);
  switch (method) {
    case 'capabilities':
    case 'pickFile':
    case 'methods':
    case 'backends':
      return;
    case 'closeDataset': {
      if (!isObj(args) || typeof args.datasetId !== 'string') bad(method, 'datasetId must be a string');
      onlyKeys(method, args, ['datasetId']);
      return;
    }
    case 'open': {
      if (!isObj(args)) bad(method, 'expected an object');
      onlyKeys(method, args, ['path', 'upload', 'uploadFolder', 'demo', 'series', 'variable', 'index', 'res', 'occupancy']);
      if (args.occupancy !== undefined) checkOccupancy(args.occupancy);
      optString(method, args, 'path');
      optString(method, args, 'series', 256);
      optString(method, args, 'variable', 256);
      if (args.demo !== undefined && typeof args.demo !== 'boolean') bad(method, 'demo must be a boolean');
      if (args.index !== undefined && !isIndexMap(args.index)) bad(method, 'index must map dimension names to indices or [start, end) ranges');
      if (args.res !== undefined && !(Number.isInteger(args.res) && (args.res as number) >= 8 && (args.res as number) <= 4096)) bad(method, 'res must be an integer in [8, 4096]');
      if (args.upload !== undefined) {
        const u = args.upload;
        if (!isObj(u) || typeof u.name !== 'string' || !(u.bytes instanceof Uint8Array)) bad(method, 'upload must be { name, bytes: Uint8Array }');
        if (/[\\/]|^\.\.?$/.test(u.name as string) || (u.name as string).length > 255) bad(method, 'upload name must be a plain file name');
        if ((u.bytes as Uint8Array).byteLength > 2 ** 31) bad(method, 'upload larger than 2 GB');
      }
      if (args.uploadFolder !== undefined) {
        const u = args.uploadFolder;
        if (!isObj(u) || typeof u.name !== 'string' || !Array.isArray(u.files)) bad(method, 'uploadFolder must be { name, files: [{ path, bytes }] }');
        if (!isPlainName(u.name as string)) bad(method, 'uploadFolder name must be a plain folder name');
        for (const f of u.files as unknown[]) {
          if (!isObj(f) || typeof f.path !== 'string' || !(f.bytes instanceof Uint8Array)) bad(method, 'each uploaded file must be { path, bytes: Uint8Array }');
          const parts = (f.path as string).split('/');
          if ((f.path as string).length > 1024 || parts.length > 32 || !parts.every(isPlainName))
            bad(method, `uploaded file path '${String(f.path).slice(0, 64)}' must be relative, '/'-separated, without '..'`);
        }
      }
      const sources = [args.path !== undefined, args.upload !== undefined, args.uploadFolder !== undefined, args.demo === true].filter(Boolean).length;
      if (sources !== 1) bad(method, 'give exactly one of path, upload, uploadFolder or demo');
      return;
    }
    case 'getSlice': {
      if (!isObj(args)) bad(method, 'expected an object');
      onlyKeys(method, args, ['datasetId', 'index', 'resultOf', 'output', 'plane', 'at']);
      if (typeof args.datasetId !== 'string') bad(method, 'datasetId must be a string');
      optString(method, args, 'resultOf', 64);
      checkOutput(method, args);
      if (args.index !== undefined && !isIndexList(args.index)) bad(method, 'index must be non-negative integers');
      if (args.at !== undefined && !isIndexList(args.at)) bad(method, 'at must be non-negative integers');
      if (args.plane !== undefined && !(isIndexList(args.plane) && (args.plane as number[]).length === 2)) bad(method, 'plane must be two axis numbers');
      return;
    }
    case 'getVolume': {
      if (!isObj(args)) bad(method, 'expected an object');
      onlyKeys(method, args, ['datasetId', 'resultOf', 'output', 'channel', 'index', 'maxVoxels']);
      if (typeof args.datasetId !== 'string') bad(method, 'datasetId must be a string');
      optString(method, args, 'resultOf', 64);
      checkOutput(method, args);
      if (args.channel !== undefined && !(Number.isInteger(args.channel) && (args.channel as number) >= 0)) bad(method, 'channel must be a non-negative integer');
      if (args.index !== undefined && !isIndexList(args.index)) bad(method, 'index must be non-negative integers');
      if (args.maxVoxels !== undefined && !(Number.isInteger(args.maxVoxels) && (args.maxVoxels as number) >= 1 && (args.maxVoxels as number) <= 2 ** 27))
        bad(method, 'maxVoxels must be an integer in [1, 2^27]');
      return;
    }
    case 'thumbnail': {
      if (!isObj(args)) bad(method, 'expected an object');
      onlyKeys(method, args, ['datasetId', 'series', 'variable', 'band', 'size']);
      if (typeof args.datasetId !== 'string') bad(method, 'datasetId must be a string');
      optString(method, args, 'series', 256);
      optString(method, args, 'variable', 256);
      if (args.band !== undefined && !(Number.isInteger(args.band) && (args.band as number) >= 0)) bad(method, 'band must be a non-negative integer');
      if (args.size !== undefined && !(Number.isInteger(args.size) && (args.size as number) >= 16 && (args.size as number) <= 256))
        bad(method, 'size must be an integer in [16, 256]');
      if ([args.series, args.variable, args.band].filter((v) => v !== undefined).length > 1) bad(method, 'give at most one of series, variable or band');
      return;
    }
    case 'exportResult': {
      if (!isObj(args)) bad(method, 'expected an object');
      onlyKeys(method, args, ['datasetId', 'jobId', 'what', 'path', 'anonymize', 'format']);
      if (typeof args.datasetId !== 'string' || typeof args.jobId !== 'string') bad(method, 'datasetId and jobId must be strings');
      if (args.anonymize !== undefined && typeof args.anonymize !== 'boolean') bad(method, 'anonymize must be a boolean');
      if (!['reconstruction', 'model', 'mesh', 'surface'].includes(args.what as string)) bad(method, `unknown export '${String(args.what)}'`);
      if (args.format !== undefined && (args.what !== 'surface' || !MESH_WRITE_FORMATS.includes(args.format as string)))
        bad(method, 'format is for a surface: stl, ply, obj or off');
      optString(method, args, 'path');
      return;
    }
    case 'pickSavePath': {
      if (!isObj(args) || typeof args.suggestedName !== 'string' || !isPlainName(args.suggestedName)) bad(method, 'suggestedName must be a plain file name');
      return;
    }
    case 'startJob': {
      if (!isObj(args)) bad(method, 'expected an object');
      if (args.kind !== 'stats' && args.kind !== 'fit') bad(method, `unknown job kind '${String(args.kind)}'`);
      if (typeof args.datasetId !== 'string') bad(method, 'datasetId must be a string');
      if (args.kind === 'fit') {
        onlyKeys(method, args, ['kind', 'datasetId', 'method', 'task', 'params', 'hide']);
        if (args.hide !== undefined && !(args.hide instanceof Uint8Array)) bad(method, 'hide must be a Uint8Array');
        if (typeof args.method !== 'string') bad(method, 'method must be a string');
        if (args.task !== undefined) checkTask(args.task);
        if (args.params !== undefined && !isObj(args.params)) bad(method, 'params must be an object');
        // The method's registry entry checks every parameter's name, type and range.
        const def = methodDef(args.method as string);
        parseParams<object>(def.id, def.params, (args.params ?? {}) as object, 'api', def.hints);
      } else onlyKeys(method, args, ['kind', 'datasetId']);
      return;
    }
    case 'cancelJob': {
      if (!isObj(args) || typeof args.jobId !== 'string') bad(method, 'jobId must be a string');
      return;
    }
  }
}
