/**
 * Debounce per conversation: rows accepted in a burst wait until `ms` pass without a
 * new one in their conversation, then go to the queue together as one batch (one
 * turn). Sits between `Bridge.accept` and the {@link ConversationQueue}; with
 * `debounceMs: 0` the bridge skips it, so a lone message is not delayed.
 *
 * @example
 * ```ts
 * const d = new Debouncer<Row>((key, rows) => queue.push(key, rows))
 * d.add('telegram:bot:42', row, 500)   // each add restarts the conversation's 500 ms
 * ```
 */

interface Burst<T> {
  items: T[];
  timer: NodeJS.Timeout;
}

export class Debouncer<T> {
  private readonly bursts = new Map<string, Burst<T>>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly flush: (key: string, items: T[]) => void) {}

  /** Items waiting for their burst to end. */
  get size(): number {
    let count = 0;
    for (const burst of this.bursts.values()) count += burst.items.length;
    return count;
  }

  /** Adds `item` to `key`'s burst and restarts its quiet period of `ms`. */
  add(key: string, item: T, ms: number): void {
    const burst = this.bursts.get(key);
    if (burst) clearTimeout(burst.timer);
    const items = burst ? [...burst.items, item] : [item];
    this.bursts.set(key, { items, timer: setTimeout(() => this.end(key), ms) });
  }

  /** Ends `key`'s burst now (a message that must not overtake it arrived). */
  end(key: string): void {
    const burst = this.bursts.get(key);
    if (!burst) return;
    clearTimeout(burst.timer);
    this.bursts.delete(key);
    this.flush(key, burst.items);
    if (this.bursts.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Drops every burst without flushing (shutdown: their rows stay in the inbox). */
  clear(): void {
    for (const burst of this.bursts.values()) clearTimeout(burst.timer);
    this.bursts.clear();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves when no burst waits. */
  idle(): Promise<void> {
    if (this.bursts.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
