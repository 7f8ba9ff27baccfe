/**
 * The `meta` key/value table (web token, channel cursors, per-conversation queue mode
 * and model): the SQLite {@link MetaStore}. Every inbound message reads its
 * conversation's queue mode and model, so values are cached: one process holds the
 * data folder (lock.ts) and writes through this store, so the cache cannot go stale.
 * Misses are cached too, as `null` (most conversations never choose either).
 */
import { BoundedCache } from '../../core/bounded-cache.js';
import type { MetaStore } from '../stores.js';
import { type Db, prepared } from './db.js';

export class SqliteMetaStore implements MetaStore {
  private readonly cache = new BoundedCache<string | null>(4096);

  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | undefined> {
    let value = this.cache.get(key);
    if (value === undefined) {
      const row = prepared(this.db, 'SELECT value FROM meta WHERE key = ?').get(key) as
        | { value: string }
        | undefined;
      value = row?.value ?? null;
      this.cache.set(key, value);
    }
    return value ?? undefined;
  }

  async set(key: string, value: string): Promise<void> {
    prepared(
      this.db,
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
    this.cache.set(key, value);
  }
}
