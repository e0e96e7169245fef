/**
 * A random secret made once per installation and kept in the user's configuration folder. It keys
 * the hash that replaces DICOM UIDs when anonymising (data/dicom/anonymize.ts): the same source
 * UID always maps to the same new UID on this install, yet nobody without the secret can test a
 * guessed source UID against an exported one (a fixed, public salt would allow that).
 *
 * - Folder: `INR_CONFIG_DIR` when set (tests, portable installs); else `%APPDATA%\INR Studio` on
 *   Windows, `~/Library/Application Support/INR Studio` on macOS, `$XDG_CONFIG_HOME/inr-studio`
 *   (default `~/.config/inr-studio`) elsewhere.
 * - File `install-secret`: 32 random bytes as 64 hex digits, mode 0600 in a 0700 folder. It is
 *   created atomically (temporary file, then a hard link that fails if another process won the
 *   race), so two processes starting together agree on one secret.
 * - Deleting the file makes a new secret: later anonymised exports then get UIDs unrelated to
 *   earlier ones.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { InrError } from './errors';

/** Size of the secret in bytes. */
const INSTALL_SECRET_BYTES = 32;
const FILE_NAME = 'install-secret';

/** The per-user configuration folder of INR Studio (not created here). */
export function configDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.INR_CONFIG_DIR) return resolve(env.INR_CONFIG_DIR);
  if (platform === 'win32') return join(env.APPDATA || join(homedir(), 'AppData', 'Roaming'), 'INR Studio');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'INR Studio');
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'inr-studio');
}

/** The path of the secret file. */
export function installSecretPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), FILE_NAME);
}

/** Secrets already read, by file path (the file never changes while a process runs). */
const cache = new Map<string, Buffer>();

function parseSecret(text: string, path: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new InrError('E_CORRUPT', 'the install secret is damaged; delete this file to make a new one (anonymised UIDs will then differ from earlier exports)', path);
  }
  return Buffer.from(hex, 'hex');
}

function readSecret(path: string): Buffer {
  const secret = parseSecret(readFileSync(path, 'latin1'), path);
  // Tighten a file that became readable by others (a copy, a restore from backup).
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return secret;
}

/** Create the secret file unless it exists; returns what the file holds afterwards. */
function createSecret(dir: string, path: string): Buffer {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${FILE_NAME}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(tmp, `${randomBytes(INSTALL_SECRET_BYTES).toString('hex')}\n`, { mode: 0o600 });
  try {
    linkSync(tmp, path); // atomic; EEXIST when another process created it first
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'EEXIST') {
      // File systems without hard links: a rename is atomic too, but may replace a secret made
      // at the same instant; read back whatever won.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') renameSync(tmp, path);
      else {
        rmSync(tmp, { force: true });
        throw new InrError('E_ARG', `cannot create the install secret (${code ?? String(err)})`, path);
      }
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return readSecret(path);
}

/**
 * The 32-byte secret of this installation, created on first use. Throws `InrError` when the
 * folder cannot be written or the file is damaged.
 */
export function installSecret(env: NodeJS.ProcessEnv = process.env): Buffer {
  const dir = configDir(env);
  const path = join(dir, FILE_NAME);
  const known = cache.get(path);
  if (known) return Buffer.from(known);
  let secret: Buffer;
  try {
    secret = readSecret(path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') {
      if (err instanceof InrError) throw err;
      throw new InrError('E_ARG', `cannot read the install secret (${(err as { code?: string }).code ?? String(err)})`, path);
    }
    secret = createSecret(dir, path);
  }
  cache.set(path, secret);
  return Buffer.from(secret);
}
