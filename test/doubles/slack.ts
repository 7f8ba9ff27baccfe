/**
 * A Slack Web API double on 127.0.0.1 for tests and benches, plus a client that
 * POSTs signed Events API / interactivity requests like Slack does.
 *
 * Point the WebClient at it with `slackApiUrl: double.apiUrl` (config
 * `channels.slack.apiUrl`). It answers `auth.test`, `chat.postMessage` and
 * `chat.update`, `conversations.replies` and `conversations.history` (message
 * metadata only with `include_all_metadata`, as Slack does), records every call, and
 * can be scripted to fail the next call of a
 * method (a 429 with `Retry-After`, or an `ok: false` error). For Socket Mode it
 * answers `apps.connections.open` with its own WebSocket, says `hello`, and pushes
 * envelopes with `deliverOverSocket`.
 *
 * @example
 * ```ts
 * const slack = await startSlackDouble()
 * slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 })
 * await postSlackEvent(`${parley.app.url}/slack/events`, SECRET, envelope)
 * await slack.waitForPosts(1)
 * ```
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

export const SLACK_BOT_USER = 'UBOT0001';
export const SLACK_BOT_ID = 'BBOT0001';
export const SLACK_TEAM = 'T0001';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
}

export interface SlackPost {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** Message metadata (`event_type`, `event_payload`) the post carried. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface SlackFileObject {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

export type SlackFailure = { status: 429; retryAfter: number } | { error: string };

export interface SlackDouble {
  /** Base URL for `slackApiUrl` (ends with `/api/`). */
  apiUrl: string;
  calls: SlackCall[];
  /** Messages created by chat.postMessage, in arrival order. */
  posts: SlackPost[];
  /** Called for every chat.postMessage (benches time replies here). */
  onPost?: (post: SlackPost) => void;
  /** Current text of each message after chat.update, by ts. */
  edits: Map<string, string>;
  failNext(method: string, failure: SlackFailure): void;
  /**
   * Hosts a file as Slack does (`url_private_download`, readable only with the bot
   * token: without it Slack redirects to its login page); returns the file object an
   * event carries.
   */
  addFile(name: string, mimetype: string, data: Buffer): SlackFileObject;
  /** Token each file download came with. */
  downloads: { path: string; token: string | undefined }[];
  /**
   * Socket Mode: sends `payload` as an envelope (`events_api` or `interactive`) to the
   * connected client; resolves with the client's ack once it arrives.
   */
  deliverOverSocket(payload: unknown, type?: 'events_api' | 'interactive'): Promise<unknown>;
  /** Envelopes the Socket Mode client acknowledged, by envelope id. */
  socketAcks: Map<string, unknown>;
  waitForPosts(count: number, timeoutMs?: number): Promise<SlackPost[]>;
  /** Workspace members `users.info` knows, by id. */
  users: Map<string, SlackUser>;
  /** Messages people wrote in threads (what `conversations.replies` returns besides the bot's). */
  threadMessages: { channel: string; ts: string; thread_ts: string; user: string; text: string }[];
  close(): Promise<void>;
}

export interface SlackUser {
  id: string;
  name: string;
  real_name?: string;
  profile: { display_name: string; real_name?: string };
}

export async function startSlackDouble(): Promise<SlackDouble> {
  const failures = new Map<string, SlackFailure[]>();
  let counter = 0;
  const double: SlackDouble = {
    apiUrl: '',
    calls: [],
    posts: [],
    edits: new Map(),
    failNext: (method, failure) => failures.set(method, [...(failures.get(method) ?? []), failure]),
    socketAcks: new Map(),
    users: new Map(),
    threadMessages: [],
    downloads: [],
    addFile: (name, mimetype, data) => {
      const id = `F${String(++counter).padStart(8, '0')}`;
      const base = double.apiUrl.replace(/api\/$/, '');
      const path = `/files-pri/${SLACK_TEAM}-${id}/download/${encodeURIComponent(name)}`;
      files.set(path, { mimetype, data });
      const url = `${base}${path.slice(1)}`;
      return { id, name, mimetype, size: data.length, url_private: url, url_private_download: url };
    },
    deliverOverSocket: (payload, type = 'events_api') => {
      const socket = [...sockets.clients][0];
      if (!socket) return Promise.reject(new Error('no Socket Mode client connected'));
      const envelopeId = randomUUID();
      socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, retry_attempt: 0 }));
      return new Promise((resolve) => acks.set(envelopeId, resolve));
    },
    waitForPosts: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (double.posts.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} posts, got ${JSON.stringify(double.posts)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return double.posts;
    },
    close: async () => {
      for (const socket of sockets.clients) socket.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const answer = (method: string, args: Record<string, unknown>): unknown => {
    if (method === 'auth.test')
      return { ok: true, user_id: SLACK_BOT_USER, bot_id: SLACK_BOT_ID, team_id: SLACK_TEAM };
    if (method === 'chat.postMessage') {
      const post = toPost(args, `1700000000.${String(++counter).padStart(6, '0')}`);
      double.posts.push(post);
      double.onPost?.(post);
      return { ok: true, channel: post.channel, ts: post.ts, message: { text: post.text } };
    }
    if (method === 'conversations.replies') {
      // Like Slack: the thread's messages (parent first), posted ones carrying the bot's
      // user and bot ids; a ts that starts no known thread is `thread_not_found`.
      const ts = String(args.ts);
      const inThread = (p: { channel: string; ts: string; thread_ts?: string }) =>
        p.channel === args.channel && (p.ts === ts || p.thread_ts === ts);
      const own = double.posts.filter(inThread).map((p) => botMessage(p, args));
      const people = double.threadMessages.filter(inThread).map((m) => ({ type: 'message', ...m }));
      const thread = [...own, ...people].sort((a, b) => Number(a.ts) - Number(b.ts));
      if (thread.length === 0) return { ok: false, error: 'thread_not_found' };
      const limit = Number(args.limit ?? 1000);
      return { ok: true, has_more: thread.length > limit, messages: thread.slice(0, limit) };
    }
    if (method === 'conversations.history') {
      // Like Slack: the channel's top-level messages, newest first.
      const top = double.posts.filter((p) => p.channel === args.channel && !p.thread_ts);
      const messages = top.reverse().map((p) => botMessage(p, args));
      const limit = Number(args.limit ?? 100);
      return { ok: true, has_more: messages.length > limit, messages: messages.slice(0, limit) };
    }
    if (method === 'users.info') {
      const user = double.users.get(String(args.user));
      return user ? { ok: true, user } : { ok: false, error: 'user_not_found' };
    }
    if (method === 'apps.connections.open')
      return { ok: true, url: `${double.apiUrl.replace(/^http/, 'ws').replace(/api\/$/, '')}link` };
    if (method === 'chat.update') {
      double.edits.set(String(args.ts), String(args.text ?? ''));
      return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
    }
    return { ok: false, error: 'unknown_method' };
  };
  const files = new Map<string, { mimetype: string; data: Buffer }>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/files-pri/')) {
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      double.downloads.push({ path, token });
      const file = files.get(path);
      if (!token?.startsWith('xoxb-'))
        return void res.writeHead(302, { location: '/?redir=login' }).end();
      if (!file) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.data.length });
      return void res.end(file.data);
    }
    void readArgs(req).then((args) => {
      const method = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/api\//, '');
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      double.calls.push({ method, args, token });
      const failure = failures.get(method)?.shift();
      if (failure && 'status' in failure) {
        res.writeHead(429, { 'retry-after': String(failure.retryAfter) });
        return res.end();
      }
      json(res, failure ? { ok: false, error: failure.error } : answer(method, args));
    });
  });
  const sockets = new WebSocketServer({ server, path: '/link' });
  const acks = new Map<string, (ack: unknown) => void>();
  sockets.on('connection', (socket: WebSocket) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { envelope_id: string; payload?: unknown };
      double.socketAcks.set(message.envelope_id, message.payload);
      acks.get(message.envelope_id)?.(message.payload);
    });
    socket.send(JSON.stringify({ type: 'hello', num_connections: 1 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  double.apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/`;
  return double;
}

function toPost(args: Record<string, unknown>, ts: string): SlackPost {
  const metadata = args.metadata as SlackPost['metadata'] | undefined;
  return {
    channel: String(args.channel),
    ts,
    text: String(args.text ?? ''),
    ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
    ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
    ...(metadata?.event_type ? { metadata } : {}),
  };
}

/** A posted message as the history methods return it (metadata only when asked for). */
function botMessage(post: SlackPost, args: Record<string, unknown>): Record<string, unknown> {
  const withMetadata = args.include_all_metadata === true || args.include_all_metadata === 'true';
  return {
    type: 'message',
    user: SLACK_BOT_USER,
    bot_id: SLACK_BOT_ID,
    text: post.text,
    ts: post.ts,
    ...(post.thread_ts ? { thread_ts: post.thread_ts } : {}),
    ...(withMetadata && post.metadata ? { metadata: post.metadata } : {}),
  };
}

/** The WebClient sends form fields (objects as JSON strings) or JSON. */
async function readArgs(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('json')) return text ? JSON.parse(text) : {};
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

export interface SignedPostOptions {
  /** Seconds since epoch to sign with (default now). */
  timestamp?: number;
  /** Sends `X-Slack-Retry-Num` (and a retry reason) like Slack's redeliveries. */
  retryNum?: number;
  /** Form-encode as `payload=<json>` (interactivity) instead of JSON (events). */
  form?: boolean;
  /** Sign with this secret instead (to forge a bad signature). */
  signWith?: string;
}

/** POSTs `body` to a Slack endpoint, signed the way Slack signs requests. */
export async function postSlackEvent(
  url: string,
  secret: string,
  body: unknown,
  options: SignedPostOptions = {},
): Promise<Response> {
  const raw = options.form
    ? new URLSearchParams({ payload: JSON.stringify(body) }).toString()
    : JSON.stringify(body);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': slackSignature(options.signWith ?? secret, timestamp, raw),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(url, { method: 'POST', headers, body: raw });
}

/** POSTs a slash command invocation as Slack does: signed, form-encoded fields (no `payload=`). */
export async function postSlackCommand(
  url: string,
  secret: string,
  fields: Record<string, string>,
): Promise<Response> {
  const raw = new URLSearchParams(fields).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(secret, timestamp, raw),
    },
    body: raw,
  });
}

/** The `v0=` signature Slack sends for this timestamp and body (what Slack's servers compute). */
export function slackSignature(secret: string, timestamp: string, body: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}
