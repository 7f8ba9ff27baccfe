/**
 * A small bounded cache: least recently used first out, optional time to live. It
 * serves the lookups a platform would rate-limit (WhatsApp's `getMessage` and group
 * metadata, Slack's user names and threads) and the reads every message repeats
 * (SQLite meta values, memory scope tokens).
 *
 * @example
 * ```ts
 * const sent = new BoundedCache<proto.IMessage>(500)
 * sent.set(key.id, message)
 * sent.get(key.id)
 * ```
 */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly max: number,
    private readonly ttlMs = Number.POSITIVE_INFINITY,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    // Without a time to live there is no clock to read (most caches: every message reads them).
    if (entry.expires !== Number.POSITIVE_INFINITY && entry.expires <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    const expires = this.ttlMs === Number.POSITIVE_INFINITY ? this.ttlMs : Date.now() + this.ttlMs;
    this.entries.set(key, { value, expires });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
