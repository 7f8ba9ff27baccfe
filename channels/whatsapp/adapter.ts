/**
 * The WhatsApp channel (Baileys 7, linked-device protocol).
 *
 *   WhatsAppConnection (connection.ts) ─socket─► messages.upsert (notify, and append = offline)
 *     ─► normalize.ts ─► media.ts ─► sink.accept ─► read receipt
 *   bridge Sender ─► render (format.ts) ─► chunk ─► throttle (rateLimits) ─► retry ─► send()
 *
 * Pairing happens through the QR of `connection.update` (`pairingState()`, the admin
 * page and `parley channels login whatsapp`). Approvals are asked as reply codes
 * (`approve <id>`): WhatsApp has no inline buttons for linked devices. Sent messages
 * stay in a bounded cache for Baileys' `getMessage` (retry receipts), group metadata in
 * a short-lived cache for `cachedGroupMetadata`. A reply piece is sent under an id
 * derived from its delivery key (message-id.ts), so sending it again is one message.
 *
 * @example
 * ```ts
 * const channel = new WhatsAppChannel({ config, files, authStore, log })
 * await channel.start(bridge.register(channel)) // shows a QR until paired
 * channel.pairingState() // { state: 'qr', qr, qrDataUrl }
 * ```
 */
import type { GroupMetadata, proto, WAMessage } from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import { BoundedCache } from '../../core/bounded-cache.js';
import type {
  ChannelAdapter,
  ChannelCapabilities,
  ChannelStatus,
  InboundSink,
  OutboundMessage,
  OutboundTarget,
  SentMessage,
} from '../../core/contract.js';
import { conversationKey } from '../../core/contract.js';
import { type ErrorMapper, NetworkError, toErrorTree } from '../../core/errors.js';
import type { AuthStateStore, WorkspaceFiles } from '../../core/stores.js';
import { type SqliteAuthState, sqliteAuthState } from './auth-state.js';
import type { WhatsAppConfig } from './config.js';
import { type PairingState, WhatsAppConnection } from './connection.js';
import { mapWhatsAppError } from './errors.js';
import { renderWhatsApp } from './format.js';
import { baileysDownloader, fetchAttachment, type MediaDownloader } from './media.js';
import { messageIdFor } from './message-id.js';
import { normalizeMessage, resolveLid } from './normalize.js';
import {
  baileysSocketFactory,
  browserLabel,
  type WhatsAppSocket,
  type WhatsAppSocketFactory,
  withVersion,
} from './socket.js';

export type { WhatsAppConfig } from './config.js';

export interface WhatsAppChannelOptions {
  config: WhatsAppConfig;
  /** Conversation workspaces: downloaded voice notes and documents are saved there. */
  files: WorkspaceFiles;
  /** Where creds and Signal keys live (namespace per account). */
  authStore: AuthStateStore;
  /** Already bound to `{ channel: 'whatsapp' }`. */
  log: Logger;
  /** Stands in for `makeWASocket` (tests). */
  socketFactory?: WhatsAppSocketFactory;
  /** Stands in for `downloadMediaMessage` (tests). */
  download?: MediaDownloader;
  /** Random source for reconnect jitter (tests). */
  random?: () => number;
  /** Draws each pairing QR for an operator watching a terminal (`parley start` in a TTY). */
  showQr?: (qr: string) => void;
}

const GROUP_METADATA_TTL_MS = 5 * 60_000;

/**
 * Messages queued while Parley was offline are answered up to this age (as Telegram
 * keeps undelivered updates for 24 h); older ones would answer a stale question.
 */
const OFFLINE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export class WhatsAppChannel implements ChannelAdapter {
  readonly id = 'whatsapp';
  readonly capabilities: ChannelCapabilities;
  readonly connection: WhatsAppConnection;
  private readonly auth: SqliteAuthState;
  private sink: InboundSink | undefined;
  private inbound: Promise<void> = Promise.resolve();
  private readonly seen = new BoundedCache<true>(5000);
  private readonly sent = new BoundedCache<proto.IMessage>(1000);
  private readonly groups = new BoundedCache<GroupMetadata>(500, GROUP_METADATA_TTL_MS);
  private readonly log: Logger;
  readonly mapError: ErrorMapper = (error) => mapWhatsAppError(error, this.options.config);

  constructor(private readonly options: WhatsAppChannelOptions) {
    const { config } = options;
    this.log = options.log;
    this.capabilities = {
      maxMessageLength: config.maxMessageLength,
      format: 'whatsapp',
      edits: false,
      buttons: false,
      threads: false,
      typing: true,
      streaming: 'none',
      connection: 'exclusive',
      rateLimits: {
        perConversationMinMs: config.rateLimits.perChatMinMs,
        perGroup: { max: config.rateLimits.groupMessagesPerMinute, windowMs: 60_000 },
        global: { max: config.rateLimits.messagesPerMinute, windowMs: 60_000 },
      },
    };
    this.auth = sqliteAuthState(options.authStore);
    this.connection = new WhatsAppConnection({
      factory: options.socketFactory ?? baileysSocketFactory,
      auth: this.auth,
      log: this.log,
      backoff: config.reconnect,
      watchdogMs: config.watchdogSeconds * 1000,
      ...(options.random ? { random: options.random } : {}),
      socket: {
        browser: browserLabel(config.deviceName, false),
        ...withVersion(config.webVersion),
        getMessage: async (key) => (key.id ? this.sent.get(key.id) : undefined),
        cachedGroupMetadata: (jid) => this.groupMetadata(jid),
      },
    });
    this.connection.on((event) => {
      if (event.type === 'socket') this.subscribe(event.socket);
      if (event.type === 'qr') options.showQr?.(event.qr);
    });
  }

  /** Connects (showing a QR until paired); resolves without waiting for the phone. */
  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    // Credentials as last stored (another node may have held this connection before).
    this.auth.reload();
    this.connection.start();
  }

  async stop(): Promise<void> {
    await this.connection.stop();
    await this.inbound;
  }

  render(markdown: string): string {
    return renderWhatsApp(markdown);
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const socket = this.connection.openSocket;
    if (!socket) throw new NetworkError('whatsapp', new Error('not connected to WhatsApp'));
    let sent: WAMessage | undefined;
    try {
      const options = message.delivery ? { messageId: messageIdFor(message.delivery.key) } : {};
      sent = await socket.sendMessage(target.conversationId, { text: message.text }, options);
    } catch (error) {
      throw toErrorTree(error, this.mapError, 'whatsapp send');
    }
    const id = sent?.key.id;
    if (!id) throw new NetworkError('whatsapp', new Error('WhatsApp returned no message id'));
    if (sent?.message) this.sent.set(id, sent.message);
    return { messageId: id };
  }

  /** A spoken reply as a voice note (PTT: Ogg/Opus audio WhatsApp plays inline). */
  async sendVoice(
    target: OutboundTarget,
    audio: { data: Uint8Array; mimeType: string },
  ): Promise<SentMessage> {
    const socket = this.connection.openSocket;
    if (!socket) throw new NetworkError('whatsapp', new Error('not connected to WhatsApp'));
    const content = {
      audio: Buffer.from(audio.data),
      mimetype: 'audio/ogg; codecs=opus',
      ptt: true,
    };
    let sent: WAMessage | undefined;
    try {
      sent = await socket.sendMessage(target.conversationId, content);
    } catch (error) {
      throw toErrorTree(error, this.mapError, 'whatsapp voice');
    }
    return { messageId: sent?.key.id ?? '' };
  }

  /** "composing…" in the chat; WhatsApp shows it for about 10 seconds. */
  async typing(target: OutboundTarget): Promise<void> {
    await this.connection.openSocket?.sendPresenceUpdate('composing', target.conversationId);
  }

  status(): ChannelStatus {
    return this.connection.status();
  }

  /** Pairing state for the admin page (`GET /api/channels/whatsapp/qr`). */
  pairingState(): PairingState {
    return this.connection.pairingState();
  }

  private subscribe(socket: WhatsAppSocket): void {
    // 'notify' is a message received live; 'append' is one WhatsApp queued while Parley
    // was disconnected (the offline node) or a resent placeholder. History sync arrives
    // as `messaging-history.set`, which is never answered; own messages are skipped by
    // normalize, and inbox dedupe drops anything delivered twice.
    socket.ev.on('messages.upsert', ({ messages, type }) => {
      const offline = type === 'append';
      this.inbound = this.inbound.then(() => this.deliverAll(socket, messages, offline));
    });
    socket.ev.on('groups.update', (updates) => {
      for (const update of updates) if (update.id) this.groups.delete(update.id);
    });
    socket.ev.on('group-participants.update', ({ id }) => this.groups.delete(id));
  }

  private async deliverAll(
    socket: WhatsAppSocket,
    messages: WAMessage[],
    offline: boolean,
  ): Promise<void> {
    for (const raw of messages) {
      try {
        await this.deliver(socket, raw, offline);
      } catch (error) {
        this.log.warn({ err: error, id: raw?.key?.id }, 'whatsapp: inbound message dropped');
      }
    }
  }

  private async deliver(socket: WhatsAppSocket, raw: WAMessage, offline: boolean): Promise<void> {
    const id = raw.key.id;
    if (!id || this.seen.get(id) || !this.sink) return;
    const user = socket.user;
    const result = normalizeMessage(raw, this.options.config.account, {
      jid: user?.phoneNumber ?? user?.id,
      lid: user?.lid,
    });
    if ('skip' in result) {
      this.log.debug({ id, reason: result.skip }, 'whatsapp: message skipped');
      return;
    }
    if (offline && Date.now() - result.message.timestamp > OFFLINE_MAX_AGE_MS) {
      this.log.debug({ id }, 'whatsapp: offline message older than a day skipped');
      return;
    }
    this.seen.set(id, true);
    const { message, media } = result;
    const lidMapping = socket.signalRepository?.lidMapping;
    if (lidMapping) await resolveLid(message, (lid) => lidMapping.getPNForLID(lid));
    if (media) {
      const { attachment, note } = await fetchAttachment(raw, media, {
        download: this.options.download ?? baileysDownloader,
        socket,
        log: this.log,
        maxBytes: this.options.config.maxMediaBytes,
        files: this.options.files,
        conversationKey: conversationKey(message),
      });
      message.attachments.push(attachment);
      if (note) message.text = message.text ? `${message.text}\n${note}` : note;
    }
    try {
      await this.sink.accept(message);
    } catch (error) {
      this.seen.delete(id);
      throw error;
    }
    if (this.options.config.sendReadReceipts) await socket.readMessages([raw.key]).catch(() => {});
  }

  private async groupMetadata(jid: string): Promise<GroupMetadata | undefined> {
    const cached = this.groups.get(jid);
    if (cached) return cached;
    const socket = this.connection.openSocket;
    if (!socket) return undefined;
    try {
      const metadata = await socket.groupMetadata(jid);
      this.groups.set(jid, metadata);
      return metadata;
    } catch (error) {
      this.log.warn({ err: error, jid }, 'whatsapp: group metadata unavailable');
      return undefined;
    }
  }
}
