/**
 * Drag-and-drop (renderer/src/lib/drop.ts) over a fake File and Directory Entries tree: Electron
 * paths, single uploads, folder walks (batched readEntries, hidden files skipped, size cap), and
 * the open requests they become.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_DROP_LIMITS, DropError, dropRequest, isSkippedName, planDrop, snapshotDrop, type DropEntry, type DropFile, type DroppedItem } from '../../renderer/src/lib/drop';

function file(name: string, content: string | number = name): DropFile {
  const bytes = typeof content === 'number' ? new Uint8Array(content) : new TextEncoder().encode(content);
  return { name, size: bytes.byteLength, arrayBuffer: async () => bytes.slice().buffer };
}

type Tree = { [name: string]: string | number | Tree };

/** A directory entry whose reader answers in batches of `batch`, like Chromium's 100. */
function dirEntry(name: string, tree: Tree, batch = 2): DropEntry {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader() {
      const children = Object.entries(tree).map(([n, v]) => (typeof v === 'object' ? dirEntry(n, v, batch) : fileEntry(n, v)));
      let at = 0;
      return {
        readEntries(ok) {
          const out = children.slice(at, at + batch);
          at += out.length;
          queueMicrotask(() => ok(out));
        },
      };
    },
  };
}

function fileEntry(name: string, content: string | number): DropEntry {
  const f = file(name, content);
  return { name, isFile: true, isDirectory: false, file: (ok) => queueMicrotask(() => ok(f)) };
}

const folderItem = (name: string, tree: Tree, batch?: number): DroppedItem => ({ file: file(name, 0), entry: dirEntry(name, tree, batch) });
const fileItem = (name: string, content: string | number = name): DroppedItem => ({ file: file(name, content), entry: fileEntry(name, content) });

describe('snapshotDrop', () => {
  it('takes file items with their entries and ignores strings', () => {
    const f = file('a.dcm');
    const e = fileEntry('a.dcm', 'a.dcm');
    const items = [
      { kind: 'string', getAsFile: () => null, webkitGetAsEntry: () => null },
      { kind: 'file', getAsFile: () => f, webkitGetAsEntry: () => e },
    ];
    const snap = snapshotDrop({ items });
    expect(snap).toHaveLength(1);
    expect(snap[0].file).toBe(f);
    expect(snap[0].entry).toBe(e);
  });

  it('falls back to the file list without items', () => {
    const f = file('x.png');
    expect(snapshotDrop({ files: [f] })).toEqual([{ file: f, entry: null }]);
    expect(snapshotDrop(null)).toEqual([]);
  });
});

describe('planDrop', () => {
  it('opens the local path in Electron, file or folder', async () => {
    const paths = new Map<DropFile, string>();
    const item = folderItem('mr-series', { 'a.dcm': 1 });
    paths.set(item.file!, '/home/u/mr-series');
    expect(await planDrop([item], (f) => paths.get(f))).toEqual({ kind: 'path', path: '/home/u/mr-series' });
  });

  it('uploads when Electron gives no path (a file dragged from another app)', async () => {
    const plan = await planDrop([fileItem('camera.png')], () => undefined);
    expect(plan?.kind).toBe('upload');
  });

  it('uploads a single file in a browser', async () => {
    const plan = await planDrop([fileItem('sub.nc', 'CDF')]);
    expect(plan).toMatchObject({ kind: 'upload', file: { name: 'sub.nc' } });
    const { request, label } = await dropRequest(plan!);
    expect(label).toBe('sub.nc');
    expect(request.upload?.name).toBe('sub.nc');
    expect(new TextDecoder().decode(request.upload!.bytes)).toBe('CDF');
  });

  it('walks a folder in batches, recursively, relative to the folder, hidden files skipped', async () => {
    const tree: Tree = {
      IM0003: 'three',
      IM0001: 'one',
      '.DS_Store': 'junk',
      IM0002: 'two',
      sub: { IM0010: 'ten', '.hidden': 'x', deeper: { IM0020: 'twenty' } },
      __MACOSX: { '._IM0001': 'x' },
      '.git': { config: 'x' },
      'Thumbs.db': 'x',
    };
    const plan = await planDrop([folderItem('study', tree, 2)]);
    expect(plan?.kind).toBe('folder');
    if (plan?.kind !== 'folder') return;
    expect(plan.name).toBe('study');
    expect(plan.files.map((f) => f.path)).toEqual(['IM0001', 'IM0002', 'IM0003', 'sub/IM0010', 'sub/deeper/IM0020']);
    expect(plan.bytes).toBe(3 + 3 + 5 + 3 + 6);
    const { request, label } = await dropRequest(plan);
    expect(label).toBe('study (5 files)');
    expect(request.uploadFolder?.name).toBe('study');
    expect(request.uploadFolder?.files.map((f) => [f.path, new TextDecoder().decode(f.bytes)])).toEqual([
      ['IM0001', 'one'],
      ['IM0002', 'two'],
      ['IM0003', 'three'],
      ['sub/IM0010', 'ten'],
      ['sub/deeper/IM0020', 'twenty'],
    ]);
  });

  it('reads a folder of more entries than one readEntries batch', async () => {
    const tree: Tree = {};
    for (let i = 0; i < 250; i++) tree[`f${String(i).padStart(3, '0')}.dcm`] = 1;
    const plan = await planDrop([folderItem('big', tree, 100)]);
    expect(plan?.kind === 'folder' && plan.files.length).toBe(250);
  });

  it('gathers several dropped files (and folders) into one folder upload', async () => {
    const plan = await planDrop([fileItem('a.dcm'), fileItem('.hidden'), folderItem('more', { 'b.dcm': 'b' })]);
    expect(plan?.kind).toBe('folder');
    if (plan?.kind !== 'folder') return;
    expect(plan.name).toBe('3 dropped items');
    expect(plan.files.map((f) => f.path)).toEqual(['a.dcm', 'more/b.dcm']);
  });

  it('refuses a folder above the size cap, with a readable reason', async () => {
    const limits = { ...DEFAULT_DROP_LIMITS, maxBytes: 1000 };
    const err = await planDrop([folderItem('huge', { a: 600, b: 600 })], undefined, limits).catch((e) => e);
    expect(err).toBeInstanceOf(DropError);
    expect(err.code).toBe('E_TOO_LARGE');
    expect(err.message).toMatch(/the folder huge holds more than 1000 B.*open the folder by path instead/);
  });

  it('refuses a single file above the cap, and too many files', async () => {
    const limits = { ...DEFAULT_DROP_LIMITS, maxBytes: 10, maxFiles: 2 };
    await expect(planDrop([fileItem('big.tif', 11)], undefined, limits)).rejects.toMatchObject({ code: 'E_TOO_LARGE', message: expect.stringContaining('big.tif is 11 B') });
    await expect(planDrop([folderItem('many', { a: 1, b: 1, c: 1 })], undefined, limits)).rejects.toMatchObject({
      code: 'E_TOO_LARGE',
      message: expect.stringContaining('more than 2 files'),
    });
  });

  it('says so when a folder holds nothing but hidden files', async () => {
    await expect(planDrop([folderItem('empty', { '.DS_Store': 'x', '.git': { a: 'b' } })])).rejects.toMatchObject({ code: 'E_EMPTY' });
  });

  it('stops at folders nested too deep', async () => {
    let tree: Tree = { leaf: 'x' };
    for (let i = 0; i < 5; i++) tree = { [`d${i}`]: tree };
    await expect(planDrop([folderItem('deep', tree)], undefined, { ...DEFAULT_DROP_LIMITS, maxDepth: 3 })).rejects.toMatchObject({ code: 'E_ARG' });
    const ok = await planDrop([folderItem('deep', tree)], undefined, { ...DEFAULT_DROP_LIMITS, maxDepth: 10 });
    expect(ok?.kind === 'folder' && ok.files[0].path).toBe('d4/d3/d2/d1/d0/leaf');
  });

  it('turns a failing directory read into a readable error', async () => {
    const bad: DropEntry = {
      name: 'locked',
      isFile: false,
      isDirectory: true,
      createReader: () => ({ readEntries: (_ok, fail) => fail?.(new Error('NotReadableError')) }),
    };
    await expect(planDrop([{ file: null, entry: bad }])).rejects.toMatchObject({ code: 'E_CORRUPT', message: expect.stringContaining('cannot list locked') });
  });

  it('drops nothing for nothing', async () => {
    expect(await planDrop([])).toBeNull();
  });

  it('names hidden and system files', () => {
    expect(isSkippedName('.DS_Store')).toBe(true);
    expect(isSkippedName('__MACOSX')).toBe(true);
    expect(isSkippedName('desktop.ini')).toBe(true);
    expect(isSkippedName('IM0001')).toBe(false);
    expect(isSkippedName('DICOMDIR')).toBe(false);
  });
});
