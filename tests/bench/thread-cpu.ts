/**
 * CPU seconds of every OS thread of this process (Linux: /proc/self/task/<tid>/stat, utime +
 * stime in clock ticks of 1/100 s), for the benchmarks' estimates of what a parallel phase would
 * take on an otherwise idle machine: when other processes load the cores, wall time measures
 * the load, but each thread's own CPU time still measures its work.
 *
 *   critical path of a pool phase (the calling thread waits while the workers run):
 *     main thread's CPU + the busiest worker's CPU;
 *   of a team step (the calling thread computes a shard too): max over the threads.
 * Threads are not named in /proc (all "node"), so workers are taken as the busiest threads other
 * than the main one; V8's helper threads (GC, compiler) are small next to them.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK = 0.01;

/** tid → CPU seconds so far; empty where /proc is not there. */
export function threadCpu(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
      out.set(Number(t), (Number(f[11]) + Number(f[12])) * TICK);
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Per-thread CPU seconds between two readings: the main thread's and the others', busiest first. */
export function cpuSplit(a: Map<number, number>, b: Map<number, number>): { main: number; others: number[] } {
  const main = (b.get(process.pid) ?? 0) - (a.get(process.pid) ?? 0);
  const others: number[] = [];
  for (const [tid, s] of b) if (tid !== process.pid) others.push(s - (a.get(tid) ?? 0));
  others.sort((x, y) => y - x);
  return { main, others };
}
