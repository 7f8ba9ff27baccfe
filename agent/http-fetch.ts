/**
 * A `fetch` for the provider client built on `node:http`/`node:https` with
 * keep-alive agents. The `openai` package accepts any fetch; Node's built-in one
 * (undici, WHATWG streams on both sides) costs about 0.5 ms more CPU per call, which
 * is most of the agent's own per-message overhead against a fast local model.
 * Request bodies are strings (JSON) or absent; responses stream through as-is.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

function plainHeaders(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

function responseHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('httpFetch sends only string or byte bodies');
}

/** `fetch` over node:http(s) with keep-alive; honours `signal` (timeouts, aborts). */
export function httpFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
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
      (response) => {
        const status = response.statusCode ?? 502;
        const stream =
          status === 204 || status === 304
            ? null
            : (Readable.toWeb(response) as ReadableStream<Uint8Array>);
        resolve(
          new Response(stream, {
            status,
            statusText: response.statusMessage ?? '',
            headers: responseHeaders(response.headers),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
