/**
 * What a drop on the window opens. In Electron a dropped file or folder has a local path, and
 * the engine opens that path (a DICOM folder is scanned where it lies). In a browser there is no
 * path: a single file goes up as an `upload`, and dropped folders (or several files) are walked
 * with the File and Directory Entries API and go up as one `uploadFolder`, hidden and system
 * files skipped and the total size capped.
 *
 * The drop event's items are only readable while the event runs, so `snapshotDrop` takes what is
 * needed synchronously and the rest (`planDrop`, `dropRequest`) runs afterwards. The DOM types
 * are restated structurally so this module is testable in Node.
 */
import type { OpenRequest } from '../../../main/api/contract';

export interface DropFile {
  name: string;
  size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface DropDirectoryReader {
  readEntries(ok: (entries: DropEntry[]) => void, fail?: (err: unknown) => void): void;
}

/** A FileSystemEntry: a FileSystemFileEntry has `file`, a FileSystemDirectoryEntry `createReader`. */
export interface DropEntry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (f: DropFile) => void, fail?: (err: unknown) => void): void;
  createReader?(): DropDirectoryReader;
}

export interface DataTransferItemLike {
  kind: string;
  getAsFile(): DropFile | null;
  webkitGetAsEntry?(): DropEntry | null;
}

export interface DataTransferLike {
  items?: ArrayLike<DataTransferItemLike> | null;
  files?: ArrayLike<DropFile> | null;
}

/** One dropped thing: the file (for Electron's path and single uploads) and its entry (for folders). */
export interface DroppedItem {
  file: DropFile | null;
  entry: DropEntry | null;
}

export interface DropLimits {
  /** Total bytes a browser upload may hold. */
  maxBytes: number;
  maxFiles: number;
  /** Folder nesting followed at most (guards against link cycles). */
  maxDepth: number;
}

export const DEFAULT_DROP_LIMITS: DropLimits = { maxBytes: 1024 * 2 ** 20, maxFiles: 20_000, maxDepth: 30 };

export type DropPlan =
  { kind: 'path'; path: string } | { kind: 'upload'; file: DropFile } | { kind: 'folder'; name: string; files: { path: string; file: DropFile }[]; bytes: number };

/** A drop that cannot be opened, with an error code the banner turns into a title. */
export class DropError extends Error {
  constructor(
    readonly code: 'E_TOO_LARGE' | 'E_EMPTY' | 'E_CORRUPT' | 'E_ARG',
    message: string,
  ) {
    super(message);
    this.name = 'DropError';
  }
}

/** Take the dropped files and their entries now, while the drop event still allows it. */
export function snapshotDrop(dt: DataTransferLike | null | undefined): DroppedItem[] {
  if (!dt) return [];
  const out: DroppedItem[] = [];
  const items = dt.items;
  if (items && items.length) {
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.kind !== 'file') continue;
      out.push({ file: it.getAsFile(), entry: it.webkitGetAsEntry?.() ?? null });
    }
    if (out.length) return out;
  }
  const files = dt.files;
  if (files) for (let i = 0; i < files.length; i++) out.push({ file: files[i], entry: null });
  return out;
}

const SYSTEM_NAMES = new Set(['__MACOSX', 'Thumbs.db', 'desktop.ini', '$RECYCLE.BIN', 'System Volume Information']);

/** Hidden (`.DS_Store`, `.git`) and operating-system bookkeeping files are not data. */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || SYSTEM_NAMES.has(name);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(n < 10 * 2 ** 20 ? 1 : 0)} MB`;
  return `${(n / 2 ** 30).toFixed(1)} GB`;
}

function fileOf(entry: DropEntry, where: string): Promise<DropFile> {
  return new Promise((resolve, reject) => {
    if (!entry.file) {
      reject(new DropError('E_CORRUPT', `cannot read ${where} from the drop`));
      return;
    }
    entry.file(resolve, () => reject(new DropError('E_CORRUPT', `cannot read ${where} from the dropped folder`)));
  });
}

/** Every entry of a directory: readEntries answers in batches until it answers an empty one. */
async function entriesOf(dir: DropEntry, where: string): Promise<DropEntry[]> {
  if (!dir.createReader) throw new DropError('E_CORRUPT', `cannot list ${where} in the dropped folder`);
  const reader = dir.createReader();
  const all: DropEntry[] = [];
  for (;;) {
    const batch = await new Promise<DropEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, () => reject(new DropError('E_CORRUPT', `cannot list ${where} in the dropped folder`))),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

class Walk {
  files: { path: string; file: DropFile }[] = [];
  bytes = 0;
  constructor(
    readonly limits: DropLimits,
    readonly what: string,
  ) {}

  add(path: string, file: DropFile): void {
    this.files.push({ path, file });
    this.bytes += file.size;
    if (this.files.length > this.limits.maxFiles) {
      throw new DropError('E_TOO_LARGE', `${this.what} holds more than ${this.limits.maxFiles} files, too many to upload from the browser; open the folder by path instead`);
    }
    if (this.bytes > this.limits.maxBytes) {
      throw new DropError('E_TOO_LARGE', `${this.what} holds more than ${formatBytes(this.limits.maxBytes)}, too much to upload from the browser; open the folder by path instead`);
    }
  }

  async entry(e: DropEntry, prefix: string, depth: number): Promise<void> {
    if (isSkippedName(e.name)) return;
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) {
      if (depth >= this.limits.maxDepth) throw new DropError('E_ARG', `${this.what} nests folders deeper than ${this.limits.maxDepth} levels (${path})`);
      const children = await entriesOf(e, path);
      children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const c of children) await this.entry(c, path, depth + 1);
    } else if (e.isFile) {
      this.add(path, await fileOf(e, path));
    }
  }
}

/**
 * Decide what to open. `pathFor` is Electron's `api.pathForFile`: with it, one dropped file or
 * folder opens by its local path. Otherwise one file is uploaded, and folders (or several
 * files) are walked into one folder upload; files inside a dropped folder keep their paths
 * relative to it.
 */
export async function planDrop(
  items: readonly DroppedItem[],
  pathFor?: (file: DropFile) => string | undefined,
  limits: DropLimits = DEFAULT_DROP_LIMITS,
): Promise<DropPlan | null> {
  if (items.length === 0) return null;
  if (pathFor && items.length === 1 && items[0].file) {
    const p = pathFor(items[0].file);
    if (p) return { kind: 'path', path: p };
  }
  const single = items.length === 1 ? items[0] : undefined;
  if (single && !single.entry?.isDirectory) {
    const file = single.file;
    if (!file) throw new DropError('E_CORRUPT', 'the dropped item could not be read');
    if (file.size > limits.maxBytes) {
      throw new DropError(
        'E_TOO_LARGE',
        `${file.name} is ${formatBytes(file.size)}, more than the ${formatBytes(limits.maxBytes)} a browser upload may hold; open it by path instead`,
      );
    }
    return { kind: 'upload', file };
  }
  const name = single?.entry ? single.entry.name : `${items.length} dropped items`;
  const walk = new Walk(limits, single ? `the folder ${name}` : 'the drop');
  if (single?.entry) {
    // The folder itself is the root: its files are listed relative to it.
    const children = await entriesOf(single.entry, name);
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const c of children) await walk.entry(c, '', 1);
  } else {
    for (const it of items) {
      if (it.entry) await walk.entry(it.entry, '', 0);
      else if (it.file && !isSkippedName(it.file.name)) walk.add(it.file.name, it.file);
    }
  }
  if (walk.files.length === 0) throw new DropError('E_EMPTY', `${walk.what} holds no files to open (hidden and system files are skipped)`);
  return { kind: 'folder', name, files: walk.files, bytes: walk.bytes };
}

/** The open request for a plan, reading the bytes of uploads. */
export async function dropRequest(plan: DropPlan): Promise<{ request: OpenRequest; label: string }> {
  switch (plan.kind) {
    case 'path':
      return { request: { path: plan.path }, label: plan.path };
    case 'upload':
      return { request: { upload: { name: plan.file.name, bytes: await readBytes(plan.file, plan.file.name) } }, label: plan.file.name };
    case 'folder': {
      const files: { path: string; bytes: Uint8Array }[] = [];
      for (const f of plan.files) files.push({ path: f.path, bytes: await readBytes(f.file, f.path) });
      return { request: { uploadFolder: { name: plan.name, files } }, label: `${plan.name} (${plan.files.length} files)` };
    }
  }
}

async function readBytes(file: DropFile, where: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await file.arrayBuffer());
  } catch {
    throw new DropError('E_CORRUPT', `cannot read ${where} from the drop`);
  }
}
