/**
 * The fair sandbox limiter: at most `limit` containers run at once, and at most
 * `perKey` of them for one key (one conversation's workspace). Waiting calls are
 * grouped by key and served round-robin, so a conversation firing four 30-second
 * calls gets its share while other conversations' calls still start as soon as a
 * slot frees. `active`, `waiting` and `peak` feed logs, metrics and tests.
 *
 * @example
 * ```ts
 * const limiter = new Limiter(4, 2)
 * await limiter.run(workspace, () => sandbox.runNow(request))
 * ```
 */
export class Limiter {
  private running = 0;
  private readonly runningByKey = new Map<string, number>();
  /** Waiting calls per key; Map order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();
  /** Highest number of simultaneous holders seen (for tests and the admin page). */
  peak = 0;

  constructor(
    readonly limit: number,
    readonly perKey: number = limit,
  ) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.length;
    return count;
  }

  /** Runs `task` once a slot is free for `key`; the slot is released whatever happens. */
  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await task();
    } finally {
      this.release(key);
    }
  }

  private acquire(key: string): Promise<void> {
    if (!this.queues.has(key) && this.free(key)) {
      this.take(key);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.queues.get(key) ?? [];
      queue.push(resolve);
      this.queues.set(key, queue);
    });
  }

  private free(key: string): boolean {
    return this.running < this.limit && (this.runningByKey.get(key) ?? 0) < this.perKey;
  }

  private take(key: string): void {
    this.running++;
    this.runningByKey.set(key, (this.runningByKey.get(key) ?? 0) + 1);
    this.peak = Math.max(this.peak, this.running);
  }

  private release(key: string): void {
    this.running--;
    const left = (this.runningByKey.get(key) ?? 1) - 1;
    if (left) this.runningByKey.set(key, left);
    else this.runningByKey.delete(key);
    this.dispatch();
  }

  /** Starts waiting calls while slots are free, one key at a time in turn. */
  private dispatch(): void {
    for (const [key, queue] of this.queues) {
      if (this.running >= this.limit) return;
      if (!this.free(key)) continue;
      const next = queue.shift()!;
      this.queues.delete(key);
      if (queue.length) this.queues.set(key, queue); // to the back of the round
      this.take(key);
      next();
    }
  }
}
