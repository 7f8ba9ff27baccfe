/**
 * The SQLite {@link WebOutboxStore}: web chat messages kept for their browser client.
 * Every reply is stored before it is pushed, and a client that reconnects (after a
 * reload, a network blip or a Parley restart) asks for everything after the last
 * sequence number it saw. Sequence numbers come from an AUTOINCREMENT key, so they
 * never go back, also after every row was pruned. The only writer of `web_outbox`.
 *
 * Rows map to records (and back) in `sessions/rows/web-outbox.ts`, shared with the Postgres
 * store; this file holds the SQL and the driver calls.
 */
import type { WebOutboxItem, WebOutboxStore } from '../../core/stores.js';
import { insertSql } from '../rows/sql.js';
import { type OutboxRow, outboxColumns, toOutboxItem } from '../rows/web-outbox.js';
import { type Db, placeholder, prepared } from './db.js';

const INSERT_ITEM = insertSql('web_outbox', outboxColumns, placeholder);

/** Inserts one outbox row on `db` (inside the caller's transaction, if any). */
export function insertOutboxItem(
  db: Db,
  clientId: string,
  payload: WebOutboxItem['payload'],
): WebOutboxItem {
  const item = { clientId, payload, createdAt: Date.now() };
  const result = prepared(db, INSERT_ITEM).run(...outboxColumns.values(item));
  return { seq: Number(result.lastInsertRowid), ...item };
}

export class SqliteWebOutbox implements WebOutboxStore {
  constructor(private readonly db: Db) {}

  async add(clientId: string, payload: WebOutboxItem['payload']): Promise<WebOutboxItem> {
    return insertOutboxItem(this.db, clientId, payload);
  }

  async since(clientId: string, seq: number, limit = 500): Promise<WebOutboxItem[]> {
    const rows = prepared(
      this.db,
      'SELECT * FROM web_outbox WHERE client_id = ? AND id > ? ORDER BY id LIMIT ?',
    ).all(clientId, seq, limit) as OutboxRow[];
    return rows.map(toOutboxItem);
  }

  /** Drops messages older than `maxAgeMs`. */
  async prune(maxAgeMs: number): Promise<number> {
    return prepared(this.db, 'DELETE FROM web_outbox WHERE created_at < ?').run(
      Date.now() - maxAgeMs,
    ).changes;
  }

  async forget(clientId: string): Promise<number> {
    return prepared(this.db, 'DELETE FROM web_outbox WHERE client_id = ?').run(clientId).changes;
  }
}
