/**
 * A "latest wins" request queue: while one request runs, newer ones replace each other, and only
 * the newest is sent next. Scrolling through 300 slices sends a handful of requests, and a
 * stale answer never overwrites a newer one.
 */
export interface LatestQueue<K> {
  request(key: K): void;
  /** Forget anything queued and ignore the answer in flight. */
  reset(): void;
  readonly busy: boolean;
}

export function latestQueue<K, R>(run: (key: K) => Promise<R>, onResult: (result: R, key: K) => void, onError: (err: unknown, key: K) => void): LatestQueue<K> {
  let wanted: { key: K } | undefined;
  let running = false;
  let generation = 0;

  const pump = async (): Promise<void> => {
    running = true;
    while (wanted) {
      const { key } = wanted;
      wanted = undefined;
      const gen = generation;
      try {
        const r = await run(key);
        if (gen === generation && !wanted) onResult(r, key);
      } catch (err) {
        if (gen === generation && !wanted) onError(err, key);
      }
    }
    running = false;
  };

  return {
    request(key: K) {
      wanted = { key };
      if (!running) void pump();
    },
    reset() {
      wanted = undefined;
      generation++;
    },
    get busy() {
      return running;
    },
  };
}
