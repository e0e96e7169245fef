/**
 * IPC channels of the shell beyond the API contract's (main/api/contract.ts). No imports: the
 * sandboxed preload bundles this file.
 */

/** Preload → main, synchronous: the local path of a file the user dropped on the window (a grant to open it). */
export const IPC_GRANT_DROP = 'inr:dropped';
