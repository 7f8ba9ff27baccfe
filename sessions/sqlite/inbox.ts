/**
 * The SQLite {@link InboxStore}: the only writer of `inbox`. The reply freeze also
 * writes the turn's session messages (through sessions.ts' `insertTurn`) in the
 * same transaction, so a crash keeps both or neither; for web chat it also writes
 * the outbox rows (through web-outbox.ts' `insertOutboxItem`) and marks the row done.
 *
 * Rows map to records, and the statements both engines share are written, in
 * `sessions/rows/inbox.ts`; this file holds the edit, the transactions and the driver calls.
 */
import type { InboundMessage, MessageEdit } from '../../core/contract.js';
import type { WebOutboxItem } from '../../core/stores.js';
import type { InboxEntry, InboxState, StoredReply, TurnRecord } from '../records.js';
import {
  acceptSql,
  deliveredReply,
  donePayload,
  type InboxRow,
  inboxColumns,
  inboxSql,
  newEntry,
  outboxPayloads,
  toCounts,
  toEntry,
} from '../rows/inbox.js';
import type { InboxStore } from '../stores.js';
import { type Db, placeholder, prepared } from './db.js';
import { insertTurn } from './sessions.js';
import { insertOutboxItem } from './web-outbox.js';

const SQL = inboxSql(placeholder);
const ACCEPT = acceptSql(placeholder);

export class SqliteInbox implements InboxStore {
  constructor(private readonly db: Db) {}

  /** Runs `sql` with `params`; returns the rows it changed. */
  private run(sql: string, ...params: unknown[]): number {
    return prepared(this.db, sql).run(...params).changes;
  }

  async accept(
    message: InboundMessage,
    conversationKey: string,
  ): Promise<{ entry: InboxEntry; duplicate: boolean }> {
    const accepted = { message, conversationKey, now: Date.now() };
    const result = prepared(this.db, ACCEPT).run(...inboxColumns.values(accepted));
    if (result.changes === 0) {
      const row = prepared(this.db, SQL.byMessage).get(
        message.channel,
        message.platformMessageId,
      ) as InboxRow;
      return { entry: toEntry(row), duplicate: true };
    }
    return { entry: newEntry(accepted, Number(result.lastInsertRowid)), duplicate: false };
  }

  async get(id: number): Promise<InboxEntry | undefined> {
    const row = prepared(this.db, SQL.byId).get(id) as InboxRow | undefined;
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
    this.run(SQL.begin, Date.now(), id);
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
      this.run(SQL.replying, JSON.stringify(reply), Date.now(), id);
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
      const items = outboxPayloads(reply).map((payload) =>
        insertOutboxItem(this.db, clientId, payload),
      );
      this.run(SQL.done, JSON.stringify(deliveredReply(reply, items)), Date.now(), id);
      return items;
    })();
  }

  async updateReply(id: number, reply: StoredReply): Promise<void> {
    this.run(SQL.reply, JSON.stringify(reply), Date.now(), id);
  }

  async complete(id: number, reply?: StoredReply, merged: number[] = []): Promise<void> {
    if (reply) {
      this.run(SQL.done, JSON.stringify(reply), Date.now(), id);
      return;
    }
    this.db.transaction(() => {
      for (const row of [...merged, id]) this.markDone(row);
    })();
  }

  async interrupted(id: number): Promise<void> {
    this.run(SQL.interrupted, Date.now(), id);
  }

  /** Marks a row done without a reply, keeping only the ids (enough to deduplicate). */
  private markDone(id: number): void {
    const row = prepared(this.db, SQL.payloadOf).get(id) as { payload: string } | undefined;
    if (!row) return;
    this.run(SQL.doneWithoutReply, donePayload(row.payload), Date.now(), id);
  }

  async fail(id: number, error: string): Promise<void> {
    this.run(SQL.fail, error, Date.now(), id);
  }

  async reclaim(): Promise<InboxEntry[]> {
    return (prepared(this.db, SQL.reclaim).all() as InboxRow[]).map(toEntry);
  }

  async counts(): Promise<Record<InboxState, number>> {
    return toCounts(prepared(this.db, SQL.counts).all() as { state: InboxState; n: number }[]);
  }

  async prune(retentionMs: number): Promise<number> {
    return this.run(SQL.prune, Date.now() - retentionMs);
  }
}
