/**
 * The bridge joins channels to the agent:
 *
 *   adapter ─accept()─► InboxStore (dedupe) ─► ConversationQueue ─► handler.handle(turn)
 *                                                                      │ Reply
 *   adapter ◄─ Sender (format → chunk → throttle → retry) ◄─ stored reply ┘
 *
 * A message is done only once every chunk of its reply is delivered. At start,
 * `recover()` puts every unfinished inbox row back in the queue, oldest first and
 * before any new message is accepted: pending rows run the turn again, rows already
 * `replying` resume delivery from the first unsent chunk. An inbox row is in the
 * queue (or running) at most once.
 * Control messages (approval answers, button presses) skip the queue, because the
 * turn they unblock may be holding their conversation's lane.
 *
 * What a message does while its conversation's turn runs depends on the conversation's
 * queue mode (modes.ts): `followup` waits for its own turn; `collect` joins the
 * messages waiting with it into one next turn (batch.ts); `interrupt` also aborts the
 * running turn (`handler.interrupt`) unless its reply is already frozen, and the
 * aborted rows run again with the new one. With `debounceMs` a burst waits
 * (debounce.ts) and becomes one turn. A batch's reply is frozen on its last row and
 * the other rows are marked done in the same transaction.
 *
 * With `work` (Postgres, several nodes) the in-memory queue is replaced by leased
 * lanes (lanes.ts): `accept` only stores the row, and worker nodes claim and run it,
 * every inbox write checked against the lane's fencing token.
 */
import type { Logger } from 'pino';
import {
  type ChannelAdapter,
  conversationKey,
  type InboundMessage,
  type InboundSink,
  type OutboundButton,
  type OutboundTarget,
  replyTarget,
} from '../core/contract.js';
import { describeError, isRetryable, PlatformError } from '../core/errors.js';
import type { LocalOutbox } from '../core/stores.js';
import { idsOnly } from '../sessions/inbox-ids.js';
import type { InboxEntry, NewMessage, StoredReply } from '../sessions/records.js';
import { type InboxStore, LeaseLostError, type WorkQueue } from '../sessions/stores.js';
import { batchEntry, batches, joins } from './batch.js';
import type { QueueMode } from './config.js';
import { Debouncer } from './debounce.js';
import { PendingEdits } from './edits.js';
import { Interrupts } from './interrupts.js';
import { laneBatch } from './lane-batch.js';
import { LaneDispatcher } from './lanes.js';
import { followupOnly, type QueueModes } from './modes.js';
import { deliveryKey } from './outbound/delivery-key.js';
import { DraftStream } from './outbound/draft.js';
import type { RetryOptions } from './outbound/retry.js';
import { Sender } from './outbound/sender.js';
import { ConversationQueue } from './queue.js';

/** What the agent answers with. `null` from a handler means "stay silent". */
export interface Reply {
  text: string;
  buttons?: OutboundButton[];
  /**
   * The turn's session messages. The inbox stores them in the transaction that
   * freezes the reply, so a crash keeps both or neither.
   */
  session?: { sessionId: number; messages: NewMessage[] };
}

/** One message being handled, with the side channels a turn may use. */
export interface Turn {
  inboxId: number;
  conversationKey: string;
  message: InboundMessage;
  /** True when an earlier run of this message was interrupted (crash or restart). */
  rerun: boolean;
  /** Messages waiting or running in the bridge as this turn starts (for `/status`). */
  queueDepth: number;
  /** When the inbox accepted the message (ms), e.g. for per-sender rate limits. */
  receivedAt?: number;
  target: OutboundTarget;
  adapter: ChannelAdapter;
  /** Streams a fragment of the answer (web deltas or a draft being edited). */
  stream(delta: string): void;
  /** Sends a message that is not the reply (e.g. an approval prompt). */
  notify(markdown: string, buttons?: OutboundButton[]): Promise<string[]>;
  /**
   * The turn now waits for someone else (an owner's approval): "typing…" pauses, and
   * the first message that arrives in this conversation meanwhile gets `note` (once).
   * Returns the release.
   */
  hold?(note: string): () => void;
}

export interface MessageHandler {
  /** True for messages that must not wait in their conversation's lane. */
  isControl?(message: InboundMessage): boolean;
  /**
   * True for messages the handler ignores whoever sent them and whatever they say
   * (a group message not addressed to the bot, a bot's message): the inbox stores
   * only their ids (enough to deduplicate), marks them done, and no turn runs.
   */
  passesOver?(message: InboundMessage): boolean;

  /**
   * True for messages that always run as their own turn (commands, button presses,
   * scheduled runs): never merged into a batch, never debounced, never interrupting.
   */
  standalone?(message: InboundMessage): boolean;
  handle(turn: Turn): Promise<Reply | null>;
  /**
   * Queue mode `interrupt`: aborts the conversation's running turn (model stream, tool
   * calls, approval wait) so that its `handle` rejects; false when none of it runs.
   */
  interrupt?(conversationKey: string): boolean;
  /**
   * Shutdown, after the grace period: abort the turns still running (model streams,
   * tools). Their `handle` then rejects, and the bridge leaves them in the inbox to
   * run again at the next start.
   */
  abandon?(): void;
}

export interface BridgeOptions {
  /** Conversations handled in parallel. */
  concurrency: number;
  /** Messages waiting in memory before adapters are slowed down. */
  capacity: number;
  /** Interrupted runs of a message before it is answered with an apology instead. */
  maxAttempts: number;
  /** Minimum gap between draft edits for `streaming: 'edit'` channels. */
  draftIntervalMs: number;
  /** How often "typing…" is refreshed while a turn runs. */
  typingIntervalMs: number;
  /** Turns shorter than this show no typing indicator at all. */
  typingDelayMs: number;
  /** Later delivery attempts for a reply whose network/5xx failures outlasted the retries. */
  maxRedeliveries: number;
  /** Wait before the first later attempt (multiplied by the attempt number). */
  redeliveryDelayMs: number;
  /** Finished inbox rows are kept this long (the dedupe window), then pruned (at start, then hourly). */
  inboxRetentionMs: number;
  retry?: Partial<RetryOptions>;
  /** Share the inbox with other nodes through leased lanes instead of the in-memory queue. */
  work?: WorkQueue;
  /** With `work`: how often this node also looks for work without a notification. */
  workPollMs?: number;
  /**
   * Deletes workspace files a channel saved for a message that turned out to be a
   * duplicate (a platform redelivery downloads its files again); the first
   * delivery's files stay.
   */
  discardFiles?: (paths: string[]) => Promise<unknown>;
  /** Queue mode and debounce per conversation; without it: `followup`, no debounce. */
  modes?: QueueModes;
}

export const defaultBridgeOptions: BridgeOptions = {
  concurrency: 16,
  capacity: 1000,
  maxAttempts: 3,
  draftIntervalMs: 1000,
  typingIntervalMs: 4000,
  typingDelayMs: 300,
  maxRedeliveries: 5,
  redeliveryDelayMs: 30_000,
  inboxRetentionMs: 7 * 24 * 3600_000,
};

/** Events for metrics and the admin page. */
export type BridgeEvent =
  | { type: 'accepted'; channel: string; duplicate: boolean }
  | { type: 'replied'; channel: string; latencyMs: number; chunks: number }
  | { type: 'silent'; channel: string }
  | { type: 'failed'; channel: string; error: string }
  | { type: 'retry'; channel: string; status: number | undefined; delayMs: number };

/** The rows one turn answers, and the conversation's queue mode when they were taken. */
interface Collected {
  rows: InboxEntry[];
  mode: QueueMode;
}

/** The id under which a turn's reply is streamed. */
const replyIdOf = (entry: InboxEntry) => `r${entry.id}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Appended to the draft of a turn that a newer message interrupted. */
const INTERRUPTED = '…(interrupted)';

const APOLOGY = 'Sorry, I could not process this message. Please try again.';

/** How often finished inbox rows past the retention are deleted while running. */
const PRUNE_INTERVAL_MS = 3600_000;

export class Bridge {
  /** Batches of inbox rows (one turn each), per conversation. */
  private readonly queue: ConversationQueue<InboxEntry[]>;
  private readonly debouncer: Debouncer<InboxEntry>;
  private readonly interrupts: Interrupts;
  private readonly modes: QueueModes;
  private readonly adapters = new Map<string, { adapter: ChannelAdapter; sender: Sender }>();
  private readonly listeners: ((event: BridgeEvent) => void)[] = [];
  private readonly control = new Set<Promise<void>>();
  private readonly redeliveries = new Set<NodeJS.Timeout>();
  private readonly redeliveryCount = new Map<number, number>();
  private readonly redeliveryPending = new Set<number>();
  /** Inbox rows waiting in the queue, running, or waiting for redelivery. */
  private readonly live = new Set<number>();
  /** Per conversation, the last row on its way into the queue (inOrder). */
  private readonly arriving = new Map<string, Promise<void>>();
  private recovering: Promise<unknown> | undefined;
  private stopping = false;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** Conversations whose running turn waits for an approval (see `Turn.hold`). */
  private readonly held = new Map<
    string,
    { note: string; told: boolean; send: (text: string) => Promise<unknown> }
  >();
  private readonly options: BridgeOptions;
  /** Set with `options.work`; runs only once {@link startLanes} is called (worker roles). */
  private readonly lanes: LaneDispatcher | undefined;
  /** Sender edits of messages still waiting for their turn (edits.ts). */
  private readonly edits: PendingEdits;

  constructor(
    readonly inbox: InboxStore,
    private readonly handler: MessageHandler,
    private readonly log: Logger,
    options: Partial<BridgeOptions> = {},
  ) {
    this.options = { ...defaultBridgeOptions, ...options };
    this.modes = this.options.modes ?? followupOnly;
    this.interrupts = new Interrupts({
      abort: handler.interrupt?.bind(handler),
      standalone: (message) => this.standalone(message),
      log,
    });
    this.queue = new ConversationQueue<InboxEntry[]>(
      { concurrency: this.options.concurrency, capacity: this.options.capacity },
      (rows) => this.process(rows),
      (error, key) => this.log.error({ err: error, conversation: key }, 'queue handler failed'),
    );
    this.debouncer = new Debouncer<InboxEntry>((key, rows) => void this.queue.push(key, rows));
    const { work } = this.options;
    this.lanes = work
      ? new LaneDispatcher(work, (entry, inbox) => this.runClaimed(entry, inbox), log, {
          concurrency: this.options.concurrency,
          pollMs: this.options.workPollMs ?? 1000,
          onAccepted: () => this.interrupts.scanLanes(work),
        })
      : undefined;
    this.edits = new PendingEdits(inbox, work !== undefined);
  }

  /** Shared inbox: starts claiming and running lanes on this node (worker roles). */
  async startLanes(): Promise<void> {
    await this.lanes?.start();
  }

  /** Shared inbox: the lanes this node runs right now. */
  get leasedLanes(): string[] {
    return this.lanes?.lanes ?? [];
  }

  /** Runs one row of a leased lane through `inbox` (fenced); a lost lease throws LeaseLostError. */
  private async runClaimed(entry: InboxEntry, inbox: InboxStore): Promise<void> {
    if (!this.adapters.has(entry.message.channel)) {
      this.log.warn({ inboxId: entry.id, channel: entry.message.channel }, 'no such channel here');
      await inbox.fail(entry.id, `channel ${entry.message.channel} is not registered on this node`);
      return;
    }
    const { rows, mode } = await this.laneRows(entry, this.options.work!);
    await this.runOrResume(rows, inbox, mode);
  }

  /** Shared inbox: the lane's rows that one turn answers with `entry` (queue modes). */
  private async laneRows(entry: InboxEntry, work: WorkQueue): Promise<Collected> {
    const alone = { rows: [entry], mode: 'followup' as const };
    if (entry.state !== 'pending' || this.standalone(entry.message)) return alone;
    if (this.handler.isControl?.(entry.message)) return alone;
    const policy = await this.modes.of(entry.conversationKey, entry.message.channel);
    const rows = await laneBatch(entry, policy, {
      unfinished: (limit) => work.unfinished(entry.conversationKey, limit),
      standalone: (message) => this.standalone(message),
      sleep,
      now: Date.now,
    });
    return { rows, mode: policy.mode };
  }

  /** Registers an adapter; returns the sink it delivers inbound messages to. */
  register(adapter: ChannelAdapter): InboundSink {
    const onRetry = (error: unknown, _attempt: number, delayMs: number) =>
      this.emit({
        type: 'retry',
        channel: adapter.id,
        status: error instanceof PlatformError ? error.status : undefined,
        delayMs,
      });
    const onPlainFallback = (error: PlatformError) =>
      this.log.warn({ channel: adapter.id, err: error }, 'markup refused; resent as plain text');
    const sender = new Sender(adapter, {
      retry: { ...this.options.retry, onRetry },
      onPlainFallback,
    });
    this.adapters.set(adapter.id, { adapter, sender });
    return {
      accept: (message) => this.accept(message),
      edited: (message) => this.edited(message),
    };
  }

  /** The sender pipeline of a registered channel. */
  sender(channel: string): Sender {
    const entry = this.adapters.get(channel);
    if (!entry) throw new Error(`channel ${channel} is not registered`);
    return entry.sender;
  }

  adapter(channel: string): ChannelAdapter | undefined {
    return this.adapters.get(channel)?.adapter;
  }

  on(listener: (event: BridgeEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Turns waiting in the queue (not running), and messages waiting for their burst to end. */
  get depth(): number {
    return this.queue.depth + this.debouncer.size;
  }

  get active(): number {
    return this.lanes ? this.lanes.active : this.queue.active;
  }

  /**
   * Re-enqueues everything a previous run accepted but did not finish, oldest first,
   * skipping rows a live turn of this process owns. Messages accepted meanwhile wait
   * until the recovered rows are queued, so they queue behind them. Also prunes
   * finished rows older than the retention.
   */
  async recover(): Promise<number> {
    const run = this.reclaimAndSchedule();
    this.recovering = run;
    try {
      return await run;
    } finally {
      this.recovering = undefined;
    }
  }

  private async reclaimAndSchedule(): Promise<number> {
    await this.prune();
    // A process that runs for weeks prunes as it goes, not only when it starts.
    this.pruneTimer ??= setInterval(() => void this.prune(), PRUNE_INTERVAL_MS).unref();
    // A shared inbox is recovered by the lanes: expired leases are claimed like new work.
    if (this.lanes) return 0;
    const entries = (await this.inbox.reclaim()).filter(
      (entry) => this.adapters.has(entry.message.channel) && !this.live.has(entry.id),
    );
    await this.scheduleRecovered(entries);
    if (entries.length > 0)
      this.log.info({ count: entries.length }, 'recovering unfinished messages');
    return entries.length;
  }

  private async prune(): Promise<void> {
    try {
      const pruned = await this.inbox.prune(this.options.inboxRetentionMs);
      if (pruned > 0) this.log.info({ count: pruned }, 'pruned finished inbox rows');
    } catch (error) {
      this.log.warn({ err: error }, 'could not prune the inbox');
    }
  }

  /** Waits for debounced, queued and running messages. */
  async drain(): Promise<void> {
    do {
      await this.debouncer.idle();
      await this.queue.drain();
    } while (this.debouncer.size > 0);
    await Promise.all([...this.control]);
  }

  /**
   * Stops taking new work from the queue and lets running turns finish for up to
   * `graceMs`; then the handler aborts the rest (`abandon`), and whatever is still
   * unfinished stays in the inbox for the next start.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.pruneTimer);
    this.queue.stop();
    this.debouncer.clear();
    await this.lanes?.stop(graceMs);
    for (const timer of this.redeliveries) clearTimeout(timer);
    const busy = () => this.queue.active > 0 || this.control.size > 0;
    const waitIdle = async (ms: number) => {
      const deadline = Date.now() + ms;
      while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    await waitIdle(graceMs);
    if (busy() && this.handler.abandon) {
      this.handler.abandon();
      await waitIdle(1000);
    }
    await Promise.all([...this.adapters.values()].map(({ sender }) => sender.stop()));
  }

  /**
   * Accepts a message that no platform sent (a scheduled job's run) through the same
   * inbox and queue, in its conversation's lane. Its channel must be registered.
   */
  submit(message: InboundMessage): Promise<{ duplicate: boolean }> {
    if (!this.adapters.has(message.channel))
      return Promise.reject(new Error(`channel ${message.channel} is not registered`));
    return this.accept(message);
  }

  private async accept(message: InboundMessage): Promise<{ duplicate: boolean }> {
    const key = conversationKey(message);
    const control = this.handler.isControl?.(message);
    const lane = control ? `control:${message.channel}:${message.platformMessageId}` : key;
    const passedOver = !control && this.handler.passesOver?.(message) === true;
    const stored = passedOver ? idsOnly(message) : message;
    const { entry, duplicate } = await this.inbox.accept(stored, key, { lane });
    this.emit({ type: 'accepted', channel: message.channel, duplicate });
    if (duplicate) {
      await this.discardCopies(message, entry);
      return { duplicate };
    }
    if (passedOver) {
      await this.passOver(message, entry);
      return { duplicate };
    }
    if (this.lanes) {
      this.lanes.wake();
      return { duplicate };
    }
    await this.recovering;
    await this.schedule(entry, true);
    return { duplicate };
  }

  /**
   * A sender edited a message: it replaces the stored text while the message waits
   * for its turn; once the turn started (or the message was answered) it is ignored.
   */
  private async edited(message: InboundMessage): Promise<{ applied: boolean }> {
    const applied = await this.edits.apply(message);
    this.log.debug(
      { channel: message.channel, platformMessageId: message.platformMessageId, applied },
      applied ? 'edit applied to a waiting message' : 'edit ignored: its turn started or ended',
    );
    return { applied };
  }

  /** A message no turn is run for: done at once; files its channel saved for it are deleted. */
  private async passOver(message: InboundMessage, entry: InboxEntry): Promise<void> {
    await this.inbox.complete(entry.id);
    await this.discardCopies(message, entry);
    this.log.debug({ inboxId: entry.id }, 'message passed over: only its ids are stored');
    this.emit({ type: 'silent', channel: message.channel });
  }

  /** The files a redelivered message brought that its stored row does not reference. */
  private async discardCopies(message: InboundMessage, stored: InboxEntry): Promise<void> {
    const kept = new Set(stored.message.attachments.map((a) => a.path));
    const copies = message.attachments.flatMap((a) =>
      a.path && !kept.has(a.path) ? [a.path] : [],
    );
    if (copies.length === 0 || !this.options.discardFiles) return;
    await this.options
      .discardFiles(copies)
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not delete duplicate files'));
  }

  /** A message behind a turn that waits for an approval learns why, once per wait. */
  private tellHeld(entry: InboxEntry): void {
    const held = this.held.get(entry.conversationKey);
    if (!held || held.told || this.handler.isControl?.(entry.message)) return;
    held.told = true;
    held
      .send(held.note)
      .catch((error: unknown) =>
        this.log.warn({ err: error }, 'could not tell a waiting conversation why'),
      );
  }

  private standalone(message: InboundMessage): boolean {
    return this.handler.standalone?.(message) === true;
  }

  /**
   * Queues (or, for control messages, runs) an inbox row unless it is already live.
   * A row just `accepted` may interrupt its conversation's turn; a pending row waits
   * for the end of its burst when the conversation debounces.
   */
  private async schedule(entry: InboxEntry, accepted = false): Promise<void> {
    if (this.live.has(entry.id)) return;
    this.live.add(entry.id);
    if (this.handler.isControl?.(entry.message)) {
      const run = this.process([entry]).finally(() => this.control.delete(run));
      this.control.add(run);
      return;
    }
    this.edits.queued(entry);
    const key = entry.conversationKey;
    // Rows enter the queue in the order they arrived, however long each one's policy
    // lookup takes (a command needs none and would otherwise overtake a message).
    await this.inOrder(key, async () => {
      const alone = entry.state !== 'pending' || this.standalone(entry.message);
      const policy = alone ? undefined : await this.modes.of(key, entry.message.channel);
      const interrupted =
        accepted && policy?.mode === 'interrupt' && this.interrupts.interrupt(entry);
      if (accepted && !interrupted) this.tellHeld(entry);
      // A row that interrupted a turn joins that turn's rows at once: if it waited for its
      // burst to end, the interrupted rows would run again without it.
      if (policy && policy.debounceMs > 0 && !interrupted) {
        this.debouncer.add(key, entry, policy.debounceMs);
        return;
      }
      // A row that may not wait must not overtake a burst of its conversation either.
      this.debouncer.end(key);
      await this.queue.push(key, [entry]);
    });
  }

  /** Runs `step` after the steps scheduled before it for conversation `key`. */
  private inOrder(key: string, step: () => Promise<void>): Promise<void> {
    const next = (this.arriving.get(key) ?? Promise.resolve()).then(step);
    const settled = next.catch(() => {});
    this.arriving.set(key, settled);
    void settled.then(() => {
      if (this.arriving.get(key) === settled) this.arriving.delete(key);
    });
    return next;
  }

  /**
   * Queues the rows a previous run left unfinished (oldest first), each conversation's
   * consecutive pending rows as one batch unless it is in `followup`: a merged turn
   * interrupted by a crash runs again merged.
   */
  private async scheduleRecovered(entries: InboxEntry[]): Promise<void> {
    const byConversation = new Map<string, InboxEntry[]>();
    for (const entry of entries)
      byConversation.set(entry.conversationKey, [
        ...(byConversation.get(entry.conversationKey) ?? []),
        entry,
      ]);
    for (const [key, rows] of byConversation) {
      const { mode } = await this.modes.of(key, rows[0]!.message.channel);
      const standalone = (message: InboundMessage) => this.standalone(message);
      const groups = mode === 'followup' ? rows.map((row) => [row]) : batches(rows, standalone);
      for (const group of groups) {
        if (group.length === 1) await this.schedule(group[0]!);
        else {
          for (const row of group) {
            this.live.add(row.id);
            this.edits.queued(row);
          }
          await this.queue.push(key, group);
        }
      }
    }
  }

  /**
   * Runs (or resumes) one batch; its rows are current: just accepted or just read from
   * the inbox. An interrupted batch goes back to the front of its lane, where the next
   * turn collects the messages that interrupted it.
   */
  private async process(batch: InboxEntry[]): Promise<void> {
    let rows = batch;
    let requeued = false;
    try {
      const collected = await this.collect(batch);
      rows = collected.rows;
      const outcome = await this.runOrResume(rows, this.inbox, collected.mode);
      if (outcome === 'interrupted' && !this.stopping) {
        this.queue.requeueFront(rows[0]!.conversationKey, rows);
        requeued = true;
      }
    } finally {
      if (!requeued)
        for (const row of rows) if (!this.redeliveryPending.has(row.id)) this.live.delete(row.id);
    }
  }

  /** Outside `followup`: the batch and the waiting rows that may join it, in order. */
  private async collect(batch: InboxEntry[]): Promise<Collected> {
    const head = batch[0]!;
    const alone = { rows: batch, mode: 'followup' as const };
    if (head.state !== 'pending' || this.standalone(head.message)) return alone;
    // A control message runs outside its conversation's lane: it takes nothing from it.
    if (this.handler.isControl?.(head.message)) return alone;
    const { mode } = await this.modes.of(head.conversationKey, head.message.channel);
    if (mode === 'followup') return alone;
    const rows = [...batch];
    const standalone = (message: InboundMessage) => this.standalone(message);
    this.queue.takeWaiting(head.conversationKey, (item) => {
      if (!joins(rows.at(-1)!, item[0]!, standalone)) return false;
      rows.push(...item);
      return true;
    });
    return { rows, mode };
  }

  /** `mode`: the conversation's queue mode as the batch was formed. */
  private async runOrResume(
    rows: InboxEntry[],
    inbox: InboxStore,
    mode: QueueMode,
  ): Promise<'interrupted' | undefined> {
    // From here on an edit of these messages is ignored; one being written lands first.
    await Promise.all(rows.map((row) => this.edits.start(row)));
    const entry = batchEntry(rows);
    const merged = rows.slice(0, -1).map((row) => row.id);
    const registered = this.adapters.get(entry.message.channel);
    if (!registered) return;
    if (entry.state === 'done' || entry.state === 'failed') return;
    const resumed = entry.state === 'replying' && entry.reply !== undefined;
    const reply = resumed
      ? entry.reply!
      : await this.runTurn(entry, merged, registered, inbox, mode);
    if (reply === 'interrupted') {
      // Not a crash: the aborted run does not count against the rows' attempts.
      for (const row of rows) await inbox.interrupted(row.id);
      return 'interrupted';
    }
    if (reply === 'delivered' || reply === 'abandoned') return;
    if (reply === null) {
      await inbox.complete(entry.id, undefined, merged);
      this.emit({ type: 'silent', channel: entry.message.channel });
      return;
    }
    await this.deliver(entry, reply, registered.sender, inbox, resumed);
  }

  /**
   * Runs the handler and freezes its reply (or `null` when it stays silent). `entry`
   * is a batch's (batch.ts): `merged` are its other rows, marked done with the freeze.
   */
  private async runTurn(
    entry: InboxEntry,
    merged: number[],
    { adapter, sender }: { adapter: ChannelAdapter; sender: Sender },
    inbox: InboxStore,
    mode: QueueMode,
  ): Promise<StoredReply | 'delivered' | 'abandoned' | 'interrupted' | null> {
    const target = replyTarget(entry.message);
    const draft =
      adapter.capabilities.streaming === 'edit' && adapter.edit
        ? new DraftStream(sender, target, {
            intervalMs: this.options.draftIntervalMs,
            ...(inbox.guard ? { guard: () => inbox.guard!() } : {}),
          })
        : undefined;
    let reply: Reply | null;
    const stopTyping = this.keepTyping(sender, target, entry.conversationKey);
    let running: ReturnType<Interrupts['start']> | undefined;
    try {
      if (entry.attempts >= this.options.maxAttempts) reply = { text: APOLOGY };
      else {
        for (const id of [...merged, entry.id]) await inbox.begin(id);
        running = this.interrupts.start(entry, [...merged, entry.id], mode);
        reply = await this.handler.handle(this.turn(entry, adapter, sender, target, draft));
      }
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      if (running?.turn.interrupted) {
        await draft?.cutShort(INTERRUPTED);
        return 'interrupted';
      }
      if (this.stopping) {
        this.log.info({ inboxId: entry.id }, 'turn abandoned at shutdown; it runs again at start');
        return 'abandoned';
      }
      this.log.error({ err: error, inboxId: entry.id }, 'handler failed');
      reply = { text: APOLOGY };
    } finally {
      running?.end();
      stopTyping();
      if (!draft) adapter.endStream?.(target, replyIdOf(entry));
    }
    const draftId = await draft?.close();
    if (reply === null) return null;
    return this.freeze(entry, merged, reply, draftId, { adapter, sender }, inbox);
  }

  /** Freezes a turn's reply on `entry`'s row (and marks `merged` done with it). */
  private async freeze(
    entry: InboxEntry,
    merged: number[],
    reply: Reply,
    draftId: string | undefined,
    { adapter, sender }: { adapter: ChannelAdapter; sender: Sender },
    inbox: InboxStore,
  ): Promise<StoredReply | 'delivered'> {
    const stored: StoredReply = {
      chunks: sender.render(reply.text),
      sent: 0,
      messageIds: [],
      ...(reply.buttons?.length ? { buttons: reply.buttons } : {}),
      ...(draftId ? { draftMessageId: draftId } : {}),
    };
    if (adapter.localOutbox && !draftId) {
      await this.deliverLocally(entry, stored, reply.session, adapter.localOutbox, inbox, merged);
      return 'delivered';
    }
    await inbox.setReply(entry.id, stored, reply.session, merged);
    return stored;
  }

  /** A local-write channel: the reply is stored, delivered and marked done in one transaction. */
  private async deliverLocally(
    entry: InboxEntry,
    reply: StoredReply,
    session: Reply['session'],
    outbox: LocalOutbox,
    inbox: InboxStore,
    merged: number[],
  ): Promise<void> {
    const target = replyTarget(entry.message);
    const clientId = target.conversationId;
    const items = await inbox.setReplyDelivered(entry.id, reply, session, clientId, merged);
    outbox.pushStored(items);
    this.emitReplied(entry, reply.chunks.length);
  }

  private turn(
    entry: InboxEntry,
    adapter: ChannelAdapter,
    sender: Sender,
    target: OutboundTarget,
    draft?: DraftStream,
  ): Turn {
    const replyId = replyIdOf(entry);
    return {
      inboxId: entry.id,
      conversationKey: entry.conversationKey,
      message: entry.message,
      rerun: entry.attempts > 0,
      queueDepth: this.depth,
      receivedAt: entry.receivedAt,
      target,
      adapter,
      stream: (delta) => {
        if (draft) draft.push(delta);
        else adapter.streamDelta?.(target, replyId, delta);
      },
      notify: (markdown, buttons) => sender.send(target, markdown, buttons),
      hold: (note) => {
        const held = { note, told: false, send: (text: string) => sender.send(target, text) };
        this.held.set(entry.conversationKey, held);
        return () => {
          if (this.held.get(entry.conversationKey) === held)
            this.held.delete(entry.conversationKey);
        };
      },
    };
  }

  /**
   * Delivers the stored chunks from the first unsent one, recording progress. Each
   * piece carries its delivery key; when `resumed` (the reply was read back from the
   * inbox), the first piece may already have reached the platform.
   */
  private async deliver(
    entry: InboxEntry,
    reply: StoredReply,
    sender: Sender,
    inbox: InboxStore,
    resumed = false,
  ): Promise<void> {
    const target = replyTarget(entry.message);
    const first = reply.sent;
    try {
      for (let index = first; index < reply.chunks.length; index++) {
        await inbox.guard?.();
        const chunk = reply.chunks[index]!;
        const buttons = index === reply.chunks.length - 1 ? reply.buttons : undefined;
        let id: string;
        if (index === 0 && reply.draftMessageId) {
          await sender.editChunk(target, reply.draftMessageId, chunk, buttons);
          id = reply.draftMessageId;
        } else {
          const key = deliveryKey(entry, index, resumed && index === first);
          id = await sender.sendChunk(target, chunk, buttons, key);
        }
        reply.sent = index + 1;
        reply.messageIds.push(id);
        if (reply.sent < reply.chunks.length) await inbox.updateReply(entry.id, reply);
      }
      await inbox.complete(entry.id, reply);
      this.redeliveryCount.delete(entry.id);
      this.emitReplied(entry, reply.chunks.length);
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      await this.deliveryFailed(entry, error, inbox);
    }
  }

  /**
   * A reply that could not be delivered: platform refusals are final; network and
   * 5xx failures that outlasted the retries are tried again later (the reply stays
   * frozen in the inbox, so it is never generated twice).
   */
  private async deliveryFailed(
    entry: InboxEntry,
    error: unknown,
    inbox: InboxStore,
  ): Promise<void> {
    const count = (this.redeliveryCount.get(entry.id) ?? 0) + 1;
    this.redeliveryCount.set(entry.id, count);
    if (isRetryable(error) && count <= this.options.maxRedeliveries && !this.stopping) {
      this.log.warn(
        { err: error, inboxId: entry.id, attempt: count },
        'reply delivery failed; will try again',
      );
      // A leased lane waits holding its lease; the lane then resumes the stored reply.
      if (this.lanes) return sleep(this.options.redeliveryDelayMs * count);
      this.redeliveryPending.add(entry.id);
      const timer = setTimeout(
        () => void this.redeliver(timer, entry.id),
        this.options.redeliveryDelayMs * count,
      );
      timer.unref();
      this.redeliveries.add(timer);
      return;
    }
    this.redeliveryCount.delete(entry.id);
    await inbox.fail(entry.id, describeError(error));
    this.emit({ type: 'failed', channel: entry.message.channel, error: describeError(error) });
    this.log.error({ err: error, inboxId: entry.id }, 'reply delivery failed for good');
  }

  /** A later delivery attempt: the row is read again, since the reply's progress is stored. */
  private async redeliver(timer: NodeJS.Timeout, id: number): Promise<void> {
    this.redeliveries.delete(timer);
    this.redeliveryPending.delete(id);
    this.live.delete(id);
    const current = await this.inbox.get(id);
    if (current) await this.schedule(current);
  }

  private keepTyping(sender: Sender, target: OutboundTarget, key: string): () => void {
    let interval: NodeJS.Timeout | undefined;
    const typing = () => {
      if (!this.held.has(key)) void sender.typing(target);
    };
    const first = setTimeout(() => {
      typing();
      interval = setInterval(typing, this.options.typingIntervalMs);
    }, this.options.typingDelayMs);
    return () => {
      clearTimeout(first);
      clearInterval(interval);
    };
  }

  private emitReplied(entry: InboxEntry, chunks: number): void {
    this.emit({
      type: 'replied',
      channel: entry.message.channel,
      latencyMs: Date.now() - entry.receivedAt,
      chunks,
    });
  }

  private emit(event: BridgeEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
