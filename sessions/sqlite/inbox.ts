/**
 * The SQLite {@link InboxStore}: the only writer of `inbox`. The reply freeze also
 * writes the turn's session messages (through sessions.ts' `insertTurn`) in the
 * same transaction, so a crash keeps both or neither; for web chat it also writes
 * the outbox rows (through web-outbox.ts' `insertOutboxItem`) and marks the row done.
 */
import type { InboundMessage, MessageEdit } from '../../core/contract.js';
import type { WebOutboxItem } from '../../core/stores.js';
import { idsOnly } from '../inbox-ids.js';
import type { InboxEntry, InboxState, StoredReply, TurnRecord } from '../records.js';
import type { InboxStore } from '../stores.js';
import { type Db, prepared } from './db.js';
import { insertTurn } from './sessions.js';
import { insertOutboxItem } from './web-outbox.js';

interface InboxRow {
  id: number;
  conversation_key: string;
  payload: string;
  state: InboxState;
  attempts: number;
  reply: string | null;
  received_at: number;
}

function toEntry(row: InboxRow): InboxEntry {
  return {
    id: row.id,
    conversationKey: row.conversation_key,
    message: JSON.parse(row.payload) as InboundMessage,
    state: row.state,
    attempts: row.attempts,
    reply: row.reply ? (JSON.parse(row.reply) as StoredReply) : undefined,
    receivedAt: row.received_at,
  };
}

export class SqliteInbox implements InboxStore {
  private readonly insert;
  private readonly byId;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO inbox (channel, platform_message_id, conversation_key, payload, sender_id, received_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, platform_message_id) DO NOTHING`,
    );
    this.byId = db.prepare('SELECT * FROM inbox WHERE id = ?');
  }

  async accept(
    message: InboundMessage,
    conversationKey: string,
  ): Promise<{ entry: InboxEntry; duplicate: boolean }> {
    const now = Date.now();
    const result = this.insert.run(
      message.channel,
      message.platformMessageId,
      conversationKey,
      JSON.stringify(message),
      message.sender.id,
      now,
      now,
    );
    if (result.changes === 0) {
      const row = prepared(
        this.db,
        'SELECT * FROM inbox WHERE channel = ? AND platform_message_id = ?',
      ).get(message.channel, message.platformMessageId) as InboxRow;
      return { entry: toEntry(row), duplicate: true };
    }
    const entry: InboxEntry = {
      id: Number(result.lastInsertRowid),
      conversationKey,
      message,
      state: 'pending',
      attempts: 0,
      reply: undefined,
      receivedAt: now,
    };
    return { entry, duplicate: false };
  }

  async get(id: number): Promise<InboxEntry | undefined> {
    const row = this.byId.get(id) as InboxRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  async edit(
    channel: string,
    platformMessageId: string,
    edit: MessageEdit,
  ): Promise<number | undefined> {
    const row = prepared(
      this.db,
      `UPDATE inbox SET payload = json_set(payload, '$.text', ?, '$.mentionsBot', json(?), '$.repliesToBot', json(?)),
         updated_at = ? WHERE channel = ? AND platform_message_id = ? AND state = 'pending' AND attempts = 0
       RETURNING id`,
    ).get(
      edit.text,
      JSON.stringify(edit.mentionsBot),
      JSON.stringify(edit.repliesToBot),
      Date.now(),
      channel,
      platformMessageId,
    ) as { id: number } | undefined;
    return row?.id;
  }

  async begin(id: number): Promise<void> {
    prepared(
      this.db,
      `UPDATE inbox SET attempts = attempts + 1, updated_at = ? WHERE id = ? AND state = 'pending'`,
    ).run(Date.now(), id);
  }

  async setReply(
    id: number,
    reply: StoredReply,
    turn?: TurnRecord,
    merged: number[] = [],
  ): Promise<void> {
    this.db.transaction(() => {
      if (turn) insertTurn(this.db, turn.sessionId, id, turn.messages);
      for (const other of merged) this.markDone(other);
      prepared(
        this.db,
        `UPDATE inbox SET state = 'replying', reply = ?, updated_at = ? WHERE id = ?`,
      ).run(JSON.stringify(reply), Date.now(), id);
    })();
  }

  async setReplyDelivered(
    id: number,
    reply: StoredReply,
    turn: TurnRecord | undefined,
    clientId: string,
    merged: number[] = [],
  ): Promise<WebOutboxItem[]> {
    return this.db.transaction(() => {
      if (turn) insertTurn(this.db, turn.sessionId, id, turn.messages);
      for (const other of merged) this.markDone(other);
      const items = reply.chunks.map((text, index) =>
        insertOutboxItem(this.db, clientId, {
          text,
          ...(index === reply.chunks.length - 1 && reply.buttons
            ? { buttons: reply.buttons.map(({ label, data }) => ({ label, data })) }
            : {}),
        }),
      );
      const delivered = {
        ...reply,
        sent: items.length,
        messageIds: items.map((i) => String(i.seq)),
      };
      prepared(
        this.db,
        `UPDATE inbox SET state = 'done', reply = ?, updated_at = ? WHERE id = ?`,
      ).run(JSON.stringify(delivered), Date.now(), id);
      return items;
    })();
  }

  async updateReply(id: number, reply: StoredReply): Promise<void> {
    prepared(this.db, 'UPDATE inbox SET reply = ?, updated_at = ? WHERE id = ?').run(
      JSON.stringify(reply),
      Date.now(),
      id,
    );
  }

  async complete(id: number, reply?: StoredReply, merged: number[] = []): Promise<void> {
    if (reply) {
      prepared(
        this.db,
        `UPDATE inbox SET state = 'done', reply = ?, updated_at = ? WHERE id = ?`,
      ).run(JSON.stringify(reply), Date.now(), id);
      return;
    }
    this.db.transaction(() => {
      for (const row of [...merged, id]) this.markDone(row);
    })();
  }

  async interrupted(id: number): Promise<void> {
    prepared(
      this.db,
      `UPDATE inbox SET attempts = attempts - 1, updated_at = ? WHERE id = ? AND state = 'pending' AND attempts > 0`,
    ).run(Date.now(), id);
  }

  /** Marks a row done without a reply, keeping only the ids (enough to deduplicate). */
  private markDone(id: number): void {
    const row = this.byId.get(id) as InboxRow | undefined;
    if (!row) return;
    const payload = JSON.stringify(idsOnly(JSON.parse(row.payload) as InboundMessage));
    prepared(
      this.db,
      `UPDATE inbox SET state = 'done', payload = ?, updated_at = ? WHERE id = ?`,
    ).run(payload, Date.now(), id);
  }

  async fail(id: number, error: string): Promise<void> {
    prepared(
      this.db,
      `UPDATE inbox SET state = 'failed', error = ?, updated_at = ? WHERE id = ?`,
    ).run(error, Date.now(), id);
  }

  async reclaim(): Promise<InboxEntry[]> {
    const rows = prepared(
      this.db,
      `SELECT * FROM inbox WHERE state IN ('pending', 'replying') ORDER BY id`,
    ).all() as InboxRow[];
    return rows.map(toEntry);
  }

  async counts(): Promise<Record<InboxState, number>> {
    const rows = prepared(
      this.db,
      'SELECT state, COUNT(*) AS n FROM inbox GROUP BY state',
    ).all() as { state: InboxState; n: number }[];
    const counts: Record<InboxState, number> = { pending: 0, replying: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  async prune(retentionMs: number): Promise<number> {
    return prepared(
      this.db,
      `DELETE FROM inbox WHERE state IN ('done', 'failed') AND updated_at < ?`,
    ).run(Date.now() - retentionMs).changes;
  }
}
