/**
 * The agent's view of a model: {@link ChatModel} and its request and answer. The
 * OpenAI-compatible implementation is composed in `agent/llm.ts`; wrappers (usage
 * accounting and the like) implement the same interface around it.
 */
import type OpenAI from 'openai';
import type { ToolCallRecord } from '../../sessions/records.js';
import type { UsageAttribution } from '../../sessions/usage-records.js';
import type { ToolDefinition } from '../../tools/registry.js';
import type { ProviderErrorKind } from './errors.js';

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
  /** Who and what the call is for, for usage records and budgets (see agent/usage/). */
  attribution?: UsageAttribution;
}

export interface Completion {
  content: string | null;
  toolCalls: ToolCallRecord[];
  usage: { promptTokens: number; completionTokens: number; cachedTokens?: number } | undefined;
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

/** Reported through `CompletionRequest.onEvent` for logs and metrics. */
export type ModelEvent =
  | { type: 'retry'; model: string; reason: ProviderErrorKind; attempt: number }
  | { type: 'fallback'; from: string; to: string; reason: ProviderErrorKind };
