/**
 * The rows of `inbox` as both engines store them, mapped to {@link InboxEntry} once,
 * the columns `accept` writes, the statements both engines run unchanged but for the
 * placeholder spelling ({@link inboxSql}), and a web chat reply's outbox payloads. The
 * message and its reply are JSON text; times are milliseconds. Engine files keep the rest: the edit (SQLite's
 * `json_set`, Postgres' `jsonb ||`), transactions, and Postgres' lanes and fences.
 */
import type { InboundMessage } from '../../core/contract.js';
import type { WebOutboxItem } from '../../core/stores.js';
import { idsOnly } from '../inbox-ids.js';
import type { InboxEntry, InboxState, StoredReply } from '../records.js';
import { columns, type Placeholder, placeholders, statement } from './sql.js';

export interface InboxRow {
  id: number;
  conversation_key: string;
  payload: string;
  state: InboxState;
  attempts: number;
  reply: string | null;
  received_at: number;
}

/** The columns an {@link InboxEntry} is read from. */
export const ENTRY_COLUMNS = 'id, conversation_key, payload, state, attempts, reply, received_at';

export const toEntry = (row: InboxRow): InboxEntry => ({
  id: row.id,
  conversationKey: row.conversation_key,
  message: JSON.parse(row.payload) as InboundMessage,
  state: row.state,
  attempts: row.attempts,
  reply: row.reply ? (JSON.parse(row.reply) as StoredReply) : undefined,
  receivedAt: row.received_at,
});

/** A message as `accept` writes it, received at `now`. */
export interface AcceptedMessage {
  message: InboundMessage;
  conversationKey: string;
  now: number;
}

/** An entry as accepted: pending, not yet attempted. */
export const newEntry = (
  { message, conversationKey, now }: AcceptedMessage,
  id: number,
): InboxEntry => ({
  id,
  conversationKey,
  message,
  state: 'pending',
  attempts: 0,
  reply: undefined,
  receivedAt: now,
});

/** The columns `accept` writes on both engines (state and attempts take their defaults). */
export const inboxColumns = columns<AcceptedMessage>({
  channel: (m) => m.message.channel,
  platform_message_id: (m) => m.message.platformMessageId,
  conversation_key: (m) => m.conversationKey,
  payload: (m) => JSON.stringify(m.message),
  sender_id: (m) => m.message.sender.id,
  received_at: (m) => m.now,
  updated_at: (m) => m.now,
});

/**
 * The insert of an accepted message, skipped for one already stored (same channel and
 * platform id: a redelivery). `extra` columns (Postgres' `lane`) follow the shared ones.
 */
export function acceptSql(placeholder: Placeholder, extra: readonly string[] = []): string {
  const names = [...inboxColumns.names, ...extra];
  return `INSERT INTO inbox (${names.join(', ')}) VALUES (${placeholders(placeholder, names.length)})
    ON CONFLICT (channel, platform_message_id) DO NOTHING`;
}

/** The statements of both engines, each `?` one parameter; every UPDATE ends in its WHERE clause. */
const INBOX_SQL = {
  /** (id) → the entry's row. */
  byId: `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE id = ?`,
  /** (channel, platform message id) → the entry's row. */
  byMessage: `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE channel = ? AND platform_message_id = ?`,
  /** (id) → the row's payload. */
  payloadOf: 'SELECT payload FROM inbox WHERE id = ?',
  /** (now, id): one more attempt of a pending row. */
  begin: `UPDATE inbox SET attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending'`,
  /** (reply, now, id): the reply is frozen, its sending under way. */
  replying: `UPDATE inbox SET state = 'replying', reply = ?, updated_at = ? WHERE id = ?`,
  /** (reply, now, id): done, with the reply as sent. */
  done: `UPDATE inbox SET state = 'done', reply = ?, updated_at = ? WHERE id = ?`,
  /** (payload, now, id): done without a reply, the payload cut to its ids ({@link donePayload}). */
  doneWithoutReply: `UPDATE inbox SET state = 'done', payload = ?, updated_at = ? WHERE id = ?`,
  /** (reply, now, id): the reply's progress. */
  reply: 'UPDATE inbox SET reply = ?, updated_at = ? WHERE id = ?',
  /** (now, id): takes back the attempt `begin` counted. */
  interrupted: `UPDATE inbox SET attempts = attempts - 1, updated_at = ? WHERE id = ? AND state = 'pending' AND attempts > 0`,
  /** (error, now, id). */
  fail: `UPDATE inbox SET state = 'failed', error = ?, updated_at = ? WHERE id = ?`,
  /** The unfinished rows, oldest first. */
  reclaim: `SELECT ${ENTRY_COLUMNS} FROM inbox WHERE state IN ('pending', 'replying') ORDER BY id`,
  /** Rows per state ({@link toCounts}). */
  counts: 'SELECT state, COUNT(*) AS n FROM inbox GROUP BY state',
  /** (before): deletes finished rows last written before then. */
  prune: `DELETE FROM inbox WHERE state IN ('done', 'failed') AND updated_at < ?`,
};

export type InboxSql = Record<keyof typeof INBOX_SQL, string>;

/** The shared inbox statements in one engine's placeholder spelling. */
export function inboxSql(placeholder: Placeholder): InboxSql {
  const entries = Object.entries(INBOX_SQL).map(([name, sql]) => [
    name,
    statement(sql, placeholder),
  ]);
  return Object.fromEntries(entries) as InboxSql;
}

/** The payload of a row done without a reply: only the ids (enough to deduplicate). */
export const donePayload = (payload: string): string =>
  JSON.stringify(idsOnly(JSON.parse(payload) as InboundMessage));

/** The web outbox payloads of a reply: one per chunk, the buttons on the last. */
export const outboxPayloads = (reply: StoredReply): WebOutboxItem['payload'][] =>
  reply.chunks.map((text, index) => ({
    text,
    ...(index === reply.chunks.length - 1 && reply.buttons
      ? { buttons: reply.buttons.map(({ label, data }) => ({ label, data })) }
      : {}),
  }));

/** A reply written to the web outbox as `items`: every chunk sent, the items' numbers its ids. */
export const deliveredReply = (reply: StoredReply, items: WebOutboxItem[]): StoredReply => ({
  ...reply,
  sent: items.length,
  messageIds: items.map((i) => String(i.seq)),
});

/** Rows per state from the `counts` rows; a state without rows counts 0. */
export function toCounts(rows: { state: InboxState; n: number }[]): Record<InboxState, number> {
  const counts: Record<InboxState, number> = { pending: 0, replying: 0, done: 0, failed: 0 };
  for (const row of rows) counts[row.state] = row.n;
  return counts;
}
