/**
 * The records Parley keeps, as plain data shared by every store implementation
 * (`sessions/stores.ts` names the stores; `sessions/sqlite/` is the one the product
 * uses). Nothing here knows about an engine.
 */
import type { InboundMessage, OutboundTarget } from '../core/contract.js';

// ── Inbox ────────────────────────────────────────────────────────────────────

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
  /** Runs of this message that started (a turn began) and never finished. */
  attempts: number;
  reply: StoredReply | undefined;
  receivedAt: number;
}

// ── Sessions and messages ────────────────────────────────────────────────────

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
  /** When the session's newest message was stored (set by `active`; null when it has none). */
  lastAt?: number | null | undefined;
  /** Older turns summarised by the model (history compaction), if any. */
  summary?: SessionSummaryText | undefined;
}

/** A stored summary of a session's messages up to `throughId`; those are no longer in `history`. */
export interface SessionSummaryText {
  text: string;
  throughId: number;
  at: number;
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

/** A message as the model sees it again. */
export type HistoryMessage = Pick<
  NewMessage,
  'role' | 'content' | 'inboxId' | 'toolCalls' | 'toolCallId'
> & {
  /** The stored message's id (absent for the turn's message not stored yet). */
  id?: number | undefined;
};

export interface HistoryLimits {
  maxMessages: number;
  maxTokens: number;
}

/** The session messages of one turn, stored with its frozen reply (see `InboxStore.setReply`). */
export interface TurnRecord {
  sessionId: number;
  messages: NewMessage[];
}

export type SessionSummary = Session & { messages: number; lastAt: number | null };

export interface UserExport {
  channel: string;
  userId: string;
  exportedAt: string;
  sessions: (Session & { messages: StoredMessage[] })[];
  messagesInGroups: StoredMessage[];
  /** The user's inbound messages still kept in the inbox. */
  inbox: {
    channel: string;
    platformMessageId: string;
    text: string;
    receivedAt: number;
    /** Workspace files the message's attachments were saved as (the purge deletes them). */
    files?: string[];
  }[];
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  messages: number;
}

// ── Access ───────────────────────────────────────────────────────────────────

export interface PairingRequest {
  code: string;
  channel: string;
  senderId: string;
  senderName: string | undefined;
  status: 'pending' | 'approved' | 'expired';
  createdAt: number;
  expiresAt: number;
}

// ── Approvals ────────────────────────────────────────────────────────────────

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface Approval {
  id: string;
  callKey: string;
  sessionId: number;
  conversationKey: string;
  channel: string;
  target: OutboundTarget;
  tool: string;
  args: string;
  requestedBy: string;
  status: ApprovalStatus;
  decidedBy: string | undefined;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | undefined;
}

export type NewApproval = Omit<Approval, 'status' | 'decidedBy' | 'decidedAt'>;

// ── Scheduled jobs ───────────────────────────────────────────────────────────

/** When a job runs: once at an instant, on a cron expression in a time zone, or every N ms. */
export type JobSchedule =
  | { kind: 'once'; at: number }
  | { kind: 'cron'; expression: string; timeZone: string }
  | { kind: 'interval'; everyMs: number; startAt: number };

/** `done`: a one-shot job that has run (or was skipped). */
export type JobState = 'active' | 'paused' | 'cancelled' | 'done';

/** What a run that Parley missed (it was down) does: run once late, or skip with a note. */
export type CatchUpPolicy = 'run-once' | 'skip';

/** The conversation a job belongs to: where its runs are answered. */
export interface JobTarget {
  channel: string;
  account: string;
  conversationId: string;
  threadId?: string | undefined;
  chatType: 'dm' | 'group';
}

export interface NewJob {
  /** Principal (`channel:senderId`) of who created it. */
  owner: string;
  conversationKey: string;
  target: JobTarget;
  /** What the agent is asked at each run. */
  instruction: string;
  schedule: JobSchedule;
  catchUp: CatchUpPolicy;
  /** Tokens one run may use (prompt + completion over its model calls). */
  maxTokens: number;
  /** First run; null for a job that will never run. */
  nextRunAt: number | null;
}

export interface Job extends NewJob {
  id: number;
  state: JobState;
  createdAt: number;
  updatedAt: number;
}

/**
 * `queued`: in the inbox; `running`: its turn started; `ok`, `failed`, `capped`
 * (stopped at its token cap), `skipped` (missed and skipped by its catch-up policy),
 * `cancelled` (the job was cancelled before the run started).
 */
export type JobRunOutcome =
  | 'queued'
  | 'running'
  | 'ok'
  | 'failed'
  | 'capped'
  | 'skipped'
  | 'cancelled';

/** The receipt of one run of a job, keyed by (job, due time). */
export interface JobRun {
  jobId: number;
  dueAt: number;
  outcome: JobRunOutcome;
  /** E.g. "(this was due at 09:00)" for a late run, or why it was skipped. */
  note: string | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  promptTokens: number;
  completionTokens: number;
  /** Currency cost when known (filled from the usage ledger); null when unknown. */
  cost: number | null;
  error: string | undefined;
  createdAt: number;
}

export type JobRunPatch = Partial<Omit<JobRun, 'jobId' | 'dueAt' | 'createdAt'>>;
