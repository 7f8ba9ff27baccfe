/** The `meta` key/value table (web token, channel cursors): the SQLite {@link MetaStore}. */
import type { MetaStore } from '../stores.js';
import { type Db, prepared } from './db.js';

export class SqliteMetaStore implements MetaStore {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | undefined> {
    const row = prepared(this.db, 'SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    prepared(
      this.db,
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }
}
