/**
 * The Postgres {@link SessionStore}: conversations' sessions and their messages. The
 * only writer of `sessions` and `messages`; the inbox's reply freeze writes a turn
 * through {@link insertTurn} inside its own transaction.
 *
 * Rows map to records (and back) in `sessions/rows/sessions.ts`, shared with the SQLite
 * store; this file holds the SQL and the driver calls.
 */
import type pg from 'pg';
import { historyRowLimit, pickHistory } from '../history.js';
import type {
  HistoryLimits,
  HistoryMessage,
  NewMessage,
  Session,
  SessionInit,
  SessionSummary,
  StoredMessage,
  Usage,
  UserExport,
} from '../records.js';
import {
  HISTORY_COLUMNS,
  type HistoryRow,
  type InboxExportRow,
  type MessageRow,
  messageColumns,
  newSession,
  type SessionListRow,
  type SessionRow,
  searchPattern,
  sessionColumns,
  toExportedInbox,
  toHistoryMessage,
  toMessage,
  toSession,
  toSessionSummary,
  toUsage,
  type UsageRow,
} from '../rows/sessions.js';
import { insertSql } from '../rows/sql.js';
import type { SessionStore } from '../stores.js';
import { all, changes, one, placeholder, type Queryable, transaction } from './db.js';

const INSERT_SESSION = `${insertSql('sessions', sessionColumns, placeholder)} RETURNING id`;
const INSERT_MESSAGE = `${insertSql('messages', messageColumns, placeholder)} RETURNING id`;

/** Inserts one message on `db` (a pool, or the caller's transaction); returns its id. */
async function insertMessage(
  db: Queryable,
  sessionId: number,
  message: NewMessage,
): Promise<number> {
  const values = messageColumns.values({ ...message, sessionId, createdAt: Date.now() });
  return (await one<{ id: number }>(db, INSERT_MESSAGE, values))!.id;
}

/** Writes a turn's messages for inbox row `inboxId`, in order, on the caller's transaction. */
export async function insertTurn(
  tx: Queryable,
  sessionId: number,
  inboxId: number,
  messages: NewMessage[],
): Promise<void> {
  for (const message of messages) await insertMessage(tx, sessionId, { ...message, inboxId });
}

export class PostgresSessionStore implements SessionStore {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * The open session of `init.key`, created when there is none. A transaction-scoped
   * advisory lock on the key keeps two nodes from opening two sessions at once.
   */
  async active(init: SessionInit): Promise<Session> {
    const select = `SELECT s.*, (SELECT created_at FROM messages WHERE session_id = s.id ORDER BY id DESC LIMIT 1) AS last_at
       FROM sessions s WHERE key = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1`;
    const found = await one<SessionRow>(this.pool, select, [init.key]);
    if (found) return toSession(found);
    return transaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`session:${init.key}`]);
      const again = await one<SessionRow>(tx, select, [init.key]);
      if (again) return toSession(again);
      const now = Date.now();
      const row = await one<{ id: number }>(
        tx,
        INSERT_SESSION,
        sessionColumns.values({ ...init, now }),
      );
      return newSession(init, row!.id, now);
    });
  }

  async get(id: number): Promise<Session | undefined> {
    const row = await one<SessionRow>(this.pool, 'SELECT * FROM sessions WHERE id = $1', [id]);
    return row ? toSession(row) : undefined;
  }

  async end(key: string): Promise<boolean> {
    const sql = 'UPDATE sessions SET ended_at = $1 WHERE key = $2 AND ended_at IS NULL';
    return (await changes(this.pool, sql, [Date.now(), key])) > 0;
  }

  async moveConversation(channel: string, fromId: string, toId: string): Promise<number> {
    return transaction(this.pool, async (tx) => {
      const rows = await all<SessionRow>(
        tx,
        'SELECT * FROM sessions WHERE channel = $1 AND conversation_id = $2 FOR UPDATE',
        [channel, fromId],
      );
      for (const row of rows)
        await tx.query('UPDATE sessions SET conversation_id = $1, key = $2 WHERE id = $3', [
          toId,
          row.key.replace(fromId, toId),
          row.id,
        ]);
      return rows.length;
    });
  }

  async add(sessionId: number, message: NewMessage): Promise<number> {
    return insertMessage(this.pool, sessionId, message);
  }

  async addTurn(sessionId: number, inboxId: number, messages: NewMessage[]): Promise<void> {
    await transaction(this.pool, (tx) => insertTurn(tx, sessionId, inboxId, messages));
  }

  /**
   * Drops what an interrupted run stored, unless the row's reply is already frozen: a
   * node resumed after its lease was taken over must not delete the turn the new
   * holder stored with its reply.
   */
  async discardTurn(inboxId: number): Promise<void> {
    await this.pool.query(
      `DELETE FROM messages WHERE inbox_id = $1
         AND NOT EXISTS (SELECT 1 FROM inbox WHERE id = $1 AND state IN ('replying', 'done'))`,
      [inboxId],
    );
  }

  async history(
    sessionId: number,
    limits: HistoryLimits,
    next?: NewMessage,
  ): Promise<HistoryMessage[]> {
    const rows = await all<HistoryRow>(
      this.pool,
      `SELECT ${HISTORY_COLUMNS} FROM messages
         WHERE session_id = $1
           AND id > COALESCE((SELECT summary_through FROM sessions WHERE id = $1), 0)
         ORDER BY id DESC LIMIT $2`,
      [sessionId, historyRowLimit(limits, next)],
    );
    return pickHistory(rows.map(toHistoryMessage), limits, next);
  }

  async transcript(sessionId: number): Promise<StoredMessage[]> {
    return this.messagesOf(this.pool, sessionId);
  }

  async setSummary(sessionId: number, text: string, throughId: number): Promise<void> {
    await this.pool.query(
      'UPDATE sessions SET summary = $1, summary_through = $2, summary_at = $3 WHERE id = $4',
      [text, throughId, Date.now(), sessionId],
    );
  }

  private async messagesOf(db: Queryable, sessionId: number): Promise<StoredMessage[]> {
    const sql = 'SELECT * FROM messages WHERE session_id = $1 ORDER BY id';
    return (await all<MessageRow>(db, sql, [sessionId])).map(toMessage);
  }

  /** `search` is matched with LIKE, its `%`, `_` and backslash escaped so they match themselves. */
  async list(options: {
    limit: number;
    offset: number;
    search?: string;
  }): Promise<SessionSummary[]> {
    const like = searchPattern(options.search);
    const rows = await all<SessionListRow>(
      this.pool,
      `SELECT s.*, COUNT(m.id) AS messages, MAX(m.created_at) AS last_at FROM sessions s
         LEFT JOIN messages m ON m.session_id = s.id
         WHERE $3::text IS NULL OR s.key LIKE $3 ESCAPE '\\' OR s.user_id LIKE $3 ESCAPE '\\'
         GROUP BY s.id ORDER BY s.id DESC LIMIT $1 OFFSET $2`,
      [options.limit, options.offset, like],
    );
    return rows.map(toSessionSummary);
  }

  async exportUser(channel: string, userId: string): Promise<UserExport> {
    const sessions = [];
    for (const session of await this.userSessions(this.pool, channel, userId))
      sessions.push({ ...session, messages: await this.messagesOf(this.pool, session.id) });
    const elsewhere = await all<MessageRow>(
      this.pool,
      `SELECT m.* FROM messages m JOIN sessions s ON s.id = m.session_id
         WHERE s.channel = $1 AND m.sender_id = $2 AND (s.user_id IS NULL OR s.user_id != $2) ORDER BY m.id`,
      [channel, userId],
    );
    return {
      channel,
      userId,
      exportedAt: new Date().toISOString(),
      sessions,
      messagesInGroups: elsewhere.map(toMessage),
      inbox: await this.userInbox(channel, userId),
    };
  }

  async purgeUser(
    channel: string,
    userId: string,
  ): Promise<{ sessions: number; messages: number; inbox: number }> {
    return transaction(this.pool, async (tx) => {
      const ids = (await this.userSessions(tx, channel, userId)).map((session) => session.id);
      let messages = await changes(tx, 'DELETE FROM messages WHERE session_id = ANY($1)', [ids]);
      const sessions = await changes(tx, 'DELETE FROM sessions WHERE id = ANY($1)', [ids]);
      messages += await changes(
        tx,
        'DELETE FROM messages WHERE sender_id = $1 AND session_id IN (SELECT id FROM sessions WHERE channel = $2)',
        [userId, channel],
      );
      const inbox = await changes(tx, 'DELETE FROM inbox WHERE channel = $1 AND sender_id = $2', [
        channel,
        userId,
      ]);
      return { sessions, messages, inbox };
    });
  }

  async purgeSession(sessionId: number): Promise<boolean> {
    return transaction(this.pool, async (tx) => {
      await tx.query('DELETE FROM messages WHERE session_id = $1', [sessionId]);
      return (await changes(tx, 'DELETE FROM sessions WHERE id = $1', [sessionId])) > 0;
    });
  }

  async usage(sessionId: number): Promise<Usage> {
    const row = await one<UsageRow>(
      this.pool,
      `SELECT COALESCE(SUM(prompt_tokens), 0) AS p, COALESCE(SUM(completion_tokens), 0) AS c, COUNT(*) AS n
         FROM messages WHERE session_id = $1`,
      [sessionId],
    );
    return toUsage(row!);
  }

  /** The user's rows in the inbox (the inbox belongs to inbox.ts; export and purge read it). */
  private async userInbox(channel: string, userId: string): Promise<UserExport['inbox']> {
    const rows = await all<InboxExportRow>(
      this.pool,
      'SELECT platform_message_id, payload, received_at FROM inbox WHERE channel = $1 AND sender_id = $2 ORDER BY id',
      [channel, userId],
    );
    return rows.map(toExportedInbox(channel));
  }

  private async userSessions(db: Queryable, channel: string, userId: string): Promise<Session[]> {
    const sql = 'SELECT * FROM sessions WHERE channel = $1 AND user_id = $2 ORDER BY id';
    return (await all<SessionRow>(db, sql, [channel, userId])).map(toSession);
  }
}
