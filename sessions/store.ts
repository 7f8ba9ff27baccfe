/**
 * The session store: conversations' sessions and their messages (role, content,
 * tool calls and results, token usage). The only writer of `sessions` and `messages`.
 *
 * A session is keyed by conversation (see `conversationKey` in the bridge): one per
 * DM, per group, per thread. `/reset` ends the active session; the next message
 * opens a fresh one, and the old transcript stays for export until purged.
 */
import { type Db, prepared } from './db.js';

export interface SessionInit {
  key: string;
  channel: string;
  conversationId: string;
  threadId?: string | undefined;
  chatType: 'dm' | 'group';
  /** The DM partner (for per-user export and purge). */
  userId?: string | undefined;
}

export interface Session extends SessionInit {
  id: number;
  createdAt: number;
  endedAt: number | null;
}

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCallRecord {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface NewMessage {
  role: Role;
  content: string | null;
  inboxId?: number | undefined;
  senderId?: string | undefined;
  senderName?: string | undefined;
  toolCalls?: ToolCallRecord[] | undefined;
  toolCallId?: string | undefined;
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
}

export interface StoredMessage extends NewMessage {
  id: number;
  sessionId: number;
  createdAt: number;
}

export interface HistoryLimits {
  maxMessages: number;
  maxTokens: number;
}

interface SessionRow {
  id: number;
  key: string;
  channel: string;
  conversation_id: string;
  thread_id: string | null;
  chat_type: 'dm' | 'group';
  user_id: string | null;
  created_at: number;
  ended_at: number | null;
}

interface MessageRow {
  id: number;
  session_id: number;
  inbox_id: number | null;
  role: Role;
  content: string | null;
  sender_id: string | null;
  sender_name: string | null;
  tool_calls: string | null;
  tool_call_id: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  created_at: number;
}

/** A message as the model sees it again. */
export type HistoryMessage = Pick<
  NewMessage,
  'role' | 'content' | 'inboxId' | 'toolCalls' | 'toolCallId'
>;

type HistoryRow = Pick<MessageRow, 'inbox_id' | 'role' | 'content' | 'tool_calls' | 'tool_call_id'>;

function toHistoryMessage(row: HistoryRow): HistoryMessage {
  return {
    role: row.role,
    content: row.content,
    inboxId: row.inbox_id ?? undefined,
    toolCalls: row.tool_calls ? (JSON.parse(row.tool_calls) as ToolCallRecord[]) : undefined,
    toolCallId: row.tool_call_id ?? undefined,
  };
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    key: row.key,
    channel: row.channel,
    conversationId: row.conversation_id,
    threadId: row.thread_id ?? undefined,
    chatType: row.chat_type,
    userId: row.user_id ?? undefined,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}

function toMessage(row: MessageRow): StoredMessage {
  return {
    ...toHistoryMessage(row),
    id: row.id,
    sessionId: row.session_id,
    senderId: row.sender_id ?? undefined,
    senderName: row.sender_name ?? undefined,
    promptTokens: row.prompt_tokens ?? undefined,
    completionTokens: row.completion_tokens ?? undefined,
    createdAt: row.created_at,
  };
}

/** Rough token count (4 characters per token plus framing): enough to bound history. */
export function estimateTokens(message: Pick<NewMessage, 'content' | 'toolCalls'>): number {
  const text =
    (message.content ?? '') + (message.toolCalls ? JSON.stringify(message.toolCalls) : '');
  return Math.ceil(text.length / 4) + 4;
}

export class SessionStore {
  private readonly activeByKey;
  private readonly insertMessage;

  constructor(private readonly db: Db) {
    this.activeByKey = db.prepare(
      'SELECT * FROM sessions WHERE key = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1',
    );
    this.insertMessage = db.prepare(
      `INSERT INTO messages (session_id, inbox_id, role, content, sender_id, sender_name, tool_calls,
         tool_call_id, prompt_tokens, completion_tokens, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** The open session of `init.key`, created when there is none. */
  active(init: SessionInit): Session {
    const row = this.activeByKey.get(init.key) as SessionRow | undefined;
    if (row) return toSession(row);
    const now = Date.now();
    const result = prepared(
      this.db,
      `INSERT INTO sessions (key, channel, conversation_id, thread_id, chat_type, user_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      init.key,
      init.channel,
      init.conversationId,
      init.threadId ?? null,
      init.chatType,
      init.userId ?? null,
      now,
    );
    return { ...init, id: Number(result.lastInsertRowid), createdAt: now, endedAt: null };
  }

  get(id: number): Session | undefined {
    const row = prepared(this.db, 'SELECT * FROM sessions WHERE id = ?').get(id) as
      | SessionRow
      | undefined;
    return row ? toSession(row) : undefined;
  }

  /** Ends the open session of `key` (the `/reset` and `/new` commands). */
  end(key: string): boolean {
    return (
      prepared(this.db, 'UPDATE sessions SET ended_at = ? WHERE key = ? AND ended_at IS NULL').run(
        Date.now(),
        key,
      ).changes > 0
    );
  }

  /** Moves a conversation's sessions to a new conversation id (e.g. a group that migrated). */
  moveConversation(channel: string, fromConversationId: string, toConversationId: string): number {
    const rows = prepared(
      this.db,
      'SELECT * FROM sessions WHERE channel = ? AND conversation_id = ?',
    ).all(channel, fromConversationId) as SessionRow[];
    const update = prepared(
      this.db,
      'UPDATE sessions SET conversation_id = ?, key = ? WHERE id = ?',
    );
    this.db.transaction(() => {
      for (const row of rows)
        update.run(toConversationId, row.key.replace(fromConversationId, toConversationId), row.id);
    })();
    return rows.length;
  }

  add(sessionId: number, message: NewMessage): number {
    const result = this.insertMessage.run(
      sessionId,
      message.inboxId ?? null,
      message.role,
      message.content,
      message.senderId ?? null,
      message.senderName ?? null,
      message.toolCalls ? JSON.stringify(message.toolCalls) : null,
      message.toolCallId ?? null,
      message.promptTokens ?? null,
      message.completionTokens ?? null,
      Date.now(),
    );
    return Number(result.lastInsertRowid);
  }

  /** Stores a turn's messages (user, tool rounds, answer) for inbox message `inboxId`, in order. */
  addTurn(sessionId: number, inboxId: number, messages: NewMessage[]): void {
    this.db.transaction(() => {
      for (const message of messages) this.add(sessionId, { ...message, inboxId });
    })();
  }

  /** Drops what an interrupted run of inbox message `inboxId` may have stored. */
  discardTurn(inboxId: number): void {
    prepared(this.db, 'DELETE FROM messages WHERE inbox_id = ?').run(inboxId);
  }

  /**
   * The most recent messages within both limits, starting at a user message. `next`
   * (the turn's user message, not stored yet) counts as the newest and ends the list.
   */
  history(sessionId: number, limits: HistoryLimits, next?: NewMessage): HistoryMessage[] {
    const rows = prepared(
      this.db,
      `SELECT inbox_id, role, content, tool_calls, tool_call_id FROM messages
         WHERE session_id = ? ORDER BY id DESC LIMIT ?`,
    ).all(sessionId, limits.maxMessages - (next ? 1 : 0)) as HistoryRow[];
    const picked: HistoryMessage[] = next ? [next] : [];
    let tokens = next ? estimateTokens(next) : 0;
    for (const row of rows) {
      const message = toHistoryMessage(row);
      tokens += estimateTokens(message);
      if (tokens > limits.maxTokens && picked.length > 0) break;
      picked.push(message);
    }
    picked.reverse();
    while (picked.length > 1 && picked[0]!.role !== 'user') picked.shift();
    return picked;
  }

  transcript(sessionId: number): StoredMessage[] {
    const rows = prepared(this.db, 'SELECT * FROM messages WHERE session_id = ? ORDER BY id').all(
      sessionId,
    ) as MessageRow[];
    return rows.map(toMessage);
  }

  list(options: {
    limit: number;
    offset: number;
  }): (Session & { messages: number; lastAt: number | null })[] {
    const rows = prepared(
      this.db,
      `SELECT s.*, COUNT(m.id) AS messages, MAX(m.created_at) AS last_at FROM sessions s
         LEFT JOIN messages m ON m.session_id = s.id GROUP BY s.id ORDER BY s.id DESC LIMIT ? OFFSET ?`,
    ).all(options.limit, options.offset) as (SessionRow & {
      messages: number;
      last_at: number | null;
    })[];
    return rows.map((row) => ({ ...toSession(row), messages: row.messages, lastAt: row.last_at }));
  }

  /** Every session of the user's DMs, and the user's own messages elsewhere, as JSON data. */
  exportUser(channel: string, userId: string): UserExport {
    const sessions = this.userSessions(channel, userId).map((session) => ({
      ...session,
      messages: this.transcript(session.id),
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
    };
  }

  /** Deletes what {@link exportUser} would return. */
  purgeUser(channel: string, userId: string): { sessions: number; messages: number } {
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
      return { sessions, messages };
    })();
  }

  /** Deletes one session and its messages. */
  purgeSession(sessionId: number): boolean {
    return this.db.transaction(() => {
      prepared(this.db, 'DELETE FROM messages WHERE session_id = ?').run(sessionId);
      return prepared(this.db, 'DELETE FROM sessions WHERE id = ?').run(sessionId).changes > 0;
    })();
  }

  /** Token usage summed over a session. */
  usage(sessionId: number): { promptTokens: number; completionTokens: number; messages: number } {
    const row = prepared(
      this.db,
      `SELECT COALESCE(SUM(prompt_tokens), 0) AS p, COALESCE(SUM(completion_tokens), 0) AS c, COUNT(*) AS n
         FROM messages WHERE session_id = ?`,
    ).get(sessionId) as { p: number; c: number; n: number };
    return { promptTokens: row.p, completionTokens: row.c, messages: row.n };
  }

  private userSessions(channel: string, userId: string): Session[] {
    const rows = prepared(
      this.db,
      'SELECT * FROM sessions WHERE channel = ? AND user_id = ? ORDER BY id',
    ).all(channel, userId) as SessionRow[];
    return rows.map(toSession);
  }
}

export interface UserExport {
  channel: string;
  userId: string;
  exportedAt: string;
  sessions: (Session & { messages: StoredMessage[] })[];
  messagesInGroups: StoredMessage[];
}
