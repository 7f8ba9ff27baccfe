/**
 * The web chat channel: a small page plus a WebSocket at `/ws` on Parley's HTTP
 * server (loopback by default, token required). Each browser client has its own id
 * (kept in localStorage) and so its own conversation and session. Replies stream
 * as deltas; final messages are stored in the web outbox first, so a client that
 * reconnects receives what it missed, exactly once (by sequence number).
 *
 * Wire protocol (JSON text frames):
 *   client → server  { type: 'message', id, text }   { type: 'action', id, data }
 *   server → client  { type: 'ack', id, duplicate }  { type: 'delta', replyId, text }
 *                    { type: 'message', seq, text, buttons? }  { type: 'typing' }
 *                    { type: 'error', error }
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelStatus,
  InboundMessage,
  InboundSink,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../../core/contract.js';
import type { WebOutboxStore } from '../../core/stores.js';
import type { HttpServer } from '../http/server.js';
import { chatPage } from './page.js';

const ACCOUNT = 'local';
const MAX_TEXT = 20_000;

export interface ClientFrame {
  type: 'message' | 'action';
  id: string;
  text?: string;
  data?: string;
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
  private sink: InboundSink | undefined;
  private state: ChannelStatus = { state: 'stopped', since: Date.now() };

  constructor(
    private readonly http: HttpServer,
    private readonly outbox: WebOutboxStore,
    private readonly log: Logger,
  ) {}

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.outbox.prune(7 * 24 * 3600_000);
    this.http.route('GET', '/', (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': `parley_token=${encodeURIComponent(this.http.token)}; HttpOnly; SameSite=Strict; Path=/`,
        'cache-control': 'no-store',
      });
      res.end(chatPage());
    });
    this.http.upgrade('/ws', (req, socket, head, url) => this.onUpgrade(req, socket, head, url));
    this.state = { state: 'connected', since: Date.now() };
  }

  async stop(): Promise<void> {
    for (const socket of this.wss.clients) socket.close(1001, 'server stopping');
    this.wss.close();
    this.state = { state: 'stopped', since: Date.now() };
  }

  status(): ChannelStatus {
    return { ...this.state, detail: `${this.clients.size} browser client(s) connected` };
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    this.flushDeltas(target.conversationId);
    const item = this.outbox.add(target.conversationId, {
      text: message.text,
      ...(message.buttons
        ? { buttons: message.buttons.map(({ label, data }) => ({ label, data })) }
        : {}),
    });
    this.push(target.conversationId, { type: 'message', seq: item.seq, ...item.payload });
    return { messageId: String(item.seq) };
  }

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

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const clientId = url.searchParams.get('client') ?? '';
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(clientId)) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const since = Number(url.searchParams.get('since') ?? '0') || 0;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, clientId, since));
  }

  private onConnection(ws: WebSocket, clientId: string, since: number): void {
    const set = this.clients.get(clientId) ?? new Set();
    set.add(ws);
    this.clients.set(clientId, set);
    for (const item of this.outbox.since(clientId, since)) {
      ws.send(JSON.stringify({ type: 'message', seq: item.seq, ...item.payload }));
    }
    ws.on('message', (data) => void this.onFrame(ws, clientId, data.toString()));
    ws.on('close', () => {
      set.delete(ws);
      if (set.size === 0) this.clients.delete(clientId);
    });
    ws.on('error', (error) => this.log.debug({ err: error }, 'web socket error'));
  }

  private async onFrame(ws: WebSocket, clientId: string, raw: string): Promise<void> {
    const frame = parseFrame(raw);
    if (!frame) {
      this.log.warn({ clientId }, 'malformed web chat frame dropped');
      ws.send(
        JSON.stringify({
          type: 'error',
          error: 'malformed frame: expected {"type":"message","id":"…","text":"…"}',
        }),
      );
      return;
    }
    ws.pause();
    try {
      const { duplicate } = await this.sink!.accept(toInbound(clientId, frame));
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
      ws.resume();
    }
  }

  private push(clientId: string, frame: unknown): void {
    const sockets = this.clients.get(clientId);
    if (!sockets) return;
    const text = JSON.stringify(frame);
    for (const socket of sockets) socket.send(text);
  }
}

/** Validates a client frame; undefined when malformed. */
export function parseFrame(raw: string): ClientFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const frame = value as Record<string, unknown>;
  if (typeof frame.id !== 'string' || frame.id.length === 0 || frame.id.length > 100)
    return undefined;
  if (frame.type === 'message' && typeof frame.text === 'string' && frame.text.length <= MAX_TEXT) {
    return { type: 'message', id: frame.id, text: frame.text };
  }
  if (frame.type === 'action' && typeof frame.data === 'string' && frame.data.length <= 200) {
    return { type: 'action', id: frame.id, data: frame.data };
  }
  return undefined;
}

function toInbound(clientId: string, frame: ClientFrame): InboundMessage {
  return {
    channel: 'web',
    account: ACCOUNT,
    conversationId: clientId,
    sender: { id: clientId, name: 'web user' },
    chatType: 'dm',
    mentionsBot: true,
    repliesToBot: false,
    text: frame.text ?? '',
    attachments: [],
    platformMessageId: `${clientId}:${frame.id}`,
    timestamp: Date.now(),
    ...(frame.type === 'action' && frame.data ? { action: { data: frame.data } } : {}),
  };
}
