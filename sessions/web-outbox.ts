/**
 * Web chat messages kept for their browser client: every reply is stored before it
 * is pushed, and a client that reconnects (after a reload, a network blip or a
 * Parley restart) asks for everything after the last sequence number it saw. The
 * only writer of `web_outbox`.
 */
import type { WebOutboxItem, WebOutboxStore } from '../core/stores.js';
import { type Db, prepared } from './db.js';

export class WebOutbox implements WebOutboxStore {
  constructor(private readonly db: Db) {}

  add(clientId: string, payload: WebOutboxItem['payload']): WebOutboxItem {
    const createdAt = Date.now();
    const result = prepared(
      this.db,
      'INSERT INTO web_outbox (client_id, payload, created_at) VALUES (?, ?, ?)',
    ).run(clientId, JSON.stringify(payload), createdAt);
    return { seq: Number(result.lastInsertRowid), clientId, payload, createdAt };
  }

  since(clientId: string, seq: number, limit = 500): WebOutboxItem[] {
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
  prune(maxAgeMs: number): number {
    return prepared(this.db, 'DELETE FROM web_outbox WHERE created_at < ?').run(
      Date.now() - maxAgeMs,
    ).changes;
  }
}
