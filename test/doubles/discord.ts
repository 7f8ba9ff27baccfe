/**
 * A Discord API double on 127.0.0.1: the REST API (`/api/v10/...`) and a gateway
 * WebSocket on one port, so a real discord.js `Client` logs in against it exactly
 * as it would against Discord (GET /gateway/bot → connect → HELLO → IDENTIFY →
 * READY → GUILD_CREATE) and receives events as gateway dispatches.
 *
 * Every REST request is recorded; sent and edited messages are kept by id. A
 * scripted failure (e.g. a 429 with `retry_after`) answers the next matching request.
 *
 * Create Message honours `nonce` as Discord documents it: at most 25 characters
 * (else 400 Invalid Form Body), and with `enforce_nonce: true` "checked for
 * uniqueness in the past few minutes. If another message was created by the same
 * author with the same nonce, that message will be returned and no new message will
 * be created" (the double remembers nonces for `nonceWindowMs`, default 5 minutes;
 * every request comes from the one bot, so the author is always the same).
 *
 * @example
 * ```ts
 * const discord = await startDiscordDouble({ ready, guilds: [guildCreate] })
 * new Client({ intents, rest: { api: discord.apiRoot } }).login('token')
 * discord.dispatch('MESSAGE_CREATE', payload)
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

export interface DiscordRequest {
  method: string;
  /** Path below `/api/v10`, e.g. `/channels/1/messages`. */
  path: string;
  body: Record<string, unknown> | undefined;
  authorization: string | undefined;
  /** When the request arrived (ms since epoch). */
  at: number;
}

export interface DiscordSentMessage {
  id: string;
  channelId: string;
  content: string;
  body: Record<string, unknown>;
  edits: Record<string, unknown>[];
  /** When it was created (ms since epoch). */
  at: number;
}

export interface ScriptedFailure {
  /** Matches `METHOD path` (e.g. `POST /channels/1/messages`); default: any message post. */
  match?: RegExp;
  status: number;
  /** Seconds, sent as `Retry-After` and in the body, for 429s. */
  retryAfter?: number;
  code?: number;
  message?: string;
}

export interface DiscordDoubleOptions {
  /** The READY dispatch payload (`d`): bot user, unavailable guilds, application. */
  ready: Record<string, unknown>;
  /** GUILD_CREATE payloads sent right after READY. */
  guilds?: Record<string, unknown>[];
  /** Close the gateway with this code when the client identifies (e.g. 4014). */
  closeOnIdentify?: number;
  /** How long an interaction may wait for its first response (Discord: 3 s). */
  interactionDeadlineMs?: number;
  /** How long an enforced nonce is remembered (Discord: "the past few minutes"). */
  nonceWindowMs?: number;
}

export interface DiscordDouble {
  /** What to pass as discord.js `rest.api`. */
  apiRoot: string;
  /** The gateway URL that GET /gateway/bot hands out. */
  gatewayUrl: string;
  requests: DiscordRequest[];
  /** Messages created through the API, in order. */
  messages: DiscordSentMessage[];
  /** Called for every message created through the API (benches time replies here). */
  onMessage?: (message: DiscordSentMessage) => void;
  /** Enforced nonces seen, with the message each created and when. */
  nonces: Map<string, { message: DiscordSentMessage; at: number }>;
  /** Create requests answered with an existing message because of their enforced nonce. */
  nonceRepeats: { nonce: string; at: number }[];
  nonceWindowMs: number;
  /** The IDENTIFY payloads received. */
  identifies: Record<string, unknown>[];
  failures: ScriptedFailure[];
  /** Sends a gateway dispatch (`op: 0`) to every connected client (kept for a RESUME). */
  dispatch(type: string, data: unknown): void;
  /** Resolves once a client has identified and received READY. */
  connected(): Promise<void>;
  /**
   * Closes every gateway connection with `code`. The client then RESUMEs; as Discord
   * does, the double replays the events dispatched since the client's last `seq`
   * (those sent while it was away included) and answers RESUMED, or, when the session
   * is gone (`resumable: false`), op 9 Invalid Session (`d: false`), after which the
   * client must IDENTIFY anew and gets nothing from before.
   */
  drop(code: number, options?: { resumable?: boolean }): void;
  /** RESUME payloads received (op 6). */
  resumes: Record<string, unknown>[];
  /** Interactions dispatched, by id: when, and whether they were answered. */
  interactions: Map<string, { at: number; answered: boolean; original?: Record<string, unknown> }>;
  interactionDeadlineMs: number;
  /**
   * Hosts a file as Discord's CDN does (signed `ex`/`is`/`hm` query, refused without
   * it) and returns the attachment object a MESSAGE_CREATE carries.
   */
  addAttachment(name: string, contentType: string, data: Buffer): Record<string, unknown>;
  close(): Promise<void>;
}

const API_PREFIX = '/api/v10';
let nextId = 1_300_000_000_000_000_000n;
export const snowflake = (): string => String(++nextId);

export async function startDiscordDouble(options: DiscordDoubleOptions): Promise<DiscordDouble> {
  const sockets = new Set<WebSocket>();
  let sequence = 0;
  let sessionGone = false;
  let onConnected: (() => void) | undefined;
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });
  const cdn = new Map<string, { contentType: string; data: Buffer }>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.startsWith('/attachments/')) return void handleRest(double, req, res);
    const file = cdn.get(url.pathname);
    if (!file || !url.searchParams.get('hm'))
      return void res.writeHead(404).end('This content is no longer available.');
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.data.length });
    res.end(file.data);
  });
  const gateway = new WebSocketServer({ server, path: '/gateway' });
  const send = (socket: WebSocket, payload: unknown) => socket.send(JSON.stringify(payload));
  /** The session's dispatches, which a RESUME replays from the client's last `seq`. */
  let sent: { op: 0; t: string; s: number; d: unknown }[] = [];
  const record = (t: string, d: unknown) => {
    const event = { op: 0 as const, t, s: ++sequence, d };
    sent.push(event);
    return event;
  };
  const dispatchTo = (socket: WebSocket, t: string, d: unknown) => send(socket, record(t, d));

  gateway.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    send(socket, { op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null });
    socket.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> };
      if (packet.op === 1) send(socket, { op: 11, d: null, s: null, t: null });
      if (packet.op === 6) {
        double.resumes.push(packet.d);
        if (!sessionGone) {
          // Discord replays the events missed since `seq`, in order, then RESUMED.
          const seq = Number(packet.d.seq ?? 0);
          for (const event of sent.filter((e) => e.s > seq)) send(socket, event);
          return dispatchTo(socket, 'RESUMED', null);
        }
        sessionGone = false;
        return send(socket, { op: 9, d: false, s: null, t: null });
      }
      if (packet.op !== 2) return;
      double.identifies.push(packet.d);
      sent = []; // a new session: nothing from before it is replayed
      if (options.closeOnIdentify) return socket.close(options.closeOnIdentify, 'refused');
      dispatchTo(socket, 'READY', { ...options.ready, resume_gateway_url: gatewayUrl });
      for (const guild of options.guilds ?? []) dispatchTo(socket, 'GUILD_CREATE', guild);
      onConnected?.();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
  const double: DiscordDouble = {
    apiRoot: `http://127.0.0.1:${port}/api`,
    gatewayUrl,
    requests: [],
    messages: [],
    nonces: new Map(),
    nonceRepeats: [],
    nonceWindowMs: options.nonceWindowMs ?? 5 * 60_000,
    identifies: [],
    failures: [],
    dispatch: (type, data) => {
      if (type === 'INTERACTION_CREATE') {
        const id = (data as { id?: string }).id;
        if (id) double.interactions.set(id, { at: Date.now(), answered: false });
      }
      const event = record(type, data);
      for (const socket of sockets) send(socket, event);
    },
    interactions: new Map(),
    interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
    connected: () => connected,
    drop: (code, { resumable = true } = {}) => {
      sessionGone = !resumable;
      for (const socket of sockets) socket.close(code, 'dropped by the double');
    },
    resumes: [],
    addAttachment: (name, contentType, data) => {
      const id = snowflake();
      const path = `/attachments/${snowflake()}/${id}/${name}`;
      cdn.set(path, { contentType, data });
      const url = `http://127.0.0.1:${port}${path}?ex=6a1b2c3d&is=6a1a1a1a&hm=${id}abcdef&`;
      return {
        id,
        filename: name,
        size: data.length,
        url,
        proxy_url: url,
        content_type: contentType,
      };
    },
    close: async () => {
      for (const socket of sockets) socket.terminate();
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return double;
}

async function handleRest(
  double: DiscordDouble,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://x');
  const pathname = decodeURIComponent(url.pathname); // `@original` arrives as `%40original`
  const path = pathname.startsWith(API_PREFIX) ? pathname.slice(API_PREFIX.length) : pathname;
  const method = req.method ?? 'GET';
  const body = text && req.headers['content-type']?.includes('json') ? JSON.parse(text) : undefined;
  double.requests.push({
    method,
    path,
    body,
    authorization: req.headers.authorization,
    at: Date.now(),
  });
  const failure = takeFailure(double, `${method} ${path}`);
  if (failure) return fail(res, failure);
  route(double, method, path, body ?? {}, res);
}

function takeFailure(double: DiscordDouble, request: string): ScriptedFailure | undefined {
  const index = double.failures.findIndex((failure) =>
    (failure.match ?? /^POST \/channels\/\d+\/messages$/).test(request),
  );
  return index < 0 ? undefined : double.failures.splice(index, 1)[0];
}

function fail(res: ServerResponse, failure: ScriptedFailure): void {
  const headers: Record<string, string> = {};
  if (failure.retryAfter !== undefined) {
    headers['retry-after'] = String(failure.retryAfter);
    headers['x-ratelimit-scope'] = 'user';
  }
  json(
    res,
    failure.status,
    {
      message:
        failure.message ?? (failure.status === 429 ? 'You are being rate limited.' : 'Error'),
      code: failure.code ?? 0,
      ...(failure.retryAfter !== undefined
        ? { retry_after: failure.retryAfter, global: false }
        : {}),
    },
    headers,
  );
}

function route(
  double: DiscordDouble,
  method: string,
  path: string,
  body: Record<string, unknown>,
  res: ServerResponse,
) {
  const parts = path.split('/').filter(Boolean);
  const [root, channelId, sub, messageId, action] = parts;
  if (method === 'GET' && path === '/gateway/bot') {
    return json(res, 200, {
      url: double.gatewayUrl,
      shards: 1,
      session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
    });
  }
  if (root === 'channels' && channelId && sub === 'messages') {
    if (method === 'POST' && !messageId) return createMessage(double, channelId, body, res);
    if (method === 'PATCH' && messageId && !action)
      return editMessage(double, channelId, messageId, body, res);
    if (method === 'POST' && messageId && action === 'threads')
      return json(res, 201, thread(channelId, messageId, body));
  }
  if (root === 'channels' && sub === 'typing' && method === 'POST') return empty(res);
  if (root === 'interactions' && method === 'POST')
    return interactionCallback(double, channelId, res);
  if (root === 'webhooks' && method === 'PATCH' && parts.at(-1) === '@original')
    return editOriginal(double, parts[2], body, res);
  if (method === 'PUT' && parts.at(-1) === 'commands')
    return json(
      res,
      200,
      (Array.isArray(body) ? body : []).map((command) => ({ ...command, id: snowflake() })),
    );
  json(res, 404, { message: 'Unknown route', code: 0 });
}

/**
 * `POST /interactions/{id}/{token}/callback`, as Discord answers it: the first response
 * within the deadline is taken (204); a late one is 404 Unknown interaction (10062),
 * a second one 400 "already acknowledged" (40060).
 */
function interactionCallback(double: DiscordDouble, id: string | undefined, res: ServerResponse) {
  const interaction = id ? double.interactions.get(id) : undefined;
  if (!interaction || Date.now() - interaction.at > double.interactionDeadlineMs)
    return json(res, 404, { message: 'Unknown interaction', code: 10062 });
  if (interaction.answered)
    return json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
  interaction.answered = true;
  return empty(res);
}

/** `PATCH /webhooks/{application}/{token}/messages/@original`: edits a deferred answer. */
function editOriginal(
  double: DiscordDouble,
  token: string | undefined,
  body: Record<string, unknown>,
  res: ServerResponse,
) {
  const id = [...double.interactions.keys()].find((key) =>
    double.requests.some((r) => r.path === `/interactions/${key}/${token}/callback`),
  );
  const interaction = id ? double.interactions.get(id) : undefined;
  if (!interaction?.answered) return json(res, 404, { message: 'Unknown Webhook', code: 10015 });
  interaction.original = body;
  const content = typeof body.content === 'string' ? body.content : '';
  return json(res, 200, messageObject(snowflake(), 'interaction', content));
}

function createMessage(
  double: DiscordDouble,
  channelId: string,
  body: Record<string, unknown>,
  res: ServerResponse,
) {
  const nonce = body.nonce === undefined ? undefined : String(body.nonce);
  if (nonce !== undefined && nonce.length > 25)
    return json(res, 400, {
      message: 'Invalid Form Body',
      code: 50035,
      errors: {
        nonce: {
          _errors: [{ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be 25 or fewer in length.' }],
        },
      },
    });
  const enforced = nonce !== undefined && body.enforce_nonce === true;
  const earlier = enforced ? double.nonces.get(nonce) : undefined;
  if (nonce !== undefined && earlier && Date.now() - earlier.at <= double.nonceWindowMs) {
    double.nonceRepeats.push({ nonce, at: Date.now() });
    const { id, channelId: channel, content } = earlier.message;
    return json(res, 200, messageObject(id, channel, content));
  }
  const id = snowflake();
  const content = typeof body.content === 'string' ? body.content : '';
  const message = { id, channelId, content, body, edits: [], at: Date.now() };
  double.messages.push(message);
  if (enforced) double.nonces.set(nonce, { message, at: Date.now() });
  double.onMessage?.(message);
  json(res, 200, messageObject(id, channelId, content));
}

function editMessage(
  double: DiscordDouble,
  channelId: string,
  messageId: string,
  body: Record<string, unknown>,
  res: ServerResponse,
) {
  const message = double.messages.find((m) => m.id === messageId);
  if (!message) return json(res, 404, { message: 'Unknown Message', code: 10008 });
  message.edits.push(body);
  if (typeof body.content === 'string') message.content = body.content;
  json(res, 200, messageObject(messageId, channelId, message.content));
}

function messageObject(id: string, channelId: string, content: string): Record<string, unknown> {
  return {
    id,
    channel_id: channelId,
    content,
    type: 0,
    author: { id: '0', username: 'bot', discriminator: '0', avatar: null, bot: true },
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
  };
}

function thread(
  parentId: string,
  messageId: string,
  body: Record<string, unknown>,
): Record<string, unknown> {
  return {
    id: messageId,
    type: 11,
    parent_id: parentId,
    name: body.name ?? 'thread',
    thread_metadata: { archived: false, auto_archive_duration: 1440, locked: false },
  };
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function empty(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}
