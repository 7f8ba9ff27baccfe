/**
 * One attempt at one OpenAI-compatible provider, streaming or not, through the
 * `openai` package with its own retries off: retrying, failover and the deadline
 * are `failover.ts`'s. An attempt watches the stream: nothing for `idleTimeoutMs`
 * (before the headers or between chunks) aborts it as `stall`; a stream that ends
 * without a finish reason is reported as such, not as a whole answer. Every client
 * error becomes a {@link ProviderError} with a `kind`.
 */
import type OpenAI from 'openai';
import { httpFetch } from '../../core/http-fetch.js';
import type { ToolCallRecord } from '../../sessions/records.js';
import { ProviderError } from './errors.js';
import type { Provider } from './providers.js';
import type { Completion, CompletionRequest } from './types.js';

/** What one attempt produced; `finishReason` undefined means the stream broke off. */
export interface AttemptResult {
  completion: Completion;
  finishReason: string | undefined;
}

/** Raised inside an attempt when its idle timer fires. */
class Stalled extends Error {}

export class OpenAIProvider {
  private sdk: typeof OpenAI | undefined;
  private clientPromise: Promise<OpenAI> | undefined;

  constructor(readonly provider: Provider) {}

  get name(): string {
    return this.provider.name;
  }

  /** The client, created on first use: the `openai` module (about 10 MB) loads only then. */
  /** Loads the client (and the `openai` module) ahead of the first call. */
  async warm(): Promise<void> {
    await this.client();
  }

  private client(): Promise<OpenAI> {
    this.clientPromise ??= import('openai').then(({ default: sdk }) => {
      this.sdk = sdk;
      return new sdk({
        apiKey: this.provider.apiKey ?? 'not-needed',
        baseURL: this.provider.baseUrl ?? 'https://api.openai.com/v1',
        timeout: this.provider.timeoutMs,
        maxRetries: 0,
        // The client would print a garbled chunk (which may quote anything) to stderr.
        logLevel: 'off',
        fetch: httpFetch,
      });
    });
    return this.clientPromise;
  }

  /** One request; `onDelta` sees text as it streams. Throws a {@link ProviderError}. */
  async attempt(request: CompletionRequest): Promise<AttemptResult> {
    const controller = new AbortController();
    const outer = request.signal;
    const forward = () => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener('abort', forward, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const idle = this.provider.stream
      ? () => {
          clearTimeout(timer);
          timer = setTimeout(() => controller.abort(new Stalled()), this.provider.idleTimeoutMs);
        }
      : () => {};
    try {
      // The first call loads the client module; the idle clock starts at the request.
      const client = await this.client();
      idle();
      const result = this.provider.stream
        ? await this.streamed(client, request, controller.signal, idle)
        : await this.single(client, request, controller.signal);
      // The client ends an aborted stream quietly: say why it ended.
      if (controller.signal.aborted) throw controller.signal.reason;
      return result;
    } catch (error) {
      throw this.explain(controller.signal.aborted ? controller.signal.reason : error);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    }
  }

  async listModels(): Promise<string[]> {
    try {
      const client = await this.client();
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      return ids;
    } catch (error) {
      throw this.explain(error);
    }
  }

  private params(request: CompletionRequest) {
    return {
      model: this.provider.model,
      messages: request.messages,
      ...(request.tools.length ? { tools: request.tools } : {}),
      ...(this.provider.temperature !== undefined
        ? { temperature: this.provider.temperature }
        : {}),
    };
  }

  private async single(
    client: OpenAI,
    request: CompletionRequest,
    signal: AbortSignal,
  ): Promise<AttemptResult> {
    const response = await client.chat.completions.create(
      { ...this.params(request), stream: false },
      { signal },
    );
    const choice = response.choices[0];
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
        usage: response.usage
          ? {
              promptTokens: response.usage.prompt_tokens,
              completionTokens: response.usage.completion_tokens,
              cachedTokens: response.usage.prompt_tokens_details?.cached_tokens ?? 0,
            }
          : undefined,
        model: this.name,
      },
    };
  }

  private async streamed(
    client: OpenAI,
    request: CompletionRequest,
    signal: AbortSignal,
    idle: () => void,
  ): Promise<AttemptResult> {
    const stream = await client.chat.completions.create(
      { ...this.params(request), stream: true, stream_options: { include_usage: true } },
      { signal },
    );
    idle();
    let content = '';
    let finishReason: string | undefined;
    const calls = new Map<number, ToolCallRecord>();
    let usage: Completion['usage'];
    for await (const chunk of stream) {
      idle();
      if (chunk.usage)
        usage = {
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
          cachedTokens: chunk.usage.prompt_tokens_details?.cached_tokens ?? 0,
        };
      const choice = chunk.choices[0];
      if (choice?.finish_reason) finishReason = choice.finish_reason;
      const delta = choice?.delta;
      if (!delta) continue;
      if (delta.content) {
        content += delta.content;
        request.onDelta?.(delta.content);
      }
      for (const part of delta.tool_calls ?? []) addToolCallPart(calls, part);
    }
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
    return {
      finishReason,
      completion: { content: content || null, toolCalls, usage, model: this.name },
    };
  }

  /** Maps client errors to a {@link ProviderError} with words for the chat. */
  explain(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    const where = `the AI provider "${this.name}"`;
    const sdk = this.sdk;
    if (error instanceof Stalled)
      return new ProviderError(
        `no data for ${this.provider.idleTimeoutMs} ms`,
        `${capital(where)} stopped sending its answer. Please try again later.`,
        undefined,
        'stall',
      );
    if (sdk && error instanceof sdk.APIConnectionTimeoutError)
      return new ProviderError(
        error.message,
        `${capital(where)} did not answer in time. Please try again later.`,
        undefined,
        'timeout',
      );
    if (sdk && error instanceof sdk.APIUserAbortError)
      return new ProviderError(error.message, 'Stopped.', undefined, 'aborted');
    if (sdk && error instanceof sdk.APIConnectionError)
      return new ProviderError(
        error.message,
        `I could not reach ${where}. Is it running? Please try again later.`,
        undefined,
        'connection',
      );
    if (sdk && error instanceof sdk.APIError) return this.explainStatus(error);
    if (error instanceof SyntaxError)
      return new ProviderError(
        error.message,
        `${capital(where)} sent a garbled answer. Please try again.`,
        undefined,
        'malformed',
      );
    if (isAbort(error)) return new ProviderError(String(error), 'Stopped.', undefined, 'aborted');
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderError(
      message,
      'The AI provider failed unexpectedly. Please try again later.',
      undefined,
      isNetwork(error) ? 'connection' : 'unknown',
    );
  }

  private explainStatus(error: InstanceType<typeof OpenAI.APIError>): ProviderError {
    const status = error.status ?? 0;
    const retryAfter = Number(error.headers?.get('retry-after'));
    const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
    const [kind, text]: [ProviderError['kind'], string] =
      status === 0
        ? ['server', 'The AI provider reported an error in the middle of its answer.']
        : status === 401 || status === 403
          ? [
              'refused',
              `The AI provider refused the API key (HTTP ${status}). The operator should check OPENAI_API_KEY (llm.apiKey).`,
            ]
          : status === 404
            ? [
                'refused',
                `The AI provider does not know the model "${this.provider.model}" (HTTP 404). The operator should check PARLEY_MODEL (llm.model).`,
              ]
            : status === 429
              ? [
                  'rate-limit',
                  'The AI provider is rate-limiting requests right now. Please try again in a minute.',
                ]
              : status >= 500 || status === 408 || status === 409
                ? ['server', `The AI provider is failing (HTTP ${status}). Please try again later.`]
                : ['refused', `The AI provider rejected the request (HTTP ${status}).`];
    return new ProviderError(error.message, text, status || undefined, kind, undefined, wait);
  }
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

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

const isAbort = (error: unknown) =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');

const isNetwork = (error: unknown) =>
  error instanceof Error &&
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|socket hang up|terminated|aborted/i.test(
    `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`,
  );
