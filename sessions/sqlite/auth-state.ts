/**
 * Channel credentials kept in SQLite (e.g. WhatsApp creds and Signal keys): the
 * SQLite {@link AuthStateStore}, a namespaced key/value table with transactional
 * batch writes. Values are strings; callers serialise (Baileys' BufferJSON for
 * WhatsApp). The only writer of `auth_state`.
 */
import type { AuthStateStore } from '../../core/stores.js';
import { type Db, prepared } from './db.js';

export class SqliteAuthStateStore implements AuthStateStore {
  constructor(
    private readonly db: Db,
    readonly namespace: string,
  ) {}

  get(key: string): string | undefined {
    const row = prepared(
      this.db,
      'SELECT value FROM auth_state WHERE namespace = ? AND key = ?',
    ).get(this.namespace, key) as { value: string } | undefined;
    return row?.value;
  }

  /** Writes and deletes (value `null`) in one transaction. */
  write(entries: Iterable<[key: string, value: string | null]>): void {
    const upsert = prepared(
      this.db,
      'INSERT INTO auth_state (namespace, key, value) VALUES (?, ?, ?) ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value',
    );
    const remove = prepared(this.db, 'DELETE FROM auth_state WHERE namespace = ? AND key = ?');
    this.db.transaction(() => {
      for (const [key, value] of entries) {
        if (value === null) remove.run(this.namespace, key);
        else upsert.run(this.namespace, key, value);
      }
    })();
  }

  /** Deletes every key of the namespace (e.g. after a WhatsApp logout). */
  clear(): number {
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
