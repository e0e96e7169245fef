/**
 * A trained net as one JSON document (`model.json` beside the reconstruction): architecture,
 * normalisation, seed and the weights as base64 little-endian float32. Loading it with
 * `loadNetModel` (task.ts) reproduces the reconstruction at any resolution.
 */
import { readFileSync } from 'node:fs';
import { InrError } from '../../core/errors';
import { writeFileAtomic } from '../../core/atomic';
import { NET_METHODS } from './options';
import type { NetModel } from './task';

export const NET_MODEL_FORMAT = 'inr-studio/net-model@1';

function toBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromBase64(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength % 4 !== 0) throw new Error('weights are not float32');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export function encodeNetModel(m: NetModel, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: NET_MODEL_FORMAT, ...extra, model: { ...m, weights: m.weights.map((w) => ({ name: w.name, shape: w.shape, values: toBase64(w.values) })) } });
}

export function decodeNetModel(text: string, path = 'model.json'): NetModel {
  let doc: { format?: string; model?: Record<string, unknown> };
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InrError('E_CORRUPT', `not a JSON net model (${(err as Error).message})`, path);
  }
  if (doc.format !== NET_MODEL_FORMAT || !doc.model) throw new InrError('E_FORMAT', `not an INR Studio net model (format ${String(doc.format)})`, path);
  const m = doc.model as unknown as Omit<NetModel, 'weights'> & { weights: Array<{ name: string; shape: number[]; values: string }> };
  if (!(NET_METHODS as readonly string[]).includes(m.method)) throw new InrError('E_UNSUPPORTED', `unknown net method '${m.method}'`, path);
  try {
    const weights = m.weights.map((w) => {
      const values = fromBase64(w.values);
      if (values.length !== w.shape.reduce((a, b) => a * b, 1)) throw new Error(`weight ${w.name} has ${values.length} values for shape ${w.shape.join('×')}`);
      return { name: w.name, shape: w.shape, values };
    });
    return { ...m, weights };
  } catch (err) {
    throw new InrError('E_CORRUPT', `bad weights: ${(err as Error).message}`, path);
  }
}

export function saveNetModel(path: string, m: NetModel, extra?: Record<string, unknown>): void {
  writeFileAtomic(path, encodeNetModel(m, extra) + '\n');
}

export function loadNetModelFile(path: string): NetModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InrError('E_NOT_FOUND', 'cannot read the model file', path);
  }
  return decodeNetModel(text, path);
}
