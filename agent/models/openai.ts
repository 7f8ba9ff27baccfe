/**
 * One attempt at one OpenAI-compatible provider, streaming or not: a POST of the
 * Chat Completions request over `core/http-fetch.ts` (keep-alive node:http), the
 * answer read as JSON or as server-sent events (`sse.ts`). No retries here:
 * retrying, failover and the deadline are `failover.ts`'s. An attempt watches the
 * stream: nothing for `idleTimeoutMs` (before the headers or between chunks) aborts
 * it as `stall`, no headers within `timeoutMs` as `timeout`; a stream that ends
 * without a finish reason is reported as such, not as a whole answer. Every failure
 * becomes a {@link ProviderError} with a `kind` (`explain.ts`).
 *
 * This is the wire format of the `openai` package (whose types it uses), without
 * the package on the hot path: its per-request work (options, headers, debug
 * details) cost about 0.5 ms per call, and loading it about 120 ms and 14 MB.
 */
import type OpenAI from 'openai';
import { Canceller, type HttpResponse, httpRequest } from '../../core/http-fetch.js';
import type { ToolCallRecord } from '../../sessions/records.js';
import type { ProviderError } from './errors.js';
import { explain, Stalled, StatusError, TimedOut, Unreachable } from './explain.js';
import type { Provider } from './providers.js';
import { SseDecoder, type SseEvent } from './sse.js';
import type { Completion, CompletionRequest } from './types.js';

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type Answer = OpenAI.Chat.Completions.ChatCompletion;

/** What one attempt produced; `finishReason` undefined means the stream broke off. */
export interface AttemptResult {
  completion: Completion;
  finishReason: string | undefined;
}

export class OpenAIProvider {
  private readonly base: string;
  private readonly authorization: string;

  constructor(readonly provider: Provider) {
    this.base = (provider.baseUrl ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    this.authorization = `Bearer ${provider.apiKey ?? 'not-needed'}`;
  }

  get name(): string {
    return this.provider.name;
  }

  /** One request; `onDelta` sees text as it streams. Throws a {@link ProviderError}. */
  async attempt(request: CompletionRequest): Promise<AttemptResult> {
    const cancel = new Canceller();
    const outer = request.signal;
    const forward = () => cancel.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener('abort', forward, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const idle = this.provider.stream
      ? () => {
          clearTimeout(timer);
          timer = setTimeout(() => cancel.abort(new Stalled()), this.provider.idleTimeoutMs);
        }
      : () => {};
    try {
      idle();
      const result = this.provider.stream
        ? await this.streamed(request, cancel, idle)
        : await this.single(request, cancel);
      if (cancel.aborted) throw cancel.reason;
      return result;
    } catch (error) {
      throw this.explain(cancel.aborted ? cancel.reason : error);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    }
  }

  async listModels(): Promise<string[]> {
    const cancel = new Canceller();
    try {
      const response = await this.send('GET', '/models', undefined, cancel);
      const list = (await response.json()) as { data?: { id: string }[] };
      return (list.data ?? []).map((model) => model.id);
    } catch (error) {
      throw this.explain(cancel.aborted ? cancel.reason : error);
    }
  }

  /** Maps a failure of this provider to a {@link ProviderError}. */
  explain(error: unknown): ProviderError {
    return explain(this.provider, error);
  }

  /**
   * Sends one request and resolves with a 2xx response; other statuses throw a
   * {@link StatusError}. `timeoutMs` counts until the response headers.
   */
  private async send(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    cancel: Canceller,
  ): Promise<HttpResponse> {
    const timeout = setTimeout(() => cancel.abort(new TimedOut()), this.provider.timeoutMs);
    const headers: Record<string, string> = {
      authorization: this.authorization,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: HttpResponse;
    try {
      response = await httpRequest(
        `${this.base}${path}`,
        { method, headers, ...(body !== undefined ? { body } : {}) },
        cancel,
      );
    } catch (error) {
      throw cancel.aborted ? error : new Unreachable(error);
    } finally {
      clearTimeout(timeout);
    }
    if (!response.ok) throw await statusError(response);
    return response;
  }

  /**
   * The request body as JSON, `extra` (the stream options) last. The tool list is
   * spliced in as the JSON it was serialised to once (see {@link jsonOf}).
   */
  private body(request: CompletionRequest, extra: object): string {
    const head = { model: this.provider.model, messages: request.messages };
    const tail = {
      ...(this.provider.temperature !== undefined
        ? { temperature: this.provider.temperature }
        : {}),
      ...extra,
    };
    const tools = request.tools.length ? `,"tools":${jsonOf(request.tools)}` : '';
    return `${JSON.stringify(head).slice(0, -1)}${tools},${JSON.stringify(tail).slice(1)}`;
  }

  private async single(request: CompletionRequest, cancel: Canceller): Promise<AttemptResult> {
    const body = this.body(request, { stream: false });
    const response = (await (
      await this.send('POST', '/chat/completions', body, cancel)
    ).json()) as Answer;
    const choice = response.choices?.[0];
    const message = choice?.message;
    const toolCalls = (message?.tool_calls ?? [])
      .filter((call) => call.type === 'function')
      .map((call) => ({
        id: call.id,
        type: 'function' as const,
        function: { name: call.function.name, arguments: call.function.arguments },
      }));
    if (message?.content) request.onDelta?.(message.content);
    return {
      finishReason: choice?.finish_reason ?? undefined,
      completion: {
        content: message?.content ?? null,
        toolCalls,
        usage: usageOf(response.usage),
        model: this.name,
      },
    };
  }

  private async streamed(
    request: CompletionRequest,
    cancel: Canceller,
    idle: () => void,
  ): Promise<AttemptResult> {
    const body = this.body(request, { stream: true, stream_options: { include_usage: true } });
    const response = await this.send('POST', '/chat/completions', body, cancel);
    idle();
    let content = '';
    let finishReason: string | undefined;
    const calls = new Map<number, ToolCallRecord>();
    let usage: Completion['usage'];
    const take = (chunk: Chunk) => {
      if (chunk.usage) usage = usageOf(chunk.usage);
      const choice = chunk.choices?.[0];
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      const delta = choice?.delta;
      if (!delta) return;
      if (delta.content) {
        content += delta.content;
        request.onDelta?.(delta.content);
      }
      for (const part of delta.tool_calls ?? []) addToolCallPart(calls, part);
    };
    await readChunks(response, idle, take);
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
    return {
      finishReason,
      completion: { content: content || null, toolCalls, usage, model: this.name },
    };
  }
}

/**
 * The JSON of each tool list: the registry hands out one array per chat type until a
 * tool changes (`tools/registry.ts`), and its schemas are most of a request's bytes
 * (about 3 KB, 8–12 µs to serialise per model call).
 */
const toolsJson = new WeakMap<CompletionRequest['tools'], string>();

function jsonOf(tools: CompletionRequest['tools']): string {
  let json = toolsJson.get(tools);
  if (json === undefined) {
    json = JSON.stringify(tools);
    toolsJson.set(tools, json);
  }
  return json;
}

/**
 * Reads a streamed answer to its end, handing each chunk to `take` up to `[DONE]`
 * and calling `alive` for every piece of the body that arrives (the idle watch). An
 * `{"error": …}` event (a failure in mid-answer) throws a {@link StatusError} with
 * status 0; an event that is not JSON throws a `SyntaxError`.
 */
async function readChunks(
  response: HttpResponse,
  alive: () => void,
  take: (chunk: Chunk) => void,
): Promise<void> {
  if (!response.body) return;
  const sse = new SseDecoder();
  let done = false;
  const handle = (events: SseEvent[]) => {
    for (const event of events) {
      // Read on to the end of the body after `[DONE]`: leaving early would destroy the
      // socket instead of returning it to the keep-alive pool.
      if (done || event.data.startsWith('[DONE]')) {
        done = true;
        continue;
      }
      if (event.event !== null && event.event !== 'message' && event.event !== 'error') continue;
      const data = JSON.parse(event.data) as Chunk & { error?: { message?: string } };
      if (data.error) throw new StatusError(0, data.error.message ?? 'error event in the stream');
      take(data);
    }
  };
  for await (const bytes of response.body) {
    alive();
    handle(sse.push(bytes));
  }
  handle(sse.end());
}

/** A non-2xx answer as a {@link StatusError}, with the provider's own message if it sent one. */
async function statusError(response: HttpResponse): Promise<StatusError> {
  const text = await response.text().catch(() => '');
  let detail = text;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    detail =
      (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ??
      parsed.message ??
      text;
  } catch {
    // not JSON: the text itself
  }
  const message = detail
    ? `${response.status} ${detail}`
    : `${response.status} status code (no body)`;
  return new StatusError(response.status, message, response.header('retry-after'));
}

function usageOf(usage: OpenAI.CompletionUsage | null | undefined): Completion['usage'] {
  if (!usage) return undefined;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

function addToolCallPart(
  calls: Map<number, ToolCallRecord>,
  part: OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta.ToolCall,
): void {
  const call = calls.get(part.index) ?? {
    id: '',
    type: 'function' as const,
    function: { name: '', arguments: '' },
  };
  if (part.id) call.id = part.id;
  if (part.function?.name) call.function.name += part.function.name;
  if (part.function?.arguments) call.function.arguments += part.function.arguments;
  calls.set(part.index, call);
}
