/**
 * Who may talk to the agent: the allowlist and pending pairing requests. The only
 * writer of `allowlist` and `pairing_requests`. The policy itself is agent/access.ts.
 */
import { randomInt } from 'node:crypto';
import { type Db, prepared } from './db.js';

export interface PairingRequest {
  code: string;
  channel: string;
  senderId: string;
  senderName: string | undefined;
  status: 'pending' | 'approved' | 'expired';
  createdAt: number;
  expiresAt: number;
}

interface PairingRow {
  code: string;
  channel: string;
  sender_id: string;
  sender_name: string | null;
  status: PairingRequest['status'];
  created_at: number;
  expires_at: number;
}

const toRequest = (row: PairingRow): PairingRequest => ({
  code: row.code,
  channel: row.channel,
  senderId: row.sender_id,
  senderName: row.sender_name ?? undefined,
  status: row.status,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/** Unambiguous characters (no 0/O, 1/I/L) for codes people read aloud. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function newCode(length = 8): string {
  let code = '';
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

export class AccessStore {
  constructor(private readonly db: Db) {}

  isAllowed(channel: string, senderId: string): boolean {
    return (
      prepared(this.db, 'SELECT 1 FROM allowlist WHERE channel = ? AND sender_id = ?').get(
        channel,
        senderId,
      ) !== undefined
    );
  }

  allow(channel: string, senderId: string): void {
    prepared(
      this.db,
      'INSERT INTO allowlist (channel, sender_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(channel, senderId, Date.now());
  }

  revoke(channel: string, senderId: string): boolean {
    return (
      prepared(this.db, 'DELETE FROM allowlist WHERE channel = ? AND sender_id = ?').run(
        channel,
        senderId,
      ).changes > 0
    );
  }

  /** The sender's pending request, or a new one valid for `ttlMs`. */
  requestPairing(
    channel: string,
    senderId: string,
    senderName: string | undefined,
    ttlMs: number,
  ): PairingRequest {
    const now = Date.now();
    const existing = prepared(
      this.db,
      `SELECT * FROM pairing_requests WHERE channel = ? AND sender_id = ? AND status = 'pending' AND expires_at > ?`,
    ).get(channel, senderId, now) as PairingRow | undefined;
    if (existing) return toRequest(existing);
    const code = newCode();
    prepared(
      this.db,
      `INSERT INTO pairing_requests (code, channel, sender_id, sender_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(code, channel, senderId, senderName ?? null, now, now + ttlMs);
    return {
      code,
      channel,
      senderId,
      senderName,
      status: 'pending',
      createdAt: now,
      expiresAt: now + ttlMs,
    };
  }

  pending(): PairingRequest[] {
    const rows = prepared(
      this.db,
      `SELECT * FROM pairing_requests WHERE status = 'pending' AND expires_at > ? ORDER BY created_at`,
    ).all(Date.now()) as PairingRow[];
    return rows.map(toRequest);
  }

  /** Approves a pending code: its sender joins the allowlist. Undefined when unknown or expired. */
  approve(code: string): PairingRequest | undefined {
    return this.db.transaction(() => {
      const row = prepared(
        this.db,
        `SELECT * FROM pairing_requests WHERE code = ? AND status = 'pending' AND expires_at > ?`,
      ).get(code.trim().toUpperCase(), Date.now()) as PairingRow | undefined;
      if (!row) return undefined;
      prepared(this.db, `UPDATE pairing_requests SET status = 'approved' WHERE code = ?`).run(
        row.code,
      );
      this.allow(row.channel, row.sender_id);
      return { ...toRequest(row), status: 'approved' as const };
    })();
  }

  /** Rejects a pending code (it is marked expired). */
  reject(code: string): boolean {
    return (
      prepared(
        this.db,
        `UPDATE pairing_requests SET status = 'expired' WHERE code = ? AND status = 'pending'`,
      ).run(code.trim().toUpperCase()).changes > 0
    );
  }
}
