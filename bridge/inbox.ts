/**
 * The durable inbox: every inbound message is written here before its platform is
 * acknowledged, deduplicated on (channel, platform message id).
 *
 * Lifecycle of a row:
 *   pending ──(router produced the reply)──► replying ──(every chunk sent)──► done
 *   A row still `pending` or `replying` after a crash is processed again at start:
 *   `pending` re-runs the turn, `replying` resumes sending the stored chunks from the
 *   first unsent one, so a reply is never generated or delivered twice.
 */
import type { InboundMessage } from '../core/contract.js';
import { type Db, prepared } from '../sessions/db.js';

export type InboxState = 'pending' | 'replying' | 'done' | 'failed';

/** A reply frozen before delivery: rendered chunks plus how many were delivered. */
export interface StoredReply {
  chunks: string[];
  sent: number;
  /** Platform ids of delivered chunks. */
  messageIds: string[];
  buttons?: { label: string; data: string }[];
  /** A streamed draft that becomes the first chunk by an edit. */
  draftMessageId?: string;
}

export interface InboxEntry {
  id: number;
  conversationKey: string;
  message: InboundMessage;
  state: InboxState;
  attempts: number;
  reply: StoredReply | undefined;
  receivedAt: number;
}

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

export class Inbox {
  private readonly insert;
  private readonly byId;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO inbox (channel, platform_message_id, conversation_key, payload, received_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, platform_message_id) DO NOTHING`,
    );
    this.byId = db.prepare('SELECT * FROM inbox WHERE id = ?');
  }

  /** Stores the message; `duplicate` when (channel, platform id) was already accepted. */
  accept(
    message: InboundMessage,
    conversationKey: string,
  ): { entry: InboxEntry; duplicate: boolean } {
    const now = Date.now();
    const result = this.insert.run(
      message.channel,
      message.platformMessageId,
      conversationKey,
      JSON.stringify(message),
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

  get(id: number): InboxEntry | undefined {
    const row = this.byId.get(id) as InboxRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  /**
   * Freezes the reply before the first chunk goes out. `alongside` (the turn's
   * session messages) is written in the same transaction: after a crash, either the
   * turn is stored with its reply or it runs again from scratch.
   */
  setReply(id: number, reply: StoredReply, alongside?: () => void): void {
    this.db.transaction(() => {
      alongside?.();
      prepared(
        this.db,
        `UPDATE inbox SET state = 'replying', reply = ?, updated_at = ? WHERE id = ?`,
      ).run(JSON.stringify(reply), Date.now(), id);
    })();
  }

  /** Records progress after each delivered chunk. */
  updateReply(id: number, reply: StoredReply): void {
    prepared(this.db, 'UPDATE inbox SET reply = ?, updated_at = ? WHERE id = ?').run(
      JSON.stringify(reply),
      Date.now(),
      id,
    );
  }

  /** Marks the message done, recording the final delivery progress in the same write. */
  complete(id: number, reply?: StoredReply): void {
    if (reply) {
      prepared(
        this.db,
        `UPDATE inbox SET state = 'done', reply = ?, updated_at = ? WHERE id = ?`,
      ).run(JSON.stringify(reply), Date.now(), id);
      return;
    }
    prepared(this.db, `UPDATE inbox SET state = 'done', updated_at = ? WHERE id = ?`).run(
      Date.now(),
      id,
    );
  }

  fail(id: number, error: string): void {
    prepared(
      this.db,
      `UPDATE inbox SET state = 'failed', error = ?, updated_at = ? WHERE id = ?`,
    ).run(error, Date.now(), id);
  }

  /**
   * Rows a previous run accepted but did not finish, oldest first. Each `pending`
   * one counts an interrupted attempt (`attempts`), so a message that crashes Parley
   * every time it runs is eventually answered with an apology instead.
   */
  reclaim(): InboxEntry[] {
    return this.db.transaction(() => {
      prepared(
        this.db,
        `UPDATE inbox SET attempts = attempts + 1, updated_at = ? WHERE state = 'pending'`,
      ).run(Date.now());
      const rows = prepared(
        this.db,
        `SELECT * FROM inbox WHERE state IN ('pending', 'replying') ORDER BY id`,
      ).all() as InboxRow[];
      return rows.map(toEntry);
    })();
  }

  counts(): Record<InboxState, number> {
    const rows = prepared(
      this.db,
      'SELECT state, COUNT(*) AS n FROM inbox GROUP BY state',
    ).all() as {
      state: InboxState;
      n: number;
    }[];
    const counts: Record<InboxState, number> = { pending: 0, replying: 0, done: 0, failed: 0 };
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }
}
