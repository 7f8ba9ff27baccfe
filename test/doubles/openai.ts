/**
 * An OpenAI-compatible Chat Completions server on 127.0.0.1 for tests and benches.
 * Replies come from a script (text, tool calls, errors, delays, hangs), streamed as
 * SSE (a delta per word) when the request asks for it. With an empty script it answers
 * `echo: <last user text>`. Every request body is recorded. Token usage is reported as
 * OpenAI does: in the response's `usage` (with `prompt_tokens_details.cached_tokens`),
 * and for a stream only when the request sets `stream_options.include_usage`, in a
 * last chunk with empty `choices`.
 *
 * Streams can misbehave the way real servers and proxies do (`fault`, after
 * `faultAfter` text deltas): `stall` keeps the connection open and sends nothing more,
 * `truncate` ends the body without a finish reason or `[DONE]`, `garbage` sends an
 * event that is not JSON and ends, `reset` destroys the socket, `error` sends the
 * `{"error": …}` event OpenAI sends when generation fails mid-stream. `finishReason`
 * overrides the final reason (e.g. `length`).
 *
 * @example
 * ```ts
 * const llm = await startOpenAIDouble()
 * llm.script.push({ toolCalls: [{ name: 'get_time', arguments: '{}' }] }, { text: 'It is noon.' })
 * // point Parley at llm.baseUrl
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ScriptedReply {
  text?: string;
  toolCalls?: { name: string; arguments: string; id?: string }[];
  /** Answer with this HTTP status and an OpenAI-style error body. */
  status?: number;
  /** Wait before answering (ms). */
  delayMs?: number;
  /** Never answer (the connection stays open until the server closes). */
  hang?: boolean;
  /** Pause between streamed deltas (ms), as a model writing token by token does. */
  deltaDelayMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number };
  /** How the stream misbehaves (streaming requests only). */
  fault?: 'stall' | 'truncate' | 'garbage' | 'reset' | 'error';
  /** Text deltas sent before the fault (default 0: right after the headers). */
  faultAfter?: number;
  /** The finish reason of the last event (default `stop`, or `tool_calls`). */
  finishReason?: string;
}

export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: {
    model: string;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    messages: { role: string; content: unknown; tool_calls?: unknown; tool_call_id?: string }[];
    tools?: { function: { name: string } }[];
  };
}

export interface OpenAIDouble {
  baseUrl: string;
  script: ScriptedReply[];
  requests: RecordedRequest[];
  /** Answers used when the script is empty (default: echo). */
  fallback: (request: RecordedRequest) => ScriptedReply;
  close(): Promise<void>;
}

function lastUserText(request: RecordedRequest): string {
  const user = [...request.body.messages].reverse().find((m) => m.role === 'user');
  if (!user) return '';
  if (typeof user.content === 'string') return user.content;
  const parts = user.content as { type: string; text?: string }[];
  return parts.find((p) => p.type === 'text')?.text ?? '';
}

/** `host`: where to listen (default 127.0.0.1; the deploy test opens it to containers). */
export async function startOpenAIDouble(
  options: { port?: number; host?: string } = {},
): Promise<OpenAIDouble> {
  const hanging = new Set<ServerResponse>();
  const double: OpenAIDouble = {
    baseUrl: '',
    script: [],
    requests: [],
    fallback: (request) => ({ text: `echo: ${lastUserText(request)}` }),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => void handle(double, hanging, req, res));
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address();
  double.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
  return double;
}

async function handle(
  double: OpenAIDouble,
  hanging: Set<ServerResponse>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method === 'GET' && path.endsWith('/models')) {
    return json(res, 200, {
      object: 'list',
      data: [{ id: 'test-model', object: 'model', created: 0, owned_by: 'test' }],
    });
  }
  if (!path.endsWith('/chat/completions'))
    return json(res, 404, { error: { message: 'not found' } });
  const request: RecordedRequest = {
    path,
    headers: req.headers,
    body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
  };
  double.requests.push(request);
  const reply = double.script.shift() ?? double.fallback(request);
  if (reply.hang) {
    hanging.add(res);
    return;
  }
  if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
  if (reply.status)
    return json(res, reply.status, {
      error: { message: `scripted ${reply.status}`, type: 'test' },
    });
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    index,
    id: call.id ?? `call_${index}_${double.requests.length}`,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  const usage = usageOf(reply.usage ?? { prompt_tokens: 10, completion_tokens: 5 });
  if (!request.body.stream) {
    return json(res, 200, {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 0,
      model: request.body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.text ?? null,
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
          },
          finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
        },
      ],
      usage,
    });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (delta: unknown, finish: string | null = null) =>
    res.write(
      `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 0, model: request.body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
  event({ role: 'assistant', content: '' });
  const pieces = (reply.text ?? '').match(/\S+\s*|\s+/g) ?? [];
  for (const [index, piece] of pieces.entries()) {
    if (reply.fault && index === (reply.faultAfter ?? 0)) return misbehave(reply, res, hanging);
    if (reply.deltaDelayMs) await new Promise((resolve) => setTimeout(resolve, reply.deltaDelayMs));
    if (res.destroyed) return;
    event({ content: piece });
  }
  if (reply.fault) return misbehave(reply, res, hanging);
  if (reply.deltaDelayMs) await new Promise((resolve) => setTimeout(resolve, reply.deltaDelayMs));
  for (const call of toolCalls) {
    const half = Math.ceil(call.function.arguments.length / 2);
    event({
      tool_calls: [
        {
          index: call.index,
          id: call.id,
          type: 'function',
          function: { name: call.function.name, arguments: call.function.arguments.slice(0, half) },
        },
      ],
    });
    event({
      tool_calls: [
        { index: call.index, function: { arguments: call.function.arguments.slice(half) } },
      ],
    });
  }
  event({}, reply.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop'));
  if (request.body.stream_options?.include_usage)
    res.write(
      `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 0, model: request.body.model, choices: [], usage })}\n\n`,
    );
  res.end('data: [DONE]\n\n');
}

/** The `usage` object of OpenAI's Chat Completions API. */
function usageOf(scripted: NonNullable<ScriptedReply['usage']>) {
  return {
    prompt_tokens: scripted.prompt_tokens,
    completion_tokens: scripted.completion_tokens,
    total_tokens: scripted.prompt_tokens + scripted.completion_tokens,
    prompt_tokens_details: { cached_tokens: scripted.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

/** A stream going wrong after its headers and first deltas, as servers and proxies do. */
function misbehave(reply: ScriptedReply, res: ServerResponse, hanging: Set<ServerResponse>): void {
  switch (reply.fault) {
    case 'stall':
      hanging.add(res);
      return;
    case 'truncate':
      res.end();
      return;
    case 'garbage':
      res.end('data: {"id":"chatcmpl-test","choices":[{"delta":{"content":"hal\n\n');
      return;
    case 'reset':
      res.socket?.destroy();
      return;
    case 'error':
      res.end(
        `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error' } })}\n\n`,
      );
      return;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
