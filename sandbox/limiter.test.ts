/**
 * The fair limiter with deferred tasks (no timers): one conversation cannot hold
 * every slot, waiting conversations take turns, and slots are released on failure.
 */
import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Starts a call of `key` that runs until its deferred is settled; records start order. */
function call(limiter: Limiter, key: string, started: string[]) {
  const gate = deferred();
  const done = limiter.run(key, async () => {
    started.push(key);
    await gate.promise;
  });
  return { ...gate, done };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('fair sandbox limiter', () => {
  it("caps one conversation at its share, so another conversation's call starts at once", async () => {
    const limiter = new Limiter(4, 2);
    const started: string[] = [];
    const hog = [1, 2, 3, 4].map(() => call(limiter, 'a', started));
    const other = call(limiter, 'b', started);
    await tick();
    expect(started).toEqual(['a', 'a', 'b']);
    expect(limiter.active).toBe(3);
    expect(limiter.waiting).toBe(2);
    hog[0]!.resolve();
    await tick();
    expect(started).toEqual(['a', 'a', 'b', 'a']);
    for (const c of [...hog, other]) c.resolve();
    await Promise.all([...hog, other].map((c) => c.done));
    expect(limiter.active).toBe(0);
    expect(limiter.peak).toBe(3);
  });

  it('serves waiting conversations round-robin, not first come first served', async () => {
    const limiter = new Limiter(1, 1);
    const started: string[] = [];
    const first = call(limiter, 'a', started);
    const queued = [call(limiter, 'a', started), call(limiter, 'a', started)];
    const b = call(limiter, 'b', started);
    const c = call(limiter, 'c', started);
    const all = [first, ...queued, b, c];
    const startOrder = [first, queued[0]!, b, c, queued[1]!];
    for (const running of startOrder) {
      await tick();
      running.resolve(); // one slot: the call that started last is the one running
      await running.done;
    }
    await Promise.all(all.map((x) => x.done));
    expect(started).toEqual(['a', 'a', 'b', 'c', 'a']);
  });

  it('releases the slot when a task fails', async () => {
    const limiter = new Limiter(1, 1);
    const started: string[] = [];
    const failing = call(limiter, 'a', started);
    const next = call(limiter, 'a', started);
    failing.reject(new Error('boom'));
    await expect(failing.done).rejects.toThrow('boom');
    await tick();
    expect(started).toEqual(['a', 'a']);
    next.resolve();
    await next.done;
    expect(limiter.active).toBe(0);
  });
});
