/**
 * Turning any failure into something a person can read: a title from the error code, a one-line
 * message naming the file, and never a stack trace.
 */
export interface ReadableError {
  title: string;
  message: string;
  code?: string;
}

const TITLES: Record<string, string> = {
  E_NOT_FOUND: 'File not found',
  E_EMPTY: 'Nothing readable in the folder',
  E_FORMAT: 'Unsupported file format',
  E_CORRUPT: 'The file could not be read',
  E_UNSUPPORTED: 'Not supported yet',
  E_TOO_LARGE: 'Dataset too large',
  E_ARG: 'Invalid request',
  E_DATA: 'The data cannot be used for this',
  E_BACKEND: 'Engine unavailable',
  E_NUMERIC: 'Numerical failure',
  E_CANCELLED: 'Cancelled',
  E_INTERNAL: 'Unexpected error',
};

export function titleForCode(code: string | undefined): string {
  return (code && TITLES[code]) || 'Something went wrong';
}

/** The first line of a message, trimmed of anything that looks like a stack frame. */
function firstLine(msg: string): string {
  const line = msg
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0 && !/^at\s/.test(l));
  const text = (line ?? '').replace(/^(Uncaught\s+)?(\w*Error):\s*/, '');
  return text.length > 400 ? text.slice(0, 399) + '…' : text;
}

/**
 * Errors from the bridge carry `code` and a message of `path: problem`; Electron's contextBridge
 * passes only the message, possibly prefixed with "Error invoking remote method …: Error: ".
 */
export function describeError(err: unknown, context?: string): ReadableError {
  let code: string | undefined;
  let msg = '';
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && /^E_[A-Z_]+$/.test(e.code)) code = e.code;
    if (typeof e.message === 'string') msg = e.message;
  } else if (typeof err === 'string') msg = err;
  msg = msg.replace(/^Error invoking remote method '[^']*':\s*/, '');
  const message = firstLine(msg) || 'no further detail was given';
  const title = code ? titleForCode(code) : (context ?? titleForCode(undefined));
  return { title: context && code ? `${context}: ${title.charAt(0).toLowerCase()}${title.slice(1)}` : title, message, code };
}

export function isCancellation(err: { code?: string } | undefined): boolean {
  return err?.code === 'E_CANCELLED';
}
