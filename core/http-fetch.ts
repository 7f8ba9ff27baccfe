/**
 * A `fetch` for API clients built on `node:http`/`node:https` with keep-alive
 * agents: the model provider's client (`agent/models/openai.ts`, through
 * {@link httpRequest}) and the Telegram client (grammY). Both read from the
 * response only its status, headers,
 * `text()`/`json()` and `body` as an async iterable of bytes (for SSE). Node's own
 * fetch and `Response` (undici, WHATWG streams on both sides) cost more CPU per call
 * than the rest of a turn against a fast local model, and grammY's default
 * (node-fetch) about 0.1 ms more per call, so {@link HttpResponse} provides just that
 * surface over the `http.IncomingMessage`. Request bodies are strings (JSON), bytes,
 * or async iterables of bytes (grammY's multipart uploads).
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!init) return out;
  if (init instanceof Headers || Array.isArray(init)) {
    for (const [key, value] of init) out[key] = value;
    return out;
  }
  return { ...(init as Record<string, string>) };
}

type Body = string | Uint8Array | AsyncIterable<Uint8Array | string>;

function bodyOf(body: RequestInit['body'] | AsyncIterable<Uint8Array>): Body | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (Symbol.asyncIterator in Object(body)) return body as AsyncIterable<Uint8Array>;
  throw new TypeError('httpFetch sends only string, byte or async-iterable bodies');
}

/** The part of `Response` that the `openai` client uses, over a Node response. */
export class HttpResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  /** The body as an async iterable of byte chunks (`null` for 204/304). */
  readonly body: AsyncIterable<Uint8Array> | null;

  constructor(
    readonly url: string,
    private readonly message: http.IncomingMessage,
  ) {
    this.status = message.statusCode ?? 502;
    this.statusText = message.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    const empty = this.status === 204 || this.status === 304;
    if (empty) message.resume();
    this.body = empty ? null : message;
  }

  /** Built on first read: most callers never look at the headers. */
  get headers(): Headers {
    const pairs: [string, string][] = [];
    const raw = this.message.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
    const headers = new Headers(pairs);
    Object.defineProperty(this, 'headers', { value: headers });
    return headers;
  }

  /** One header of the response (lower-case name), without building {@link headers}. */
  header(name: string): string | undefined {
    const value = this.message.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  private async bytes(): Promise<Buffer> {
    if (!this.body) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const chunk of this.message) chunks.push(chunk as Buffer);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }
}

/**
 * Cancels one request of {@link httpRequest}, like an `AbortSignal` but without one:
 * an `AbortController` and the listeners Node's HTTP client adds to its signal cost
 * about 30 µs per model call (core bench profile), a tenth of the rest of the call.
 * The first `abort` wins; a request already sent is destroyed with its reason.
 *
 * @example
 * ```ts
 * const cancel = new Canceller()
 * const timer = setTimeout(() => cancel.abort(new Error('timed out')), 30_000)
 * const response = await httpRequest(url, { method: 'POST', body }, cancel)
 * ```
 */
export class Canceller {
  aborted = false;
  reason: unknown;
  private destroy: ((reason: unknown) => void) | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.destroy?.(reason);
  }

  /** Has `destroy` called on abort (at once if already aborted). */
  bind(destroy: (reason: unknown) => void): void {
    if (this.aborted) destroy(this.reason);
    else this.destroy = destroy;
  }
}

/** `fetch` over node:http(s) with keep-alive; honours `signal` (timeouts, aborts). */
export function httpFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  // Callers read only what HttpResponse provides (see the header).
  return httpRequest(
    input instanceof Request ? input.url : input,
    init,
  ) as unknown as Promise<Response>;
}

/** {@link httpFetch} with its real return type, for our own callers; `cancel` stops it without a signal. */
export function httpRequest(
  input: string | URL,
  init: RequestInit = {},
  cancel?: Canceller,
): Promise<HttpResponse> {
  const url = typeof input === 'string' ? new URL(input) : input;
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  const body = bodyOf(init.body);
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: init.method ?? 'GET',
        headers: plainHeaders(init.headers),
        agent,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (response) => resolve(new HttpResponse(url.href, response)),
    );
    request.on('error', reject);
    cancel?.bind((reason) =>
      request.destroy(reason instanceof Error ? reason : new Error(String(reason))),
    );
    if (typeof body === 'object' && Symbol.asyncIterator in body)
      pipeline(Readable.from(body), request).catch(reject);
    else request.end(body);
  });
}
