/**
 * The Postgres {@link AccessStore}: the allowlist and pending pairing requests. The
 * only writer of `allowlist` and `pairing_requests`; the policy is agent/access.ts.
 *
 * Rows map to records (and back) in `sessions/rows/access.ts`, shared with the SQLite
 * store; this file holds the SQL and the driver calls.
 */
import type pg from 'pg';
import { normalizeCode } from '../codes.js';
import type { PairingRequest } from '../records.js';
import { newRequest, type PairingRow, requestColumns, toRequest } from '../rows/access.js';
import { insertSql } from '../rows/sql.js';
import type { AccessStore } from '../stores.js';
import { all, changes, one, placeholder, type Queryable, transaction } from './db.js';

const INSERT_REQUEST = insertSql('pairing_requests', requestColumns, placeholder);

const insertAllowed = (db: Queryable, channel: string, senderId: string) =>
  db.query(
    'INSERT INTO allowlist (channel, sender_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [channel, senderId, Date.now()],
  );

export class PostgresAccessStore implements AccessStore {
  constructor(private readonly pool: pg.Pool) {}

  async isAllowed(channel: string, senderId: string): Promise<boolean> {
    const sql = 'SELECT 1 FROM allowlist WHERE channel = $1 AND sender_id = $2';
    return (await one(this.pool, sql, [channel, senderId])) !== undefined;
  }

  async allow(channel: string, senderId: string): Promise<void> {
    await insertAllowed(this.pool, channel, senderId);
  }

  async revoke(channel: string, senderId: string): Promise<boolean> {
    const sql = 'DELETE FROM allowlist WHERE channel = $1 AND sender_id = $2';
    return (await changes(this.pool, sql, [channel, senderId])) > 0;
  }

  /** The sender's pending request, or a new one valid for `ttlMs` (one per sender, also across nodes). */
  async requestPairing(
    channel: string,
    senderId: string,
    senderName: string | undefined,
    ttlMs: number,
  ): Promise<PairingRequest> {
    return transaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `pairing:${channel}:${senderId}`,
      ]);
      const now = Date.now();
      const existing = await one<PairingRow>(
        tx,
        `SELECT * FROM pairing_requests WHERE channel = $1 AND sender_id = $2 AND status = 'pending' AND expires_at > $3`,
        [channel, senderId, now],
      );
      if (existing) return toRequest(existing);
      const request = newRequest({ channel, senderId, senderName }, now, ttlMs);
      await tx.query(INSERT_REQUEST, requestColumns.values(request));
      return request;
    });
  }

  async pending(): Promise<PairingRequest[]> {
    const rows = await all<PairingRow>(
      this.pool,
      `SELECT * FROM pairing_requests WHERE status = 'pending' AND expires_at > $1 ORDER BY created_at, code`,
      [Date.now()],
    );
    return rows.map(toRequest);
  }

  async approve(code: string): Promise<PairingRequest | undefined> {
    return transaction(this.pool, async (tx) => {
      const row = await one<PairingRow>(
        tx,
        `UPDATE pairing_requests SET status = 'approved' WHERE code = $1 AND status = 'pending' AND expires_at > $2 RETURNING *`,
        [normalizeCode(code), Date.now()],
      );
      if (!row) return undefined;
      await insertAllowed(tx, row.channel, row.sender_id);
      return toRequest(row);
    });
  }

  async reject(code: string): Promise<boolean> {
    const sql = `UPDATE pairing_requests SET status = 'expired' WHERE code = $1 AND status = 'pending'`;
    return (await changes(this.pool, sql, [normalizeCode(code)])) > 0;
  }
}
