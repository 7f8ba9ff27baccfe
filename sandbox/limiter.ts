/**
 * A counting semaphore: at most `limit` sandbox containers run at once; further
 * calls wait in FIFO order. `active` and `waiting` feed logs, metrics and tests.
 */
export class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Highest number of simultaneous holders seen (for tests and the admin page). */
  peak = 0;

  constructor(readonly limit: number) {}

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `task` once a slot is free; the slot is released whatever happens. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.take();
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.queue.push(() => {
        this.take();
        resolve();
      }),
    );
  }

  private take(): void {
    this.running++;
    this.peak = Math.max(this.peak, this.running);
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.();
  }
}
