/**
 * The stores behind Parley's bridge and agent, as narrow interfaces. Every method
 * returns a Promise so an engine with an async driver can implement them;
 * `sessions/sqlite/` is the default, `sessions/postgres/` the one several nodes share, and
 * `test/contract/stores.ts` is the suite every implementation must pass.
 *
 *   channel ─► InboxStore (dedupe, reply freeze) ─► router ─► SessionStore (history)
 *                                                    ├─► AccessStore (allowlist, pairing)
 *                                                    └─► ApprovalStore (tool approvals)
 *
 * The channel-facing stores (auth state, web outbox) live in `core/stores.ts`.
 */
import type { InboundMessage } from '../core/contract.js';
import type { AuthStateStore, WebOutboxItem, WebOutboxStore } from '../core/stores.js';
import type {
  Approval,
  ApprovalStatus,
  HistoryLimits,
  HistoryMessage,
  InboxEntry,
  InboxState,
  NewApproval,
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

/**
 * The durable inbox: every inbound message is stored before its platform is
 * acknowledged, deduplicated on (channel, platform message id).
 *
 *   pending ──setReply──► replying ──complete──► done      (fail ──► failed)
 *
 * A row still `pending` or `replying` after a crash is processed again at start:
 * `pending` re-runs the turn, `replying` resumes delivery from the first unsent chunk.
 */
export interface InboxStore {
  /** Stores the message; `duplicate` when (channel, platform id) was already accepted. */
  accept(
    message: InboundMessage,
    conversationKey: string,
    options?: AcceptOptions,
  ): Promise<{ entry: InboxEntry; duplicate: boolean }>;
  get(id: number): Promise<InboxEntry | undefined>;
  /** Counts a run of the message's turn that really started (see `attempts`). */
  begin(id: number): Promise<void>;
  /**
   * Freezes the reply before the first chunk goes out. `turn` (the turn's session
   * messages) is written in the same transaction: after a crash, either the turn is
   * stored with its reply or it runs again from scratch.
   */
  setReply(id: number, reply: StoredReply, turn?: TurnRecord): Promise<void>;
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
  ): Promise<WebOutboxItem[]>;
  /** Records progress after each delivered chunk. */
  updateReply(id: number, reply: StoredReply): Promise<void>;
  /**
   * Marks the message done, recording the final delivery progress in the same write.
   * Without a reply (the agent stayed silent, e.g. an ignored group message) only
   * the ids are kept, enough to deduplicate; the text is dropped.
   */
  complete(id: number, reply?: StoredReply): Promise<void>;
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
   */
  history(sessionId: number, limits: HistoryLimits, next?: NewMessage): Promise<HistoryMessage[]>;
  transcript(sessionId: number): Promise<StoredMessage[]>;
  list(options: { limit: number; offset: number }): Promise<SessionSummary[]>;
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
 * holds an unexpired lease.
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

/** Every store of one Parley data set, opened together and closed together. */
export interface Stores {
  inbox: InboxStore;
  sessions: SessionStore;
  access: AccessStore;
  approvals: ApprovalStore;
  meta: MetaStore;
  webOutbox: WebOutboxStore;
  /** Credentials of one account, namespaced e.g. `whatsapp:default`. */
  authState(namespace: string): AuthStateStore;
  /** True until {@link close}. */
  readonly open: boolean;
  close(): Promise<void>;
}

export type * from './records.js';
