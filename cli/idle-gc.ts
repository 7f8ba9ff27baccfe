/**
 * Gives memory back after a burst of work. Under load V8 grows its heap (young
 * generation up to 32 MB, old space with the garbage of every turn) and, left alone,
 * keeps it: after 10,000 web messages a quiet Parley held ~118 MB of heap, of which
 * ~30 MB live, for as long as it stayed quiet. So every `windowMs` this checks two
 * things: the event loop was nearly idle over the window (`quietBelow`, a share of
 * the time), and the heap V8 holds (`total_heap_size`: what it has committed, live
 * or not) has grown by `growthBytes` since the last full collection.
 * Then it runs two full collections, which also shrink the young generation, and V8
 * returns the freed pages to the system. A busy or unchanged process is left alone,
 * and one check per window is all an idle process pays.
 *
 * Started by `cli/app.ts` with the app; the collector comes from V8's `--expose-gc`
 * (set at run time, reachable only from a fresh context, as Jest's leak detector does).
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleGcOptions {
  windowMs?: number;
  growthBytes?: number;
  /** Event-loop utilisation (0–1) under which a window counts as quiet. */
  quietBelow?: number;
  /** Seams for tests: the collector, the heap V8 holds, the event loop's busy share. */
  collect?: () => void;
  heapHeld?: () => number;
  busy?: () => number;
}

/** V8's full collector (`gc()`), exposed without the `--expose-gc` command-line flag. */
export function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  // Without arguments: a full, compacting collection (Node 20's `{ type: 'major' }` is
  // not). The first one evacuates the pages; the pages it emptied are kept for reuse
  // until the next, so a second one is what hands them back (old space 64 → 23 MB).
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

/** The share of time the event loop was busy since the previous call. */
function eventLoopBusy(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const share = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return share;
  };
}

/** Starts the checks; returns the function that stops them. */
export function startIdleGc(options: IdleGcOptions = {}): () => void {
  const growth = options.growthBytes ?? 16 * 1024 * 1024;
  const quiet = options.quietBelow ?? 0.02;
  const heapHeld = options.heapHeld ?? (() => getHeapStatistics().total_heap_size);
  const busy = options.busy ?? eventLoopBusy();
  let collect = options.collect;
  let baseline = heapHeld();
  const timer = setInterval(() => {
    const used = heapHeld();
    if (busy() >= quiet || used - baseline < growth) return;
    collect ??= fullGc();
    collect();
    baseline = heapHeld();
  }, options.windowMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
