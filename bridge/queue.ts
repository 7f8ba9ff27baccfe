/**
 * The async queue between the inbox and the router: items of one conversation run
 * strictly in order, different conversations run in parallel up to `concurrency`,
 * and at most `capacity` items wait in memory. `push` resolves only when there is
 * room, which is the backpressure adapters feel (they stop reading while they wait).
 *
 * @example
 * ```ts
 * const q = new ConversationQueue<Job>({ concurrency: 8, capacity: 1000 }, job => run(job))
 * await q.push('telegram:1:42', job)   // waits while 1000 items are queued
 * await q.drain()                     // resolves when nothing waits or runs
 * ```
 */

export interface QueueOptions {
  /** Conversations handled at the same time. */
  concurrency: number;
  /** Items allowed to wait in memory before `push` blocks. */
  capacity: number;
}

export class ConversationQueue<T> {
  private readonly lanes = new Map<string, T[]>();
  private readonly ready: string[] = [];
  private readonly running = new Set<string>();
  private readonly spaceWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private waiting = 0;
  private stopped = false;

  constructor(
    private readonly options: QueueOptions,
    private readonly handler: (item: T, key: string) => Promise<void>,
    private readonly onError: (error: unknown, key: string) => void = () => {},
  ) {}

  /** Items waiting (not yet running). */
  get depth(): number {
    return this.waiting;
  }

  /** Conversations being handled right now. */
  get active(): number {
    return this.running.size;
  }

  /** Enqueues `item` for conversation `key`; resolves once it fits in `capacity`. */
  async push(key: string, item: T): Promise<void> {
    while (this.waiting >= this.options.capacity) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    const lane = this.lanes.get(key);
    if (lane) lane.push(item);
    else {
      this.lanes.set(key, [item]);
      if (!this.running.has(key)) this.ready.push(key);
    }
    this.waiting++;
    this.pump();
  }

  /**
   * Removes and returns the items waiting in `key`'s lane from its front, while
   * `take` accepts them (a starting turn collecting what arrived before it).
   */
  takeWaiting(key: string, take: (item: T) => boolean): T[] {
    const lane = this.lanes.get(key);
    const taken: T[] = [];
    while (lane && lane.length > 0 && take(lane[0]!)) taken.push(lane.shift()!);
    if (lane?.length === 0) this.dropLane(key);
    this.waiting -= taken.length;
    for (const _ of taken) this.spaceWaiters.shift()?.();
    return taken;
  }

  /**
   * Puts `item` back at the front of `key`'s lane, to run next; called by the handler
   * of `key`'s running item (an interrupted turn), so the lane continues with it.
   */
  requeueFront(key: string, item: T): void {
    const lane = this.lanes.get(key);
    if (lane) lane.unshift(item);
    else {
      this.lanes.set(key, [item]);
      if (!this.running.has(key)) this.ready.push(key);
    }
    this.waiting++;
    this.pump();
  }

  /** Resolves when no item waits or runs. */
  drain(): Promise<void> {
    if (this.waiting === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops starting new items; running ones finish. */
  stop(): void {
    this.stopped = true;
  }

  private dropLane(key: string): void {
    this.lanes.delete(key);
    const ready = this.ready.indexOf(key);
    if (ready >= 0) this.ready.splice(ready, 1);
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.options.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      void this.runLane(key);
    }
  }

  private async runLane(key: string): Promise<void> {
    const lane = this.lanes.get(key)!;
    const item = lane.shift()!;
    if (lane.length === 0) this.lanes.delete(key);
    this.waiting--;
    this.running.add(key);
    this.spaceWaiters.shift()?.();
    try {
      await this.handler(item, key);
    } catch (error) {
      this.onError(error, key);
    } finally {
      this.running.delete(key);
      if (this.lanes.has(key)) this.ready.push(key);
      this.pump();
      if (this.waiting === 0 && this.running.size === 0) {
        for (const resolve of this.idleWaiters.splice(0)) resolve();
      }
    }
  }
}
