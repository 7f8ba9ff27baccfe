/**
 * The body cap of every route: a declared `Content-Length` beyond the cap is
 * answered 413 before the handler runs; a chunked body is counted while the
 * handler reads it and the read fails past the cap (413 as well). Nothing is read
 * unless the handler asks, so a handler can refuse on headers alone (Slack's
 * signature headers) without buffering anything.
 */
import type { FetchHandler } from '../core/http.js';

/** Cap when a route names none. */
export const DEFAULT_MAX_BODY = 1_000_000;

function tooLarge(limit: number): Response {
  return Response.json({ error: `body larger than ${limit} bytes` }, { status: 413 });
}

/** Runs `handler` on `request` with its body capped at `limit` bytes. */
export async function capBody(
  request: Request,
  limit: number,
  handler: FetchHandler,
): Promise<Response> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return tooLarge(limit);
  if (!request.body) return handler(request);
  let size = 0;
  let exceeded = false;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > limit) {
        exceeded = true;
        controller.error(new Error(`body larger than ${limit} bytes`));
      } else controller.enqueue(chunk);
    },
  });
  // Built from parts: node-server's lightweight Request is not a valid `new Request(input)`.
  const capped = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    signal: request.signal,
    body: request.body.pipeThrough(counter),
    duplex: 'half',
  } as RequestInit);
  try {
    return await handler(capped);
  } catch (error) {
    if (exceeded) return tooLarge(limit);
    throw error;
  }
}
