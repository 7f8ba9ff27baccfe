/**
 * The model behind the agent: any OpenAI-compatible Chat Completions endpoint
 * (OpenAI, OpenRouter, Ollama, LM Studio, vLLM …) through the `openai` package,
 * streaming or not. Retries with backoff on 429/5xx/timeouts/network errors are the
 * client's own (`maxRetries`, honouring retry-after); what still fails becomes a
 * {@link ProviderError} whose `userMessage` is safe to show in a chat.
 */
import type OpenAI from 'openai';
import { httpFetch } from '../core/http-fetch.js';
import type { ToolCallRecord } from '../sessions/records.js';
import type { ToolDefinition } from '../tools/registry.js';
import type { LlmConfig } from './config.js';

export type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export interface CompletionRequest {
  messages: ChatMessage[];
  tools: ToolDefinition[];
  /** Receives text fragments as they stream in. */
  onDelta?: (delta: string) => void;
  signal?: AbortSignal;
}

export interface Completion {
  content: string | null;
  toolCalls: ToolCallRecord[];
  usage: { promptTokens: number; completionTokens: number } | undefined;
}

/** The interface the agent needs from a model; the OpenAI client is one implementation. */
export interface ChatModel {
  readonly name: string;
  complete(request: CompletionRequest): Promise<Completion>;
  /** Lists the provider's models (admin "list models", `parley doctor`). */
  listModels?(): Promise<string[]>;
  /** Loads the client ahead of the first turn (no request is sent). */
  warm?(): Promise<void>;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    message: string,
    readonly userMessage: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Why the provider is not configured, naming what to set; undefined when it is. */
export function missingProvider(config: LlmConfig): string | undefined {
  if (config.baseUrl || config.apiKey) return undefined;
  return (
    'No AI provider is configured. Set OPENAI_API_KEY (for OpenAI) or OPENAI_BASE_URL ' +
    '(for an OpenAI-compatible server such as Ollama: http://127.0.0.1:11434/v1), ' +
    'or llm.apiKey / llm.baseUrl in parley.yaml, then restart Parley.'
  );
}

export class OpenAIChatModel implements ChatModel {
  private sdk: typeof OpenAI | undefined;
  private clientPromise: Promise<OpenAI> | undefined;

  constructor(private readonly config: LlmConfig) {}

  /** The client, created on first use: the `openai` module (about 10 MB) loads only then. */
  private client(): Promise<OpenAI> {
    this.clientPromise ??= import('openai').then(({ default: sdk }) => {
      this.sdk = sdk;
      return new sdk({
        apiKey: this.config.apiKey ?? 'not-needed',
        baseURL: this.config.baseUrl ?? 'https://api.openai.com/v1',
        timeout: this.config.timeoutMs,
        maxRetries: this.config.maxRetries,
        fetch: httpFetch,
      });
    });
    return this.clientPromise;
  }

  get name(): string {
    return this.config.model;
  }

  async warm(): Promise<void> {
    await this.client();
  }

  async complete(request: CompletionRequest): Promise<Completion> {
    try {
      return this.config.stream ? await this.streamed(request) : await this.single(request);
    } catch (error) {
      throw this.explain(error);
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
      model: this.config.model,
      messages: request.messages,
      ...(request.tools.length ? { tools: request.tools } : {}),
      ...(this.config.temperature !== undefined ? { temperature: this.config.temperature } : {}),
    };
  }

  private async single(request: CompletionRequest): Promise<Completion> {
    const client = await this.client();
    const response = await client.chat.completions.create(
      { ...this.params(request), stream: false },
      request.signal ? { signal: request.signal } : {},
    );
    const message = response.choices[0]?.message;
    const toolCalls = (message?.tool_calls ?? [])
      .filter((call) => call.type === 'function')
      .map((call) => ({
        id: call.id,
        type: 'function' as const,
        function: { name: call.function.name, arguments: call.function.arguments },
      }));
    if (message?.content) request.onDelta?.(message.content);
    return {
      content: message?.content ?? null,
      toolCalls,
      usage: response.usage
        ? {
            promptTokens: response.usage.prompt_tokens,
            completionTokens: response.usage.completion_tokens,
          }
        : undefined,
    };
  }

  private async streamed(request: CompletionRequest): Promise<Completion> {
    const client = await this.client();
    const stream = await client.chat.completions.create(
      { ...this.params(request), stream: true, stream_options: { include_usage: true } },
      request.signal ? { signal: request.signal } : {},
    );
    let content = '';
    const calls = new Map<number, ToolCallRecord>();
    let usage: Completion['usage'];
    for await (const chunk of stream) {
      if (chunk.usage)
        usage = {
          promptTokens: chunk.usage.prompt_tokens,
          completionTokens: chunk.usage.completion_tokens,
        };
      const delta = chunk.choices[0]?.delta;
      if (!delta) continue;
      if (delta.content) {
        content += delta.content;
        request.onDelta?.(delta.content);
      }
      for (const part of delta.tool_calls ?? []) {
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
    }
    const toolCalls = [...calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
    return { content: content || null, toolCalls, usage };
  }

  /** Maps client errors to a {@link ProviderError} with words for the chat. */
  private explain(error: unknown): ProviderError {
    if (error instanceof ProviderError) return error;
    const where = this.config.baseUrl ?? 'the OpenAI API';
    const sdk = this.sdk;
    if (sdk && error instanceof sdk.APIConnectionTimeoutError) {
      return new ProviderError(
        error.message,
        `The AI provider at ${where} did not answer in time. Please try again later.`,
      );
    }
    if (sdk && error instanceof sdk.APIConnectionError) {
      return new ProviderError(
        error.message,
        `I could not reach the AI provider at ${where}. Is it running? Please try again later.`,
      );
    }
    if (sdk && error instanceof sdk.APIError) {
      const status = error.status ?? 0;
      const text =
        status === 401 || status === 403
          ? `The AI provider refused the API key (HTTP ${status}). The operator should check OPENAI_API_KEY (llm.apiKey).`
          : status === 404
            ? `The AI provider does not know the model "${this.config.model}" (HTTP 404). The operator should check PARLEY_MODEL (llm.model).`
            : status === 429
              ? 'The AI provider is rate-limiting requests right now. Please try again in a minute.'
              : status >= 500
                ? `The AI provider is failing (HTTP ${status}). Please try again later.`
                : `The AI provider rejected the request (HTTP ${status}).`;
      return new ProviderError(error.message, text, status);
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ProviderError(
      message,
      'The AI provider failed unexpectedly. Please try again later.',
    );
  }
}
