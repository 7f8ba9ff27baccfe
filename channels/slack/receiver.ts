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
 * The HTTP receiver runs on Parley's own HTTP server (no second port), through the
 * core route interface. A forged request is refused on its headers before a byte
 * of its body is read, and the body is capped at {@link MAX_SLACK_BODY}. Socket
 * Mode needs no public URL at all and is used whenever an app token is configured.
 */
import type { App, Receiver } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from 'pino';
import type { HttpRoutes } from '../../core/http.js';
import { slackLogger } from './log.js';
import { headerProblem, signatureProblem } from './verify.js';

/** Events and interactivity payloads are a few KB; a modal submission stays far below this. */
export const MAX_SLACK_BODY = 128 * 1024;

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
  http: HttpRoutes;
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
    this.options.http.route('POST', this.options.path, (request) => this.handle(request), {
      auth: false,
      maxBodyBytes: MAX_SLACK_BODY,
    });
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  private async handle(request: Request): Promise<Response> {
    if (!this.running) return Response.json({ error: 'slack channel stopped' }, { status: 503 });
    const headers = {
      timestamp: request.headers.get('x-slack-request-timestamp'),
      signature: request.headers.get('x-slack-signature'),
      nowMs: (this.options.now ?? Date.now)(),
    };
    const early = headerProblem(headers);
    if (early) return this.refuse(early);
    const raw = await request.text();
    const problem = signatureProblem({ ...headers, secret: this.options.signingSecret, body: raw });
    if (problem) return this.refuse(problem);
    return this.accept(request, raw);
  }

  private refuse(problem: string): Response {
    this.options.log.warn({ problem }, 'slack request refused');
    return Response.json({ error: problem }, { status: 401 });
  }

  private async accept(request: Request, raw: string): Promise<Response> {
    const body = parseBody(raw, request.headers.get('content-type') ?? '');
    if (!body)
      return Response.json({ error: 'body is neither JSON nor a form payload' }, { status: 400 });
    if (body.type === 'url_verification') return Response.json({ challenge: body.challenge });
    if (body.type === 'ssl_check') return Response.json({});
    const retry = Number(request.headers.get('x-slack-retry-num') ?? Number.NaN);
    try {
      const answer = await this.dispatch(
        body,
        Number.isInteger(retry) ? retry : undefined,
        request.headers.get('x-slack-retry-reason') ?? undefined,
      );
      return respond(answer);
    } catch (error) {
      this.options.log.error({ err: error }, 'slack event not accepted; Slack will retry');
      return Response.json({ error: 'event not accepted' }, { status: 500 });
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

/** JSON (Events API) or `application/x-www-form-urlencoded` with `payload=` (interactivity). */
export function parseBody(text: string, contentType: string): Body | undefined {
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

function respond(answer: unknown): Response {
  if (answer === undefined || answer === null || answer === '')
    return new Response(null, { status: 200 });
  if (typeof answer === 'string')
    return new Response(answer, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return Response.json(answer);
}
