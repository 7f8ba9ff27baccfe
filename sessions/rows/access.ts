/**
 * The rows of `pairing_requests` as both engines store them, mapped to and from
 * {@link PairingRequest} once (a sender without a name has a NULL `sender_name`), and
 * what a new request is.
 */
import { newCode } from '../codes.js';
import type { PairingRequest } from '../records.js';
import { columns } from './sql.js';

export interface PairingRow {
  code: string;
  channel: string;
  sender_id: string;
  sender_name: string | null;
  status: PairingRequest['status'];
  created_at: number;
  expires_at: number;
}

export const toRequest = (row: PairingRow): PairingRequest => ({
  code: row.code,
  channel: row.channel,
  senderId: row.sender_id,
  senderName: row.sender_name ?? undefined,
  status: row.status,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

/** A new request of `sender`: a fresh code, pending until `now + ttlMs`. */
export const newRequest = (
  sender: Pick<PairingRequest, 'channel' | 'senderId' | 'senderName'>,
  now: number,
  ttlMs: number,
): PairingRequest => ({
  code: newCode(),
  channel: sender.channel,
  senderId: sender.senderId,
  senderName: sender.senderName,
  status: 'pending',
  createdAt: now,
  expiresAt: now + ttlMs,
});

/** The columns `requestPairing` writes (status takes its default, `pending`). */
export const requestColumns = columns<PairingRequest>({
  code: (request) => request.code,
  channel: (request) => request.channel,
  sender_id: (request) => request.senderId,
  sender_name: (request) => request.senderName ?? null,
  created_at: (request) => request.createdAt,
  expires_at: (request) => request.expiresAt,
});
