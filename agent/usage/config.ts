/**
 * Config sections `usage` (prices, budgets, alerts) and `rateLimit` (messages per
 * sender per minute). Composed into Parley's config by `cli/config/schema.ts`.
 *
 * A budget is a cap per day or per month (UTC), in tokens (prompt + completion) or
 * in cost (the `prices` currency), for everything (`global`), each user, each
 * conversation or each channel. `perUser` / `perConversation` / `perChannel` apply
 * to every one of them; `users` / `conversations` / `channels` set one of them
 * apart (a period given there replaces the default's same period).
 *
 * @example
 * ```yaml
 * usage:
 *   prices:
 *     gpt-4o-mini: { input: 0.15, output: 0.6, cached: 0.075 }
 *   budgets:
 *     global: { daily: { tokens: 5000000 }, monthly: { cost: 50 } }
 *     perUser: { daily: { tokens: 200000 } }
 *     users: { "telegram:123456": { daily: { tokens: 1000000 } } }
 * ```
 */
import { z } from 'zod';

const principal = z.string().regex(/^[a-z]+:.+$/, 'expected "channel:senderId"');

export const periodLimitSchema = z
  .object({
    tokens: z.number().int().min(1).optional().describe('Cap in tokens (prompt + completion).'),
    cost: z.number().positive().optional().describe('Cap in the currency of `usage.prices`.'),
  })
  .strict();

export const limitsSchema = z
  .object({
    daily: periodLimitSchema.prefault({}).describe('Per UTC day.'),
    monthly: periodLimitSchema.prefault({}).describe('Per UTC month.'),
  })
  .strict();

export const priceSchema = z
  .object({
    input: z.number().min(0).describe('Per million prompt tokens.'),
    output: z.number().min(0).describe('Per million completion tokens.'),
    cached: z
      .number()
      .min(0)
      .optional()
      .describe('Per million cached prompt tokens (default: the input price).'),
  })
  .strict();

export const DEFAULT_DAILY_TOKENS = 2_000_000;

const globalSchema = z
  .object({
    daily: z
      .object({
        tokens: z
          .number()
          .int()
          .min(0)
          .default(DEFAULT_DAILY_TOKENS)
          .meta({ env: 'PARLEY_DAILY_TOKEN_BUDGET' })
          .describe(
            'Tokens all model calls together may use per UTC day; 0 removes the cap. The default keeps a new install from running up a bill by accident.',
          ),
        cost: z.number().positive().optional().describe('Cost cap per UTC day.'),
      })
      .strict()
      .prefault({}),
    monthly: periodLimitSchema.prefault({}).describe('Caps per UTC month.'),
  })
  .strict()
  .prefault({});

export const usageSchema = z
  .object({
    currency: z
      .string()
      .default('USD')
      .describe('Currency of the prices and cost budgets (a label).'),
    prices: z
      .record(z.string(), priceSchema)
      .default({})
      .describe(
        'Price per million tokens by model name, e.g. { "gpt-4o-mini": { input: 0.15, output: 0.6, cached: 0.075 } }. A dated model ("gpt-4o-mini-2024-07-18") uses its base name\'s price; a model without a price is counted in tokens only.',
      ),
    outputEstimate: z
      .number()
      .int()
      .min(0)
      .default(1024)
      .describe(
        'Completion tokens assumed for a call when checking budgets before it (the prompt is estimated at 4 characters per token).',
      ),
    warnAt: z
      .number()
      .gt(0)
      .max(1)
      .default(0.8)
      .describe('Owners get a warning once per period when a budget is this full.'),
    budgets: z
      .object({
        global: globalSchema,
        perUser: limitsSchema.prefault({}).describe('Caps for each user.'),
        users: z
          .record(principal, limitsSchema)
          .default({})
          .describe('Caps for one user, by "channel:senderId".'),
        perConversation: limitsSchema
          .prefault({})
          .describe('Caps for each conversation (a DM, group or thread).'),
        conversations: z
          .record(z.string(), limitsSchema)
          .default({})
          .describe('Caps for one conversation, by key ("channel:account:conversationId").'),
        perChannel: limitsSchema.prefault({}).describe('Caps for each channel.'),
        channels: z
          .record(z.string(), limitsSchema)
          .default({})
          .describe('Caps for one channel, by id (e.g. "telegram").'),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .prefault({});

export const rateLimitSchema = z
  .object({
    messagesPerMinute: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe(
        'Messages one sender may send per minute (sliding window); more get one "slow down" reply and no answer. 0 turns the limit off.',
      ),
    exemptOwners: z.boolean().default(true).describe('Owners are not rate-limited.'),
  })
  .strict()
  .prefault({});

export type UsageConfig = z.output<typeof usageSchema>;
export type Limits = z.output<typeof limitsSchema>;
export type Price = z.output<typeof priceSchema>;
export type RateLimitConfig = z.output<typeof rateLimitSchema>;
