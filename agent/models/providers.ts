/**
 * The configured models as a list: `llm` itself first, then `llm.fallbacks` in
 * order, each complete (unset keys taken from `llm`). The API key is inherited only
 * by an entry on the same base URL, so a key never travels to another host.
 */
import type { LlmConfig } from '../config.js';

export interface Provider {
  /** What `/model`, logs and metrics call it (default: the model). */
  name: string;
  model: string;
  baseUrl: string | undefined;
  apiKey: string | undefined;
  stream: boolean;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxRetries: number;
  temperature: number | undefined;
}

export function providersOf(llm: LlmConfig): Provider[] {
  const shared = {
    stream: llm.stream,
    timeoutMs: llm.timeoutMs,
    idleTimeoutMs: llm.idleTimeoutMs,
    maxRetries: llm.maxRetries,
    temperature: llm.temperature,
  };
  const primary: Provider = {
    ...shared,
    name: llm.model,
    model: llm.model,
    baseUrl: llm.baseUrl,
    apiKey: llm.apiKey,
  };
  const rest = llm.fallbacks.map((entry): Provider => {
    const sameHost = entry.baseUrl === undefined || entry.baseUrl === llm.baseUrl;
    return {
      ...shared,
      name: entry.name ?? entry.model,
      model: entry.model,
      baseUrl: entry.baseUrl ?? llm.baseUrl,
      apiKey: entry.apiKey ?? (sameHost ? llm.apiKey : undefined),
    };
  });
  return [primary, ...rest];
}

/** The names `/model` offers, primary first. */
export const modelNames = (llm: LlmConfig): string[] => providersOf(llm).map((p) => p.name);

/** API keys of the fallbacks (the primary's is a config secret already), for redaction. */
export const providerSecrets = (llm: LlmConfig): string[] =>
  llm.fallbacks.flatMap((entry) => (entry.apiKey ? [entry.apiKey] : []));
