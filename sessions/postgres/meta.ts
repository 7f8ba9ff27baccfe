/** The `meta` key/value table (web token, channel cursors): the Postgres {@link MetaStore}. */
import type pg from 'pg';
import type { MetaStore } from '../stores.js';
import { one } from './db.js';

export class PostgresMetaStore implements MetaStore {
  constructor(private readonly pool: pg.Pool) {}

  async get(key: string): Promise<string | undefined> {
    return (await one<{ value: string }>(this.pool, 'SELECT value FROM meta WHERE key = $1', [key]))
      ?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }
}
