/**
 * The SQLite {@link AccessStore}: the allowlist and pending pairing requests. The
 * only writer of `allowlist` and `pairing_requests`; the policy is agent/access.ts.
 *
 * Rows map to records (and back) in `sessions/rows/access.ts`, shared with the Postgres
 * store; this file holds the SQL and the driver calls.
 */
import { normalizeCode } from '../codes.js';
import type { PairingRequest } from '../records.js';
import { newRequest, type PairingRow, requestColumns, toRequest } from '../rows/access.js';
import { insertSql } from '../rows/sql.js';
import type { AccessStore } from '../stores.js';
import { type Db, placeholder, prepared } from './db.js';

const INSERT_REQUEST = insertSql('pairing_requests', requestColumns, placeholder);

export class SqliteAccessStore implements AccessStore {
  constructor(private readonly db: Db) {}

  async isAllowed(channel: string, senderId: string): Promise<boolean> {
    return (
      prepared(this.db, 'SELECT 1 FROM allowlist WHERE channel = ? AND sender_id = ?').get(
        channel,
        senderId,
      ) !== undefined
    );
  }

  async allow(channel: string, senderId: string): Promise<void> {
    this.insertAllowed(channel, senderId);
  }

  private insertAllowed(channel: string, senderId: string): void {
    prepared(
      this.db,
      'INSERT INTO allowlist (channel, sender_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(channel, senderId, Date.now());
  }

  async revoke(channel: string, senderId: string): Promise<boolean> {
    return (
      prepared(this.db, 'DELETE FROM allowlist WHERE channel = ? AND sender_id = ?').run(
        channel,
        senderId,
      ).changes > 0
    );
  }

  /** The sender's pending request, or a new one valid for `ttlMs`. */
  async requestPairing(
    channel: string,
    senderId: string,
    senderName: string | undefined,
    ttlMs: number,
  ): Promise<PairingRequest> {
    const now = Date.now();
    const existing = prepared(
      this.db,
      `SELECT * FROM pairing_requests WHERE channel = ? AND sender_id = ? AND status = 'pending' AND expires_at > ?`,
    ).get(channel, senderId, now) as PairingRow | undefined;
    if (existing) return toRequest(existing);
    const request = newRequest({ channel, senderId, senderName }, now, ttlMs);
    prepared(this.db, INSERT_REQUEST).run(...requestColumns.values(request));
    return request;
  }

  async pending(): Promise<PairingRequest[]> {
    const rows = prepared(
      this.db,
      `SELECT * FROM pairing_requests WHERE status = 'pending' AND expires_at > ? ORDER BY created_at`,
    ).all(Date.now()) as PairingRow[];
    return rows.map(toRequest);
  }

  /** Approves a pending code: its sender joins the allowlist. Undefined when unknown or expired. */
  async approve(code: string): Promise<PairingRequest | undefined> {
    return this.db.transaction(() => {
      const row = prepared(
        this.db,
        `SELECT * FROM pairing_requests WHERE code = ? AND status = 'pending' AND expires_at > ?`,
      ).get(normalizeCode(code), Date.now()) as PairingRow | undefined;
      if (!row) return undefined;
      prepared(this.db, `UPDATE pairing_requests SET status = 'approved' WHERE code = ?`).run(
        row.code,
      );
      this.insertAllowed(row.channel, row.sender_id);
      return { ...toRequest(row), status: 'approved' as const };
    })();
  }

  /** Rejects a pending code (it is marked expired). */
  async reject(code: string): Promise<boolean> {
    return (
      prepared(
        this.db,
        `UPDATE pairing_requests SET status = 'expired' WHERE code = ? AND status = 'pending'`,
      ).run(normalizeCode(code)).changes > 0
    );
  }
}
