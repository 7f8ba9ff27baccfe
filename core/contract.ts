/**
 * The channel contract: the one interface every messenger adapter implements.
 *
 * Pipeline position:
 *
 *   platform ──► ChannelAdapter ──InboundMessage──► bridge (inbox → queue) ──► agent router
 *   platform ◄── ChannelAdapter.send/edit ◄── bridge sender (format → chunk → throttle → retry → mapErrors)
 *
 * An adapter translates one platform's events into {@link InboundMessage}s and
 * performs the raw outbound primitives. It never talks to the model, the store or
 * another adapter, and the router never imports a platform library: everything
 * the router needs to know about a platform is declared in {@link ChannelCapabilities}.
 *
 * Inbound delivery rule: an adapter hands each message to `sink.accept()` and
 * acknowledges it to its platform only after that promise resolves, because
 * `accept` returns once the message is durably stored in the inbox. `accept` may
 * also take a while when the queue is full: that is backpressure, and the adapter
 * should simply wait (stop polling, delay the HTTP answer) instead of buffering.
 *
 * Outbound rule: `send` and `edit` are single platform calls for text that already
 * fits the declared limits. Errors are mapped to the error tree in
 * `core/errors.ts` (PlatformError with status and retry-after, NetworkError) in
 * exactly one place per adapter (`mapError`, from `channels/<name>/errors.ts`); the
 * sender's mapErrors step turns anything else into a HandlerError, never retried.
 *
 * @example A minimal adapter
 * ```ts
 * const echo: ChannelAdapter = {
 *   id: 'echo',
 *   capabilities: { maxMessageLength: 1000, format: 'plain', edits: false, buttons: false,
 *                   threads: false, typing: false, streaming: 'none', rateLimits: {} },
 *   async start(sink) { sink.accept({ ...someInbound }) },
 *   async stop() {},
 *   async send(target, msg) { console.log(msg.text); return { messageId: '1' } },
 * }
 * ```
 */
import type { ErrorMapper } from './errors.js';

import type { LocalOutbox } from './stores.js';

/** A file attached to an inbound message, already fetched (or referenced) by the adapter. */
export interface Attachment {
  kind: 'image' | 'audio' | 'video' | 'document' | 'other';
  /** MIME type when the platform reports one. */
  mimeType?: string;
  fileName?: string;
  /** Size in bytes when known. */
  size?: number;
  /** Local path where the adapter saved the file (inside the conversation's workspace). */
  path?: string;
  /** Base64 data for small images handed to vision models. */
  dataBase64?: string;
  /** Platform file reference, for adapters that download lazily. */
  platformFileId?: string;
}

/** A message as every channel delivers it to the bridge. Plain data, JSON-serialisable. */
export interface InboundMessage {
  /** Channel id, e.g. `telegram`, `web`. Part of the dedupe key. */
  channel: string;
  /** Which bot account of that channel received it (one adapter may serve several). */
  account: string;
  /** Platform chat / channel / JID: where a reply goes. */
  conversationId: string;
  /** Thread or topic inside the conversation, when the platform has them. */
  threadId?: string;
  sender: { id: string; name?: string; isBot?: boolean };
  /** `dm` for one-to-one chats, `group` for anything with more people. */
  chatType: 'dm' | 'group';
  /** The bot was @mentioned (or addressed with `/cmd@ThisBot`). */
  mentionsBot: boolean;
  /** The message replies to one of the bot's own messages. */
  repliesToBot: boolean;
  /** Text with the bot mention removed where the platform allows it. */
  text: string;
  attachments: Attachment[];
  /** Platform message id: with `channel` this is the dedupe key. */
  platformMessageId: string;
  /** Platform timestamp, ms since epoch. */
  timestamp: number;
  /**
   * Platform id of this message to quote when answering it in a group (Telegram), so
   * a busy group sees whom the bot answers. Unset where replies go to a thread instead.
   */
  quoteId?: string;
  /**
   * A pressed button, when the event is a button callback rather than text.
   * `data` is what {@link OutboundButton.data} carried.
   */
  action?: {
    data: string;
    callbackId?: string;
    /** The bot's message that carried the button (to take its buttons off afterwards). */
    messageId?: string;
  };
  /** Platform-specific extras an adapter wants back when replying (JSON only). */
  raw?: Record<string, unknown>;
  /**
   * Set only by Parley's scheduler, never by an adapter: this message is a run of a
   * scheduled job (`platformMessageId` is `job:<id>:<dueAt>`). The router runs the
   * job's instruction instead of checking a platform sender; `skip` delivers the
   * note of a missed run that its catch-up policy skips.
   */
  job?: { id: number; dueAt: number; kind: 'run' | 'skip'; note?: string };
}

/** Where outbound messages go: a conversation, optionally a thread, optionally replying to a message. */
export interface OutboundTarget {
  account: string;
  conversationId: string;
  threadId?: string;
  replyToMessageId?: string;
  /** Lets the throttle apply group limits. */
  chatType?: 'dm' | 'group';
}

/** What a pressed button led to (see {@link ChannelAdapter.acknowledgeAction}). */
export interface ActionAnswer {
  text: string;
  /** The request is settled: its buttons come off. */
  final: boolean;
}

/** An inline button; `data` comes back as {@link InboundMessage.action}. */
export interface OutboundButton {
  label: string;
  data: string;
  style?: 'primary' | 'danger';
}

export interface OutboundMessage {
  /** Text already rendered in the adapter's dialect and within `maxMessageLength`. */
  text: string;
  /** Rendered in the dialect the adapter declared (`plain` when a parse fallback is needed). */
  format: FormatDialect;
  buttons?: OutboundButton[];
  /** Set on the pieces of a reply: the key that makes a repeated send recognisable. */
  delivery?: DeliveryKey;
}

/**
 * The identity of one piece of a reply, the same on every attempt and every node
 * (derived from the inbox row and the piece's index), so a piece sent again after a
 * crash can be recognised as the same one. Platforms with an idempotency key use it
 * as that key (Discord's `nonce` with `enforce_nonce`, WhatsApp's message id);
 * others may look for it before sending when `resumed` (Slack message metadata).
 */
export interface DeliveryKey {
  /** At most 25 characters of `[0-9a-z.]` (Discord's nonce limit). */
  key: string;
  /**
   * An earlier attempt at this piece may have reached the platform: delivery resumed
   * after a restart or a take-over by another node. False on the normal path.
   */
  resumed: boolean;
}

export interface SentMessage {
  /** Platform id of the message, used for edits and reply detection. */
  messageId: string;
}

/**
 * Markup dialect of rendered text. `plain` is understood by every channel (the sender
 * falls back to it when a platform refuses the markup); any other name is the
 * channel's own (`telegram-html`, `slack-mrkdwn` …): the sender only passes it on,
 * so a new channel declares its dialect without editing this file.
 */
export type FormatDialect = 'plain' | (string & {});

/** Rate limits an adapter declares; the sender's throttle enforces them. */
export interface RateLimits {
  /** Minimum milliseconds between two messages in one conversation. */
  perConversationMinMs?: number;
  /** Messages allowed per `windowMs` in one group conversation. */
  perGroup?: { max: number; windowMs: number };
  /** Messages allowed per `windowMs` across the whole account. */
  global?: { max: number; windowMs: number };
}

/** What an adapter can do; the router and sender adapt to this, never to the platform name. */
export interface ChannelCapabilities {
  /** Longest text one message may carry, in characters. */
  maxMessageLength: number;
  format: FormatDialect;
  /** `edit()` is implemented. */
  edits: boolean;
  /** Inline buttons are rendered (otherwise approvals are asked with reply codes). */
  buttons: boolean;
  /** Threads/topics exist and `threadId` is meaningful. */
  threads: boolean;
  /** `typing()` is implemented. */
  typing: boolean;
  /**
   * How partial answers are shown while the model writes: `deltas` pushes each
   * fragment (`streamDelta`), `edit` edits a draft message, `none` sends at the end.
   */
  streaming: 'deltas' | 'edit' | 'none';
  rateLimits: RateLimits;
  /**
   * Senders are already authenticated by the channel itself (web chat token, local
   * terminal): the access policy lets them in without pairing.
   */
  preauthenticated?: boolean;
  /**
   * `exclusive`: the channel holds one connection per account (Telegram long polling,
   * a WhatsApp socket, the Discord gateway, Slack Socket Mode). When several Parley
   * nodes share a database, only the node holding the channel's connection lease
   * starts it; another takes over when that node dies. Omitted: any node may receive
   * (webhooks behind a load balancer, web chat).
   */
  connection?: 'exclusive';
}

/** The bridge side of an adapter: where inbound messages go. */
export interface InboundSink {
  /**
   * Stores the message durably (deduplicated) and schedules it. Resolves once it is
   * safe to acknowledge the platform; `duplicate` means it was seen before.
   */
  accept(message: InboundMessage): Promise<{ duplicate: boolean }>;
  /**
   * The sender edited a message accepted earlier (Telegram `edited_message`). `message`
   * is the edited message normalized like a new one, with the original's
   * `platformMessageId`. Its text (and whether it addresses the bot) replaces the
   * stored one only while that message still waits for its turn: `applied: false`
   * when its turn already started or it was answered (the edit is then ignored), or
   * when no such message was accepted. Files of an edit are not fetched again.
   * Resolves once the outcome is stored: acknowledge the platform after it.
   */
  edited?(message: InboundMessage): Promise<{ applied: boolean }>;
}

/** The part of an edited message that replaces the stored one (see {@link InboundSink.edited}). */
export type MessageEdit = Pick<InboundMessage, 'text' | 'mentionsBot' | 'repliesToBot'>;

/** Current health of a channel, shown by `parley status` and the admin page. */
export interface ChannelStatus {
  state: 'starting' | 'connected' | 'qr' | 'paused' | 'stopped' | 'logged_out' | 'error';
  detail?: string;
  /** How to fix the last error, in plain words. */
  fix?: string;
  since: number;
}

export interface ChannelAdapter {
  /** Channel id, unique in one Parley process (`telegram`, `web`, ...). */
  readonly id: string;
  readonly capabilities: ChannelCapabilities;
  /** Connects and begins delivering messages to `sink`. Resolves when running. */
  start(sink: InboundSink): Promise<void>;
  /** Stops receiving, lets running deliveries finish, disconnects. */
  stop(): Promise<void>;
  /**
   * Renders model Markdown into the declared dialect (default: unchanged). Lives in
   * `channels/<name>/format.ts`.
   */
  render?(markdown: string): string;
  /** Splits rendered text into sendable pieces (default: `chunkText` from the bridge). */
  chunk?(rendered: string, limit: number): string[];
  /**
   * Rendered text as the plain text it shows, sent when the platform refused the
   * markup (`PlatformError.markupRefused`). Default: the rendered text unchanged.
   */
  toPlain?(rendered: string): string;
  /**
   * Maps this platform's errors into the error tree (`channels/<name>/errors.ts`);
   * `undefined` for an error it does not recognise, which becomes a HandlerError.
   */
  mapError?: ErrorMapper;
  /** One platform call sending one message. */
  send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage>;
  /** Replaces the text of a sent message (required when `capabilities.edits`). */
  edit?(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void>;
  /** Shows "typing…" for a few seconds (required when `capabilities.typing`). */
  typing?(target: OutboundTarget): Promise<void>;
  /** Pushes a streaming fragment of the reply `replyId` (when `streaming === 'deltas'`). */
  streamDelta?(target: OutboundTarget, replyId: string, delta: string): void;
  /**
   * The reply `replyId` is complete and its final message follows: fragments not
   * pushed yet may be dropped, since the final message supersedes them.
   */
  endStream?(target: OutboundTarget, replyId: string): void;
  /**
   * Sends a voice note (Ogg/Opus audio) that the platform plays inline: optional
   * spoken replies (Telegram `sendVoice`, WhatsApp PTT audio). Channels without it get text only.
   */
  sendVoice?(
    target: OutboundTarget,
    audio: { data: Uint8Array; mimeType: string },
  ): Promise<SentMessage>;
  /**
   * Answers a button press so the platform stops its spinner. With an `answer`, its
   * text is shown to the presser where the platform can (a toast); a `final` answer
   * (the request was decided, now or before) also takes the buttons off the message
   * that carried them, so nobody can press them again.
   */
  acknowledgeAction?(message: InboundMessage, answer?: ActionAnswer): Promise<void>;
  /** Set by channels whose delivery is a local write (see `LocalOutbox` in stores.ts). */
  readonly localOutbox?: LocalOutbox;
  /** Current status for operators. */
  status?(): ChannelStatus;
}

/**
 * Builds the target for replying to an inbound message in place: same conversation and
 * thread, quoting the message in groups where the channel asks for it ({@link InboundMessage.quoteId}).
 */
export function replyTarget(message: InboundMessage): OutboundTarget {
  return {
    account: message.account,
    conversationId: message.conversationId,
    chatType: message.chatType,
    ...(message.threadId !== undefined ? { threadId: message.threadId } : {}),
    ...(message.chatType === 'group' && message.quoteId !== undefined
      ? { replyToMessageId: message.quoteId }
      : {}),
  };
}

/** Key of a conversation lane (and of its session): channel, account, chat, thread. */
export function conversationKey(
  message: Pick<InboundMessage, 'channel' | 'account' | 'conversationId' | 'threadId'>,
): string {
  const base = `${message.channel}:${message.account}:${message.conversationId}`;
  return message.threadId ? `${base}:${message.threadId}` : base;
}
