import { afterEach, describe, expect, it, vi } from 'vitest';
import { BoundedCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  afterEach(() => vi.useRealTimers());

  it('drops the least recently used key past its size', () => {
    const cache = new BoundedCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the newest
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.size]).toEqual([1, 3, 2]);
  });

  it('forgets a value once its time to live is over', () => {
    vi.useFakeTimers();
    const cache = new BoundedCache<string | null>(10, 1000);
    cache.set('miss', null);
    vi.advanceTimersByTime(999);
    expect(cache.get('miss')).toBeNull();
    vi.advanceTimersByTime(1);
    expect(cache.get('miss')).toBeUndefined();
  });
});
