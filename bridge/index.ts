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
import type { InboxEntry, NewMessage, StoredReply } from '../sessions/records.js';
import { type InboxStore, LeaseLostError, type WorkQueue } from '../sessions/stores.js';
import { LaneDispatcher } from './lanes.js';
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
  handle(turn: Turn): Promise<Reply | null>;
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

/** The id under which a turn's reply is streamed. */
const replyIdOf = (entry: InboxEntry) => `r${entry.id}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const APOLOGY = 'Sorry, I could not process this message. Please try again.';

/** How often finished inbox rows past the retention are deleted while running. */
const PRUNE_INTERVAL_MS = 3600_000;

export class Bridge {
  private readonly queue: ConversationQueue<InboxEntry>;
  private readonly adapters = new Map<string, { adapter: ChannelAdapter; sender: Sender }>();
  private readonly listeners: ((event: BridgeEvent) => void)[] = [];
  private readonly control = new Set<Promise<void>>();
  private readonly redeliveries = new Set<NodeJS.Timeout>();
  private readonly redeliveryCount = new Map<number, number>();
  private readonly redeliveryPending = new Set<number>();
  /** Inbox rows waiting in the queue, running, or waiting for redelivery. */
  private readonly live = new Set<number>();
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

  constructor(
    readonly inbox: InboxStore,
    private readonly handler: MessageHandler,
    private readonly log: Logger,
    options: Partial<BridgeOptions> = {},
  ) {
    this.options = { ...defaultBridgeOptions, ...options };
    this.queue = new ConversationQueue<InboxEntry>(
      { concurrency: this.options.concurrency, capacity: this.options.capacity },
      (entry) => this.process(entry),
      (error, key) => this.log.error({ err: error, conversation: key }, 'queue handler failed'),
    );
    const { work } = this.options;
    this.lanes = work
      ? new LaneDispatcher(work, (entry, inbox) => this.runClaimed(entry, inbox), log, {
          concurrency: this.options.concurrency,
          pollMs: this.options.workPollMs ?? 1000,
        })
      : undefined;
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
    await this.runOrResume(entry, inbox);
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
    return { accept: (message) => this.accept(message) };
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

  /** Messages waiting in the queue (not running). */
  get depth(): number {
    return this.queue.depth;
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
    for (const entry of entries) await this.schedule(entry);
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

  /** Waits for queued and running messages. */
  async drain(): Promise<void> {
    await this.queue.drain();
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
    const { entry, duplicate } = await this.inbox.accept(message, key, { lane });
    this.emit({ type: 'accepted', channel: message.channel, duplicate });
    if (duplicate) return { duplicate };
    if (this.lanes) {
      this.lanes.wake();
      return { duplicate };
    }
    await this.recovering;
    this.tellHeld(entry);
    await this.schedule(entry);
    return { duplicate };
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

  /** Queues (or, for control messages, runs) an inbox row unless it is already live. */
  private async schedule(entry: InboxEntry): Promise<void> {
    if (this.live.has(entry.id)) return;
    this.live.add(entry.id);
    if (this.handler.isControl?.(entry.message)) {
      const run = this.process(entry).finally(() => this.control.delete(run));
      this.control.add(run);
      return;
    }
    await this.queue.push(entry.conversationKey, entry);
  }

  /** Runs (or resumes) one message; `entry` is current: just accepted or just read from the inbox. */
  private async process(entry: InboxEntry): Promise<void> {
    try {
      await this.runOrResume(entry);
    } finally {
      if (!this.redeliveryPending.has(entry.id)) this.live.delete(entry.id);
    }
  }

  private async runOrResume(entry: InboxEntry, inbox = this.inbox): Promise<void> {
    const registered = this.adapters.get(entry.message.channel);
    if (!registered) return;
    if (entry.state === 'done' || entry.state === 'failed') return;
    const resumed = entry.state === 'replying' && entry.reply !== undefined;
    const reply = resumed ? entry.reply! : await this.runTurn(entry, registered, inbox);
    if (reply === 'delivered' || reply === 'abandoned') return;
    if (reply === null) {
      await inbox.complete(entry.id);
      this.emit({ type: 'silent', channel: entry.message.channel });
      return;
    }
    await this.deliver(entry, reply, registered.sender, inbox, resumed);
  }

  /** Runs the handler and freezes its reply (or `null` when it stays silent). */
  private async runTurn(
    entry: InboxEntry,
    { adapter, sender }: { adapter: ChannelAdapter; sender: Sender },
    inbox: InboxStore,
  ): Promise<StoredReply | 'delivered' | 'abandoned' | null> {
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
    try {
      if (entry.attempts >= this.options.maxAttempts) reply = { text: APOLOGY };
      else {
        await inbox.begin(entry.id);
        reply = await this.handler.handle(this.turn(entry, adapter, sender, target, draft));
      }
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      if (this.stopping) {
        this.log.info({ inboxId: entry.id }, 'turn abandoned at shutdown; it runs again at start');
        return 'abandoned';
      }
      this.log.error({ err: error, inboxId: entry.id }, 'handler failed');
      reply = { text: APOLOGY };
    } finally {
      stopTyping();
      if (!draft) adapter.endStream?.(target, replyIdOf(entry));
    }
    const draftId = await draft?.close();
    if (reply === null) return null;
    const stored: StoredReply = {
      chunks: sender.render(reply.text),
      sent: 0,
      messageIds: [],
      ...(reply.buttons?.length ? { buttons: reply.buttons } : {}),
      ...(draftId ? { draftMessageId: draftId } : {}),
    };
    if (adapter.localOutbox && !draftId) {
      await this.deliverLocally(entry, stored, reply.session, adapter.localOutbox, inbox);
      return 'delivered';
    }
    await inbox.setReply(entry.id, stored, reply.session);
    return stored;
  }

  /** A local-write channel: the reply is stored, delivered and marked done in one transaction. */
  private async deliverLocally(
    entry: InboxEntry,
    reply: StoredReply,
    session: Reply['session'],
    outbox: LocalOutbox,
    inbox: InboxStore,
  ): Promise<void> {
    const target = replyTarget(entry.message);
    const items = await inbox.setReplyDelivered(entry.id, reply, session, target.conversationId);
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
