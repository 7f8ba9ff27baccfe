/**
 * A Telegram Bot API double on 127.0.0.1 for tests and benches. Point grammY at it
 * with `client: { apiRoot: double.apiRoot }`.
 *
 * Implements what Parley uses, with Telegram's semantics: getMe; getUpdates with
 * real offset confirmation, long-poll timeout and 409 Conflict (second poller, or a
 * webhook set); sendMessage / editMessageText with HTML validation ("can't parse
 * entities"), the 4096 limit, forum-topic checks ("message thread not found") and
 * "message is not modified"; sendChatAction, setMyCommands, setWebhook /
 * deleteWebhook, answerCallbackQuery, getFile and file download. Updates are
 * filtered by the last `allowed_updates` given (getUpdates or setWebhook), as the
 * Bot API does, and a user's message can be edited (`edited_message`). Failures can be
 * scripted per method (429 with retry_after, 400, 5xx), and Telegram's rate limits
 * can be enforced (429 beyond them) with every window scaled by `limits.scale`.
 *
 * @example
 * ```ts
 * const tg = await startTelegramDouble()
 * tg.message({ chatId: 42, text: 'hi' })          // queued for getUpdates
 * tg.failNext('sendMessage', { status: 429, retryAfter: 1 })
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { until } from '../wait.js';

export const TEST_TOKEN = '123456:TEST-token-for-the-double';
export const TEST_BOT = {
  id: 123456,
  is_bot: true as const,
  first_name: 'Parley',
  username: 'ParleyTestBot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
  can_manage_bots: false,
  supports_join_request_queries: false,
} as const;

export interface DoubleLimits {
  /** Multiplies every window (1 = Telegram's real limits, 0.1 = ten times faster). */
  scale: number;
  /** Messages a chat may burst above 1/s (token bucket capacity). */
  perChatBurst?: number;
}

export interface SentRecord {
  chatId: string;
  messageId: number;
  threadId?: number;
  /** Current text (after edits). */
  text: string;
  parseMode?: string;
  /** `reply_parameters.message_id`: the message this one quotes. */
  replyToMessageId?: number;
  replyMarkup?: { inline_keyboard: { text: string; callback_data: string }[][] };
  /** Arrival time, ms. */
  at: number;
}

export interface ScriptedFailure {
  status: number;
  description?: string;
  retryAfter?: number;
}

export interface UserSpec {
  id: number;
  first_name: string;
  username?: string;
  is_bot?: boolean;
}

export interface MessageSpec {
  chatId: number;
  chatType?: 'private' | 'group' | 'supergroup';
  from?: UserSpec;
  text?: string;
  caption?: string;
  /** Computed from the text (@mentions, leading /command) when omitted. */
  entities?: unknown[];
  /** Forum topic id: sets message_thread_id and is_topic_message. */
  topicId?: number;
  /** A General-topic/non-forum reply carrying a thread id that is not a topic. */
  looseThreadId?: number;
  replyTo?: { messageId: number; fromBot: boolean };
  photo?: { fileId: string; size: number };
  document?: { fileId: string; size: number; fileName: string; mimeType: string };
  /** A voice note (Ogg/Opus), as Telegram sends one recorded in the app. */
  voice?: { fileId: string; size: number; duration: number };
  migrateTo?: number;
}

interface Waiter {
  res: ServerResponse;
  timer: NodeJS.Timeout;
  offset: number;
  limit: number;
}

class Bucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
  ) {
    this.tokens = capacity;
  }
  /** Takes a token, or returns ms until one is available. */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) / this.perMs);
    this.last = now;
    if (this.tokens >= 1 - 1e-9) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) * this.perMs;
  }
  refund(): void {
    this.tokens += 1;
  }
}

const ALLOWED_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);

/** Validates Telegram HTML like the Bot API does; returns the parse error or the visible text. */
export function parseTelegramHtml(html: string): { error: string } | { text: string } {
  const stack: string[] = [];
  let text = '';
  const re = /<(\/?)([a-zA-Z-]*)([^>]*)>|&([a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|[<>&]/g;
  let last = 0;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    text += html.slice(last, m.index);
    last = re.lastIndex;
    if (m[0] === '<' || m[0] === '>' || m[0] === '&')
      return {
        error: `Bad Request: can't parse entities: unexpected "${m[0]}" at byte offset ${m.index}`,
      };
    if (m[4] !== undefined) {
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
      if (!m[4].startsWith('#') && !(m[4] in named))
        return { error: `Bad Request: can't parse entities: unsupported entity "&${m[4]};"` };
      text += named[m[4]] ?? '?';
      continue;
    }
    const name = m[2]!.toLowerCase();
    if (!ALLOWED_TAGS.has(name))
      return {
        error: `Bad Request: can't parse entities: unsupported start tag "${name}" at byte offset ${m.index}`,
      };
    if (m[1]) {
      if (stack.pop() !== name)
        return {
          error: `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${name}"`,
        };
    } else stack.push(name);
  }
  text += html.slice(last);
  if (stack.length)
    return {
      error: `Bad Request: can't parse entities: can't find end tag corresponding to start tag "${stack.at(-1)}"`,
    };
  return { text };
}

/** Entities Telegram would attach: `@name` mentions and a leading `/command[@bot]`. */
export function entitiesFor(text: string): unknown[] {
  const entities: unknown[] = [];
  const command = /^\/[a-zA-Z0-9_]+(@[a-zA-Z0-9_]+)?/.exec(text);
  if (command) entities.push({ type: 'bot_command', offset: 0, length: command[0].length });
  for (const m of text.matchAll(/(^|\s)(@[a-zA-Z0-9_]{3,})/g))
    entities.push({ type: 'mention', offset: m.index + m[1]!.length, length: m[2]!.length });
  return entities;
}

export class TelegramDouble {
  apiRoot = '';
  readonly token: string;
  /** Every Bot API call in arrival order. */
  readonly calls: { method: string; body: Record<string, unknown>; at: number; status?: number }[] =
    [];
  /** Messages the bot sent (sendMessage), text updated by edits. */
  readonly sent: SentRecord[] = [];
  /** Voice notes the bot sent with sendVoice (multipart upload). */
  readonly voices: { chatId: string; data: Buffer; fileName: string; threadId?: string }[] = [];
  readonly chatActions: { chatId: string; threadId?: number; action: string }[] = [];
  readonly callbackAnswers: { id: string; text?: string }[] = [];
  commands: { command: string; description: string }[] = [];
  webhook: { url: string; secret?: string } | undefined;
  /** Highest offset a getUpdates call confirmed (updates below it are gone). */
  confirmedOffset = 0;
  /** 429 answers caused by the enforced rate limits. */
  rateLimited = 0;
  limits: DoubleLimits | undefined;
  /** Called after every accepted sendMessage or editMessageText (benches time replies here). */
  onDelivered: ((record: SentRecord) => void) | undefined;
  private readonly updates: Record<string, unknown>[] = [];
  /** Update types the bot asked for (the Bot API keeps the last list given). */
  private allowedUpdates: string[] | undefined;
  /** Messages users sent, by `chatId:messageId` (what an edit starts from). */
  private readonly userMessages = new Map<string, Record<string, unknown>>();
  private readonly failures = new Map<string, ScriptedFailure[]>();
  /** Methods answered only after a pause (ms): a slow or distant Bot API. */
  readonly delays = new Map<string, number>();
  private readonly files = new Map<string, { path: string; data: Buffer }>();
  private readonly topics = new Set<string>();
  private readonly messageIds = new Map<string, number>();
  private waiter: Waiter | undefined;
  private nextUpdateId = 1000;
  private global: Bucket | undefined;
  private readonly chatBuckets = new Map<string, Bucket>();
  private readonly groupBuckets = new Map<string, Bucket>();
  private server: Server | undefined;

  constructor(token: string, limits?: DoubleLimits) {
    this.token = token;
    this.setLimits(limits);
  }

  /** Enables (or disables) Telegram's rate limits, windows multiplied by `scale`. */
  setLimits(limits: DoubleLimits | undefined): void {
    this.limits = limits;
    this.global = limits ? new Bucket(30, (1000 * limits.scale) / 30) : undefined;
    this.chatBuckets.clear();
    this.groupBuckets.clear();
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.dispatch(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.apiRoot = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async close(): Promise<void> {
    if (this.waiter) clearTimeout(this.waiter.timer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Queues a raw update (update_id assigned) and wakes a waiting getUpdates. */
  pushUpdate(update: Record<string, unknown>): number {
    const id = this.nextUpdateId++;
    this.updates.push({ update_id: id, ...update });
    if (this.allowed(update)) this.wake();
    return id;
  }

  /** Builds a message update from `spec` and queues it; returns the update. */
  message(spec: MessageSpec): Record<string, unknown> {
    const update = { message: this.buildMessage(spec) };
    return { update_id: this.pushUpdate(update), ...update };
  }

  /**
   * The user edits a message they sent (built by {@link message}): queues an
   * `edited_message` update with the new text (or caption), fresh entities and
   * `edit_date`, as Telegram does.
   */
  editMessage(chatId: number, messageId: number, text: string): Record<string, unknown> {
    const original = this.userMessages.get(`${chatId}:${messageId}`);
    if (!original) throw new Error(`no message ${messageId} from a user in chat ${chatId}`);
    const field = 'caption' in original ? 'caption' : 'text';
    const entities = field === 'caption' ? 'caption_entities' : 'entities';
    const edited = {
      ...original,
      [field]: text,
      [entities]: entitiesFor(text),
      edit_date: Math.floor(Date.now() / 1000),
    };
    this.userMessages.set(`${chatId}:${messageId}`, edited);
    const update = { edited_message: edited };
    return { update_id: this.pushUpdate(update), ...update };
  }

  /** Builds a message update without queueing it (for webhook delivery). */
  messageUpdate(spec: MessageSpec): Record<string, unknown> {
    return { update_id: this.nextUpdateId++, message: this.buildMessage(spec) };
  }

  /** Queues a button press on a message the bot sent. */
  press(sent: SentRecord, data: string, from: UserSpec): string {
    const id = `cbq${this.nextUpdateId}`;
    const chatId = Number(sent.chatId);
    this.pushUpdate({
      callback_query: {
        id,
        from: { is_bot: false, ...from },
        chat_instance: 'ci1',
        data,
        message: {
          message_id: sent.messageId,
          date: Math.floor(Date.now() / 1000),
          chat:
            chatId > 0
              ? { id: chatId, type: 'private', first_name: 'x' }
              : { id: chatId, type: 'supergroup', title: 'g' },
          from: TEST_BOT,
          text: sent.text,
        },
      },
    });
    return id;
  }

  /** Stores a file for getFile; returns its file_id. */
  addFile(data: Buffer, path: string): string {
    const id = `file${this.files.size + 1}`;
    this.files.set(id, { path, data });
    return id;
  }

  /** The next call of `method` fails like this (queue several for several calls). */
  failNext(method: string, failure: ScriptedFailure): void {
    const list = this.failures.get(method) ?? [];
    list.push(failure);
    this.failures.set(method, list);
  }

  /** Posts `update` to the registered webhook like Telegram does. */
  async deliverWebhook(
    update: Record<string, unknown>,
    secret = this.webhook?.secret,
  ): Promise<number> {
    if (!this.webhook) throw new Error('no webhook set');
    const response = await fetch(this.webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}),
      },
      body: JSON.stringify(update),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Messages the bot sent to `chatId` (texts after edits), in message order. */
  chat(chatId: number): SentRecord[] {
    return this.sent
      .filter((m) => m.chatId === String(chatId))
      .sort((a, b) => a.messageId - b.messageId);
  }

  /** Calls of `method` so far. */
  count(method: string): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  private buildMessage(spec: MessageSpec): Record<string, unknown> {
    const chatType = spec.chatType ?? (spec.chatId > 0 ? 'private' : 'supergroup');
    const from = spec.from ?? { id: spec.chatId > 0 ? spec.chatId : 111, first_name: 'Ada' };
    const key = String(spec.chatId);
    const messageId = (this.messageIds.get(key) ?? 0) + 1;
    this.messageIds.set(key, messageId);
    if (spec.topicId !== undefined) this.topics.add(`${spec.chatId}:${spec.topicId}`);
    const body = spec.text ?? spec.caption;
    const message = {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat:
        chatType === 'private'
          ? { id: spec.chatId, type: 'private', first_name: from.first_name }
          : {
              id: spec.chatId,
              type: chatType,
              title: 'Group',
              ...(spec.topicId ? { is_forum: true } : {}),
            },
      from: { is_bot: false, ...from },
      ...(spec.text !== undefined ? { text: spec.text } : {}),
      ...(spec.caption !== undefined ? { caption: spec.caption } : {}),
      ...(body
        ? {
            [spec.text !== undefined ? 'entities' : 'caption_entities']:
              spec.entities ?? entitiesFor(body),
          }
        : {}),
      ...(spec.topicId !== undefined
        ? { message_thread_id: spec.topicId, is_topic_message: true }
        : {}),
      ...(spec.looseThreadId !== undefined ? { message_thread_id: spec.looseThreadId } : {}),
      ...(spec.replyTo
        ? {
            reply_to_message: {
              message_id: spec.replyTo.messageId,
              date: 0,
              chat: { id: spec.chatId, type: chatType },
              from: spec.replyTo.fromBot
                ? TEST_BOT
                : { id: 999, is_bot: false, first_name: 'Other' },
              text: 'earlier',
            },
          }
        : {}),
      ...(spec.photo
        ? {
            photo: [
              {
                file_id: `${spec.photo.fileId}`,
                file_unique_id: 'u1',
                width: 90,
                height: 90,
                file_size: spec.photo.size,
              },
            ],
          }
        : {}),
      ...(spec.document
        ? {
            document: {
              file_id: spec.document.fileId,
              file_unique_id: 'u2',
              file_name: spec.document.fileName,
              mime_type: spec.document.mimeType,
              file_size: spec.document.size,
            },
          }
        : {}),
      ...(spec.voice
        ? {
            voice: {
              file_id: spec.voice.fileId,
              file_unique_id: 'u3',
              duration: spec.voice.duration,
              mime_type: 'audio/ogg',
              file_size: spec.voice.size,
            },
          }
        : {}),
      ...(spec.migrateTo !== undefined ? { migrate_to_chat_id: spec.migrateTo } : {}),
    };
    this.userMessages.set(`${spec.chatId}:${messageId}`, message);
    return message;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) return this.download(file[1]!, decodeURIComponent(file[2]!), res);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!match) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== this.token)
      return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2]!;
    const raw = Buffer.concat(chunks);
    const text = raw.toString('utf8');
    const multipart = (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    const body = multipart
      ? formFields(req, raw)
      : ((text ? JSON.parse(text) : Object.fromEntries(url.searchParams)) as Record<
          string,
          unknown
        >);
    const call: (typeof this.calls)[number] = { method, body, at: Date.now() };
    this.calls.push(call);
    res.on('finish', () => {
      call.status = res.statusCode;
    });
    const delay = this.delays.get(method);
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    const failure = this.failures.get(method)?.shift();
    if (failure) return this.fail(res, failure);
    this.route(method, body, res);
  }

  private route(method: string, body: Record<string, unknown>, res: ServerResponse) {
    const ok = (result: unknown) => reply(res, 200, { ok: true, result });
    switch (method) {
      case 'getMe':
        return ok(TEST_BOT);
      case 'getUpdates':
        return this.getUpdates(body, res);
      case 'sendMessage':
        return this.sendMessage(body, res);
      case 'editMessageText':
        return this.editMessageText(body, res);
      case 'editMessageReplyMarkup':
        return this.editMessageReplyMarkup(body, res);
      case 'sendChatAction':
        this.chatActions.push({
          chatId: String(body.chat_id),
          action: String(body.action),
          ...thread(body),
        });
        return ok(true);
      case 'setMyCommands':
        this.commands = body.commands as typeof this.commands;
        return ok(true);
      case 'setWebhook':
        this.webhook = {
          url: String(body.url),
          ...(body.secret_token ? { secret: String(body.secret_token) } : {}),
        };
        this.allowUpdates(body.allowed_updates);
        this.terminatePoller('Conflict: terminated by setWebhook request');
        return ok(true);
      case 'deleteWebhook':
        this.webhook = undefined;
        return ok(true);
      case 'getWebhookInfo':
        return ok({
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.updates.length,
        });
      case 'answerCallbackQuery':
        this.callbackAnswers.push({
          id: String(body.callback_query_id),
          ...(body.text ? { text: String(body.text) } : {}),
        });
        return ok(true);
      case 'getFile':
        return this.getFile(body, res);
      case 'sendVoice': {
        const voice = body.voice as { data: Buffer; fileName: string } | undefined;
        if (!voice?.data)
          return reply(res, 400, {
            ok: false,
            error_code: 400,
            description: 'Bad Request: there is no voice in the request',
          });
        const chatId = String(body.chat_id);
        const threadId = body.message_thread_id ? String(body.message_thread_id) : undefined;
        this.voices.push({
          chatId,
          data: voice.data,
          fileName: voice.fileName,
          ...(threadId ? { threadId } : {}),
        });
        return ok({
          message_id: 9000 + this.voices.length,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(chatId), type: Number(chatId) > 0 ? 'private' : 'supergroup' },
          voice: { file_id: `sent-voice-${this.voices.length}`, file_unique_id: 'v', duration: 1 },
        });
      }
      default:
        return reply(res, 404, {
          ok: false,
          error_code: 404,
          description: 'Not Found: method not found',
        });
    }
  }

  private getUpdates(body: Record<string, unknown>, res: ServerResponse) {
    if (this.webhook)
      return this.fail(res, {
        status: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      });
    const offset = Number(body.offset ?? 0);
    if (offset > 0) this.confirm(offset);
    this.allowUpdates(body.allowed_updates);
    this.terminatePoller(
      'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    );
    const limit = Math.min(100, Number(body.limit ?? 100));
    const timeout = Number(body.timeout ?? 0);
    if (this.available(offset).length > 0 || timeout <= 0)
      return this.answerUpdates(res, offset, limit);
    const timer = setTimeout(() => this.wake(), timeout * 1000);
    this.waiter = { res, timer, offset, limit };
    res.on('close', () => {
      if (this.waiter?.res === res) {
        clearTimeout(timer);
        this.waiter = undefined;
      }
    });
  }

  private confirm(offset: number): void {
    this.confirmedOffset = Math.max(this.confirmedOffset, offset);
    while (this.updates.length && (this.updates[0]!.update_id as number) < offset)
      this.updates.shift();
  }

  /**
   * `allowed_updates` as the Bot API reads it: omitted keeps the previous list; an
   * empty list means every type except chat_member, message_reaction and
   * message_reaction_count.
   */
  private allowUpdates(raw: unknown): void {
    if (raw === undefined) return;
    const list = (typeof raw === 'string' ? JSON.parse(raw) : raw) as string[];
    this.allowedUpdates = list.length > 0 ? list : undefined;
  }

  private allowed(update: Record<string, unknown>): boolean {
    const type = Object.keys(update).find((key) => key !== 'update_id') ?? '';
    if (this.allowedUpdates) return this.allowedUpdates.includes(type);
    return !['chat_member', 'message_reaction', 'message_reaction_count'].includes(type);
  }

  private available(offset: number): Record<string, unknown>[] {
    return this.updates.filter((u) => (u.update_id as number) >= offset && this.allowed(u));
  }

  private answerUpdates(res: ServerResponse, offset: number, limit: number): void {
    reply(res, 200, { ok: true, result: this.available(offset).slice(0, limit) });
  }

  private wake(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    this.answerUpdates(waiter.res, waiter.offset, waiter.limit);
  }

  private terminatePoller(description: string): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    this.fail(waiter.res, { status: 409, description });
  }

  private checkMessage(body: Record<string, unknown>): ScriptedFailure | { text: string } {
    const raw = String(body.text ?? '');
    const parsed = body.parse_mode === 'HTML' ? parseTelegramHtml(raw) : { text: raw };
    if ('error' in parsed) return { status: 400, description: parsed.error };
    if (parsed.text.length === 0)
      return { status: 400, description: 'Bad Request: message text is empty' };
    if (parsed.text.length > 4096)
      return { status: 400, description: 'Bad Request: message is too long' };
    const threadId = body.message_thread_id;
    if (threadId !== undefined && !this.topics.has(`${body.chat_id}:${threadId}`))
      return { status: 400, description: 'Bad Request: message thread not found' };
    return this.rateLimit(String(body.chat_id)) ?? parsed;
  }

  private sendMessage(body: Record<string, unknown>, res: ServerResponse) {
    const checked = this.checkMessage(body);
    if ('status' in checked) return this.fail(res, checked);
    const chatId = String(body.chat_id);
    const messageId = (this.messageIds.get(chatId) ?? 0) + 1;
    this.messageIds.set(chatId, messageId);
    const record: SentRecord = {
      chatId,
      messageId,
      text: checked.text,
      at: Date.now(),
      ...thread(body),
      ...(body.parse_mode ? { parseMode: String(body.parse_mode) } : {}),
      ...(body.reply_markup ? { replyMarkup: body.reply_markup as SentRecord['replyMarkup'] } : {}),
      ...quoted(body),
    };
    this.sent.push(record);
    this.onDelivered?.(record);
    reply(res, 200, {
      ok: true,
      result: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(chatId), type: Number(chatId) > 0 ? 'private' : 'supergroup' },
        text: checked.text,
      },
    });
  }

  private editMessageText(body: Record<string, unknown>, res: ServerResponse) {
    const record = this.sent.find(
      (m) => m.chatId === String(body.chat_id) && m.messageId === Number(body.message_id),
    );
    if (!record)
      return this.fail(res, { status: 400, description: 'Bad Request: message to edit not found' });
    const checked = this.checkMessage({ ...body, message_thread_id: undefined });
    if ('status' in checked) return this.fail(res, checked);
    const markup = JSON.stringify(body.reply_markup ?? null);
    if (checked.text === record.text && markup === JSON.stringify(record.replyMarkup ?? null))
      return this.fail(res, {
        status: 400,
        description:
          'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      });
    record.text = checked.text;
    if (body.reply_markup) record.replyMarkup = body.reply_markup as SentRecord['replyMarkup'];
    this.onDelivered?.(record);
    reply(res, 200, {
      ok: true,
      result: {
        message_id: record.messageId,
        date: 0,
        chat: { id: Number(record.chatId), type: 'private' },
        text: record.text,
      },
    });
  }

  /** Bot API `editMessageReplyMarkup`: no `reply_markup` (or an empty keyboard) removes it. */
  private editMessageReplyMarkup(body: Record<string, unknown>, res: ServerResponse) {
    const record = this.sent.find(
      (m) => m.chatId === String(body.chat_id) && m.messageId === Number(body.message_id),
    );
    if (!record)
      return this.fail(res, { status: 400, description: 'Bad Request: message to edit not found' });
    const next = body.reply_markup as SentRecord['replyMarkup'] | undefined;
    const keys = (markup: SentRecord['replyMarkup']) =>
      (markup?.inline_keyboard ?? []).flat().length;
    if (
      JSON.stringify(next ?? null) === JSON.stringify(record.replyMarkup ?? null) ||
      (keys(next) === 0 && keys(record.replyMarkup) === 0)
    )
      return this.fail(res, {
        status: 400,
        description:
          'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      });
    if (keys(next) === 0) delete record.replyMarkup;
    else record.replyMarkup = next;
    reply(res, 200, {
      ok: true,
      result: {
        message_id: record.messageId,
        date: 0,
        chat: { id: Number(record.chatId), type: 'private' },
        text: record.text,
      },
    });
  }

  /** A 429 when a message to `chatId` would exceed the enforced limits. */
  private rateLimit(chatId: string): ScriptedFailure | undefined {
    if (!this.limits || !this.global) return undefined;
    const scale = this.limits.scale;
    const chat = getOr(
      this.chatBuckets,
      chatId,
      () => new Bucket(this.limits?.perChatBurst ?? 2, 1000 * scale),
    );
    const buckets = [this.global, chat];
    if (Number(chatId) < 0)
      buckets.push(getOr(this.groupBuckets, chatId, () => new Bucket(20, (60_000 * scale) / 20)));
    const taken: Bucket[] = [];
    for (const bucket of buckets) {
      const wait = bucket.take();
      if (wait > 0) {
        for (const t of taken) t.refund();
        this.rateLimited++;
        const retryAfter = Math.max(1, Math.ceil(wait / 1000));
        return {
          status: 429,
          description: `Too Many Requests: retry after ${retryAfter}`,
          retryAfter,
        };
      }
      taken.push(bucket);
    }
    return undefined;
  }

  private getFile(body: Record<string, unknown>, res: ServerResponse) {
    const id = String(body.file_id);
    const file = this.files.get(id);
    if (!file) return this.fail(res, { status: 400, description: 'Bad Request: invalid file_id' });
    reply(res, 200, {
      ok: true,
      result: {
        file_id: id,
        file_unique_id: `u${id}`,
        file_size: file.data.length,
        file_path: file.path,
      },
    });
  }

  private download(token: string, path: string, res: ServerResponse) {
    const file = [...this.files.values()].find((f) => f.path === path);
    if (token !== this.token || !file)
      return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': file.data.length,
    });
    res.end(file.data);
  }

  private fail(res: ServerResponse, failure: ScriptedFailure): void {
    const description =
      failure.description ??
      (failure.status === 429
        ? `Too Many Requests: retry after ${failure.retryAfter ?? 1}`
        : failure.status >= 500
          ? 'Internal Server Error'
          : 'Bad Request');
    reply(res, failure.status, {
      ok: false,
      error_code: failure.status,
      description,
      ...(failure.retryAfter !== undefined
        ? { parameters: { retry_after: failure.retryAfter } }
        : {}),
    });
  }
}

function thread(body: Record<string, unknown>): { threadId?: number } {
  return body.message_thread_id !== undefined ? { threadId: Number(body.message_thread_id) } : {};
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Polls `condition` every 20 ms until it holds (rejects after `timeoutMs`). */
export const waitUntil = (condition: () => boolean, timeoutMs = 10_000): Promise<void> =>
  until(condition, timeoutMs, { intervalMs: 20, what: 'waiting for the telegram double' });

/** Starts a double on a free loopback port. */
export async function startTelegramDouble(
  options: { token?: string; limits?: DoubleLimits } = {},
): Promise<TelegramDouble> {
  const double = new TelegramDouble(options.token ?? TEST_TOKEN, options.limits);
  await double.listen();
  return double;
}

/** The quoted message of a send (`reply_parameters`, as JSON or a JSON string). */
function quoted(body: Record<string, unknown>): { replyToMessageId?: number } {
  const raw = body.reply_parameters;
  const params = (typeof raw === 'string' ? JSON.parse(raw) : raw) as
    | { message_id?: number }
    | undefined;
  return params?.message_id !== undefined ? { replyToMessageId: Number(params.message_id) } : {};
}

/**
 * Fields of a multipart upload (grammY's InputFile): strings as they are, files as
 * bytes. Parsed by hand, leniently like Telegram: grammY writes `content-disposition:`
 * without a space and the filename unquoted, which strict parsers refuse.
 */
function formFields(req: IncomingMessage, raw: Buffer): Record<string, unknown> {
  const boundary = /boundary=([^;]+)/.exec(req.headers['content-type'] ?? '')?.[1];
  if (!boundary) return {};
  const fields: Record<string, unknown> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let at = raw.indexOf(delimiter);
  while (at >= 0) {
    const next = raw.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    const part = raw.subarray(at + delimiter.length + 2, next - 2); // skip CRLFs
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('latin1');
    const data = part.subarray(split + 4);
    const name = /name="?([^";\r\n]+)"?/.exec(head)?.[1];
    const fileName = /filename="?([^";\r\n]+)"?/.exec(head)?.[1];
    if (name)
      fields[name] = fileName ? { data: Buffer.from(data), fileName } : data.toString('utf8');
    at = next;
  }
  // grammY sends an InputFile as `attach://<id>` in the field and the bytes under <id>.
  for (const [key, value] of Object.entries(fields)) {
    const attached = typeof value === 'string' ? /^attach:\/\/(.+)$/.exec(value) : null;
    if (attached && fields[attached[1]!]) fields[key] = fields[attached[1]!];
  }
  return fields;
}
