/**
 * The Telegram channel, built on grammY.
 *
 *   inbound:  getUpdates (@grammyjs/runner) or webhook (webhook.ts)
 *             ─► sequentialize per chat ─► normalize ─► media (getFile) ─► await sink.accept
 *             (`edited_message` ─► normalizeEdit ─► await sink.edited: a message still
 *             waiting for its turn takes the new text; later edits are ignored)
 *   outbound: bridge Sender (render → chunkHtml → plain fallback (toPlain) → throttle
 *             → retry → mapErrors (errors.ts)) ─► send / edit here
 *
 * Nothing is lost: the runner confirms updates to Telegram before handlers finish,
 * so the handler awaits `sink.accept` (durable inbox) for every update; a crash
 * after confirmation is recovered by the bridge from the inbox, not from Telegram.
 *
 * Retries: messages (`sendMessage`, `editMessageText`) are retried only by the
 * bridge's retry step, which honours `retry_after`; `@grammyjs/auto-retry` (bounded)
 * wraps every other call (getFile, setMyCommands, answerCallbackQuery …), so no call
 * is ever retried by both. Rate limits are declared in `capabilities.rateLimits`
 * and enforced by the bridge's throttle step (bridge/outbound/throttle.ts).
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { type RunnerHandle, run, sequentialize } from '@grammyjs/runner';
import { Bot, InputFile, type Transformer } from 'grammy';
import type { InlineKeyboardMarkup, Update, UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import type {
  ActionAnswer,
  ChannelAdapter,
  ChannelCapabilities,
  ChannelStatus,
  InboundMessage,
  InboundSink,
  OutboundButton,
  OutboundMessage,
  OutboundTarget,
  RateLimits,
  SentMessage,
} from '../../core/contract.js';
import { conversationKey } from '../../core/contract.js';
import type { HttpRoutes } from '../../core/http.js';
import { httpFetch } from '../../core/http-fetch.js';
import type { WorkspaceFiles } from '../../core/stores.js';
import { apiCall, explainFatal, refusedWith, toParleyError } from './errors.js';
import { chunkHtml, htmlToPlain, renderTelegramHtml } from './format.js';
import { fetchAttachments } from './media.js';
import {
  type BotIdentity,
  CHANNEL_ID,
  normalizeEdit,
  normalizeUpdate,
  serviceEvent,
} from './normalize.js';
import { MAX_UPDATE_BYTES, type WebhookOptions, webhookRoute } from './webhook.js';

/** Telegram's limits (approx., see PLATFORMS.md): 1/s per chat, 20/min per group, 30/s overall. */
export const TELEGRAM_RATE_LIMITS: RateLimits = {
  perConversationMinMs: 1000,
  perGroup: { max: 20, windowMs: 60_000 },
  global: { max: 30, windowMs: 1000 },
};

/** Methods the bridge's retry step already retries (never wrapped in auto-retry). */
const PIPELINE_METHODS = new Set(['sendMessage', 'editMessageText', 'getUpdates']);
const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query'] as const;

export interface TelegramOptions {
  token: string;
  /** Account name in conversation keys. */
  account?: string;
  /** Bot API root, e.g. a local Bot API server or a test double (no trailing `/`). */
  apiRoot?: string;
  /** Webhook mode when set; long polling otherwise. */
  webhook?: WebhookOptions;
  /** Parley's HTTP server (required for webhook mode). */
  http?: HttpRoutes;
  /** Long-poll timeout of getUpdates, seconds. */
  pollingTimeoutSeconds?: number;
  /** Largest inbound file fetched, bytes. */
  maxFileBytes?: number;
  /** Conversation workspaces: downloaded documents and voice notes are saved there. */
  files: WorkspaceFiles;
  /** Shown in Telegram's command menu (setMyCommands). */
  commands?: { command: string; description: string }[];
  rateLimits?: RateLimits;
  /** Bounds of auto-retry for calls outside the sender pipeline. */
  apiRetry?: { maxAttempts: number; maxDelaySeconds: number };
  /** A group became a supergroup: move its sessions. */
  onMigrate?: (fromChatId: string, toChatId: string) => void;
  /** Skips getMe (tests). */
  botInfo?: UserFromGetMe;
  log: Logger;
}

export class TelegramChannel implements ChannelAdapter {
  readonly id = CHANNEL_ID;
  readonly capabilities: ChannelCapabilities;
  readonly mapError = toParleyError;
  readonly bot: Bot;
  private readonly account: string;
  private runner: RunnerHandle | undefined;
  private sink: InboundSink | undefined;
  private accepting = false;
  private state: ChannelStatus = { state: 'stopped', since: Date.now() };

  constructor(private readonly options: TelegramOptions) {
    this.account = options.account ?? 'default';
    this.capabilities = {
      maxMessageLength: 4096,
      format: 'telegram-html',
      edits: true,
      buttons: true,
      threads: true,
      typing: true,
      streaming: 'edit',
      rateLimits: options.rateLimits ?? TELEGRAM_RATE_LIMITS,
      ...(options.webhook ? {} : { connection: 'exclusive' as const }),
    };
    this.bot = new Bot(options.token, {
      // Parley's lean keep-alive fetch instead of grammY's node-fetch (see core/http-fetch.ts).
      client: { fetch: httpFetch, ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) },
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
    this.bot.api.config.use(outsidePipeline(autoRetryFor(options.apiRetry)));
    this.bot.use(sequentialize((ctx) => chatOf(ctx.update)));
    this.bot.use((ctx) => this.receive(ctx.update));
    this.bot.catch((error) =>
      this.options.log.error({ err: error.error }, 'telegram update failed'),
    );
  }

  async start(sink: InboundSink): Promise<void> {
    this.sink = sink;
    this.setState('starting');
    try {
      await apiCall(() => this.bot.init());
      await this.registerCommands();
      if (this.options.webhook) await this.startWebhook(this.options.webhook);
      else await this.startPolling();
    } catch (error) {
      this.setState('error', explainFatal(error));
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.accepting = false;
    const runner = this.runner;
    this.runner = undefined;
    if (runner?.isRunning()) await runner.stop();
    this.setState('stopped');
  }

  status(): ChannelStatus {
    return this.state;
  }

  render(markdown: string): string {
    return renderTelegramHtml(markdown);
  }

  chunk(rendered: string, limit: number): string[] {
    return chunkHtml(rendered, limit);
  }

  async send(target: OutboundTarget, message: OutboundMessage): Promise<SentMessage> {
    const extra = {
      ...threadParams(target),
      ...replyMarkup(message.buttons),
      ...(target.replyToMessageId
        ? {
            reply_parameters: {
              message_id: Number(target.replyToMessageId),
              allow_sending_without_reply: true,
            },
          }
        : {}),
    };
    const sent = await apiCall(() =>
      this.bot.api.sendMessage(target.conversationId, message.text, {
        ...extra,
        ...parseMode(message),
      }),
    );
    return { messageId: String(sent.message_id) };
  }

  /** A spoken reply as a voice note (`sendVoice`, Ogg/Opus; Telegram uploads ≤ 50 MB). */
  async sendVoice(
    target: OutboundTarget,
    audio: { data: Uint8Array; mimeType: string },
  ): Promise<SentMessage> {
    const file = new InputFile(audio.data, 'reply.ogg');
    const sent = await apiCall(() =>
      this.bot.api.sendVoice(target.conversationId, file, threadParams(target)),
    );
    return { messageId: String(sent.message_id) };
  }

  async edit(target: OutboundTarget, messageId: string, message: OutboundMessage): Promise<void> {
    const extra = replyMarkup(message.buttons);
    try {
      await apiCall(() =>
        this.bot.api.editMessageText(target.conversationId, Number(messageId), message.text, {
          ...extra,
          ...parseMode(message),
        }),
      );
    } catch (error) {
      if (!refusedWith(error, 400, /message is not modified/i)) throw error;
    }
  }

  async typing(target: OutboundTarget): Promise<void> {
    await apiCall(() =>
      this.bot.api.sendChatAction(target.conversationId, 'typing', threadParams(target)),
    );
  }

  /** Answers the callback query (a toast with the outcome); a settled request loses its keyboard. */
  async acknowledgeAction(message: InboundMessage, answer?: ActionAnswer): Promise<void> {
    const { callbackId, messageId } = message.action ?? {};
    if (!callbackId) return;
    await apiCall(() =>
      this.bot.api.answerCallbackQuery(
        callbackId,
        answer ? { text: answer.text.slice(0, 200) } : {},
      ),
    );
    if (!answer?.final || !messageId) return;
    await apiCall(() =>
      this.bot.api.editMessageReplyMarkup(message.conversationId, Number(messageId), {
        reply_markup: { inline_keyboard: [] },
      }),
    ).catch((error: unknown) =>
      this.options.log.warn({ err: error }, 'could not remove the buttons of a decided request'),
    );
  }

  /** The text Telegram shows for our HTML: what the sender resends when Telegram refuses it. */
  toPlain(html: string): string {
    return htmlToPlain(html);
  }

  /** The inbound step for one update: normalize, fetch media, store durably. */
  async receive(update: Update): Promise<void> {
    const identity = this.identity();
    if (update.edited_message) return this.receiveEdit(update, identity);
    let normalized: ReturnType<typeof normalizeUpdate>;
    try {
      const event = serviceEvent(update);
      if (event?.type === 'migrate') this.options.onMigrate?.(event.from, event.to);
      normalized = normalizeUpdate(update, identity, this.account);
    } catch (error) {
      this.options.log.warn(
        { err: error, updateId: update.update_id },
        'malformed telegram update dropped',
      );
      return;
    }
    if (!normalized || !this.sink) return;
    const { message, files } = normalized;
    if (files.length > 0) message.attachments = await this.fetchFiles(message, files);
    await this.sink.accept(message);
  }

  /**
   * An edit: replaces the text of the message while it still waits for its turn; the
   * bridge ignores (and logs at debug) an edit of one whose turn started or was answered.
   */
  private async receiveEdit(update: Update, identity: BotIdentity): Promise<void> {
    let message: InboundMessage | undefined;
    try {
      message = normalizeEdit(update, identity, this.account);
    } catch (error) {
      this.options.log.warn({ err: error, updateId: update.update_id }, 'malformed edit dropped');
      return;
    }
    if (message) await this.sink?.edited?.(message);
  }

  private fetchFiles(message: InboundMessage, files: Parameters<typeof fetchAttachments>[1]) {
    const apiRoot = this.options.apiRoot ?? 'https://api.telegram.org';
    return fetchAttachments(this.bot.api, files, {
      maxBytes: this.options.maxFileBytes ?? 20 * 1024 * 1024,
      save: (name, data) => this.options.files.saveInbound(conversationKey(message), name, data),
      fileUrl: (path) => `${apiRoot}/file/bot${this.options.token}/${path}`,
      onError: (error) => this.options.log.warn({ err: error }, 'telegram file download failed'),
    });
  }

  private identity(): BotIdentity {
    const me = this.bot.botInfo;
    return { id: me.id, username: me.username };
  }

  private async registerCommands(): Promise<void> {
    const commands = this.options.commands ?? [];
    if (commands.length === 0) return;
    await apiCall(() => this.bot.api.setMyCommands(commands)).catch((error: unknown) =>
      this.options.log.warn({ err: error }, 'telegram setMyCommands failed'),
    );
  }

  private async startPolling(): Promise<void> {
    await apiCall(() => this.bot.api.deleteWebhook());
    this.accepting = true;
    const runner = run(this.bot, {
      runner: {
        fetch: {
          timeout: this.options.pollingTimeoutSeconds ?? 30,
          allowed_updates: [...ALLOWED_UPDATES],
        },
        silent: true,
      },
    });
    this.runner = runner;
    runner.task()?.catch((error: unknown) => this.pollingFailed(error));
    this.setState('connected', { detail: `polling as @${this.bot.botInfo.username}` });
  }

  private pollingFailed(error: unknown): void {
    if (this.runner) void this.runner.stop();
    this.runner = undefined;
    const explained = explainFatal(error);
    this.setState('error', explained);
    this.options.log.error(explained, 'telegram polling stopped');
  }

  private async startWebhook(webhook: WebhookOptions): Promise<void> {
    const http = this.options.http;
    if (!http) throw new Error('telegram webhook mode needs the HTTP server (web.enabled: true)');
    http.route(
      'POST',
      webhook.path,
      webhookRoute(webhook.secret, {
        accepting: () => this.accepting,
        handle: (update) => this.bot.handleUpdate(update),
      }),
      { auth: false, maxBodyBytes: MAX_UPDATE_BYTES },
    );
    this.accepting = true;
    await apiCall(() =>
      this.bot.api.setWebhook(webhook.url, {
        secret_token: webhook.secret,
        allowed_updates: [...ALLOWED_UPDATES],
      }),
    );
    this.setState('connected', {
      detail: `webhook ${webhook.path} as @${this.bot.botInfo.username}`,
    });
  }

  private setState(
    state: ChannelStatus['state'],
    extra: { detail?: string; fix?: string } = {},
  ): void {
    this.state = { state, since: Date.now(), ...extra };
  }
}

/** Per-chat ordering key for sequentialize. */
function chatOf(update: Update): string | undefined {
  const chat =
    update.message?.chat ?? update.edited_message?.chat ?? update.callback_query?.message?.chat;
  return chat ? String(chat.id) : undefined;
}

/** `message_thread_id` for forum topics; omitted for the General topic and plain chats. */
function threadParams(target: OutboundTarget): { message_thread_id?: number } {
  return target.threadId ? { message_thread_id: Number(target.threadId) } : {};
}

/** Buttons as one inline keyboard row (three or fewer) or one button per row. */
function replyMarkup(buttons: OutboundButton[] | undefined): {
  reply_markup?: InlineKeyboardMarkup;
} {
  if (!buttons?.length) return {};
  const keys = buttons.map((button) => ({ text: button.label, callback_data: button.data }));
  return {
    reply_markup: { inline_keyboard: keys.length <= 3 ? [keys] : keys.map((key) => [key]) },
  };
}

/** HTML parse mode for text in our dialect; none for plain text (the fallback). */
function parseMode(message: OutboundMessage): { parse_mode?: 'HTML' } {
  return message.format === 'telegram-html' ? { parse_mode: 'HTML' } : {};
}

function autoRetryFor(bounds: TelegramOptions['apiRetry']): Transformer {
  return autoRetry({
    maxRetryAttempts: bounds?.maxAttempts ?? 3,
    maxDelaySeconds: bounds?.maxDelaySeconds ?? 30,
  });
}

/** Applies `transformer` to every method except those the sender pipeline retries itself. */
function outsidePipeline(transformer: Transformer): Transformer {
  return (prev, method, payload, signal) =>
    PIPELINE_METHODS.has(method)
      ? prev(method, payload, signal)
      : transformer(prev, method, payload, signal);
}
