/**
 * A small bounded cache (least recently used, optional time to live) for the two
 * lookups Baileys asks the channel for: `getMessage` (recently sent messages, needed
 * when a recipient's phone asks for a retry) and `cachedGroupMetadata` (uncached
 * `groupMetadata` calls run into `rate-overlimit`).
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
    if (entry.expires <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expires: Date.now() + this.ttlMs });
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
