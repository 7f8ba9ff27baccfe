/**
 * The model behind the agent: any OpenAI-compatible Chat Completions endpoint
 * (OpenAI, OpenRouter, Ollama, LM Studio, vLLM …), streaming or not, with more
 * providers to fail over to (`llm.fallbacks`). {@link OpenAIChatModel} composes
 * `models/`: one attempt per provider (`openai.ts`: idle timeout, finish reason),
 * retries, failover and the per-call deadline (`failover.ts`). What still fails
 * becomes a {@link ProviderError} whose `userMessage` is safe to show in a chat.
 */
import type OpenAI from 'openai';
import type { ToolCallRecord } from '../sessions/records.js';
import type { ToolDefinition } from '../tools/registry.js';
import type { LlmConfig } from './config.js';
import { FailoverModel, type FailoverOptions, type ModelEvent } from './models/failover.js';
import { OpenAIProvider } from './models/openai.js';
import { providersOf } from './models/providers.js';

export { ProviderError, type ProviderErrorKind } from './models/errors.js';
export type { ModelEvent } from './models/failover.js';

export type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export interface CompletionRequest {
  messages: ChatMessage[];
  tools: ToolDefinition[];
  /** Receives text fragments as they stream in. */
  onDelta?: (delta: string) => void;
  signal?: AbortSignal;
  /** The configured model to ask first (a conversation's or channel's choice). */
  model?: string | undefined;
  /** Retries and fallbacks, for logs and metrics. */
  onEvent?: (event: ModelEvent) => void;
}

export interface Completion {
  content: string | null;
  toolCalls: ToolCallRecord[];
  usage: { promptTokens: number; completionTokens: number } | undefined;
  /** The configured model (name) that answered. */
  model?: string;
  /**
   * The stream broke off (or hit the length limit) after text was shown: `content`
   * is what arrived, and is not the whole answer.
   */
  cutOff?: boolean;
}

/** The interface the agent needs from a model; the OpenAI client is one implementation. */
export interface ChatModel {
  readonly name: string;
  complete(request: CompletionRequest): Promise<Completion>;
  /** Lists the provider's models (admin "list models", `parley doctor`). */
  listModels?(): Promise<string[]>;
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

/** `llm` and its fallbacks as one {@link ChatModel}. */
export class OpenAIChatModel extends FailoverModel {
  constructor(config: LlmConfig, options: Partial<FailoverOptions> = {}) {
    super(
      providersOf(config).map((provider) => new OpenAIProvider(provider)),
      { deadlineMs: config.deadlineMs, ...options },
    );
  }
}
