/**
 * Parley's configuration schema (zod): the single source for validation, defaults,
 * `parley.example.yaml` and docs/configuration.md. Each channel and the sandbox keep
 * their section in a file beside this one.
 */
import { z } from 'zod';
import { sandboxSchema } from '../../sandbox/config.js';
import { mcpSchema } from '../../tools/mcp/config.js';
import { fetchUrlSchema } from '../../tools/web/config.js';
import { channelsSchema } from './channels.js';

const port = z.number().int().min(0).max(65535);

export const llmSchema = z
  .object({
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe(
        'OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 for Ollama. Env: OPENAI_BASE_URL.',
      ),
    apiKey: z
      .string()
      .optional()
      .describe('API key for the provider (local servers accept any value). Env: OPENAI_API_KEY.'),
    model: z.string().min(1).default('gpt-4o-mini').describe('Model name. Env: PARLEY_MODEL.'),
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
  .strict();

export const configSchema = z
  .object({
    dataDir: z
      .string()
      .default('./data')
      .describe('Folder for parley.db and conversation workspaces. Env: PARLEY_DATA_DIR.'),
    llm: llmSchema.default(llmSchema.parse({})),
    history: z
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
      .default({ maxMessages: 40, maxTokens: 8000 }),
    queue: z
      .object({
        concurrency: z
          .number()
          .int()
          .min(1)
          .default(16)
          .describe('Conversations handled in parallel.'),
        capacity: z
          .number()
          .int()
          .min(1)
          .default(1000)
          .describe('Messages waiting in memory before channels are slowed down.'),
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe(
            'Interrupted runs of one message (crashes or restarts mid-turn) before it is answered with an apology instead.',
          ),
      })
      .strict()
      .default({ concurrency: 16, capacity: 1000, maxAttempts: 3 }),
    access: z
      .object({
        owners: z
          .array(z.string().regex(/^[a-z]+:.+$/, 'expected "channel:senderId"'))
          .default([])
          .describe(
            'Owners as "channel:senderId" (e.g. "telegram:123456"). Owners approve pairings and tool calls.',
          ),
        allow: z
          .array(z.string().regex(/^[a-z]+:.+$/, 'expected "channel:senderId"'))
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
      .default({
        owners: [],
        allow: [],
        dmPolicy: 'pairing',
        groupPolicy: 'mention',
        pairingTtlMinutes: 60,
      }),
    tools: z
      .object({
        policies: z
          .record(z.string(), z.enum(['auto', 'ask', 'deny']))
          .default({})
          .describe('Per-tool policy overrides, e.g. { shell: ask, get_time: auto }.'),
        approvalTimeoutMinutes: z
          .number()
          .min(0.01)
          .default(10)
          .describe('A pending approval is denied after this long.'),
        approver: z
          .enum(['owner', 'requester'])
          .default('owner')
          .describe('Who may approve a tool call: only owners, or also the person who asked.'),
      })
      .strict()
      .default({ policies: {}, approvalTimeoutMinutes: 10, approver: 'owner' }),
    web: z
      .object({
        enabled: z.boolean().default(true).describe('Serve the web chat and admin pages.'),
        host: z
          .string()
          .default('127.0.0.1')
          .describe(
            'Bind address. Keep loopback unless a reverse proxy with TLS is in front. Env: PARLEY_WEB_HOST.',
          ),
        port: port.default(8787).describe('HTTP port (0 picks a free one). Env: PARLEY_WEB_PORT.'),
        token: z
          .string()
          .min(16)
          .optional()
          .describe(
            'Access token for the web chat and admin API; generated and stored in the database when unset. Env: PARLEY_WEB_TOKEN.',
          ),
      })
      .strict()
      .default({ enabled: true, host: '127.0.0.1', port: 8787 }),
    terminal: z
      .object({
        enabled: z
          .enum(['auto', 'on', 'off'])
          .default('auto')
          .describe('Terminal chat: auto = when stdin is a TTY.'),
      })
      .strict()
      .default({ enabled: 'auto' }),
    logging: z
      .object({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('pino log level. Env: PARLEY_LOG_LEVEL.'),
      })
      .strict()
      .default({ level: 'info' }),
    channels: channelsSchema,
    sandbox: sandboxSchema,
    mcp: mcpSchema,
    fetchUrl: fetchUrlSchema,
  })
  .strict();

export type ParleyConfig = z.infer<typeof configSchema>;
export type LlmConfig = z.infer<typeof llmSchema>;
