/**
 * Config sections of the messenger channels. Each channel owns one schema here; a
 * channel is off until its section sets `enabled: true` (or its token is given).
 */
import { z } from 'zod';

export const telegramSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Telegram channel.'),
    token: z.string().optional().describe('Bot token from @BotFather. Env: TELEGRAM_BOT_TOKEN.'),
    apiRoot: z
      .string()
      .url()
      .optional()
      .describe(
        'Bot API root, no trailing slash (a local Bot API server or a test double). Env: TELEGRAM_API_ROOT.',
      ),
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
          .describe(
            'Public HTTPS URL Telegram posts updates to; it must reach `path` on Parley. Env: TELEGRAM_WEBHOOK_URL.',
          ),
        secret: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,256}$/, '1-256 characters of A-Z a-z 0-9 _ -')
          .describe(
            'Secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token. Env: TELEGRAM_WEBHOOK_SECRET.',
          ),
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

export const whatsappSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Run the WhatsApp channel (pair with `parley channels login whatsapp`).'),
    account: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, "_" or "-"')
      .default('default')
      .describe('Name of the linked WhatsApp account; its auth state is stored under this name.'),
    deviceName: z
      .string()
      .min(1)
      .default('Parley')
      .describe('Name shown for this device under "Linked devices" on the phone.'),
    maxMessageLength: z
      .number()
      .int()
      .min(500)
      .max(60_000)
      .default(4000)
      .describe('Longer replies are split into chunks of at most this many characters.'),
    maxMediaBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024)
      .describe('Images, voice notes and documents larger than this are not downloaded.'),
    sendReadReceipts: z
      .boolean()
      .default(true)
      .describe('Mark messages as read once they are stored (blue ticks).'),
    rateLimits: z
      .object({
        perChatMinMs: z
          .number()
          .int()
          .min(0)
          .default(1000)
          .describe('Minimum gap between two messages to one chat (ms).'),
        groupMessagesPerMinute: z
          .number()
          .int()
          .positive()
          .default(6)
          .describe('Messages per minute to one group.'),
        messagesPerMinute: z
          .number()
          .int()
          .positive()
          .default(60)
          .describe('Messages per minute across the whole account (paced evenly).'),
      })
      .strict()
      .prefault({})
      .describe('Outbound throttling; WhatsApp bans accounts that send in bulk.'),
    reconnect: z
      .object({
        initialDelayMs: z
          .number()
          .int()
          .min(1)
          .default(1000)
          .describe('First reconnect delay (ms).'),
        maxDelayMs: z
          .number()
          .int()
          .min(1)
          .default(60_000)
          .describe('Longest reconnect delay (ms).'),
        factor: z.number().min(1).default(2).describe('Delay multiplier per failed attempt.'),
        jitter: z
          .number()
          .min(0)
          .max(1)
          .default(0.2)
          .describe('Random spread of each delay, as a fraction (0.2 = ±20%).'),
      })
      .strict()
      .prefault({})
      .describe('Reconnect backoff after the connection closes.'),
    watchdogSeconds: z
      .number()
      .min(0.01)
      .default(180)
      .describe('Reconnect when no frame arrived from WhatsApp for this long.'),
    rateOverlimitRetrySeconds: z
      .number()
      .min(0)
      .default(30)
      .describe('Wait after a "rate-overlimit" refusal (WhatsApp gives no retry-after).'),
  })
  .strict();

export const discordSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Discord channel.'),
    token: z
      .string()
      .optional()
      .describe(
        'Bot token (Developer Portal → your application → Bot → Reset Token). Env: DISCORD_BOT_TOKEN.',
      ),
    account: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, "_" or "-"')
      .default('default')
      .describe('Name of this bot account in conversation keys and sessions.'),
    apiRoot: z
      .string()
      .url()
      .optional()
      .describe(
        'REST API root without the version (default https://discord.com/api), for a proxy or a test double; the gateway URL is fetched from it.',
      ),
    streaming: z
      .enum(['edit', 'none'])
      .default('edit')
      .describe(
        'Show the answer while it is written by editing a draft (edit), or send it at the end (none).',
      ),
    startThreads: z
      .boolean()
      .default(false)
      .describe(
        'When mentioned in a server channel, open a thread on that message and answer there (each thread is its own session).',
      ),
    registerCommands: z
      .boolean()
      .default(true)
      .describe('Register the slash commands /ask, /reset and /status at startup.'),
    commandGuildId: z
      .string()
      .regex(/^\d+$/, 'a server (guild) id')
      .optional()
      .describe(
        'Register the slash commands in this server only (they appear at once) instead of globally.',
      ),
    applicationId: z
      .string()
      .regex(/^\d+$/, 'an application id')
      .optional()
      .describe('Application id for the slash commands (default: learnt at login).'),
    requestTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(15_000)
      .describe('Timeout of one REST request to Discord (ms).'),
  })
  .strict();

export const slackSchema = z
  .object({
    enabled: z.boolean().default(false).describe('Run the Slack channel.'),
    botToken: z.string().optional().describe('Bot token (xoxb-…). Env: SLACK_BOT_TOKEN.'),
    appToken: z
      .string()
      .optional()
      .describe(
        'App-level token (xapp-…): when set, Slack connects over Socket Mode (no public URL). Env: SLACK_APP_TOKEN.',
      ),
    signingSecret: z
      .string()
      .optional()
      .describe(
        'Signing secret for HTTP events mode (events and buttons POSTed to eventsPath on the web server). Env: SLACK_SIGNING_SECRET.',
      ),
    eventsPath: z
      .string()
      .regex(/^\/[A-Za-z0-9/_-]*$/, 'expected a path like /slack/events')
      .default('/slack/events')
      .describe('Request URL path for Event Subscriptions and Interactivity in HTTP mode.'),
    apiUrl: z
      .string()
      .url()
      .optional()
      .describe('Slack Web API base URL (default https://slack.com/api/; for a test double).'),
    minIntervalMs: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .describe('Minimum milliseconds between two messages in one Slack channel (Slack: ~1/s).'),
  })
  .strict()
  .superRefine((slack, ctx) => {
    if (!slack.enabled) return;
    if (!slack.botToken)
      ctx.addIssue({
        code: 'custom',
        path: ['botToken'],
        message: 'the bot token (xoxb-…) from OAuth & Permissions; set SLACK_BOT_TOKEN',
      });
    if (!slack.appToken && !slack.signingSecret)
      ctx.addIssue({
        code: 'custom',
        path: ['signingSecret'],
        message:
          'appToken (Socket Mode, SLACK_APP_TOKEN) or signingSecret (HTTP events, SLACK_SIGNING_SECRET)',
      });
  });

export const channelsSchema = z
  .object({
    telegram: telegramSchema.optional(),
    whatsapp: whatsappSchema.optional(),
    discord: discordSchema.optional(),
    slack: slackSchema.optional(),
  })
  .strict()
  .default({});
