/**
 * What the benches read about a spawned Parley from /proc: CPU time split between
 * its main (JavaScript) thread and its other threads (V8 GC/compiler helpers, libuv
 * pool, SQLite checkpoint worker), and its resident memory. Thread times come from
 * `/proc/<pid>/task/<tid>/schedstat` (nanoseconds on the CPU), so they are exact
 * rather than in 10 ms clock ticks. The process total (`/proc/<pid>/stat`, utime +
 * stime, in 10 ms ticks) also holds threads that have exited (the checkpoint worker
 * ends after five idle seconds), so "other threads" = total − main.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSample {
  /** Whole process (every thread, live or exited), ms. */
  totalMs: number;
  /** Of which in the kernel (system calls: sockets, files, futexes), ms. */
  systemMs: number;
  /** The main thread, ms. */
  mainMs: number;
}

/** User and system CPU of the whole process in ms (clock ticks of 10 ms). */
function processTicksMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

function threadNs(pid: number, tid: string): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0; // the process has exited
  }
}

/** CPU used so far by `pid`, split main thread / the rest. */
export function cpuSample(pid: number): CpuSample {
  const { user, system } = processTicksMs(pid);
  return { totalMs: user + system, systemMs: system, mainMs: threadNs(pid, String(pid)) / 1e6 };
}

/** CPU per message between two samples: total, main thread, other threads (ms). */
export function cpuPerMessage(before: CpuSample, after: CpuSample, messages: number) {
  const round = (ms: number) => +(ms / Math.max(1, messages)).toFixed(3);
  const total = after.totalMs - before.totalMs;
  const main = after.mainMs - before.mainMs;
  return {
    total: round(total),
    mainThread: round(main),
    otherThreads: round(total - main),
    inKernel: round(after.systemMs - before.systemMs),
  };
}

export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return +(Number(kb ?? 0) / 1024).toFixed(1);
}

/** CPU of the threads `pid` has now, ms, exact (`schedstat` nanoseconds). */
function liveThreadsMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) out.set(tid, threadNs(pid, tid) / 1e6);
  return out;
}

/**
 * CPU ms per second of `pid` over `ms` of waiting (nothing else asked of it). Summed
 * over its threads' `schedstat`, so a quiet process is not rounded to the 10 ms clock
 * ticks of `/proc/<pid>/stat` (1 ms/s over 10 s); a thread that exits during the wait
 * is left out.
 */
export async function idleCpuMsPerSecond(pid: number, ms: number): Promise<number> {
  const before = liveThreadsMs(pid);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const seconds = (performance.now() - started) / 1000;
  let used = 0;
  for (const [tid, now] of liveThreadsMs(pid)) used += now - (before.get(tid) ?? 0);
  return +(used / seconds).toFixed(3);
}
