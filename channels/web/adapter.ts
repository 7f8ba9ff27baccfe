/**
 * The web chat channel: a page plus a WebSocket at `/ws` on Parley's HTTP server
 * (loopback by default, token required; the server checks Origin and token before
 * `/ws` reaches this adapter). Whoever holds the token is the owner (the README's
 * trust model): every browser speaks as {@link WEB_SENDER}, may answer approvals,
 * and sees the same conversations. A conversation is an id the page makes; its
 * whole history (the user's messages, pressed buttons and the agent's replies) is
 * kept in the web outbox, so a reload or another browser replays it from the
 * server, exactly once by sequence number. Replies stream as deltas first.
 *
 * Wire protocol (JSON text frames), one socket per open conversation:
 *   client → server  { type: 'message', id, text, attachments?: [upload id] }
 *                    { type: 'action', id, data }
 *   server → client  { type: 'ack', id, duplicate }  { type: 'delta', replyId, text }
 *                    { type: 'message', seq, text, html, buttons? }   the agent
 *                    { type: 'user', seq, id, text, attachments? }    the user (any browser)
 *                    { type: 'decision', seq, id, data }              a pressed button
 *                    { type: 'typing' }  { type: 'deleted' }  { type: 'error', id?, error }
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type Attachment,
  type ChannelAdapter,
  type ChannelCapabilities,
  type ChannelStatus,
  conversationKey,
  type InboundMessage,
  type InboundSink,
  type OutboundMessage,
  type OutboundTarget,
  type SentMessage,
} from '../../core/contract.js';
import type { HttpRoutes } from '../../core/http.js';
import type {
  AuthStateStore,
  WebOutboxItem,
  WebOutboxStore,
  WorkspaceFiles,
} from '../../core/stores.js';
import { CONVERSATION_ID, Conversations } from './conversations.js';
import { loadRenderer, renderHtml } from './format.js';
import { MAX_TEXT } from './limits.js';
import { WEB_SENDER } from './owner.js';
import { registerPages } from './routes.js';
import { type ShownFile, Uploads } from './uploads.js';

const ACCOUNT = 'local';
/** How long the history of a conversation stays (the web outbox is the web chat's transcript). */
const HISTORY_MS = 180 * 24 * 3600_000;
/** Frame ids remembered per conversation, so a frame resent after a reconnect is stored once. */
const SEEN_IDS = 200;
const SEEN_CONVERSATIONS = 1000;

export interface ClientFrame {
  type: 'message' | 'action';
  id: string;
  text?: string;
  data?: string;
  attachments?: string[];
}

export interface WebChannelOptions {
  http: HttpRoutes;
  outbox: WebOutboxStore;
  /** The channel's key/value namespace, holding the conversation list. */
  state: AuthStateStore;
  files: WorkspaceFiles;
  log: Logger;
}

export class WebChannel implements ChannelAdapter {
  readonly id = 'web';
  readonly capabilities: ChannelCapabilities = {
    maxMessageLength: 100_000,
    format: 'markdown',
    edits: false,
    buttons: true,
    threads: false,
    typing: true,
    streaming: 'deltas',
    rateLimits: {},
    preauthenticated: true,
  };
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  private readonly clients = new Map<string, Set<WebSocket>>();
  private readonly pendingDeltas = new Map<string, { replyId: string; text: string }>();
  /** Sockets still receiving their replay: live frames wait here, then follow in order. */
  private readonly replaying = new Map<WebSocket, string[]>();
  private readonly seen = new Map<string, Set<string>>();
  private readonly outbox: WebOutboxStore;
  private readonly log: Logger;
  readonly conversations: Conversations;
  readonly uploads: Uploads;
  private sink: InboundSink | undefined;
  private state: ChannelStatus = { state: 'stopped', since: Date.now() };

  constructor(private readonly options: WebChannelOptions) {
    this.outbox = options.outbox;
    this.log = options.log;
    this.conversations = new Conversations(options.state);
    this.uploads = new Uploads(options.files, (id) =>
      conversationKey({ channel: 'web', account: ACCOUNT, conversationId: id }),
    );
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    await this.outbox.prune(HISTORY_MS);
    registerPages(this.options.http, this);
    this.options.http.upgrade('/ws', (req, socket, head, url) =>
      this.onUpgrade(req, socket, head, url),
    );
    this.state = { state: 'connected', since: Date.now() };
  }

  async stop(): Promise<void> {
    for (const socket of this.wss.clients) socket.close(1001, 'server stopping');
    this.wss.close();
    this.state = { state: 'stopped', since: Date.now() };
  }

  status(): ChannelStatus {
    return { ...this.state, detail: `${this.clients.size} conversation(s) open in a browser` };
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    this.flushDeltas(target.conversationId);
    const item = await this.outbox.add(target.conversationId, {
      text: message.text,
      ...(message.buttons
        ? { buttons: message.buttons.map(({ label, data }) => ({ label, data })) }
        : {}),
    });
    this.pushItem(item);
    return { messageId: String(item.seq) };
  }

  /** Replies the bridge stored in the web outbox in their freezing transaction. */
  readonly localOutbox = {
    pushStored: (items: WebOutboxItem[]) => {
      for (const item of items) {
        this.flushDeltas(item.clientId);
        this.pushItem(item);
      }
    },
  };

  async typing(target: OutboundTarget): Promise<void> {
    this.push(target.conversationId, { type: 'typing' });
  }

  /** Deltas are coalesced per event-loop turn: one frame carries all fragments that arrived together. */
  streamDelta(target: OutboundTarget, replyId: string, delta: string): void {
    const pending = this.pendingDeltas.get(target.conversationId);
    if (pending) {
      pending.text += delta;
      return;
    }
    this.pendingDeltas.set(target.conversationId, { replyId, text: delta });
    setImmediate(() => this.flushDeltas(target.conversationId));
  }

  /** The final message is about to be sent: deltas of this reply still waiting are superseded. */
  endStream(target: OutboundTarget, replyId: string): void {
    if (this.pendingDeltas.get(target.conversationId)?.replyId === replyId)
      this.pendingDeltas.delete(target.conversationId);
  }

  /** Pushes the conversation's coalesced deltas now (before its final message, or on the next tick). */
  private flushDeltas(conversationId: string): void {
    const pending = this.pendingDeltas.get(conversationId);
    if (!pending) return;
    this.pendingDeltas.delete(conversationId);
    this.push(conversationId, { type: 'delta', replyId: pending.replyId, text: pending.text });
  }

  async acknowledgeAction(): Promise<void> {}

  /** Deletes a conversation: its list entry and history; open browsers are told. */
  async deleteConversation(id: string): Promise<boolean> {
    const listed = this.conversations.remove(id);
    const rows = await this.outbox.forget(id);
    this.push(id, { type: 'deleted' });
    this.seen.delete(id);
    return listed || rows > 0;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const clientId = url.searchParams.get('client') ?? '';
    if (!CONVERSATION_ID.test(clientId)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const since = Number(url.searchParams.get('since') ?? '0') || 0;
    // The Markdown renderer loads on the first connection: every socket renders formatted.
    void loadRenderer()
      .catch((error) => this.log.warn({ err: error }, 'Markdown renderer not loaded'))
      .then(() =>
        this.wss.handleUpgrade(req, socket, head, (ws) =>
          this.onConnection(ws, socket, clientId, since),
        ),
      );
  }

  /** `socket` is the connection `ws` writes to (corked while a frame is handled). */
  private onConnection(ws: WebSocket, socket: Duplex, clientId: string, since: number): void {
    const set = this.clients.get(clientId) ?? new Set();
    set.add(ws);
    this.clients.set(clientId, set);
    ws.on('message', (data) => void this.onFrame(ws, socket, clientId, data.toString()));
    ws.on('close', () => {
      set.delete(ws);
      this.replaying.delete(ws);
      if (set.size === 0) this.clients.delete(clientId);
    });
    ws.on('error', (error) => this.log.debug({ err: error }, 'web socket error'));
    void this.replay(ws, clientId, since);
  }

  /**
   * Sends what the client missed since `since` (everything, for a page just
   * opened). Frames pushed while the outbox is read wait and follow the replay;
   * messages the replay already carried are not sent twice.
   */
  private async replay(ws: WebSocket, clientId: string, since: number): Promise<void> {
    const held: string[] = [];
    this.replaying.set(ws, held);
    let last = since;
    try {
      for (;;) {
        const items = await this.outbox.since(clientId, last);
        for (const item of items) {
          ws.send(JSON.stringify(toFrame(item)));
          last = item.seq;
        }
        if (items.length < 500) break;
      }
    } catch (error) {
      this.log.error({ err: error, clientId }, 'web chat replay failed');
    } finally {
      this.replaying.delete(ws);
    }
    for (const text of held) {
      const seq = (JSON.parse(text) as { seq?: number }).seq;
      if (seq === undefined || seq > last) ws.send(text);
    }
  }

  /**
   * Records and accepts one frame of the browser's. Its socket stays corked until the
   * ack is sent: the echo of the message and the ack leave in one write (one syscall
   * and one TCP segment instead of two), in the order they were sent.
   */
  private async onFrame(
    ws: WebSocket,
    socket: Duplex,
    clientId: string,
    raw: string,
  ): Promise<void> {
    const frame = parseFrame(raw);
    if (typeof frame === 'string') {
      this.log.warn({ clientId, reason: frame }, 'web chat frame refused');
      ws.send(JSON.stringify({ type: 'error', ...frameId(raw), error: frame }));
      return;
    }
    ws.pause();
    socket.cork();
    try {
      const uploads = frame.attachments?.length
        ? this.uploads.take(clientId, frame.attachments)
        : [];
      if (typeof uploads === 'string') {
        ws.send(JSON.stringify({ type: 'error', id: frame.id, error: uploads }));
        return;
      }
      await this.record(
        clientId,
        frame,
        uploads.map((u) => u.shown),
      );
      const attachments = uploads.map((u) => u.attachment);
      const { duplicate } = await this.sink!.accept(toInbound(clientId, frame, attachments));
      ws.send(JSON.stringify({ type: 'ack', id: frame.id, duplicate }));
    } catch (error) {
      this.log.error({ err: error }, 'web message not accepted');
      ws.send(
        JSON.stringify({
          type: 'error',
          id: frame.id,
          error: 'message not accepted, please retry',
        }),
      );
    } finally {
      socket.uncork();
      ws.resume();
    }
  }

  /**
   * Keeps the user's message (or pressed button) in the conversation's history
   * before it is accepted, so it precedes its reply; a frame resent after a
   * reconnect is recorded once.
   */
  private async record(
    clientId: string,
    frame: ClientFrame,
    attachments: ShownFile[],
  ): Promise<void> {
    const seen = this.seen.get(clientId) ?? new Set<string>();
    this.seen.delete(clientId); // re-inserted last: the map's order is "least recently used first"
    this.seen.set(clientId, seen);
    if (this.seen.size > SEEN_CONVERSATIONS) this.seen.delete(this.seen.keys().next().value!);
    if (seen.has(frame.id)) return;
    seen.add(frame.id);
    if (seen.size > SEEN_IDS) seen.delete(seen.values().next().value!);
    const item =
      frame.type === 'action'
        ? await this.outbox.add(clientId, {
            role: 'decision',
            id: frame.id,
            text: '',
            data: frame.data,
          })
        : await this.outbox.add(clientId, {
            role: 'user',
            id: frame.id,
            text: frame.text ?? '',
            ...(attachments.length ? { attachments } : {}),
          });
    if (frame.type === 'message')
      this.conversations.touch(clientId, frame.text || attachments[0]?.name || '');
    this.pushItem(item);
  }

  /** Pushes a stored entry to its conversation's sockets (rendered only when someone is there). */
  private pushItem(item: WebOutboxItem): void {
    if (this.clients.has(item.clientId)) this.push(item.clientId, toFrame(item));
  }

  private push(clientId: string, frame: unknown): void {
    const sockets = this.clients.get(clientId);
    if (!sockets) return;
    const text = JSON.stringify(frame);
    for (const socket of sockets) {
      const held = this.replaying.get(socket);
      if (held) held.push(text);
      else socket.send(text);
    }
  }
}

/** The frame one stored entry is shown with. */
export function toFrame(item: WebOutboxItem): Record<string, unknown> {
  const { role, text, buttons, id, attachments, data } = item.payload;
  if (role === 'user')
    return { type: 'user', seq: item.seq, id, text, ...(attachments ? { attachments } : {}) };
  if (role === 'decision') return { type: 'decision', seq: item.seq, id, data };
  return {
    type: 'message',
    seq: item.seq,
    text,
    html: renderHtml(text),
    ...(buttons ? { buttons } : {}),
  };
}

/** Validates a client frame; a string says why it was refused. */
export function parseFrame(raw: string): ClientFrame | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return MALFORMED;
  }
  if (!value || typeof value !== 'object') return MALFORMED;
  const frame = value as Record<string, unknown>;
  if (typeof frame.id !== 'string' || frame.id.length === 0 || frame.id.length > 100)
    return MALFORMED;
  if (frame.type === 'message' && typeof frame.text === 'string') {
    if (frame.text.length > MAX_TEXT) return `message too long (max ${MAX_TEXT})`;
    const attachments = frame.attachments;
    if (attachments === undefined) return { type: 'message', id: frame.id, text: frame.text };
    if (
      !Array.isArray(attachments) ||
      attachments.length > 10 ||
      !attachments.every((a) => typeof a === 'string' && a.length <= 64)
    )
      return 'attachments must be a list of at most 10 upload ids';
    return { type: 'message', id: frame.id, text: frame.text, attachments };
  }
  if (frame.type === 'action' && typeof frame.data === 'string' && frame.data.length <= 200) {
    return { type: 'action', id: frame.id, data: frame.data };
  }
  return MALFORMED;
}

const MALFORMED = 'malformed frame: expected {"type":"message","id":"…","text":"…"}';

/** The id of a refused frame, when it has a usable one (so the page can match the error). */
function frameId(raw: string): { id?: string } {
  try {
    const id = (JSON.parse(raw) as { id?: unknown }).id;
    return typeof id === 'string' && id.length <= 100 ? { id } : {};
  } catch {
    return {};
  }
}

function toInbound(
  clientId: string,
  frame: ClientFrame,
  attachments: Attachment[],
): InboundMessage {
  return {
    channel: 'web',
    account: ACCOUNT,
    conversationId: clientId,
    sender: { ...WEB_SENDER },
    chatType: 'dm',
    mentionsBot: true,
    repliesToBot: false,
    text: frame.text ?? '',
    attachments,
    platformMessageId: `${clientId}:${frame.id}`,
    timestamp: Date.now(),
    ...(frame.type === 'action' && frame.data ? { action: { data: frame.data } } : {}),
  };
}
