/**
 * Config sections of the agent: `llm` (the OpenAI-compatible provider and the tool
 * loop), `history` (what of a session the model sees) and `access` (who may talk
 * to the agent, owners, pairing). Composed into Parley's config by `cli/config/`.
 */
import { z } from 'zod';

const principal = z.string().regex(/^[a-z]+:.+$/, 'expected "channel:senderId"');

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
      .describe('Retries on 429, 5xx, timeouts and network errors (with backoff).'),
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
export type HistoryConfig = z.output<typeof historySchema>;
export type AccessConfig = z.output<typeof accessSchema>;
