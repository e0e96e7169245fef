/** The recent-files list (renderer/src/lib/recent.ts): order, one entry per path, cap, storage. */
import { describe, expect, it } from 'vitest';
import { addRecent, formatAgo, loadRecent, MAX_RECENT, parseRecent, RECENT_KEY, removeRecent, saveRecent, type RecentEntry } from '../../renderer/src/lib/recent';

const entry = (path: string, time: number, extra: Partial<RecentEntry> = {}): RecentEntry => ({ path, label: path.split('/').pop()!, time, ...extra });

function memoryStorage(init: Record<string, string> = {}) {
  const data = new Map(Object.entries(init));
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
  };
}

describe('recent list', () => {
  it('puts the newest first and keeps one entry per path', () => {
    let l: RecentEntry[] = [];
    l = addRecent(l, entry('/a', 1));
    l = addRecent(l, entry('/b', 2));
    l = addRecent(l, entry('/a', 3, { variable: 'u' }));
    expect(l.map((e) => [e.path, e.time, e.variable])).toEqual([
      ['/a', 3, 'u'],
      ['/b', 2, undefined],
    ]);
  });

  it(`keeps at most ${MAX_RECENT}`, () => {
    let l: RecentEntry[] = [];
    for (let i = 0; i < 15; i++) l = addRecent(l, entry(`/f${i}`, i));
    expect(l).toHaveLength(MAX_RECENT);
    expect(l[0].path).toBe('/f14');
    expect(l[MAX_RECENT - 1].path).toBe('/f5');
  });

  it('removes by path', () => {
    const l = [entry('/a', 1), entry('/b', 2)];
    expect(removeRecent(l, '/a').map((e) => e.path)).toEqual(['/b']);
    expect(removeRecent(l, '/zzz')).toEqual(l);
  });

  it('round-trips through storage', () => {
    const s = memoryStorage();
    const l = [entry('/data/mr-series', 5, { series: '1.2.3', label: 'mr-series · T1' }), entry('/d/sub.nc', 4, { variable: 'u' })];
    expect(saveRecent(s, l)).toBe(true);
    expect(s.data.has(RECENT_KEY)).toBe(true);
    expect(loadRecent(s)).toEqual(l);
  });

  it('survives damaged or foreign storage contents', () => {
    expect(parseRecent('not json')).toEqual([]);
    expect(parseRecent('{"a":1}')).toEqual([]);
    expect(parseRecent(null)).toEqual([]);
    const mixed = JSON.stringify([
      { path: '/ok', label: 'ok', time: 1 },
      { path: '', label: 'empty path', time: 1 },
      { path: '/bad-time', label: 'x', time: 'yesterday' },
      { path: '/bad-series', label: 'x', time: 1, series: 7 },
      { path: '/ok', label: 'duplicate', time: 0 },
      'string',
      null,
    ]);
    expect(parseRecent(mixed).map((e) => e.label)).toEqual(['ok']);
  });

  it('copes with storage that throws', () => {
    const broken = {
      getItem(): string | null {
        throw new Error('denied');
      },
      setItem(): void {
        throw new Error('quota');
      },
    };
    expect(loadRecent(broken)).toEqual([]);
    expect(saveRecent(broken, [entry('/a', 1)])).toBe(false);
    expect(saveRecent(undefined, [])).toBe(false);
  });

  it('says how long ago', () => {
    const now = Date.UTC(2024, 5, 20, 12);
    expect(formatAgo(now - 5_000, now)).toBe('just now');
    expect(formatAgo(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatAgo(now - 3 * 3600_000, now)).toBe('3 h ago');
    expect(formatAgo(now - 30 * 3600_000, now)).toBe('yesterday');
    expect(formatAgo(now - 4 * 86400_000, now)).toBe('4 days ago');
    expect(formatAgo(now - 40 * 86400_000, now)).toBe('2024-05-11');
  });
});
