/**
 * Config section `channels.telegram`: the bot token, long polling or webhook mode,
 * media limits and the retry bounds of Bot API calls outside the sender pipeline.
 * The channel is off until `enabled: true`. Keys with `.meta({ env })` can be set
 * from the environment; `secret: true` values are redacted wherever Parley prints.
 */
import { z } from 'zod';

export const telegramSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Telegram channel.'),
    token: z
      .string()
      .optional()
      .meta({ env: 'TELEGRAM_BOT_TOKEN', secret: true })
      .describe('Bot token from @BotFather.'),
    apiRoot: z
      .string()
      .url()
      .optional()
      .meta({ env: 'TELEGRAM_API_ROOT' })
      .describe('Bot API root, no trailing slash (a local Bot API server or a test double).'),
    account: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('default')
      .describe('Account name used in conversation keys (telegram:<account>:<chat>).'),
    webhook: z
      .object({
        url: z
          .string()
          .url()
          .meta({ env: 'TELEGRAM_WEBHOOK_URL' })
          .describe('Public HTTPS URL Telegram posts updates to; it must reach `path` on Parley.'),
        secret: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 characters of A-Z a-z 0-9 _ -')
          .meta({ env: 'TELEGRAM_WEBHOOK_SECRET', secret: true })
          .describe('Secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token.'),
        path: z
          .string()
          .startsWith('/')
          .default('/telegram/webhook')
          .describe("Path of the webhook route on Parley's HTTP server."),
      })
      .strict()
      .optional()
      .describe('Webhook mode (instead of long polling) when set.'),
    pollingTimeoutSeconds: z
      .number()
      .int()
      .min(0)
      .max(50)
      .default(30)
      .describe('Long-poll timeout of getUpdates, in seconds.'),
    maxFileMB: z
      .number()
      .positive()
      .max(2000)
      .default(20)
      .describe(
        'Largest inbound file downloaded (photos, documents, voice), in MB. The cloud Bot API stops at 20.',
      ),
    apiRetry: z
      .object({
        maxAttempts: z
          .number()
          .int()
          .min(0)
          .default(3)
          .describe('Retries of calls outside the sender pipeline (getFile, setMyCommands …).'),
        maxDelaySeconds: z
          .number()
          .int()
          .min(1)
          .default(30)
          .describe('Longest retry_after honoured by those retries; longer waits fail.'),
      })
      .strict()
      .default({ maxAttempts: 3, maxDelaySeconds: 30 })
      .describe('Bounded auto-retry for Bot API calls the sender pipeline does not retry itself.'),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.enabled && !value.token)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'a bot token from @BotFather (set channels.telegram.token or TELEGRAM_BOT_TOKEN)',
      });
  });

export type TelegramConfig = z.output<typeof telegramSchema>;
