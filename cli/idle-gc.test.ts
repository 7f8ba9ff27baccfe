/**
 * The idle collection: one full GC once the event loop is quiet after the heap grew,
 * none while busy or when the heap did not grow; and the collector exposed at run
 * time really frees garbage.
 */
import { getHeapStatistics } from 'node:v8';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fullGc, startIdleGc } from './idle-gc.js';

const MB = 1024 * 1024;

describe('startIdleGc', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects once when quiet after growth, never while busy or without growth', () => {
    vi.useFakeTimers();
    let heap = 40 * MB;
    let busy = 0.5;
    const collect = vi.fn(() => {
      heap = 30 * MB;
    });
    const stop = startIdleGc({
      windowMs: 1000,
      growthBytes: 16 * MB,
      collect,
      heapHeld: () => heap,
      busy: () => busy,
    });
    heap = 120 * MB; // a burst of work
    vi.advanceTimersByTime(3000);
    expect(collect).not.toHaveBeenCalled(); // still busy
    busy = 0.001;
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(1);
    heap = 40 * MB; // grew by 10 MB since: not enough
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(1);
    heap = 50 * MB;
    vi.advanceTimersByTime(1000);
    expect(collect).toHaveBeenCalledTimes(2);
    stop();
    heap = 200 * MB;
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(2);
  });

  it('exposes a collector that frees unreachable memory', () => {
    const gc = fullGc();
    gc();
    const before = getHeapStatistics().used_heap_size;
    expect(allocateGarbage() - before).toBeGreaterThan(10 * MB);
    gc();
    expect(getHeapStatistics().used_heap_size - before).toBeLessThan(5 * MB);
  });
});

/** Allocates ~16 MB that is unreachable once this returns; returns the heap in use before then. */
function allocateGarbage(): number {
  const garbage = Array.from({ length: 200 }, () =>
    Array.from({ length: 10_000 }, (_, i) => i + 0.5),
  );
  return garbage.length > 0 ? getHeapStatistics().used_heap_size : 0;
}
