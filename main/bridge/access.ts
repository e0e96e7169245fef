/**
 * Which requests a browser page may make through the bridge, beyond the payload checks of
 * main/api/validate.ts. The page reached us with the per-launch token, so it is the user's own
 * UI; still, a browser has no save dialog, so nothing it sends may name a place to write:
 *
 * - `exportResult` with a `path` is refused. The browser asks for the bytes and downloads them
 *   (the user picks the place in the browser's own download prompt).
 * - `open` of a path is allowed: the user typed it in the UI (the token proves the request came
 *   from the page the server printed). Uploads are capped in size and file count.
 *
 * The Electron shell has its own rules (electron/policy.ts): there, paths come from dialogs.
 */
import { InrError } from '../core/errors';
import type { MethodName } from '../api/contract';
import { MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES } from './limits';

export interface AccessLimits {
  maxUploadBytes: number;
  maxUploadFiles: number;
}

export const DEFAULT_ACCESS_LIMITS: AccessLimits = { maxUploadBytes: MAX_UPLOAD_BYTES, maxUploadFiles: MAX_UPLOAD_FILES };

function mib(n: number): string {
  return `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)} MiB`;
}

/** Throws unless a browser page may make this (already validated) request. */
export function checkBrowserRequest(method: MethodName, args: unknown, limits: AccessLimits = DEFAULT_ACCESS_LIMITS): void {
  const a = (args ?? {}) as Record<string, unknown>;
  if (method === 'exportResult' && a.path !== undefined) {
    throw new InrError('E_ARG', 'export to a path is refused in the browser: the file is downloaded instead (the browser asks where to save it)');
  }
  if (method === 'open') {
    const upload = a.upload as { name: string; bytes: Uint8Array } | undefined;
    if (upload && upload.bytes.byteLength > limits.maxUploadBytes) {
      throw new InrError(
        'E_TOO_LARGE',
        `${upload.name} is ${mib(upload.bytes.byteLength)}; a browser upload may hold at most ${mib(limits.maxUploadBytes)} (open larger files by path)`,
      );
    }
    const folder = a.uploadFolder as { name: string; files: { bytes: Uint8Array }[] } | undefined;
    if (folder) {
      if (folder.files.length > limits.maxUploadFiles) {
        throw new InrError('E_TOO_LARGE', `the folder ${folder.name} has ${folder.files.length} files; a browser upload may hold at most ${limits.maxUploadFiles}`);
      }
      const total = folder.files.reduce((s, f) => s + f.bytes.byteLength, 0);
      if (total > limits.maxUploadBytes) {
        throw new InrError(
          'E_TOO_LARGE',
          `the folder ${folder.name} holds ${mib(total)}; a browser upload may hold at most ${mib(limits.maxUploadBytes)} (open larger folders by path)`,
        );
      }
    }
  }
}
