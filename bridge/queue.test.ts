import { describe, expect, it } from 'vitest';
import { ConversationQueue } from './queue.js';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ConversationQueue', () => {
  it('runs one conversation in order and conversations in parallel up to the limit', async () => {
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const queue = new ConversationQueue<string>({ concurrency: 3, capacity: 100 }, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await tick(Math.random() * 5);
      log.push(item);
      running--;
    });
    for (let i = 0; i < 10; i++)
      for (const key of ['a', 'b', 'c', 'd', 'e']) await queue.push(key, `${key}${i}`);
    await queue.drain();
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      expect(log.filter((item) => item.startsWith(key))).toEqual(
        Array.from({ length: 10 }, (_, i) => `${key}${i}`),
      );
    }
    expect(peak).toBe(3);
  });

  it('applies backpressure: push waits while capacity items are queued', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const queue = new ConversationQueue<number>({ concurrency: 1, capacity: 2 }, async () => gate);
    await queue.push('k', 1); // starts running
    await queue.push('k', 2);
    await queue.push('k', 3); // queue now holds 2
    let pushed = false;
    const fourth = queue.push('k', 4).then(() => (pushed = true));
    await tick(20);
    expect(pushed).toBe(false);
    expect(queue.depth).toBe(2);
    release();
    await fourth;
    expect(pushed).toBe(true);
    await queue.drain();
  });

  it('keeps going after a handler throws', async () => {
    const errors: unknown[] = [];
    const done: number[] = [];
    const queue = new ConversationQueue<number>(
      { concurrency: 2, capacity: 10 },
      async (n) => {
        if (n === 1) throw new Error('boom');
        done.push(n);
      },
      (error) => errors.push(error),
    );
    await queue.push('k', 1);
    await queue.push('k', 2);
    await queue.drain();
    expect(done).toEqual([2]);
    expect(errors).toHaveLength(1);
  });
});
