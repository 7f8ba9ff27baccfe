/**
 * Config section `channels.whatsapp`: the linked account, outbound pacing (WhatsApp
 * bans accounts that send in bulk), media limits and reconnect backoff.
 * The channel is off until `enabled: true`. Keys with `.meta({ env })` can be set
 * from the environment; `secret: true` values are redacted wherever Parley prints.
 */
import { z } from 'zod';

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
    webVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, 'three numbers joined by dots, e.g. "2.3000.1023223821"')
      .optional()
      .describe(
        'WhatsApp Web version to announce instead of the built-in one. Set it to the current version (web.whatsapp.com, or the Baileys issue tracker) when connecting ends in a 405 loop.',
      ),
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

export type WhatsAppConfig = z.output<typeof whatsappSchema>;
