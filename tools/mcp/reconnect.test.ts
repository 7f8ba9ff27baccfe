/** Reconnect backoff with fake timers: doubling delays, a cap, reset after success, stop. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Reconnector } from './reconnect.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function flaky(failures: number) {
  const calls: number[] = [];
  const attempt = async () => {
    calls.push(Date.now());
    if (calls.length <= failures) throw new Error(`down ${calls.length}`);
  };
  return { calls, attempt };
}

describe('Reconnector', () => {
  it('retries after 1 s, 2 s, 4 s … and stops retrying once connected', async () => {
    const { calls, attempt } = flaky(3);
    const delays: number[] = [];
    const reconnector = new Reconnector(attempt, {
      initialMs: 1000,
      maxMs: 60_000,
      onFailure: (_, delay) => delays.push(delay),
    });
    const start = Date.now();
    await reconnector.run();
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(4000);
    expect(calls.map((t) => t - start)).toEqual([0, 1000, 3000, 7000]);
    expect(delays).toEqual([1000, 2000, 4000]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('caps the delay at maxMs and starts over from initialMs after a success', async () => {
    const reconnector = new Reconnector(async () => {}, { initialMs: 1000, maxMs: 5000 });
    expect([1, 2, 3, 4, 10].map((n) => reconnector.delayAfter(n))).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    const { calls, attempt } = flaky(1);
    const again = new Reconnector(attempt, { initialMs: 1000, maxMs: 5000 });
    await again.run();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(2);
    await again.run(); // lost after the success: tries at once
    expect(calls).toHaveLength(3);
  });

  it('stops scheduling once stopped', async () => {
    const { calls, attempt } = flaky(100);
    const reconnector = new Reconnector(attempt, { initialMs: 1000, maxMs: 5000 });
    await reconnector.run();
    expect(reconnector.nextTryAt).toBe(Date.now() + 1000);
    reconnector.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });
});
