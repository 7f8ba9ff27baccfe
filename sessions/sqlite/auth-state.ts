/**
 * Channel state kept in SQLite (WhatsApp creds and Signal keys, the web chat's
 * conversation list): the SQLite {@link AuthStateStore}, a namespaced key/value
 * table with transactional batch writes. Values are strings; callers serialise
 * (Baileys' BufferJSON for WhatsApp). The only writer of `auth_state`.
 *
 * Small values and misses are cached (the web chat reads its conversation's entry on
 * every message): one process holds the data folder (lock.ts), `index.ts` makes one
 * store per namespace, and every write goes through it, so the cache cannot go stale.
 */
import { BoundedCache } from '../../core/bounded-cache.js';
import type { AuthStateStore } from '../../core/stores.js';
import { type Db, prepared } from './db.js';

/** Longer values (Signal sessions, WhatsApp creds) are read from the table each time. */
const CACHED_CHARS = 1024;

export class SqliteAuthStateStore implements AuthStateStore {
  private readonly cache = new BoundedCache<string | null>(1024);

  constructor(
    private readonly db: Db,
    readonly namespace: string,
  ) {}

  get(key: string): string | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const row = prepared(
      this.db,
      'SELECT value FROM auth_state WHERE namespace = ? AND key = ?',
    ).get(this.namespace, key) as { value: string } | undefined;
    this.remember(key, row?.value ?? null);
    return row?.value;
  }

  private remember(key: string, value: string | null): void {
    if (value === null || value.length <= CACHED_CHARS) this.cache.set(key, value);
    else this.cache.delete(key);
  }

  /** Writes and deletes (value `null`) in one transaction. */
  write(entries: Iterable<[key: string, value: string | null]>): void {
    const upsert = prepared(
      this.db,
      'INSERT INTO auth_state (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value',
    );
    const remove = prepared(this.db, 'DELETE FROM auth_state WHERE namespace = ? AND key = ?');
    const written: [string, string | null][] = [];
    this.db.transaction(() => {
      for (const [key, value] of entries) {
        if (value === null) remove.run(this.namespace, key);
        else upsert.run(this.namespace, key, value);
        written.push([key, value]);
      }
    })();
    for (const [key, value] of written) this.remember(key, value);
  }

  /** Deletes every key of the namespace (e.g. after a WhatsApp logout). */
  clear(): number {
    this.cache.clear();
    return prepared(this.db, 'DELETE FROM auth_state WHERE namespace = ?').run(this.namespace)
      .changes;
  }

  size(): number {
    return (
      prepared(this.db, 'SELECT COUNT(*) AS n FROM auth_state WHERE namespace = ?').get(
        this.namespace,
      ) as { n: number }
    ).n;
  }
}
