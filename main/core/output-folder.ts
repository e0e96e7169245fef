/**
 * An output folder written all at once: the files go into a hidden staging folder beside it,
 * which is renamed into place when everything is written. An interrupted run leaves the folder
 * as it was (the previous complete results, or nothing); a folder that already holds results is
 * refused unless `force`, which replaces it whole (no stale file of an earlier run survives).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InrError } from './errors';

export class OutputFolder {
  private staging?: string;

  constructor(
    readonly path: string,
    private readonly force = false,
  ) {
    if (!existsSync(path)) return;
    if (!statSync(path).isDirectory()) throw new InrError('E_ARG', 'the output path exists and is not a folder', path);
    if (!force && readdirSync(path).length > 0) throw new InrError('E_ARG', 'the output folder already holds results; choose another --out, or add --force to replace it', path);
  }

  /** The staging folder to write into (created on first call). */
  begin(): string {
    if (!this.staging) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.staging = mkdtempSync(join(dirname(this.path), `.${basename(this.path)}.partial-`));
    }
    return this.staging;
  }

  /** Put the staged files in place: the folder becomes exactly what was staged. */
  commit(): void {
    if (!this.staging) throw new InrError('E_INTERNAL', 'nothing staged');
    let old: string | undefined;
    if (existsSync(this.path)) {
      if (!this.force && readdirSync(this.path).length > 0)
        throw new InrError('E_ARG', 'the output folder got results from another run meanwhile; nothing was replaced', this.path);
      old = join(dirname(this.path), `.${basename(this.path)}.old-${process.pid}-${Date.now()}`);
      renameSync(this.path, old);
    }
    renameSync(this.staging, this.path);
    this.staging = undefined;
    if (old) rmSync(old, { recursive: true, force: true });
  }

  /** Remove what was staged and not committed (an error or an interrupt). */
  abandon(): void {
    if (this.staging) rmSync(this.staging, { recursive: true, force: true });
    this.staging = undefined;
  }
}
