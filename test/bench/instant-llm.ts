/**
 * The core bench's model: an OpenAI-compatible Chat Completions endpoint on
 * 127.0.0.1 that answers at once, as cheaply as an HTTP server can. It parses just
 * enough HTTP/1.1 (request head, content-length, keep-alive) and writes each
 * precomputed response with one write, so the bench's CPU goes to Parley rather
 * than to its test double. Streamed requests get SSE chunks (role, text, finish,
 * usage, `[DONE]`), others one JSON completion. `delayMs` holds every answer that
 * long (a model that takes time to think, at no CPU cost); `setDelay` changes it for
 * the requests that follow. Use
 * `test/doubles/openai.ts` for anything scripted.
 */
import { createServer, type Socket } from 'node:net';

export const INSTANT_REPLY = 'Hello! This is an instant reply.';

const usage = { prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 };

function chunk(choices: unknown[], extra: Record<string, unknown> = {}): string {
  const body = {
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 0,
    model: 'bench',
  };
  return `data: ${JSON.stringify({ ...body, choices, ...extra })}\n\n`;
}

function response(contentType: string, body: string): Buffer {
  return Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: keep-alive\r\n\r\n${body}`,
  );
}

const streamed = response(
  'text/event-stream',
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]) +
    chunk([{ index: 0, delta: { content: INSTANT_REPLY }, finish_reason: null }]) +
    chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
    chunk([], { usage }) +
    'data: [DONE]\n\n',
);

const single = response(
  'application/json',
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 0,
    model: 'bench',
    choices: [
      { index: 0, message: { role: 'assistant', content: INSTANT_REPLY }, finish_reason: 'stop' },
    ],
    usage,
  }),
);

/** Answers every complete request buffered on `socket`; returns what is left over. */
function answer(socket: Socket, buffered: string, delayMs: number): string {
  let rest = buffered;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) return rest;
    const length = Number(/content-length:\s*(\d+)/i.exec(rest.slice(0, headEnd))?.[1] ?? 0);
    const end = headEnd + 4 + length;
    if (rest.length < end) return rest;
    const body = rest.slice(headEnd + 4, end);
    rest = rest.slice(end);
    const response = /"stream"\s*:\s*true/.test(body) ? streamed : single;
    if (delayMs > 0) setTimeout(() => socket.writable && socket.write(response), delayMs);
    else socket.write(response);
  }
}

export async function startInstantLlm({ delayMs = 0 } = {}): Promise<{
  baseUrl: string;
  setDelay(ms: number): void;
  close(): Promise<void>;
}> {
  let delay = delayMs;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    let buffered = '';
    socket.on('data', (data: string) => {
      buffered = answer(socket, buffered + data, delay);
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    setDelay: (ms) => {
      delay = ms;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
