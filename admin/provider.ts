/**
 * Provider checks shared by the admin page ("ping provider", "list models") and
 * `parley doctor`: one tiny completion or a model list, with the failure turned
 * into words an operator can act on (a 401 is a bad API key, and so on).
 */
import { type ChatModel, ProviderError } from '../agent/llm.js';
import { BudgetExceededError } from '../agent/usage/meter.js';

export interface ProviderCheck {
  ok: boolean;
  model?: string;
  latencyMs?: number;
  reply?: string;
  models?: string[];
  error?: string;
  fix?: string;
}

/** What to do about a provider failure. */
export function providerFix(error: unknown, model: string): { error: string; fix: string } {
  if (error instanceof BudgetExceededError)
    return {
      error: `not sent: the budget ${error.budget.configKey} has no room for it (${error.used} of ${error.budget.limit} used)`,
      fix: `Raise ${error.budget.configKey} in parley.yaml${error.budget.env ? ` (or ${error.budget.env})` : ''}, or wait until it resets.`,
    };
  const status = error instanceof ProviderError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 401 || status === 403)
    return {
      error: `bad API key: the provider refused it (HTTP ${status})`,
      fix: 'Set a valid key in OPENAI_API_KEY (llm.apiKey) and restart Parley.',
    };
  if (status === 404)
    return {
      error: `the provider does not know the model "${model}" (HTTP 404)`,
      fix: 'Pick a model the provider lists ("list models") and set PARLEY_MODEL (llm.model).',
    };
  if (status === 429)
    return {
      error: 'the provider is rate-limiting or the account has no credit (HTTP 429)',
      fix: "Wait a minute, or check the account's quota and billing.",
    };
  if (status !== undefined)
    return { error: `the provider answered HTTP ${status}: ${message}`, fix: 'Retry later.' };
  return {
    error: `the provider is unreachable: ${message}`,
    fix: 'Check OPENAI_BASE_URL (llm.baseUrl) and that the server is running and reachable.',
  };
}

/** Sends one tiny completion. */
export async function pingProvider(
  model: ChatModel | undefined,
  missing: string | undefined,
  timeoutMs = 15_000,
): Promise<ProviderCheck> {
  if (!model) return { ok: false, error: 'no provider configured', fix: missing ?? '' };
  const started = Date.now();
  try {
    const completion = await model.complete({
      messages: [{ role: 'user', content: 'Reply with the single word: pong' }],
      tools: [],
      signal: AbortSignal.timeout(timeoutMs),
    });
    return {
      ok: true,
      // With fallbacks configured, the one that answered (it may not be the primary).
      model: completion.model ?? model.name,
      latencyMs: Date.now() - started,
      reply: (completion.content ?? '').slice(0, 200),
    };
  } catch (error) {
    return {
      ok: false,
      model: model.name,
      latencyMs: Date.now() - started,
      ...providerFix(error, model.name),
    };
  }
}

/** Lists the provider's models. */
export async function listProviderModels(
  model: ChatModel | undefined,
  missing: string | undefined,
): Promise<ProviderCheck> {
  if (!model) return { ok: false, error: 'no provider configured', fix: missing ?? '' };
  if (!model.listModels)
    return { ok: false, model: model.name, error: 'this provider cannot list models', fix: '' };
  try {
    return { ok: true, model: model.name, models: await model.listModels() };
  } catch (error) {
    return { ok: false, model: model.name, ...providerFix(error, model.name) };
  }
}
