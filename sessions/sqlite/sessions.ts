/**
 * The SQLite {@link SessionStore}: conversations' sessions and their messages (role,
 * content, tool calls and results, token usage). The only writer of `sessions` and
 * `messages`; the inbox's reply freeze writes a turn through {@link insertTurn}.
 *
 * Rows map to records (and back) in `sessions/rows/sessions.ts`, shared with the Postgres
 * store; this file holds the SQL and the driver calls.
 */
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
import { type Db, placeholder, prepared } from './db.js';

const INSERT_SESSION = insertSql('sessions', sessionColumns, placeholder);
const INSERT_MESSAGE = insertSql('messages', messageColumns, placeholder);

/** Inserts one message on `db` (inside the caller's transaction, if any); returns its id. */
function insertMessage(db: Db, sessionId: number, message: NewMessage): number {
  const values = messageColumns.values({ ...message, sessionId, createdAt: Date.now() });
  return Number(prepared(db, INSERT_MESSAGE).run(...values).lastInsertRowid);
}

/** Writes a turn's messages for inbox row `inboxId`, in order; the caller holds the transaction. */
export function insertTurn(
  db: Db,
  sessionId: number,
  inboxId: number,
  messages: NewMessage[],
): void {
  for (const message of messages) insertMessage(db, sessionId, { ...message, inboxId });
}

export class SqliteSessionStore implements SessionStore {
  private readonly activeByKey;

  constructor(private readonly db: Db) {
    this.activeByKey = db.prepare(
      `SELECT s.*, (SELECT created_at FROM messages WHERE session_id = s.id ORDER BY id DESC LIMIT 1) AS last_at
         FROM sessions s WHERE key = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1`,
    );
  }

  /** The open session of `init.key`, created when there is none. */
  async active(init: SessionInit): Promise<Session> {
    const row = this.activeByKey.get(init.key) as SessionRow | undefined;
    if (row) return toSession(row);
    const now = Date.now();
    const result = prepared(this.db, INSERT_SESSION).run(
      ...sessionColumns.values({ ...init, now }),
    );
    return newSession(init, Number(result.lastInsertRowid), now);
  }

  async get(id: number): Promise<Session | undefined> {
    const row = prepared(this.db, 'SELECT * FROM sessions WHERE id = ?').get(id) as
      | SessionRow
      | undefined;
    return row ? toSession(row) : undefined;
  }

  /** Ends the open session of `key` (the `/reset` and `/new` commands). */
  async end(key: string): Promise<boolean> {
    return (
      prepared(this.db, 'UPDATE sessions SET ended_at = ? WHERE key = ? AND ended_at IS NULL').run(
        Date.now(),
        key,
      ).changes > 0
    );
  }

  /** Moves a conversation's sessions to a new conversation id (e.g. a group that migrated). */
  async moveConversation(channel: string, fromId: string, toId: string): Promise<number> {
    const rows = prepared(
      this.db,
      'SELECT * FROM sessions WHERE channel = ? AND conversation_id = ?',
    ).all(channel, fromId) as SessionRow[];
    const update = prepared(
      this.db,
      'UPDATE sessions SET conversation_id = ?, key = ? WHERE id = ?',
    );
    this.db.transaction(() => {
      for (const row of rows) update.run(toId, row.key.replace(fromId, toId), row.id);
    })();
    return rows.length;
  }

  async add(sessionId: number, message: NewMessage): Promise<number> {
    return insertMessage(this.db, sessionId, message);
  }

  /** Stores a turn's messages (user, tool rounds, answer) for inbox message `inboxId`, in order. */
  async addTurn(sessionId: number, inboxId: number, messages: NewMessage[]): Promise<void> {
    this.db.transaction(() => insertTurn(this.db, sessionId, inboxId, messages))();
  }

  /** Drops what an interrupted run of inbox message `inboxId` may have stored. */
  async discardTurn(inboxId: number): Promise<void> {
    prepared(this.db, 'DELETE FROM messages WHERE inbox_id = ?').run(inboxId);
  }

  /**
   * The most recent messages within both limits, starting at a user message. `next`
   * (the turn's user message, not stored yet) counts as the newest and ends the list.
   */
  async history(
    sessionId: number,
    limits: HistoryLimits,
    next?: NewMessage,
  ): Promise<HistoryMessage[]> {
    const rows = prepared(
      this.db,
      `SELECT ${HISTORY_COLUMNS} FROM messages
         WHERE session_id = ? AND id > COALESCE((SELECT summary_through FROM sessions WHERE id = ?), 0)
         ORDER BY id DESC LIMIT ?`,
    ).all(sessionId, sessionId, historyRowLimit(limits, next)) as HistoryRow[];
    return pickHistory(rows.map(toHistoryMessage), limits, next);
  }

  async transcript(sessionId: number): Promise<StoredMessage[]> {
    return this.messagesOf(sessionId);
  }

  async setSummary(sessionId: number, text: string, throughId: number): Promise<void> {
    prepared(
      this.db,
      'UPDATE sessions SET summary = ?, summary_through = ?, summary_at = ? WHERE id = ?',
    ).run(text, throughId, Date.now(), sessionId);
  }

  private messagesOf(sessionId: number): StoredMessage[] {
    const rows = prepared(this.db, 'SELECT * FROM messages WHERE session_id = ? ORDER BY id').all(
      sessionId,
    ) as MessageRow[];
    return rows.map(toMessage);
  }

  async list(options: {
    limit: number;
    offset: number;
    search?: string;
  }): Promise<SessionSummary[]> {
    const like = searchPattern(options.search);
    const rows = prepared(
      this.db,
      `SELECT s.*, COUNT(m.id) AS messages, MAX(m.created_at) AS last_at FROM sessions s
         LEFT JOIN messages m ON m.session_id = s.id
         WHERE @like IS NULL OR s.key LIKE @like ESCAPE '\\' OR s.user_id LIKE @like ESCAPE '\\'
         GROUP BY s.id ORDER BY s.id DESC LIMIT @limit OFFSET @offset`,
    ).all({ like, limit: options.limit, offset: options.offset }) as SessionListRow[];
    return rows.map(toSessionSummary);
  }

  async exportUser(channel: string, userId: string): Promise<UserExport> {
    const sessions = this.userSessions(channel, userId).map((session) => ({
      ...session,
      messages: this.messagesOf(session.id),
    }));
    const elsewhere = (
      prepared(
        this.db,
        `SELECT m.* FROM messages m JOIN sessions s ON s.id = m.session_id
           WHERE s.channel = ? AND m.sender_id = ? AND (s.user_id IS NULL OR s.user_id != ?) ORDER BY m.id`,
      ).all(channel, userId, userId) as MessageRow[]
    ).map(toMessage);
    return {
      channel,
      userId,
      exportedAt: new Date().toISOString(),
      sessions,
      messagesInGroups: elsewhere,
      inbox: this.userInbox(channel, userId),
    };
  }

  async purgeUser(
    channel: string,
    userId: string,
  ): Promise<{ sessions: number; messages: number; inbox: number }> {
    return this.db.transaction(() => {
      const ids = this.userSessions(channel, userId).map((session) => session.id);
      let messages = 0;
      for (const id of ids)
        messages += prepared(this.db, 'DELETE FROM messages WHERE session_id = ?').run(id).changes;
      const sessions = ids.length
        ? prepared(
            this.db,
            `DELETE FROM sessions WHERE id IN (${ids.map(() => '?').join(',')})`,
          ).run(...ids).changes
        : 0;
      messages += prepared(
        this.db,
        'DELETE FROM messages WHERE sender_id = ? AND session_id IN (SELECT id FROM sessions WHERE channel = ?)',
      ).run(userId, channel).changes;
      const inbox = prepared(this.db, 'DELETE FROM inbox WHERE channel = ? AND sender_id = ?').run(
        channel,
        userId,
      ).changes;
      return { sessions, messages, inbox };
    })();
  }

  /** Deletes one session and its messages. */
  async purgeSession(sessionId: number): Promise<boolean> {
    return this.db.transaction(() => {
      prepared(this.db, 'DELETE FROM messages WHERE session_id = ?').run(sessionId);
      return prepared(this.db, 'DELETE FROM sessions WHERE id = ?').run(sessionId).changes > 0;
    })();
  }

  /** Token usage summed over a session. */
  async usage(sessionId: number): Promise<Usage> {
    const row = prepared(
      this.db,
      `SELECT COALESCE(SUM(prompt_tokens), 0) AS p, COALESCE(SUM(completion_tokens), 0) AS c, COUNT(*) AS n
         FROM messages WHERE session_id = ?`,
    ).get(sessionId) as UsageRow;
    return toUsage(row);
  }

  /** The user's rows in the inbox (the inbox belongs to inbox.ts; export and purge read it). */
  private userInbox(channel: string, userId: string): UserExport['inbox'] {
    const rows = prepared(
      this.db,
      'SELECT platform_message_id, payload, received_at FROM inbox WHERE channel = ? AND sender_id = ? ORDER BY id',
    ).all(channel, userId) as InboxExportRow[];
    return rows.map(toExportedInbox(channel));
  }

  private userSessions(channel: string, userId: string): Session[] {
    const rows = prepared(
      this.db,
      'SELECT * FROM sessions WHERE channel = ? AND user_id = ? ORDER BY id',
    ).all(channel, userId) as SessionRow[];
    return rows.map(toSession);
  }
}
