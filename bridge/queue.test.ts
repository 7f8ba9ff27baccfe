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

  it('lets a running item take the waiting items of its lane, and frees their room', async () => {
    const ran: string[][] = [];
    let release!: () => void;
    const queue: ConversationQueue<string> = new ConversationQueue<string>(
      { concurrency: 1, capacity: 2 },
      async (item) => {
        if (item === 'a1') await new Promise<void>((resolve) => (release = resolve));
        ran.push([item, ...queue.takeWaiting('a', (next) => next.startsWith('a'))]);
      },
    );
    await queue.push('a', 'a1');
    await tick();
    await queue.push('a', 'a2');
    await queue.push('a', 'a3');
    let pushed = false;
    const fourth = queue.push('b', 'b1').then(() => (pushed = true));
    await tick();
    expect([pushed, queue.depth]).toEqual([false, 2]);
    release();
    await fourth;
    await queue.drain();
    expect(ran).toEqual([['a1', 'a2', 'a3'], ['b1']]);
    expect(queue.depth).toBe(0);
  });

  it('runs an item put back at the front of its lane before the ones waiting there', async () => {
    const ran: string[] = [];
    let again = true;
    const queue: ConversationQueue<string> = new ConversationQueue<string>(
      { concurrency: 2, capacity: 10 },
      async (item) => {
        ran.push(item);
        await tick();
        if (item === 'x' && again) {
          again = false;
          queue.requeueFront('k', 'x');
        }
      },
    );
    await queue.push('k', 'x');
    await queue.push('k', 'y');
    await queue.drain();
    expect(ran).toEqual(['x', 'x', 'y']);
  });
});
