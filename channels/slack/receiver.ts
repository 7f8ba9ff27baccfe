/**
 * Bolt receivers that acknowledge Slack only after the adapter has stored the event:
 *
 *   Slack ─HTTP POST /slack/events──► HttpEventsReceiver ─┐  (signature checked, 401 otherwise)
 *   Slack ─Socket Mode envelope─────► SocketEventsReceiver ┴► app.processEvent ─► listeners
 *                                                             (await sink.accept) ─► ack ─► 200 / envelope ack
 *
 * Bolt acknowledges Events API events *before* running listeners. Here `ack` only
 * records the response; the real answer (the HTTP response, the Socket Mode ack) is
 * sent once `processEvent` has resolved, i.e. after `sink.accept()` stored the event
 * in the durable inbox. Storing is fast, so Slack's 3-second window holds; a failure
 * to store answers 500 (HTTP) or no ack (Socket Mode) so that Slack retries. Retries
 * of events already stored are deduplicated by the inbox (`event_id`).
 *
 * The HTTP receiver runs on Parley's own HttpServer (no second port); Socket Mode
 * needs no public URL at all and is used whenever an app token is configured.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App, Receiver } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from 'pino';
import { type HttpServer, readBody, sendJson } from '../http/server.js';
import { slackLogger } from './log.js';
import { signatureProblem } from './verify.js';

type Body = Record<string, unknown>;

/** Runs Bolt's listeners with a recording `ack`; resolves to what `ack` was given. */
abstract class DeferredAckReceiver implements Receiver {
  private app: App | undefined;

  init(app: App): void {
    this.app = app;
  }

  abstract start(): Promise<unknown>;
  abstract stop(): Promise<unknown>;

  protected async dispatch(body: Body, retryNum?: number, retryReason?: string): Promise<unknown> {
    if (!this.app) throw new Error('receiver used before Bolt initialised it');
    let response: unknown;
    await this.app.processEvent({
      body,
      ...(retryNum !== undefined ? { retryNum } : {}),
      ...(retryReason ? { retryReason } : {}),
      ack: async (answer?: unknown) => {
        response = answer;
      },
    });
    return response;
  }
}

export interface HttpReceiverOptions {
  http: HttpServer;
  path: string;
  signingSecret: string;
  log: Logger;
  now?: () => number;
}

/** Events API and interactivity over HTTP, on Parley's HTTP server. */
export class HttpEventsReceiver extends DeferredAckReceiver {
  private running = false;
  private routed = false;

  constructor(private readonly options: HttpReceiverOptions) {
    super();
  }

  async start(): Promise<void> {
    this.running = true;
    if (this.routed) return;
    this.routed = true;
    this.options.http.route('POST', this.options.path, (req, res) => this.handle(req, res), {
      auth: false,
    });
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.running) return sendJson(res, 503, { error: 'slack channel stopped' });
    const raw = await readBody(req);
    const problem = signatureProblem({
      secret: this.options.signingSecret,
      timestamp: header(req, 'x-slack-request-timestamp'),
      signature: header(req, 'x-slack-signature'),
      body: raw,
      nowMs: (this.options.now ?? Date.now)(),
    });
    if (problem) {
      this.options.log.warn({ problem }, 'slack request refused');
      return sendJson(res, 401, { error: problem });
    }
    const body = parseBody(raw, header(req, 'content-type') ?? '');
    if (!body) return sendJson(res, 400, { error: 'body is neither JSON nor a form payload' });
    if (body.type === 'url_verification') return sendJson(res, 200, { challenge: body.challenge });
    if (body.type === 'ssl_check') return sendJson(res, 200, {});
    const retry = Number(header(req, 'x-slack-retry-num') ?? Number.NaN);
    try {
      const answer = await this.dispatch(
        body,
        Number.isInteger(retry) ? retry : undefined,
        header(req, 'x-slack-retry-reason'),
      );
      respond(res, answer);
    } catch (error) {
      this.options.log.error({ err: error }, 'slack event not accepted; Slack will retry');
      sendJson(res, 500, { error: 'event not accepted' });
    }
  }
}

export interface SocketReceiverOptions {
  appToken: string;
  log: Logger;
  /** Web API base URL for `apps.connections.open` (a test double). */
  apiUrl?: string;
}

/** Events and interactivity over a Socket Mode WebSocket (app token `xapp-…`). */
export class SocketEventsReceiver extends DeferredAckReceiver {
  private readonly client: SocketModeClient;

  constructor(private readonly options: SocketReceiverOptions) {
    super();
    this.client = new SocketModeClient({
      appToken: options.appToken,
      logger: slackLogger(options.log),
      ...(options.apiUrl ? { clientOptions: { slackApiUrl: options.apiUrl } } : {}),
    });
    this.client.on('slack_event', (envelope: SocketEnvelope) => void this.onEnvelope(envelope));
  }

  async start(): Promise<void> {
    await this.client.start();
  }

  async stop(): Promise<void> {
    await this.client.disconnect();
  }

  private async onEnvelope(envelope: SocketEnvelope): Promise<void> {
    try {
      const answer = await this.dispatch(envelope.body, envelope.retry_num, envelope.retry_reason);
      await envelope.ack(answer);
    } catch (error) {
      this.options.log.error({ err: error }, 'slack event not accepted; Slack will redeliver');
    }
  }
}

interface SocketEnvelope {
  body: Body;
  retry_num?: number;
  retry_reason?: string;
  ack(response?: unknown): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** JSON (Events API) or `application/x-www-form-urlencoded` with `payload=` (interactivity). */
export function parseBody(raw: Buffer, contentType: string): Body | undefined {
  const text = raw.toString('utf8');
  try {
    if (contentType.includes('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      return payload ? (JSON.parse(payload) as Body) : Object.fromEntries(form);
    }
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Body)
      : undefined;
  } catch {
    return undefined;
  }
}

function respond(res: ServerResponse, answer: unknown): void {
  if (answer === undefined || answer === null || answer === '') {
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  } else if (typeof answer === 'string') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(answer);
  } else sendJson(res, 200, answer);
}
