/**
 * The stores behind Parley's bridge and agent, as narrow interfaces. Every method
 * returns a Promise so an engine with an async driver can implement them;
 * `sessions/sqlite/` is the default, `sessions/postgres/` the one several nodes share, and
 * `test/contract/stores.ts` is the suite every implementation must pass.
 *
 *   channel ─► InboxStore (dedupe, reply freeze) ─► router ─► SessionStore (history)
 *                                                    ├─► AccessStore (allowlist, pairing)
 *                                                    ├─► ApprovalStore (tool approvals)
 *                                                    ├─► MemoryStore (per-user facts)
 *                                         model calls ─► UsageStore (tokens, cost, alerts)
 *   scheduler ─► JobStore (scheduled jobs, run receipts) ─► InboxStore (one row per run)
 *
 * The channel-facing stores (auth state, web outbox) live in `core/stores.ts`.
 */
import type { InboundMessage, MessageEdit } from '../core/contract.js';
import type { AuthStateStore, WebOutboxItem, WebOutboxStore } from '../core/stores.js';
import type {
  Approval,
  ApprovalStatus,
  HistoryLimits,
  HistoryMessage,
  InboxEntry,
  InboxState,
  Job,
  JobRun,
  JobRunPatch,
  JobState,
  NewApproval,
  NewJob,
  NewMessage,
  PairingRequest,
  Session,
  SessionInit,
  SessionSummary,
  StoredMessage,
  StoredReply,
  TurnRecord,
  Usage,
  UserExport,
} from './records.js';
import type {
  NewUsage,
  UsageDimension,
  UsageQuery,
  UsageRow,
  UsageTotals,
} from './usage-records.js';

/**
 * The durable inbox: every inbound message is stored before its platform is
 * acknowledged, deduplicated on (channel, platform message id).
 *
 *   pending ──setReply──► replying ──complete──► done      (fail ──► failed)
 *
 * A row still `pending` or `replying` after a crash is processed again at start:
 * `pending` re-runs the turn, `replying` resumes delivery from the first unsent chunk.
 *
 * A batch (several rows answered by one turn, bridge/batch.ts) freezes its reply on
 * one row; the writes that freeze it (or complete it silently) take the batch's other
 * rows as `merged` and mark them done in the same transaction, so no row of the batch
 * is left pending and none is answered twice.
 */
export interface InboxStore {
  /** Stores the message; `duplicate` when (channel, platform id) was already accepted. */
  accept(
    message: InboundMessage,
    conversationKey: string,
    options?: AcceptOptions,
  ): Promise<{ entry: InboxEntry; duplicate: boolean }>;
  get(id: number): Promise<InboxEntry | undefined>;
  /**
   * Applies a sender's edit to the stored message (channel, platform id) only while
   * its turn has not started (`pending`, no attempt counted); returns the row's id,
   * or undefined when nothing was changed (unknown, started, answered or failed).
   */
  edit(channel: string, platformMessageId: string, edit: MessageEdit): Promise<number | undefined>;
  /** Counts a run of the message's turn that really started (see `attempts`). */
  begin(id: number): Promise<void>;
  /**
   * Freezes the reply before the first chunk goes out. `turn` (the turn's session
   * messages) is written in the same transaction: after a crash, either the turn is
   * stored with its reply or it runs again from scratch. `merged` rows are marked done
   * (their text dropped) in that transaction.
   */
  setReply(id: number, reply: StoredReply, turn?: TurnRecord, merged?: number[]): Promise<void>;
  /**
   * For a channel whose delivery is a local write (web chat): freezes the reply,
   * writes one web outbox row per chunk for `clientId` and marks the message done,
   * all in one transaction. Returns the stored items for the channel to push.
   */
  setReplyDelivered(
    id: number,
    reply: StoredReply,
    turn: TurnRecord | undefined,
    clientId: string,
    merged?: number[],
  ): Promise<WebOutboxItem[]>;
  /** Records progress after each delivered chunk. */
  updateReply(id: number, reply: StoredReply): Promise<void>;
  /**
   * Marks the message done, recording the final delivery progress in the same write.
   * Without a reply (the agent stayed silent, e.g. an ignored group message) only
   * the ids are kept, enough to deduplicate; the text is dropped. `merged` rows are
   * marked done the same way, in the same transaction.
   */
  complete(id: number, reply?: StoredReply, merged?: number[]): Promise<void>;
  /**
   * Takes back the run {@link begin} counted: the turn was interrupted on purpose (a
   * newer message in queue mode `interrupt`), not by a crash, and runs again.
   */
  interrupted(id: number): Promise<void>;
  fail(id: number, error: string): Promise<void>;
  /** Rows a previous run accepted but did not finish, oldest first. */
  reclaim(): Promise<InboxEntry[]>;
  counts(): Promise<Record<InboxState, number>>;
  /** Deletes finished (`done`/`failed`) rows last touched more than `retentionMs` ago. */
  prune(retentionMs: number): Promise<number>;
  /**
   * A fenced inbox (a lane leased through {@link WorkQueue}) throws {@link LeaseLostError}
   * here when its lease is gone; the bridge calls it before every platform send.
   */
  guard?(): Promise<void>;
}

export interface AcceptOptions {
  /**
   * The lane the row runs in when several nodes share the inbox (default: the
   * conversation key). Control messages get a lane of their own so they never wait
   * behind their conversation's running turn. A single-node inbox ignores it.
   */
  lane?: string;
}

// ── Work shared by several nodes (Postgres) ──────────────────────────────────

/** One node's lease on a lane; `fence` grows with every take-over. */
export interface LaneLease {
  lane: string;
  nodeId: string;
  fence: number;
}

/** A write or send of a node whose lane lease was taken over (or expired). */
export class LeaseLostError extends Error {
  constructor(readonly lease: LaneLease) {
    super(`lease on ${lease.lane} (fence ${lease.fence}) is no longer held by ${lease.nodeId}`);
    this.name = 'LeaseLostError';
  }
}

/**
 * Inbox rows shared by several worker nodes, taken a lane at a time:
 *
 *   claim ──► lease(lane, node, fence) ──► next ─► run ─► next … ──► release
 *                 ▲ renew every leaseMs/3        (writes through fenced(lease))
 *                 └── expired lease: another node's claim takes it, fence + 1
 *
 * One lane (a conversation) runs on one node at a time, its rows oldest first.
 */
export interface WorkQueue {
  /** Leases up to `limit` lanes that have unfinished rows and no live lease. */
  claim(limit: number): Promise<LaneLease[]>;
  /** Extends the lease; false when it was lost (taken over or expired). */
  renew(lease: LaneLease): Promise<boolean>;
  /** The lane's oldest unfinished row. */
  next(lease: LaneLease): Promise<InboxEntry | undefined>;
  /**
   * Up to `limit` unfinished rows of `lane`, oldest first (a read, no lease needed):
   * what a turn may batch (queue modes), and what may interrupt a running turn.
   */
  unfinished(lane: string, limit: number): Promise<InboxEntry[]>;
  /** Gives the lane up: `more` when rows arrived meanwhile (keep going), `lost` when not held. */
  release(lease: LaneLease): Promise<'released' | 'more' | 'lost'>;
  /** The inbox whose writes (and `guard`) check `lease`; `valid` is the node's own clock check. */
  fenced(lease: LaneLease, valid: () => boolean): InboxStore;
  /** Calls `onWork` when any node accepts a row; resolves once listening; returns the unsubscribe. */
  listen(onWork: () => void): Promise<() => Promise<void>>;
  readonly leaseMs: number;
}

/**
 * Conversations' sessions and their messages. A session is keyed by conversation
 * (one per DM, group, thread); `end` (`/reset`) closes it and the next message opens
 * a fresh one, while the old transcript stays for export until purged.
 */
export interface SessionStore {
  /** The open session of `init.key`, created when there is none. */
  active(init: SessionInit): Promise<Session>;
  get(id: number): Promise<Session | undefined>;
  /** Ends the open session of `key`; true when one was open. */
  end(key: string): Promise<boolean>;
  /** Moves a conversation's sessions to a new conversation id (a group that migrated). */
  moveConversation(channel: string, fromId: string, toId: string): Promise<number>;
  add(sessionId: number, message: NewMessage): Promise<number>;
  /** Stores a turn's messages for inbox message `inboxId`, in order, in one transaction. */
  addTurn(sessionId: number, inboxId: number, messages: NewMessage[]): Promise<void>;
  /** Drops what an interrupted run of inbox message `inboxId` may have stored. */
  discardTurn(inboxId: number): Promise<void>;
  /**
   * The most recent messages within both limits, starting at a user message. `next`
   * (the turn's user message, not stored yet) counts as the newest and ends the list.
   * Messages covered by the session's summary ({@link setSummary}) are left out.
   */
  history(sessionId: number, limits: HistoryLimits, next?: NewMessage): Promise<HistoryMessage[]>;
  transcript(sessionId: number): Promise<StoredMessage[]>;
  /**
   * Stores the summary of the session's messages up to id `throughId` (history
   * compaction): `history` then leaves them out; `transcript` and export keep them.
   */
  setSummary(sessionId: number, text: string, throughId: number): Promise<void>;
  /** Newest first; `search` keeps sessions whose key or user id contains it. */
  list(options: { limit: number; offset: number; search?: string }): Promise<SessionSummary[]>;
  /** The user's DM sessions, their messages elsewhere and their inbox rows, as data. */
  exportUser(channel: string, userId: string): Promise<UserExport>;
  /** Deletes what {@link exportUser} returns. */
  purgeUser(
    channel: string,
    userId: string,
  ): Promise<{ sessions: number; messages: number; inbox: number }>;
  /** Deletes one session and its messages. */
  purgeSession(sessionId: number): Promise<boolean>;
  /** Token usage summed over a session. */
  usage(sessionId: number): Promise<Usage>;
}

/** Who may talk to the agent: the allowlist and pairing requests. */
export interface AccessStore {
  isAllowed(channel: string, senderId: string): Promise<boolean>;
  allow(channel: string, senderId: string): Promise<void>;
  revoke(channel: string, senderId: string): Promise<boolean>;
  /** The sender's pending request, or a new one valid for `ttlMs`. */
  requestPairing(
    channel: string,
    senderId: string,
    senderName: string | undefined,
    ttlMs: number,
  ): Promise<PairingRequest>;
  pending(): Promise<PairingRequest[]>;
  /** Approves a pending code: its sender joins the allowlist. Undefined when unknown or expired. */
  approve(code: string): Promise<PairingRequest | undefined>;
  /** Rejects a pending code (it is marked expired). */
  reject(code: string): Promise<boolean>;
}

/** Persisted tool-call approvals and per-session grants. */
export interface ApprovalStore {
  create(approval: NewApproval): Promise<Approval>;
  get(id: string): Promise<Approval | undefined>;
  byCallKey(callKey: string): Promise<Approval | undefined>;
  /** Sets the outcome of a pending approval; false when it was already decided. */
  decide(
    id: string,
    status: Exclude<ApprovalStatus, 'pending'>,
    decidedBy: string,
  ): Promise<boolean>;
  pending(): Promise<Approval[]>;
  /** Marks overdue pending approvals expired and returns their ids. */
  expireOverdue(now?: number): Promise<string[]>;
  grant(sessionId: number, tool: string, grantedBy: string): Promise<void>;
  hasGrant(sessionId: number, tool: string): Promise<boolean>;
}

/**
 * The usage ledger: one row per model call (tokens, cost, latency, who and where),
 * summed for budgets, `/usage`, the CLI and the admin page. Days and months are UTC.
 */
export interface UsageStore {
  record(entry: NewUsage): Promise<void>;
  /** Sums of the rows `query` matches. */
  totals(query: UsageQuery): Promise<UsageTotals>;
  /** The same sums per group, largest token count first. */
  breakdown(by: UsageDimension, query: UsageQuery): Promise<UsageRow[]>;
  /**
   * Notes that alert `key` (e.g. "80 % of the global daily budget") was sent in
   * `period` (e.g. "2026-12-02"); false when it already was, so it goes out once.
   */
  markAlerted(key: string, period: string): Promise<boolean>;
}

/**
 * Scheduled jobs and the receipts of their runs. The scheduler asks only for the
 * earliest due time ({@link nextDue}) and the jobs due now, so 10,000 waiting jobs
 * cost one indexed query per wake-up and nothing in memory.
 */
export interface JobStore {
  /**
   * Creates a job, unless its owner already has `maxPerOwner` active or paused
   * jobs (counted in the same transaction): then `{ limit: count }`.
   */
  create(job: NewJob, maxPerOwner: number): Promise<{ job: Job } | { limit: number }>;
  get(id: number): Promise<Job | undefined>;
  /** Jobs newest first, filtered by owner, conversation and states. */
  list(filter: {
    owner?: string;
    conversationKey?: string;
    states?: JobState[];
    limit: number;
  }): Promise<Job[]>;
  /** Sets the state (and next run when given); false when the job does not exist. */
  setState(id: number, state: JobState, nextRunAt?: number | null): Promise<boolean>;
  /** The earliest `nextRunAt` of an active job. */
  nextDue(): Promise<number | undefined>;
  /** Active jobs whose `nextRunAt` is at or before `now`, earliest first. */
  due(now: number, limit: number): Promise<Job[]>;
  /**
   * Moves a job past its run due at `dueAt` to `nextRunAt` (null: the job is done),
   * only if it is still active and still due at `dueAt`; false otherwise.
   */
  advance(id: number, dueAt: number, nextRunAt: number | null): Promise<boolean>;
  /** Creates or updates the receipt of the run of `jobId` due at `dueAt`. */
  recordRun(jobId: number, dueAt: number, patch: JobRunPatch): Promise<void>;
  getRun(jobId: number, dueAt: number): Promise<JobRun | undefined>;
  /** Receipts newest first (by due time), of one job or of every job. */
  runs(filter: { jobId?: number; limit: number }): Promise<JobRun[]>;
  /** Deletes receipts due before `before`; returns how many. */
  pruneRuns(before: number): Promise<number>;
  /** Deletes every job of `owner` and their receipts (a user's data purge); returns how many jobs. */
  purgeOwner(owner: string): Promise<number>;
}

/** Notifications between the nodes of a cluster (Postgres LISTEN/NOTIFY); small payloads. */
export interface MessageBus {
  publish(topic: string, payload: string): Promise<void>;
  subscribe(topic: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
}

/** A node of a cluster sharing one database, as /readyz and the admin page show it. */
export interface ClusterNode {
  nodeId: string;
  role: string;
  seenMsAgo: number;
  /** Named leases it holds, e.g. `channel:telegram`. */
  leases: string[];
  /** Lanes (conversations) it is running. */
  lanes: number;
}

/**
 * Leases on names (a channel's connection) held by one node at a time, and the
 * heartbeat registry of nodes. Acquire gives a fence, undefined while another node
 * holds an unexpired lease. Renew fails once another node acquired the name; a
 * lease past its deadline that no one took is still the holder's to renew.
 */
export interface NamedLeases {
  acquire(name: string, nodeId: string, ms: number): Promise<number | undefined>;
  renew(name: string, nodeId: string, fence: number, ms: number): Promise<boolean>;
  release(name: string, nodeId: string, fence: number): Promise<void>;
  heartbeat(nodeId: string, role: string, startedAt: number): Promise<void>;
  nodes(withinMs: number): Promise<ClusterNode[]>;
}

/** A small key/value store for process-wide facts (the web token, channel cursors). */
export interface MetaStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/**
 * Whose memories: one user of one channel, and either their own (`group` unset,
 * recalled in their DMs) or those told in one group conversation (recalled only
 * there, only for them). No method ever returns a memory of another scope.
 */
export interface MemoryScope {
  channel: string;
  userId: string;
  /** The group conversation id, for memories kept within that group. */
  group?: string;
}

export interface Memory extends MemoryScope {
  id: number;
  text: string;
  createdAt: number;
}

/** Per-user facts the agent was asked to remember, searched by full text (FTS5 in SQLite). */
export interface MemoryStore {
  add(scope: MemoryScope, text: string): Promise<Memory>;
  /** The scope's memories best matching any word of `query`, best first. */
  search(scope: MemoryScope, query: string, limit: number): Promise<Memory[]>;
  /** The scope's memories, newest first. */
  list(scope: MemoryScope, options: { limit: number; offset: number }): Promise<Memory[]>;
  count(scope: MemoryScope): Promise<number>;
  /** Deletes memory `id` if it belongs to the scope; false otherwise. */
  forget(scope: MemoryScope, id: number): Promise<boolean>;
  /** Deletes every memory of the scope; returns how many. */
  clear(scope: MemoryScope): Promise<number>;
  /** Every memory of the user, in every scope, oldest first (export). */
  exportUser(channel: string, userId: string): Promise<Memory[]>;
  /** Deletes what {@link exportUser} returns; returns how many. */
  purgeUser(channel: string, userId: string): Promise<number>;
}

/** Every store of one Parley data set, opened together and closed together. */
export interface Stores {
  inbox: InboxStore;
  sessions: SessionStore;
  access: AccessStore;
  approvals: ApprovalStore;
  usage: UsageStore;
  jobs: JobStore;
  memory: MemoryStore;
  meta: MetaStore;
  webOutbox: WebOutboxStore;
  /** Credentials of one account, namespaced e.g. `whatsapp:default`. */
  authState(namespace: string): AuthStateStore;
  /** True until {@link close}. */
  readonly open: boolean;
  close(): Promise<void>;
}

export type * from './records.js';
export type * from './usage-records.js';
