/**
 * The model behind the agent: any OpenAI-compatible Chat Completions endpoint
 * (OpenAI, OpenRouter, Ollama, LM Studio, vLLM …), streaming or not, with more
 * providers to fail over to (`llm.fallbacks`). {@link OpenAIChatModel} composes
 * `models/`: one attempt per provider (`openai.ts`: idle timeout, finish reason),
 * retries, failover and the per-call deadline (`failover.ts`). What still fails
 * becomes a {@link ProviderError} whose `userMessage` is safe to show in a chat.
 */
import type { LlmConfig } from './config.js';
import { FailoverModel, type FailoverOptions } from './models/failover.js';
import { OpenAIProvider } from './models/openai.js';
import { providersOf } from './models/providers.js';

export { ProviderError, type ProviderErrorKind } from './models/errors.js';
export type {
  ChatMessage,
  ChatModel,
  Completion,
  CompletionRequest,
  ModelEvent,
} from './models/types.js';

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
