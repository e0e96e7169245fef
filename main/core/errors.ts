/**
 * Typed errors of the engine. Every failure that a user can cause (a bad file, a bad flag,
 * a cancelled job) is an `InrError` with a stable `code`, the path it concerns, and a message
 * written for a person. They cross worker and wire boundaries as plain `{name, code, message}`.
 */
export type ErrorCode =
  | 'E_NOT_FOUND' // path does not exist
  | 'E_EMPTY' // folder with nothing readable
  | 'E_FORMAT' // unknown or unsupported format
  | 'E_CORRUPT' // truncated or malformed file
  | 'E_UNSUPPORTED' // recognised but not supported (vendor, codec, variant)
  | 'E_TOO_LARGE' // absurd dimensions, would allocate too much
  | 'E_ARG' // bad argument or flag
  | 'E_DATA' // data cannot be used for the task (all masked, constant…)
  | 'E_BACKEND' // compute backend unavailable
  | 'E_NUMERIC' // NaN/Inf during a fit
  | 'E_CANCELLED' // job cancelled by the user
  | 'E_INTERNAL'; // a bug: anything not anticipated

export class InrError extends Error {
  override name = 'InrError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }

  /** One line, naming the file when there is one: `astronaut.png: truncated PNG (…)`. */
  toLine(): string {
    return this.path ? `${this.path}: ${this.message}` : this.message;
  }
}

export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
  path?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof InrError) return { name: err.name, code: err.code, message: err.message, path: err.path };
  if (err && typeof err === 'object' && 'code' in err && (err as { name?: string }).name === 'InrError') {
    const e = err as SerializedError;
    return { name: 'InrError', code: e.code, message: e.message, path: e.path };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { name: err instanceof Error ? err.name : 'Error', code: 'E_INTERNAL', message };
}

export function deserializeError(e: SerializedError): InrError {
  return new InrError(e.code, e.message, e.path);
}

export function cancelled(): InrError {
  return new InrError('E_CANCELLED', 'cancelled by the user');
}

/** Wrap a low-level exception thrown while reading `path` into a typed error. */
export function asReadError(err: unknown, path: string, what: string): InrError {
  if (err instanceof InrError) return err.path ? err : new InrError(err.code, err.message, path);
  const msg = err instanceof Error ? err.message : String(err);
  return new InrError('E_CORRUPT', `cannot read ${what}: ${msg}`, path);
}
