/**
 * The rows of `sessions` and `messages` as both engines store them, mapped to and
 * from {@link Session} and {@link StoredMessage} once. Tool calls are JSON text;
 * optional fields are NULL columns; times are milliseconds, which both drivers hand
 * back as numbers.
 */
import type {
  HistoryMessage,
  Role,
  Session,
  SessionInit,
  SessionSummary,
  StoredMessage,
  ToolCallRecord,
  Usage,
  UserExport,
} from '../records.js';
import { columns } from './sql.js';

export interface SessionRow {
  id: number;
  key: string;
  channel: string;
  conversation_id: string;
  thread_id: string | null;
  chat_type: 'dm' | 'group';
  user_id: string | null;
  created_at: number;
  ended_at: number | null;
  summary: string | null;
  summary_through: number | null;
  summary_at: number | null;
  /**
   * Only in queries that compute it (`active`): the time of the session's newest
   * message, read from the newest id through `messages_session` (session_id, id).
   * `MAX(created_at)` read every message of the session: 308 µs a turn at 5,000
   * messages against 3.4 µs, growing with the session.
   */
  last_at?: number | null;
}

/** A session row with its message count and newest message time (`SessionStore.list`). */
export type SessionListRow = SessionRow & { messages: number; last_at: number | null };

export interface MessageRow {
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

/** The columns `history` reads. */
export const HISTORY_COLUMNS = 'id, inbox_id, role, content, tool_calls, tool_call_id';

export type HistoryRow = Pick<
  MessageRow,
  'id' | 'inbox_id' | 'role' | 'content' | 'tool_calls' | 'tool_call_id'
>;

/** The user's inbox rows as export reads them (`platform_message_id, payload, received_at`). */
export interface InboxExportRow {
  platform_message_id: string;
  payload: string;
  received_at: number;
}

/** Token sums of a session's messages (`p`, `c`) and their count (`n`). */
export interface UsageRow {
  p: number;
  c: number;
  n: number;
}

export const toHistoryMessage = (row: HistoryRow): HistoryMessage => ({
  id: row.id,
  role: row.role,
  content: row.content,
  inboxId: row.inbox_id ?? undefined,
  toolCalls: row.tool_calls ? (JSON.parse(row.tool_calls) as ToolCallRecord[]) : undefined,
  toolCallId: row.tool_call_id ?? undefined,
});

export const toSession = (row: SessionRow): Session => ({
  id: row.id,
  key: row.key,
  channel: row.channel,
  conversationId: row.conversation_id,
  threadId: row.thread_id ?? undefined,
  chatType: row.chat_type,
  userId: row.user_id ?? undefined,
  createdAt: row.created_at,
  endedAt: row.ended_at,
  ...(row.last_at !== undefined ? { lastAt: row.last_at } : {}),
  ...(row.summary !== null && row.summary_through !== null
    ? { summary: { text: row.summary, throughId: row.summary_through, at: row.summary_at ?? 0 } }
    : {}),
});

export const toSessionSummary = (row: SessionListRow): SessionSummary => ({
  ...toSession(row),
  messages: row.messages,
  lastAt: row.last_at,
});

export const toMessage = (row: MessageRow): StoredMessage => ({
  ...toHistoryMessage(row),
  id: row.id,
  sessionId: row.session_id,
  senderId: row.sender_id ?? undefined,
  senderName: row.sender_name ?? undefined,
  promptTokens: row.prompt_tokens ?? undefined,
  completionTokens: row.completion_tokens ?? undefined,
  createdAt: row.created_at,
});

export const toUsage = (row: UsageRow): Usage => ({
  promptTokens: row.p,
  completionTokens: row.c,
  messages: row.n,
});

/**
 * One inbox row of a user, as their export lists it: the text and the workspace files
 * its attachments were saved as (the purge deletes them with the row, user-data.ts).
 */
export const toExportedInbox =
  (channel: string) =>
  (row: InboxExportRow): UserExport['inbox'][number] => {
    const message = JSON.parse(row.payload) as {
      text?: string;
      attachments?: { path?: string }[];
    };
    const files = (message.attachments ?? []).flatMap((a) => (a.path ? [a.path] : []));
    return {
      channel,
      platformMessageId: row.platform_message_id,
      text: message.text ?? '',
      receivedAt: row.received_at,
      ...(files.length > 0 ? { files } : {}),
    };
  };

/** A session as `active` opens it: no messages yet. */
export const newSession = (init: SessionInit, id: number, now: number): Session => ({
  ...init,
  id,
  createdAt: now,
  endedAt: null,
  lastAt: null,
});

/** The columns `active` writes when it opens a session. */
export const sessionColumns = columns<SessionInit & { now: number }>({
  key: (init) => init.key,
  channel: (init) => init.channel,
  conversation_id: (init) => init.conversationId,
  thread_id: (init) => init.threadId ?? null,
  chat_type: (init) => init.chatType,
  user_id: (init) => init.userId ?? null,
  created_at: (init) => init.now,
});

/** The columns of a stored message (its id comes from the database). */
export const messageColumns = columns<Omit<StoredMessage, 'id'>>({
  session_id: (m) => m.sessionId,
  inbox_id: (m) => m.inboxId ?? null,
  role: (m) => m.role,
  content: (m) => m.content,
  sender_id: (m) => m.senderId ?? null,
  sender_name: (m) => m.senderName ?? null,
  tool_calls: (m) => (m.toolCalls ? JSON.stringify(m.toolCalls) : null),
  tool_call_id: (m) => m.toolCallId ?? null,
  prompt_tokens: (m) => m.promptTokens ?? null,
  completion_tokens: (m) => m.completionTokens ?? null,
  created_at: (m) => m.createdAt,
});

/** The LIKE pattern of a session search (`\` escapes), its `%`, `_` and `\` matching themselves; null for none. */
export const searchPattern = (search: string | undefined): string | null =>
  search ? `%${search.replace(/[\\%_]/g, '\\$&')}%` : null;
