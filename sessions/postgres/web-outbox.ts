/**
 * The Postgres {@link WebOutboxStore}: web chat messages kept for their browser
 * client, replayed after a reconnect from the last sequence number it saw. Sequence
 * numbers come from an identity column, so they never go back, also after every row
 * was pruned. The only writer of `web_outbox`.
 *
 * Rows map to records (and back) in `sessions/rows/web-outbox.ts`, shared with the SQLite
 * store; this file holds the SQL and the driver calls.
 */
import type pg from 'pg';
import type { WebOutboxItem, WebOutboxStore } from '../../core/stores.js';
import { insertSql } from '../rows/sql.js';
import { type OutboxRow, outboxColumns, toOutboxItem } from '../rows/web-outbox.js';
import { all, changes, one, placeholder, type Queryable } from './db.js';

const INSERT_ITEM = `${insertSql('web_outbox', outboxColumns, placeholder)} RETURNING id`;

/** Inserts one outbox row on `db` (inside the caller's transaction, if any). */
export async function insertOutboxItem(
  db: Queryable,
  clientId: string,
  payload: WebOutboxItem['payload'],
): Promise<WebOutboxItem> {
  const item = { clientId, payload, createdAt: Date.now() };
  const row = await one<{ id: number }>(db, INSERT_ITEM, outboxColumns.values(item));
  return { seq: row!.id, ...item };
}

export class PostgresWebOutbox implements WebOutboxStore {
  constructor(private readonly pool: pg.Pool) {}

  async add(clientId: string, payload: WebOutboxItem['payload']): Promise<WebOutboxItem> {
    return insertOutboxItem(this.pool, clientId, payload);
  }

  async since(clientId: string, seq: number, limit = 500): Promise<WebOutboxItem[]> {
    const rows = await all<OutboxRow>(
      this.pool,
      'SELECT * FROM web_outbox WHERE client_id = $1 AND id > $2 ORDER BY id LIMIT $3',
      [clientId, seq, limit],
    );
    return rows.map(toOutboxItem);
  }

  async prune(maxAgeMs: number): Promise<number> {
    return changes(this.pool, 'DELETE FROM web_outbox WHERE created_at < $1', [
      Date.now() - maxAgeMs,
    ]);
  }

  async forget(clientId: string): Promise<number> {
    return changes(this.pool, 'DELETE FROM web_outbox WHERE client_id = $1', [clientId]);
  }
}
