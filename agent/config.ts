/**
 * Config sections of the agent: `llm` (the OpenAI-compatible provider and the tool
 * loop), `history` (what of a session the model sees) and `access` (who may talk
 * to the agent, owners, pairing). Composed into Parley's config by `cli/config/`.
 */
import { z } from 'zod';

const principal = z.string().regex(/^[a-z]+:.+$/, 'expected "channel:senderId"');

/**
 * One more provider/model for failover and `/model`. Unset keys are taken from `llm`;
 * the API key only when the base URL is the same too, so a key is never sent to
 * another host.
 */
export const providerSchema = z
  .object({
    name: z
      .string()
      .regex(/^[\w.:/-]{1,64}$/, 'expected 1–64 letters, digits or . : / - _')
      .optional()
      .describe('Name shown by /model and in logs and metrics (default: the model).'),
    model: z.string().min(1).describe('Model name at this provider.'),
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe('OpenAI-compatible base URL (default: llm.baseUrl).'),
    apiKey: z
      .string()
      .optional()
      .meta({ secret: true })
      .describe('API key (default: llm.apiKey when baseUrl is unset or the same).'),
  })
  .strict();

/** A conversation's history is reset after idle hours, daily at a time, or only by /reset. */
export const resetSchema = z
  .object({
    mode: z
      .enum(['manual', 'idle', 'daily'])
      .default('manual')
      .describe(
        'manual: only /reset or /new; idle: after idleHours without a message; daily: at `at`.',
      ),
    idleHours: z
      .number()
      .positive()
      .default(24)
      .describe(
        'Hours without a message after which the next one starts a new session (mode idle).',
      ),
    at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM, e.g. 04:00')
      .default('04:00')
      .describe('Time of day (HH:MM) of the daily reset (mode daily).'),
    timezone: z.string().default('UTC').describe('IANA time zone of `at`, e.g. Europe/Berlin.'),
  })
  .strict()
  // Checked only where it is used: loading the time zone data costs about 8 MB of memory.
  .superRefine((rule, context) => {
    if (rule.mode === 'daily' && !knownTimeZone(rule.timezone))
      context.addIssue({
        code: 'custom',
        path: ['timezone'],
        message: `"${rule.timezone}" is not an IANA time zone; use e.g. Europe/Berlin or UTC`,
      });
  });

function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const llmSchema = z
  .object({
    baseUrl: z
      .string()
      .url()
      .optional()
      .meta({ env: 'OPENAI_BASE_URL', example: 'http://127.0.0.1:11434/v1' })
      .describe('OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 for Ollama.'),
    apiKey: z
      .string()
      .optional()
      .meta({ env: 'OPENAI_API_KEY', secret: true })
      .describe('API key for the provider (local servers accept any value).'),
    model: z
      .string()
      .min(1)
      .default('gpt-4o-mini')
      .meta({ env: 'PARLEY_MODEL' })
      .describe('Model name.'),
    stream: z
      .boolean()
      .default(true)
      .describe('Stream answers (partial replies in the web chat, draft edits in messengers).'),
    maxToolRounds: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(10)
      .describe('Model ↔ tool round trips allowed in one turn.'),
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe('Timeout of one provider request.'),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe(
        'Retries on 429, 5xx, timeouts, network errors, stalled, truncated or garbled streams (with backoff).',
      ),
    idleTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe(
        'A request (or its stream) that sends nothing for this long is abandoned and retried.',
      ),
    deadlineMs: z
      .number()
      .int()
      .min(1000)
      .default(90_000)
      .describe(
        'Most one model call may take, retries and fallbacks included; then the turn fails clearly.',
      ),
    fallbacks: z
      .array(providerSchema)
      .default([])
      .describe(
        'More providers/models, each { name?, model, baseUrl?, apiKey? }, tried in order when one fails with 5xx, 429, a timeout, a stall or a connection error after its retries; also the choices of /model (docs/models.md).',
      ),
    channels: z
      .record(z.string(), z.string())
      .default({})
      .describe(
        'Model per channel: channel id → a model name (llm.model or a fallback name), e.g. { telegram: llama }.',
      ),
    temperature: z
      .number()
      .min(0)
      .max(2)
      .optional()
      .describe('Sampling temperature; provider default when unset.'),
    systemPrompt: z
      .string()
      .default(
        'You are Parley, a helpful assistant chatting through a messenger. Answer concisely in Markdown.',
      )
      .describe('System prompt sent first in every request.'),
  })
  .strict()
  .superRefine((llm, context) => {
    // Names of the configured models (the primary, then each fallback): unique, and
    // what llm.channels may refer to.
    const names = [llm.model, ...llm.fallbacks.map((entry) => entry.name ?? entry.model)];
    names.forEach((name, index) => {
      if (index > 0 && names.indexOf(name) < index)
        context.addIssue({
          code: 'custom',
          path: ['fallbacks', index - 1, 'name'],
          message: `the model name "${name}" is used twice; give this entry its own name`,
        });
    });
    for (const [channel, name] of Object.entries(llm.channels))
      if (!names.includes(name))
        context.addIssue({
          code: 'custom',
          path: ['channels', channel],
          message: `"${name}" is not a configured model; use one of ${names.join(', ')}`,
        });
  })
  .prefault({});

export const historySchema = z
  .object({
    maxMessages: z
      .number()
      .int()
      .min(1)
      .default(40)
      .describe('Most recent messages sent to the model.'),
    maxTokens: z
      .number()
      .int()
      .min(100)
      .default(8000)
      .describe('Estimated token budget of that history.'),
    compact: z
      .boolean()
      .default(true)
      .describe(
        'When the history outgrows a limit, summarise the older half by the model into a stored summary instead of dropping it.',
      ),
    reset: resetSchema.prefault({}).describe('When a conversation starts a new session by itself.'),
    resetByChannel: z
      .record(z.string(), resetSchema)
      .default({})
      .describe(
        'Reset rules per channel id, replacing history.reset there, e.g. { web: { mode: idle } }.',
      ),
  })
  .strict()
  .prefault({});

export const accessSchema = z
  .object({
    owners: z
      .array(principal)
      .default([])
      .describe(
        'Owners as "channel:senderId" (e.g. "telegram:123456"). Owners approve pairings and tool calls.',
      ),
    allow: z
      .array(principal)
      .default([])
      .describe('Senders always allowed, as "channel:senderId".'),
    dmPolicy: z
      .enum(['pairing', 'allowlist', 'open'])
      .default('pairing')
      .describe(
        'Unknown DM senders: get a pairing code (pairing), are ignored (allowlist), or are answered (open).',
      ),
    groupPolicy: z
      .enum(['mention', 'always', 'off'])
      .default('mention')
      .describe(
        'In groups answer only when mentioned or replied to (mention), to every message (always), or never (off).',
      ),
    pairingTtlMinutes: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe('How long a pairing code stays valid.'),
  })
  .strict()
  .prefault({});

export type LlmConfig = z.output<typeof llmSchema>;
export type ProviderConfig = z.output<typeof providerSchema>;
export type ResetConfig = z.output<typeof resetSchema>;
export type HistoryConfig = z.output<typeof historySchema>;
export type AccessConfig = z.output<typeof accessSchema>;
