/**
 * The SQLite {@link WebOutboxStore}: web chat messages kept for their browser client.
 * Every reply is stored before it is pushed, and a client that reconnects (after a
 * reload, a network blip or a Parley restart) asks for everything after the last
 * sequence number it saw. Sequence numbers come from an AUTOINCREMENT key, so they
 * never go back, also after every row was pruned. The only writer of `web_outbox`.
 */
import type { WebOutboxItem, WebOutboxStore } from '../../core/stores.js';
import { type Db, prepared } from './db.js';

/** Inserts one outbox row on `db` (inside the caller's transaction, if any). */
export function insertOutboxItem(
  db: Db,
  clientId: string,
  payload: WebOutboxItem['payload'],
): WebOutboxItem {
  const createdAt = Date.now();
  const result = prepared(
    db,
    'INSERT INTO web_outbox (client_id, payload, created_at) VALUES (?, ?, ?)',
  ).run(clientId, JSON.stringify(payload), createdAt);
  return { seq: Number(result.lastInsertRowid), clientId, payload, createdAt };
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
    ).all(clientId, seq, limit) as {
      id: number;
      client_id: string;
      payload: string;
      created_at: number;
    }[];
    return rows.map((row) => ({
      seq: row.id,
      clientId: row.client_id,
      payload: JSON.parse(row.payload) as WebOutboxItem['payload'],
      createdAt: row.created_at,
    }));
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
